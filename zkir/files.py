"""Crash-safe writes: a file zkir writes is either the old one or the whole new one.

And the reading side of the same promise: `read_json` turns any file that is not
the JSON it should be (missing, not UTF-8, a parse error, nested too deeply for
the parser) into one FileFormatError naming the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class FileFormatError(ValueError):
    """A file zkir reads is not in its format: one line naming the file.
    (A ValueError, as zkir.files is a leaf that imports nothing of zkir; the
    command line prints it as one line with exit code 2.)"""


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def _write_synced(tmp: Path, data: bytes | str, path: Path) -> None:
    payload = data.encode() if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        if e.filename is None or e.filename == str(tmp):
            # a full disk or a size limit: name the file being written, not the temporary one
            raise OSError(e.errno, e.strerror or str(e), str(path)) from None
        raise


def _sync_directory(path: Path) -> None:
    """Make a rename in `path`'s directory durable (where the OS allows it)."""
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path = Path(path)
    tmp = _temporary(path)
    try:
        _write_synced(tmp, data, path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _sync_directory(path)


class StagedWrites:
    """Files that belong together (an SRS and the keys made from it): `write` puts
    each in a flushed temporary file, and only when every one is written are
    they renamed into place, so a fault while writing any of them leaves all the
    old files. (A kill between two renames can still leave a mix: readers check
    that the files belong together, see zkir.workflow.prove.)"""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []

    def write(self, path: str | os.PathLike, data: bytes | str) -> None:
        path = Path(path)
        tmp = _temporary(path)
        if any(t == tmp for t, _ in self.staged):
            raise ValueError(f"{path} is written twice")
        self.staged.append((tmp, path))
        _write_synced(tmp, data, path)

    def commit(self) -> None:
        for tmp, path in self.staged:
            os.replace(tmp, path)
        for path in {p.parent: p for _, p in self.staged}.values():
            _sync_directory(path)
        self.staged = []

    def discard(self) -> None:
        for tmp, _ in self.staged:
            if tmp.exists():
                tmp.unlink()
        self.staged = []


@contextmanager
def staged_writes() -> Iterator[StagedWrites]:
    """`with staged_writes() as files: files.write(a, ...); files.write(b, ...)`:
    all renamed into place at the end of the block, none if it raises."""
    files = StagedWrites()
    try:
        yield files
        files.commit()
    finally:
        files.discard()


class _NotJson(ValueError):
    pass


def parse_json(data: str | bytes, what: str, integers_only: bool = False) -> Any:
    """JSON text -> value, or one FileFormatError that names `what`.

    NaN and Infinity (which Python's parser accepts, JSON does not) and
    duplicate keys are errors too; with `integers_only`, so is every number
    not written as a plain integer (1.0, 1e2, -0)."""

    def constant(name: str) -> Any:
        raise _NotJson(f"{name} is not a JSON number")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise _NotJson(f"duplicate key {json.dumps(key)}")
            out[key] = value
        return out

    def no_float(text: str) -> Any:
        raise ValueError(f"{text} is not an integer")

    def canonical_int(text: str) -> int:
        if text == "-0":
            raise ValueError("-0 is not an integer in canonical form")
        return int(text)

    hooks: dict[str, Any] = {"parse_float": no_float, "parse_int": canonical_int} if integers_only else {}
    try:
        return json.loads(data, parse_constant=constant, object_pairs_hook=unique, **hooks)
    except UnicodeDecodeError:
        raise FileFormatError(f"{what}: not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise FileFormatError(f"{what}: not valid JSON ({e})") from None
    except RecursionError:
        raise FileFormatError(f"{what}: not valid JSON (nested too deeply)") from None
    except _NotJson as e:
        raise FileFormatError(f"{what}: not valid JSON ({e})") from None
    except ValueError as e:  # from the hooks above (and int() of a number too long to convert)
        raise FileFormatError(f"{what}: {e}") from None


def read_json(path: str | os.PathLike, what: str = "") -> Any:
    """The JSON value in `path`; a missing or malformed file is one FileFormatError
    naming it (`what` says what the file should be, e.g. "settings")."""
    path = Path(path)
    label = f"{path} ({what})" if what else str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise FileFormatError(f"{label}: a directory, not a file") from None
    return parse_json(data, label)
