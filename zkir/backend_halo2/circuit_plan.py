"""Everything keygen and the prover need from a plonk.circuit, computed once.

Each placement's gadget is rebuilt from its (kind, params) with the same registry
the lowering used, and laid out once on all-zero inputs: where cells and
selectors go depends only on shapes, so this "structure" gives the fixed
columns and the copy constraints before any witness exists.

Keys bind only what keygen is given. `check_wiring` proves, before keys are
made, that the copy constraints tie every input cell of every gadget to the
cell its plonk.copy names, and `pinned_advice` refuses private weights that the
keys would not bind, so a circuit whose keys let a prover choose a gadget's
inputs or the model's weights freely is never set up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Attribute

from zkir.backend_halo2.constraint_builder import BackendError, BuiltCircuit, build_constraint_system
from zkir.dialects import plonk
from zkir.dialects.resources import to_numpy
from zkir.gadgets.base import Assignment, Gadget
from zkir.gadgets.embedding import EmbeddingTable
from zkir.gadgets.io import IO_KINDS, IORole
from zkir.gadgets.registry import gadget_for
from zkir.gadgets.segments import SegmentTable
from zkir.gadgets.tables import Table, TableClashError, TableRegistry, TableSpec
from zkir.prover import Column
from zkir.prover.constraint_system import ConstraintSystem
from zkir.prover.errors import CircuitError


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
        return self.op.get_row()

    def param(self, key: str) -> Any:
        attr = self.op.param(key)
        return None if attr is None else _python(attr)

    def constant_values(self) -> np.ndarray:
        """A constant placement's tensor (its `value` param), as int64."""
        attr = self.op.param("value")
        if attr is None:
            raise BackendError(f"constant @{self.name} holds no value")
        return to_numpy(attr).astype(np.int64)


SOURCE_KINDS = (IORole.INPUT, IORole.CONSTANT, IORole.ZERO)
"""Placements whose one port is a source: values that enter the wiring."""


def input_ports(placed: Placed) -> list[str]:
    """The ports of a placement that its plonk.copy ops must fill.

    A gadget computes the ports in its assignment's `outputs` (its gates
    constrain them); every other port (operands, a rescale's bias, the `zeros`
    padding of a dot or sum) only holds what its producers hold if it is wired.
    An output placement's `in` is filled the same way; inputs, constants and the
    zero cell are sources. Cells outside every port (a gadget's own structure
    cells, the unused item slots `fill_unused` pads, the free weight halves of a
    dot's padding) are fixed by the gadget's gates alone and never wired.
    """
    if placed.kind in SOURCE_KINDS:
        return []
    if placed.kind == IORole.OUTPUT:
        return [IORole.OUTPUT.port]
    return [port for port in placed.structure.ports if port not in placed.structure.outputs]


def table_spec(op: plonk.LookupTableOp) -> TableSpec | EmbeddingTable | SegmentTable:
    """The contents a plonk.lookup_table tabulates."""
    if op.data is not None:
        return EmbeddingTable(op.sym_name.data, to_numpy(op.data))
    ranged = op.get_input_range()
    segments = op.get_segments()
    if ranged is not None and segments is not None:
        return SegmentTable(op.fn.data, op.get_scale(), op.get_in_scale(), *ranged, *segments)
    lo, hi = ranged if ranged is not None else (None, None)
    return TableSpec(op.fn.data, op.get_bits(), op.get_scale(), op.get_in_scale(), lo, hi)


def _components(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Connected-component label of each of `n` nodes under edges (a[i], b[i]).

    Vectorised union-find: hook each edge's larger root under its smaller one,
    then jump pointers to the roots, until no edge joins two roots. The
    permutation argument makes every cell of a component equal, so "same label"
    is exactly "copy-constrained to each other"."""
    dtype = np.int32 if n < 2**31 else np.int64
    parent = np.arange(n, dtype=dtype)
    a, b = a.astype(dtype), b.astype(dtype)
    touched = np.concatenate([a, b])  # only these ever leave their own root
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            return parent
        lo, hi = np.minimum(pa[differ], pb[differ]), np.maximum(pa[differ], pb[differ])
        np.minimum.at(parent, hi, lo)
        while True:
            jumped = parent[parent[touched]]
            if np.array_equal(jumped, parent[touched]):
                break
            parent[touched] = jumped


def find_circuits(module: ModuleOp) -> list[plonk.CircuitOp]:
    """The module's circuits, in order (several: the shards of one model)."""
    found = [op for op in module.walk() if isinstance(op, plonk.CircuitOp)]
    if not found:
        raise BackendError("the module holds no plonk.circuit (run convert-gadget-to-plonk)")
    return found


def find_circuit(module: ModuleOp) -> plonk.CircuitOp:
    return find_circuits(module)[0]


class CircuitPlan:
    def __init__(self, circuit: plonk.CircuitOp):
        self.circuit = circuit
        self.k = circuit.get_k()
        self.built: BuiltCircuit = build_constraint_system(circuit)
        self.usable = self.built.cs.usable_rows(self.k)
        if self.usable < circuit.usable_rows:
            raise BackendError(
                f"the prover leaves {self.usable} usable rows, the layout assumed {circuit.usable_rows}"
            )
        self.tables = [op for op in circuit.body.ops if isinstance(op, plonk.LookupTableOp)]
        self.table_specs = TableRegistry()
        """The circuit's tables by name; the tables of every placement are checked
        against it, so a placement cannot mean another matrix than the one its
        lookups read."""
        for table in self.tables:
            self._register(table_spec(table), f"plonk.lookup_table @{table.sym_name.data}")
        self.places: dict[str, Placed] = {}
        for op in circuit.body.ops:
            if isinstance(op, plonk.PlaceOp):
                self.places[op.sym_name.data] = self._place(op)
                for spec in self.places[op.sym_name.data].gadget.tables().values():
                    self._register(spec, f"placement @{op.sym_name.data}")
        self.copies = [op for op in circuit.body.ops if isinstance(op, plonk.CopyOp)]
        self.copies_into: dict[tuple[str, str], list[plonk.CopyOp]] = {}
        """(placement, port) -> the copies that fill it, for the witness."""
        for copy in self.copies:
            self.copies_into.setdefault((copy.dst.root_reference.data, copy.dst_port.data), []).append(copy)

    def _register(self, spec: Table, user: str) -> None:
        try:
            self.table_specs.register(spec, user)
        except TableClashError as e:
            raise BackendError(str(e)) from None

    @property
    def cs(self) -> ConstraintSystem:
        return self.built.cs

    def column(self, name: str) -> Column:
        return self.built.columns[name]

    def _place(self, op: plonk.PlaceOp) -> Placed:
        params = {k: _python(v) for k, v in (op.params.data.items() if op.params else [])}
        columns = [self.built.columns[name] for name in op.column_names]
        # the gadget's band is its phase-0 columns; its phase-1 (late) slots come after them
        late = [c.kind == "advice" and self.cs.advice_phase[c.index] == 1 for c in columns]
        width = len(columns) - sum(late)
        if any(late[:width]):
            raise BackendError(f"placement @{op.sym_name.data}: phase-1 columns must come after its phase-0 ones")
        g = gadget_for(op.gadget.data, width, params)
        if g.late_slots != sum(late):
            raise BackendError(
                f"placement @{op.sym_name.data}: gadget '{op.gadget.data}' has {g.late_slots} phase-1 slots, "
                f"the layout gave it {sum(late)} phase-1 columns"
            )
        shapes = op.port_shapes()
        if op.gadget.data in IO_KINDS:
            port = IORole(op.gadget.data).port
            inputs = {port: np.zeros(shapes[port], dtype=np.int64)}
        else:
            skip = {"out", *g.padding_ports, *g.internal_wires.keys(), *g.internal_wires.values()}
            inputs = g.structure_inputs({p: s for p, s in shapes.items() if p not in skip})
        structure = g.assign(inputs)
        if structure.rows != op.get_rows():
            raise BackendError(
                f"placement @{op.sym_name.data}: gadget '{op.gadget.data}' fills "
                f"{structure.rows} rows, the layout gave it {op.get_rows()}"
            )
        return Placed(op, g, structure, columns)

    def io_places(self) -> list[Placed]:
        """The input placements, then the output placements, in program order."""
        places = list(self.places.values())
        return [p for p in places if p.kind == IORole.INPUT] + [p for p in places if p.kind == IORole.OUTPUT]

    def rows_used(self) -> int:
        """Rows of the tallest column band (advice, fixed, instance)."""
        return max((p.row + p.structure.rows for p in self.places.values()), default=0)

    def what_sets_k(self) -> str:
        """Which need fills the circuit's 2^k rows: the gadgets' rows or the
        largest lookup table (each also needs the blinding rows and one spare)."""
        spare = self.circuit.get_blinding_rows() + 1
        tables = sorted(((table_spec(t).size, t.sym_name.data) for t in self.tables), reverse=True)
        rows = self.rows_used()
        if tables and tables[0][0] >= rows:
            size, name = tables[0]
            need, what = size, f"the lookup table {name} ({size} rows)"
        else:
            need, what = rows, f"the gadgets ({rows} rows)"
        if need + spare <= 1 << (self.k - 1):
            return f"k={self.k} was asked for: {what} plus {spare} blinding and spare rows would fit a smaller k"
        return f"k={self.k}: {what} plus {spare} blinding and spare rows need more than 2^{self.k - 1} = {1 << (self.k - 1)}"

    def placement_at(self, row: int) -> Placed | None:
        """The gadget placement (not an io one) covering `row` of the advice band."""
        for p in self.places.values():
            if p.kind not in IO_KINDS and p.row <= row < p.row + p.structure.rows:
                return p
        return None

    def weight_columns(self) -> set[int]:
        """The advice columns that hold private weights, each of which must be pinned.

        A weight in an advice column that other placements also fill cannot be
        pinned (the column's other cells differ in every proof), so nothing would
        bind it: a prover could prove the model with weights of its choosing.
        convert-gadget-to-plonk never lays one out (private weights get a band of
        their own, `w.<i>`), but a plonk circuit from elsewhere may: CircuitError.
        """
        users: dict[int, str] = {}
        for p in self.places.values():
            if p.kind != IORole.CONSTANT:
                for c in p.columns:
                    if c.kind == "advice":
                        users.setdefault(c.index, p.name)
        held: set[int] = set()
        for placed in self.places.values():
            advice = [c for c in placed.columns if c.kind == "advice"]
            if placed.kind != IORole.CONSTANT or not advice:
                continue
            if len(advice) != len(placed.columns):
                raise CircuitError(
                    f"constant @{placed.name} spans advice and {placed.columns[0].kind} columns: "
                    "its advice cells could not be pinned alone"
                )
            for c in advice:
                if c.index in users:
                    raise CircuitError(
                        f"constant @{placed.name} is a private weight in advice column "
                        f"{self.cs.name_of(c)}, which @{users[c.index]} also fills: the keys "
                        "cannot pin it, so no proof would be bound to this weight"
                    )
                held.add(c.index)
        return held

    def pinned_advice(self) -> dict[int, np.ndarray]:
        """Advice columns holding only private weights, with those weights: the
        keys pin them, so a proof can only be made with this model's weights.
        Raises CircuitError for a weight that could not be pinned (`weight_columns`)."""
        pinned = {i: np.zeros(self.usable, dtype=np.int64) for i in sorted(self.weight_columns())}
        for placed in self.places.values():
            if placed.kind != IORole.CONSTANT or placed.columns[0].kind != "advice":
                continue
            values = placed.constant_values()
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
            if placed.kind == IORole.CONSTANT and placed.columns[0].kind == "fixed":
                values = placed.constant_values()
                cells = placed.gadget.assign({"out": values}).cells
                for slot, col in enumerate(placed.columns):
                    fixed[col.index][rows] = cells[:, slot]
        for table in self.tables:
            spec = table_spec(table)
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

    # -- wiring soundness -------------------------------------------------------------
    def check_wiring(
        self, copies: Sequence[tuple[Column, np.ndarray, Column, np.ndarray]] | None = None
    ) -> None:
        """Raise CircuitError unless every input cell is copy-constrained to its source.

        `copies` are the constraints keygen is given (default: `copy_constraints()`).
        Every cell of every input port (`input_ports`) of every placement must lie in
        one permutation cycle with the source cell that its plonk.copy ops name: the
        first cell of the copied element of the source port (a gadget's output, an
        input, a constant, the zero cell). Only witness generation reads the copy
        ops; the verifier knows only the permutation in the keys. A cell outside
        that cycle is a free witness value: a prover could feed a gadget any
        operand (a forged activation, a nonzero dot-product padding) and every gate
        and lookup would still hold. With this check passing, each such cell equals
        its source in any accepted proof, so by induction in program order every
        gadget sees exactly the values of the model's computation. (It also checks,
        through `weight_columns`, that every private weight can be pinned.)
        """
        self.weight_columns()  # private weights the keys could not pin: CircuitError
        copies = self.copy_constraints() if copies is None else copies
        usable = self.usable
        # Cells are numbered densely over the columns that placements or copies
        # use (band, weight, instance, zero and fixed-band columns; never the
        # selector or table columns): cell = column id * usable + row.
        col_id: dict[Column, int] = {}
        for placed in self.places.values():
            for c in placed.columns:
                col_id.setdefault(c, len(col_id))
        ends: list[list[np.ndarray]] = [[], []]
        for group in copies:
            for side, (column, rows) in enumerate((group[:2], group[2:])):
                rows = np.asarray(rows, dtype=np.int64)
                if len(rows) and (rows.min() < 0 or rows.max() >= usable):
                    raise CircuitError(
                        f"a copy constraint on column {self.cs.name_of(column)} leaves the {usable} usable rows"
                    )
                ends[side].append(col_id.setdefault(column, len(col_id)) * usable + rows)
        a, b = (np.concatenate(e) if e else np.zeros(0, dtype=np.int64) for e in ends)
        root = _components(a, b, len(col_id) * usable)
        name_of = {i: self.cs.name_of(c) for c, i in col_id.items()}

        failures: list[str] = []
        for placed in self.places.values():
            for port in input_ports(placed):
                problem = self._port_wiring(placed, port, col_id, root)
                if problem:
                    count, cell, row, what = problem
                    more = f" ({count - 1} more cells of this port too)" if count > 1 else ""
                    failures.append(
                        f"@{placed.name} ({placed.kind}) input port '{port}': cell "
                        f"(row {row}, column {name_of[cell]}) {what}{more}"
                    )
        if failures:
            others = f"; {len(failures) - 1} more ports fail too" if len(failures) > 1 else ""
            raise CircuitError(f"unwired input: {failures[0]}{others}")

    def _port_wiring(
        self, placed: Placed, port: str, col_id: dict[Column, int], root: np.ndarray
    ) -> tuple[int, int, int, str] | None:
        """(cells failing, column id and row of the first, why) for one input port, or None.

        Vectorised over the port's cells: one pass per plonk.copy that fills it."""
        usable = self.usable
        dport = placed.structure.ports[port]
        size = int(np.prod(dport.shape, dtype=np.int64))
        dst_ids = np.array([col_id[c] for c in placed.columns], dtype=np.int64)
        dst_col, dst_row = dst_ids[dport.slot], placed.row + dport.row
        covered = np.zeros(size, dtype=bool)
        count, first = 0, None
        for copy in self.copies_into.get((placed.name, port), []):
            src_name, src_port = copy.src.root_reference.data, copy.src_port.data
            src = self.places.get(src_name)
            if src is None or src_port not in src.structure.ports:
                raise CircuitError(
                    f"@{placed.name} port '{port}' is copied from @{src_name}['{src_port}'], which does not exist"
                )
            sport = src.structure.ports[src_port]
            src_size = int(np.prod(sport.shape, dtype=np.int64))
            index = copy.index_map(size, src_size)
            if len(index) != size or (size and index.max() >= src_size):
                raise CircuitError(
                    f"@{placed.name} port '{port}': its copy from @{src_name}['{src_port}'] maps outside a port"
                )
            covered |= index >= 0
            s_slot, s_row = sport.first_cells()
            src_ids = np.array([col_id[c] for c in src.columns], dtype=np.int64)
            wanted = index[dport.elem]
            keep = np.flatnonzero(wanted >= 0)
            source = src_ids[s_slot[wanted[keep]]] * usable + src.row + s_row[wanted[keep]]
            bad = keep[root[dst_col[keep] * usable + dst_row[keep]] != root[source]]
            if len(bad):
                count += len(bad)
                if first is None:
                    first = (int(bad[0]), f"is not copy-constrained to its source @{src_name}['{src_port}']")
        missing = np.flatnonzero(~covered[dport.elem])
        if len(missing):
            count += len(missing)
            e = int(dport.elem[missing[0]])
            first = (int(missing[0]), f"is wired to no source (no plonk.copy fills element {e})")
        if first is None:
            return None
        i, why = first
        return count, int(dst_col[i]), int(dst_row[i]), why
