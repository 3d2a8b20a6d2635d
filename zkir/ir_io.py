"""Reading and writing IR text, with zkir's dialects and weight blobs."""

from __future__ import annotations

import io
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.targets.mlir import MLIRTarget

from zkir.context import make_context


def parse_module(text: str, name: str = "<input>", ctx: Context | None = None) -> ModuleOp:
    """Parse and verify a module; raises xDSL's ParseError / VerifyException."""
    module = Parser(ctx or make_context(), text, name).parse_module()
    module.verify()
    return module


def read_module(path: str | Path, ctx: Context | None = None) -> ModuleOp:
    return parse_module(Path(path).read_text(), str(path), ctx)


def print_module(module: ModuleOp, ctx: Context | None = None) -> str:
    """The module's text, with the dense-resource blobs it references."""
    out = io.StringIO()
    MLIRTarget().emit(ctx or make_context(), module, out)
    return out.getvalue()


def write_module(module: ModuleOp, path: str | Path, ctx: Context | None = None) -> None:
    Path(path).write_text(print_module(module, ctx))
