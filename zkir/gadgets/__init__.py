"""The gadget library: each gadget's gates, lookups, cost in rows, and witness."""

from zkir.gadgets.accumulate import DotGadget, SumGadget
from zkir.gadgets.base import Assignment, Gadget, LookupSpec, PortCells
from zkir.gadgets.elementwise import AddGadget, MulGadget, SubGadget
from zkir.gadgets.io import HoldGadget
from zkir.gadgets.nonlinearity import LookupGadget
from zkir.gadgets.maximum import MaximumGadget
from zkir.gadgets.rescale import RescaleGadget
from zkir.gadgets.tables import TableSpec
from zkir.gadgets.var_div import VarDivGadget

__all__ = [
    "AddGadget",
    "Assignment",
    "DotGadget",
    "Gadget",
    "HoldGadget",
    "LookupGadget",
    "LookupSpec",
    "MaximumGadget",
    "MulGadget",
    "PortCells",
    "RescaleGadget",
    "SubGadget",
    "SumGadget",
    "TableSpec",
    "VarDivGadget",
]
