"""Key generation: fixed columns and the copy permutation become commitments.

Why: everything that depends only on the circuit (fixed values, sigma
polynomials, the l_0 / l_last / l_active selectors, the extended-domain forms)
is computed once here; the verifying key is the small commitment-only part and
its digest seeds every proof transcript.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field as dc_field

import numpy as np
from py_arkworks_bls12381 import G1Point, G2Point

from . import field as F
from . import permutation as perm
from .constraint_system import ConstraintSystem
from .errors import CircuitError
from .expression import ADVICE, Column
from .kzg import SRS, is_known_insecure, msm_batch
from .pinned import hiding_commitment
from .poly import Domain
from .randomness import OsRandom

P = F.P


def ext_log_for(degree: int) -> int:
    """Smallest e with 2^e >= degree - 1 (quotient has degree < (degree-1) n)."""
    e = 0
    while (1 << e) < degree - 1:
        e += 1
    return e


def as_field_column(values, n: int, limit: int, what: str) -> np.ndarray:
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

    def __post_init__(self):
        self.domain = Domain(self.k, ext_log_for(self.cs.degree()))
        self.usable = self.cs.usable_rows(self.k)
        if not self.digest:
            from .serialize import vk_body_bytes

            self.digest = hashlib.blake2b(vk_body_bytes(self), digest_size=32).digest()


    def to_bytes(self) -> bytes:
        from .serialize import vk_to_bytes

        return vk_to_bytes(self)

    @staticmethod
    def from_bytes(data: bytes) -> "VerifyingKey":
        from .serialize import vk_from_bytes

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

    def __post_init__(self):
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
        from .serialize import pk_to_bytes

        return pk_to_bytes(self)

    @staticmethod
    def from_bytes(data: bytes, srs: SRS) -> "ProvingKey":
        from .serialize import pk_from_bytes

        return pk_from_bytes(data, srs)

    @property
    def lagrange_points(self) -> list[G1Point]:
        return self.srs.lagrange(self.vk.k)

    @property
    def monomial_points(self) -> list[G1Point]:
        return self.srs.monomial(self.vk.k)


def keygen(srs: SRS, cs: ConstraintSystem, fixed: list, copies=(), k: int | None = None,
           pinned: dict[int, np.ndarray] | None = None, statement: bytes = b"",
           seed: int | None = None) -> tuple[ProvingKey, VerifyingKey]:
    """Build keys for circuit `cs` with fixed column values and copy constraints.

    fixed: one integer array per fixed column (padded with zeros to 2^k rows).
    copies: ((col_a, row_a), (col_b, row_b)) pairs or (col_a, rows_a, col_b, rows_b).
    pinned: advice column index -> the values every proof must put there. The
    verifying key holds a hiding commitment to each; every proof commits a
    freshly blinded copy and proves it differs only in the blinding rows
    (pinned.py), so no number of proofs reveals the values.
    statement: opaque bytes the caller binds to the key (the public interface).
    seed: make the pinned columns' blinding deterministic (tests only).
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
    rng = np.random.default_rng(seed) if seed is not None else OsRandom()
    for index, values in sorted((pinned or {}).items()):
        if not 0 <= index < cs.num_advice:
            raise CircuitError(f"pinned column {index}: no such advice column")
        column = as_field_column(values, n, u, f"pinned advice column {cs.name_of(Column(ADVICE, index))}")
        commitment, blinding[index] = hiding_commitment(lag, column, u, rng)
        pinned_c.append((index, commitment))
    vk = VerifyingKey(k, cs, fixed_c, sigma_c, srs.g1[0], srs.g2, srs.g2_tau, pinned=pinned_c,
                      blind_points=list(lag[u:]) if pinned_c else [],
                      insecure_srs=srs.insecure or is_known_insecure(srs), statement=bytes(statement))
    pk = ProvingKey(vk, srs, fixed_values, sigma_values, permutation, pinned_blinding=blinding)
    return pk, vk
