"""v in [-2^(bits-1), 2^(bits-1)): the bound an explicit gadget.range_check asks for.

v + 2^(bits-1) is split into limbs l0 + 2^t l1 checked in the t-bit range table;
when bits < 2t the high limb is also checked from above (l1 + 2^t - 2^(bits-t)
in range), so the shifted value is below 2^bits and not merely below 2^(2t).
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

V, L0, L1 = range(3)
WIDTH = 3


@dataclass(frozen=True)
class RangeCheckParams(GadgetParams):
    bits: int
    table_bits: int = from_layout("range_bits")


class RangeCheckGadget(RangeCheckedGadget):
    kind = "range_check"
    Params = RangeCheckParams
    width = WIDTH

    @classmethod
    def evaluate(cls, params: RangeCheckParams, inputs: Mapping[str, np.ndarray]) -> None:
        """No output: a value outside the range has no witness (OverflowError)."""
        v, bound = inputs["input"], 1 << (params.bits - 1)
        if v.size and (v.min() < -bound or v.max() >= bound):
            raise OverflowError(f"range_check: a value lies outside [-{bound}, {bound})")
        return None

    def __init__(self, columns: int, bits: int, table_bits: int):
        if not 1 <= bits <= 2 * table_bits:
            raise ValueError(f"range_check: {bits} bits need a range table of at least {(bits + 1) // 2} bits")
        self.bits = bits
        super().__init__(columns, table_bits)

    @property
    def key(self) -> str:
        return f"range_check_b{self.bits}_t{self.table.bits}"

    @property
    def high_bits(self) -> int:
        return max(self.bits - self.table.bits, 0)

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, t = selector("q"), self.table.bits
        half = 1 << (self.bits - 1)
        return [(self.key, [q * (c(V) + half - c(L0) - (1 << t) * c(L1)) for c in self.items(cell)])]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        t = self.table.bits
        specs = self.range_lookups(cell, selector, {"l0_": L0, "l1_": L1})
        q = selector("q")
        top = (1 << t) - (1 << self.high_bits)  # l1 < 2^high_bits
        if self.bits <= t:  # one limb: l1 = 0 and l0 < 2^bits
            top_l0 = (1 << t) - (1 << self.bits)
            specs += [LookupSpec(f"{self.key}_l0hi{j}", [q, q * (c(L0) + top_l0)], self.table.name)
                      for j, c in enumerate(self.items(cell))]
            top = (1 << t) - 1
        if top:
            specs += [LookupSpec(f"{self.key}_l1hi{j}", [q, q * (c(L1) + top)], self.table.name)
                      for j, c in enumerate(self.items(cell))]
        return specs

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["input"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        v = np.asarray(inputs["input"], dtype=np.int64)
        half = 1 << (self.bits - 1)
        if v.size and (v.min() < -half or v.max() >= half):
            raise OverflowError(f"range_check: a value lies outside [-{half}, {half})")
        l0, l1 = self.limbs(v + half)
        cells, slot, row = self.lay_out(v.size, {V: v, L0: l0, L1: l1})
        rows = cells.shape[0]
        f0, f1 = self.limbs(np.asarray(half, dtype=np.int64))  # unused slots hold v = 0
        fill_unused(cells, v.size, self.per_row, WIDTH, {L0: int(f0), L1: int(f1)})
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, {"input": PortCells.dense(v.shape, slot + V, row)}, {})
