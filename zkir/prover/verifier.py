"""The verifier: replay the transcript, check the quotient identity at x, then
one batched pairing check for every opening (GWC).

Why: verification must be cheap (a few ms) and must say which check failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import numpy.typing as npt
from py_arkworks_bls12381 import GT, G1Point

from . import field as F
from . import pinned, protocol
from .errors import CircuitError, InsecureSetupError, ProofFormatError, VerificationError
from .expression import Column, Query, evaluate_point
from .keygen import VerifyingKey
from .kzg import is_known_insecure, msm_ints
from .poly import Domain
from .prover import _instance_bytes, prepare_instance
from .transcript import TranscriptReader

P = F.P


def _instance_at(dom: Domain, vals: np.ndarray, point: int) -> int:
    """sum_i vals[i] L_i(point) for an instance column given as a field vector
    (vectorised: one batch inversion, one dot product)."""
    m = vals.shape[0]
    if m == 0:
        return 0
    if m < F.SMALL:  # a few public values: Python ints, no numba start-up
        xs, ws = F.to_ints(vals), [1] * m
        for i in range(1, m):
            ws[i] = ws[i - 1] * dom.omega % P
        dens = [dom.n * (point - w) % P for w in ws]
        prefix = [1] * (m + 1)
        for i, d in enumerate(dens):
            prefix[i + 1] = prefix[i] * d % P
        inv = pow(prefix[m], P - 2, P)
        total = 0
        for i in range(m - 1, -1, -1):  # Montgomery's batch inversion, backwards
            total += xs[i] * ws[i] * (inv * prefix[i] % P)
            inv = inv * dens[i] % P
        return total % P * dom.vanishing_at(point) % P
    wv = F.powers(dom.omega, m)
    den = F.mul_scalar(F.add_scalar(F.neg(wv), point), dom.n)  # n (point - w^i)
    lag = F.mul(wv, F.batch_inv(den))
    return F.dot(vals, lag) * dom.vanishing_at(point) % P


@dataclass
class Replay:
    """A proof read back against its key: every commitment and evaluation by
    (key, rotation), the opening points and the GWC challenges. The quotient's
    combined commitment and value (HCOMB) are derived, as the verifier must."""

    commitments: dict[tuple, G1Point]
    evaluations: dict[tuple, int]
    groups: dict[int, list[tuple]]
    """rotation -> the polynomial keys opened there, in combination order."""
    points: list[int]
    """The rotations, in the order of the opening witnesses."""
    witnesses: list[G1Point]
    x: int
    v: int
    u: int


def replay(vk: VerifyingKey, instance: Sequence[npt.ArrayLike], proof: bytes) -> Replay:
    """Parse `proof`, replay its transcript and check every algebraic relation
    short of the final pairing (raises VerificationError / ProofFormatError)."""
    cs = vk.cs
    dom = vk.domain
    n, u = dom.n, vk.usable
    if not isinstance(proof, (bytes, bytearray, memoryview)):
        raise ProofFormatError(f"proof must be bytes, not {type(proof).__name__}")
    proof = bytes(proof)
    hl = len(protocol.PROOF_MAGIC) + 1
    if len(proof) < hl or proof[: hl - 1] != protocol.PROOF_MAGIC:
        raise ProofFormatError("not a zkir proof (bad magic)" if len(proof) >= hl else "proof truncated (no header)")
    if proof[hl - 1] != protocol.PROOF_VERSION:
        raise ProofFormatError(f"unsupported proof version {proof[hl - 1]}")
    try:
        inst = prepare_instance(cs, instance, u)
    except (CircuitError, TypeError, ValueError, OverflowError) as e:
        raise VerificationError(f"bad instance: {e}") from None
    tr = TranscriptReader(proof[hl:], b"zkir-plonk")
    tr.absorb(b"vk", vk.digest)
    tr.absorb(b"instance", _instance_bytes(inst))

    comm: dict[tuple, G1Point] = {}
    for i in cs.phase_columns(0):
        comm[("advice", i)] = tr.read_point(f"advice commitment {i}")
    pinned.verify_links(tr, vk.digest, vk.blind_points, vk.pinned, {i: comm[("advice", i)] for i, _ in vk.pinned},
                        lambda i: cs.name_of(Column("advice", i)))
    # the challenges depend on every phase-0 commitment; phase-1 ones come after
    challenges = [tr.challenge() for _ in range(cs.num_challenges)]
    for i in cs.phase_columns(1):
        comm[("advice", i)] = tr.read_point(f"phase-1 advice commitment {i}")
    cs = cs.with_challenges(challenges)
    theta = tr.challenge()
    for i in range(len(cs.lookups)):
        comm[("m", i)] = tr.read_point(f"lookup multiplicity commitment {i}")
    beta = tr.challenge()
    gamma = tr.challenge()
    for c in range(protocol.num_chunks(cs)):
        comm[("z", c)] = tr.read_point(f"permutation product commitment {c}")
    for i in range(len(cs.lookups)):
        comm[("phi", i)] = tr.read_point(f"lookup sum commitment {i}")
    comm[protocol.RANDOM] = tr.read_point("vanishing random polynomial commitment")
    y = tr.challenge()
    pieces = protocol.num_quotient_pieces(cs)
    for i in range(pieces):
        comm[("h", i)] = tr.read_point(f"quotient piece {i}")
    x = tr.challenge()
    plan = protocol.opening_plan(cs, u)
    evals: dict[tuple, int] = {}
    for key, rot in plan:
        if protocol.is_sent(key):
            evals[(key, rot)] = tr.read_scalar(f"evaluation of {key[0]} {key[1]} at rotation {rot}")
    v = tr.challenge()
    points = sorted({rot for _, rot in plan})
    w_commits = [tr.read_point(f"opening witness {j}") for j in range(len(points))]
    uch = tr.challenge()
    tr.finish()

    for i in range(cs.num_fixed):
        comm[("fixed", i)] = vk.fixed_commitments[i]
    for j in range(len(cs.equality)):
        comm[("sigma", j)] = vk.sigma_commitments[j]

    # ---- quotient identity at x
    inst_cache: dict[tuple, int] = {}

    def inst_eval(idx: int, rot: int) -> int:
        if (idx, rot) not in inst_cache:
            inst_cache[(idx, rot)] = _instance_at(dom, inst[idx], dom.rotate_point(x, rot))
        return inst_cache[(idx, rot)]

    def resolve(q: Query) -> int:
        if q.column.kind == "instance":
            return inst_eval(q.column.index, q.rotation)
        return evals[((q.column.kind, q.column.index), q.rotation)]

    lrows = dom.lagrange_at(x, [0, u] + list(range(u + 1, n)))
    l0, llast = lrows[0], lrows[1]
    lblind = sum(lrows[2:]) % P
    lactive = (1 - llast - lblind) % P
    fs, ts = [], []
    for i in range(len(cs.lookups)):
        f, t = protocol.lookup_compressed(cs, i, lambda e: evaluate_point(e, resolve), theta)
        fs.append(f)
        ts.append(t)

    def get(name: str, idx: int = 0, rot: int | Literal["last"] = 0) -> int:
        if name == "col":
            c = cs.equality[idx]
            if c.kind == "instance":
                return inst_eval(c.index, 0)
            return evals[((c.kind, c.index), 0)]
        if name == "sigma":
            return evals[(("sigma", idx), 0)]
        if name in ("z", "phi"):
            r = u if rot == "last" else rot
            return evals[((name, idx), r)]
        if name == "m":
            return evals[(("m", idx), 0)]
        if name == "f":
            return fs[idx]
        if name == "t":
            return ts[idx]
        if name == "l0":
            return l0
        if name == "llast":
            return llast
        if name == "lactive":
            return lactive
        if name == "X":
            return x
        raise KeyError(name)

    acc = 0
    for c in protocol.constraints(cs, get, lambda e: evaluate_point(e, resolve), theta, beta, gamma):
        acc = (acc * y + c) % P
    xn = pow(x, n, P)
    if xn == 1:
        raise VerificationError("challenge point x lies in the evaluation domain")
    # h(x) = constraints(x) / Z_H(x); the pairing check below then tests that
    # sum_i x^(n i) [h_i] opens to it at x (halo2's vanishing argument)
    evals[(protocol.HCOMB, 0)] = acc * F.inv(xn - 1) % P
    comm[protocol.HCOMB] = msm_ints([comm[("h", i)] for i in range(pieces)],
                                    [pow(xn, i, P) for i in range(pieces)])
    groups: dict[int, list[tuple]] = {}
    for key, rot in plan:
        groups.setdefault(rot, []).append(key)
    return Replay(comm, evals, groups, points, w_commits, x, v, uch)


def verify(vk: VerifyingKey, instance: Sequence[npt.ArrayLike], proof: bytes, *, allow_insecure_srs: bool = False
           ) -> bool:
    """True if `proof` is valid for `instance`; raises VerificationError otherwise.

    A key made from a test SRS (public tau: anyone can forge) is refused unless
    allow_insecure_srs is set."""
    if (vk.insecure_srs or is_known_insecure(vk)) and not allow_insecure_srs:
        raise InsecureSetupError(
            "the verifying key was made from an INSECURE test SRS (its tau is public, so anyone can "
            "forge proofs); refusing to verify (allow it explicitly for tests)"
        )
    r = replay(vk, instance, proof)
    dom = vk.domain
    comm, evals, groups, points, w_commits = r.commitments, r.evaluations, r.groups, r.points, r.witnesses
    v, uch = r.v, r.u

    # ---- GWC batched opening: e(sum u^j W_j, [tau]) == e(sum u^j (F_j - y_j + z_j W_j), [1])
    lhs_pts, lhs_sc = [], []
    rhs: dict[int, int] = {}  # index into point list -> scalar
    rhs_pts: list[G1Point] = []
    idx_of: dict[int, int] = {}

    def add_rhs(pt: G1Point, s: int) -> None:
        k_ = id(pt)
        if k_ not in idx_of:
            idx_of[k_] = len(rhs_pts)
            rhs_pts.append(pt)
            rhs[idx_of[k_]] = 0
        rhs[idx_of[k_]] = (rhs[idx_of[k_]] + s) % P

    g_scalar = 0
    uj = 1
    for j, rot in enumerate(points):
        z = dom.rotate_point(r.x, rot)
        vi = 1
        y_comb = 0
        for key in groups[rot]:
            add_rhs(comm[key], uj * vi % P)
            y_comb = (y_comb + vi * evals[(key, rot)]) % P
            vi = vi * v % P
        g_scalar = (g_scalar - uj * y_comb) % P
        lhs_pts.append(w_commits[j])
        lhs_sc.append(uj)
        add_rhs(w_commits[j], uj * z % P)
        uj = uj * uch % P
    add_rhs(vk.g1, g_scalar)
    lhs = msm_ints(lhs_pts, lhs_sc)
    rhs_pt = msm_ints(rhs_pts, [rhs[i] for i in range(len(rhs_pts))])
    if not GT.pairing_check([lhs, -rhs_pt], [vk.g2_tau, vk.g2]):
        raise VerificationError("pairing check failed: an opening does not match its commitment, "
                                "or the quotient identity (gates, lookups, copies) fails at x")
    return True
