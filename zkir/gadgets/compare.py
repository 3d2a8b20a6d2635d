"""Elementwise comparison: out = 1 if lhs < rhs else 0, a boolean proven by one bit
and one range check.

Each item holds a, b, the claimed bit c and two t-bit limbs l0, l1 of a
difference d, with the gates

    c (c - 1) = 0                                   (c is 0 or 1)
    c (b - a - 1) + (1 - c) (a - b) = l0 + 2^t l1   (d is b - a - 1 if c = 1, else a - b)

and l0, l1 looked up in the t-bit range table, so d lies in [0, 2^(2t)).

Soundness (why a prover cannot flip the boolean). Work in the field F_p,
p > 2^(2t+1). If c = 1, then b - a = d + 1 lies in [1, 2^(2t)]; if c = 0, then
a - b = d lies in [0, 2^(2t)), i.e. b - a lies in {0} or (p - 2^(2t), p). The two
sets of values of b - a are disjoint because p > 2^(2t+1), so for any two cells a,
b at most one value of c satisfies the gates: the boolean is a function of (a, b),
not a choice of the prover. When a and b are integers with |a - b| < 2^(2t)
(every value the fixed-point types and the range-checked gadgets produce at the
layout's `range_bits`), that function is exactly [a < b], as integers. Operands
further apart than 2^(2t) have no witness at all: the honest prover refuses them
(OverflowError), a cheating one cannot prove them either way. Equal, greater and
their negations are built from this one gadget by the lowering (1 - c, c1 + c2),
which keeps every result 0 or 1.
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

A, B, C, L0, L1 = range(5)
WIDTH = 5


class LessGadget(RangeCheckedGadget):
    kind = "less"
    Params = RangeTableParams
    width = WIDTH

    @classmethod
    def evaluate(cls, params: RangeTableParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return (np.asarray(inputs["lhs"]) < np.asarray(inputs["rhs"])).astype(np.int64)

    @property
    def key(self) -> str:
        return f"less_t{self.table.bits}"

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, t = selector("q"), self.table.bits
        polys = []
        for c in self.items(cell):
            polys.append(q * c(C) * (c(C) - 1))
            d = c(C) * (c(B) - c(A) - 1) + (1 - c(C)) * (c(A) - c(B))
            polys.append(q * (d - c(L0) - (1 << t) * c(L1)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        return self.range_lookups(cell, selector, {"l0_": L0, "l1_": L1})

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["lhs"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        a = np.asarray(inputs["lhs"], dtype=np.int64)
        b = np.broadcast_to(np.asarray(inputs["rhs"], dtype=np.int64), a.shape)
        c = (a < b).astype(np.int64)
        d = np.where(c == 1, b - a - 1, a - b)
        if d.size and d.max() >= self.limb_bound:
            raise OverflowError(
                f"less: operands differ by more than the 2^{2 * self.table.bits} a "
                f"{self.table.bits}-bit range table bounds (compile with a larger --range-bits)"
            )
        l0, l1 = self.limbs(d)
        # unused item slots stay zero: a = b = 0, c = 0, d = 0 satisfies every gate
        cells, slot, row = self.lay_out(a.size, {A: a, B: b, C: c, L0: l0, L1: l1})
        ports = {
            "lhs": PortCells.dense(a.shape, slot + A, row),
            "rhs": PortCells.dense(a.shape, slot + B, row),
            "out": PortCells.dense(a.shape, slot + C, row),
        }
        return Assignment(cells, {"q": np.ones(cells.shape[0], dtype=np.int64)}, ports, {"out": c})
