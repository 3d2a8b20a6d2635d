"""Matrix products checked by a random linear combination (Freivalds' algorithm).

out = lhs @ rhs for lhs (b, t, d) and rhs (g, d, m), g = 1 (one rhs for every
batch: a dense layer's or a convolution's weights) or g = b (attention's
per-head products). A dot gadget spends a cell per multiply-add, b*t*d*m; this
one spends cells in proportion to the operands, g*d*m + b*t*(d + m):

    v    = (1, r, r^2, .., r^(m-1))      r: the circuit's challenge
    nbr  = -(rhs @ v)                    per (g, k): one "rhs item"
    0    = out[b, i] . v + lhs[b, i] . nbr[g(b)]     per (b, i): one "check item"

Layout. q = `columns` term slots a row: slots 0..q-1 hold phase-0 values x (the
rhs, out and lhs entries, committed before r is drawn), slots q..2q-1 phase-1
values y (powers of r, or nbr), slot 2q a phase-1 accumulator. Every row adds
sum_j x_j y_j to the accumulator, chained over an item's rows (`chain`), so an
item's last accumulator is its whole inner product. An rhs item is ceil(m/q)
rows of powers; a check item is ceil(m/q) rows of powers against out, then
ceil(d/q) rows of nbr against lhs. Cells past an operand's length are padding,
wired to zero (port `zeros`); nbr's uses are wired to its defining accumulators
(`internal_wires`).

Gates (selectors are fixed columns):
    q     (acc - chain acc[-1] - sum_j x_j y_j) = 0
    start (y_0 - start) = 0               start = -1 on rhs items, +1 on check items
    pow   (y_(j+1) - r y_j) = 0           on power rows, j < q - 1
    pow_next (y_0 - r y_(q-1)[-1]) = 0    power rows that continue the row above
    end   acc = 0                         the last row of every check item

Soundness. The gates force every power row's y to be exactly +-r^j for its term
j, every rhs item's accumulator to be nbr[g, k] = -sum_j rhs[g, k, j] r^j, and,
through the copies, every check item's lhs rows to read those nbr. So `end`
holds exactly when sum_j (out - lhs @ rhs)[b, i, j] r^j = 0 for every (b, i).
lhs, rhs and out sit in phase-0 cells (lhs and rhs are copies of cells fixed by
the rest of the circuit, the keys or the instance; out is committed as the
prover's claim), all committed before r is drawn from the transcript that
absorbs those commitments. If out != lhs @ rhs, some row (b, i) makes a nonzero
polynomial of degree <= m - 1 in r, which vanishes at a uniformly random r with
probability at most (m - 1) / p (Schwartz-Zippel; p ~ 2^255, the BLS12-381
scalar field). All randomized products of a circuit share r: their claims are
all committed before it, so a union bound gives sum (m - 1) / p < 2^-200 for any
model; grinding the transcript for a lucky r needs ~p / m hash evaluations.

Hiding. The phase-1 cells are advice like any other: committed with fresh
blinding rows and opened only at the prover's evaluation point, so they reveal
no more than the phase-0 witness does.

Exactness. Field arithmetic, as gadget.dot: out equals lhs @ rhs over the
integers while |out| < p / 2, which the fixed-point types guarantee.
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
    late_columns: int = from_layout("late_band_width")
    """Width of the phase-1 band: q + 1 for q term slots a row."""


@dataclass(frozen=True)
class _Geometry:
    b: int
    t: int
    d: int
    g: int
    m: int
    rm: int
    """Rows of one run of m terms (an rhs item, a check item's out part)."""
    rd: int
    """Rows of a check item's lhs part."""

    @property
    def rhs_rows(self) -> int:
        return self.g * self.d * self.rm

    @property
    def check_rows(self) -> int:
        return self.rm + self.rd

    @property
    def rows(self) -> int:
        return self.rhs_rows + self.b * self.t * self.check_rows


def _padded(values: np.ndarray, width: int) -> np.ndarray:
    """values (items, n) -> (items, width) with zeros past n."""
    out = np.zeros((values.shape[0], width), dtype=values.dtype)
    out[:, : values.shape[1]] = values
    return out


class RandomizedDotGadget(Gadget):
    """out[b, t, m] = lhs[b, t, d] @ rhs[g, d, m], checked at the challenge (module docstring)."""

    kind = "randomized_dot"
    Params = RandomizedDotParams
    selector_roles = ("q", "chain", "start", "pow", "pow_next", "end")
    padding_ports = ("zeros",)
    internal_wires = {"nbr_uses": "nbr"}

    def __init__(self, columns: int, late_columns: int = 0):
        if late_columns < 2:
            raise ValueError(f"gadget 'randomized_dot' needs a phase-1 band of at least 2 columns, got {late_columns}")
        self.late_columns = late_columns
        super().__init__(min(columns, late_columns - 1))

    @classmethod
    def min_columns(cls) -> int:
        return 1

    @property
    def late_slots(self) -> int:
        return self.columns + 1

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
        if lhs[-1] != d or g not in (1, b):
            raise ValueError(f"randomized_dot: lhs {list(lhs)} and rhs {list(rhs)} do not multiply")
        q = self.columns
        return _Geometry(b, t, d, g, m, -(-m // q), -(-d // q))

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return self._geometry(tuple(shapes["lhs"]), tuple(shapes["rhs"])).rows

    # -- constraints ------------------------------------------------------------
    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q = self.columns
        acc = cell(2 * q, 0)
        total = acc - selector("chain") * cell(2 * q, -1)
        for j in range(q):
            total = total - cell(j, 0) * cell(q + j, 0)
        start = selector("start")
        return [("rdot", [selector("q") * total, start * (cell(q, 0) - start), selector("end") * acc])]

    def late_gates(self, cell: CellFn, selector: SelectorFn, challenge: Any) -> list[tuple[str, list[Any]]]:
        q = self.columns
        pw = selector("pow")
        polys = [pw * (cell(q + j + 1, 0) - challenge * cell(q + j, 0)) for j in range(q - 1)]
        polys.append(selector("pow_next") * (cell(q, 0) - challenge * cell(2 * q - 1, -1)))
        return [("rdot_powers", polys)]

    # -- witness ------------------------------------------------------------------
    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        lhs = np.asarray(inputs["lhs"], dtype=np.int64)
        rhs = np.asarray(inputs["rhs"], dtype=np.int64)
        geo = self._geometry(lhs.shape, rhs.shape)
        b, t, d, g, m, rm, rd = geo.b, geo.t, geo.d, geo.g, geo.m, geo.rm, geo.rd
        q = self.columns
        a = lhs.reshape(b, t, d)
        out = np.matmul(a, rhs[0] if g == 1 else rhs)  # (b, t, m)

        # phase-0 cells: rhs items, then check items (out part, lhs part)
        x_rhs = _padded(rhs.reshape(g * d, m), rm * q)
        x_check = np.concatenate([_padded(out.reshape(b * t, m), rm * q), _padded(a.reshape(b * t, d), rd * q)], axis=1)
        cells = np.concatenate([x_rhs.reshape(-1, q), x_check.reshape(-1, q)])
        r0, per = geo.rhs_rows, geo.check_rows

        # ports: term j of an item starting at row s sits at (slot j % q, row s + j // q)
        def cells_of(starts: np.ndarray, lo: int, hi: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
            j = np.arange(lo, hi, dtype=np.int64)
            rows = starts[:, None] + offset + j[None, :] // q
            return np.broadcast_to(j % q, rows.shape).ravel(), rows.ravel()

        rhs_starts = np.arange(g * d, dtype=np.int64) * rm
        check_starts = r0 + np.arange(b * t, dtype=np.int64) * per
        rhs_slot, rhs_row = cells_of(rhs_starts, 0, m)
        out_slot, out_row = cells_of(check_starts, 0, m)
        lhs_slot, lhs_row = cells_of(check_starts, 0, d, rm)
        pads = [cells_of(rhs_starts, m, rm * q), cells_of(check_starts, m, rm * q), cells_of(check_starts, d, rd * q, rm)]
        pad_slot = np.concatenate([p[0] for p in pads])
        pad_row = np.concatenate([p[1] for p in pads])
        # nbr is defined by each rhs item's last accumulator and used by the lhs rows
        nbr_row = rhs_starts + rm - 1
        use_elem = ((np.arange(b, dtype=np.int64) if g > 1 else np.zeros(b, dtype=np.int64))[:, None, None] * d
                    + np.arange(d, dtype=np.int64)[None, None, :])
        use_elem = np.broadcast_to(use_elem, (b, t, d)).ravel()

        selectors = self._selectors(geo, rhs_starts, check_starts)
        late = self._late_cells(geo)
        return Assignment(
            cells=cells,
            selectors=selectors,
            ports={
                "lhs": PortCells.dense(lhs.shape, lhs_slot, lhs_row),
                "rhs": PortCells.dense(rhs.shape, rhs_slot, rhs_row),
                "out": PortCells.dense((*lhs.shape[:-1], m), out_slot, out_row),
                "zeros": PortCells((len(pad_row),), np.arange(len(pad_row), dtype=np.int64), pad_slot, pad_row),
                "nbr": PortCells.dense((g, d), np.full(g * d, 2 * q, dtype=np.int64), nbr_row),
                "nbr_uses": PortCells((g, d), use_elem, q + lhs_slot, lhs_row),
            },
            # nbr's values are phase-1 (they depend on r): none before the challenge
            outputs={"out": out.reshape(*lhs.shape[:-1], m), "nbr": np.zeros((g, d), dtype=np.int64)},
            late=late,
        )

    @staticmethod
    def _selectors(geo: _Geometry, rhs_starts: np.ndarray, check_starts: np.ndarray) -> dict[str, np.ndarray]:
        rows = geo.rows
        chain = np.ones(rows, dtype=np.int64)
        chain[rhs_starts] = 0
        chain[check_starts] = 0
        power = np.zeros(rows, dtype=np.int64)
        power[: geo.rhs_rows] = 1
        power[(check_starts[:, None] + np.arange(geo.rm)[None, :]).ravel()] = 1
        start = np.zeros(rows, dtype=np.int64)
        start[rhs_starts] = -1
        start[check_starts] = 1
        end = np.zeros(rows, dtype=np.int64)
        end[check_starts + geo.check_rows - 1] = 1
        return {"q": np.ones(rows, dtype=np.int64), "chain": chain, "start": start, "pow": power,
                "pow_next": power * chain, "end": end}

    def _late_cells(self, geo: _Geometry) -> LateCells:
        q = self.columns

        def late(cells: np.ndarray, r: int) -> np.ndarray:
            x_rhs = cells[: geo.rhs_rows].reshape(geo.g * geo.d, geo.rm * q)
            x_check = cells[geo.rhs_rows:].reshape(geo.b * geo.t, geo.check_rows * q)
            powers = F.powers(r, geo.rm * q)
            items = geo.g * geo.d
            y_rhs = np.ascontiguousarray(np.broadcast_to(F.neg(powers), (items, geo.rm * q, 4)))
            acc_rhs = _item_sums(x_rhs, y_rhs, q)  # (items, rm, 4)
            nbr = acc_rhs[:, -1].reshape(geo.g, geo.d, 4)
            checks = geo.b * geo.t
            y_check = np.zeros((checks, geo.check_rows * q, 4), dtype=np.uint64)
            y_check[:, : geo.rm * q] = powers
            per_batch = nbr[np.arange(geo.b) if geo.g > 1 else np.zeros(geo.b, dtype=np.int64)]  # (b, d, 4)
            y_check.reshape(geo.b, geo.t, -1, 4)[:, :, geo.rm * q: geo.rm * q + geo.d] = per_batch[:, None]
            acc_check = _item_sums(x_check, y_check, q)
            out = np.zeros((geo.rows, q + 1, 4), dtype=np.uint64)
            out[: geo.rhs_rows, :q] = y_rhs.reshape(-1, q, 4)
            out[: geo.rhs_rows, q] = acc_rhs.reshape(-1, 4)
            out[geo.rhs_rows:, :q] = y_check.reshape(-1, q, 4)
            out[geo.rhs_rows:, q] = acc_check.reshape(-1, 4)
            return out

        return late


def _item_sums(x: np.ndarray, y: np.ndarray, q: int) -> np.ndarray:
    """Running sums of sum_j x_j y_j over each item's rows, in the field.

    x (items, L) int64, y (items, L, 4) field, L a multiple of q -> (items, L // q, 4):
    the accumulator after each row of q terms."""
    items, length = x.shape
    terms = F.mul(F.from_int64(x.ravel()), y.reshape(-1, 4))
    total = F.prefix_sum(terms)  # inclusive, over every item's terms in order
    with_zero = np.concatenate([F.zeros(1), total])
    ends = (np.arange(items)[:, None] * length + (np.arange(length // q)[None, :] + 1) * q).ravel()
    starts = np.repeat(np.arange(items) * length, length // q)
    return F.sub(with_zero[ends], with_zero[starts]).reshape(items, length // q, 4)
