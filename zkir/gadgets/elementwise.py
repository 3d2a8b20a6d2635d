"""Elementwise add, sub and mul: one (x, y, z) triple per item, many per row.

Broadcasting happens in the wiring (a port element may be copied from one source
cell many times), so the gadget always sees operands of the output's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from zkir.gadgets.base import (
    Assignment,
    CellFn,
    Gadget,
    PortCells,
    SelectorFn,
    packed_items,
    packed_rows,
)


class ElementwiseGadget(Gadget):
    op: ClassVar[str]

    @property
    def per_row(self) -> int:
        return self.columns // 3

    @staticmethod
    def apply(x: Any, y: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.asarray(cls.apply(inputs["lhs"], inputs["rhs"]), dtype=np.int64)

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q = selector("q")
        polys = [
            q * (cell(3 * j + 2, 0) - self.apply(cell(3 * j, 0), cell(3 * j + 1, 0)))
            for j in range(self.per_row)
        ]
        return [(self.kind, polys)]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["lhs"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        lhs = np.asarray(inputs["lhs"], dtype=np.int64)
        rhs = np.broadcast_to(np.asarray(inputs["rhs"], dtype=np.int64), lhs.shape)
        out = self.apply(lhs, rhs)
        rows, slot, row = packed_items(lhs.size, self.per_row, 3)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        for j, values in enumerate((lhs, rhs, out)):
            cells[row, slot + j] = values.ravel()
        return Assignment(
            cells=cells,
            selectors={"q": np.ones(rows, dtype=np.int64)},
            ports={
                name: PortCells.dense(lhs.shape, slot + j, row)
                for j, name in enumerate(("lhs", "rhs", "out"))
            },
            outputs={"out": out},
        )


class AddGadget(ElementwiseGadget):
    kind = "add"

    @staticmethod
    def apply(x: Any, y: Any) -> Any:
        return x + y


class SubGadget(ElementwiseGadget):
    kind = "sub"

    @staticmethod
    def apply(x: Any, y: Any) -> Any:
        return x - y


class MulGadget(ElementwiseGadget):
    kind = "mul"

    @staticmethod
    def apply(x: Any, y: Any) -> Any:
        return x * y
