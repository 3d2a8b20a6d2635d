"""The gadget library: each gadget's gates, lookups, cost in rows, and witness.

Every gadget class is exported by its class name (`from zkir.gadgets import
DotGadget`), found through the registry, so a new gadget module needs no line
here. Importing a submodule alone stays cheap: the registry loads on first use.
"""

from __future__ import annotations

from typing import Any

from zkir.gadgets.base import Assignment, Gadget, GadgetParams, LookupSpec, PortCells
from zkir.gadgets.embedding import EmbeddingTable
from zkir.gadgets.io import HoldGadget, IORole
from zkir.gadgets.tables import TableSpec

__all__ = [
    "Assignment",
    "EmbeddingTable",
    "Gadget",
    "GadgetParams",
    "HoldGadget",
    "IORole",
    "LookupSpec",
    "PortCells",
    "TableSpec",
]


def __getattr__(name: str) -> Any:
    from zkir.gadgets.base import GADGETS
    from zkir.gadgets.registry import gadget_class  # noqa: F401  (imports every gadget module)

    for cls in GADGETS.values():
        if cls.__name__ == name:
            return cls
    raise AttributeError(f"module 'zkir.gadgets' has no attribute '{name}'")
