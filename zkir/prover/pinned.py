"""Hiding pinned columns: private weights bound by the verifying key, hidden from any number of proofs.

A pinned advice column holds values w (a model's private weights) that every
proof must use. The design, and why it is sound and zero-knowledge:

Keygen. Let B = rows usable .. n-1 (the blinding rows, `n - usable` of them) and
L_i = [L_i(tau)]G1 the Lagrange points. Keygen samples r0 in F^|B| from the OS
CSPRNG and puts C = sum_{r<usable} w_r L_r + sum_{i in B} r0_i L_i in the
verifying key, with the points {L_i : i in B}. r0 stays in the proving key only.
C is a perfectly hiding commitment (r0 is uniform and L_i, i in B, are non-zero
points), so the vk alone does not let anyone test a guessed model.

Proof. The pinned column is an ordinary advice column: its blinding rows get
fresh uniform r1 like every other column, and its commitment A goes into the
transcript like the others. Its openings (at x and every rotation the gates
query) are therefore masked exactly like any advice column's: the blinding rows
outnumber the openings (ConstraintSystem.blinding_factors), so each proof's
evaluations are uniform given w. This is what the old design lacked: it left
the column unblinded, so every proof revealed one fresh linear combination of
w and about 2^k proofs gave w back by interpolation.

Link. D = A - C = sum_{i in B} d_i L_i with d = r1 - r0, known to the prover.
The proof carries a Schnorr proof of knowledge of such a representation: the
prover draws a in F^|B|, sends R = sum a_i L_i, gets c from a transcript of its
own (the vk digest, which fixes C, and every pinned column's A and R), and sends
z = a + c d. The link's challenge leaves out the instance on purpose: the
statement "A - C lies in span{L_i : i in B}" does not involve it, and a proof
whose public values were changed then fails where it should, at the quotient
identity, instead of being blamed on the weights. The main transcript absorbs
R and z like every other item. The verifier checks sum z_i L_i == R + c D. All pinned columns are
checked in one multi-scalar multiplication, combined with powers of a further
transcript challenge rho (a false equation survives with probability at most
(#columns) / p).

Soundness. From two accepting transcripts with the same R and c != c' the
extractor gets d = (z - z') / (c - c') with D = sum d_i L_i. If A committed to
a column a' that differs from w on a usable row, then
sum_r (a'_r - w_r) L_r + sum_{i in B} (a'_i - r0_i - d_i) L_i = 0 is a
non-trivial relation among the Lagrange points, i.e. a non-zero polynomial of
degree < n vanishing at tau: it reveals tau, which breaks the q-SDH / discrete
log assumption KZG rests on. So a cheating prover that uses other weights on any
usable row is rejected except with negligible probability (Fiat-Shamir in the
random-oracle model; the challenge c binds A, C through the vk digest, and R).

Zero knowledge. z = a + c (r1 - r0) is uniform and independent of everything
else because a is fresh and uniform; R is a uniform element of span{L_i : i in
B}. A and the openings are distributed like any blinded advice column's. So
nothing about w beyond what the statement itself implies leaks, whatever the
number of proofs. Cost: |B| + 1 group elements and |B| scalars per pinned
column in the proof, one small MSM for the prover and one for the verifier.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from py_arkworks_bls12381 import G1Point

from . import field as F
from . import permutation as perm
from .errors import VerificationError
from .kzg import msm_ints, msm_jobs
from .randomness import RandomBytes
from .transcript import Transcript, TranscriptReader, TranscriptWriter

P = F.P


def blinding_rows(n: int, usable: int) -> slice:
    """The rows whose values the prover randomises: usable .. n-1."""
    return slice(usable, n)


def hiding_commitment(points: list[G1Point], column: np.ndarray, usable: int, rng: RandomBytes
                      ) -> tuple[G1Point, np.ndarray]:
    """Commit to `column` (field vector of n rows) with fresh random blinding rows.
    Returns the commitment and the blinding values r0, which must stay secret."""
    n = column.shape[0]
    col = column.copy()
    r0 = perm.random_field(n - usable, rng)
    col[blinding_rows(n, usable)] = r0
    return msm_jobs([(points, col)])[0], r0


def _link_challenge(vk_digest: bytes, commitments: list[G1Point], rs: list[G1Point]) -> int:
    t = Transcript(b"zkir-pinned-link")
    t.absorb(b"vk", vk_digest)
    for a, r in zip(commitments, rs):
        t.absorb_point(a)
        t.absorb_point(r)
    return t.challenge()


def prove_links(tr: TranscriptWriter, vk_digest: bytes, commitments: list[G1Point], blind_points: list[G1Point],
                blindings: list[np.ndarray], rng: RandomBytes) -> None:
    """Write, for each pinned column j in order, R_j; then z_j for the link's challenge c.

    commitments[j]: the proof's commitment A_j to pinned column j;
    blindings[j] = r1_j - r0_j (field vectors over the blinding rows)."""
    if not blindings:
        return
    nb = len(blind_points)
    masks = [perm.random_field(nb, rng) for _ in blindings]
    rs = msm_jobs([(blind_points, a) for a in masks])
    for r in rs:
        tr.write_point(r)
    c = _link_challenge(vk_digest, commitments, rs)
    for a, d in zip(masks, blindings):
        z = F.add(a, F.mul_scalar(d, c))
        for value in F.to_ints(z):
            tr.write_scalar(value)
    tr.challenge()  # rho: the verifier's batching challenge, drawn here to keep the transcripts in step


def verify_links(tr: TranscriptReader, vk_digest: bytes, blind_points: list[G1Point], pinned: list[tuple[int, G1Point]],
                 advice: dict[int, G1Point], name_of: Callable[[int], str]) -> None:
    """Read and check the links of every pinned column (see the module notes).

    advice: the proof's advice commitments by column index; name_of(index)
    names a column in the error message."""
    if not pinned:
        return
    nb = len(blind_points)
    rs = [tr.read_point(f"pinned-column link commitment {j}") for j in range(len(pinned))]
    c = _link_challenge(vk_digest, [advice[i] for i, _ in pinned], rs)
    zs = [[tr.read_scalar(f"pinned-column link response {j}.{i}") for i in range(nb)]
          for j in range(len(pinned))]
    rho = tr.challenge()

    def terms(j: int) -> tuple[list[G1Point], list[int]]:
        index, committed = pinned[j]
        # sum_i z_i L_i - R - c (A - C) must be the identity
        return (list(blind_points) + [rs[j], advice[index], committed],
                zs[j] + [P - 1, (P - c) % P, c])

    points: list[G1Point] = []
    scalars: list[int] = []
    weight = 1
    for j in range(len(pinned)):
        pts, scs = terms(j)
        points += pts
        scalars += [s * weight % P for s in scs]
        weight = weight * rho % P
    if msm_ints(points, scalars) == G1Point.identity():
        return
    for j, (index, _) in enumerate(pinned):  # name the column that fails
        if msm_ints(*terms(j)) != G1Point.identity():
            raise VerificationError(
                f"advice column '{name_of(index)}' does not hold the values the verifying key pins "
                "(the proof uses other weights than the key's model)"
            )
    raise VerificationError("the pinned-column links fail together but not one by one (a malformed proof)")
