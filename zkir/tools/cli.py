"""`zkir`: the user command line (`zkir import`, `zkir run`, ...).

Subcommands register themselves with `@subcommand(name, help)` (from
zkir.tools.cli_common) on a function that adds its arguments and returns the
function that runs it; the proving stages (zkir.tools.cli_proofs) and the SRS
ceremony (zkir.tools.cli_srs) add theirs the same way, and `build_parser`
imports those modules, in one place.
A problem with the user's model or input is one line on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkir.tools.cli_common import (  # re-exported: zkir.tools.cli.CliError etc. stay importable
    SUBCOMMANDS,
    CliError,
    Runner,
    close_progress,
    input_arrays,
    parse_input_shapes,
    read_inputs,
    subcommand,
)

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

    from zkir.interpreter.program import TensorSpec

USAGE_ERROR = 2


# ---------------------------------------------------------------------------
# Shared helpers: models
# ---------------------------------------------------------------------------


def load_model(path: str | Path, input_shapes: Any = None, command: str = "import") -> ModuleOp:
    """Any supported model file (or .mlir) -> ml-dialect ModuleOp (see zkir.frontends),
    refusing --input-shape names the model does not have; a defaulted batch
    dimension is said on stderr."""
    from zkir.workflow import import_model

    return import_model(path, input_shapes, notice_to_stderr(command))


def notice_to_stderr(command: str) -> Callable[[str], None]:
    """What an importer assumed, as one line on stderr (`zkir CMD: note: ...`)."""
    return lambda msg: print(f"zkir {command}: note: {msg}", file=sys.stderr, flush=True)


def parse_mlir(path: Path) -> ModuleOp:
    from zkir.frontends import parse_mlir as parse

    return parse(path)


def _module_inputs(module: ModuleOp) -> list[TensorSpec]:
    from zkir.interpreter.program import input_specs, main_function

    return input_specs(main_function(module))


# ---------------------------------------------------------------------------
# zkir import
# ---------------------------------------------------------------------------


@subcommand("import", "import a model (.onnx, .tflite, .keras, SavedModel) into the ml dialect")
def _import_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("model", help="model file or SavedModel directory")
    p.add_argument("-o", "--output", help="write the IR here (default: stdout)")
    p.add_argument(
        "--input-shape",
        action="append",
        metavar="[NAME=]D1,D2,..",
        help="static shape for an input with dynamic dimensions (repeatable)",
    )
    p.add_argument(
        "--simplified",
        metavar="OUT.onnx",
        help="also write the ONNX model as imported: static input shapes, every subgraph "
        "that does not depend on run-time values folded (needs the 'simplify' extra)",
    )

    def run(args: argparse.Namespace) -> int:
        from zkir.files import write_atomic

        shapes = parse_input_shapes(args.input_shape)
        if args.simplified:
            from zkir.frontends import simplify_onnx
            from zkir.frontends.onnx import import_onnx

            folded = simplify_onnx(args.model, shapes, notice_to_stderr("import"))
            write_atomic(args.simplified, folded.SerializeToString())
            module = import_onnx(folded, shapes, simplify=False)
        else:
            module = load_model(args.model, shapes)
        from zkir.ir_io import print_module

        text = print_module(module)
        if args.output:
            write_atomic(args.output, text)
        else:
            sys.stdout.write(text)
        return 0

    return run


# ---------------------------------------------------------------------------
# zkir run
# ---------------------------------------------------------------------------


@subcommand("run", "run a model on input.json: float, or fixed point with --scale-bits")
def _run_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("model", help="model file, SavedModel directory or .mlir")
    p.add_argument("--input", required=True, help='JSON: {"name": nested list} or a bare nested list')
    p.add_argument("--scale-bits", type=int, help="quantize (ml-quantize) and run in fixed point")
    p.add_argument("--input-shape", action="append", metavar="[NAME=]D1,D2,..", help="as for import; by default the shapes of the input data")

    def run(args: argparse.Namespace) -> int:
        from zkir.workflow import run_model

        inputs = input_arrays(read_inputs(args.input))
        shapes = parse_input_shapes(args.input_shape)
        if shapes is None and not str(args.model).endswith(".mlir"):
            shapes = (
                {k: list(v.shape) for k, v in inputs.items()}
                if isinstance(inputs, dict)
                else list(inputs.shape)
            )
        json.dump(run_model(args.model, inputs, args.scale_bits, shapes), sys.stdout)
        sys.stdout.write("\n")
        return 0

    return run


# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    import zkir.tools.cli_proofs  # noqa: F401  (registers compile, setup, prove, ...)
    import zkir.tools.cli_srs  # noqa: F401  (registers srs: ceremony and Ethereum setup)

    parser = argparse.ArgumentParser(
        prog="zkir",
        description="Zero-knowledge proofs of ML inference, compiled through MLIR-style dialects.",
        epilog="main job: zkir compile model.onnx -o build && zkir setup build && "
        "zkir prove build --input input.json -o proof.bin && zkir verify build proof.bin",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    subs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, configure) in SUBCOMMANDS.items():
        sp = subs.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(_run=configure(sp))
    return parser


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text or type(e).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `zkir` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from xdsl.utils.exceptions import DiagnosticException

    from zkir.errors import ModelError, ZkirError

    if args.debug:
        try:
            return args._run(args)
        finally:
            close_progress()
    try:
        return args._run(args)
    except (CliError, ModelError, ZkirError, DiagnosticException, OverflowError, ValueError) as e:
        # ZkirError: every zkir error, e.g. a witness that violates the circuit in prove;
        # ValueError: zkir's lowering, layout, workflow and proof-format errors
        close_progress()
        print(f"zkir {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return USAGE_ERROR
    except OSError as e:
        close_progress()
        print(f"zkir {args.command}: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return USAGE_ERROR
    finally:
        close_progress()  # also on KeyboardInterrupt: leave the terminal clean


__all__ = [
    "CliError",
    "Runner",
    "build_parser",
    "input_arrays",
    "load_model",
    "main",
    "parse_input_shapes",
    "read_inputs",
    "subcommand",
]


if __name__ == "__main__":
    sys.exit(main())
