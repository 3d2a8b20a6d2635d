"""Linked commitments: one tensor committed identically in two proofs.

A model too big for one circuit is proven as consecutive shards, each its own
circuit and proof (zkir.sharded). A tensor that crosses the cut between shard i
and shard i+1 (an activation) sits in *link columns* of both circuits: advice
columns of phase 0 that hold nothing else, element e at row e % H of column
e // H (the same H in both, as both circuits have the same k). In shard i its
cells are copy-constrained to the gadget outputs that compute it; in shard i+1 to
the gadget inputs that read it. The two provers are given the same values and
the same *tail*: the last t >= n - usable rows of the column, drawn once from
the OS CSPRNG by whoever proves the bundle (`fresh_tail`) and used in place of
the proof's own blinding rows (`apply_tails`). Both proofs then carry the very
same commitment, and the bundle verifier checks that the two proofs' commitments
to each link column are equal bytes (`phase0_commitments` reads them).

Soundness. Each shard proof is sound on its own: from an accepting proof the
extractor obtains a polynomial under each commitment that satisfies that shard's
constraints. KZG commitments are binding (a different polynomial of degree < n
under the same commitment reveals tau, contrary to q-SDH), so equal commitments
mean equal polynomials, hence equal values on every row: the cells shard i+1
reads are exactly the ones shard i computed. A prover that changes the tensor in
one proof must commit another polynomial there, which the equality check rejects;
a proof of another input has another commitment (fresh tails: equal only with
probability 1/p even for equal values). The pairing of link columns (which column
of shard i equals which of shard i+1) comes from the verifying keys, never from
the proof, and the verifier requires every link column of either side to have its
partner, so no shard input is left unbound.

Zero knowledge. A link column is only copy-constrained, never queried by a
gate at a rotation, so each proof opens it once (at its own x) and the two proofs
together open it twice. Its last n - usable >= 6 rows are uniform (blinding
factors are at least 5, plus the row halo2 keeps): the two evaluations are
linear in those rows with a rank-2 coefficient matrix (distinct points outside
the domain), so they are jointly uniform whatever the tensor holds, and the rest
of each proof is simulated as for any advice column. The commitment itself is
perfectly hiding for the same reason. What is public is that the two proofs share
the column, which the keys say anyway.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import permutation as perm
from . import protocol
from .constraint_system import ConstraintSystem
from .errors import CircuitError, ProofFormatError
from .expression import Column
from .keygen import VerifyingKey
from .randomness import OsRandom

POINT_BYTES = 48
"""A compressed G1 point, as the transcript writes commitments."""


def fresh_tail(rows: int) -> np.ndarray:
    """A link column's shared tail: `rows` uniform field elements from the OS CSPRNG."""
    return perm.random_field(rows, OsRandom())


def apply_tails(cs: ConstraintSystem, columns: dict[int, np.ndarray], tails: Mapping[int, np.ndarray],
                n: int, usable: int) -> None:
    """Write each tail over the last rows of its (phase-0) advice column."""
    phase0 = set(cs.phase_columns(0))
    for index, tail in tails.items():
        name = cs.name_of(Column("advice", index))
        if index not in phase0:
            raise CircuitError(f"advice column {name} is not a phase-0 column: it cannot be linked")
        t = int(np.shape(tail)[0])
        if not n - usable <= t < n:
            raise CircuitError(f"the tail of link column {name} has {t} rows; it must cover the "
                               f"{n - usable} blinding rows and leave the column's values")
        columns[index][n - t:] = tail


def phase0_commitments(vk: VerifyingKey, proof: bytes) -> dict[int, bytes]:
    """The proof's commitments to its phase-0 advice columns (compressed points),
    by column index: the first points of the transcript, in column order. Only
    parsed: verify the proof for them to mean anything."""
    start = len(protocol.PROOF_MAGIC) + 1
    columns = vk.cs.phase_columns(0)
    end = start + POINT_BYTES * len(columns)
    if len(proof) < end:
        raise ProofFormatError("proof truncated (in its advice commitments)")
    return {c: bytes(proof[start + POINT_BYTES * j: start + POINT_BYTES * (j + 1)]) for j, c in enumerate(columns)}
