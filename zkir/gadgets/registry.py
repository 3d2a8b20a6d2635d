"""A gadget from its kind and parameters: one table for the lowering and the backend.

convert-gadget-to-plonk records (kind, params) on each plonk.place, and
backend_halo2 rebuilds the same gadget from them to lay out its witness, so the
two can never disagree about where a tensor's cells are.

The table is `{cls.kind: cls}` over every Gadget subclass that defines `kind`
(zkir.gadgets.base.GADGETS): importing this module imports every module of the
package, so a new gadget file is found without being listed anywhere. The
placements that only hold a tensor (zkir.gadgets.io.IORole) are HoldGadgets.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any

import zkir.gadgets as _package
from zkir.gadgets.base import GADGETS, Gadget, GadgetParams
from zkir.gadgets.io import IO_KINDS, HoldGadget, IORole

def gadget_class(kind: str) -> type[Gadget]:
    try:
        return GADGETS[kind]
    except KeyError:
        known = sorted(set(GADGETS) - {HoldGadget.kind} | set(IORole))
        raise ValueError(f"no gadget of kind '{kind}' (known: {', '.join(known)})") from None


def gadget_for(kind: str, columns: int, params: Mapping[str, Any] | GadgetParams) -> Gadget:
    """The gadget of `kind` for a band of `columns`, from its Params or from the
    params a plonk.place records (IR attributes or Python values)."""
    if kind in IO_KINDS:
        return HoldGadget(columns, IORole(kind).port)
    cls = gadget_class(kind)
    if not isinstance(params, GadgetParams):
        try:
            params = cls.Params.from_values(params)
        except (TypeError, ValueError) as e:
            raise ValueError(f"gadget '{kind}': {e}") from None
    return cls.build(columns, params)


# Last, so that a gadget module importing this one finds it complete.
for _module in pkgutil.iter_modules(_package.__path__):
    if _module.name != __name__.rsplit(".", 1)[-1]:
        importlib.import_module(f"{_package.__name__}.{_module.name}")
