"""Running zkir passes from Python, the same way zkir-opt runs them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline

from zkir.context import make_context
from zkir.errors import ZkirError
from zkir.passes.registry import available_passes


class PipelineError(ZkirError, ValueError):
    """An unknown pass or a bad pass option."""


_MLIR_WRAPPER = re.compile(r"^\s*builtin\.module\s*\((.*)\)\s*$", re.DOTALL)


def normalise_spec(spec: str) -> str:
    """Accept MLIR's `builtin.module(a,b{x=1})` as well as xDSL's `a,b{x=1}`."""
    match = _MLIR_WRAPPER.match(spec)
    return match.group(1).strip() if match else spec.strip()


@dataclass(frozen=True)
class Pipeline:
    passes: tuple[ModulePass, ...]
    verify_each: bool = True

    def run(self, module: ModuleOp, ctx: Context | None = None) -> ModuleOp:
        """Run the passes in place (verifying after each) and return the module."""

        def check(_prev: ModulePass | None, op: ModuleOp, _next: ModulePass | None) -> None:
            if self.verify_each:
                op.verify()

        PassPipeline(self.passes, check).apply(ctx or make_context(), module)
        return module


def pipeline(spec: str, verify_each: bool = True) -> Pipeline:
    """`zkir.pipeline("ml-canonicalize,plonk-verify-layout").run(module)`."""
    spec = normalise_spec(spec)
    known = available_passes()
    try:
        return Pipeline(PassPipeline.parse_spec(known, spec).passes, verify_each)
    except BaseException as e:  # xDSL's ArgSpecParseError is a BaseException
        if isinstance(e, KeyboardInterrupt | SystemExit):
            raise
        message = str(e).strip().splitlines()
        text = " ".join(line.strip() for line in message if line.strip() and set(line.strip()) != {"^"})
        if "Unrecognized passes" in text:
            text += f"; known passes: {', '.join(sorted(known))}"
        raise PipelineError(f"bad pass pipeline '{spec}': {text}") from e
