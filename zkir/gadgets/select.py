"""Elementwise select: out = lhs where cond is 1, rhs where it is 0 (ONNX Where
with a condition computed at run time).

Each item holds cond c, a, b and out, with the gates

    c (c - 1) = 0            (c is a boolean)
    out - b - c (a - b) = 0  (out = a if c = 1, b if c = 0)

Soundness: the first gate leaves c only the values 0 and 1, and for each the
second gate fixes out to exactly one of the operands, so a prover can choose
neither another output nor a condition that is not a boolean (say 2, which would
make out = 2a - b). The gadget checks booleanity itself, so it stays sound
whatever produced its condition (a comparison gadget, a logical op, a model
input); flipping c makes out the other operand, which the copy constraints to
the comparison that produced c then refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

C, A, B, OUT = range(4)
WIDTH = 4


class SelectGadget(Gadget):
    kind = "select"

    @classmethod
    def min_columns(cls) -> int:
        return WIDTH

    @property
    def per_row(self) -> int:
        return self.columns // WIDTH

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        cond = np.asarray(inputs["cond"], dtype=np.int64)
        return np.where(cond != 0, inputs["lhs"], inputs["rhs"]).astype(np.int64)

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q = selector("q")
        polys = []
        for j in range(self.per_row):
            c, a, b, out = (cell(WIDTH * j + k, 0) for k in (C, A, B, OUT))
            polys.append(q * c * (c - 1))
            polys.append(q * (out - b - c * (a - b)))
        return [(self.kind, polys)]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["lhs"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        a = np.asarray(inputs["lhs"], dtype=np.int64)
        b = np.broadcast_to(np.asarray(inputs["rhs"], dtype=np.int64), a.shape)
        c = np.broadcast_to(np.asarray(inputs["cond"], dtype=np.int64), a.shape)
        if c.size and not np.isin(c, (0, 1)).all():
            raise ValueError("select: the condition must hold 0 or 1 only")
        out = np.where(c == 1, a, b)
        rows, slot, row = packed_items(a.size, self.per_row, WIDTH)
        cells = np.zeros((rows, self.columns), dtype=np.int64)  # unused slots: all zero, valid
        for k, v in ((C, c), (A, a), (B, b), (OUT, out)):
            cells[row, slot + k] = v.ravel()
        ports = {
            name: PortCells.dense(a.shape, slot + k, row)
            for name, k in (("cond", C), ("lhs", A), ("rhs", B), ("out", OUT))
        }
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": out})
