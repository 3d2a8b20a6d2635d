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

from xdsl.ir import Attribute

from zkir.dialects.gadget import LayoutChoice
from zkir.dialects.resources import dense_attr, to_numpy
from zkir.gadgets.base import Assignment, CellFn, GadgetParams, SelectorFn, TableLookupGadget
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
    def data_attr(self) -> Attribute:
        """The matrix as an IR attribute, for the plonk.lookup_table that holds it."""
        return dense_attr(np.asarray(self.values, dtype=np.int64), self.name)

    def contents(self) -> list[np.ndarray]:
        values = np.asarray(self.values, dtype=np.int64)
        rows, cols = np.indices(values.shape)
        return [np.ones(values.size, dtype=np.int64), rows.ravel(), cols.ravel(), values.ravel()]


@dataclass(frozen=True)
class EmbeddingParams(GadgetParams):
    table: str
    """The table's content name (EmbeddingTable.content_name)."""
    value: Attribute
    """The matrix, as the gadget.constant holding it."""

    @classmethod
    def of_op(cls, values: Mapping[str, Any], layout: LayoutChoice | None = None) -> EmbeddingParams:
        """Named after its contents, not only the node: sanitized node names collide."""
        matrix = values["value"]
        return cls(EmbeddingTable.content_name(str(values["label"]), to_numpy(matrix)), matrix)


class EmbeddingGadget(TableLookupGadget):
    kind = "embed"
    Params = EmbeddingParams
    table: EmbeddingTable
    input_port = "indices"

    def __init__(self, columns: int, table: EmbeddingTable):
        self.table = table
        super().__init__(columns)
        self.selector_roles = ("q", *(f"c{j}" for j in range(self.per_row)))

    @classmethod
    def build(cls, columns: int, params: GadgetParams) -> EmbeddingGadget:
        assert isinstance(params, EmbeddingParams)
        return cls(columns, EmbeddingTable(params.table, to_numpy(params.value)))

    @classmethod
    def evaluate(cls, params: EmbeddingParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        index = np.asarray(inputs["indices"], dtype=np.int64)
        return to_numpy(params.value).astype(np.int64)[index, np.arange(index.shape[-1])]

    @property
    def key(self) -> str:
        return f"embed_{self.table.name}"

    def lookup_inputs(self, j: int, cell: CellFn, selector: SelectorFn) -> list[Any]:
        """(q, q index, c_j, q value): c_j is the slot's table column, fixed per row."""
        q = selector("q")
        return [q, q * cell(2 * j, 0), selector(f"c{j}"), q * cell(2 * j + 1, 0)]

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        """`indices` has the output's shape: each element's row index."""
        index = np.asarray(inputs["indices"], dtype=np.int64)
        rows_in_table, w = self.table.values.shape
        if index.size and (index.min() < 0 or index.max() >= rows_in_table):
            raise OverflowError(
                f"embed: an index is outside the table's {rows_in_table} rows"
            )
        if index.shape[-1:] != (w,):
            raise ValueError(f"embed: indices must end in the table width {w}, got shape {list(index.shape)}")
        column = np.broadcast_to(np.arange(w, dtype=np.int64), index.shape)
        out = np.asarray(self.table.values, dtype=np.int64)[index, column]
        # unused slots look up (0, 0, table[0, 0])
        assignment = self.pairs(index, out, int(self.table.values.ravel()[0]))
        offsets = np.zeros((assignment.rows, self.per_row), dtype=np.int64)
        offsets.ravel()[: index.size] = column.ravel()
        for j in range(self.per_row):
            assignment.selectors[f"c{j}"] = offsets[:, j]
        return assignment
