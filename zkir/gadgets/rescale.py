"""Bias-div-round: out = floor((x + bias + d/2) / d) for d = 2^s, range-checked.

Rounding is half up (floor of x/d + 1/2), the rule of zkir.interpreter's
fixed-point rescale. The gadget proves x + bias + d/2 = d * q + r with r in
[0, d), and bounds q to [-2^(2t-1), 2^(2t-1)) by two t-bit limbs l0 + 2^t l1,
all through one t-bit range table: without the bound a prover could pick another
r and a q that is a huge field element.

With `relu` the gadget also outputs max(q, 0) (ZKML fuses the two the same way):
q >= 0 exactly when the top limb's high bit h is set, l1 = h 2^(t-1) + l1' with
l1' in [0, 2^(t-1)) (checked as 2 l1' in the t-bit table, sound because l1 is
already a t-bit integer), and out = h q. A ReLU then costs three cells and one
lookup instead of a 2t-bit table.
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

X, B, Q, R, L0, L1, H, L1LOW, OUT = range(9)


@dataclass(frozen=True)
class RescaleParams(GadgetParams):
    divisor: int
    table_bits: int = from_layout("range_bits")
    relu: bool = False


class RescaleGadget(RangeCheckedGadget):
    kind = "rescale"
    Params = RescaleParams

    @classmethod
    def evaluate(cls, params: RescaleParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        out = div_round(inputs["input"] + inputs["bias"], params.divisor)
        return np.maximum(out, 0) if params.relu else out

    def __init__(self, columns: int, divisor: int, table_bits: int, relu: bool = False):
        self.relu = relu
        self.width = 9 if relu else 6
        super().__init__(columns, table_bits)
        if divisor < 1 or divisor & (divisor - 1):
            raise ValueError(f"rescale: divisor must be a power of two, got {divisor}")
        if divisor > 1 << table_bits:
            raise ValueError(
                f"rescale: divisor {divisor} needs a range table of at least "
                f"{divisor.bit_length() - 1} bits, got {table_bits}"
            )
        self.divisor = divisor

    @property
    def key(self) -> str:
        return f"rescale{'_relu' if self.relu else ''}_d{self.divisor}_t{self.table.bits}"


    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, d, t = selector("q"), self.divisor, self.table.bits
        polys = []
        for c in self.items(cell):
            polys.append(q * (c(X) + c(B) + d // 2 - d * c(Q) - c(R)))
            polys.append(q * (c(Q) + self.out_bound - c(L0) - (1 << t) * c(L1)))
            if self.relu:
                polys.append(q * c(H) * (c(H) - 1))
                polys.append(q * (c(L1) - (1 << (t - 1)) * c(H) - c(L1LOW)))
                polys.append(q * (c(OUT) - c(H) * c(Q)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        q, t, d = selector("q"), self.table.bits, self.divisor
        specs = []
        for j, c in enumerate(self.items(cell)):
            checked = [("r", c(R)), ("l0", c(L0)), ("l1", c(L1))]
            if d < 1 << t:  # r < d: r and r + 2^t - d both in [0, 2^t)
                checked.append(("r_hi", c(R) + ((1 << t) - d)))
            if self.relu:
                checked.append(("l1low", 2 * c(L1LOW)))
            specs += [
                LookupSpec(f"{self.key}_{name}{j}", [q, q * v], self.table.name)
                for name, v in checked
            ]
        return specs

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["input"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        bias = np.broadcast_to(np.asarray(inputs.get("bias", 0), dtype=np.int64), x.shape)
        shifted = x + bias + self.divisor // 2
        q = np.floor_divide(shifted, self.divisor)
        if q.size and (q.min() < -self.out_bound or q.max() >= self.out_bound):
            worst = int(np.abs(q).max())
            raise OverflowError(
                f"rescale: output {worst} exceeds the +-{self.out_bound} that a "
                f"{self.table.bits}-bit range table bounds (compile with a larger --range-bits)"
            )
        per_item = self._items(x, bias, q, shifted - self.divisor * q)
        cells, slot, row = self.lay_out(x.size, per_item)
        rows = cells.shape[0]
        # Unused item slots still satisfy the gates: the items of x = bias = 0.
        zero = np.zeros(1, dtype=np.int64)
        neutral = self._items(zero, zero, zero, zero + self.divisor // 2)
        fill_unused(cells, x.size, self.per_row, self.width, {k: int(v[0]) for k, v in neutral.items()})
        out = per_item[OUT if self.relu else Q].reshape(x.shape)
        ports = {
            "input": PortCells.dense(x.shape, slot + X, row),
            "bias": PortCells.dense(x.shape, slot + B, row),
            "out": PortCells.dense(x.shape, slot + (OUT if self.relu else Q), row),
        }
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": out})

    def _items(self, x: np.ndarray, bias: np.ndarray, q: np.ndarray, r: np.ndarray) -> dict[int, np.ndarray]:
        """Every cell of the items with these inputs, quotients and remainders."""
        t = self.table.bits
        l0, l1 = self.limbs(q + self.out_bound)
        cells = {X: x, B: bias, Q: q, R: r, L0: l0, L1: l1}
        if self.relu:
            h = (l1 >> (t - 1)) & 1
            cells |= {H: h, L1LOW: l1 - (h << (t - 1)), OUT: h * q}
        return cells
