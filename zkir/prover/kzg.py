"""KZG commitments over BLS12-381: SRS, MSM wrapper, GWC multi-point opening.

Why: all curve work is delegated to py_arkworks_bls12381; this module converts
our field vectors into arkworks scalars cheaply (``Scalar.from_le_bytes``) and
exploits small witness values: a column whose entries are small signed
integers is committed as MSM(positive part) - MSM(|negative part|) over
64-bit scalars, which arkworks processes several times faster than full ones.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
import time
from dataclasses import dataclass, field as dc_field

import numpy as np
from py_arkworks_bls12381 import G1Point, G2Point, GT, Scalar

from . import field as F
from .errors import ProofFormatError
from .ntt import _log2

P = F.P
G1_BYTES = 48
G2_BYTES = 96
_XY = 96

SRS_MAGIC = b"ZKIRSRS\x00"
SRS_VERSION = 1


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


def _msm(points: list[G1Point], vec: np.ndarray) -> G1Point:
    n = vec.shape[0]
    if n > len(points):
        raise ValueError(f"MSM of {n} scalars over only {len(points)} points")
    points = points[:n] if len(points) != n else points
    canon = F.to_canonical(vec)
    small_pos = (canon[:, 1] | canon[:, 2] | canon[:, 3]) == 0
    if small_pos.all():
        return G1Point.multiexp_unchecked(points, _u64_scalars(canon[:, 0]))
    negc = F.to_canonical(F.neg(vec))
    small_neg = ((negc[:, 1] | negc[:, 2] | negc[:, 3]) == 0) & ~small_pos
    large = ~(small_pos | small_neg)
    if large.sum() * 2 > n:
        # mostly full-size scalars: a single full MSM is cheapest
        return G1Point.multiexp_unchecked(points, scalars_from_field(vec))
    acc = G1Point.identity()
    nz_pos = small_pos & (canon[:, 0] != 0)
    if nz_pos.any():
        acc = acc + G1Point.multiexp_unchecked(_subset(points, nz_pos), _u64_scalars(canon[nz_pos, 0]))
    if small_neg.any():
        acc = acc - G1Point.multiexp_unchecked(_subset(points, small_neg), _u64_scalars(negc[small_neg, 0]))
    if large.any():
        acc = acc + G1Point.multiexp_unchecked(_subset(points, large), scalars_from_field(vec[large]))
    return acc


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


# ------------------------------------------------------------------ fixed-base batch mul
class _FixedBase:
    """k * G for many k: 8-bit windows, 32 point additions per product."""

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

    def mul_many(self, vec: np.ndarray) -> list[G1Point]:
        by = F.to_le_bytes(vec)
        out = []
        table = self.table
        for r in by.tolist():
            acc = None
            for j, d in enumerate(r):
                if d:
                    acc = table[j][d] if acc is None else acc + table[j][d]
            out.append(G1Point.identity() if acc is None else acc)
        return out


def _g1_intt(points: list[G1Point]) -> list[G1Point]:
    """Inverse NTT over G1 (slow: O(n log n) point multiplications).

    Used only to derive a Lagrange-basis SRS for a domain smaller than the one
    the SRS was built for."""
    n = len(points)
    logn = _log2(n)
    a = list(points)
    # bit reversal
    for i in range(n):
        r = int(format(i, f"0{logn}b")[::-1], 2) if logn else 0
        if r > i:
            a[i], a[r] = a[r], a[i]
    m = 1
    while m < n:
        w = F.inv(F.root_of_unity((2 * m).bit_length() - 1))
        tw = [scalar_from_int(pow(w, j, P)) for j in range(m)]
        for k in range(0, n, 2 * m):
            for j in range(m):
                u = a[k + j]
                v = a[k + j + m] * tw[j] if j else a[k + j + m]
                a[k + j] = u + v
                a[k + j + m] = u - v
        m *= 2
    ninv = scalar_from_int(F.inv(n))
    return [p * ninv for p in a]


# ------------------------------------------------------------------ SRS
@dataclass
class SRS:
    """Structured reference string: [tau^i]G1 (i < n), Lagrange points, [1]G2, [tau]G2."""

    k: int
    g1: list[G1Point]
    g1_lagrange: list[G1Point]
    g2: G2Point
    g2_tau: G2Point
    _lagrange_cache: dict = dc_field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return 1 << self.k

    @staticmethod
    def insecure_from_seed(k: int, seed: bytes | str = b"zkir-insecure-srs") -> "SRS":
        """INSECURE test SRS: tau is derived from a public seed, so anyone can
        forge proofs against it. Never use outside tests and benchmarks."""
        if isinstance(seed, str):
            seed = seed.encode()
        tau = int.from_bytes(hashlib.blake2b(b"zkir-srs-tau" + seed, digest_size=64).digest(), "little") % P
        n = 1 << k
        fb = _FixedBase(G1Point())
        powers = F.powers(tau, n)
        g1 = fb.mul_many(powers)
        # L_i(tau) = w^i (tau^n - 1) / (n (tau - w^i))
        w = F.powers(F.root_of_unity(k), n)
        den = F.mul_scalar(F.add_scalar(F.neg(w), tau), n)  # n (tau - w^i)
        lag = F.mul_scalar(F.mul(w, F.batch_inv(den)), (pow(tau, n, P) - 1) % P)
        g1_lag = fb.mul_many(lag)
        g2 = G2Point()
        g2_tau = g2 * scalar_from_int(tau)
        return SRS(k, g1, g1_lag, g2, g2_tau)

    @staticmethod
    def from_powers(g1: list[G1Point], g2: G2Point, g2_tau: G2Point) -> "SRS":
        """An SRS from ceremony powers [tau^i]G1 (2^k of them), [1]G2, [tau]G2.
        The Lagrange points are derived by an inverse NTT over G1 (slow: minutes
        at 2^18); save() the result to pay this once."""
        k = _log2(len(g1))
        srs = SRS(k, list(g1), _g1_intt(list(g1)), g2, g2_tau)
        srs.check()
        return srs

    def lagrange(self, k: int) -> list[G1Point]:
        """Lagrange-basis points for the domain of size 2^k (k <= self.k)."""
        if k == self.k:
            return self.g1_lagrange
        if k > self.k:
            raise ValueError(f"SRS of size 2^{self.k} is too small for a 2^{k} circuit")
        if k not in self._lagrange_cache:
            self._lagrange_cache[k] = _g1_intt(self.g1[: 1 << k])
        return self._lagrange_cache[k]

    def monomial(self, k: int) -> list[G1Point]:
        if k > self.k:
            raise ValueError(f"SRS of size 2^{self.k} is too small for a 2^{k} circuit")
        return self.g1[: 1 << k]

    # -- files --------------------------------------------------------------
    def to_bytes(self) -> bytes:
        parts = [SRS_MAGIC, struct.pack("<II", SRS_VERSION, self.k),
                 self.g2.to_compressed_bytes(), self.g2_tau.to_compressed_bytes()]
        parts += [p.to_xy_bytes_le() for p in self.g1]
        parts += [p.to_xy_bytes_le() for p in self.g1_lagrange]
        return b"".join(parts)

    def save(self, path: str | os.PathLike) -> None:
        tmp = f"{os.fspath(path)}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(self.to_bytes())
        os.replace(tmp, path)

    @staticmethod
    def from_bytes(data: bytes, check: bool = True) -> "SRS":
        """Parse an SRS file. With check=True a random-linear-combination pairing
        test confirms the points are consecutive powers of one tau."""
        hdr = len(SRS_MAGIC) + 8 + 2 * G2_BYTES
        if len(data) < hdr or data[: len(SRS_MAGIC)] != SRS_MAGIC:
            raise ProofFormatError("not a zkir SRS file (bad magic or truncated header)")
        version, k = struct.unpack_from("<II", data, len(SRS_MAGIC))
        if version != SRS_VERSION:
            raise ProofFormatError(f"unsupported SRS version {version} (expected {SRS_VERSION})")
        if not 1 <= k <= 28:
            raise ProofFormatError(f"SRS size 2^{k} out of range")
        n = 1 << k
        if len(data) != hdr + 2 * n * _XY:
            raise ProofFormatError(f"SRS file has {len(data)} bytes, expected {hdr + 2 * n * _XY}")
        off = len(SRS_MAGIC) + 8
        try:
            g2 = G2Point.from_compressed_bytes(data[off: off + G2_BYTES])
            g2_tau = G2Point.from_compressed_bytes(data[off + G2_BYTES: off + 2 * G2_BYTES])
            off += 2 * G2_BYTES
            rd = G1Point.from_xy_bytes_unchecked_le
            g1 = [rd(data[off + i * _XY: off + (i + 1) * _XY]) for i in range(n)]
            off += n * _XY
            lag = [rd(data[off + i * _XY: off + (i + 1) * _XY]) for i in range(n)]
        except (ValueError, OSError, RuntimeError) as e:  # arkworks parse errors
            raise ProofFormatError(f"invalid point in SRS file: {e}") from None
        except Exception as e:  # pyo3 may raise other exception types
            raise ProofFormatError(f"invalid point in SRS file: {e}") from None
        srs = SRS(k, g1, lag, g2, g2_tau)
        if check:
            srs.check()
        return srs

    @staticmethod
    def load(path: str | os.PathLike, check: bool = True) -> "SRS":
        with open(path, "rb") as f:
            return SRS.from_bytes(f.read(), check=check)

    def check(self) -> None:
        """Pairing test: e(sum r_i g1[i+1], G2) == e(sum r_i g1[i], tau G2) and
        the Lagrange points sum to [1] (sum_i L_i = 1) and interpolate tau."""
        n = self.n
        rng = np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
        r = F.from_int64(rng.integers(1, 2**62, n - 1))
        a = msm(self.g1[1:], r)
        b = msm(self.g1[:-1], r)
        if not GT.pairing_check([a, -b], [self.g2, self.g2_tau]):
            raise ProofFormatError("SRS points are not powers of a single tau")
        if msm(self.g1_lagrange, F.ones(n)) != self.g1[0]:
            raise ProofFormatError("SRS Lagrange points are inconsistent")
        # sum_i w^i L_i(tau) = tau
        w = F.powers(F.root_of_unity(self.k), n)
        if n > 1 and msm(self.g1_lagrange, w) != self.g1[1]:
            raise ProofFormatError("SRS Lagrange points are inconsistent")
        if G1Point() != self.g1[0] or G2Point() != self.g2:
            raise ProofFormatError("SRS does not start at the standard generators")


def commit_lagrange(points: list[G1Point], evals: np.ndarray) -> G1Point:
    return msm(points, evals)


def commit_coeff(points: list[G1Point], coeffs: np.ndarray) -> G1Point:
    return msm(points, coeffs)
