"""Gather with run-time indices: rows of a constant table picked by values
computed in (or given to) the circuit, such as token ids.

The table is tabulated in fixed columns as (row, column, value) triples, so it is
bound by the verifying key. Each output element is one lookup of
(index, c, value), where c is the element's column, a per-slot constant held in
a fixed column of the gadget (its role `c<slot>`). Looking up the row itself,
not a key row * width + column, leaves a prover no room for an index that is not
a row number (a field element that would land the key in another column).

A table is named after its contents (`EmbeddingTable.content_name`: a readable
label plus a digest of the matrix's shape and values), never after the node
that reads it alone: node names collide once sanitized ("emb.x" and "emb_x",
or two unnamed gathers), and two matrices under one name would become one
table, so a proof could read the first matrix where the model reads the second.
Gathers from one matrix still share one table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zkir.gadgets.base import (
    Assignment,
    CellFn,
    Gadget,
    LookupSpec,
    PortCells,
    SelectorFn,
    fill_unused,
    packed_items,
    packed_rows,
)
from zkir.gadgets.tables import content_digest


@dataclass(frozen=True)
class EmbeddingTable:
    """A constant matrix as a lookup table: tag, row, column, value columns."""

    name: str
    values: np.ndarray = field(compare=False, hash=False)

    fn = "embedding"

    @staticmethod
    def content_name(label: str, values: np.ndarray) -> str:
        """embed_<label>_<digest>: the digest covers the shape and every value, so
        two different matrices never get one name, whatever their labels."""
        clean = "".join(c if c.isalnum() or c == "_" else "_" for c in label) or "table"
        return f"embed_{clean}_{EmbeddingTable.digest(values)}"

    @staticmethod
    def digest(values: np.ndarray) -> str:
        """A short digest of a matrix's shape and int64 values."""
        array = np.ascontiguousarray(np.asarray(values, dtype=np.int64), dtype="<i8")
        return content_digest(b"embedding", np.asarray(array.shape, dtype="<i8").tobytes(), array.tobytes())

    def content_key(self) -> tuple[object, ...]:
        """Exactly what `contents()` tabulates (TableRegistry compares it)."""
        array = np.ascontiguousarray(np.asarray(self.values, dtype=np.int64), dtype="<i8")
        return ("embedding", tuple(array.shape), array.tobytes())

    def describe(self) -> str:
        shape = "x".join(str(d) for d in np.shape(self.values))
        return f"embedding({shape} matrix, digest {EmbeddingTable.digest(self.values)})"

    @property
    def width(self) -> int:
        return 4

    @property
    def row_width(self) -> int:
        return int(self.values.shape[1])

    @property
    def size(self) -> int:
        return int(self.values.size)

    @property
    def bits(self) -> int:
        return max(1, (self.size - 1).bit_length())

    @property
    def scale(self) -> int:
        return 0

    in_scale = None

    @property
    def data_attr(self):
        """The matrix as an IR attribute, for the plonk.lookup_table that holds it."""
        from zkir.dialects.resources import dense_attr

        return dense_attr(np.asarray(self.values, dtype=np.int64), self.name)

    def contents(self) -> list[np.ndarray]:
        values = np.asarray(self.values, dtype=np.int64)
        rows, cols = np.indices(values.shape)
        return [np.ones(values.size, dtype=np.int64), rows.ravel(), cols.ravel(), values.ravel()]


class EmbeddingGadget(Gadget):
    kind = "embed"

    def __init__(self, columns: int, table: EmbeddingTable):
        self.table = table
        super().__init__(columns)
        self.selector_roles = ("q", *(f"c{j}" for j in range(self.per_row)))

    @classmethod
    def min_columns(cls) -> int:
        return 2

    @property
    def key(self) -> str:
        return f"embed_{self.table.name}"

    @property
    def per_row(self) -> int:
        return self.columns // 2

    def tables(self) -> dict[str, Any]:
        return {self.table.name: self.table}

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        return []

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        q = selector("q")
        return [
            LookupSpec(
                f"{self.key}_{j}",
                [q, q * cell(2 * j, 0), selector(f"c{j}"), q * cell(2 * j + 1, 0)],
                self.table.name,
            )
            for j in range(self.per_row)
        ]

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["indices"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        """`indices` has the output's shape: each element's row index."""
        index = np.asarray(inputs["indices"], dtype=np.int64)
        rows_in_table, w = self.table.values.shape
        if index.size and (index.min() < 0 or index.max() >= rows_in_table):
            raise OverflowError(
                f"embed: an index is outside the table's {rows_in_table} rows"
            )
        column = np.broadcast_to(np.arange(w, dtype=np.int64), index.shape[:-1] + (w,)) if index.shape[-1:] == (w,) else None
        if column is None:
            raise ValueError(f"embed: indices must end in the table width {w}, got shape {list(index.shape)}")
        out = np.asarray(self.table.values, dtype=np.int64)[index, column]
        rows, slot, row = packed_items(index.size, self.per_row, 2)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        cells[row, slot] = index.ravel()
        cells[row, slot + 1] = out.ravel()
        # unused slots look up (0, 0, table[0, 0])
        selectors = {"q": np.ones(rows, dtype=np.int64)}
        offsets = np.zeros((rows, self.per_row), dtype=np.int64)
        offsets.ravel()[: index.size] = column.ravel()
        for j in range(self.per_row):
            selectors[f"c{j}"] = offsets[:, j]
        fill_unused(cells, index.size, self.per_row, 2, {1: int(self.table.values.ravel()[0])})
        return Assignment(
            cells,
            selectors,
            {"indices": PortCells.dense(index.shape, slot, row), "out": PortCells.dense(index.shape, slot + 1, row)},
            {"out": out},
        )
