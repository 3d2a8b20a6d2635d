"""`convert-gadget-to-plonk`: gadgets become gates, tables, placements and copies.

This is the first layout (the layout search replaces its choices): one band of
`columns` equality-enabled advice columns, every gadget instance stacked below
the previous one in program order; model inputs and outputs in one instance
column; private weights in a band of advice columns of their own (so their
commitments can be pinned to the model), fixed ones in a band of fixed columns;
each gadget kind's gates and lookups emitted once with its own selector columns;
k the smallest that fits every band and table.

Wiring stays tensor-level. Each gadget-level value is *backed* by source cells:
for every element, a (placement, port) and an element of that port, or the zero
cell. A `gadget.rewire` only recomputes this backing; a gadget that consumes a
value gets one `plonk.copy` per source it reads from.

Lookup tables, their columns and their lookup arguments are found by table name,
so names come from contents (a nonlinearity's parameters, an embedding matrix's
digest), never from node names alone, and every placement registers its tables:
one name with two contents is an error, not one table serving two (see
zkir.gadgets.tables.TableRegistry).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, StringAttr, TensorType, i64
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import region_dce
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import gadget, plonk
from zkir.dialects.resources import dense_attr, to_numpy
from zkir.errors import ZkirError
from zkir.gadgets.base import Gadget, RangeCheckedGadget
from zkir.gadgets.embedding import EmbeddingTable
from zkir.gadgets.nonlinearity import LookupGadget
from zkir.gadgets.registry import IO_KINDS, gadget_for
from zkir.gadgets.tables import TableClashError, TableRegistry
from zkir.lowering.plonk_builder import ExprBuilder

INSTANCE = "instance"
ZERO = "zero"
ZERO_CELL = "zero_cell"


class PlonkLoweringError(ZkirError, PassFailedException, ValueError):
    """The gadget module cannot be laid out as asked (a failed pass, and a
    ValueError as before)."""


def selector_column(role: str, key: str) -> str:
    """Selector and table columns carry a dot, which placement names never do."""
    return f"{role}.{key}"


def _shape(value: SSAValue) -> tuple[int, ...]:
    ty = value.type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


@dataclass
class Backing:
    """Per element: index of a (placement, port) source and its element, or -1 (zero)."""

    source: np.ndarray
    elem: np.ndarray

    def take(self, index: np.ndarray) -> Backing:
        """The backing of out[i] = self[index[i]] (index -1: zero)."""
        ok = index >= 0
        safe = np.where(ok, index, 0)
        return Backing(
            np.where(ok, self.source[safe], -1) if len(self.source) else np.full(len(index), -1),
            np.where(ok, self.elem[safe], -1) if len(self.elem) else np.full(len(index), -1),
        )


def _param_attr(value: object) -> Attribute:
    if isinstance(value, Attribute):
        return value
    if isinstance(value, bool | int | np.integer):
        return IntegerAttr(int(value), i64)
    return StringAttr(str(value))


@dataclass(frozen=True)
class LayoutChoice:
    """The layout decisions convert-gadget-to-plonk carries out (the layout
    search picks them; the pass options give the defaults)."""

    columns: int = 12
    range_bits: int = 8
    k: int = 0
    items_per_row: int = 0
    """At most this many items a row for gadgets that look cells up (0: as many
    as fit): fewer lookup arguments, more rows."""
    share_lookups: bool = True
    """One lookup argument per table slot, shared by every gadget using that
    table (their selectors never overlap), instead of one per gadget slot."""


@dataclass
class _Layout:
    choice: LayoutChoice
    block: Block
    band_rows: int = 0
    fixed_rows: int = 0
    instance_rows: int = 0
    lookup_users: list[Gadget] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    backings: dict[SSAValue, Backing] = field(default_factory=dict)
    gadget_keys: set[str] = field(default_factory=set)
    tables: TableRegistry = field(default_factory=TableRegistry)
    """Every table a placed gadget uses, by its content-derived name."""
    selector_columns: list[str] = field(default_factory=list)
    uses_zero: bool = False
    uses_fixed_band: bool = False
    weight_rows: int = 0
    weight_width: int = 0
    fixed_width: int = 0
    pending: dict[str, list[tuple[str, tuple[int, ...], dict[str, object]]]] = field(
        default_factory=lambda: {"weights": [], "fixed": []}
    )
    port_shapes: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    placements: list[plonk.PlaceOp] = field(default_factory=list)
    copies: list[plonk.CopyOp] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    @property
    def columns(self) -> int:
        return self.choice.columns

    @property
    def range_bits(self) -> int:
        return self.choice.range_bits

    def gadget(self, kind: str, params: dict[str, object]) -> Gadget:
        """The gadget of `kind` for this layout, narrowed to `items_per_row` items
        when it looks cells up."""
        g = gadget_for(kind, self.columns, params)
        cap = self.choice.items_per_row
        if cap and isinstance(g, RangeCheckedGadget | LookupGadget) and g.per_row > cap:
            g = gadget_for(kind, cap * g.width, params)
        return g

    # -- names and columns -------------------------------------------------------
    def advice_band(self) -> list[str]:
        return [f"a{i}" for i in range(self.columns)]

    def fixed_band(self) -> list[str]:
        return [f"f{i}" for i in range(self.fixed_width)]

    def weight_band(self) -> list[str]:
        """Advice columns holding only private weights, so their commitments can
        be pinned to the model (the same in every proof)."""
        return [f"w.{i}" for i in range(self.weight_width)]

    def reserve(self, where: str, hint: str, shape: tuple[int, ...], params: dict[str, object]) -> str:
        """A weight tensor (private: "weights", or "fixed"), placed once the
        gadget band's height is known."""
        name = self.unique(hint)
        self.pending[where].append((name, shape, params))
        self.port_shapes[name] = {"out": shape}
        return name

    def place_reserved(self) -> None:
        """As few weight (and fixed) columns as keep them no taller than the
        gadget band: every column costs a commitment or a permutation term."""
        for where, pending in self.pending.items():
            total = sum(_numel(shape) for _, shape, _ in pending)
            if not total:
                continue
            width = max(1, -(-total // max(self.band_rows, 1)))
            if where == "weights":
                self.weight_width = width
            else:
                self.fixed_width = width
                self.uses_fixed_band = True
            g = gadget_for("constant", width, {})
            for name, shape, params in pending:
                self.place(name, "constant", g, {"out": shape}, params, where, reserved=True)

    def __post_init__(self) -> None:
        self.names |= {INSTANCE, ZERO}

    def unique(self, hint: str) -> str:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in hint) or "p"
        name, i = base, 1
        # band columns (a<i>, f<i>) are named by pattern: the fixed band's width is
        # only known once every gadget is placed
        while name in self.names or re.fullmatch(r"[af][0-9]+", name):
            name, i = f"{base}_{i}", i + 1
        self.names.add(name)
        return name

    # -- placements ----------------------------------------------------------------
    def place(
        self,
        hint: str,
        kind: str,
        g: Gadget,
        shapes: dict[str, tuple[int, ...]],
        params: dict[str, object],
        where: str,
        reserved: bool = False,
    ) -> str:
        """Place a gadget instance; `reserved` means `hint` is a name already taken for it."""
        rows = g.rows(shapes)
        if where == "band":
            row, columns = self.band_rows, self.advice_band()[: g.columns]
            self.band_rows += rows
        elif where == "weights":
            row, columns = self.weight_rows, self.weight_band()
            self.weight_rows += rows
        elif where == "fixed":
            row, columns = self.fixed_rows, self.fixed_band()
            self.fixed_rows += rows
            self.uses_fixed_band = True
        elif where == "instance":
            row, columns = self.instance_rows, [INSTANCE]
            self.instance_rows += rows
        else:  # the zero cell
            row, columns = 0, [ZERO]
        name = hint if reserved else self.unique(hint)
        self.register_tables(g, name)
        self.port_shapes[name] = dict(shapes)
        selectors = {role: selector_column(role, g.key) for role in g.selector_roles}
        self.placements.append(
            plonk.PlaceOp(
                name,
                kind,
                row,
                rows,
                columns,
                shapes,
                {k: _param_attr(v) for k, v in params.items()},
                selectors,
            )
        )
        if g.key not in self.gadget_keys and kind not in IO_KINDS:
            self.gadget_keys.add(g.key)
            self.emit_constraints(g)
        return name

    def register_tables(self, g: Gadget, user: str) -> None:
        """Register the tables of every placement, not only of a gadget key's first:
        a second gadget with an already-seen key reuses the first one's lookups,
        so its tables must be the very same ones (a name clash raises)."""
        for table in g.tables().values():
            try:
                self.tables.register(table, f"@{user}")
            except TableClashError as e:
                raise PlonkLoweringError(f"convert-gadget-to-plonk: {e}") from None

    def source(self, place: str, port: str, shape: tuple[int, ...]) -> Backing:
        self.sources.append((place, port))
        n = _numel(shape)
        return Backing(np.full(n, len(self.sources) - 1, dtype=np.int64), np.arange(n, dtype=np.int64))

    def zero_source(self) -> str:
        if not self.uses_zero:
            self.uses_zero = True
            self.place(ZERO_CELL, "zero", gadget_for("zero", 1, {}), {"out": (1,)}, {}, "zero")
        return ZERO_CELL

    # -- wiring ----------------------------------------------------------------
    def wire(self, backing: Backing, dst: str, port: str) -> None:
        """Copies that make every element of dst's port equal its backing source."""
        n = len(backing.source)
        for s in np.unique(backing.source[backing.source >= 0]):
            src, src_port = self.sources[int(s)]
            mask = backing.source == s
            index = np.where(mask, backing.elem, -1)
            src_size = self._port_size(src, src_port)
            identity = mask.all() and src_size == n and np.array_equal(index, np.arange(n))
            attr = None if identity else dense_attr(index, f"{dst}_{port}_from_{src}")
            self.copies.append(plonk.CopyOp(src, src_port, dst, port, attr))
        zeros = backing.source < 0
        if zeros.any():
            zero = self.zero_source()
            attr = None if zeros.all() else dense_attr(np.where(zeros, 0, -1), f"{dst}_{port}_zero")
            self.copies.append(plonk.CopyOp(zero, "out", dst, port, attr))

    def _port_size(self, place: str, port: str) -> int:
        return _numel(self.port_shapes[place][port])

    # -- constraints -----------------------------------------------------------------
    def emit_constraints(self, g: Gadget) -> None:
        """One plonk.gate with all of the gadget's polynomials, one plonk.lookup per lookup."""
        for role in g.selector_roles:
            self.selector_columns.append(selector_column(role, g.key))

        if any(polys for _, polys in g.gates(lambda s, r: 0, lambda role: 0)):
            gates = _constraint_region([(g, lambda cell, sel: [p for _, ps in g.gates(cell, sel) for p in ps])])
            self.block.add_op(plonk.GateOp(g.key, gates))
        if self.choice.share_lookups:
            self.lookup_users.append(g)
            return
        for index, spec in enumerate(g.lookups(lambda s, r: 0, lambda role: 0)):
            body = _constraint_region([(g, _lookup_inputs(g, index))])
            self.block.add_op(plonk.LookupOp(spec.name, spec.table, body))

    def emit_shared_lookups(self) -> None:
        """Slot j of table T: the sum over gadgets of their j-th lookup into T.
        Each gadget's tuple is scaled by its own selector and no two gadgets
        share a row, so on every row the sum is the one active tuple (or zeros)."""
        per_table: dict[str, list[list[tuple[Gadget, int]]]] = {}
        for g in self.lookup_users:
            mine: dict[str, int] = {}
            for index, spec in enumerate(g.lookups(lambda s, r: 0, lambda role: 0)):
                slot = mine.get(spec.table, 0)
                mine[spec.table] = slot + 1
                slots = per_table.setdefault(spec.table, [])
                if slot == len(slots):
                    slots.append([])
                slots[slot].append((g, index))
        for table, slots in per_table.items():
            for j, users in enumerate(slots):
                body = _constraint_region([(g, _lookup_inputs(g, index)) for g, index in users])
                self.block.add_op(plonk.LookupOp(f"{table}_{j}", table, body))


ExpressionsFn = Callable[[Callable[[int, int], Any], Callable[[str], Any]], list[Any]]


def _lookup_inputs(g: Gadget, index: int) -> ExpressionsFn:
    return lambda cell, selector: g.lookups(cell, selector)[index].inputs


def _constraint_region(terms: list[tuple[Gadget, ExpressionsFn]]) -> Region:
    """A gate or lookup body constraining the elementwise sum of each gadget's
    expressions, written over the band's cells and that gadget's own selectors."""
    block = Block()
    b = ExprBuilder(block)
    total: list[Any] = []
    for g, expressions in terms:
        exprs = expressions(
            lambda slot, rot: b.query(f"a{slot}", rot),
            lambda role, g=g: b.query(selector_column(role, g.key), 0),
        )
        total = list(exprs) if not total else [t + e for t, e in zip(total, exprs)]
    b.constrain(total)
    body = Region(block)
    region_dce(body)  # keeps only the expressions this body constrains
    return body


def _gadget_params(op: Operation, range_bits: int) -> tuple[str, dict[str, object]]:
    if isinstance(op, gadget.RescaleOp):
        params: dict[str, object] = {"divisor": op.divisor.value.data, "table_bits": range_bits}
        if op.relu is not None:
            params["relu"] = 1
        return "rescale", params
    if isinstance(op, gadget.LookupOp):
        params = {"fn": op.fn.data, "table_bits": op.table_bits.value.data, "scale": op.out_scale.value.data}
        if op.in_scale.value.data != op.out_scale.value.data:
            params["in_scale"] = op.in_scale.value.data
        return "lookup", params
    if isinstance(op, gadget.MaximumOp):
        return "maximum", {"table_bits": range_bits}
    if isinstance(op, gadget.VarDivOp):
        return "var_div", {"shift": op.shift.value.data, "table_bits": range_bits}
    if isinstance(op, gadget.SqrtOp):
        return "sqrt", {"shift": op.shift.value.data, "table_bits": range_bits}
    if isinstance(op, gadget.EmbedOp):
        table = op.table.owner
        assert isinstance(table, gadget.ConstantOp)
        # Named after its contents, not only the node: sanitized node names collide.
        name = EmbeddingTable.content_name(op.results[0].name_hint or "table", to_numpy(table.value))
        return "embed", {"table": name, "value": table.value}
    kinds = {
        gadget.DotOp: "dot",
        gadget.AddOp: "add",
        gadget.SubOp: "sub",
        gadget.MulOp: "mul",
        gadget.SumOp: "sum",
    }
    if type(op) in kinds:
        return kinds[type(op)], {}
    raise PlonkLoweringError(f"convert-gadget-to-plonk: no gadget implements {op.name} yet")


def _port_maps(op: Operation) -> dict[str, tuple[SSAValue, tuple[int, ...], np.ndarray]]:
    """Input port -> (operand, port shape, port element -> operand element)."""
    ports: dict[str, tuple[SSAValue, tuple[int, ...], np.ndarray]] = {}

    def direct(name: str, value: SSAValue, shape: tuple[int, ...]) -> None:
        src = _shape(value)
        index = np.broadcast_to(np.arange(_numel(src), dtype=np.int64).reshape(src), shape).ravel()
        ports[name] = (value, shape, index)

    out = _shape(op.results[0])
    if isinstance(op, gadget.DotOp):
        if op.bias is not None:
            raise PlonkLoweringError("convert-gadget-to-plonk: gadget.dot with a bias is not laid out yet")
        lhs, rhs = _shape(op.lhs), _shape(op.rhs)
        direct("lhs", op.lhs, lhs)
        direct("rhs", op.rhs, (*lhs[:-2], *rhs[-2:]))
    elif isinstance(op, gadget.AddOp | gadget.SubOp | gadget.MulOp | gadget.MaximumOp):
        direct("lhs", op.lhs, out)
        direct("rhs", op.rhs, out)
    elif isinstance(op, gadget.VarDivOp):
        direct("num", op.num, out)
        direct("den", op.den, out)
    elif isinstance(op, gadget.RescaleOp):
        direct("input", op.input, out)
        if op.bias is not None:
            direct("bias", op.bias, out)
    elif isinstance(op, gadget.LookupOp | gadget.SqrtOp):
        direct("input", op.input, out)
    elif isinstance(op, gadget.EmbedOp):
        # element (..., c) of the output looks up row indices[...]
        src = _shape(op.indices)
        index = np.broadcast_to(np.arange(_numel(src), dtype=np.int64).reshape(*src, 1), out).ravel()
        ports["indices"] = (op.indices, out, index)
    elif isinstance(op, gadget.SumOp):
        ports["input"] = (op.input, *_reduction_layout(op))
    return ports


def _reduction_layout(op: gadget.SumOp | gadget.ReduceMaxOp) -> tuple[tuple[int, int], np.ndarray]:
    """(groups, width) with the reduced axes last, and the input element of each entry."""
    src = _shape(op.input)
    axes = [int(a) % len(src) for a in op.axes.get_values()]
    kept = [d for d in range(len(src)) if d not in axes]
    index = np.transpose(np.arange(_numel(src), dtype=np.int64).reshape(src), kept + axes)
    groups = _numel(tuple(src[d] for d in kept))
    return (groups, _numel(tuple(src[d] for d in axes))), index.ravel()


def _max_tree(lay: _Layout, op: gadget.ReduceMaxOp, hint: str) -> Backing:
    """A max reduction as rounds of pairwise maximum gadgets over halves of each group."""
    (groups, width), index = _reduction_layout(op)
    current = lay.backings[op.input].take(index)
    g = lay.gadget("maximum", {"table_bits": lay.range_bits})
    round_ = 0
    while width > 1:
        half = width // 2
        idx = np.arange(groups * width, dtype=np.int64).reshape(groups, width)
        name = lay.place(f"{hint}_max{round_}", "maximum", g, {"lhs": (groups, half), "rhs": (groups, half), "out": (groups, half)}, {"table_bits": lay.range_bits}, "band")
        lay.wire(current.take(idx[:, :half].ravel()), name, "lhs")
        lay.wire(current.take(idx[:, half : 2 * half].ravel()), name, "rhs")
        out = lay.source(name, "out", (groups, half))
        rest = idx[:, 2 * half :]
        source = np.concatenate([out.source.reshape(groups, half), current.source[rest]], axis=1)
        elem = np.concatenate([out.elem.reshape(groups, half), current.elem[rest]], axis=1)
        current = Backing(source.ravel(), elem.ravel())
        width, round_ = half + rest.shape[1], round_ + 1
    return current


def lower_function(fn: func.FuncOp, choice: LayoutChoice, private_inputs: bool) -> plonk.CircuitOp:
    body = Block()
    lay = _Layout(choice, body)
    columns, range_bits = choice.columns, choice.range_bits
    for i, arg in enumerate(fn.body.block.args):
        shape = _shape(arg)
        if private_inputs:
            g, where = gadget_for("input", columns, {}), "band"
        else:
            g, where = gadget_for("input", 1, {}), "instance"
        name = lay.place(arg.name_hint or f"input{i}", "input", g, {"out": shape}, {}, where)
        lay.backings[arg] = lay.source(name, "out", shape)
    outputs: list[SSAValue] = []
    for op in fn.body.block.ops:
        if isinstance(op, func.ReturnOp):
            outputs = list(op.arguments)
            continue
        hint = op.results[0].name_hint if op.results and op.results[0].name_hint else op.name.split(".")[-1]
        if isinstance(op, gadget.ConstantOp):
            if op.result.uses and all(isinstance(u.operation, gadget.EmbedOp) and u.index == 0 for u in op.result.uses):
                continue  # read only as a lookup table: tabulated in fixed columns
            shape = _shape(op.result)
            vis = op.visibility.data
            params = {"value": op.value, "visibility": vis}
            if vis == "private":
                name = lay.reserve("weights", hint, shape, params)
            elif vis == "fixed":
                name = lay.reserve("fixed", hint, shape, params)
            else:
                name = lay.place(hint, "constant", gadget_for("constant", 1, {}), {"out": shape}, params, "instance")
            lay.backings[op.result] = lay.source(name, "out", shape)
            continue
        if isinstance(op, gadget.ReduceMaxOp):
            lay.backings[op.result] = _max_tree(lay, op, hint)
            continue
        if isinstance(op, gadget.RewireOp):
            parts = [lay.backings[v] for v in op.inputs]
            joined = Backing(np.concatenate([p.source for p in parts]), np.concatenate([p.elem for p in parts]))
            lay.backings[op.result] = joined.take(op.index_map())
            continue
        if isinstance(op, gadget.RangeCheckOp):  # a constraint only: no result to back
            params = {"bits": op.bits.value.data, "table_bits": range_bits}
            shape = _shape(op.input)
            name = lay.place(f"{hint}_check", "range_check", lay.gadget("range_check", params), {"input": shape}, params, "band")
            lay.wire(lay.backings[op.input], name, "input")
            continue
        kind, params = _gadget_params(op, range_bits)
        g = lay.gadget(kind, params)
        ports = _port_maps(op)
        shapes = {port: shape for port, (_, shape, _) in ports.items()}
        if kind == "rescale":
            shapes.setdefault("bias", _shape(op.results[0]))
        out_shape = _shape(op.results[0]) if kind != "sum" else (shapes["input"][0],)
        shapes["out"] = out_shape
        structure = g.assign(g.structure_inputs({p: s for p, s in shapes.items() if p != "out"}))
        if "zeros" in structure.ports:
            shapes["zeros"] = structure.ports["zeros"].shape
        name = lay.place(hint, kind, g, shapes, params, "band")
        for port, (value, _, index) in ports.items():
            lay.wire(lay.backings[value].take(index), name, port)
        if kind == "rescale" and "bias" not in ports:
            lay.wire(Backing(np.full(_numel(out_shape), -1), np.full(_numel(out_shape), -1)), name, "bias")
        if shapes.get("zeros") and _numel(shapes["zeros"]):
            lay.wire(Backing(np.full(_numel(shapes["zeros"]), -1), np.full(_numel(shapes["zeros"]), -1)), name, "zeros")
        lay.backings[op.results[0]] = lay.source(name, "out", out_shape)
    for i, value in enumerate(outputs):
        shape = _shape(value)
        name = lay.place(f"output{i}", "output", gadget_for("output", 1, {}), {"in": shape}, {}, "instance")
        lay.wire(lay.backings[value], name, "in")
    lay.place_reserved()
    lay.emit_shared_lookups()
    return _assemble(fn.sym_name.data, lay, choice.k)


def _assemble(name: str, lay: _Layout, k: int) -> plonk.CircuitOp:
    needed = max(
        [lay.band_rows, lay.fixed_rows, lay.weight_rows, lay.instance_rows, 1]
        # one row past each table stays all zero: switched-off lookups send zeros
        + [t.size + 1 for t in lay.tables.values()]
    )
    blinding = plonk.DEFAULT_BLINDING_ROWS
    smallest = max(1, (needed + blinding).bit_length())
    while (1 << smallest) - blinding - 1 < needed:
        smallest += 1
    if k and k < smallest:
        raise PlonkLoweringError(
            f"convert-gadget-to-plonk: the circuit needs {needed} rows, more than "
            f"k={k} gives; use k >= {smallest}"
        )
    k = k or smallest
    columns: list[Operation] = [plonk.ColumnOp(c, "advice", equality=True) for c in lay.advice_band()]
    if lay.weight_rows:
        columns += [plonk.ColumnOp(c, "advice", equality=True) for c in lay.weight_band()]
    columns.append(plonk.ColumnOp(INSTANCE, "instance", equality=True))
    if lay.uses_zero:
        columns.append(plonk.ColumnOp(ZERO, "fixed", equality=True))
    if lay.uses_fixed_band:
        columns += [plonk.ColumnOp(c, "fixed", equality=True) for c in lay.fixed_band()]
    columns += [plonk.ColumnOp(c, "fixed") for c in lay.selector_columns]
    tables: list[Operation] = []
    for table in lay.tables.values():
        parts = ("tag", "row", "col", "value") if table.width == 4 else ("tag", "in", "out")[: table.width]
        names = [f"{table.name}.{part}" for part in parts]
        columns += [plonk.ColumnOp(c, "fixed") for c in names]
        data = getattr(table, "data_attr", None)
        tables.append(plonk.LookupTableOp(table.name, table.fn, table.bits, names, table.scale, table.in_scale, data))
    constraints = list(lay.block.ops)
    for op in constraints:
        op.detach()
    body = Block([*columns, *tables, *constraints, *lay.placements, *lay.copies])
    return plonk.CircuitOp(name, k, Region(body), blinding)


LAYOUT_ATTR = "gadget.layout"
"""The function attribute holding the layout search's choice."""


def layout_attr(choice: LayoutChoice) -> DictionaryAttr:
    return DictionaryAttr({f.name: IntegerAttr(int(getattr(choice, f.name)), i64) for f in fields(LayoutChoice)})


def layout_of(fn: func.FuncOp, default: LayoutChoice) -> LayoutChoice:
    """The choice recorded on `fn` by gadget-layout-search, else `default`."""
    attr = fn.attributes.get(LAYOUT_ATTR)
    if not isinstance(attr, DictionaryAttr):
        return default
    values = {}
    for f in fields(LayoutChoice):
        entry = attr.data.get(f.name)
        if isinstance(entry, IntegerAttr):
            is_flag = isinstance(getattr(default, f.name), bool)
            values[f.name] = bool(entry.value.data) if is_flag else entry.value.data
    return replace(default, **values)


@dataclass(frozen=True)
class ConvertGadgetToPlonkPass(ModulePass):
    """Lay out every gadget function as a plonk.circuit.

    A function carrying `gadget.layout` (written by gadget-layout-search) is laid
    out as that attribute says; the options below are the defaults otherwise."""

    name = "convert-gadget-to-plonk"

    columns: int = 12
    """Advice columns of the band every gadget is placed in."""
    range_bits: int = 8
    """Bits of the range table behind rescale (bounds outputs to 2*range_bits bits)."""
    k: int = 0
    """log2 of the rows; 0 picks the smallest that fits."""
    inputs: str = "public"
    """public: model inputs in the instance column; private: in the advice band."""
    items_per_row: int = 0
    """At most this many items a row in gadgets that look cells up (0: no limit)."""
    share_lookups: bool = True
    """Gadgets share one lookup argument per table slot (else one per gadget slot)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.inputs not in ("public", "private"):
            raise PlonkLoweringError(
                f"convert-gadget-to-plonk: inputs must be public or private, got '{self.inputs}'"
            )
        default = LayoutChoice(self.columns, self.range_bits, self.k, self.items_per_row, self.share_lookups)
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp):
                circuit = lower_function(fn, layout_of(fn, default), self.inputs == "private")
                op.body.block.insert_op_before(circuit, fn)
                fn.detach()
                fn.erase()
