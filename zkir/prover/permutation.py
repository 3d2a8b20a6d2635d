"""Copy constraints via the PLONK permutation argument (halo2 flavour).

Why: equality between arbitrary cells of equality-enabled columns becomes a
grand-product argument.  Keygen turns the list of copies into cycles (a numba
union-find) and sigma polynomials; the prover builds one grand product z per
chunk of `degree - 2` columns, chained across chunks at row `u` (the l_last
row), with the last rows random for zero knowledge.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence, Union

import numba as nb
import numpy as np

from . import algebra as A
from . import field as F
from .algebra import V, Getter
from .errors import CircuitError
from .expression import Column
from .randomness import RandomBytes

P = F.P
DELTA = pow(F.GENERATOR, 1 << F.TWO_ADICITY, P)  # odd order: delta^j H are distinct cosets

Copy = Union[tuple[tuple[Column, int], tuple[Column, int]],
             tuple[Column, Union[np.ndarray, Sequence[int]], Column, Union[np.ndarray, Sequence[int]]]]
"""A copy constraint: one cell pair, or two columns' row arrays (see normalize_copies)."""


@nb.njit(cache=True)
def _union_find(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    parent = np.arange(n)
    for i in range(a.shape[0]):
        x = a[i]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        y = b[i]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x != y:
            if x < y:
                parent[y] = x
            else:
                parent[x] = y
    for i in range(n):
        x = i
        while parent[x] != x:
            x = parent[x]
        parent[i] = x
    return parent


def normalize_copies(copies: Iterable[Copy], equality: list[Column], usable: int) -> tuple[np.ndarray, np.ndarray]:
    """Copies -> two arrays of flat positions (column_slot * n_rows + row).

    Accepted forms, mixable in one list:
      ((col_a, row_a), (col_b, row_b))                one cell pair
      (col_a, rows_a, col_b, rows_b)                   tensor form, rows are int arrays
    """
    slot = {c: i for i, c in enumerate(equality)}
    pa, pb = [], []
    for cp in copies:
        if len(cp) == 2:
            (ca, row_a), (cb, row_b) = cp
            ra, rb = np.asarray([row_a], np.int64), np.asarray([row_b], np.int64)
        elif len(cp) == 4:
            ca, rows_a, cb, rows_b = cp
            ra, rb = np.asarray(rows_a, np.int64).ravel(), np.asarray(rows_b, np.int64).ravel()
            if ra.shape != rb.shape:
                raise CircuitError(f"copy between {ca!r} and {cb!r}: {ra.size} rows vs {rb.size} rows")
        else:
            raise CircuitError(f"malformed copy constraint {cp!r}")
        for c in (ca, cb):
            if c not in slot:
                raise CircuitError(f"copy constraint on column {c!r} which is not equality-enabled")
        for r in (ra, rb):
            if r.size and (r.min() < 0 or r.max() >= usable):
                raise CircuitError(f"copy constraint row out of the usable range [0, {usable})")
        pa.append(slot[ca] * usable + ra)
        pb.append(slot[cb] * usable + rb)
    if not pa:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pa), np.concatenate(pb)


def build_sigma(num_cols: int, n: int, usable: int, pos_a: np.ndarray, pos_b: np.ndarray) -> np.ndarray:
    """Permutation of flat positions (slot * n + row); identity outside copies."""
    total = num_cols * usable
    if total == 0:
        return np.zeros(0, np.int64)
    root = _union_find(total, pos_a.astype(np.int64), pos_b.astype(np.int64))
    ids = np.arange(total)
    order = np.lexsort((ids, root))
    sorted_root = root[order]
    nxt = np.empty(total, np.int64)
    nxt[order[:-1]] = order[1:]
    # the last element of each cycle maps back to the first
    starts = np.flatnonzero(np.r_[True, sorted_root[1:] != sorted_root[:-1]])
    ends = np.r_[starts[1:], total] - 1
    nxt[order[ends]] = order[starts]
    # usable-row positions -> full-row positions
    col = nxt // usable
    row = nxt % usable
    perm = np.arange(num_cols * n).reshape(num_cols, n)
    perm[:, :usable] = (col * n + row).reshape(num_cols, usable)
    return perm.reshape(-1)


def id_values(num_cols: int, n: int, omega: int) -> np.ndarray:
    """delta^j * omega^i for every slot j and row i, flat (num_cols * n, 4)."""
    w = F.powers(omega, n)
    return np.concatenate([F.mul_scalar(w, pow(DELTA, j, P)) for j in range(num_cols)]) if num_cols else F.zeros(0)


def sigma_columns(num_cols: int, n: int, omega: int, perm: np.ndarray) -> list[np.ndarray]:
    ids = id_values(num_cols, n, omega)
    sig = ids[perm]
    return [np.ascontiguousarray(sig[j * n:(j + 1) * n]) for j in range(num_cols)]


def chunks(num_cols: int, chunk: int) -> list[range]:
    return [range(s, min(s + chunk, num_cols)) for s in range(0, num_cols, chunk)]


def grand_products(values: list[np.ndarray], sigmas: list[np.ndarray], n: int, usable: int,
                   omega: int, beta: int, gamma: int, chunk: int, rng: RandomBytes) -> list[np.ndarray]:
    """One z column (Lagrange form) per chunk of equality columns."""
    w = F.powers(omega, n)
    zs = []
    start = 1
    for ch in chunks(len(values), chunk):
        num = F.ones(n)
        den = F.ones(n)
        for j in ch:
            bid = F.mul_scalar(w, beta * pow(DELTA, j, P) % P)
            num = F.mul(num, F.add_scalar(F.add(values[j], bid), gamma))
            den = F.mul(den, F.add_scalar(F.add(values[j], F.mul_scalar(sigmas[j], beta)), gamma))
        ratio = F.mul(num[:usable], F.batch_inv(den[:usable]))
        z = F.zeros(n)
        z[0] = F.scalar(start)
        z[1:usable + 1] = F.mul_scalar(F.prefix_product(ratio), start)
        z[usable + 1:] = random_field(n - usable - 1, rng)
        start = F.elem_to_int(z[usable])
        zs.append(z)
    return zs


def random_field(count: int, rng: RandomBytes) -> np.ndarray:
    """Uniform random field elements (Montgomery form), vectorised rejection
    sampling of 255-bit strings below p; rng needs a .bytes(n) method."""
    out = F.zeros(count)
    todo = np.arange(count)
    p_limbs = [np.uint64(x) for x in F._limbs(P)]
    while todo.size:
        raw = np.frombuffer(rng.bytes(32 * todo.size), "<u8").reshape(-1, 4).astype(np.uint64)
        raw[:, 3] &= np.uint64((1 << 63) - 1)
        # lexicographic raw < p, most significant limb first
        less = np.zeros(todo.size, bool)
        eq = np.ones(todo.size, bool)
        for limb in (3, 2, 1, 0):
            less |= eq & (raw[:, limb] < p_limbs[limb])
            eq &= raw[:, limb] == p_limbs[limb]
        out[todo[less]] = raw[less]  # a uniform value < p is a uniform Montgomery form too
        todo = todo[~less]
    return out


def constraints(get: Getter[V], num_cols: int, chunk: int, beta: int, gamma: int) -> Iterator[V]:
    """Yield the permutation constraint values.

    get(name, *args) resolves: ("col", j) equality column j at x, ("sigma", j),
    ("z", c, rot) with rot in {0, 1, "last"}, ("l0",), ("llast",), ("lactive",),
    ("X",)."""
    chs = chunks(num_cols, chunk)
    if not chs:
        return
    l0 = get("l0")
    llast = get("llast")
    active = get("lactive")
    x = get("X")
    yield A.mul(l0, A.one_minus(get("z", 0, 0)))
    zl = get("z", len(chs) - 1, 0)
    yield A.mul(llast, A.sub(A.mul(zl, zl), zl))
    for c in range(1, len(chs)):
        yield A.mul(l0, A.sub(get("z", c, 0), get("z", c - 1, "last")))
    for c, ch in enumerate(chs):
        left = get("z", c, 1)
        right = get("z", c, 0)
        for j in ch:
            v = get("col", j)
            left = A.mul(left, A.add(A.add(v, A.mul(get("sigma", j), beta)), gamma))
            right = A.mul(right, A.add(A.add(v, A.mul(x, beta * pow(DELTA, j, P) % P)), gamma))
        yield A.mul(active, A.sub(left, right))
