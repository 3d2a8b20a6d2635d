"""The xDSL context zkir parses and verifies in: builtin, func and zkir's dialects."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.context import Context
from xdsl.ir import Dialect


def zkir_dialects() -> dict[str, Callable[[], Dialect]]:
    """Dialect name -> factory, imported lazily so start-up stays fast."""

    def ml() -> Dialect:
        from zkir.dialects.ml import MLDialect

        return MLDialect

    def gadget() -> Dialect:
        from zkir.dialects.gadget import GadgetDialect

        return GadgetDialect

    def plonk() -> Dialect:
        from zkir.dialects.plonk import PlonkDialect

        return PlonkDialect

    def builtin() -> Dialect:
        from xdsl.dialects.builtin import Builtin

        return Builtin

    def func() -> Dialect:
        from xdsl.dialects.func import Func

        return Func

    return {"builtin": builtin, "func": func, "ml": ml, "gadget": gadget, "plonk": plonk}


def make_context() -> Context:
    ctx = Context()
    for name, factory in zkir_dialects().items():
        ctx.register_dialect(name, factory)
    # Loaded up front: it owns the dense-resource blobs every printer must find.
    ctx.load_registered_dialect("builtin")
    return ctx
