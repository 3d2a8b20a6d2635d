"""y = round(sqrt(x * 2^shift)), exactly: the root behind layer norm's 1/sigma.

For n = x 2^shift >= 1 the rounded root is the one y with
y^2 - y + 1 <= n <= y^2 + y (the intervals of consecutive y tile the integers),
so the gadget proves both differences and y itself in range with t-bit limbs.
n = 0 has no such y: a zero variance cannot be proven (add epsilon first, as
layer norm does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zkir.gadgets.base import (
    Assignment,
    CellFn,
    GadgetParams,
    LookupSpec,
    PortCells,
    RangeCheckedGadget,
    SelectorFn,
    fill_unused,
    from_layout,
    packed_rows,
)
from zkir.interpreter.nonlinear import rounded_sqrt  # the reference rounding the gadget proves

X, Y, A0, A1, B0, B1, Y0, Y1 = range(8)
WIDTH = 8


@dataclass(frozen=True)
class SqrtParams(GadgetParams):
    shift: int
    table_bits: int = from_layout("range_bits")


class SqrtGadget(RangeCheckedGadget):
    kind = "sqrt"
    Params = SqrtParams
    width = WIDTH

    @classmethod
    def evaluate(cls, params: SqrtParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return rounded_sqrt(np.maximum(np.asarray(inputs["input"], dtype=np.int64), 0) << np.int64(params.shift))

    def __init__(self, columns: int, shift: int, table_bits: int):
        self.shift = shift
        super().__init__(columns, table_bits)

    @property
    def key(self) -> str:
        return f"sqrt_k{self.shift}_t{self.table.bits}"

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, t = selector("q"), self.table.bits
        polys = []
        for c in self.items(cell):
            n = (1 << self.shift) * c(X)
            y2 = c(Y) * c(Y)
            polys.append(q * (n - y2 + c(Y) - 1 - c(A0) - (1 << t) * c(A1)))
            polys.append(q * (y2 + c(Y) - n - c(B0) - (1 << t) * c(B1)))
            polys.append(q * (c(Y) - c(Y0) - (1 << t) * c(Y1)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        return self.range_lookups(cell, selector, {"a0_": A0, "a1_": A1, "b0_": B0, "b1_": B1, "y0_": Y0, "y1_": Y1})

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["input"], self.per_row)

    def structure_inputs(self, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
        return {"input": np.ones(shapes["input"], dtype=np.int64)}

    def _items(self, x: np.ndarray) -> dict[int, np.ndarray]:
        n = x << np.int64(self.shift)
        y = rounded_sqrt(n)
        a0, a1 = self.limbs(n - y * y + y - 1)
        b0, b1 = self.limbs(y * y + y - n)
        y0, y1 = self.limbs(y)
        return {X: x, Y: y, A0: a0, A1: a1, B0: b0, B1: b1, Y0: y0, Y1: y1}

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        if x.size and x.min() < 1:
            raise OverflowError("sqrt: an input is below 1, its root cannot be proven (add epsilon)")
        items = self._items(x)
        if x.size and items[Y].max() >= self.limb_bound // 2:
            raise OverflowError(f"sqrt: a root exceeds the 2^{2 * self.table.bits - 1} the range table bounds")
        cells, slot, row = self.lay_out(x.size, items)
        rows = cells.shape[0]
        neutral = self._items(np.ones(1, dtype=np.int64))  # unused slots: x = 1
        fill_unused(cells, x.size, self.per_row, WIDTH, {k: int(v[0]) for k, v in neutral.items()})
        ports = {"input": PortCells.dense(x.shape, slot + X, row), "out": PortCells.dense(x.shape, slot + Y, row)}
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": items[Y].reshape(x.shape)})
