"""Key generation: fixed columns and the copy permutation become commitments.
The keys' versioned binary files (vk_to_bytes, pk_from_bytes, ...) are defined
here too, beside the classes.

Why: everything that depends only on the circuit (fixed values, sigma
polynomials, the l_0 / l_last / l_active selectors, the extended-domain forms)
is computed once here; the verifying key is the small commitment-only part and
its digest seeds every proof transcript.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field as dc_field
from typing import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt
from py_arkworks_bls12381 import G1Point, G2Point

from . import field as F
from . import permutation as perm
from .constraint_system import ConstraintSystem
from .errors import CircuitError, ProofFormatError, ProverError
from .expression import ADVICE, Column
from .kzg import SRS, is_known_insecure, msm_batch
from .permutation import Copy
from .pinned import hiding_commitment
from .poly import Domain
from .randomness import OsRandom
from .serialize import Reader, cs_from_reader, cs_to_bytes, file_checksum, open_reader, u32_bytes

P = F.P
VK_MAGIC = b"ZKIRVK\x00"
PK_MAGIC = b"ZKIRPK\x00"
VK_VERSION = 5  # 2: pinned advice commitments; 3: hiding pins, SRS mark, statement; 4: checksum;
# 5: advice phases and challenges in the constraint system
PK_VERSION = 4  # 2: the pinned columns' secret blinding; 3: checksum; 4: compact columns, raw limbs


def ext_log_for(degree: int) -> int:
    """Smallest e with 2^e >= degree - 1 (quotient has degree < (degree-1) n)."""
    e = 0
    while (1 << e) < degree - 1:
        e += 1
    return e


def as_field_column(values: npt.ArrayLike, n: int, limit: int, what: str) -> np.ndarray:
    """An int64 array, an object array of Python ints, or an (m, 4) uint64 field
    vector, padded with zeros to n rows."""
    if isinstance(values, np.ndarray) and values.dtype == np.uint64 and values.ndim == 2 and values.shape[1] == 4:
        vec = values
    else:
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise CircuitError(f"{what}: expected a 1-D integer array, got shape {arr.shape}")
        if arr.dtype.kind == "O" and all(isinstance(x, (int, np.integer)) for x in arr.tolist()):
            vec = F.from_ints(arr.tolist())  # big Python ints: slow path, reduced mod p
        elif arr.size and arr.dtype.kind not in "iub":
            raise CircuitError(f"{what}: expected integers, got dtype {arr.dtype}")
        elif arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise CircuitError(f"{what}: values exceed int64 (pass a field vector or Python ints)")
        else:
            vec = F.from_int64(arr.astype(np.int64))
    if vec.shape[0] > limit:
        raise CircuitError(f"{what}: {vec.shape[0]} rows but only {limit} usable rows")
    out = F.zeros(n)
    out[: vec.shape[0]] = vec
    return out


@dataclass
class VerifyingKey:
    k: int
    cs: ConstraintSystem
    fixed_commitments: list[G1Point]
    sigma_commitments: list[G1Point]
    g1: G1Point
    g2: G2Point
    g2_tau: G2Point
    digest: bytes = b""
    pinned: list[tuple[int, G1Point]] = dc_field(default_factory=list)
    """(advice column, hiding commitment) pairs: the private weights of one
    model, bound by the key without being revealed (see pinned.py)."""
    blind_points: list[G1Point] = dc_field(default_factory=list)
    """Lagrange points of the blinding rows (usable .. n-1), when columns are pinned."""
    insecure_srs: bool = False
    """Made from a test SRS whose tau is public: anyone can forge proofs."""
    statement: bytes = b""
    """What the circuit's public values mean (names, shapes, scales, rows,
    public constants), written by the layer above and bound by the digest."""

    def __post_init__(self) -> None:
        self.domain = Domain(self.k, ext_log_for(self.cs.degree()))
        self.usable = self.cs.usable_rows(self.k)
        if not self.digest:
            self.digest = hashlib.blake2b(vk_body_bytes(self), digest_size=32).digest()


    def to_bytes(self) -> bytes:
        return vk_to_bytes(self)

    @staticmethod
    def from_bytes(data: bytes) -> "VerifyingKey":
        return vk_from_bytes(data)


@dataclass
class ProvingKey:
    vk: VerifyingKey
    srs: SRS
    fixed_values: list[np.ndarray]
    sigma_values: list[np.ndarray]
    permutation: np.ndarray
    pinned_blinding: dict[int, np.ndarray] = dc_field(default_factory=dict)
    """Secret blinding rows r0 of each pinned column's commitment in the vk."""
    # derived by expand(), not stored (PROTOCOL.md, "pk.bin (version 4)")
    fixed_coeffs: list[np.ndarray] = dc_field(default_factory=list)
    fixed_ext: list[np.ndarray] = dc_field(default_factory=list)
    sigma_coeffs: list[np.ndarray] = dc_field(default_factory=list)
    sigma_ext: list[np.ndarray] = dc_field(default_factory=list)
    l0_ext: np.ndarray | None = None
    llast_ext: np.ndarray | None = None
    lactive_ext: np.ndarray | None = None
    x_ext: np.ndarray | None = None

    @property
    def expanded(self) -> bool:
        return self.x_ext is not None

    def expand(self) -> None:
        """The coefficient and extended-coset forms of the fixed and sigma
        columns and of l_0, l_last, l_active, which the quotient and the openings
        need: one iNTT and one coset NTT per column, on the thread pool.

        Why here and not in pk.bin: with the coefficients, the forms are 5x the
        Lagrange columns at the quotient's 4n rows (degree 5): pk.bin would grow
        from 1.5 MiB to 1.3 GiB for the CIFAR CNN at k=17, and past 10 GiB at
        k=20, to save about 20 s of CPU at k=17 (benchmarks/pk_load.py measures
        both). Runs once per loaded key (prove calls it, so a batch of proofs
        pays it once); an all-zero column needs no transform, its forms are zero."""
        if self.expanded:
            return
        dom = self.vk.domain
        n, u = dom.n, self.vk.usable
        nf = len(self.fixed_values)
        l0 = F.zeros(n)
        l0[0] = F.scalar(1)
        llast = F.zeros(n)
        llast[u] = F.scalar(1)
        lactive = F.zeros(n)
        lactive[:u] = F.scalar(1)
        columns = self.fixed_values + self.sigma_values + [l0, llast, lactive]
        nonzero = [i for i, c in enumerate(columns) if not F.is_zero(c).all()]
        conv = dict(zip(nonzero, dom.lagrange_to_coeff_and_extended([columns[i] for i in nonzero])))
        zero = (F.zeros(n), F.zeros(dom.ext_n))  # np.zeros: pages only touched when read
        forms = [conv.get(i, zero) for i in range(len(columns))]
        del conv
        self.fixed_coeffs = [c for c, _ in forms[:nf]]
        self.fixed_ext = [e for _, e in forms[:nf]]
        self.sigma_coeffs = [c for c, _ in forms[nf:-3]]
        self.sigma_ext = [e for _, e in forms[nf:-3]]
        self.l0_ext, self.llast_ext, self.lactive_ext = (e for _, e in forms[-3:])
        self.x_ext = F.powers(F.root_of_unity(dom.ext_k), dom.ext_n, start=dom.g)

    def to_bytes(self) -> bytes:
        """Fixed values, permutation and the verifying key (not the SRS)."""
        return pk_to_bytes(self)

    @staticmethod
    def from_bytes(data: bytes, srs: SRS) -> "ProvingKey":
        return pk_from_bytes(data, srs)

    @property
    def lagrange_points(self) -> list[G1Point]:
        return self.srs.lagrange(self.vk.k)

    @property
    def monomial_points(self) -> list[G1Point]:
        return self.srs.monomial(self.vk.k)


def keygen(srs: SRS, cs: ConstraintSystem, fixed: Sequence[npt.ArrayLike], copies: Iterable[Copy] = (),
           k: int | None = None, pinned: dict[int, np.ndarray] | None = None,
           statement: bytes = b"", on_phase: Callable[[str, str], None] | None = None
           ) -> tuple[ProvingKey, VerifyingKey]:
    """Build keys for circuit `cs` with fixed column values and copy constraints.

    fixed: one integer array per fixed column (padded with zeros to 2^k rows).
    copies: ((col_a, row_a), (col_b, row_b)) pairs or (col_a, rows_a, col_b, rows_b).
    pinned: advice column index -> the values every proof must put there. The
    verifying key holds a hiding commitment to each; every proof commits a
    freshly blinded copy and proves it differs only in the blinding rows
    (pinned.py), so no number of proofs reveals the values.
    statement: opaque bytes the caller binds to the key (the public interface).
    k: circuit size, default srs.k; a smaller k derives its Lagrange points by
    an inverse NTT over G1 (slow beyond k ~ 12: prefer an SRS of the exact size).
    on_phase(phase, detail): told as each phase starts (progress for the layer above)."""
    phase = on_phase or (lambda _phase, _detail: None)
    k = srs.k if k is None else k
    if k > srs.k:
        raise CircuitError(f"circuit needs 2^{k} rows but the SRS has 2^{srs.k}")
    n = 1 << k
    u = cs.usable_rows(k)
    if len(fixed) != cs.num_fixed:
        raise CircuitError(f"expected {cs.num_fixed} fixed columns, got {len(fixed)}")
    phase("fixed columns", f"{cs.num_fixed} columns of 2^{k} rows")
    fixed_values = [as_field_column(v, n, n, f"fixed column {i}")
                    for i, v in enumerate(fixed)]
    copies = list(copies)
    phase("permutation", f"{len(copies)} copies over {len(cs.equality)} equality columns")
    pa, pb = perm.normalize_copies(copies, cs.equality, u)
    permutation = perm.build_sigma(len(cs.equality), n, u, pa, pb)
    omega = F.root_of_unity(k)
    sigma_values = perm.sigma_columns(len(cs.equality), n, omega, permutation)
    lag = srs.lagrange(k)
    phase("commitments", f"{len(fixed_values) + len(sigma_values) + len(pinned or {})} commitments")
    commits = msm_batch(lag, fixed_values + sigma_values)
    fixed_c, sigma_c = commits[: len(fixed_values)], commits[len(fixed_values):]
    pinned_c = []
    blinding: dict[int, np.ndarray] = {}
    rng = OsRandom()  # r0 must stay unknown to everyone but the proving key
    for index, values in sorted((pinned or {}).items()):
        if not 0 <= index < cs.num_advice:
            raise CircuitError(f"pinned column {index}: no such advice column")
        if cs.advice_phase[index]:
            # a weight committed after the challenges could be chosen to fit them
            raise CircuitError(f"pinned column {cs.name_of(Column(ADVICE, index))} must be a phase-0 column")
        column = as_field_column(values, n, u, f"pinned advice column {cs.name_of(Column(ADVICE, index))}")
        commitment, blinding[index] = hiding_commitment(lag, column, u, rng)
        pinned_c.append((index, commitment))
    vk = VerifyingKey(k, cs, fixed_c, sigma_c, srs.g1[0], srs.g2, srs.g2_tau, pinned=pinned_c,
                      blind_points=list(lag[u:]) if pinned_c else [],
                      insecure_srs=srs.insecure or is_known_insecure(srs), statement=bytes(statement))
    pk = ProvingKey(vk, srs, fixed_values, sigma_values, permutation, pinned_blinding=blinding)
    return pk, vk


# ---------------------------------------------------------------------------
# The key files. Beside the classes because the digest hashes vk_body_bytes and
# to_bytes / from_bytes are these functions; serialize.py holds the byte-level
# reader and the constraint system's encoding they share.
# ---------------------------------------------------------------------------


def vk_body_bytes(vk: VerifyingKey) -> bytes:
    """The key minus its header: what the digest hashes."""
    out = bytearray(u32_bytes(vk.k))
    out += cs_to_bytes(vk.cs)
    for c in vk.fixed_commitments + vk.sigma_commitments:
        out += c.to_compressed_bytes()
    out += vk.g1.to_compressed_bytes() + vk.g2.to_compressed_bytes() + vk.g2_tau.to_compressed_bytes()
    out += u32_bytes(len(vk.pinned))
    for index, point in vk.pinned:
        out += u32_bytes(index) + point.to_compressed_bytes()
    out += u32_bytes(len(vk.blind_points))
    for point in vk.blind_points:
        out += point.to_compressed_bytes()
    out += bytes([1 if vk.insecure_srs else 0])
    out += u32_bytes(len(vk.statement)) + vk.statement
    return bytes(out)


def vk_to_bytes(vk: VerifyingKey) -> bytes:
    """The versioned verifying-key file: header, body (what the digest hashes), checksum."""
    data = VK_MAGIC + bytes([VK_VERSION]) + vk_body_bytes(vk)
    return data + file_checksum(data)


def vk_file_digest(data: bytes) -> bytes:
    """The digest of the verifying key in a vk file, from its bytes (header and
    checksum checked, the points not parsed): what a proof and a proving key
    name the key by. ProofFormatError if `data` is not an intact vk file."""
    r = open_reader(data, VK_MAGIC, VK_VERSION, "verifying key", checksum=True)
    return hashlib.blake2b(r.d[r.pos:], digest_size=32).digest()


def _read_vk(r: Reader) -> VerifyingKey:
    start = r.pos
    k = r.u32()
    if not 2 <= k <= 28:
        raise ProofFormatError(f"{r.what}: circuit size 2^{k} out of range")
    try:
        cs = cs_from_reader(r)
    except ProofFormatError:
        raise
    except (ProverError, ValueError, TypeError, RecursionError) as e:
        raise ProofFormatError(f"{r.what}: invalid constraint system ({e})") from None
    if cs.degree() > 64:
        raise ProofFormatError(f"{r.what}: implausible constraint degree {cs.degree()}")
    fixed = [r.g1() for _ in range(cs.num_fixed)]
    sigma = [r.g1() for _ in range(len(cs.equality))]
    g1, g2, g2_tau = r.g1(), r.g2(), r.g2()
    pinned: list[tuple[int, G1Point]] = []
    for _ in range(r.count(4 + 48)):
        index = r.u32()
        if index >= cs.num_advice or any(index == i for i, _ in pinned) or cs.advice_phase[index]:
            raise ProofFormatError(f"{r.what}: bad pinned advice column {index}")
        pinned.append((index, r.g1()))
    blind_points = [r.g1() for _ in range(r.count(48))]
    if pinned and len(blind_points) != (1 << k) - cs.usable_rows(k):
        raise ProofFormatError(f"{r.what}: {len(blind_points)} blinding-row points, expected "
                               f"{(1 << k) - cs.usable_rows(k)}")
    flag = r.u8()
    if flag not in (0, 1):
        raise ProofFormatError(f"{r.what}: bad SRS mark {flag}")
    statement = r.take(r.count())
    body = bytes(r.d[start:r.pos])
    try:
        return VerifyingKey(k, cs, fixed, sigma, g1, g2, g2_tau,
                            digest=hashlib.blake2b(body, digest_size=32).digest(), pinned=pinned,
                            blind_points=blind_points, insecure_srs=bool(flag), statement=statement)
    except (ProverError, ValueError) as e:
        raise ProofFormatError(f"{r.what}: inconsistent key ({e})") from None


def vk_from_bytes(data: bytes | memoryview) -> VerifyingKey:
    """Parse a verifying key; raises ProofFormatError on any malformed input."""
    r = open_reader(data, VK_MAGIC, VK_VERSION, "verifying key", checksum=True)
    vk = _read_vk(r)
    r.done()
    return vk


# How pk.bin stores a fixed column: the smallest of these that holds it exactly.
COL_ZERO, COL_BITS, COL_I32, COL_I64, COL_MONT = range(5)
_I32_MAX, _I62 = (1 << 31) - 1, 1 << 62


def _column_encoding(v: np.ndarray) -> tuple[int, bytes]:
    """(tag, payload) of one fixed column: zero columns cost nothing, 0/1
    selectors one bit a row, small signed integers (tables, constants) 4 or 8
    bytes, anything else its 32-byte Montgomery limbs exactly as in memory."""
    canon = F.to_canonical(v)
    high_zero = (canon[:, 1] | canon[:, 2] | canon[:, 3]) == 0
    if not canon.any():
        return COL_ZERO, b""
    if high_zero.all() and int(canon[:, 0].max()) <= 1:
        return COL_BITS, np.packbits(canon[:, 0].astype(np.uint8), bitorder="little").tobytes()
    negc = F.to_canonical(F.neg(v))
    pos = high_zero & (canon[:, 0] < np.uint64(_I62))
    negative = ((negc[:, 1] | negc[:, 2] | negc[:, 3]) == 0) & (negc[:, 0] <= np.uint64(_I62)) & ~pos
    if (pos | negative).all():
        ints = np.where(pos, canon[:, 0].astype(np.int64), -negc[:, 0].astype(np.int64))
        if int(np.abs(ints).max()) <= _I32_MAX:
            return COL_I32, ints.astype("<i4").tobytes()
        return COL_I64, ints.astype("<i8").tobytes()
    return COL_MONT, np.ascontiguousarray(v).astype("<u8").tobytes()


def pk_to_bytes(pk: ProvingKey) -> bytes:
    """The versioned proving-key file (version 4): header, the verifying key,
    each fixed column as (tag, payload) (_column_encoding), the copy
    permutation as zlib-compressed sigma(c) - c (i32, or i64 past 2^31 cells)
    behind its width byte and compressed length (u64), each
    pinned column's secret blinding rows as Montgomery limbs, a checksum.
    Nothing derived is stored (the sigma columns come from the permutation by
    one gather, the coefficient and coset forms from ProvingKey.expand).

    Soundness: the verifier never reads pk.bin, only the vk, whose commitments
    fix the fixed and sigma columns; a proving key that differs (damaged past
    its checksum, or edited and re-checksummed) makes proofs the vk rejects
    (tests/prover/test_pk_format.py), so a compact encoding can cost no
    soundness, only the prover's own proofs."""
    vkb = vk_to_bytes(pk.vk)
    parts = [PK_MAGIC, bytes([PK_VERSION]), u32_bytes(len(vkb)), vkb]
    for v in pk.fixed_values:
        tag, payload = _column_encoding(v)
        parts += [bytes([tag]), payload]
    cells = pk.permutation.size
    width = 4 if cells < 1 << 31 else 8
    # sigma(c) - c: cells in no copy are 0 and the cycles of a tensor's wiring
    # repeat their strides, so zlib shrinks it ~50x (26 MiB -> 0.4 MiB at k=17)
    delta = (pk.permutation - np.arange(cells)).astype("<i4" if width == 4 else "<i8")
    packed = zlib.compress(delta.tobytes(), 6)
    parts += [bytes([width]), len(packed).to_bytes(8, "little"), packed]
    for index, _ in pk.vk.pinned:
        parts.append(np.ascontiguousarray(pk.pinned_blinding[index]).astype("<u8").tobytes())
    out = b"".join(parts)
    return out + file_checksum(out)


def pk_from_bytes(data: bytes, srs: SRS) -> ProvingKey:
    """Parse a proving key (the SRS is supplied separately, it is not stored).

    Reads arrays straight from the buffer (np.frombuffer, one copy into an
    aligned array); the only per-element work is the range check of stored
    Montgomery limbs, the bijection check of the permutation (both O(n)) and
    the sigma gather. ProofFormatError on anything malformed, and a one-line
    "run zkir setup again" for a key of an older format."""
    if (isinstance(data, (bytes, bytearray, memoryview)) and len(data) > len(PK_MAGIC)
            and bytes(data[: len(PK_MAGIC)]) == PK_MAGIC and data[len(PK_MAGIC)] < PK_VERSION):
        raise ProofFormatError(f"proving key made by an older zkir (format {data[len(PK_MAGIC)]}, this zkir "
                               f"reads {PK_VERSION}): run zkir setup again")
    r = open_reader(data, PK_MAGIC, PK_VERSION, "proving key", checksum=True)
    vk = vk_from_bytes(r.view(r.count()))
    n = 1 << vk.k
    if vk.k > srs.k:
        raise ProofFormatError(f"proving key needs a 2^{vk.k} SRS, got 2^{srs.k}")
    fixed = [_read_column(r, n, i) for i in range(vk.cs.num_fixed)]
    ne = len(vk.cs.equality)
    width = r.u8()
    if width not in (4, 8):
        raise ProofFormatError(f"proving key: bad permutation width {width}")
    packed = r.view(int.from_bytes(r.view(8), "little"))
    expected = width * ne * n
    try:
        z = zlib.decompressobj()
        raw = z.decompress(packed, expected)  # never more than the circuit's cells
        complete = z.eof and not z.unconsumed_tail and not z.unused_data
    except zlib.error:
        raise ProofFormatError("proving key: the permutation does not decompress") from None
    if len(raw) != expected or not complete:
        raise ProofFormatError(f"proving key: the permutation has {len(raw)} bytes, expected {expected}")
    permutation = np.frombuffer(raw, "<i4" if width == 4 else "<i8").astype(np.int64) + np.arange(ne * n)
    blinding = {index: _field_vector(r, len(vk.blind_points)) for index, _ in vk.pinned}
    r.done()
    if permutation.size:
        if permutation.min() < 0 or permutation.max() >= ne * n:
            raise ProofFormatError("proving key: permutation is not a bijection")
        hit = np.zeros(ne * n, np.bool_)
        hit[permutation] = True  # in range and every cell hit once: a bijection
        if not hit.all():
            raise ProofFormatError("proving key: permutation is not a bijection")
    sigma = perm.sigma_columns(ne, n, F.root_of_unity(vk.k), permutation)
    return ProvingKey(vk, srs, fixed, sigma, permutation, pinned_blinding=blinding)


def _read_column(r: Reader, n: int, index: int) -> np.ndarray:
    tag = r.u8()
    if tag == COL_ZERO:
        return F.zeros(n)
    if tag == COL_BITS:
        bits = np.unpackbits(np.frombuffer(r.view((n + 7) // 8), np.uint8), count=n, bitorder="little")
        out = F.zeros(n)
        out[bits.astype(bool)] = F.scalar(1)
        return out
    if tag in (COL_I32, COL_I64):
        ints = np.frombuffer(r.view((4 if tag == COL_I32 else 8) * n), "<i4" if tag == COL_I32 else "<i8")
        return F.from_int64(ints.astype(np.int64))
    if tag == COL_MONT:
        return _field_vector(r, n)
    raise ProofFormatError(f"{r.what}: fixed column {index} has unknown encoding {tag}")


def _field_vector(r: Reader, n: int) -> np.ndarray:
    """n field elements stored as their Montgomery limbs (as in memory, no
    conversion); each limb vector must be below p like every Montgomery form."""
    raw = np.frombuffer(r.view(32 * n), "<u8").reshape(n, 4).astype(np.uint64)  # the one copy, aligned
    if n and not F.is_canonical(raw).all():
        raise ProofFormatError(f"{r.what}: non-canonical field element")
    return raw
