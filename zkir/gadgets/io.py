"""Cells that hold tensors without constraining them: inputs, outputs, constants.

They are where values enter and leave the gadgets' wiring: model inputs and
outputs in instance columns (public), weights in advice (private), fixed
(in the verifying key) or instance columns, and the one zero cell that padding is
wired to. Elements fill the band row by row: element e at slot e % width.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import numpy as np

from zkir.gadgets.base import Assignment, CellFn, Gadget, PortCells, SelectorFn


class IORole(StrEnum):
    """The placements that only hold a tensor: what they hold and its port.

    A StrEnum, so the role is also the placement's `gadget` kind in the plonk IR
    and the statement's role name.
    """

    INPUT = "input"
    OUTPUT = "output"
    CONSTANT = "constant"
    ZERO = "zero"

    @property
    def port(self) -> str:
        """The one port the tensor is exposed on (an output is wired *in*)."""
        return "in" if self is IORole.OUTPUT else "out"


IO_KINDS = frozenset(IORole)
"""The placement kinds that only hold a tensor (a role, never a gadget's gates)."""


class HoldGadget(Gadget):
    """A tensor held in a band of cells, exposed on one port."""

    kind = "hold"
    selector_roles = ()

    def __init__(self, columns: int, port: str = "out"):
        super().__init__(columns)
        self.port = port

    @classmethod
    def min_columns(cls) -> int:
        return 1

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        return []

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        n = int(np.prod(shapes[self.port], dtype=np.int64))
        return max(1, -(-n // self.columns))

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        values = np.asarray(inputs[self.port], dtype=np.int64)
        rows = max(1, -(-values.size // self.columns))
        e = np.arange(values.size, dtype=np.int64)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        cells[e // self.columns, e % self.columns] = values.ravel()
        return Assignment(
            cells,
            {},
            {self.port: PortCells.dense(values.shape, e % self.columns, e // self.columns)},
            {self.port: values},
        )
