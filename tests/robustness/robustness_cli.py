"""The `zkir` command line run in this process, for the robustness tests (the
fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from zkir.tools.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MLP = EXAMPLES / "digits_mlp" / "model.onnx"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def one_line_error(self) -> str:
        """Bad input: exit 2, exactly one line on stderr, no traceback; that line."""
        assert self.code == 2, (self.code, self.out, self.err)
        assert len(self.err_lines) == 1, self.err
        assert "Traceback" not in self.err + self.out
        return self.err_lines[0]


NOT_QUIET = ("import", "run")
"""Subcommands without -q (they print no progress)."""


def zkir(*argv: str) -> Run:
    """`zkir ARGV -q` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    quiet = [] if argv and argv[0] in NOT_QUIET else ["-q"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*argv, *quiet])
        except SystemExit as e:  # argparse
            code = int(e.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def verify_args(build: Path, proof: Path | None = None) -> list[str]:
    return ["verify", str(build), str(proof or build / "proof.bin"), "--allow-insecure-srs"]
