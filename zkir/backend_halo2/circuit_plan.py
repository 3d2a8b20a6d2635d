"""Everything keygen and the prover need from a plonk.circuit, computed once.

Each placement's gadget is rebuilt from its (kind, params) with the same registry
the lowering used, and laid out once on all-zero inputs: where cells and
selectors go depends only on shapes, so this "structure" gives the fixed
columns and the copy constraints before any witness exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Attribute

from zkir.backend_halo2.constraint_system import BackendError, BuiltCircuit, build_constraint_system
from zkir.dialects import plonk
from zkir.dialects.resources import to_numpy
from zkir.gadgets.base import Assignment, Gadget
from zkir.gadgets.registry import IO_KINDS, gadget_for
from zkir.gadgets.embedding import EmbeddingTable
from zkir.gadgets.tables import TableSpec
from zkir.prover import Column


def _python(attr: Attribute) -> Any:
    if isinstance(attr, IntegerAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    return attr


@dataclass
class Placed:
    op: plonk.PlaceOp
    gadget: Gadget
    structure: Assignment
    columns: list[Column]

    @property
    def name(self) -> str:
        return self.op.sym_name.data

    @property
    def kind(self) -> str:
        return self.op.gadget.data

    @property
    def row(self) -> int:
        return self.op.row.value.data

    def param(self, key: str) -> Any:
        attr = self.op.param(key)
        return None if attr is None else _python(attr)


def find_circuit(module: ModuleOp) -> plonk.CircuitOp:
    for op in module.walk():
        if isinstance(op, plonk.CircuitOp):
            return op
    raise BackendError("the module holds no plonk.circuit (run convert-gadget-to-plonk)")


class CircuitPlan:
    def __init__(self, circuit: plonk.CircuitOp):
        self.circuit = circuit
        self.k = circuit.k.value.data
        self.built: BuiltCircuit = build_constraint_system(circuit)
        self.usable = self.built.cs.usable_rows(self.k)
        if self.usable < circuit.usable_rows:
            raise BackendError(
                f"the prover leaves {self.usable} usable rows, the layout assumed {circuit.usable_rows}"
            )
        self.places: dict[str, Placed] = {}
        for op in circuit.body.ops:
            if isinstance(op, plonk.PlaceOp):
                self.places[op.sym_name.data] = self._place(op)
        self.copies = [op for op in circuit.body.ops if isinstance(op, plonk.CopyOp)]
        self.copies_into: dict[tuple[str, str], list[plonk.CopyOp]] = {}
        """(placement, port) -> the copies that fill it, for the witness."""
        for copy in self.copies:
            self.copies_into.setdefault((copy.dst.root_reference.data, copy.dst_port.data), []).append(copy)
        self.tables = [op for op in circuit.body.ops if isinstance(op, plonk.LookupTableOp)]

    @property
    def cs(self):
        return self.built.cs

    def column(self, name: str) -> Column:
        return self.built.columns[name]

    def _place(self, op: plonk.PlaceOp) -> Placed:
        params = {k: _python(v) for k, v in (op.params.data.items() if op.params else [])}
        width = len(op.columns.data)
        g = gadget_for(op.gadget.data, width, params)
        shapes = op.port_shapes()
        if op.gadget.data in IO_KINDS:
            port = IO_KINDS[op.gadget.data]
            inputs = {port: np.zeros(shapes[port], dtype=np.int64)}
        else:
            inputs = g.structure_inputs({p: s for p, s in shapes.items() if p not in ("out", "zeros")})
        structure = g.assign(inputs)
        if structure.rows != op.rows.value.data:
            raise BackendError(
                f"placement @{op.sym_name.data}: gadget '{op.gadget.data}' fills "
                f"{structure.rows} rows, the layout gave it {op.rows.value.data}"
            )
        columns = [self.built.columns[name] for name in op.column_names]
        return Placed(op, g, structure, columns)

    def io_places(self) -> list[Placed]:
        """The input placements, then the output placements, in program order."""
        places = list(self.places.values())
        return [p for p in places if p.kind == "input"] + [p for p in places if p.kind == "output"]

    def rows_used(self) -> int:
        """Rows of the tallest column band (advice, fixed, instance)."""
        return max((p.row + p.structure.rows for p in self.places.values()), default=0)

    def placement_at(self, row: int) -> Placed | None:
        """The gadget placement (not an io one) covering `row` of the advice band."""
        for p in self.places.values():
            if p.kind not in IO_KINDS and p.row <= row < p.row + p.structure.rows:
                return p
        return None

    def pinned_advice(self) -> dict[int, np.ndarray]:
        """Advice columns holding only private weights, with those weights: the
        keys pin them, so a proof can only be made with this model's weights."""
        held = {
            c.index
            for p in self.places.values()
            if p.kind == "constant"
            for c in p.columns
            if c.kind == "advice"
        }
        shared = {
            c.index
            for p in self.places.values()
            if p.kind != "constant"
            for c in p.columns
            if c.kind == "advice"
        }
        pinned = {i: np.zeros(self.usable, dtype=np.int64) for i in held - shared}
        for placed in self.places.values():
            if placed.kind != "constant" or not all(c.index in pinned and c.kind == "advice" for c in placed.columns):
                continue
            values = to_numpy(placed.op.param("value")).astype(np.int64)
            cells = placed.gadget.assign({"out": values}).cells
            for slot, column in enumerate(placed.columns):
                pinned[column.index][placed.row : placed.row + cells.shape[0]] = cells[:, slot]
        return pinned

    # -- fixed columns ------------------------------------------------------------
    def fixed_columns(self) -> list[np.ndarray]:
        cs = self.cs
        fixed = [np.zeros(self.usable, dtype=np.int64) for _ in range(cs.num_fixed)]
        for placed in self.places.values():
            rows = slice(placed.row, placed.row + placed.structure.rows)
            for role, column in placed.op.selector_columns().items():
                fixed[self.column(column).index][rows] = placed.structure.selectors[role]
            if placed.kind == "constant" and placed.columns[0].kind == "fixed":
                values = to_numpy(placed.op.param("value")).astype(np.int64)
                cells = placed.gadget.assign({"out": values}).cells
                for slot, col in enumerate(placed.columns):
                    fixed[col.index][rows] = cells[:, slot]
        for table in self.tables:
            in_scale = table.in_scale.value.data if table.in_scale is not None else None
            if table.data is not None:
                spec = EmbeddingTable(table.sym_name.data, to_numpy(table.data))
            else:
                spec = TableSpec(table.fn.data, table.bits.value.data, table.scale.value.data, in_scale)
            for ref, values in zip(table.columns.data, spec.contents()):
                fixed[self.column(ref.root_reference.data).index][: spec.size] = values
        return fixed

    # -- copy constraints -----------------------------------------------------------
    def copy_constraints(self) -> list[tuple[Column, np.ndarray, Column, np.ndarray]]:
        """(column, rows, column, rows) groups, one per pair of columns wired."""
        src_cols, src_rows, dst_cols, dst_rows = [], [], [], []
        col_ids: dict[Column, int] = {}
        by_id: list[Column] = []

        def gid(c: Column) -> int:
            if c not in col_ids:
                col_ids[c] = len(by_id)
                by_id.append(c)
            return col_ids[c]

        for copy in self.copies:
            src = self.places[copy.src.root_reference.data]
            dst = self.places[copy.dst.root_reference.data]
            sport = src.structure.ports[copy.src_port.data]
            dport = dst.structure.ports[copy.dst_port.data]
            src_size = int(np.prod(sport.shape, dtype=np.int64))
            dst_size = int(np.prod(dport.shape, dtype=np.int64))
            index = copy.index_map(dst_size, src_size)
            wanted = index[dport.elem]
            keep = wanted >= 0
            s_slot, s_row = sport.first_cells()
            src_ids = np.array([gid(c) for c in src.columns], dtype=np.int64)
            dst_ids = np.array([gid(c) for c in dst.columns], dtype=np.int64)
            src_cols.append(src_ids[s_slot[wanted[keep]]])
            src_rows.append(src.row + s_row[wanted[keep]])
            dst_cols.append(dst_ids[dport.slot[keep]])
            dst_rows.append(dst.row + dport.row[keep])
        if not src_cols:
            return []
        sc, sr = np.concatenate(src_cols), np.concatenate(src_rows)
        dc, dr = np.concatenate(dst_cols), np.concatenate(dst_rows)
        pair = sc * len(by_id) + dc
        order = np.argsort(pair, kind="stable")
        pair, sr, dr = pair[order], sr[order], dr[order]
        starts = np.flatnonzero(np.r_[True, np.diff(pair) != 0])
        ends = np.r_[starts[1:], len(pair)]
        out = []
        for a, b in zip(starts, ends):
            p = int(pair[a])
            out.append((by_id[p // len(by_id)], sr[a:b], by_id[p % len(by_id)], dr[a:b]))
        return out
