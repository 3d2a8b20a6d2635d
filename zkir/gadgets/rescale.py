"""Bias-div-round: out = floor((x + bias + d/2) / d) for d = 2^s, range-checked.

Rounding is half up (floor of x/d + 1/2), the rule of zkir.interpreter's
fixed-point rescale. The gadget proves x + bias + d/2 = d * out + r with r in
[0, d), and bounds out to [-2^(2t-1), 2^(2t-1)) by two t-bit limbs, all through
one t-bit range table: without the bound a prover could pick another r and an
`out` that is a huge field element.
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
    packed_items,
)
from zkir.gadgets.tables import TableSpec

X, B, OUT, R, L0, L1 = range(6)
WIDTH = 6


def round_half_up_div(values: np.ndarray, divisor: int) -> np.ndarray:
    """floor(v / d + 1/2) on int64: the one rescale rule of the circuit."""
    return np.floor_divide(np.asarray(values, dtype=np.int64) + divisor // 2, divisor)


class RescaleGadget(Gadget):
    kind = "rescale"

    def __init__(self, columns: int, divisor: int, table_bits: int):
        super().__init__(columns)
        if divisor < 1 or divisor & (divisor - 1):
            raise ValueError(f"rescale: divisor must be a power of two, got {divisor}")
        if divisor > 1 << table_bits:
            raise ValueError(
                f"rescale: divisor {divisor} needs a range table of at least "
                f"{divisor.bit_length() - 1} bits, got {table_bits}"
            )
        self.divisor = divisor
        self.table = TableSpec("range", table_bits)

    @classmethod
    def min_columns(cls) -> int:
        return WIDTH

    @property
    def key(self) -> str:
        return f"rescale_d{self.divisor}_t{self.table.bits}"

    @property
    def per_row(self) -> int:
        return self.columns // WIDTH

    @property
    def out_bound(self) -> int:
        """out lies in [-out_bound, out_bound)."""
        return 1 << (2 * self.table.bits - 1)

    def tables(self) -> dict[str, TableSpec]:
        return {self.table.name: self.table}

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, d, t = selector("q"), self.divisor, self.table.bits
        polys = []
        for j in range(self.per_row):
            c = lambda k: cell(WIDTH * j + k, 0)  # noqa: E731
            polys.append(q * (c(X) + c(B) + d // 2 - d * c(OUT) - c(R)))
            polys.append(q * (c(OUT) + self.out_bound - c(L0) - (1 << t) * c(L1)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        q, t, d = selector("q"), self.table.bits, self.divisor
        specs = []
        for j in range(self.per_row):
            c = lambda k: cell(WIDTH * j + k, 0)  # noqa: E731
            checked = [("r", c(R)), ("l0", c(L0)), ("l1", c(L1))]
            if d < 1 << t:  # r < d: r and r + 2^t - d both in [0, 2^t)
                checked.append(("r_hi", c(R) + ((1 << t) - d)))
            specs += [
                LookupSpec(f"{self.key}_{name}{j}", [q, q * v], self.table.name)
                for name, v in checked
            ]
        return specs

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        n = int(np.prod(shapes["input"], dtype=np.int64))
        return max(1, -(-n // self.per_row))

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        bias = np.broadcast_to(np.asarray(inputs.get("bias", 0), dtype=np.int64), x.shape)
        shifted = x + bias + self.divisor // 2
        out = np.floor_divide(shifted, self.divisor)
        if out.size and (out.min() < -self.out_bound or out.max() >= self.out_bound):
            worst = int(np.abs(out).max())
            raise OverflowError(
                f"rescale: output {worst} exceeds the +-{self.out_bound} that a "
                f"{self.table.bits}-bit range table bounds; raise table_bits"
            )
        r = shifted - self.divisor * out
        limbs = out + self.out_bound
        l1, l0 = np.divmod(limbs, 1 << self.table.bits)
        rows, slot, row = packed_items(x.size, self.per_row, WIDTH)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        for k, values in ((X, x), (B, bias), (OUT, out), (R, r), (L0, l0), (L1, l1)):
            cells[row, slot + k] = values.ravel()
        # Unused item slots must still satisfy the gates: x = b = 0 needs
        # out = 0, r = d/2 and limbs of out_bound.
        used = np.zeros((rows, self.per_row), dtype=bool)
        used.ravel()[: x.size] = True
        free_row, free_item = np.nonzero(~used)
        base = WIDTH * free_item
        cells[free_row, base + R] = self.divisor // 2
        fl1, fl0 = divmod(self.out_bound, 1 << self.table.bits)
        cells[free_row, base + L0] = fl0
        cells[free_row, base + L1] = fl1
        ports = {
            "input": PortCells.dense(x.shape, slot + X, row),
            "bias": PortCells.dense(x.shape, slot + B, row),
            "out": PortCells.dense(x.shape, slot + OUT, row),
        }
        return Assignment(cells, {"q": np.ones(rows, dtype=np.int64)}, ports, {"out": out})
