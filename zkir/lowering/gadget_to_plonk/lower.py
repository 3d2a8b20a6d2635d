"""One gadget function laid out as one plonk.circuit.

The first layout (the layout search replaces its choices): every gadget
instance stacked below the previous one in the gadget band, in program order;
model inputs and outputs in the instance column; private weights in a band of
advice columns of their own, fixed ones in a band of fixed columns; each gadget
key's gates and lookups emitted once with its own selector columns; k the
smallest that fits every band and table.

Nothing here knows a gadget kind: an op is placed through GadgetOpInterface
(its gadget, params and ports), constants and rewires are the wiring itself.

Lookup tables, their columns and their lookup arguments are found by table name,
so names come from contents (a nonlinearity's parameters, an embedding matrix's
digest), never from node names alone, and every placement registers its tables:
one name with two contents is an error, not one table serving two (see
zkir.gadgets.tables.TableRegistry).
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.pattern_rewriter import PatternRewriteWalker
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import gadget, plonk
from zkir.dialects.gadget import GadgetOpInterface, LayoutChoice, link_names
from zkir.errors import ZkirError
from zkir.gadgets.base import Gadget, GadgetParams
from zkir.gadgets.io import IO_KINDS, IORole
from zkir.gadgets.registry import gadget_class, gadget_for
from zkir.gadgets.segments import SegmentTable
from zkir.gadgets.tables import TableClashError, TableRegistry, TableSpec
from zkir.lowering.gadget_to_plonk.columns import (
    ADVICE_BAND,
    CHALLENGE_BAND,
    FIXED_BAND,
    INSTANCE,
    WEIGHT_BAND,
    ZERO,
    link_band,
    link_width,
    placement_name,
    selector_column,
    table_columns,
)
from zkir.lowering.gadget_to_plonk.constraints import Constraints
from zkir.lowering.gadget_to_plonk.reduce_max import ExpandReduceMax
from zkir.lowering.gadget_to_plonk.regions import Band, Reservations
from zkir.lowering.gadget_to_plonk.wiring import Backing, Wiring, numel

ZERO_CELL = "zero_cell"
"""The placement every padding and zero element is wired to."""


class PlonkLoweringError(ZkirError, PassFailedException, ValueError):
    """The gadget module cannot be laid out as asked (a failed pass, and a
    ValueError as before)."""


def _shape(value: SSAValue) -> tuple[int, ...]:
    ty = value.type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


class _Lowering:
    def __init__(self, choice: LayoutChoice):
        self.choice = choice
        self.gadgets = Band(ADVICE_BAND, "advice", choice.columns)
        self.late = Band(CHALLENGE_BAND, "advice", 0)
        """Phase-1 columns beside the gadget band, in the rows of the gadgets that use them."""
        self.weights = Band(WEIGHT_BAND, "advice", 0)
        self.fixed = Band(FIXED_BAND, "fixed", 0)
        self.instance = Band("instance", "instance", 1)
        self.zero = Band("zero", "fixed", 1, stacks=False)
        self.links: list[Band] = []
        """One band per tensor crossing a cut between shards (zkir.prover.links)."""
        self.reservations = Reservations()
        self.wiring = Wiring(self.zero_source)
        self.constraints = Constraints(choice.share_lookups)
        self.tables = TableRegistry()
        """Every table a placed gadget uses, by its content-derived name."""
        self.backings: dict[SSAValue, Backing] = {}
        self.placements: list[plonk.PlaceOp] = []
        self.names: set[str] = {ZERO_CELL}

    # -- placements ----------------------------------------------------------------
    def unique(self, hint: str) -> str:
        base = placement_name(hint)
        name, i = base, 1
        while name in self.names:
            name, i = f"{base}_{i}", i + 1
        self.names.add(name)
        return name

    def place(
        self,
        name: str,
        kind: str,
        g: Gadget,
        shapes: dict[str, tuple[int, ...]],
        params: dict[str, Attribute],
        band: Band,
    ) -> str:
        """Place a gadget instance named `name` (already unique) in `band`."""
        rows = g.rows(shapes)
        row, columns = band.allocate(rows, g.columns if band is self.gadgets else None)
        if g.late_slots:
            self.late.width = max(self.late.width, g.late_slots)
            columns += self.late.columns(g.late_slots)
        for table in g.tables().values():
            # every placement's tables, not only a key's first: a second gadget of
            # a seen key reuses the first one's lookups, so its tables must be the same
            try:
                self.tables.register(table, f"@{name}")
            except TableClashError as e:
                raise PlonkLoweringError(f"convert-gadget-to-plonk: {e}") from None
        self.wiring.port_shapes[name] = dict(shapes)
        selectors = {role: selector_column(g.key, role) for role in g.selector_roles}
        self.placements.append(plonk.PlaceOp(name, kind, row, rows, columns, shapes, params, selectors))
        if kind not in IO_KINDS:
            self.constraints.add(g)
        for use, definition in g.internal_wires.items():
            self.wiring.copies.append(plonk.CopyOp(name, definition, name, use, None))
        return name

    def hold(self, hint: str, role: IORole, shape: tuple[int, ...], band: Band, params: dict[str, Attribute] | None = None) -> str:
        """A placement that only holds a tensor (model input or output, a constant)."""
        g = gadget_for(role, self.choice.columns if band is self.gadgets else band.width or 1, {})
        return self.place(self.unique(hint), role, g, {role.port: shape}, params or {}, band)

    def link(self, link: str, role: IORole, shape: tuple[int, ...]) -> str:
        """A tensor crossing a cut, alone in its link columns (element e at row
        e // width, slot e % width): laid out alike in both shards it links."""
        band = Band(link_band(link), "advice", link_width(numel(shape), self.choice.k))
        self.links.append(band)
        g = gadget_for(role, band.width, {})
        return self.place(self.unique(f"link_{link}"), role, g, {role.port: shape}, {"link": StringAttr(link)}, band)

    def zero_source(self) -> str:
        if ZERO_CELL not in self.wiring.port_shapes:
            self.place(ZERO_CELL, IORole.ZERO, gadget_for(IORole.ZERO, 1, {}), {"out": (1,)}, {}, self.zero)
        return ZERO_CELL

    def place_reserved(self) -> None:
        """The reserved weights, in bands as narrow as keep them no taller than the gadget band."""
        widths = self.reservations.widths(self.gadgets.rows)
        for band in (self.weights, self.fixed):
            if band.group not in widths:
                continue
            band.width = widths[band.group]
            g = gadget_for(IORole.CONSTANT, band.width, {})
            for r in self.reservations.pending[band.group]:
                self.place(r.name, IORole.CONSTANT, g, {"out": r.shape}, r.params, band)

    # -- ops -------------------------------------------------------------------------
    def constant(self, op: gadget.ConstantOp, hint: str) -> None:
        if op.result.uses and all(
            isinstance(u.operation, GadgetOpInterface) and u.index in u.operation.TABLE_OPERANDS for u in op.result.uses
        ):
            return  # read only as a lookup table: tabulated in fixed columns
        shape = _shape(op.result)
        vis = op.visibility.data
        params: dict[str, Attribute] = {"value": op.value, "visibility": op.visibility}
        if vis == "public":
            name = self.hold(hint, IORole.CONSTANT, shape, self.instance, params)
        else:
            name = self.unique(hint)
            self.reservations.reserve(self.weights if vis == "private" else self.fixed, name, shape, params)
            self.wiring.port_shapes[name] = {"out": shape}
        self.backings[op.result] = self.wiring.source(name, "out", shape)

    def gadget_op(self, op: GadgetOpInterface, hint: str) -> None:
        kind = op.gadget_kind()
        g, params, shapes = gadget_instance(op, self.choice)
        ports = op.input_ports()
        out = op.output_port_shape()
        # an op without a result only constrains its inputs: a check
        name = self.unique(hint if out is not None else f"{hint}_check")
        self.place(name, kind, g, shapes, params.to_attrs(), self.gadgets)
        for port, p in ports.items():
            if p.value is None or p.index is None:
                backing = Backing.zeros(numel(p.shape))
            else:
                backing = self.backings[p.value].take(p.index)
            self.wiring.wire(backing, name, port)
        for port in g.padding_ports:
            if port in shapes and numel(shapes[port]):
                self.wiring.wire(Backing.zeros(numel(shapes[port])), name, port)
        if out is not None:
            self.backings[op.results[0]] = self.wiring.source(name, "out", out)


def gadget_instance(op: GadgetOpInterface, choice: LayoutChoice) -> tuple[Gadget, GadgetParams, dict[str, tuple[int, ...]]]:
    """The gadget `op` is laid out as under `choice`, its params and its port
    shapes (padding and internal ports included): what `rows` is asked of."""
    kind = op.gadget_kind()
    cls = gadget_class(kind)
    try:
        params = cls.Params.of_op(op.gadget_params(), choice)
    except (TypeError, ValueError) as e:
        raise PlonkLoweringError(f"convert-gadget-to-plonk: {op.name}: {e}") from None
    g = cls.build(choice.columns, params)
    cap, width = choice.items_per_row, g.item_cells()
    if cap and width and choice.columns // width > cap:  # narrowed to items_per_row items
        g = cls.build(cap * width, params)
    ports = op.input_ports()
    shapes = {port: p.shape for port, p in ports.items()}
    out = op.output_port_shape()
    if out is not None:
        shapes["out"] = out
    structure = g.assign(g.structure_inputs({p: s for p, s in shapes.items() if p != "out"}))
    unknown = [p for p in ports if p not in structure.ports]
    if unknown:
        raise PlonkLoweringError(
            f"convert-gadget-to-plonk: {op.name} has an operand for port '{unknown[0]}', "
            f"which the {kind} gadget does not take (not laid out yet)"
        )
    for port in (*g.padding_ports, *g.internal_wires.keys(), *g.internal_wires.values()):
        if port in structure.ports:
            shapes[port] = structure.ports[port].shape
    return g, params, shapes


def lower_function(fn: func.FuncOp, choice: LayoutChoice, private_inputs: bool) -> plonk.CircuitOp:
    """The circuit of `fn` laid out as `choice` says (rewrites `fn`'s reductions
    into maximum trees in place: pass a clone to keep it)."""
    PatternRewriteWalker(ExpandReduceMax()).rewrite_region(fn.body)
    lw = _Lowering(choice)
    arg_links, result_links = link_names(fn)
    for i, (arg, link) in enumerate(zip(fn.body.block.args, arg_links)):
        shape = _shape(arg)
        if link is not None:
            name = lw.link(link, IORole.INPUT, shape)
        else:
            name = lw.hold(arg.name_hint or f"input{i}", IORole.INPUT, shape, lw.gadgets if private_inputs else lw.instance)
        lw.backings[arg] = lw.wiring.source(name, "out", shape)
    outputs: list[SSAValue] = []
    for op in fn.body.block.ops:
        hint = op.results[0].name_hint if op.results and op.results[0].name_hint else op.name.split(".")[-1]
        if isinstance(op, func.ReturnOp):
            outputs = list(op.arguments)
        elif isinstance(op, gadget.ConstantOp):
            lw.constant(op, hint)
        elif isinstance(op, gadget.RewireOp):
            joined = Backing.concat([lw.backings[v] for v in op.inputs])
            lw.backings[op.result] = joined.take(op.index_map())
        elif isinstance(op, GadgetOpInterface):
            lw.gadget_op(op, hint)
        else:
            raise PlonkLoweringError(f"convert-gadget-to-plonk: no gadget implements {op.name} yet")
    for i, (value, link) in enumerate(zip(outputs, result_links)):
        if link is not None:
            name = lw.link(link, IORole.OUTPUT, _shape(value))
        else:
            name = lw.hold(f"output{i}", IORole.OUTPUT, _shape(value), lw.instance)
        lw.wiring.wire(lw.backings[value], name, "in")
    lw.place_reserved()
    lw.constraints.finish()
    return _assemble(fn.sym_name.data, lw, choice.k)


def _assemble(name: str, lw: _Lowering, k: int) -> plonk.CircuitOp:
    bands = (lw.gadgets, lw.fixed, lw.weights, lw.instance, *lw.links)
    needed = max(
        [b.rows for b in bands] + [1]
        # one row past each table stays all zero: switched-off lookups send zeros
        + [t.size + 1 for t in lw.tables.values()]
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
    columns: list[Operation] = [plonk.ColumnOp(c, "advice", equality=True) for c in lw.gadgets.columns()]
    columns += [plonk.ColumnOp(c, "advice", equality=True, phase=1) for c in lw.late.columns()]
    if lw.weights.rows:
        columns += [plonk.ColumnOp(c, "advice", equality=True) for c in lw.weights.columns()]
    for band in lw.links:
        columns += [plonk.ColumnOp(c, "advice", equality=True) for c in band.columns()]
    columns.append(plonk.ColumnOp(INSTANCE, "instance", equality=True))
    if ZERO_CELL in lw.wiring.port_shapes:
        columns.append(plonk.ColumnOp(ZERO, "fixed", equality=True))
    if lw.fixed.rows:
        columns += [plonk.ColumnOp(c, "fixed", equality=True) for c in lw.fixed.columns()]
    columns += [plonk.ColumnOp(c, "fixed") for c in lw.constraints.selector_columns]
    tables: list[Operation] = []
    for table in lw.tables.values():
        names = table_columns(table.name, table.width)
        columns += [plonk.ColumnOp(c, "fixed") for c in names]
        data = getattr(table, "data_attr", None)
        ranged, segments = None, None
        if isinstance(table, TableSpec | SegmentTable) and table.lo is not None and table.hi is not None:
            ranged = (table.lo, table.hi)
        if isinstance(table, SegmentTable):
            segments = table.segments
        tables.append(
            plonk.LookupTableOp(
                table.name, table.fn, table.bits, names, table.scale, table.in_scale, data, ranged, segments
            )
        )
    body = Block([*columns, *tables, *lw.constraints.ops, *lw.placements, *lw.wiring.copies])
    return plonk.CircuitOp(name, k, Region(body), blinding)
