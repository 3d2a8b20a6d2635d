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

from zkir.gadgets.base import Assignment, CellFn, Gadget, LookupSpec, PortCells, SelectorFn, packed_items
from zkir.gadgets.tables import TableSpec

A, B, M, DA0, DA1, DB0, DB1 = range(7)
WIDTH = 7


def limbs(values: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) t-bit limbs of non-negative values below 2^(2t)."""
    high, low = np.divmod(values, 1 << bits)
    return low, high


class MaximumGadget(Gadget):
    kind = "maximum"

    def __init__(self, columns: int, table_bits: int):
        super().__init__(columns)
        self.table = TableSpec("range", table_bits)

    @classmethod
    def min_columns(cls) -> int:
        return WIDTH

    @property
    def key(self) -> str:
        return f"maximum_t{self.table.bits}"

    @property
    def per_row(self) -> int:
        return self.columns // WIDTH

    def tables(self) -> dict[str, TableSpec]:
        return {self.table.name: self.table}

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, t = selector("q"), self.table.bits
        polys = []
        for j in range(self.per_row):
            c = lambda k: cell(WIDTH * j + k, 0)  # noqa: E731
            polys.append(q * (c(M) - c(A)) * (c(M) - c(B)))
            polys.append(q * (c(M) - c(A) - c(DA0) - (1 << t) * c(DA1)))
            polys.append(q * (c(M) - c(B) - c(DB0) - (1 << t) * c(DB1)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        q = selector("q")
        return [
            LookupSpec(f"{self.key}_{name}{j}", [q, q * cell(WIDTH * j + k, 0)], self.table.name)
            for j in range(self.per_row)
            for name, k in (("da0_", DA0), ("da1_", DA1), ("db0_", DB0), ("db1_", DB1))
        ]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        n = int(np.prod(shapes["lhs"], dtype=np.int64))
        return max(1, -(-n // self.per_row))

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        a = np.asarray(inputs["lhs"], dtype=np.int64)
        b = np.broadcast_to(np.asarray(inputs["rhs"], dtype=np.int64), a.shape)
        m = np.maximum(a, b)
        bound = 1 << (2 * self.table.bits)
        if a.size and (m - a).max() >= bound or b.size and (m - b).max() >= bound:
            raise OverflowError(
                f"maximum: operands differ by more than the 2^{2 * self.table.bits} a "
                f"{self.table.bits}-bit range table bounds"
            )
        da0, da1 = limbs(m - a, self.table.bits)
        db0, db1 = limbs(m - b, self.table.bits)
        rows, slot, row = packed_items(a.size, self.per_row, WIDTH)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        for k, values in ((A, a), (B, b), (M, m), (DA0, da0), (DA1, da1), (DB0, db0), (DB1, db1)):
            cells[row, slot + k] = values.ravel()
        ports = {
            "lhs": PortCells.dense(a.shape, slot + A, row),
            "rhs": PortCells.dense(a.shape, slot + B, row),
            "out": PortCells.dense(a.shape, slot + M, row),
        }
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": m})
