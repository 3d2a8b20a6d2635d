"""A gadget from its kind and parameters: one table for the lowering and the backend.

convert-gadget-to-plonk records (kind, params) on each plonk.place, and
backend_halo2 rebuilds the same gadget from them to lay out its witness, so the
two can never disagree about where a tensor's cells are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zkir.gadgets.accumulate import DotGadget, SumGadget
from zkir.gadgets.base import Gadget
from zkir.gadgets.elementwise import AddGadget, MulGadget, SubGadget
from zkir.gadgets.embedding import EmbeddingGadget, EmbeddingTable
from zkir.gadgets.io import HoldGadget
from zkir.gadgets.nonlinearity import LookupGadget
from zkir.gadgets.maximum import MaximumGadget
from zkir.gadgets.range_check import RangeCheckGadget
from zkir.gadgets.rescale import RescaleGadget
from zkir.gadgets.sqrt import SqrtGadget
from zkir.gadgets.var_div import VarDivGadget

IO_KINDS = {"input": "out", "output": "in", "constant": "out", "zero": "out"}
"""Placements that only hold a tensor, and the port they expose it on."""

_FACTORIES: dict[str, Callable[[int, Mapping[str, Any]], Gadget]] = {
    "dot": lambda c, p: DotGadget(c),
    "sum": lambda c, p: SumGadget(c),
    "add": lambda c, p: AddGadget(c),
    "sub": lambda c, p: SubGadget(c),
    "mul": lambda c, p: MulGadget(c),
    "rescale": lambda c, p: RescaleGadget(
        c, int(p["divisor"]), int(p["table_bits"]), bool(p.get("relu", 0))
    ),
    "maximum": lambda c, p: MaximumGadget(c, int(p["table_bits"])),
    "embed": lambda c, p: EmbeddingGadget(c, EmbeddingTable(str(p["table"]), _array(p["value"]))),
    "range_check": lambda c, p: RangeCheckGadget(c, int(p["bits"]), int(p["table_bits"])),
    "sqrt": lambda c, p: SqrtGadget(c, int(p["shift"]), int(p["table_bits"])),
    "var_div": lambda c, p: VarDivGadget(c, int(p["shift"]), int(p["table_bits"])),
    "lookup": lambda c, p: LookupGadget(
        c, str(p["fn"]), int(p["table_bits"]), int(p.get("scale", 0)), p.get("in_scale")
    ),
    **{kind: (lambda port: lambda c, p: HoldGadget(c, port))(port) for kind, port in IO_KINDS.items()},
}


def _array(attr: Any):
    from zkir.dialects.resources import to_numpy

    return to_numpy(attr)


def gadget_for(kind: str, columns: int, params: Mapping[str, Any]) -> Gadget:
    try:
        factory = _FACTORIES[kind]
    except KeyError:
        raise ValueError(f"no gadget of kind '{kind}' (known: {', '.join(sorted(_FACTORIES))})") from None
    return factory(columns, params)
