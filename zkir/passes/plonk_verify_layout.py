"""`plonk-verify-layout`: no two placements share a cell.

Op verifiers see one op at a time; an overlap is a property of the whole
circuit, and a silent one would let two gadgets fight over a cell, so this pass
checks it once, sorting each column's row intervals (n log n, not n^2).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import plonk
from zkir.errors import ZkirError


class LayoutError(ZkirError, PassFailedException):
    """A circuit whose placements overlap (PassFailedException is a DiagnosticException,
    this class's base before)."""


def overlapping_placements(
    circuit: plonk.CircuitOp,
) -> list[tuple[str, plonk.PlaceOp, plonk.PlaceOp]]:
    """(column, first, second) for each pair of neighbouring placements that overlap."""
    by_column: dict[str, list[plonk.PlaceOp]] = defaultdict(list)
    for op in circuit.body.ops:
        if isinstance(op, plonk.PlaceOp):
            for column in op.column_names:
                by_column[column].append(op)
    clashes = []
    for column, places in by_column.items():
        places.sort(key=lambda p: p.row_range.start)
        end, last = -1, None
        for place in places:
            if last is not None and place.row_range.start < end:
                clashes.append((column, last, place))
            if place.row_range.stop > end:
                end, last = place.row_range.stop, place
    return clashes


@dataclass(frozen=True)
class PlonkVerifyLayoutPass(ModulePass):
    name = "plonk-verify-layout"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for circuit in op.walk():
            if not isinstance(circuit, plonk.CircuitOp):
                continue
            clashes = overlapping_placements(circuit)
            if clashes:
                column, a, b = clashes[0]
                raise LayoutError(
                    f"plonk-verify-layout: placements @{a.sym_name.data} (rows "
                    f"{a.row_range.start}..{a.row_range.stop - 1}) and "
                    f"@{b.sym_name.data} (rows {b.row_range.start}.."
                    f"{b.row_range.stop - 1}) overlap in column @{column}"
                    + (f" (and {len(clashes) - 1} more overlaps)" if len(clashes) > 1 else "")
                )
