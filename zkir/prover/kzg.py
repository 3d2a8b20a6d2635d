"""KZG commitments over BLS12-381: SRS, MSM wrapper, GWC multi-point opening.

Why: all curve work is delegated to py_arkworks_bls12381; this module converts
our field vectors into arkworks scalars cheaply (``Scalar.from_le_bytes``) and
exploits small witness values: a column whose entries are small signed
integers is committed as MSM(positive part) - MSM(|negative part|) over
64-bit scalars, which arkworks processes several times faster than full ones.

The SRS comes from SRS.generate (fresh secret tau, discarded), a powers-of-tau
ceremony (zkir.prover.ceremony) or the Ethereum KZG ceremony
(zkir.prover.ethereum_setup); SRS.insecure_from_seed (public tau) is for tests
and is marked insecure.  Work on many points (G1 inverse NTT, fixed-base
products, subgroup checks) is spread over forked worker processes, because
arkworks' single-point operations hold the GIL.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field as dc_field
from typing import Callable, Iterable, Protocol, TypeVar

import numpy as np
from py_arkworks_bls12381 import G1Point, G2Point, GT, Scalar

from zkir.files import write_atomic

from . import field as F
from .errors import ProofFormatError
from . import mcl_msm
from .ntt import _log2

P = F.P
G1_BYTES = 48
G2_BYTES = 96
_XY = 96

SRS_MAGIC = b"ZKIRSRS\x00"
SRS_VERSION = 2  # 2 added the insecure flag and the source string; 1 is still read


# ------------------------------------------------------------------ scalars / MSM
def scalars_from_bytes(buf: bytes) -> list[Scalar]:
    fb = Scalar.from_le_bytes
    return [fb(buf[i:i + 32]) for i in range(0, len(buf), 32)]


def scalars_from_field(vec: np.ndarray) -> list[Scalar]:
    return scalars_from_bytes(F.to_le_bytes(vec).tobytes())


def scalar_from_int(x: int) -> Scalar:
    return Scalar.from_le_bytes((x % P).to_bytes(32, "little"))


_SMALL_TABLE: list[Scalar] = []
_SMALL_BITS = 16


def _small_table() -> list[Scalar]:
    """Prebuilt Scalars 0 .. 2^16-1: picking from a list is ~8x cheaper than
    constructing, which matters for MSMs over small witness values."""
    with _LOCK:
        if not _SMALL_TABLE:
            buf = np.zeros((1 << _SMALL_BITS, 4), "<u8")
            buf[:, 0] = np.arange(1 << _SMALL_BITS)
            _SMALL_TABLE.extend(scalars_from_bytes(buf.tobytes()))
    return _SMALL_TABLE


def _u64_scalars(vals: np.ndarray) -> list[Scalar]:
    if vals.size and int(vals.max()) < (1 << _SMALL_BITS):
        tbl = _small_table()
        return [tbl[v] for v in vals.tolist()]
    buf = np.zeros((vals.shape[0], 4), "<u8")
    buf[:, 0] = vals
    return scalars_from_bytes(buf.tobytes())


def _subset(points: list[G1Point], mask: np.ndarray) -> list[G1Point]:
    if mask.all():
        return points
    return [points[i] for i in np.flatnonzero(mask).tolist()]


MSM_STATS = {"calls": 0, "seconds": 0.0}  # cumulative, read by benchmarks
_LOCK = threading.Lock()


def msm(points: list[G1Point], vec: np.ndarray) -> G1Point:
    """sum vec[i] * points[i] for a field vector (Montgomery form)."""
    t0 = time.perf_counter()
    try:
        return _msm(points, vec)
    finally:
        with _LOCK:
            MSM_STATS["calls"] += 1
            MSM_STATS["seconds"] += time.perf_counter() - t0


MCL_MIN_SCALARS = 256
"""Full-size scalars below this many go to arkworks (mcl's fixed cost is higher)."""


def _full_msm(points: list[G1Point], vec: np.ndarray, rows: np.ndarray | None = None) -> G1Point:
    """An MSM of (mostly) full-size scalars: on mcl when the points are a
    G1Bases table and mcl works here (about 3x arkworks' throughput), else on
    arkworks. rows: the subset of points to use (all when None)."""
    table = points.mcl_table() if isinstance(points, G1Bases) and vec.shape[0] >= MCL_MIN_SCALARS else None
    if table is not None:
        return mcl_msm.msm(table[: vec.shape[0]] if rows is None else table[rows], vec)
    pts = points[: vec.shape[0]] if rows is None else [points[i] for i in rows.tolist()]
    return G1Point.multiexp_unchecked(pts, scalars_from_field(vec))


def _msm(points: list[G1Point], vec: np.ndarray) -> G1Point:
    n = vec.shape[0]
    if n > len(points):
        raise ValueError(f"MSM of {n} scalars over only {len(points)} points")
    canon = F.to_canonical(vec)
    small_pos = (canon[:, 1] | canon[:, 2] | canon[:, 3]) == 0
    if small_pos.all():
        return G1Point.multiexp_unchecked(points[:n] if len(points) != n else points, _u64_scalars(canon[:, 0]))
    negc = F.to_canonical(F.neg(vec))
    small_neg = ((negc[:, 1] | negc[:, 2] | negc[:, 3]) == 0) & ~small_pos
    large = ~(small_pos | small_neg)
    if large.sum() * 2 > n:
        # mostly full-size scalars: a single full MSM is cheapest
        return _full_msm(points, vec)
    pts = points[:n] if len(points) != n else points
    acc = G1Point.identity()
    nz_pos = small_pos & (canon[:, 0] != 0)
    if nz_pos.any():
        acc = acc + G1Point.multiexp_unchecked(_subset(pts, nz_pos), _u64_scalars(canon[nz_pos, 0]))
    if small_neg.any():
        acc = acc - G1Point.multiexp_unchecked(_subset(pts, small_neg), _u64_scalars(negc[small_neg, 0]))
    if large.any():
        acc = acc + _full_msm(points, vec[large], np.flatnonzero(large))
    return acc


class G1Bases(list):
    """A list of G1 points (an SRS's powers or Lagrange points) that also keeps
    them in mcl's layout for full-size MSMs (zkir.prover.mcl_msm), built at the
    first MSM that wants it from the file's xy bytes when the points came from
    one. A plain list (a slice, say) still works: arkworks does its MSMs."""

    def __init__(self, points: Iterable[G1Point] = (), xy: bytes | memoryview | None = None) -> None:
        super().__init__(points)
        self._xy = xy
        self._table: np.ndarray | None = None
        self._lock = threading.Lock()

    @staticmethod
    def of(points: list[G1Point]) -> "G1Bases":
        return points if isinstance(points, G1Bases) else G1Bases(points)

    def mcl_table(self) -> np.ndarray | None:
        """(n, 18) mcl points, or None when mcl is not usable here."""
        if self._table is None:
            if not mcl_msm.available():
                return None
            with self._lock:
                if self._table is None:
                    xy = self._xy if self._xy is not None else points_to_xy(self)
                    self._table = mcl_msm.points_from_xy(xy)
                    self._xy = None
        return self._table

    def prefix(self, n: int) -> "G1Bases":
        """The first n points, sharing the mcl table when it is built."""
        out = G1Bases(self[:n], None if self._xy is None else memoryview(self._xy)[: n * _XY])
        if self._table is not None:
            out._table = self._table[:n]
        return out


def _threads() -> int:
    env = os.environ.get("ZKIR_PROVER_THREADS")
    return max(1, int(env)) if env else max(1, min(os.cpu_count() or 1, 8))


def msm_batch(points: list[G1Point], vecs: list[np.ndarray]) -> list[G1Point]:
    """Several independent MSMs; arkworks releases the GIL, so they run on
    separate cores (ZKIR_PROVER_THREADS caps the number of threads)."""
    return msm_jobs([(points, v) for v in vecs])


def msm_jobs(jobs: list[tuple[list[G1Point], np.ndarray]]) -> list[G1Point]:
    """Independent MSMs over possibly different bases, on parallel threads."""
    workers = min(_threads(), len(jobs))
    if workers <= 1:
        return [msm(p, v) for p, v in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(lambda job: msm(*job), jobs))


def msm_ints(points: list[G1Point], scalars: list[int]) -> G1Point:
    """Small MSM with Python-int scalars (verifier side)."""
    if not points:
        return G1Point.identity()
    return G1Point.multiexp_unchecked(list(points), [scalar_from_int(s) for s in scalars])


# ------------------------------------------------------------------ worker processes
POOL_MIN_POINTS = 1 << 9
"""Point jobs on fewer points run in this process: forking workers and returning
points as bytes costs tens of milliseconds, a 2^9 G1 iNTT about half a second."""

_SHARED: dict = {}
"""Inputs of the job running on forked workers: inherited by fork, never pickled,
so big point lists (and a contributor's secret powers) stay out of pipes."""
_TASK_LOCK = threading.Lock()
_T = TypeVar("_T")


def _pool_results(workers: int, fn: Callable[..., _T], tasks: list[tuple]) -> list[_T] | None:
    """fn(*task) on `workers` forked processes, or None if no pool could run them.

    Why processes and fork: arkworks holds the GIL during a point multiplication,
    so threads do not help; fork starts a worker in ~10 ms and, unlike spawn or
    forkserver, neither re-runs the caller's __main__ nor re-imports zkir (~0.4 s).
    The children only run arkworks point operations on inherited objects and exit.
    Python 3.12 warns about fork in a process with threads (arkworks' MSM pool);
    that warning is about children that take locks those threads might hold,
    which these children never do."""
    import multiprocessing as mp
    import warnings
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if "fork" not in mp.get_all_start_methods():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ex = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))
            futures = [ex.submit(fn, *t) for t in tasks]  # forks all workers on first submit
    except (OSError, RuntimeError, AssertionError, ValueError, BrokenProcessPool):
        return None
    try:
        return [f.result() for f in futures]
    except BrokenProcessPool:
        return None
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def run_point_tasks(fn: Callable[..., _T], tasks: list[tuple], shared: dict | None = None,
                    parallel: bool = True) -> list[_T]:
    """[fn(*task) for task in tasks], spread over worker processes when there
    are several tasks and cores (falling back to this process if a pool cannot
    start).  fn reads big inputs from `_SHARED` (set to `shared` for the call)
    and returns bytes."""
    with _TASK_LOCK:  # one job at a time owns _SHARED
        _SHARED.clear()
        _SHARED.update(shared or {})
        try:
            workers = min(_threads(), len(tasks))
            if parallel and workers > 1:
                out = _pool_results(workers, fn, tasks)
                if out is not None:
                    return out
            return [fn(*t) for t in tasks]
        finally:
            _SHARED.clear()


def _ranges(n: int, parts: int) -> list[tuple[int, int]]:
    bounds = np.linspace(0, n, max(1, min(parts, n)) + 1).astype(int).tolist()
    return [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]


def points_to_xy(points: list[G1Point]) -> bytes:
    """Uncompressed little-endian xy bytes of many points (96 each); in parallel
    for long lists (each conversion is an affine normalisation, ~10 us)."""
    if len(points) < 16 * POOL_MIN_POINTS:
        return b"".join(p.to_xy_bytes_le() for p in points)
    tasks = _ranges(len(points), 2 * _threads())
    return b"".join(run_point_tasks(_w_to_xy, tasks, {"points": points}))


def points_from_xy(buf: bytes | memoryview) -> list[G1Point]:
    """Parse xy bytes written by zkir (on-curve checked by arkworks, subgroup not)."""
    buf = bytes(buf)
    rd = G1Point.from_xy_bytes_unchecked_le
    return [rd(buf[i: i + _XY]) for i in range(0, len(buf), _XY)]


def _w_to_xy(lo: int, hi: int) -> bytes:
    return b"".join(p.to_xy_bytes_le() for p in _SHARED["points"][lo:hi])


def _w_subgroup(lo: int, hi: int) -> list[tuple[int, str]]:
    """Invalid points among xy-encoded _SHARED["xy"][lo:hi]: (index, reason)."""
    buf = _SHARED["xy"]
    bad = []
    for i in range(lo, hi):
        try:
            p = G1Point.from_xy_bytes_unchecked_le(bytes(buf[i * _XY: (i + 1) * _XY]))
        except Exception:  # pyo3 raises ValueError or its own types
            bad.append((i, "is not a point on the curve"))
            continue
        if not p.is_in_subgroup():
            bad.append((i, "is not in the G1 subgroup"))
    return bad


def check_g1_xy(xy: bytes | memoryview, what: str = "g1") -> None:
    """Every 96-byte point of `xy` on the curve and in the r-order subgroup
    (arkworks: ~50 us a point, so 2^16 points take ~1.6 s on two cores).
    Raises ProofFormatError naming the first bad index."""
    n = len(xy) // _XY
    if n < POOL_MIN_POINTS:
        bad = run_point_tasks(_w_subgroup, [(0, n)], {"xy": xy}, parallel=False)
    else:
        bad = run_point_tasks(_w_subgroup, _ranges(n, 2 * _threads()), {"xy": xy})
    flat = [b for part in bad for b in part]
    if flat:
        i, reason = min(flat)
        raise ProofFormatError(f"{what}[{i}] {reason}")


# ------------------------------------------------------------------ fixed-base batch mul
class _FixedBase:
    """k * G for many k: 8-bit windows, at most 31 point additions per product."""

    def __init__(self, base: G1Point):
        self.table = []
        b = base
        for _ in range(32):
            row = [G1Point.identity(), b]
            for _d in range(254):
                row.append(row[-1] + b)
            self.table.append(row)
            b = row[-1] + b  # 256 * b
        # rows are indexed by byte values

    def mul_bytes(self, by: np.ndarray) -> list[G1Point]:
        """Products for canonical little-endian scalars, shape (m, 32) uint8."""
        out = []
        table = self.table
        ident = G1Point.identity()
        for r in by.tolist():
            acc = None
            for j, d in enumerate(r):
                if d:
                    acc = table[j][d] if acc is None else acc + table[j][d]
            out.append(ident if acc is None else acc)
        return out

    def mul_many(self, vec: np.ndarray) -> list[G1Point]:
        """Products for a field vector; on worker processes when it is long."""
        by = F.to_le_bytes(vec)
        n = by.shape[0]
        try:
            if n < 4 * POOL_MIN_POINTS:
                return self.mul_bytes(by)
            blobs = run_point_tasks(_w_fixed_base, _ranges(n, 2 * _threads()), {"fb": self, "by": by})
        finally:
            by.fill(0)  # the scalars may be secret powers
        return points_from_xy(b"".join(blobs))


def _w_fixed_base(lo: int, hi: int) -> bytes:
    return b"".join(p.to_xy_bytes_le() for p in _SHARED["fb"].mul_bytes(_SHARED["by"][lo:hi]))


# ------------------------------------------------------------------ G1 inverse NTT
def _signed_scalar(x: int) -> tuple[Scalar, bool]:
    """x or -x mod p, whichever arkworks multiplies by faster, and whether it is -x.

    arkworks' G1 multiplication is double-and-add over the scalar's bits (time
    ~ bit length + number of set bits); picking the cheaper of x and p - x and
    negating the product (free) saves 2-3% on random scalars (measured)."""
    x %= P
    y = P - x
    if x and y.bit_length() + y.bit_count() < x.bit_length() + x.bit_count():
        return scalar_from_int(y), True
    return scalar_from_int(x), False


def _bitrev(logn: int) -> np.ndarray:
    """The bit-reversal permutation of 0 .. 2^logn - 1 (vectorised)."""
    idx = np.arange(1 << logn, dtype=np.int64)
    rev = np.zeros_like(idx)
    for b in range(logn):
        rev |= ((idx >> b) & 1) << (logn - 1 - b)
    return rev


def _root(log_order: int, inverse: bool) -> int:
    w = F.root_of_unity(log_order)
    return F.inv(w) if inverse else w


def _butterfly(a: list, i: int, h: int, tw: tuple[Scalar, bool] | None) -> None:
    u = a[i]
    if tw is None:  # twiddle 1
        v = a[i + h]
        a[i], a[i + h] = u + v, u - v
        return
    v = a[i + h] * tw[0]
    if tw[1]:
        a[i], a[i + h] = u - v, u + v
    else:
        a[i], a[i + h] = u + v, u - v


def _scaled_butterfly(a: list, i: int, h: int, cu: tuple[Scalar, bool], tw: tuple[Scalar, bool]) -> None:
    """a[i], a[i+h] = c u + c t v, c u - c t v: the last stage with 1/n folded in
    (2 multiplications a butterfly instead of 1 plus 2 for a separate scaling)."""
    u = a[i] * cu[0]
    if cu[1]:
        u = -u
    v = a[i + h] * tw[0]
    if tw[1]:
        v = -v
    a[i], a[i + h] = u + v, u - v


def _dit(a: list, scale: int | None, inverse: bool = True) -> None:
    """In-place radix-2 DIT over the (inverse) roots on bit-reversed input;
    with `scale`, the last stage also multiplies every output by it."""
    n = len(a)
    logn = _log2(n)
    for s in range(logn):
        m = 1 << s
        w = _root(s + 1, inverse)
        if scale is not None and s == logn - 1:
            cu = _signed_scalar(scale)
            t = scale
            for j in range(m):
                _scaled_butterfly(a, j, m, cu, _signed_scalar(t))
                t = t * w % P
            return
        tws: list = [None]
        t = w
        for _ in range(1, m):
            tws.append(_signed_scalar(t))
            t = t * w % P
        for k in range(0, n, 2 * m):
            for j in range(m):
                _butterfly(a, k + j, m, tws[j])


def _w_ntt_block(lo: int, hi: int, inverse: bool) -> bytes:
    """Phase 1 on a worker: the first log2(hi - lo) stages of one aligned block."""
    a = _SHARED["points"][lo:hi]
    _dit(a, None, inverse)
    return b"".join(p.to_xy_bytes_le() for p in a)


def _w_ntt_columns(r0: int, r1: int, inverse: bool) -> bytes:
    """Phase 2 on a worker: the last log2(T) stages, column by column.

    Column r holds the T points at r, r + B, r + 2B, ... (B = n / T); in the
    stage of half-size m = h B the butterfly (q, q + h) of column r uses the
    twiddle w_2m^((q mod h) B + r) (inverse roots for the iNTT, whose last
    stage also scales by 1/n).  Returns points column-major."""
    arr = _SHARED["cols"]  # (T, B, 96) uint8
    T, B = arr.shape[0], arr.shape[1]
    scale = F.inv(T * B) if inverse else None
    blob = np.ascontiguousarray(arr[:, r0:r1].transpose(1, 0, 2)).tobytes()
    pts = points_from_xy(blob)
    stages = []
    h = 1
    while h < T:
        base = _root((2 * h * B).bit_length() - 1, inverse)
        stages.append((h, base, pow(base, B, P)))
        h *= 2
    cu = _signed_scalar(scale) if scale is not None else None
    for c, r in enumerate(range(r0, r1)):
        col = pts[c * T: (c + 1) * T]
        for h, base, step in stages:
            last = cu if 2 * h == T else None  # set on the last stage of an inverse NTT
            t0 = pow(base, r, P)
            tw = [t0 * pow(step, qm, P) % P for qm in range(h)]
            if last is not None:
                assert scale is not None  # cu is set exactly when scale is
                tw = [scale * t % P for t in tw]
            for q in range(T):
                if q % (2 * h) < h:
                    t = tw[q % h]
                    if last is not None:
                        _scaled_butterfly(col, q, h, last, _signed_scalar(t))
                    else:
                        _butterfly(col, q, h, None if t == 1 else _signed_scalar(t))
        pts[c * T: (c + 1) * T] = col
    return b"".join(p.to_xy_bytes_le() for p in pts)


def _g1_ntt(points: list[G1Point], inverse: bool) -> list[G1Point]:
    """Radix-2 NTT over G1 (see _g1_intt), forward or inverse."""
    n = len(points)
    logn = _log2(n)
    if n == 1:
        return list(points)
    a = [points[i] for i in _bitrev(logn).tolist()]
    scale = F.inv(n) if inverse else None
    workers = _threads()
    if n < POOL_MIN_POINTS or workers < 2:
        _dit(a, scale, inverse)
        return a
    T = 1 << max(1, (workers - 1).bit_length())
    T = min(T, n // 2)
    B = n // T
    blobs = run_point_tasks(_w_ntt_block, [(q * B, (q + 1) * B, inverse) for q in range(T)], {"points": a})
    del a
    cols = np.frombuffer(b"".join(blobs), np.uint8).reshape(T, B, _XY)
    parts = _ranges(B, workers)
    res = run_point_tasks(_w_ntt_columns, [(r0, r1, inverse) for r0, r1 in parts], {"cols": cols})
    out = np.empty((T, B, _XY), np.uint8)
    for (r0, r1), blob in zip(parts, res):
        out[:, r0:r1] = np.frombuffer(blob, np.uint8).reshape(r1 - r0, T, _XY).transpose(1, 0, 2)
    return points_from_xy(out.tobytes())


def _g1_intt(points: list[G1Point]) -> list[G1Point]:
    """Inverse NTT over G1: Lagrange points [L_j(tau)] from powers [tau^i].

    (n/2)(log n - 1) + 2 multiplications, all needed: the twiddles are 2^s-th
    roots of unity, full-size scalars for which G1 has no cheap endomorphism
    (only +-1 and the cube roots of unity are cheap).  The butterfly's -1 is a
    subtraction, twiddle 1 is skipped, 1/n is folded into the last stage (n
    multiplications there instead of n/2 plus n for a separate scaling), and
    each twiddle or its negative is used, whichever has fewer set bits.
    Measured and rejected: radix-4/8/16 butterflies as multiexp_unchecked
    calls (an MSM of 4, 8, 16 points costs about 2.6, 3.8, 5.6 plain
    multiplications, so 2.5-2.8x more per point and stage than radix-2's half
    a multiplication), and GLV splitting (arkworks' multiplication costs about
    0.46 us a bit plus 0.7 us a set bit, so two half-length products cost what
    one full one does).
    From POOL_MIN_POINTS on the work is split over processes: T aligned blocks
    transform independently, then the last log2(T) stages run as columns."""
    return _g1_ntt(points, True)


def _g1_ntt_forward(points: list[G1Point]) -> list[G1Point]:
    """Powers [tau^i] from Lagrange points: [tau^i] = sum_j w^(ij) [L_j(tau)]."""
    return _g1_ntt(points, False)


# ------------------------------------------------------------------ SRS
DEFAULT_INSECURE_SEED = b"zkir-insecure-srs"
_SRS_FLAG_INSECURE = 1


def _seed_tau(seed: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(b"zkir-srs-tau" + seed, digest_size=64).digest(), "little") % P


_KNOWN_G2: list[G2Point] = []


class _HasG2Tau(Protocol):
    """An SRS or a verifying key: anything that carries [tau]G2."""

    @property
    def g2_tau(self) -> G2Point: ...


def is_known_insecure(srs: _HasG2Tau) -> bool:
    """True if srs.g2_tau is [tau]G2 for a tau anyone can compute: the default
    seed of SRS.insecure_from_seed, or tau = 1 (a ceremony with no contribution).

    Why: the `insecure` flag is only as good as the file that carries it; an SRS
    saved by zkir before the flag existed, or with the flag stripped, is still
    recognised.  Costs one G2 multiplication (cached) and two comparisons."""
    with _LOCK:
        if not _KNOWN_G2:
            g2 = G2Point()
            _KNOWN_G2.extend([g2 * scalar_from_int(_seed_tau(DEFAULT_INSECURE_SEED)), g2])
    return any(srs.g2_tau == q for q in _KNOWN_G2)


@dataclass
class SRS:
    """Structured reference string: [tau^i]G1 (i < n), Lagrange points, [1]G2, [tau]G2.

    `insecure` marks an SRS whose tau is public (seeded test SRS); `source`
    says where it came from (saved with the SRS since file version 2)."""

    k: int
    g1: list[G1Point]
    g1_lagrange: list[G1Point]
    g2: G2Point
    g2_tau: G2Point
    insecure: bool = False
    source: str = ""
    _lagrange_cache: dict = dc_field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # the tables the prover's MSMs run on (G1Bases: mcl for full-size scalars)
        self.g1 = G1Bases.of(self.g1)
        self.g1_lagrange = G1Bases.of(self.g1_lagrange)

    @property
    def n(self) -> int:
        return 1 << self.k

    @staticmethod
    def _from_tau(k: int, tau: int, insecure: bool, source: str) -> "SRS":
        """Powers and Lagrange points straight from tau (8-bit fixed-base windows,
        ~31 additions a point instead of a 255-bit multiplication)."""
        if not 0 <= k <= 28:
            raise ValueError(f"SRS size 2^{k} out of range")
        if tau % P == 0:
            raise ValueError("tau must be nonzero")
        n = 1 << k
        fb = _FixedBase(G1Point())
        powers = F.powers(tau, n)
        g1 = fb.mul_many(powers)
        # L_i(tau) = w^i (tau^n - 1) / (n (tau - w^i)); tau is never a root of unity
        # except with negligible probability, for which the formula has no pole
        w = F.powers(F.root_of_unity(k), n)
        den = F.mul_scalar(F.add_scalar(F.neg(w), tau), n)  # n (tau - w^i)
        lag = F.mul_scalar(F.mul(w, F.batch_inv(den)), (pow(tau, n, P) - 1) % P)
        g1_lag = fb.mul_many(lag)
        for arr in (powers, den, lag):
            arr.fill(0)
        g2 = G2Point()
        g2_tau = g2 * scalar_from_int(tau)
        return SRS(k, g1, g1_lag, g2, g2_tau, insecure=insecure, source=source)

    @staticmethod
    def generate(k: int) -> "SRS":
        """A fresh SRS of 2^k points: tau from the OS CSPRNG, used, then dropped.

        Nobody else ever sees tau, but whoever ran this could have kept it and
        then forge proofs for every key built on the SRS: fine for your own
        proofs, not for proofs others must trust.  For those use a ceremony
        (zkir.prover.ceremony: many contributors, one honest one suffices) or
        the Ethereum KZG ceremony (zkir.prover.ethereum_setup).  Python ints
        cannot be wiped; tau and its powers live only in this call's frames and
        in arrays zeroed before returning."""
        tau = 0
        while tau == 0:
            tau = int.from_bytes(secrets.token_bytes(64), "little") % P
        try:
            return SRS._from_tau(k, tau, insecure=False, source="generated: tau from the OS CSPRNG, discarded")
        finally:
            del tau

    @staticmethod
    def insecure_from_seed(k: int, seed: bytes | str = DEFAULT_INSECURE_SEED) -> "SRS":
        """INSECURE test SRS: tau is derived from a public seed, so anyone can
        forge proofs against it. Never use outside tests and benchmarks; it is
        marked insecure=True (keys made from it carry the mark)."""
        if isinstance(seed, str):
            seed = seed.encode()
        return SRS._from_tau(k, _seed_tau(seed), insecure=True,
                             source=f"INSECURE: tau from the public seed {seed!r}")

    @staticmethod
    def from_powers(g1: list[G1Point], g2: G2Point, g2_tau: G2Point, source: str = "",
                    lagrange: list[G1Point] | None = None) -> "SRS":
        """An SRS from ceremony powers [tau^i]G1 (2^k of them), [1]G2, [tau]G2.
        The Lagrange points are derived by the G1 inverse NTT unless given
        (about 70 s at 2^16 on two cores); save() the result to pay this once."""
        k = _log2(len(g1))
        lag = _g1_intt(list(g1)) if lagrange is None else list(lagrange)
        srs = SRS(k, list(g1), lag, g2, g2_tau, source=source)
        srs.check()
        srs.insecure = is_known_insecure(srs)
        return srs

    def lagrange(self, k: int) -> list[G1Point]:
        """Lagrange-basis points for the domain of size 2^k (k <= self.k)."""
        if k == self.k:
            return self.g1_lagrange
        if k > self.k:
            raise ValueError(f"SRS of size 2^{self.k} is too small for a 2^{k} circuit")
        if k not in self._lagrange_cache:
            self._lagrange_cache[k] = G1Bases(_g1_intt(self.g1[: 1 << k]))
        return self._lagrange_cache[k]

    def monomial(self, k: int) -> list[G1Point]:
        if k > self.k:
            raise ValueError(f"SRS of size 2^{self.k} is too small for a 2^{k} circuit")
        return self.g1 if k == self.k else G1Bases.of(self.g1).prefix(1 << k)

    def truncate(self, k: int) -> "SRS":
        """The SRS for 2^k points (k <= self.k): same tau, Lagrange points of the
        smaller domain (one iNTT of 2^k points), so provers need not redo it."""
        if k == self.k:
            return self
        return SRS(k, G1Bases.of(self.g1).prefix(1 << k), self.lagrange(k), self.g2, self.g2_tau,
                   insecure=self.insecure, source=self.source)

    # -- files --------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """Version 2: magic, version, k, flags (bit 0: insecure), source length,
        source (UTF-8), [1]G2, [tau]G2 (compressed), powers, Lagrange points (xy LE)."""
        src = self.source.encode()[:4096].decode(errors="ignore").encode()
        flags = _SRS_FLAG_INSECURE if self.insecure else 0
        parts = [SRS_MAGIC, struct.pack("<IIII", SRS_VERSION, self.k, flags, len(src)), src,
                 self.g2.to_compressed_bytes(), self.g2_tau.to_compressed_bytes(),
                 points_to_xy(self.g1), points_to_xy(self.g1_lagrange)]
        return b"".join(parts)

    def save(self, path: str | os.PathLike) -> None:
        write_atomic(path, self.to_bytes())

    @staticmethod
    def from_bytes(data: bytes, check: bool = True) -> "SRS":
        """Parse an SRS file (version 1 or 2). With check=True a random-linear-
        combination pairing test confirms the points are consecutive powers of
        one tau.  `insecure` is set if the file says so or if tau is a known one
        (is_known_insecure), whatever the file says."""
        base = len(SRS_MAGIC) + 8
        if len(data) < base or data[: len(SRS_MAGIC)] != SRS_MAGIC:
            raise ProofFormatError("not a zkir SRS file (bad magic or truncated header)")
        version, k = struct.unpack_from("<II", data, len(SRS_MAGIC))
        if version not in (1, SRS_VERSION):
            raise ProofFormatError(f"unsupported SRS version {version} (expected 1 or {SRS_VERSION})")
        if not 0 <= k <= 28:
            raise ProofFormatError(f"SRS size 2^{k} out of range")
        off = base
        flags, source = 0, ""
        if version >= 2:
            if len(data) < off + 8:
                raise ProofFormatError("SRS file truncated in its header")
            flags, src_len = struct.unpack_from("<II", data, off)
            off += 8
            if flags & ~_SRS_FLAG_INSECURE:
                raise ProofFormatError(f"SRS file has unknown flags {flags:#x}")
            if src_len > 4096 or len(data) < off + src_len:
                raise ProofFormatError("SRS file truncated in its source string")
            try:
                source = data[off: off + src_len].decode()
            except UnicodeDecodeError:
                raise ProofFormatError("SRS source string is not UTF-8") from None
            off += src_len
        n = 1 << k
        expected = off + 2 * G2_BYTES + 2 * n * _XY
        if len(data) != expected:
            raise ProofFormatError(f"SRS file has {len(data)} bytes, expected {expected}")
        try:
            g2 = G2Point.from_compressed_bytes(data[off: off + G2_BYTES])
            g2_tau = G2Point.from_compressed_bytes(data[off + G2_BYTES: off + 2 * G2_BYTES])
            off += 2 * G2_BYTES
            mv = memoryview(data)
            keep = mcl_msm.available()  # the xy bytes become mcl's tables at the first MSM
            g1 = G1Bases(points_from_xy(mv[off: off + n * _XY]), mv[off: off + n * _XY] if keep else None)
            off += n * _XY
            lag = G1Bases(points_from_xy(mv[off: off + n * _XY]), mv[off: off + n * _XY] if keep else None)
        except Exception as e:  # arkworks parse errors (pyo3 may raise other exception types)
            raise ProofFormatError(f"invalid point in SRS file: {_one_line(e)}") from None
        srs = SRS(k, g1, lag, g2, g2_tau, insecure=bool(flags & _SRS_FLAG_INSECURE), source=source)
        if check:
            srs.check()
        if not srs.insecure:
            srs.insecure = is_known_insecure(srs)
        return srs

    @staticmethod
    def load(path: str | os.PathLike, check: bool = True) -> "SRS":
        """A zkir SRS file, or a powers-of-tau ceremony file (zkir srs), which
        is verified and converted (see zkir.prover.ceremony.load_srs_file)."""
        with open(path, "rb") as f:
            data = f.read()
        from .ceremony import MAGIC as CEREMONY_MAGIC

        if data.startswith(CEREMONY_MAGIC):
            from .ceremony import Ceremony, to_srs, verify

            c = Ceremony.from_bytes(data)
            verify(c)
            return to_srs(c)
        return SRS.from_bytes(data, check=check)

    def check(self, subgroup: bool = False) -> None:
        """Pairing test: e(sum r_i g1[i+1], G2) == e(sum r_i g1[i], tau G2), and
        the Lagrange points sum to [1] and interpolate like the powers (a random
        combination of them equals the matching combination of powers).
        With subgroup=True also every point in the prime-order subgroups (~50 us
        a G1 point: worth it for a file from elsewhere, not for our own)."""
        n = self.n
        if len(self.g1) != n or len(self.g1_lagrange) != n:
            raise ProofFormatError(f"SRS of size 2^{self.k} has {len(self.g1)} powers and "
                                   f"{len(self.g1_lagrange)} Lagrange points")
        if G1Point() != self.g1[0] or G2Point() != self.g2:
            raise ProofFormatError("SRS does not start at the standard generators")
        if subgroup:
            check_g1_xy(points_to_xy(self.g1), "SRS g1")
            check_g1_xy(points_to_xy(self.g1_lagrange), "SRS Lagrange point")
            if not self.g2_tau.is_in_subgroup():
                raise ProofFormatError("SRS [tau]G2 is not in the G2 subgroup")
        if self.g2_tau == G2Point.identity():
            raise ProofFormatError("SRS [tau]G2 is the identity")
        rng = np.random.default_rng(int.from_bytes(os.urandom(16), "little"))
        if n > 1:
            r = F.from_int64(rng.integers(1, 2**62, n - 1))
            a, b = msm_jobs([(self.g1[1:], r), (self.g1[:-1], r)])
            if not GT.pairing_check([a, -b], [self.g2, self.g2_tau]):
                raise ProofFormatError("SRS points are not powers of a single tau")
        if msm(self.g1_lagrange, F.ones(n)) != self.g1[0]:
            raise ProofFormatError("SRS Lagrange points are inconsistent")
        # sum_j v_j [L_j(tau)] == sum_i c_i [tau^i] for random evaluations v and the
        # coefficients c of the polynomial they interpolate: every Lagrange point,
        # not just two linear combinations, must be right (error 2^-62)
        if n > 1:
            from .ntt import intt

            v = F.from_int64(rng.integers(1, 2**62, n))
            lhs, rhs = msm_jobs([(self.g1_lagrange, v), (self.g1, intt(v))])
            if lhs != rhs:
                raise ProofFormatError("SRS Lagrange points are inconsistent")


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def commit_lagrange(points: list[G1Point], evals: np.ndarray) -> G1Point:
    return msm(points, evals)


def commit_coeff(points: list[G1Point], coeffs: np.ndarray) -> G1Point:
    return msm(points, coeffs)
