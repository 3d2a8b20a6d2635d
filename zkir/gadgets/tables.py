"""Lookup tables: fixed columns tabulating a range or an integer nonlinearity.

Every table has a leading tag column (1 on table rows). Lookups send
(selector, selector * v, ...) so that rows where a gadget is off send all zeros,
which every table holds in the rows below its last entry, whatever f(0) is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from zkir.errors import ZkirError


@dataclass(frozen=True)
class TableSpec:
    fn: str
    """"range" (values 0 .. 2^bits - 1) or a name in zkir.interpreter.nonlinear."""
    bits: int
    scale: int = 0
    """Fixed-point scale of the function's output."""
    in_scale: int | None = None
    """Scale of its input, when not `scale` (a root of a sum of squares)."""
    lo: int | None = None
    hi: int | None = None
    """With both: the table holds exactly the inputs lo..hi (sized to a clamp or
    to calibration samples), not the symmetric 2^bits around zero."""

    @property
    def name(self) -> str:
        """Content-named: every parameter that changes `contents()` is in the name
        (fn, bits, and for a function its output scale and, when it differs, its
        input scale; a range table ignores scales). No function name ends in a
        digit, so bits cannot be read into it; `TableRegistry` still refuses
        two different tables under one name."""
        if self.fn == "range":
            return f"range{self.bits}"
        inner = "" if self.in_scale in (None, self.scale) else f"_in{self.in_scale}"
        if self.ranged:
            return f"{self.fn}_{_signed(self.lo)}_{_signed(self.hi)}_s{self.scale}{inner}"
        return f"{self.fn}{self.bits}_s{self.scale}{inner}"

    @property
    def ranged(self) -> bool:
        return self.lo is not None and self.hi is not None

    @property
    def width(self) -> int:
        """Columns, the tag included."""
        return 2 if self.fn == "range" else 3

    @property
    def size(self) -> int:
        lo, hi = self.input_range()
        return hi - lo

    def describe(self) -> str:
        in_scale = "" if self.in_scale in (None, self.scale) else f", in_scale={self.in_scale}"
        inputs = f"inputs={self.lo}..{self.hi}" if self.ranged else f"bits={self.bits}"
        return f"{self.fn}({inputs}, scale={self.scale}{in_scale})"

    def input_range(self) -> tuple[int, int]:
        """[lo, hi) of the values a lookup into this table accepts."""
        if self.fn == "range":
            return 0, 1 << self.bits
        if self.lo is not None and self.hi is not None:
            return self.lo, self.hi + 1
        half = 1 << (self.bits - 1)
        return -half, half

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The integer reference function this table tabulates."""
        from zkir.interpreter.nonlinear import NONLINEARITIES

        in_scale = self.scale if self.in_scale is None else self.in_scale
        fn = NONLINEARITIES[self.fn]
        return np.asarray(fn(np.asarray(x, dtype=np.int64), scale=self.scale, in_scale=in_scale), dtype=np.int64)

    def contents(self) -> list[np.ndarray]:
        """The table's columns (tag first), `size` rows each."""
        lo, hi = self.input_range()
        x = np.arange(lo, hi, dtype=np.int64)
        tag = np.ones(self.size, dtype=np.int64)
        if self.fn == "range":
            return [tag, x]
        y = self.apply(x)
        return [tag, x, np.asarray(y, dtype=np.int64)]


    def content_key(self) -> tuple[Any, ...]:
        """What determines `contents()`: equal keys, equal tables."""
        if self.fn == "range":
            return ("range", self.bits)
        in_scale = self.scale if self.in_scale is None else self.in_scale
        return (self.fn, self.input_range(), self.scale, in_scale)


def _signed(v: int | None) -> str:
    """An integer in a symbol name: m for minus."""
    return f"m{-v}" if v is not None and v < 0 else str(v)


def content_digest(*parts: bytes) -> str:
    """A short hex blake2b digest naming a table after what it holds."""
    h = hashlib.blake2b(digest_size=6)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


class Table(Protocol):
    """What every lookup table (TableSpec, EmbeddingTable) offers the registry,
    the lowering (its plonk.lookup_table) and the gadget checker."""

    @property
    def name(self) -> str: ...

    @property
    def fn(self) -> str: ...

    @property
    def bits(self) -> int: ...

    @property
    def scale(self) -> int: ...

    @property
    def in_scale(self) -> int | None: ...

    @property
    def width(self) -> int: ...

    @property
    def size(self) -> int: ...

    def contents(self) -> list[np.ndarray]: ...

    def content_key(self) -> tuple[Any, ...]: ...


class TableClashError(ZkirError, ValueError):
    """Two different tables under one name: lookups into one would read the other."""


class TableRegistry:
    """The lookup tables of one circuit, by name, refusing two contents per name.

    Lookup arguments, table columns and (for embeddings) the gadget key are all
    found by table name, so if two tables could share a name the circuit would
    tabulate only one of them and every lookup meant for the other would be
    checked against it: a prover could read the first table where the second is
    meant. Registering every table a gadget uses, at every placement, makes that
    merge an error instead (identical contents still share one table).
    """

    def __init__(self) -> None:
        self._tables: dict[str, tuple[Table, tuple[Any, ...], str]] = {}

    def register(self, table: Table, user: str = "") -> Table:
        """Add `table` (used by `user`), or return the equal one already there."""
        key = table.content_key()
        found = self._tables.get(table.name)
        if found is None:
            self._tables[table.name] = (table, key, user)
            return table
        existing, existing_key, existing_user = found
        if existing_key != key:
            first = f" (used by {existing_user})" if existing_user else ""
            second = f" (used by {user})" if user else ""
            raise TableClashError(
                f"lookup table '{table.name}': two different tables share this name: "
                f"{_describe(existing)}{first} and {_describe(table)}{second}"
            )
        return existing

    def __contains__(self, name: str) -> bool:
        return name in self._tables

    def __getitem__(self, name: str) -> Table:
        return self._tables[name][0]

    def values(self) -> list[Table]:
        """The tables in registration order."""
        return [t for t, _, _ in self._tables.values()]

    def __len__(self) -> int:
        return len(self._tables)


def _describe(table: Table) -> str:
    describe = getattr(table, "describe", None)
    return describe() if callable(describe) else repr(table)
