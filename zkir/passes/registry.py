"""Every zkir pass by its MLIR-style name, imported only when used.

zkir-opt, `zkir.pipeline(...)` and the `zkir` CLI all read this one table, so a
new pass is registered by adding one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from xdsl.passes import ModulePass

_PASSES: dict[str, str] = {
    # name: "module:Class"
    "ml-quantize": "zkir.passes.quantize:MLQuantizePass",
    "ml-canonicalize": "zkir.passes.ml_canonicalize:MLCanonicalizePass",
    "gadget-canonicalize": "zkir.passes.gadget_canonicalize:GadgetCanonicalizePass",
    "gadget-bound-lookups": "zkir.passes.bound_lookups:GadgetBoundLookupsPass",
    "convert-ml-to-gadget": "zkir.lowering.ml_to_gadget:ConvertMLToGadgetPass",
    "convert-gadget-to-plonk": "zkir.lowering.gadget_to_plonk:ConvertGadgetToPlonkPass",
    "gadget-layout-search": "zkir.passes.layout_search:GadgetLayoutSearchPass",
    "gadget-randomize-products": "zkir.passes.randomize_products:GadgetRandomizeProductsPass",
    "gadget-shard": "zkir.passes.shard:GadgetShardPass",
    "plonk-verify-layout": "zkir.passes.plonk_verify_layout:PlonkVerifyLayoutPass",
}


def _loader(target: str) -> Callable[[], type[ModulePass]]:
    module, cls = target.split(":")
    return lambda: getattr(import_module(module), cls)


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> factory of the pass class, as xDSL's PassPipeline expects."""
    return {name: _loader(target) for name, target in _PASSES.items()}
