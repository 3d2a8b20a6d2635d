"""Elementwise maximum of two tensors: m = max(a, b), proven without comparisons.

m - a and m - b are both shown to lie in [0, 2^(2t)) (two t-bit limbs each, one
range table) and (m - a)(m - b) = 0 makes m one of the two. Reductions (max
pooling, the max of a softmax) are trees of these, laid out by
convert-gadget-to-plonk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from zkir.gadgets.base import (
    Assignment,
    CellFn,
    LookupSpec,
    PortCells,
    RangeCheckedGadget,
    RangeTableParams,
    SelectorFn,
    packed_rows,
)

A, B, M, DA0, DA1, DB0, DB1 = range(7)
WIDTH = 7


class MaximumGadget(RangeCheckedGadget):
    kind = "maximum"
    Params = RangeTableParams
    width = WIDTH

    @classmethod
    def evaluate(cls, params: RangeTableParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.maximum(inputs["lhs"], inputs["rhs"])

    @property
    def key(self) -> str:
        return f"maximum_t{self.table.bits}"

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, t = selector("q"), self.table.bits
        polys = []
        for c in self.items(cell):
            polys.append(q * (c(M) - c(A)) * (c(M) - c(B)))
            polys.append(q * (c(M) - c(A) - c(DA0) - (1 << t) * c(DA1)))
            polys.append(q * (c(M) - c(B) - c(DB0) - (1 << t) * c(DB1)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        return self.range_lookups(cell, selector, {"da0_": DA0, "da1_": DA1, "db0_": DB0, "db1_": DB1})

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["lhs"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        a = np.asarray(inputs["lhs"], dtype=np.int64)
        b = np.broadcast_to(np.asarray(inputs["rhs"], dtype=np.int64), a.shape)
        m = np.maximum(a, b)
        bound = self.limb_bound
        if a.size and (m - a).max() >= bound or b.size and (m - b).max() >= bound:
            raise OverflowError(
                f"maximum: operands differ by more than the 2^{2 * self.table.bits} a "
                f"{self.table.bits}-bit range table bounds"
            )
        da0, da1 = self.limbs(m - a)
        db0, db1 = self.limbs(m - b)
        cells, slot, row = self.lay_out(a.size, {A: a, B: b, M: m, DA0: da0, DA1: da1, DB0: db0, DB1: db1})
        rows = cells.shape[0]
        ports = {
            "lhs": PortCells.dense(a.shape, slot + A, row),
            "rhs": PortCells.dense(a.shape, slot + B, row),
            "out": PortCells.dense(a.shape, slot + M, row),
        }
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": m})
