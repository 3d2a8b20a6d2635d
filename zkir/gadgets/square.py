"""out = x * x, elementwise: one (x, y) pair per item, many per row.

Half the cells and one copy fewer per element than `mul` with both operands
wired to x (variances, sums of squares). The gate q (y - x^2) = 0 leaves a
prover no choice of y once x is wired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from zkir.gadgets.base import Assignment, CellFn, Gadget, PortCells, SelectorFn, packed_items, packed_rows


class SquareGadget(Gadget):
    kind = "square"

    @classmethod
    def min_columns(cls) -> int:
        return 2

    @property
    def per_row(self) -> int:
        return self.columns // 2

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        x = np.asarray(inputs["input"], dtype=np.int64)
        return x * x

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q = selector("q")
        return [("square", [q * (cell(2 * j + 1, 0) - cell(2 * j, 0) * cell(2 * j, 0)) for j in range(self.per_row)])]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["input"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        y = x * x
        rows, slot, row = packed_items(x.size, self.per_row, 2)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        cells[row, slot] = x.ravel()
        cells[row, slot + 1] = y.ravel()  # free slots stay (0, 0): 0 = 0^2
        return Assignment(
            cells,
            {"q": np.ones(rows, dtype=np.int64)},
            {"input": PortCells.dense(x.shape, slot, row), "out": PortCells.dense(x.shape, slot + 1, row)},
            {"out": y},
        )
