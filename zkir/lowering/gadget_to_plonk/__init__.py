"""`convert-gadget-to-plonk`: gadgets become gates, tables, placements and copies.

By concern: `columns` (the one column naming scheme), `regions` (rows of each
band handed out to placements), `wiring` (which source cell backs each element,
and the copies), `constraints` (gates and lookup arguments, once per gadget
key), `reduce_max` (reductions as maximum trees), `lower` (one function laid out
as one circuit); the pass itself is here. What to lay out comes from the
function's `#gadget.layout` (zkir.dialects.gadget.LayoutAttr) or the options.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from zkir.dialects.gadget import LayoutChoice, layout_of
from zkir.lowering.gadget_to_plonk.lower import PlonkLoweringError, lower_function

__all__ = ["ConvertGadgetToPlonkPass", "PlonkLoweringError", "lower_function"]


@dataclass(frozen=True)
class ConvertGadgetToPlonkPass(ModulePass):
    """Lay out every gadget function as a plonk.circuit.

    A function carrying `gadget.layout` (written by gadget-layout-search) is laid
    out as that attribute says; the options below are the defaults otherwise."""

    name = "convert-gadget-to-plonk"

    columns: int = 12
    """Advice columns of the band every gadget is placed in."""
    range_bits: int = 8
    """Bits of the range table behind rescale (bounds outputs to 2*range_bits bits)."""
    k: int = 0
    """log2 of the rows; 0 picks the smallest that fits."""
    inputs: str = "public"
    """public: model inputs in the instance column; private: in the advice band."""
    items_per_row: int = 0
    """At most this many items a row in gadgets that look cells up (0: no limit)."""
    share_lookups: bool = True
    """Gadgets share one lookup argument per table slot (else one per gadget slot)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.inputs not in ("public", "private"):
            raise PlonkLoweringError(
                f"convert-gadget-to-plonk: inputs must be public or private, got '{self.inputs}'"
            )
        default = LayoutChoice(self.columns, self.range_bits, self.k, self.items_per_row, self.share_lookups)
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp):
                circuit = lower_function(fn, layout_of(fn, default), self.inputs == "private")
                op.body.block.insert_op_before(circuit, fn)
                fn.detach()
                fn.erase()
