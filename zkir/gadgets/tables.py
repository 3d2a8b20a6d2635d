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
    """Fixed-point scale of the function's output."""
    in_scale: int | None = None
    """Scale of its input, when not `scale` (a root of a sum of squares)."""

    @property
    def name(self) -> str:
        if self.fn == "range":
            return f"range{self.bits}"
        inner = "" if self.in_scale in (None, self.scale) else f"_in{self.in_scale}"
        return f"{self.fn}{self.bits}_s{self.scale}{inner}"

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

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The integer reference function this table tabulates."""
        from zkir.interpreter.nonlinear import NONLINEARITIES

        in_scale = self.scale if self.in_scale is None else self.in_scale
        fn = NONLINEARITIES[self.fn]
        return np.asarray(fn(np.asarray(x, dtype=np.int64), scale=self.scale, in_scale=in_scale), dtype=np.int64)

    def contents(self) -> list[np.ndarray]:
        """The table's columns (tag first), `size` rows each."""
        lo, hi = self.input_range()
        x = np.arange(lo, hi, dtype=np.int64)
        tag = np.ones(self.size, dtype=np.int64)
        if self.fn == "range":
            return [tag, x]
        y = self.apply(x)
        return [tag, x, np.asarray(y, dtype=np.int64)]
