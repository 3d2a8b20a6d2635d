"""Rows of each band handed out to placements, in program order.

A band is a group of columns that placements stack in: the gadget band (the
layout's `columns` advice columns), the private-weight band (advice columns of
their own, so their commitments can be pinned to the model), the fixed-weight
band, the instance column, and the one zero cell. Weights are reserved while
the gadgets are placed and laid out last, as few columns wide as keep them no
taller than the gadget band: every column costs a commitment or a permutation
term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.ir import Attribute

from zkir.lowering.gadget_to_plonk.columns import band_column


@dataclass
class Band:
    """Columns `<group>.<i>` of one kind, filled top down."""

    group: str
    kind: str
    """advice, fixed or instance"""
    width: int
    rows: int = 0
    """Rows handed out so far."""
    stacks: bool = True
    """False for the zero cell: every placement of it is row 0."""

    def columns(self, width: int | None = None) -> list[str]:
        return [band_column(self.group, i) for i in range(self.width if width is None else width)]

    def allocate(self, rows: int, width: int | None = None) -> tuple[int, list[str]]:
        """The first row and the columns of a placement `rows` tall (and `width`
        of the band's columns wide: a gadget may need fewer than the band has)."""
        row = self.rows if self.stacks else 0
        if self.stacks:
            self.rows += rows
        return row, self.columns(width)


@dataclass
class Reservation:
    name: str
    shape: tuple[int, ...]
    params: dict[str, Attribute]


@dataclass
class Reservations:
    """Weights waiting for their band's width, which depends on the gadget band's height."""

    pending: dict[str, list[Reservation]] = field(default_factory=dict)

    def reserve(self, band: Band, name: str, shape: tuple[int, ...], params: dict[str, Attribute]) -> None:
        self.pending.setdefault(band.group, []).append(Reservation(name, shape, params))

    def widths(self, band_rows: int) -> dict[str, int]:
        """Per band group: as few columns as keep the weights no taller than `band_rows`."""
        out = {}
        for group, items in self.pending.items():
            total = sum(int(np.prod(r.shape, dtype=np.int64)) for r in items)
            if total:
                out[group] = max(1, -(-total // max(band_rows, 1)))
        return out
