"""The gadget library: each gadget's gates, lookups, cost in rows, and witness."""

from zkir.gadgets.accumulate import DotGadget, SumGadget
from zkir.gadgets.base import Assignment, Gadget, LookupSpec, PortCells
from zkir.gadgets.elementwise import AddGadget, MulGadget, SubGadget
from zkir.gadgets.embedding import EmbeddingGadget, EmbeddingTable
from zkir.gadgets.io import HoldGadget
from zkir.gadgets.maximum import MaximumGadget
from zkir.gadgets.nonlinearity import LookupGadget
from zkir.gadgets.range_check import RangeCheckGadget
from zkir.gadgets.rescale import RescaleGadget
from zkir.gadgets.sqrt import SqrtGadget
from zkir.gadgets.tables import TableSpec
from zkir.gadgets.var_div import VarDivGadget

__all__ = [
    "AddGadget",
    "Assignment",
    "DotGadget",
    "EmbeddingGadget",
    "EmbeddingTable",
    "Gadget",
    "HoldGadget",
    "LookupGadget",
    "LookupSpec",
    "MaximumGadget",
    "MulGadget",
    "PortCells",
    "RangeCheckGadget",
    "RescaleGadget",
    "SqrtGadget",
    "SubGadget",
    "SumGadget",
    "TableSpec",
    "VarDivGadget",
]
