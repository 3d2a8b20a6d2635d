"""Lookup arguments with logUp.

Why: logUp needs no sorting of the witness (unlike halo2's permuted columns):
the prover commits multiplicities m (small integers, cheap to commit) and one
running sum phi with
    phi[i+1] = phi[i] + m[i] / (beta + t[i]) - 1 / (beta + f[i])
over the usable rows, phi[0] = phi[u] = 0, where f and t are the input and
table tuples compressed with a challenge theta.  Everything is a vector
operation (one batch inversion, one prefix sum).
"""

from __future__ import annotations

from typing import Iterator, Sequence, overload

import numpy as np

from . import algebra as A
from . import field as F
from .algebra import V, Getter
from .expression import Value


def _keys(cols: list[np.ndarray]) -> np.ndarray:
    """Rows of canonical limbs as fixed-size byte strings (for exact matching)."""
    c = np.ascontiguousarray(np.concatenate([F.to_canonical(v) for v in cols], axis=1))
    return c.view(np.dtype((np.void, c.shape[1] * 8))).ravel()


def multiplicities(inputs: list[np.ndarray], table: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """m[r] = number of input rows equal to table row r (first occurrence of a
    repeated table row takes all).  Returns (m as int64, indices of input rows
    not found in the table)."""
    tk = _keys(table)
    ik = _keys(inputs)
    uniq, first = np.unique(tk, return_index=True)
    pos = np.searchsorted(uniq, ik)
    pos_c = np.minimum(pos, len(uniq) - 1)
    found = uniq[pos_c] == ik
    m = np.bincount(first[pos_c[found]], minlength=len(tk)).astype(np.int64)
    return m, np.flatnonzero(~found)


@overload
def compress(vals: Sequence[np.ndarray], theta: int) -> np.ndarray: ...
@overload
def compress(vals: Sequence[int], theta: int) -> int: ...
def compress(vals: Sequence[Value], theta: int) -> Value:
    """sum_i theta^i vals[i] via Horner (vals are vectors or ints; a lookup has
    at least one, so vectors give a vector)."""
    acc: Value = 0
    for v in reversed(vals):
        acc = A.add(A.mul(acc, theta), v) if not (isinstance(acc, int) and acc == 0) else v
    return acc


def running_sum(f: np.ndarray, t: np.ndarray, m: np.ndarray, beta: int, usable: int) -> np.ndarray:
    """phi over rows 0..usable (length usable + 1); phi[usable] == 0 iff the lookup holds."""
    inv = F.batch_inv(F.add_scalar(np.concatenate([f[:usable], t[:usable]]), beta))
    term = F.sub(F.mul(m[:usable], inv[usable:]), inv[:usable])
    phi = F.zeros(usable + 1)
    phi[1:] = F.prefix_sum(term)
    return phi


def constraints(get: Getter[V], idx: int, beta: int) -> Iterator[V]:
    """Constraint values of lookup idx; get as in permutation.constraints plus
    ("m", idx), ("phi", idx, rot), ("f", idx), ("t", idx)."""
    phi = get("phi", idx, 0)
    yield A.mul(get("l0"), phi)
    yield A.mul(get("llast"), phi)
    f = A.add(get("f", idx), beta)
    t = A.add(get("t", idx), beta)
    dphi = A.sub(get("phi", idx, 1), phi)
    expr = A.add(A.sub(A.mul(A.mul(dphi, f), t), A.mul(get("m", idx), f)), t)
    yield A.mul(get("lactive"), expr)
