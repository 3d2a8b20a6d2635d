"""The `gadget` dialect: the building blocks a PLONK circuit is made of.

Each op is one gadget applied to whole tensors of field elements (`!gadget.felt`,
signed integers embedded in the proof's scalar field, negatives as p - |v|). Ops
stay tensor-granular: one `gadget.dot` is a whole matmul, however many rows it
later fills. Fixed-point bookkeeping (scales) is gone at this level; only the
integer semantics remains: dot products, sums, rescaling by a constant divisor
(bias-div-round), lookups of named integer nonlinearities, max and range checks.
The layout search annotates these ops with their layout before
`convert-gadget-to-plonk` turns them into gates, tables and placements.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    base,
    ParametrizedAttribute,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from zkir.dialects.nonlinearities import NONLINEARITY_NAMES
from zkir.dialects.resources import to_numpy
from zkir.dialects.shapes import (
    broadcast_shapes,
    expect_shape,
    matmul_shape,
    normalise_axes,
    reduced_shape,
    tensor_type,
)

MAX_TABLE_BITS = 24
"""A lookup table of 2^24 rows is already beyond what our prover handles."""

VISIBILITIES = ("private", "public", "fixed")
"""private: committed advice; public: instance values; fixed: part of the vk."""


@irdl_attr_definition
class FeltType(ParametrizedAttribute, TypeAttribute):
    """An element of the proof system's scalar field, holding a signed integer."""

    name = "gadget.felt"


# ---------------------------------------------------------------------------
# The layout contract: what gadget-layout-search picks and convert-gadget-to-plonk obeys
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayoutChoice:
    """The layout decisions convert-gadget-to-plonk carries out (the layout
    search picks them; the pass options give the defaults)."""

    columns: int = 12
    """Advice columns of the band every gadget is placed in."""
    range_bits: int = 8
    """Bits of the range table behind every range-checked gadget."""
    k: int = 0
    """log2 of the rows (0: the smallest that fits)."""
    items_per_row: int = 0
    """At most this many items a row for gadgets that look cells up (0: as many
    as fit): fewer lookup arguments, more rows."""
    share_lookups: bool = True
    """One lookup argument per table slot, shared by every gadget using that
    table (their selectors never overlap), instead of one per gadget slot."""
    challenge_columns: int = 0
    """Width of the phase-1 advice band (committed after the challenge) that
    randomized products (gadget.randomized_dot) use; 0: the default, 3, should
    the function hold one."""

    def late_band_width(self) -> int:
        return self.challenge_columns or 3


LAYOUT_ATTR = "gadget.layout"
"""The function attribute holding the layout search's choice (a LayoutAttr)."""


@irdl_attr_definition
class LayoutAttr(ParametrizedAttribute):
    """A LayoutChoice in the IR: `#gadget.layout<columns = 12, range_bits = 8,
    k = 0, items_per_row = 0, share_lookups = true>` on a func.func."""

    name = "gadget.layout"

    columns: IntAttr
    range_bits: IntAttr
    k: IntAttr
    items_per_row: IntAttr
    share_lookups: IntAttr
    challenge_columns: IntAttr

    def __init__(self, choice: LayoutChoice):
        super().__init__(*(IntAttr(int(getattr(choice, f.name))) for f in fields(LayoutChoice)))

    @property
    def choice(self) -> LayoutChoice:
        return LayoutChoice(
            self.columns.data,
            self.range_bits.data,
            self.k.data,
            self.items_per_row.data,
            bool(self.share_lookups.data),
            self.challenge_columns.data,
        )

    def verify(self) -> None:
        checks = (
            ("columns", self.columns.data, 1, 1 << 10),
            ("range_bits", self.range_bits.data, 1, MAX_TABLE_BITS),
            ("k", self.k.data, 0, 28),
            ("items_per_row", self.items_per_row.data, 0, 1 << 10),
            ("share_lookups", self.share_lookups.data, 0, 1),
            ("challenge_columns", self.challenge_columns.data, 0, 1 << 10),
        )
        for what, value, lo, hi in checks:
            if not lo <= value <= hi:
                raise VerifyException(f"gadget.layout: {what} must be in [{lo}, {hi}], got {value}")

    def print_parameters(self, printer: Printer) -> None:
        choice = self.choice
        parts = [
            f"{f.name} = {str(getattr(choice, f.name)).lower()}"
            for f in fields(LayoutChoice)
            if f.name != "challenge_columns" or choice.challenge_columns  # absent: 0
        ]
        printer.print_string(f"<{', '.join(parts)}>")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[IntAttr, ...]:
        values: dict[str, int] = {}
        with parser.in_angle_brackets():
            while True:
                key = parser.parse_identifier(" in gadget.layout")
                if key not in {f.name for f in fields(LayoutChoice)} or key in values:
                    parser.raise_error(f"gadget.layout: unknown or repeated field '{key}'")
                parser.parse_punctuation("=", " in gadget.layout")
                values[key] = parser.parse_integer(allow_boolean=True, allow_negative=False)
                if parser.parse_optional_punctuation(",") is None:
                    break
        default = LayoutChoice()
        return tuple(IntAttr(int(values.get(f.name, getattr(default, f.name)))) for f in fields(LayoutChoice))


def layout_of(fn: func.FuncOp, default: LayoutChoice) -> LayoutChoice:
    """The choice recorded on `fn` by gadget-layout-search, else `default`."""
    attr = fn.attributes.get(LAYOUT_ATTR)
    return attr.choice if isinstance(attr, LayoutAttr) else default


def set_layout(fn: func.FuncOp, choice: LayoutChoice) -> None:
    fn.attributes[LAYOUT_ATTR] = LayoutAttr(choice)


LINK_ATTR = "gadget.link"
"""The argument or result attribute (a string) naming a tensor that crosses a cut
between shards (gadget-shard): laid out in link columns of its own, which the
producing and the consuming shard's proofs commit identically."""


def link_names(fn: func.FuncOp) -> tuple[list[str | None], list[str | None]]:
    """The link name of each argument and each result of `fn` (None: a model input or output)."""

    def names(attrs: ArrayAttr[DictionaryAttr] | None, count: int) -> list[str | None]:
        out: list[str | None] = []
        for i in range(count):
            entry = attrs.data[i].data.get(LINK_ATTR) if attrs is not None and i < len(attrs.data) else None
            out.append(entry.data if isinstance(entry, StringAttr) else None)
        return out

    ty = fn.function_type
    return names(fn.arg_attrs, len(ty.inputs.data)), names(fn.res_attrs, len(ty.outputs.data))


MAX_SPLIT_LOW_BITS = 8
"""Segments of at most 2^8 inputs: the fit that proves a split exact compares
every pair of a segment's inputs."""


@irdl_attr_definition
class SplitAttr(ParametrizedAttribute):
    """How gadget-layout-search decomposed a lookup: `#gadget.split<low_bits = b,
    frac_bits = e>` on a `gadget.lookup` with a `table_range`.

    The input is split as x - lo = 2^b h + l and the output read as
    T[h] + floor((a[h] + B[h] l) / 2^e) from a table of one row per segment h
    (zkir.gadgets.segments): a table 2^b times shorter, each item a few range
    checks more. The search sets it only where that formula equals the exact
    table on every input of the table's range, so the op's meaning is unchanged.
    """

    name = "gadget.split"

    low_bits: IntAttr
    frac_bits: IntAttr

    def __init__(self, low_bits: int, frac_bits: int):
        super().__init__(IntAttr(low_bits), IntAttr(frac_bits))

    def verify(self) -> None:
        if not 1 <= self.low_bits.data <= MAX_SPLIT_LOW_BITS:
            raise VerifyException(f"gadget.split: low_bits must be in [1, {MAX_SPLIT_LOW_BITS}], got {self.low_bits.data}")
        if not 1 <= self.frac_bits.data <= MAX_TABLE_BITS:
            raise VerifyException(f"gadget.split: frac_bits must be in [1, {MAX_TABLE_BITS}], got {self.frac_bits.data}")

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<low_bits = {self.low_bits.data}, frac_bits = {self.frac_bits.data}>")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[IntAttr, ...]:
        values: list[int] = []
        with parser.in_angle_brackets():
            for i, key in enumerate(("low_bits", "frac_bits")):
                if i:
                    parser.parse_punctuation(",", " in gadget.split")
                parser.parse_keyword(key, " in gadget.split")
                parser.parse_punctuation("=", " in gadget.split")
                values.append(parser.parse_integer(allow_boolean=False, allow_negative=False))
        return IntAttr(values[0]), IntAttr(values[1])


# ---------------------------------------------------------------------------
# The gadget op interface
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InputPort:
    """One input port of the gadget an op is laid out as.

    `index[i]` is the element of `value` (flattened) that port element i holds;
    `value` None is an absent optional operand, read as zeros."""

    value: SSAValue | None
    shape: tuple[int, ...]
    index: np.ndarray | None = None

    @staticmethod
    def broadcast(value: SSAValue, shape: Sequence[int]) -> InputPort:
        """The operand broadcast (numpy rules) to the port's `shape`."""
        src = tensor_type(value, "operand", "gadget").get_shape()
        size = int(np.prod(src, dtype=np.int64))
        index = np.broadcast_to(np.arange(size, dtype=np.int64).reshape(src), tuple(shape)).ravel()
        return InputPort(value, tuple(shape), index)

    @staticmethod
    def zeros(shape: Sequence[int]) -> InputPort:
        return InputPort(None, tuple(shape))


ParamValue = int | bool | str | Attribute | None


class GadgetOpInterface(Operation, abc.ABC):
    """An op laid out as one instance of one gadget of zkir.gadgets.

    This is all convert-gadget-to-plonk and the gadget interpreter need to know
    of an op: which gadget (`GADGET_KIND`, a Gadget class's `kind`), its
    parameters (named as that gadget's Params fields), which tensor each input
    port holds, and the shape of its `out` port. A new gadget op implements these
    and nothing else changes outside its gadget file.
    """

    GADGET_KIND: ClassVar[str]
    TABLE_OPERANDS: ClassVar[tuple[int, ...]] = ()
    """Operands read as a lookup table (tabulated in fixed columns), not wired."""

    def gadget_params(self) -> dict[str, ParamValue]:
        return {}

    def gadget_kind(self) -> str:
        """The gadget this op is laid out as: `GADGET_KIND`, unless a layout
        choice recorded on the op picks another (a split lookup)."""
        return self.GADGET_KIND

    @abc.abstractmethod
    def input_ports(self) -> dict[str, InputPort]:
        """Port name -> the tensor it holds, in the gadget's port order."""

    def output_port_shape(self) -> tuple[int, ...] | None:
        """The `out` port's shape (None: the op only constrains, it has no result)."""
        if not self.results:
            return None
        ty = self.results[0].type
        assert isinstance(ty, TensorType)
        return tuple(ty.get_shape())


def _result_shape(op: Operation) -> tuple[int, ...]:
    ty = op.results[0].type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


def _felt_tensor(value: SSAValue | Attribute, what: str, op_name: str) -> TensorType:
    ty = tensor_type(value, what, op_name)
    if not isinstance(ty.element_type, FeltType):
        raise VerifyException(
            f"{op_name}: {what} must be a tensor of !gadget.felt, got {ty}"
        )
    return ty


def felt_tensor(shape: Sequence[int]) -> TensorType:
    return TensorType(FeltType(), shape)


def _int_prop(value: int) -> IntegerAttr:
    return IntegerAttr(value, i64)


def _axes(attr: DenseArrayBase) -> tuple[int, ...]:
    return tuple(int(v) for v in attr.get_values())  # type: ignore[misc]  # an i64 array (the constraint)


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor (weights) and who may see it."""

    name = "gadget.constant"

    value = prop_def(base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr))
    visibility = prop_def(StringAttr, default_value=StringAttr("private"))
    result = result_def(TensorType)

    assembly_format = "attr-dict `:` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr | DenseResourceAttr, visibility: str = "private"):
        ty = value.get_type()
        assert isinstance(ty, TensorType)
        super().__init__(
            properties={"value": value, "visibility": StringAttr(visibility)},
            result_types=[felt_tensor(ty.get_shape())],
        )

    def verify_(self) -> None:
        result = _felt_tensor(self.result, "result", self.name)
        stored = self.value.get_type()
        assert isinstance(stored, TensorType)
        if not isinstance(stored.element_type, IntegerType):
            raise VerifyException(
                f"{self.name}: value must hold integers, got {stored.element_type}"
            )
        expect_shape(stored.get_shape(), result.get_shape(), self.name, "value")
        if self.visibility.data not in VISIBILITIES:
            raise VerifyException(
                f"{self.name}: visibility must be one of {', '.join(VISIBILITIES)}, "
                f"got '{self.visibility.data}'"
            )


def _verify_matmul(op: DotOp | RandomizedDotOp) -> tuple[int, ...]:
    """Felt operands whose numpy matmul has the result's shape; that shape."""
    shape = matmul_shape(
        _felt_tensor(op.lhs, "lhs", op.name).get_shape(),
        _felt_tensor(op.rhs, "rhs", op.name).get_shape(),
        op.name,
    )
    expect_shape(_felt_tensor(op.result, "result", op.name).get_shape(), shape, op.name)
    return tuple(shape)


@irdl_op_definition
class DotOp(IRDLOperation, GadgetOpInterface):
    """A whole matmul: out = lhs @ rhs (+ bias), exact in the field, no rescale."""

    name = "gadget.dot"
    GADGET_KIND: ClassVar[str] = "dot"

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$lhs `,` $rhs (`,` $bias^)? attr-dict `:` `(` type($lhs) `,` type($rhs) "
        "(`,` type($bias)^)? `)` `->` type($result)"
    )
    traits = traits_def(Pure())

    def __init__(
        self, lhs: SSAValue, rhs: SSAValue, bias: SSAValue | None, result_type: Attribute
    ):
        super().__init__(
            operands=[lhs, rhs, [bias] if bias is not None else []],
            result_types=[result_type],
        )

    def verify_(self) -> None:
        shape = _verify_matmul(self)
        if self.bias is not None:
            bias = _felt_tensor(self.bias, "bias", self.name).get_shape()
            if broadcast_shapes(shape, bias, self.name) != tuple(shape):
                raise VerifyException(
                    f"{self.name}: bias shape {list(bias)} does not broadcast to the "
                    f"result shape {list(shape)}"
                )

    def input_ports(self) -> dict[str, InputPort]:
        lhs = _felt_tensor(self.lhs, "lhs", self.name).get_shape()
        rhs = _felt_tensor(self.rhs, "rhs", self.name).get_shape()
        ports = {"lhs": InputPort.broadcast(self.lhs, lhs), "rhs": InputPort.broadcast(self.rhs, (*lhs[:-2], *rhs[-2:]))}
        if self.bias is not None:
            ports["bias"] = InputPort.broadcast(self.bias, _result_shape(self))
        return ports


@irdl_op_definition
class RandomizedDotOp(IRDLOperation, GadgetOpInterface):
    """out = lhs @ rhs, exact in the field like gadget.dot, proven by a random
    linear combination (Freivalds): the prover commits out, then the challenge r
    is drawn and u @ out @ v = (u @ lhs) @ (rhs @ v) is checked for v = (r^(m-1),
    .., r, 1) and u = (s^(t-1), .., s, 1), s = r^m: rows proportional to |lhs| +
    |rhs| + |out|, not to the multiply-adds.
    gadget-layout-search puts it in place of a gadget.dot where it is cheaper.

    A 2-D rhs (or one whose batch dimensions are all 1) is shared by every batch
    of lhs, so rhs @ v is computed once; else rhs is broadcast to lhs's batch."""

    name = "gadget.randomized_dot"
    GADGET_KIND: ClassVar[str] = "randomized_dot"

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)"
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        _verify_matmul(self)

    def gadget_params(self) -> dict[str, ParamValue]:
        return {"width": _felt_tensor(self.rhs, "rhs", self.name).get_shape()[-1]}

    def input_ports(self) -> dict[str, InputPort]:
        lhs = _felt_tensor(self.lhs, "lhs", self.name).get_shape()
        rhs = _felt_tensor(self.rhs, "rhs", self.name).get_shape()
        d, m = rhs[-2:]
        g = self.rhs_batches(lhs, rhs)
        if g == 1:
            rhs_port = InputPort(self.rhs, (1, d, m), np.arange(d * m, dtype=np.int64))
        else:
            rhs_port = InputPort(self.rhs, (g, d, m), InputPort.broadcast(self.rhs, (*lhs[:-2], d, m)).index)
        return {"lhs": InputPort.broadcast(self.lhs, lhs), "rhs": rhs_port}

    @staticmethod
    def rhs_batches(lhs: Sequence[int], rhs: Sequence[int]) -> int:
        """1 when one rhs serves every batch of lhs, else lhs's batch count."""
        if int(np.prod(rhs[:-2], dtype=np.int64)) == 1:
            return 1
        return int(np.prod(lhs[:-2], dtype=np.int64))


class _BinaryOp(IRDLOperation, GadgetOpInterface):
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` "
        "`->` type($result)"
    )
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        shape = broadcast_shapes(
            _felt_tensor(self.lhs, "lhs", self.name).get_shape(),
            _felt_tensor(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)

    def input_ports(self) -> dict[str, InputPort]:
        out = _result_shape(self)
        return {"lhs": InputPort.broadcast(self.lhs, out), "rhs": InputPort.broadcast(self.rhs, out)}


@irdl_op_definition
class AddOp(_BinaryOp):
    name = "gadget.add"
    GADGET_KIND: ClassVar[str] = "add"


@irdl_op_definition
class SubOp(_BinaryOp):
    name = "gadget.sub"
    GADGET_KIND: ClassVar[str] = "sub"


@irdl_op_definition
class MulOp(_BinaryOp):
    name = "gadget.mul"
    GADGET_KIND: ClassVar[str] = "mul"


@irdl_op_definition
class MaximumOp(_BinaryOp):
    """Elementwise max(lhs, rhs); reductions are trees of it."""

    name = "gadget.maximum"
    GADGET_KIND: ClassVar[str] = "maximum"


@irdl_op_definition
class LessOp(_BinaryOp):
    """Elementwise lhs < rhs as 0/1 (a bit and a range check, zkir.gadgets.compare);
    the other comparisons are built from it."""

    name = "gadget.less"
    GADGET_KIND: ClassVar[str] = "less"


@irdl_op_definition
class SelectOp(IRDLOperation, GadgetOpInterface):
    """out = lhs where cond is 1, rhs where it is 0, elementwise with broadcasting;
    the gadget also proves cond is 0 or 1 (zkir.gadgets.select)."""

    name = "gadget.select"
    GADGET_KIND: ClassVar[str] = "select"

    cond = operand_def(TensorType)
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$cond `,` $lhs `,` $rhs attr-dict `:` `(` type($cond) `,` type($lhs) `,` "
        "type($rhs) `)` `->` type($result)"
    )
    traits = traits_def(Pure())

    def __init__(self, cond: SSAValue, lhs: SSAValue, rhs: SSAValue, result_type: Attribute):
        super().__init__(operands=[cond, lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        shape = broadcast_shapes(
            broadcast_shapes(
                _felt_tensor(self.cond, "cond", self.name).get_shape(),
                _felt_tensor(self.lhs, "lhs", self.name).get_shape(),
                self.name,
            ),
            _felt_tensor(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)

    def input_ports(self) -> dict[str, InputPort]:
        out = _result_shape(self)
        return {
            "cond": InputPort.broadcast(self.cond, out),
            "lhs": InputPort.broadcast(self.lhs, out),
            "rhs": InputPort.broadcast(self.rhs, out),
        }


@irdl_op_definition
class EmbedOp(IRDLOperation, GadgetOpInterface):
    """out[..., c] = table[indices[...], c]: rows of a constant table picked by
    run-time indices (token ids), proven by lookups into the table."""

    name = "gadget.embed"
    GADGET_KIND: ClassVar[str] = "embed"
    TABLE_OPERANDS: ClassVar[tuple[int, ...]] = (0,)

    table = operand_def(TensorType)
    indices = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$table `,` $indices attr-dict `:` `(` type($table) `,` type($indices) `)` `->` type($result)"
    )
    traits = traits_def(Pure())

    def __init__(self, table: SSAValue, indices: SSAValue):
        rows = _felt_tensor(table, "table", self.name).get_shape()
        index = _felt_tensor(indices, "indices", self.name).get_shape()
        super().__init__(operands=[table, indices], result_types=[felt_tensor((*index, rows[-1]))])

    def verify_(self) -> None:
        table = _felt_tensor(self.table, "table", self.name).get_shape()
        index = _felt_tensor(self.indices, "indices", self.name).get_shape()
        if len(table) != 2:
            raise VerifyException(f"{self.name}: the table must be a matrix, got shape {list(table)}")
        if not isinstance(self.table.owner, ConstantOp):
            raise VerifyException(f"{self.name}: the table must be a gadget.constant")
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), (*index, table[1]), self.name)

    def gadget_params(self) -> dict[str, ParamValue]:
        table = self.table.owner
        assert isinstance(table, ConstantOp)
        return {"label": self.result.name_hint or "table", "value": table.value}

    def input_ports(self) -> dict[str, InputPort]:
        # element (..., c) of the output looks up row indices[...]
        src = tuple(_felt_tensor(self.indices, "indices", self.name).get_shape())
        out = _result_shape(self)
        size = int(np.prod(src, dtype=np.int64))
        index = np.broadcast_to(np.arange(size, dtype=np.int64).reshape(*src, 1), out).ravel()
        return {"indices": InputPort(self.indices, out, index)}


class _ElementwiseOp(IRDLOperation, GadgetOpInterface):
    """One input, a result of its shape, one `input` port."""

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    traits = traits_def(Pure())

    def verify_(self) -> None:
        shape = _felt_tensor(self.input, "input", self.name).get_shape()
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)

    def input_ports(self) -> dict[str, InputPort]:
        return {"input": InputPort.broadcast(self.input, _result_shape(self))}


@irdl_op_definition
class SqrtOp(_ElementwiseOp):
    """out = round(sqrt(input * 2^shift)) for inputs >= 1 (layer norm's sigma)."""

    name = "gadget.sqrt"
    GADGET_KIND: ClassVar[str] = "sqrt"

    shift = prop_def(IntegerAttr[IntegerType])

    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, input: SSAValue, shift: int):
        super().__init__(operands=[input], result_types=[input.type], properties={"shift": _int_prop(shift)})

    def verify_(self) -> None:
        super().verify_()
        if not 0 <= self.get_shift() <= 40:
            raise VerifyException(f"{self.name}: shift must be in [0, 40]")

    def get_shift(self) -> int:
        return self.shift.value.data

    def gadget_params(self) -> dict[str, ParamValue]:
        return {"shift": self.get_shift()}


@irdl_op_definition
class SquareOp(_ElementwiseOp):
    """out = input * input, elementwise (a variance's squares)."""

    name = "gadget.square"
    GADGET_KIND: ClassVar[str] = "square"

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])


@irdl_op_definition
class VarDivOp(IRDLOperation, GadgetOpInterface):
    """out = round(num * 2^shift / den) with den computed in the circuit (softmax)."""

    name = "gadget.var_div"
    GADGET_KIND: ClassVar[str] = "var_div"

    num = operand_def(TensorType)
    den = operand_def(TensorType)
    result = result_def(TensorType)
    shift = prop_def(IntegerAttr[IntegerType])

    assembly_format = (
        "$num `,` $den attr-dict `:` `(` type($num) `,` type($den) `)` `->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, num: SSAValue, den: SSAValue, shift: int):
        super().__init__(
            operands=[num, den], result_types=[num.type], properties={"shift": _int_prop(shift)}
        )

    def verify_(self) -> None:
        shape = _felt_tensor(self.num, "num", self.name).get_shape()
        den = _felt_tensor(self.den, "den", self.name).get_shape()
        if broadcast_shapes(shape, den, self.name) != tuple(shape):
            raise VerifyException(
                f"{self.name}: den shape {list(den)} does not broadcast to {list(shape)}"
            )
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)
        if not 0 <= self.get_shift() <= 30:
            raise VerifyException(f"{self.name}: shift must be in [0, 30]")

    def get_shift(self) -> int:
        return self.shift.value.data

    def gadget_params(self) -> dict[str, ParamValue]:
        return {"shift": self.get_shift()}

    def input_ports(self) -> dict[str, InputPort]:
        out = _result_shape(self)
        return {"num": InputPort.broadcast(self.num, out), "den": InputPort.broadcast(self.den, out)}


class _ReduceOp(IRDLOperation):
    input = operand_def(TensorType)
    result = result_def(TensorType)
    axes = prop_def(DenseArrayBase.constr(i64))
    keepdims = opt_prop_def(UnitAttr)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(
        self, input: SSAValue, axes: Sequence[int], result_type: Attribute, keepdims: bool = False
    ):
        props: dict[str, Attribute] = {"axes": DenseArrayBase.from_list(i64, list(axes))}
        if keepdims:
            props["keepdims"] = UnitAttr()
        super().__init__(operands=[input], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        shape = _felt_tensor(self.input, "input", self.name).get_shape()
        axes = normalise_axes(_axes(self.axes), len(shape), self.name)
        if not axes:
            raise VerifyException(f"{self.name}: needs at least one axis")
        expect_shape(
            _felt_tensor(self.result, "result", self.name).get_shape(),
            reduced_shape(shape, axes, self.keepdims is not None),
            self.name,
        )

    def get_axes(self) -> tuple[int, ...]:
        return _axes(self.axes)

    def get_keepdims(self) -> bool:
        return self.keepdims is not None

    def reduction_layout(self) -> tuple[tuple[int, int], np.ndarray]:
        """(groups, width) with the reduced axes last, and the input element of
        each entry of that matrix (flat)."""
        src = tuple(_felt_tensor(self.input, "input", self.name).get_shape())
        axes = [a % len(src) for a in self.get_axes()]
        kept = [d for d in range(len(src)) if d not in axes]
        index = np.transpose(np.arange(int(np.prod(src, dtype=np.int64)), dtype=np.int64).reshape(src), kept + axes)
        groups = int(np.prod([src[d] for d in kept], dtype=np.int64))
        return (groups, int(np.prod([src[d] for d in axes], dtype=np.int64))), index.ravel()


@irdl_op_definition
class SumOp(_ReduceOp, GadgetOpInterface):
    """Sum over axes (the adder gadget), which sums the rows of a (groups,
    width) matrix: the wiring moves the reduced axes last."""

    name = "gadget.sum"
    GADGET_KIND: ClassVar[str] = "sum"

    def gadget_params(self) -> dict[str, ParamValue]:
        return {"terms": self.reduction_layout()[0][1]}

    def input_ports(self) -> dict[str, InputPort]:
        shape, index = self.reduction_layout()
        return {"input": InputPort(self.input, shape, index)}

    def output_port_shape(self) -> tuple[int, ...]:
        return (self.reduction_layout()[0][0],)


@irdl_op_definition
class ReduceMaxOp(_ReduceOp):
    """Max over axes: pooling and argmax, proven by comparisons and range checks."""

    name = "gadget.reduce_max"


@irdl_op_definition
class RescaleOp(IRDLOperation, GadgetOpInterface):
    """Bias-div-round: out = round((input + bias) / divisor), then max(., 0) with `relu`.

    Rounding is zkir.interpreter.rounding's one rule; `relu` fuses the ReLU that
    so often follows, which the rescale gadget proves almost for free.
    """

    name = "gadget.rescale"
    GADGET_KIND: ClassVar[str] = "rescale"

    input = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    result = result_def(TensorType)
    divisor = prop_def(IntegerAttr[IntegerType])
    relu = opt_prop_def(UnitAttr)

    assembly_format = (
        "$input (`,` $bias^)? attr-dict `:` type($input) (`,` type($bias)^)? "
        "`->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(
        self, input: SSAValue, divisor: int, bias: SSAValue | None = None, relu: bool = False
    ):
        props: dict[str, Attribute] = {"divisor": _int_prop(divisor)}
        if relu:
            props["relu"] = UnitAttr()
        super().__init__(
            operands=[input, [bias] if bias is not None else []],
            result_types=[input.type],
            properties=props,
        )

    def verify_(self) -> None:
        shape = _felt_tensor(self.input, "input", self.name).get_shape()
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)
        if self.get_divisor() < 1:
            raise VerifyException(
                f"{self.name}: divisor must be positive, got {self.get_divisor()}"
            )
        if self.bias is not None:
            bias = _felt_tensor(self.bias, "bias", self.name).get_shape()
            if broadcast_shapes(shape, bias, self.name) != tuple(shape):
                raise VerifyException(
                    f"{self.name}: bias shape {list(bias)} does not broadcast to "
                    f"{list(shape)}"
                )

    def get_divisor(self) -> int:
        return self.divisor.value.data

    def gadget_params(self) -> dict[str, ParamValue]:
        return {"divisor": self.get_divisor(), "relu": self.relu is not None}

    def input_ports(self) -> dict[str, InputPort]:
        out = _result_shape(self)
        bias = InputPort.zeros(out) if self.bias is None else InputPort.broadcast(self.bias, out)
        return {"input": InputPort.broadcast(self.input, out), "bias": bias}


@irdl_op_definition
class LookupOp(_ElementwiseOp):
    """out = fn(input) through a lookup table of 2^table_bits input values.

    `fn` names one integer reference function of zkir.interpreter.nonlinear
    (zkir.dialects.nonlinearities lists the names);
    `in_scale`/`out_scale` are its fixed-point parameters.
    """

    name = "gadget.lookup"
    GADGET_KIND: ClassVar[str] = "lookup"

    fn = prop_def(StringAttr)
    table_bits = prop_def(IntegerAttr[IntegerType])
    in_scale = prop_def(IntegerAttr[IntegerType], default_value=_int_prop(0))
    out_scale = prop_def(IntegerAttr[IntegerType], default_value=_int_prop(0))
    input_range = opt_prop_def(DenseArrayBase.constr(i64))
    """[lo, hi]: the inputs calibration samples gave (zkir compile --calibration);
    gadget-bound-lookups sizes the table to them."""
    table_range = opt_prop_def(DenseArrayBase.constr(i64))
    """[lo, hi]: the table holds exactly the inputs lo..hi (lo <= 0 <= hi),
    instead of the signed table_bits-bit range."""
    split = opt_prop_def(SplitAttr)
    """Set by gadget-layout-search: the table_range read through a table of
    segments (zkir.gadgets.segments), laid out as the `split_lookup` gadget."""

    assembly_format = "$fn $input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self,
        input: SSAValue,
        fn: str,
        table_bits: int,
        in_scale: int = 0,
        out_scale: int = 0,
        result_type: Attribute | None = None,
    ):
        super().__init__(
            operands=[input],
            result_types=[result_type or input.type],
            properties={
                "fn": StringAttr(fn),
                "table_bits": _int_prop(table_bits),
                "in_scale": _int_prop(in_scale),
                "out_scale": _int_prop(out_scale),
            },
        )

    def verify_(self) -> None:
        super().verify_()
        if self.fn.data not in NONLINEARITY_NAMES:
            raise VerifyException(
                f"{self.name}: unknown nonlinearity '{self.fn.data}' (known: "
                f"{', '.join(sorted(NONLINEARITY_NAMES))})"
            )
        bits = self.get_table_bits()
        if self.input_range is not None:
            observed = _axes(self.input_range)
            if len(observed) != 2 or observed[0] > observed[1]:
                raise VerifyException(f"{self.name}: input_range must be [lo, hi] with lo <= hi, got {list(observed)}")
        if self.table_range is not None:
            table = _axes(self.table_range)
            if len(table) != 2 or not table[0] <= 0 <= table[1]:
                raise VerifyException(f"{self.name}: table_range must be [lo, hi] with lo <= 0 <= hi, got {list(table)}")
            if max(-table[0], table[1] + 1) > 1 << (bits - 1):
                raise VerifyException(f"{self.name}: table_range {list(table)} needs more than table_bits = {bits}")
        if self.split is not None and self.table_range is None:
            raise VerifyException(f"{self.name}: a split lookup needs a table_range (the inputs its segments cover)")
        if not 1 <= bits <= MAX_TABLE_BITS:
            raise VerifyException(
                f"{self.name}: table_bits must be in [1, {MAX_TABLE_BITS}], got {bits}"
            )

    def get_table_bits(self) -> int:
        return self.table_bits.value.data

    def get_input_range(self) -> tuple[int, int] | None:
        if self.input_range is None:
            return None
        lo, hi = _axes(self.input_range)
        return lo, hi

    def get_table_range(self) -> tuple[int, int] | None:
        if self.table_range is None:
            return None
        lo, hi = _axes(self.table_range)
        return lo, hi

    def get_in_scale(self) -> int:
        return self.in_scale.value.data

    def get_out_scale(self) -> int:
        return self.out_scale.value.data

    def set_table_range(self, lo: int, hi: int) -> None:
        self.properties["table_range"] = DenseArrayBase.from_list(i64, [lo, hi])

    def get_split(self) -> tuple[int, int] | None:
        """(low_bits, frac_bits) of the layout search's split, if any."""
        if self.split is None:
            return None
        return self.split.low_bits.data, self.split.frac_bits.data

    def set_split(self, split: tuple[int, int] | None) -> None:
        if split is None:
            self.properties.pop("split", None)
        else:
            self.properties["split"] = SplitAttr(*split)

    def gadget_kind(self) -> str:
        return self.GADGET_KIND if self.split is None else "split_lookup"

    def gadget_params(self) -> dict[str, ParamValue]:
        in_scale, out_scale = self.get_in_scale(), self.get_out_scale()
        params: dict[str, ParamValue] = {
            "fn": self.fn.data,
            "table_bits": self.get_table_bits(),
            "scale": out_scale,
            "in_scale": in_scale if in_scale != out_scale else None,
            "table_lo": None if self.table_range is None else _axes(self.table_range)[0],
            "table_hi": None if self.table_range is None else _axes(self.table_range)[1],
        }
        split = self.get_split()
        if split is not None:
            del params["table_bits"]  # the range table's bits come from the layout
            params["low_bits"], params["frac_bits"] = split
        return params


@irdl_op_definition
class RangeCheckOp(IRDLOperation, GadgetOpInterface):
    """Constrain every element to the signed range [-2^(bits-1), 2^(bits-1))."""

    name = "gadget.range_check"
    GADGET_KIND: ClassVar[str] = "range_check"

    input = operand_def(TensorType)
    bits = prop_def(IntegerAttr[IntegerType])

    assembly_format = "$input attr-dict `:` type($input)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, input: SSAValue, bits: int):
        super().__init__(operands=[input], properties={"bits": _int_prop(bits)})

    def verify_(self) -> None:
        _felt_tensor(self.input, "input", self.name)
        if not 1 <= self.get_bits() <= 64:
            raise VerifyException(
                f"{self.name}: bits must be in [1, 64], got {self.get_bits()}"
            )

    def get_bits(self) -> int:
        return self.bits.value.data

    def gadget_params(self) -> dict[str, ParamValue]:
        return {"bits": self.get_bits()}

    def input_ports(self) -> dict[str, InputPort]:
        shape = tuple(_felt_tensor(self.input, "input", self.name).get_shape())
        return {"input": InputPort.broadcast(self.input, shape)}


@irdl_op_definition
class RewireOp(IRDLOperation):
    """Pure wiring, no constraint: out.flat[i] = inputs[map[i]] or 0 where map[i] = -1.

    `inputs` are indexed as one concatenation of their flattened tensors. Every
    shape op (reshape, transpose, slice, concat, pad, gather with constant
    indices, broadcast, im2col) becomes this op; `kind` says which, for readers.
    Without `map` the op is a reshape of its single input.
    """

    name = "gadget.rewire"

    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    kind = prop_def(StringAttr)
    map = opt_prop_def(base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr))

    assembly_format = "$kind $inputs attr-dict `:` type($inputs) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(
        self,
        kind: str,
        inputs: Sequence[SSAValue],
        shape: Sequence[int],
        map: Attribute | None = None,
    ):
        props: dict[str, Attribute] = {"kind": StringAttr(kind)}
        if map is not None:
            props["map"] = map
        super().__init__(
            operands=[inputs], result_types=[felt_tensor(shape)], properties=props
        )

    def index_map(self) -> np.ndarray:
        """The map as an int64 numpy array (identity when absent)."""
        size = _felt_tensor(self.result, "result", self.name).element_count()
        if self.map is None:
            return np.arange(size, dtype=np.int64)
        return to_numpy(self.map).astype(np.int64).ravel()

    def verify_(self) -> None:
        if not self.inputs:
            raise VerifyException(f"{self.name}: needs at least one input")
        total = sum(
            _felt_tensor(v, f"input {i}", self.name).element_count()
            for i, v in enumerate(self.inputs)
        )
        size = _felt_tensor(self.result, "result", self.name).element_count()
        if self.map is None:
            if len(self.inputs) != 1 or total != size:
                raise VerifyException(
                    f"{self.name} '{self.kind.data}': without a map it reshapes one "
                    f"input of the result's {size} elements"
                )
            return
        stored = self.map.get_type()
        assert isinstance(stored, TensorType)
        if not isinstance(stored.element_type, IntegerType) or stored.element_count() != size:
            raise VerifyException(
                f"{self.name} '{self.kind.data}': map must hold {size} integers, got {stored}"
            )
        values = self.index_map()
        if size and (values.min() < -1 or values.max() >= total):
            raise VerifyException(
                f"{self.name} '{self.kind.data}': map entries must be in [-1, {total}), "
                f"got [{int(values.min())}, {int(values.max())}]"
            )


GadgetDialect = Dialect(
    "gadget",
    [
        ConstantOp,
        DotOp,
        RandomizedDotOp,
        AddOp,
        SubOp,
        MulOp,
        MaximumOp,
        LessOp,
        SelectOp,
        VarDivOp,
        SqrtOp,
        SquareOp,
        EmbedOp,
        SumOp,
        ReduceMaxOp,
        RescaleOp,
        LookupOp,
        RangeCheckOp,
        RewireOp,
    ],
    [FeltType, LayoutAttr, SplitAttr],
)
