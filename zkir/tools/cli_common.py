"""What every `zkir` subcommand module shares: the registry, CliError, input parsing.

Why a module of its own: zkir.tools.cli imports the subcommand modules
(cli_proofs, cli_srs) to build its parser, and they need `subcommand`,
`CliError` and the input helpers; with these here every import points one way
(cli -> cli_proofs/cli_srs -> cli_common), never back.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkir.errors import ZkirError
from zkir.files import FileFormatError, read_json

if TYPE_CHECKING:
    import numpy as np

_NEGATIVE_VALUE = re.compile(r"^-\d[\d,x.]*$|^-\.\d+$")
"""Arguments that start with '-' but are values (a negative number, a shape like -1,64)."""

Runner = Callable[[argparse.Namespace], int]
Configure = Callable[[argparse.ArgumentParser], Runner]
"""Adds a subcommand's arguments to its parser; returns the function that runs it."""
SUBCOMMANDS: dict[str, tuple[str, Configure]] = {}
"""Name -> (help, configure): filled by @subcommand as the modules are imported."""


class CliError(ZkirError):
    """A user-facing error: printed as one line, exit code 2."""


def subcommand(name: str, help: str) -> Callable[[Configure], Configure]:
    """Register `configure(parser) -> runner` as the subcommand `name`."""

    def register(configure: Configure) -> Configure:
        def configure_parser(p: argparse.ArgumentParser) -> Runner:
            # `--input-shape -1,64` is a (bad) shape, not an unknown option: argparse
            # passes on as values only what this matches, and then says why it is bad
            p._negative_number_matcher = _NEGATIVE_VALUE
            return configure(p)

        SUBCOMMANDS[name] = (help, configure_parser)
        return configure

    return register


# ---------------------------------------------------------------------------
# Progress of the long commands
# ---------------------------------------------------------------------------

_OPEN: list[PhaseProgress] = []
"""Progress displays not yet closed: main() closes them before it prints an error."""


class PhaseProgress:
    """Shows each progress message of a long command (setup, prove) as a phase,
    with the time since the command started: on a terminal a rich display (a
    spinner on the running phase, each finished phase with its duration), else
    one plain line a phase on stderr. Messages starting with "warning:" show
    even when quiet; nothing else does.

    Why rich and not print: a phase of a large prove runs for minutes, and a
    ticking clock on it says the prover is working, not hung."""

    def __init__(self, command: str, quiet: bool = False, terminal: bool | None = None):
        import sys
        import time

        self.command, self.quiet = command, quiet
        self.start = time.perf_counter()
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._rich: Any = None
        self._task: Any = None

    def __call__(self, message: str) -> None:
        import sys
        import time

        if self.quiet and not message.startswith("warning:"):
            return
        elapsed = time.perf_counter() - self.start
        if not self.terminal or message.startswith("warning:"):
            self._finish_task()
            print(f"zkir {self.command}: {message} [{elapsed:.1f} s]", file=sys.stderr, flush=True)
            return
        if self._rich is None:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._rich = Progress(SpinnerColumn(finished_text="[green]done"), TimeElapsedColumn(),
                                  TextColumn("{task.description}"), console=Console(stderr=True))
            self._rich.start()
            _OPEN.append(self)
        self._finish_task()
        self._task = self._rich.add_task(f"{self.command}: {message}", total=None)

    def _finish_task(self) -> None:
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, total=1, completed=1)
            self._task = None

    def close(self) -> None:
        """Stop the display (a no-op for plain lines); the last phase is done."""
        if self._rich is not None:
            self._finish_task()
            self._rich.stop()
            self._rich = None
        if self in _OPEN:
            _OPEN.remove(self)


def close_progress() -> None:
    """Close every open progress display (before a result or an error is printed)."""
    for progress in list(_OPEN):
        progress.close()


# ---------------------------------------------------------------------------
# Shared helpers: shapes, inputs
# ---------------------------------------------------------------------------


def parse_input_shapes(specs: Sequence[str] | None) -> dict[str, list[int]] | list[int] | None:
    """`1,64` (the only input) or `name=1,64`, repeatable; every dimension a positive integer."""
    if not specs:
        return None
    named: dict[str, list[int]] = {}
    bare: list[int] | None = None
    for spec in specs:
        name, _, dims = spec.rpartition("=")
        parts = [d.strip() for d in dims.replace("x", ",").split(",")]
        try:
            shape = [int(d) for d in parts]
        except ValueError:
            raise CliError(f"--input-shape '{spec}': expected NAME=D1,D2,... or D1,D2,... (integers)") from None
        if any(d < 1 for d in shape):
            raise CliError(f"--input-shape '{spec}': dimensions must be positive integers")
        if name in named or (not name and bare is not None):
            raise CliError(f"--input-shape '{spec}': {'input ' + repr(name) if name else 'the input'} has a shape already")
        if name:
            named[name] = shape
        else:
            bare = shape
    if bare is not None and named:
        raise CliError("--input-shape: give every shape with a name, or one shape without")
    return bare if bare is not None else named


def read_inputs(path: str | Path) -> dict | list:
    """The JSON in `path` (an input file), or a one-line CliError."""
    try:
        return read_json(path)
    except FileFormatError as e:
        raise CliError(str(e)) from None


def _array(value: Any, what: str) -> np.ndarray:
    import numpy as np

    try:
        arr = np.asarray(value)
    except ValueError as e:
        why = ("nested more deeply than an array can be" if "maximum number of dimension" in str(e)
               else "a ragged nested list (rows of different lengths)")
        raise CliError(f"{what}: {why}") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise CliError(f"{what}: must be a nested list of numbers")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        index = [int(i) for i in np.argwhere(~np.isfinite(arr))[0]]
        raise CliError(f"{what}: value {arr[tuple(index)]} at index {index}: inputs must be finite numbers")
    return arr


def input_arrays(data: Any, input_names: Sequence[str] | None = None) -> dict[str, np.ndarray] | np.ndarray:
    """input.json -> {name: array} or one bare array."""
    if isinstance(data, dict):
        return {k: _array(v, f"input '{k}'") for k, v in data.items()}
    return _array(data, "input")
