"""out = x * x, elementwise: one (x, y) pair per item, many per row.

Half the cells and one copy fewer per element than `mul` with both operands
wired to x (variances, sums of squares). The gate q (y - x^2) = 0 leaves a
prover no choice of y once x is wired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from zkir.gadgets.base import Assignment, CellFn, PairGadget, SelectorFn


class SquareGadget(PairGadget):
    kind = "square"

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        x = np.asarray(inputs["input"], dtype=np.int64)
        return x * x

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q = selector("q")
        return [("square", [q * (cell(2 * j + 1, 0) - cell(2 * j, 0) * cell(2 * j, 0)) for j in range(self.per_row)])]

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        return self.pairs(x, x * x, 0)  # free slots (0, 0): 0 = 0^2
