"""A nonlinearity by table: each (x, y) pair must be a row of (x, fn(x)).

The table tabulates zkir.interpreter.nonlinear's integer reference function over
[-2^(bits-1), 2^(bits-1)), so the circuit computes exactly what the fixed-point
interpreter does, and an input outside that range cannot be proven.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from zkir.gadgets.base import (
    Assignment,
    CellFn,
    Gadget,
    LookupSpec,
    PortCells,
    SelectorFn,
    fill_unused,
    packed_items,
    packed_rows,
)
from zkir.gadgets.tables import TableSpec


class LookupGadget(Gadget):
    kind = "lookup"
    width = 2
    """Cells of one item (input, output)."""

    def __init__(self, columns: int, fn: str, table_bits: int, scale: int = 0, in_scale: int | None = None):
        super().__init__(columns)
        self.table = TableSpec(fn, table_bits, scale, in_scale)

    @classmethod
    def min_columns(cls) -> int:
        return 2

    @property
    def key(self) -> str:
        return f"lookup_{self.table.name}"

    @property
    def per_row(self) -> int:
        return self.columns // 2

    def tables(self) -> dict[str, TableSpec]:
        return {self.table.name: self.table}

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        return []

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        q = selector("q")
        return [
            LookupSpec(f"{self.key}_{j}", [q, q * cell(2 * j, 0), q * cell(2 * j + 1, 0)], self.table.name)
            for j in range(self.per_row)
        ]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["input"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        lo, hi = self.table.input_range()
        if x.size and (x.min() < lo or x.max() >= hi):
            raise OverflowError(
                f"lookup '{self.table.fn}': input range [{int(x.min())}, {int(x.max())}] "
                f"exceeds the {self.table.bits}-bit table [{lo}, {hi})"
            )
        y = self.table.apply(x)
        rows, slot, row = packed_items(x.size, self.per_row, 2)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        cells[row, slot] = x.ravel()
        cells[row, slot + 1] = y.ravel()
        # Unused slots hold (0, fn(0)), a row of the table.
        fill_unused(cells, x.size, self.per_row, 2, {1: int(self.table.apply(np.zeros(1, dtype=np.int64))[0])})
        return Assignment(
            cells,
            {"q": np.ones(rows, dtype=np.int64)},
            {"input": PortCells.dense(x.shape, slot, row), "out": PortCells.dense(x.shape, slot + 1, row)},
            {"out": y},
        )
