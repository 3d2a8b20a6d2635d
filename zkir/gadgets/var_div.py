"""Division by a run-time value: out = round(num * 2^shift / den), den > 0.

Softmax (and later layer norm) divide by a sum computed in the circuit. With
the one rounding rule, out = floor((2 num 2^shift + den) / (2 den)): the gadget
proves 2 num 2^shift + den = 2 den out + r with 0 <= r < 2 den (r and
2 den - 1 - r as two t-bit limbs each) and bounds out to [-2^(2t-1), 2^(2t-1))
the same way, so no other (out, r) pair satisfies it.
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
from zkir.interpreter.rounding import div_round

NUM, DEN, OUT, R, R0, R1, S0, S1, O0, O1 = range(10)
WIDTH = 10


@dataclass(frozen=True)
class VarDivParams(GadgetParams):
    shift: int
    table_bits: int = from_layout("range_bits")


class VarDivGadget(RangeCheckedGadget):
    kind = "var_div"
    Params = VarDivParams
    width = WIDTH

    @classmethod
    def evaluate(cls, params: VarDivParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return div_round(np.asarray(inputs["num"], dtype=np.int64) << params.shift, inputs["den"])

    def __init__(self, columns: int, shift: int, table_bits: int):
        self.shift = shift
        super().__init__(columns, table_bits)

    @property
    def key(self) -> str:
        return f"var_div_s{self.shift}_t{self.table.bits}"


    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, t = selector("q"), self.table.bits
        polys = []
        for c in self.items(cell):
            polys.append(q * (2 * (1 << self.shift) * c(NUM) + c(DEN) - 2 * c(DEN) * c(OUT) - c(R)))
            polys.append(q * (c(R) - c(R0) - (1 << t) * c(R1)))
            polys.append(q * (2 * c(DEN) - 1 - c(R) - c(S0) - (1 << t) * c(S1)))
            polys.append(q * (c(OUT) + self.out_bound - c(O0) - (1 << t) * c(O1)))
        return [(self.key, polys)]

    def structure_inputs(self, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
        return {"num": np.zeros(shapes["num"], dtype=np.int64), "den": np.ones(shapes["den"], dtype=np.int64)}

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        slots = {"r0_": R0, "r1_": R1, "s0_": S0, "s1_": S1, "o0_": O0, "o1_": O1}
        return self.range_lookups(cell, selector, slots)

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["num"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        num = np.asarray(inputs["num"], dtype=np.int64)
        safe = np.broadcast_to(np.asarray(inputs["den"], dtype=np.int64), num.shape)
        if safe.size and safe.min() < 1:
            raise OverflowError("var_div: a denominator is not positive")
        out = div_round(num << self.shift, safe)
        r = 2 * (num << self.shift) + safe - 2 * safe * out
        bound = self.limb_bound
        if num.size and (out.min() < -self.out_bound or out.max() >= self.out_bound or (2 * safe).max() > bound):
            raise OverflowError(
                f"var_div: quotient or denominator beyond the 2^{2 * self.table.bits} a "
                f"{self.table.bits}-bit range table bounds"
            )
        r0, r1 = self.limbs(r)
        s0, s1 = self.limbs(2 * safe - 1 - r)
        o0, o1 = self.limbs(out + self.out_bound)
        values = {NUM: num, DEN: safe, OUT: out, R: r, R0: r0, R1: r1, S0: s0, S1: s1, O0: o0, O1: o1}
        cells, slot, row = self.lay_out(num.size, values)
        rows = cells.shape[0]
        # unused slots: num = 0, den = 1 -> out 0, r = 1, 2 den - 1 - r = 0
        free_o0, free_o1 = self.limbs(np.asarray(self.out_bound, dtype=np.int64))
        fill_unused(cells, num.size, self.per_row, WIDTH, {DEN: 1, R: 1, R0: 1, O0: int(free_o0), O1: int(free_o1)})
        ports = {
            "num": PortCells.dense(num.shape, slot + NUM, row),
            "den": PortCells.dense(num.shape, slot + DEN, row),
            "out": PortCells.dense(num.shape, slot + OUT, row),
        }
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": out})
