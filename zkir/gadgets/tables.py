"""Lookup tables: fixed columns tabulating a range or an integer nonlinearity.

Every table has a leading tag column (1 on table rows). Lookups send
(selector, selector * v, ...) so that rows where a gadget is off send all zeros,
which every table holds in the rows below its last entry, whatever f(0) is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TableSpec:
    fn: str
    """"range" (values 0 .. 2^bits - 1) or a name in zkir.interpreter.nonlinear."""
    bits: int
    scale: int = 0
    """Fixed-point scale of the function's input and output."""

    @property
    def name(self) -> str:
        if self.fn == "range":
            return f"range{self.bits}"
        return f"{self.fn}{self.bits}_s{self.scale}"

    @property
    def width(self) -> int:
        """Columns, the tag included."""
        return 2 if self.fn == "range" else 3

    @property
    def size(self) -> int:
        return 1 << self.bits

    def input_range(self) -> tuple[int, int]:
        """[lo, hi) of the values a lookup into this table accepts."""
        if self.fn == "range":
            return 0, self.size
        half = self.size // 2
        return -half, half

    def contents(self) -> list[np.ndarray]:
        """The table's columns (tag first), `size` rows each."""
        lo, hi = self.input_range()
        x = np.arange(lo, hi, dtype=np.int64)
        tag = np.ones(self.size, dtype=np.int64)
        if self.fn == "range":
            return [tag, x]
        from zkir.interpreter.nonlinear import NONLINEARITIES

        y = NONLINEARITIES[self.fn](x, scale=self.scale)
        return [tag, x, np.asarray(y, dtype=np.int64)]
