"""Attacks an adversary who reads zkir's source can mount, written as tools for the tests.

Each is a real attack on the protocol, not a mock: a test shows it succeeds
where the design is weak (a public tau, an unblinded column) and fails where it
is not.
"""

from __future__ import annotations

import numpy as np
from py_arkworks_bls12381 import G1Point

from zkir.prover import field as F
from zkir.prover.kzg import DEFAULT_INSECURE_SEED, _seed_tau, scalar_from_int
from zkir.prover.verifier import replay

P = F.P


def seeded_tau(seed: bytes = DEFAULT_INSECURE_SEED) -> int:
    """The tau of SRS.insecure_from_seed(k, seed): public, since the seed and the
    derivation are in zkir's source (an attacker reads them there)."""
    return _seed_tau(seed)


def forge_openings(vk, instance: list[np.ndarray], proof: bytes, tau: int) -> bytes:
    """Make `proof` verify for `instance` whatever its polynomials say, using tau.

    With tau, any commitment C opens to any value y at any point z:
    W = (C - y G1) / (tau - z). The opening witnesses are the last items of the
    transcript, so the forger takes a proof made for the instance it claims
    (whose quotient need not vanish), replays it, and replaces every witness by
    one computed with tau: the verifier's derived quotient value then "opens"
    too, and the pairing check passes."""
    r = replay(vk, instance, proof)
    forged = []
    for rot in r.points:
        z = vk.domain.rotate_point(r.x, rot)
        keys = r.groups[rot]
        vi, y, pts, scs = 1, 0, [], []
        for key in keys:
            pts.append(r.commitments[key])
            scs.append(vi)
            y = (y + vi * r.evaluations[(key, rot)]) % P
            vi = vi * r.v % P
        pts.append(vk.g1)
        scs.append((P - y) % P)
        combined = G1Point.multiexp_unchecked(pts, [scalar_from_int(s) for s in scs])
        forged.append(combined * scalar_from_int(pow((tau - z) % P, P - 2, P)))
    tail = len(r.points) * 48
    return proof[:-tail] + b"".join(p.to_compressed_bytes() for p in forged)


def pinned_openings(vk, instance: list[np.ndarray], proof: bytes, column: int) -> tuple[int, int]:
    """(x, the pinned column's evaluation at x) as every proof reveals them."""
    r = replay(vk, instance, proof)
    return r.x, r.evaluations[(("advice", column), 0)]


def interpolate_column(vk, openings: list[tuple[int, int]], assumed_blinding_rows: int) -> list[int] | None:
    """Solve for a column from its openings p(x_j) = sum_r c_r L_r(x_j), assuming
    the rows from `usable` on are zero (the old design left pinned columns
    unblinded). Gaussian elimination mod p over all openings; returns the usable
    rows' values, or None when the openings contradict the assumption (the
    system is inconsistent), as they do when every proof blinds the column."""
    dom = vk.domain
    u = dom.n - assumed_blinding_rows
    rows = list(range(u))
    matrix = [[*dom.lagrange_at(x, rows), y] for x, y in openings]
    m, cols = len(matrix), u
    pivot_row = 0
    where = [-1] * cols
    for c in range(cols):
        sel = next((i for i in range(pivot_row, m) if matrix[i][c] % P), None)
        if sel is None:
            continue
        matrix[pivot_row], matrix[sel] = matrix[sel], matrix[pivot_row]
        inv = pow(matrix[pivot_row][c], P - 2, P)
        matrix[pivot_row] = [v * inv % P for v in matrix[pivot_row]]
        for i in range(m):
            if i != pivot_row and matrix[i][c]:
                f = matrix[i][c]
                matrix[i] = [(a - f * b) % P for a, b in zip(matrix[i], matrix[pivot_row])]
        where[c] = pivot_row
        pivot_row += 1
    if any(all(v == 0 for v in row[:-1]) and row[-1] for row in matrix):
        return None  # inconsistent: no unblinded column explains these openings
    if -1 in where:
        raise ValueError("too few openings to determine the column")
    return [matrix[where[c]][-1] for c in range(cols)]


def signed(values: list[int]) -> list[int]:
    return [v - P if v > P // 2 else v for v in values]
