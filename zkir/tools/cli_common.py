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
