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
from dataclasses import dataclass, field as dc_field
from typing import Iterable, Sequence

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
PK_VERSION = 3  # 2: the pinned columns' secret blinding; 3: checksum


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
    # derived (not serialized)
    fixed_coeffs: list[np.ndarray] = dc_field(default_factory=list)
    fixed_ext: list[np.ndarray] = dc_field(default_factory=list)
    sigma_coeffs: list[np.ndarray] = dc_field(default_factory=list)
    sigma_ext: list[np.ndarray] = dc_field(default_factory=list)
    l0_ext: np.ndarray | None = None
    llast_ext: np.ndarray | None = None
    lactive_ext: np.ndarray | None = None
    x_ext: np.ndarray | None = None

    def __post_init__(self) -> None:
        dom = self.vk.domain
        n, u = dom.n, self.vk.usable
        nf, ns = len(self.fixed_values), len(self.sigma_values)
        l0 = F.zeros(n)
        l0[0] = F.scalar(1)
        llast = F.zeros(n)
        llast[u] = F.scalar(1)
        lactive = F.zeros(n)
        lactive[:u] = F.scalar(1)
        conv = dom.lagrange_to_coeff_and_extended(self.fixed_values + self.sigma_values + [l0, llast, lactive])
        self.fixed_coeffs = [c for c, _ in conv[:nf]]
        self.fixed_ext = [e for _, e in conv[:nf]]
        self.sigma_coeffs = [c for c, _ in conv[nf:nf + ns]]
        self.sigma_ext = [e for _, e in conv[nf:nf + ns]]
        self.l0_ext, self.llast_ext, self.lactive_ext = (e for _, e in conv[nf + ns:])
        del conv
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
           statement: bytes = b"") -> tuple[ProvingKey, VerifyingKey]:
    """Build keys for circuit `cs` with fixed column values and copy constraints.

    fixed: one integer array per fixed column (padded with zeros to 2^k rows).
    copies: ((col_a, row_a), (col_b, row_b)) pairs or (col_a, rows_a, col_b, rows_b).
    pinned: advice column index -> the values every proof must put there. The
    verifying key holds a hiding commitment to each; every proof commits a
    freshly blinded copy and proves it differs only in the blinding rows
    (pinned.py), so no number of proofs reveals the values.
    statement: opaque bytes the caller binds to the key (the public interface).
    k: circuit size, default srs.k; a smaller k derives its Lagrange points by
    an inverse NTT over G1 (slow beyond k ~ 12: prefer an SRS of the exact size)."""
    k = srs.k if k is None else k
    if k > srs.k:
        raise CircuitError(f"circuit needs 2^{k} rows but the SRS has 2^{srs.k}")
    n = 1 << k
    u = cs.usable_rows(k)
    if len(fixed) != cs.num_fixed:
        raise CircuitError(f"expected {cs.num_fixed} fixed columns, got {len(fixed)}")
    fixed_values = [as_field_column(v, n, n, f"fixed column {i}")
                    for i, v in enumerate(fixed)]
    pa, pb = perm.normalize_copies(list(copies), cs.equality, u)
    permutation = perm.build_sigma(len(cs.equality), n, u, pa, pb)
    omega = F.root_of_unity(k)
    sigma_values = perm.sigma_columns(len(cs.equality), n, omega, permutation)
    lag = srs.lagrange(k)
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


def vk_from_bytes(data: bytes) -> VerifyingKey:
    """Parse a verifying key; raises ProofFormatError on any malformed input."""
    r = open_reader(data, VK_MAGIC, VK_VERSION, "verifying key", checksum=True)
    vk = _read_vk(r)
    r.done()
    return vk


def pk_to_bytes(pk: ProvingKey) -> bytes:
    """The versioned proving-key file: fixed values, permutation and the verifying key (not the SRS)."""
    vkb = vk_to_bytes(pk.vk)
    out = bytearray(PK_MAGIC + bytes([PK_VERSION]))
    out += u32_bytes(len(vkb)) + vkb
    for v in pk.fixed_values:
        out += F.to_le_bytes(v).tobytes()
    out += pk.permutation.astype("<i8").tobytes()
    for index, _ in pk.vk.pinned:
        out += F.to_le_bytes(pk.pinned_blinding[index]).tobytes()
    out += file_checksum(out)
    return bytes(out)


def pk_from_bytes(data: bytes, srs: SRS) -> ProvingKey:
    """Parse a proving key (the SRS is supplied separately, it is not stored)."""
    r = open_reader(data, PK_MAGIC, PK_VERSION, "proving key", checksum=True)
    vk = vk_from_bytes(r.take(r.count()))
    n = 1 << vk.k
    if vk.k > srs.k:
        raise ProofFormatError(f"proving key needs a 2^{vk.k} SRS, got 2^{srs.k}")
    fixed = [_field_vector(r, n) for _ in range(vk.cs.num_fixed)]
    ne = len(vk.cs.equality)
    permutation = np.frombuffer(r.take(8 * ne * n), "<i8").astype(np.int64)
    blinding = {index: _field_vector(r, len(vk.blind_points)) for index, _ in vk.pinned}
    r.done()
    if permutation.size and (permutation.min() < 0 or permutation.max() >= ne * n
                             or np.unique(permutation).size != permutation.size):
        raise ProofFormatError("proving key: permutation is not a bijection")
    sigma = perm.sigma_columns(ne, n, F.root_of_unity(vk.k), permutation)
    return ProvingKey(vk, srs, fixed, sigma, permutation, pinned_blinding=blinding)


def _field_vector(r: Reader, n: int) -> np.ndarray:
    raw = np.frombuffer(r.take(32 * n), "<u8").reshape(n, 4).astype(np.uint64)
    if n and not F.is_canonical(raw).all():
        raise ProofFormatError(f"{r.what}: non-canonical field element")
    return F.from_canonical(raw)
