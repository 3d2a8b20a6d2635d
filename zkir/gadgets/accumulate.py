"""Dot products and sums as running accumulations over rows.

An item (one output value) spans `ceil(length / per_row)` consecutive rows; each
row adds its share to an accumulator cell in the last slot, chained from the row
above by the `chain` selector (0 on an item's first row). Cells past an item's
length are padding and are wired to zero (port `zeros`), or a prover could hide
arbitrary terms in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zkir.gadgets.base import Assignment, CellFn, Gadget, GadgetParams, PortCells, SelectorFn


def _item_rows(length: int, per_row: int) -> int:
    return max(1, -(-length // per_row))


def _chain_selector(items: int, rows_per_item: int) -> np.ndarray:
    chain = np.ones((items, rows_per_item), dtype=np.int64)
    chain[:, 0] = 0
    return chain.ravel()


def _running_sums(terms: np.ndarray, rows_per_item: int, per_row: int) -> np.ndarray:
    """terms (items, rows_per_item * per_row) -> accumulator per row, flat."""
    items = terms.shape[0]
    per_row_sums = terms.reshape(items, rows_per_item, per_row).sum(axis=2)
    return np.cumsum(per_row_sums, axis=1).ravel()


class DotGadget(Gadget):
    """out[b, m, n] = sum_k lhs[b, m, k] * rhs[b, k, n], exact in the field."""

    kind = "dot"
    selector_roles = ("q", "chain")
    padding_ports = ("zeros",)

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.matmul(inputs["lhs"], inputs["rhs"])

    @property
    def per_row(self) -> int:
        return (self.columns - 1) // 2

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        p, acc = self.per_row, self.columns - 1
        total = cell(acc, 0) - selector("chain") * cell(acc, -1)
        for j in range(p):
            total = total - cell(j, 0) * cell(p + j, 0)
        return [("dot", [selector("q") * total])]

    @staticmethod
    def _dims(lhs: tuple[int, ...], rhs: tuple[int, ...]) -> tuple[int, int, int, int]:
        batch = int(np.prod(lhs[:-2], dtype=np.int64))
        return batch, lhs[-2], lhs[-1], rhs[-1]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        b, m, k, n = self._dims(shapes["lhs"], shapes["rhs"])
        return b * m * n * _item_rows(k, self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        lhs = np.asarray(inputs["lhs"], dtype=np.int64)
        rhs = np.asarray(inputs["rhs"], dtype=np.int64)
        b, m, k, n = self._dims(lhs.shape, rhs.shape)
        x = lhs.reshape(b, m, k)
        w = np.broadcast_to(rhs, (*lhs.shape[:-2], k, n)).reshape(b, k, n)
        p, r = self.per_row, _item_rows(k, self.per_row)
        kp = r * p
        items = b * m * n
        # item (b, m, n) row t slot j holds x[b, m, t*p + j] and w[b, t*p + j, n]
        xs = np.zeros((b, m, n, kp), dtype=np.int64)
        xs[..., :k] = x[:, :, None, :]
        ws = np.zeros((b, m, n, kp), dtype=np.int64)
        ws[..., :k] = np.transpose(w, (0, 2, 1))[:, None, :, :]
        acc = _running_sums(xs.reshape(items, kp) * ws.reshape(items, kp), r, p)
        cells = np.zeros((items * r, self.columns), dtype=np.int64)
        cells[:, :p] = xs.reshape(items * r, p)
        cells[:, p : 2 * p] = ws.reshape(items * r, p)
        cells[:, self.columns - 1] = acc
        out = acc.reshape(items, r)[:, -1].reshape(*lhs.shape[:-2], m, n)

        # ports: the cell of term kk of item i is (slot kk % p, row i*r + kk//p)
        item = np.arange(items, dtype=np.int64).reshape(b, m, n)
        kk = np.arange(k, dtype=np.int64)
        lhs_elem = (np.arange(b * m, dtype=np.int64).reshape(b, m, 1, 1) * k + kk).repeat(n, 2)
        rhs_elem = np.arange(b)[:, None, None, None] * (k * n) + kk[None, None, None, :] * n + np.arange(n)[None, None, :, None]
        rhs_elem = np.broadcast_to(rhs_elem, (b, m, n, k))
        term_row = item[..., None] * r + kk // p
        term_slot = np.broadcast_to(kk % p, (b, m, n, k))
        pad = np.arange(k, kp, dtype=np.int64)
        pad_row = (np.arange(items, dtype=np.int64)[:, None] * r + pad // p).ravel()
        pad_slot = np.broadcast_to(pad % p, (items, kp - k)).ravel()
        rhs_shape = (*lhs.shape[:-2], k, n)
        return Assignment(
            cells=cells,
            selectors={"q": np.ones(items * r, dtype=np.int64), "chain": _chain_selector(items, r)},
            ports={
                "lhs": PortCells(lhs.shape, lhs_elem.ravel(), term_slot.ravel(), term_row.ravel()),
                "rhs": PortCells(rhs_shape, rhs_elem.ravel(), term_slot.ravel() + p, term_row.ravel()),
                "out": PortCells.dense(
                    out.shape,
                    np.full(items, self.columns - 1, dtype=np.int64),
                    np.arange(items, dtype=np.int64) * r + r - 1,
                ),
                "zeros": PortCells((len(pad_row),), np.arange(len(pad_row), dtype=np.int64), pad_slot, pad_row),
            },
            outputs={"out": out},
        )


@dataclass(frozen=True)
class SumParams(GadgetParams):
    terms: int = 0
    """Terms of each sum (0: not known). Sums this short lie side by side in a row
    (lanes), as many as the band holds; longer ones accumulate over rows."""


class SumGadget(Gadget):
    """out[g] = sum_l input[g, l]: the reduced axes come last (the wiring moves them).

    Short sums (an average pool's 4 terms) would leave most of a wide row empty
    if each took a row: when at least two fit, `lanes` of them share a row, each
    lane `terms` term cells and its sum, under one selector. A lane's gate is
    the whole sum, so a lane proves its sum alone; lanes past the last group are
    padding wired to zero (port `zeros`), as are the unused terms of the
    accumulating form, so no prover can hide terms there.
    """

    kind = "sum"
    Params = SumParams
    selector_roles: tuple[str, ...] = ("q", "chain")
    padding_ports = ("zeros",)

    def __init__(self, columns: int, terms: int = 0):
        super().__init__(columns)
        self.terms = terms
        self.lanes = columns // (terms + 1) if terms else 0
        if self.lanes < 2:
            self.terms, self.lanes = 0, 0
        if self.lanes:
            self.selector_roles = ("q",)

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.sum(inputs["input"], axis=-1)

    @classmethod
    def min_columns(cls) -> int:
        return 2

    @property
    def key(self) -> str:
        return f"sum_lanes{self.lanes}x{self.terms}" if self.lanes else self.kind

    @property
    def per_row(self) -> int:
        return self.columns - 1

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        if self.lanes:
            polys = []
            for lane in range(self.lanes):
                base = lane * (self.terms + 1)
                total = cell(base + self.terms, 0)
                for j in range(self.terms):
                    total = total - cell(base + j, 0)
                polys.append(selector("q") * total)
            return [("sum_lanes", polys)]
        acc = self.columns - 1
        total = cell(acc, 0) - selector("chain") * cell(acc, -1)
        for j in range(self.per_row):
            total = total - cell(j, 0)
        return [("sum", [selector("q") * total])]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        shape = shapes["input"]
        groups = int(np.prod(shape[:-1], dtype=np.int64))
        if self._packed(shape[-1]):
            return max(1, -(-groups // self.lanes))
        return groups * _item_rows(shape[-1], self.per_row)

    def _packed(self, length: int) -> bool:
        if self.lanes and length != self.terms:
            raise ValueError(f"a sum gadget of {self.terms}-term lanes given sums of {length} terms")
        return bool(self.lanes)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        values = np.asarray(inputs["input"], dtype=np.int64)
        length = values.shape[-1]
        if self._packed(length):
            return self._assign_lanes(values)
        groups = values.size // max(length, 1)
        p, r = self.per_row, _item_rows(length, self.per_row)
        terms = np.zeros((groups, r * p), dtype=np.int64)
        terms[:, :length] = values.reshape(groups, length)
        acc = _running_sums(terms, r, p)
        cells = np.zeros((groups * r, self.columns), dtype=np.int64)
        cells[:, :p] = terms.reshape(groups * r, p)
        cells[:, -1] = acc
        out = acc.reshape(groups, r)[:, -1].reshape(values.shape[:-1])
        ll = np.arange(length, dtype=np.int64)
        g = np.arange(groups, dtype=np.int64)[:, None]
        pad = np.arange(length, r * p, dtype=np.int64)
        pad_row = (g * r + pad // p).ravel()
        return Assignment(
            cells=cells,
            selectors={"q": np.ones(groups * r, dtype=np.int64), "chain": _chain_selector(groups, r)},
            ports={
                "input": PortCells.dense(values.shape, np.broadcast_to(ll % p, (groups, length)), g * r + ll // p),
                "out": PortCells.dense(out.shape, np.full(groups, p, dtype=np.int64), g.ravel() * r + r - 1),
                "zeros": PortCells(
                    (len(pad_row),),
                    np.arange(len(pad_row), dtype=np.int64),
                    np.broadcast_to(pad % p, (groups, len(pad))).ravel(),
                    pad_row,
                ),
            },
            outputs={"out": out},
        )

    def _assign_lanes(self, values: np.ndarray) -> Assignment:
        """Group g in lane g % lanes of row g // lanes: terms, then their sum."""
        t, lanes, width = self.terms, self.lanes, self.terms + 1
        groups = values.size // t
        rows = max(1, -(-groups // lanes))
        flat = values.reshape(groups, t)
        out = flat.sum(axis=1)
        cells = np.zeros((rows * lanes, width), dtype=np.int64)
        cells[:groups, :t] = flat
        cells[:groups, t] = out
        table = np.zeros((rows, self.columns), dtype=np.int64)
        table[:, : lanes * width] = cells.reshape(rows, lanes * width)
        g = np.arange(groups, dtype=np.int64)
        base = (g % lanes) * width
        row = g // lanes
        spare = np.arange(groups, rows * lanes, dtype=np.int64)  # the empty lanes of the last row
        spare_slots = ((spare % lanes) * width)[:, None] + np.arange(width, dtype=np.int64)
        spare_rows = np.broadcast_to((spare // lanes)[:, None], spare_slots.shape)
        return Assignment(
            cells=table,
            selectors={"q": np.ones(rows, dtype=np.int64)},
            ports={
                "input": PortCells.dense(values.shape, (base[:, None] + np.arange(t)).reshape(values.shape),
                                         np.broadcast_to(row[:, None], (groups, t)).reshape(values.shape)),
                "out": PortCells.dense(out.reshape(values.shape[:-1]).shape, base + t, row),
                "zeros": PortCells((spare_slots.size,), np.arange(spare_slots.size, dtype=np.int64),
                                   spare_slots.ravel(), spare_rows.ravel()),
            },
            outputs={"out": out.reshape(values.shape[:-1])},
        )
