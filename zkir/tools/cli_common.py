"""What every `zkir` subcommand module shares: the registry, CliError, input parsing.

Why a module of its own: zkir.tools.cli imports the subcommand modules
(cli_proofs, cli_srs) to build its parser, and they need `subcommand`,
`CliError` and the input helpers; with these here every import points one way
(cli -> cli_proofs/cli_srs -> cli_common), never back.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkir.errors import ZkirError

if TYPE_CHECKING:
    import numpy as np

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
        SUBCOMMANDS[name] = (help, configure)
        return configure

    return register


# ---------------------------------------------------------------------------
# Shared helpers: shapes, inputs
# ---------------------------------------------------------------------------


def parse_input_shapes(specs: Sequence[str] | None) -> dict[str, list[int]] | list[int] | None:
    """`1,64` (the only input) or `name=1,64`, repeatable."""
    if not specs:
        return None
    named: dict[str, list[int]] = {}
    bare: list[int] | None = None
    for spec in specs:
        name, _, dims = spec.rpartition("=")
        try:
            shape = [int(d) for d in dims.replace("x", ",").split(",") if d.strip()]
        except ValueError:
            raise CliError(f"--input-shape '{spec}': expected NAME=D1,D2,... or D1,D2,...") from None
        if name:
            named[name] = shape
        else:
            bare = shape
    if bare is not None and named:
        raise CliError("--input-shape: give every shape with a name, or one shape without")
    return bare if bare is not None else named


def read_inputs(path: str | Path) -> dict | list:
    """The JSON in `path` (an input file), or a one-line CliError."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CliError(f"{path}: not valid JSON ({e})") from None
    return data


def _array(value: Any, what: str) -> np.ndarray:
    import numpy as np

    try:
        arr = np.asarray(value)
    except ValueError:
        raise CliError(f"{what}: a ragged nested list (rows of different lengths)") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise CliError(f"{what}: must be a nested list of numbers")
    return arr


def input_arrays(data: Any, input_names: Sequence[str] | None = None) -> dict[str, np.ndarray] | np.ndarray:
    """input.json -> {name: array} or one bare array."""
    if isinstance(data, dict):
        return {k: _array(v, f"input '{k}'") for k, v in data.items()}
    return _array(data, "input")
