"""Matrix products checked by a random linear combination (Freivalds' algorithm).

out = lhs @ rhs for lhs (b, t, d) and rhs (g, d, m), g = 1 (one rhs for every
batch: a dense layer's or a convolution's weights) or g = b (attention's
per-head products). A dot gadget spends a cell per multiply-add, b*t*d*m; this
one spends cells in proportion to the operands, g*d*m + b*(t*m + t*d), checking
per batch, for the challenge r and s = r^m,

    sum_(i,j) out[i, j] s^(t-1-i) r^(m-1-j)  =  sum_k sA[k] rB[k]
    sA[k] = sum_i lhs[i, k] s^(t-1-i)          rB[k] = sum_j rhs[k, j] r^(m-1-j)

i.e. u . out . v = (u . lhs) . (rhs . v) for u = (s^(t-1) .. 1), v = (r^(m-1) .. 1).

Layout. q = `columns` phase-0 slots a row (x: entries of rhs, out or lhs, all
committed before r is drawn) and a phase-1 band of `late_columns` slots: an
accumulator, then pairs (y0, y1). Each sum above is one Horner chain over rows,
`acc = w^q chain acc[-1] + sum_j x_j w^(q-1-j)`, with w = r (selector `hr`: the
rhs rows, one chain per (g, k), and the whole of out[b] flattened row-major, one
chain per batch) or w = s (selector `hs`: each column k of lhs[b]). A chain's
terms are padded at the front with zeros (port `zeros`), so its last
accumulator is exactly the sum with the exponents above. Then per batch, rows of
pairs (selector `he`, `acc = chain acc[-1] + sum y0 y1`) add sA[k] rB[k], their
y cells copied from the chains' last accumulators (`internal_wires`), and the
last accumulator is copied to out[b]'s chain end: the check.

Soundness. Gates and copies force, for every batch, sum_(i,j) E[i, j]
r^(m(t-1-i) + m-1-j) = 0 with E = out - lhs @ rhs: a polynomial in r whose
exponents differ for every (i, j) (j < m), so nonzero when E is, of degree at
most t*m - 1. lhs, rhs and out sit in phase-0 cells (lhs and rhs copies of cells
fixed by the rest of the circuit, the keys or the instance; out committed as the
prover's claim), all committed before r is drawn from the transcript that
absorbs them: if out != lhs @ rhs the check holds with probability at most
(t*m - 1)/p per batch (Schwartz-Zippel; p ~ 2^255, the BLS12-381 scalar field).
Every randomized product of a circuit shares r, their claims all committed
before it: a union bound over products and batches keeps the total below
2^-200 for any model that fits 2^28 rows; grinding the transcript for a lucky r
takes about p / (t m) hash evaluations. The accumulators are not free: each is
the previous one's Horner step by a gate, and a chain's first row has chain = 0.

Hiding. The phase-1 cells are advice like any other, committed with fresh
blinding rows and opened only at the prover's evaluation point.

Exactness. Field arithmetic, as gadget.dot: out equals lhs @ rhs over the
integers while |out| < p / 2, which the fixed-point types guarantee.

Cost. Phase-1 cells hold full-size field elements (a commitment costs several
times a small witness value's), so the band is narrow: one accumulator per row,
plus the pairs of the short final sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zkir.gadgets.base import Assignment, CellFn, Gadget, GadgetParams, LateCells, PortCells, SelectorFn, from_layout
from zkir.prover import field as F


@dataclass(frozen=True)
class RandomizedDotParams(GadgetParams):
    width: int = 0
    """m, the product's last dimension: s = r^m (the gates depend on it)."""
    late_columns: int = from_layout("late_band_width")
    """Width of the phase-1 band: an accumulator and (late_columns - 1) // 2 pairs."""


@dataclass(frozen=True)
class _Geometry:
    b: int
    t: int
    d: int
    g: int
    m: int
    q: int
    pairs: int

    @property
    def rb(self) -> int:
        """Rows of one rhs chain (m terms)."""
        return -(-self.m // self.q)

    @property
    def rc(self) -> int:
        """Rows of one batch's out chain (t * m terms)."""
        return -(-(self.t * self.m) // self.q)

    @property
    def ra(self) -> int:
        """Rows of one lhs column chain (t terms)."""
        return -(-self.t // self.q)

    @property
    def re(self) -> int:
        """Rows of one batch's final sum (d pairs)."""
        return -(-self.d // self.pairs)

    @property
    def per_batch(self) -> int:
        return self.rc + self.d * self.ra + self.re

    @property
    def rhs_rows(self) -> int:
        return self.g * self.d * self.rb

    @property
    def rows(self) -> int:
        return self.rhs_rows + self.b * self.per_batch

    def batch_start(self, batch: np.ndarray | int) -> Any:
        return self.rhs_rows + np.asarray(batch) * self.per_batch


def _front_padded(values: np.ndarray, length: int) -> np.ndarray:
    """values (items, n) -> (items, length) with zeros before them."""
    out = np.zeros((values.shape[0], length), dtype=values.dtype)
    out[:, length - values.shape[1]:] = values
    return out


class RandomizedDotGadget(Gadget):
    """out[b, t, m] = lhs[b, t, d] @ rhs[g, d, m], checked at the challenge (module docstring)."""

    kind = "randomized_dot"
    Params = RandomizedDotParams
    selector_roles = ("chain", "hr", "hs", "he")
    padding_ports = ("zeros",)
    internal_wires = {"sa_uses": "sa", "rb_uses": "rb", "total": "uot"}

    def __init__(self, columns: int, width: int = 0, late_columns: int = 0):
        if late_columns < 3:
            raise ValueError(f"gadget 'randomized_dot' needs a phase-1 band of at least 3 columns, got {late_columns}")
        if width < 1:
            raise ValueError("gadget 'randomized_dot' needs the product's width (its last dimension)")
        self.width = width
        self.late_columns = late_columns
        self.pairs = (late_columns - 1) // 2
        super().__init__(columns)

    @classmethod
    def min_columns(cls) -> int:
        return 1

    @property
    def key(self) -> str:
        return f"randomized_dot_m{self.width}"

    @property
    def late_slots(self) -> int:
        return self.late_columns

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        lhs, rhs = np.asarray(inputs["lhs"], dtype=np.int64), np.asarray(inputs["rhs"], dtype=np.int64)
        d, m = rhs.shape[-2:]
        a = lhs.reshape(-1, lhs.shape[-2], d)
        out = np.matmul(a, rhs[0] if rhs.shape[0] == 1 else rhs)
        return out.reshape(*lhs.shape[:-1], m)

    # -- geometry -------------------------------------------------------------
    def _geometry(self, lhs: tuple[int, ...], rhs: tuple[int, ...]) -> _Geometry:
        g, d, m = rhs
        t = lhs[-2]
        b = int(np.prod(lhs[:-2], dtype=np.int64))
        if lhs[-1] != d or g not in (1, b) or m != self.width:
            raise ValueError(f"randomized_dot: lhs {list(lhs)} and rhs {list(rhs)} do not make a product of width {self.width}")
        return _Geometry(b, t, d, g, m, self.columns, self.pairs)

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return self._geometry(tuple(shapes["lhs"]), tuple(shapes["rhs"])).rows

    # -- constraints ------------------------------------------------------------
    def _slots(self) -> tuple[int, list[tuple[int, int]]]:
        q = self.columns
        return q, [(q + 1 + 2 * j, q + 2 + 2 * j) for j in range(self.pairs)]

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        acc, pairs = self._slots()
        total = cell(acc, 0) - selector("chain") * cell(acc, -1)
        for y0, y1 in pairs:
            total = total - cell(y0, 0) * cell(y1, 0)
        return [("rdot_sum", [selector("he") * total])]

    def late_gates(self, cell: CellFn, selector: SelectorFn, challenge: Any) -> list[tuple[str, list[Any]]]:
        acc, _ = self._slots()
        q = self.columns
        polys = []
        for role, step in (("hr", 1), ("hs", self.width)):  # w = r, or s = r^m
            powers = [challenge ** (step * k) for k in range(q + 1)]
            horner = cell(acc, 0) - selector("chain") * powers[q] * cell(acc, -1)
            for j in range(q):
                horner = horner - cell(j, 0) * powers[q - 1 - j]
            polys.append(selector(role) * horner)
        return [("rdot_horner", polys)]

    # -- witness ------------------------------------------------------------------
    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        lhs = np.asarray(inputs["lhs"], dtype=np.int64)
        rhs = np.asarray(inputs["rhs"], dtype=np.int64)
        geo = self._geometry(lhs.shape, rhs.shape)
        b, t, d, g, m, q = geo.b, geo.t, geo.d, geo.g, geo.m, geo.q
        a = lhs.reshape(b, t, d)
        out = np.matmul(a, rhs[0] if g == 1 else rhs)  # (b, t, m)
        rows = geo.rows

        # phase-0 cells, section by section; each item's terms are front-padded
        x = np.zeros((rows, q), dtype=np.int64)
        x[: geo.rhs_rows] = _front_padded(rhs.reshape(g * d, m), geo.rb * q).reshape(-1, q)
        per = geo.per_batch
        view = x[geo.rhs_rows:].reshape(b, per, q)
        view[:, : geo.rc] = _front_padded(out.reshape(b, t * m), geo.rc * q).reshape(b, geo.rc, q)
        cols = np.transpose(a, (0, 2, 1)).reshape(b * d, t)  # lhs column k of batch b
        view[:, geo.rc: geo.rc + d * geo.ra] = _front_padded(cols, geo.ra * q).reshape(b, d * geo.ra, q)

        # ports: term n of an item of L padded terms starting at row s sits at
        # (slot (L - count + n) % q, row s + (L - count + n) // q)
        def cells_of(starts: np.ndarray, count: int, length: int) -> tuple[np.ndarray, np.ndarray]:
            n = np.arange(length - count, length, dtype=np.int64)
            return np.broadcast_to(n % q, (len(starts), count)).ravel(), (starts[:, None] + n[None, :] // q).ravel()

        def pad_of(starts: np.ndarray, count: int, length: int) -> tuple[np.ndarray, np.ndarray]:
            n = np.arange(0, length - count, dtype=np.int64)
            return np.broadcast_to(n % q, (len(starts), len(n))).ravel(), (starts[:, None] + n[None, :] // q).ravel()

        batch = geo.batch_start(np.arange(b, dtype=np.int64))
        rhs_starts = np.arange(g * d, dtype=np.int64) * geo.rb
        col_starts = (batch[:, None] + geo.rc + np.arange(d)[None, :] * geo.ra).ravel()  # (b, d) lhs columns
        sum_starts = batch + geo.rc + d * geo.ra
        rhs_slot, rhs_row = cells_of(rhs_starts, m, geo.rb * q)
        out_slot, out_row = cells_of(batch, t * m, geo.rc * q)
        col_slot, col_row = cells_of(col_starts, t, geo.ra * q)  # element (b, k, i)
        lhs_order = np.transpose(np.arange(b * t * d).reshape(b, t, d), (0, 2, 1)).ravel()  # lhs element at (b, k, i)
        pads = [pad_of(rhs_starts, m, geo.rb * q), pad_of(batch, t * m, geo.rc * q), pad_of(col_starts, t, geo.ra * q)]
        pad_slot = [p[0] for p in pads]
        pad_row = [p[1] for p in pads]
        # the final sums: pair j of row e of batch b adds sA[b, k] rB[g(b), k], k = e * pairs + j
        acc, pair_slots = self._slots()
        k = np.arange(geo.re * self.pairs, dtype=np.int64)
        pair_row = sum_starts[:, None] + k[None, :] // self.pairs  # (b, re * pairs)
        y0 = np.array([p[0] for p in pair_slots])[k % self.pairs]
        y1 = np.array([p[1] for p in pair_slots])[k % self.pairs]
        used = k < d
        pad_slot += [np.broadcast_to(y0[~used], (b, int((~used).sum()))).ravel(),
                     np.broadcast_to(y1[~used], (b, int((~used).sum()))).ravel()]
        pad_row += [pair_row[:, ~used].ravel()] * 2
        g_of = np.arange(b, dtype=np.int64) if g > 1 else np.zeros(b, dtype=np.int64)
        zeros_slot, zeros_row = np.concatenate(pad_slot), np.concatenate(pad_row)

        ports = {
            "lhs": PortCells(lhs.shape, lhs_order, col_slot, col_row),
            "rhs": PortCells.dense(rhs.shape, rhs_slot, rhs_row),
            "out": PortCells.dense((*lhs.shape[:-1], m), out_slot, out_row),
            "zeros": PortCells((len(zeros_row),), np.arange(len(zeros_row), dtype=np.int64), zeros_slot, zeros_row),
            # phase-1 values: each chain's result, and its uses in the final sums
            "sa": PortCells.dense((b, d), np.full(b * d, acc, dtype=np.int64), col_starts + geo.ra - 1),
            "rb": PortCells.dense((g, d), np.full(g * d, acc, dtype=np.int64), rhs_starts + geo.rb - 1),
            "uot": PortCells.dense((b,), np.full(b, acc, dtype=np.int64), batch + geo.rc - 1),
            "sa_uses": PortCells.dense((b, d), np.broadcast_to(y0[used], (b, d)), pair_row[:, used]),
            "rb_uses": PortCells((g, d), (g_of[:, None] * d + k[None, used]).ravel(),
                                 np.broadcast_to(y1[used], (b, d)).ravel(), pair_row[:, used].ravel()),
            "total": PortCells.dense((b,), np.full(b, acc, dtype=np.int64), sum_starts + geo.re - 1),
        }
        selectors = self._selectors(geo, rhs_starts, batch, col_starts, sum_starts)
        return Assignment(
            cells=x,
            selectors=selectors,
            ports=ports,
            # the chains' results are phase-1 values (they depend on r): none before the challenge
            outputs={"out": out.reshape(*lhs.shape[:-1], m), "sa": np.zeros((b, d), dtype=np.int64),
                     "rb": np.zeros((g, d), dtype=np.int64), "uot": np.zeros(b, dtype=np.int64)},
            late=self._late_cells(geo, ports),
        )

    @staticmethod
    def _selectors(geo: _Geometry, rhs_starts: np.ndarray, batch: np.ndarray, col_starts: np.ndarray,
                   sum_starts: np.ndarray) -> dict[str, np.ndarray]:
        rows = geo.rows
        chain = np.ones(rows, dtype=np.int64)
        chain[np.concatenate([rhs_starts, batch, col_starts, sum_starts])] = 0
        hr, hs, he = (np.zeros(rows, dtype=np.int64) for _ in range(3))
        hr[: geo.rhs_rows] = 1
        hr[(batch[:, None] + np.arange(geo.rc)[None, :]).ravel()] = 1
        hs[(col_starts[:, None] + np.arange(geo.ra)[None, :]).ravel()] = 1
        he[(sum_starts[:, None] + np.arange(geo.re)[None, :]).ravel()] = 1
        return {"chain": chain, "hr": hr, "hs": hs, "he": he}

    def _late_cells(self, geo: _Geometry, ports: Mapping[str, PortCells]) -> LateCells:
        q = self.columns
        sa_rows = ports["sa"].row
        rb_rows = ports["rb"].row
        use0, use1 = ports["sa_uses"], ports["rb_uses"]

        def late(cells: np.ndarray, r: int) -> np.ndarray:
            s = pow(r, geo.m, F.P)
            out = np.zeros((geo.rows, self.late_columns, 4), dtype=np.uint64)
            acc = out[:, 0]  # the accumulator is late slot 0 (a view)
            batch = geo.batch_start(np.arange(geo.b))
            # Horner chains in r: the rhs rows, then each batch's out chain; in s: lhs columns
            _horner(cells, acc, np.arange(geo.g * geo.d) * geo.rb, geo.rb, r, q)
            _horner(cells, acc, batch, geo.rc, r, q)
            col_starts = (batch[:, None] + geo.rc + np.arange(geo.d)[None, :] * geo.ra).ravel()
            _horner(cells, acc, col_starts, geo.ra, s, q)
            # the final sums: copies of the chain results, multiplied pairwise and added up
            y0 = acc[sa_rows].reshape(geo.b, geo.d, 4)
            y1 = acc[rb_rows].reshape(geo.g, geo.d, 4)[np.arange(geo.b) if geo.g > 1 else np.zeros(geo.b, dtype=np.int64)]
            out[use0.row, use0.slot - q] = y0.reshape(-1, 4)
            out[use1.row, use1.slot - q] = y1.reshape(-1, 4)
            sum_starts = batch + geo.rc + geo.d * geo.ra
            rows = (sum_starts[:, None] + np.arange(geo.re)[None, :]).ravel()
            terms = F.zeros(len(rows))
            for j in range(self.pairs):
                terms = F.add(terms, F.mul(np.ascontiguousarray(out[rows, 1 + 2 * j]),
                                           np.ascontiguousarray(out[rows, 2 + 2 * j])))
            acc[rows] = _running(terms.reshape(geo.b, geo.re, 4)).reshape(-1, 4)
            return out

        return late


def _running(values: np.ndarray) -> np.ndarray:
    """(items, L, 4) field -> the running sums within each item."""
    items, length = values.shape[:2]
    total = np.concatenate([F.zeros(1), F.prefix_sum(values.reshape(-1, 4))])
    ends = np.arange(1, items * length + 1)
    starts = np.repeat(np.arange(items) * length, length)
    return F.sub(total[ends], total[starts]).reshape(items, length, 4)


def _horner(cells: np.ndarray, acc: np.ndarray, starts: np.ndarray, length: int, w: int, q: int) -> None:
    """acc[row] for chains of `length` rows starting at `starts`:
    acc_u = w^q acc_(u-1) + sum_j x_(u,j) w^(q-1-j), acc_(-1) = 0, in the field.

    Vectorised: acc_u = W^u sum_(v<=u) W^(-v) P_v with W = w^q, P_v a row's partial."""
    if not len(starts):
        return
    rows = (starts[:, None] + np.arange(length)[None, :]).ravel()
    x = cells[rows]  # (items * length, q) int64
    weights = F.powers(w, q)[::-1]  # w^(q-1) .. 1
    terms = F.mul(F.from_int64(x.ravel()), np.ascontiguousarray(np.broadcast_to(weights, (len(rows), q, 4))).reshape(-1, 4))
    partial = _running(terms.reshape(len(rows), q, 4))[:, -1]  # (items * length, 4): each row's sum
    big = pow(w, q, F.P)
    if big == 0:  # w = 0 (probability 1/p): each chain is its last row's partial
        acc[rows] = partial
        return
    down = F.powers(pow(big, F.P - 2, F.P), length)  # W^-v
    up = F.powers(big, length)  # W^u
    scaled = F.mul(partial, np.ascontiguousarray(np.broadcast_to(down, (len(starts), length, 4))).reshape(-1, 4))
    sums = _running(scaled.reshape(len(starts), length, 4)).reshape(-1, 4)
    acc[rows] = F.mul(sums, np.ascontiguousarray(np.broadcast_to(up, (len(starts), length, 4))).reshape(-1, 4))
