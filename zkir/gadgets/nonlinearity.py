"""A nonlinearity by table: each (x, y) pair must be a row of (x, fn(x)).

The table tabulates zkir.interpreter.nonlinear's integer reference function over
[-2^(bits-1), 2^(bits-1)), so the circuit computes exactly what the fixed-point
interpreter does, and an input outside that range cannot be proven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from zkir.gadgets.base import Assignment, GadgetParams, TableLookupGadget
from zkir.gadgets.tables import TableSpec
from zkir.interpreter.nonlinear import NONLINEARITIES


@dataclass(frozen=True)
class LookupParams(GadgetParams):
    fn: str
    """A name in zkir.interpreter.nonlinear."""
    table_bits: int
    scale: int = 0
    """The output's fixed-point scale."""
    in_scale: int | None = None
    """The input's scale, when it is not `scale`."""
    table_lo: int | None = None
    table_hi: int | None = None
    """With both: a table of exactly the inputs table_lo..table_hi (else the
    signed table_bits-bit range)."""


class LookupGadget(TableLookupGadget):
    kind = "lookup"
    Params = LookupParams
    table: TableSpec
    width = 2
    """Cells of one item (input, output)."""

    def __init__(
        self,
        columns: int,
        fn: str,
        table_bits: int,
        scale: int = 0,
        in_scale: int | None = None,
        table_lo: int | None = None,
        table_hi: int | None = None,
    ):
        super().__init__(columns)
        self.table = TableSpec(fn, table_bits, scale, in_scale, table_lo, table_hi)

    @classmethod
    def evaluate(cls, params: LookupParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        in_scale = params.scale if params.in_scale is None else params.in_scale
        fn = NONLINEARITIES[params.fn]
        return np.asarray(fn(np.asarray(inputs["input"], dtype=np.int64), scale=params.scale, in_scale=in_scale), dtype=np.int64)

    def item_cells(self) -> int:
        return self.width

    @property
    def key(self) -> str:
        return f"lookup_{self.table.name}"

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        lo, hi = self.table.input_range()
        if x.size and (x.min() < lo or x.max() >= hi):
            table = f"table of inputs [{lo}, {hi - 1}]" if self.table.ranged else f"{self.table.bits}-bit table [{lo}, {hi})"
            raise OverflowError(
                f"lookup '{self.table.fn}': input range [{int(x.min())}, {int(x.max())}] exceeds the {table}"
            )
        if not lo <= 0 < hi:
            raise ValueError(f"lookup '{self.table.fn}': a table must hold the input 0 (free slots read it)")
        # Unused slots hold (0, fn(0)), a row of the table.
        return self.pairs(x, self.table.apply(x), int(self.table.apply(np.zeros(1, dtype=np.int64))[0]))
