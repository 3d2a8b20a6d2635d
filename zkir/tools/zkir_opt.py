"""`zkir-opt`: xDSL's opt driver with only zkir's dialects and passes.

Built on xDSLOptMain so every xDSL flag (--split-input-file, --verify-diagnostics,
--print-op-generic, ...) works as it does in xdsl-opt. Additions: MLIR's
`--pass-pipeline='builtin.module(...)'` spelling, a pass list in --help, and
errors as one line on stderr (exit 1) unless --debug asks for the traceback.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.xdsl_opt_main import xDSLOptMain

from zkir.context import zkir_dialects
from zkir.pass_pipeline import PipelineError, normalise_spec
from zkir.passes.registry import available_passes


def _pass_summaries() -> str:
    lines = ["zkir passes:"]
    for name, factory in sorted(available_passes().items()):
        cls = factory()
        doc = (sys.modules[cls.__module__].__doc__ or "").strip().splitlines()
        summary = doc[0].split(":", 1)[-1].strip() if doc else ""
        lines.append(f"  {name:24s} {summary}")
    lines.append(
        "\nexamples:\n"
        "  zkir-opt model.mlir -p ml-canonicalize\n"
        "  zkir-opt model.mlir --pass-pipeline='builtin.module(ml-canonicalize)'"
    )
    return "\n".join(lines)


class ZkirOptMain(xDSLOptMain):
    version_format = "zkir-opt (xDSL {xdsl_version})"

    def __init__(self, args: Sequence[str] | None = None):
        super().__init__(description="zkir's IR optimizer driver", args=args)

    def register_all_dialects(self) -> None:
        for name, factory in zkir_dialects().items():
            self.ctx.register_dialect(name, factory)
        self.ctx.load_registered_dialect("builtin")

    def register_all_passes(self) -> None:
        for name, factory in available_passes().items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        from xdsl.targets.mlir import MLIRTarget

        self.available_targets["mlir"] = lambda: MLIRTarget

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        """Check string literals first (zkir.ir_io.check_strings, linear time):
        xDSL's lexer backtracks exponentially on an unterminated one."""
        if file_extension == "mlir":
            from zkir.ir_io import check_strings

            data = chunk.read()
            check_strings(data.decode("utf-8"), self.get_input_name(), start_offset)
            chunk = io.BytesIO(data)
        return super().parse_chunk(chunk, file_extension, start_offset)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.formatter_class = argparse.RawDescriptionHelpFormatter
        arg_parser.epilog = _pass_summaries()
        arg_parser.add_argument(
            "--pass-pipeline",
            help="MLIR-style pipeline, e.g. 'builtin.module(ml-canonicalize)'",
        )
        arg_parser.add_argument(
            "--debug", action="store_true", help="show Python tracebacks on errors"
        )

    def setup_pipeline(self) -> None:
        if self.args.pass_pipeline:
            if self.args.passes:
                raise PipelineError("give either -p or --pass-pipeline, not both")
            self.args.passes = normalise_spec(self.args.pass_pipeline)
        try:
            super().setup_pipeline()
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit):
                raise
            from zkir.pass_pipeline import pipeline

            pipeline(self.args.passes)  # raises the one-line PipelineError
            raise


def _one_line(e: BaseException, input_name: str) -> str:
    """A compiler-style `file:line:col: message` for any error zkir-opt meets."""
    from xdsl.utils.exceptions import ParseError

    from zkir.ir_io import IRTextError

    if isinstance(e, IRTextError):
        return str(e)
    if isinstance(e, ParseError):
        loc = e.span.get_location()
        return f"{loc}: {e.msg}"
    if isinstance(e, FileNotFoundError):
        return f"{e.filename}: no such file"
    text = " ".join(
        line.strip() for line in str(e).splitlines() if line.strip().strip("^")
    )
    return f"{input_name}: {text or type(e).__name__}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    input_name = "<stdin>"
    try:
        driver = ZkirOptMain(args=argv)
        input_name = driver.args.input_file or input_name
        driver.run()
    except PipelineError as e:
        if debug:
            raise
        print(f"zkir-opt: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:
        if debug:
            raise
        print(f"zkir-opt: error: {_one_line(e, input_name)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
