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

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
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
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from zkir.dialects.nonlinearities import NONLINEARITY_NAMES
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
    return tuple(int(v) for v in attr.get_values())


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor (weights) and who may see it."""

    name = "gadget.constant"

    value = prop_def(DenseIntOrFPElementsAttr | DenseResourceAttr)
    visibility = prop_def(StringAttr, default_value=StringAttr("private"))
    result = result_def(TensorType)

    assembly_format = "attr-dict `:` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, value: Attribute, visibility: str = "private"):
        ty = value.get_type()  # pyright: ignore[reportAttributeAccessIssue]
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


@irdl_op_definition
class DotOp(IRDLOperation):
    """A whole matmul: out = lhs @ rhs (+ bias), exact in the field, no rescale."""

    name = "gadget.dot"

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
        shape = matmul_shape(
            _felt_tensor(self.lhs, "lhs", self.name).get_shape(),
            _felt_tensor(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)
        if self.bias is not None:
            bias = _felt_tensor(self.bias, "bias", self.name).get_shape()
            if broadcast_shapes(shape, bias, self.name) != shape:
                raise VerifyException(
                    f"{self.name}: bias shape {list(bias)} does not broadcast to the "
                    f"result shape {list(shape)}"
                )


class _BinaryOp(IRDLOperation):
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


@irdl_op_definition
class AddOp(_BinaryOp):
    name = "gadget.add"


@irdl_op_definition
class SubOp(_BinaryOp):
    name = "gadget.sub"


@irdl_op_definition
class MulOp(_BinaryOp):
    name = "gadget.mul"


@irdl_op_definition
class MaximumOp(_BinaryOp):
    """Elementwise max(lhs, rhs); reductions are trees of it."""

    name = "gadget.maximum"


@irdl_op_definition
class EmbedOp(IRDLOperation):
    """out[..., c] = table[indices[...], c]: rows of a constant table picked by
    run-time indices (token ids), proven by lookups into the table."""

    name = "gadget.embed"

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


@irdl_op_definition
class SqrtOp(IRDLOperation):
    """out = round(sqrt(input * 2^shift)) for inputs >= 1 (layer norm's sigma)."""

    name = "gadget.sqrt"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    shift = prop_def(IntegerAttr[IntegerType])

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, shift: int):
        super().__init__(operands=[input], result_types=[input.type], properties={"shift": _int_prop(shift)})

    def verify_(self) -> None:
        shape = _felt_tensor(self.input, "input", self.name).get_shape()
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)
        if not 0 <= self.shift.value.data <= 40:
            raise VerifyException(f"{self.name}: shift must be in [0, 40]")


@irdl_op_definition
class VarDivOp(IRDLOperation):
    """out = round(num * 2^shift / den) with den computed in the circuit (softmax)."""

    name = "gadget.var_div"

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
        if not 0 <= self.shift.value.data <= 30:
            raise VerifyException(f"{self.name}: shift must be in [0, 30]")


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


@irdl_op_definition
class SumOp(_ReduceOp):
    """Sum over axes (the adder gadget)."""

    name = "gadget.sum"


@irdl_op_definition
class ReduceMaxOp(_ReduceOp):
    """Max over axes: pooling and argmax, proven by comparisons and range checks."""

    name = "gadget.reduce_max"


@irdl_op_definition
class RescaleOp(IRDLOperation):
    """Bias-div-round: out = round((input + bias) / divisor), then max(., 0) with `relu`.

    Rounding is zkir.interpreter.rounding's one rule; `relu` fuses the ReLU that
    so often follows, which the rescale gadget proves almost for free.
    """

    name = "gadget.rescale"

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
        if self.divisor.value.data < 1:
            raise VerifyException(
                f"{self.name}: divisor must be positive, got {self.divisor.value.data}"
            )
        if self.bias is not None:
            bias = _felt_tensor(self.bias, "bias", self.name).get_shape()
            if broadcast_shapes(shape, bias, self.name) != tuple(shape):
                raise VerifyException(
                    f"{self.name}: bias shape {list(bias)} does not broadcast to "
                    f"{list(shape)}"
                )


@irdl_op_definition
class LookupOp(IRDLOperation):
    """out = fn(input) through a lookup table of 2^table_bits input values.

    `fn` names one integer reference function of zkir.interpreter.nonlinear
    (zkir.dialects.nonlinearities lists the names);
    `in_scale`/`out_scale` are its fixed-point parameters.
    """

    name = "gadget.lookup"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    fn = prop_def(StringAttr)
    table_bits = prop_def(IntegerAttr[IntegerType])
    in_scale = prop_def(IntegerAttr[IntegerType], default_value=_int_prop(0))
    out_scale = prop_def(IntegerAttr[IntegerType], default_value=_int_prop(0))

    assembly_format = "$fn $input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

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
        shape = _felt_tensor(self.input, "input", self.name).get_shape()
        expect_shape(_felt_tensor(self.result, "result", self.name).get_shape(), shape, self.name)
        if self.fn.data not in NONLINEARITY_NAMES:
            raise VerifyException(
                f"{self.name}: unknown nonlinearity '{self.fn.data}' (known: "
                f"{', '.join(sorted(NONLINEARITY_NAMES))})"
            )
        bits = self.table_bits.value.data
        if not 1 <= bits <= MAX_TABLE_BITS:
            raise VerifyException(
                f"{self.name}: table_bits must be in [1, {MAX_TABLE_BITS}], got {bits}"
            )


@irdl_op_definition
class RangeCheckOp(IRDLOperation):
    """Constrain every element to the signed range [-2^(bits-1), 2^(bits-1))."""

    name = "gadget.range_check"

    input = operand_def(TensorType)
    bits = prop_def(IntegerAttr[IntegerType])

    assembly_format = "$input attr-dict `:` type($input)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, input: SSAValue, bits: int):
        super().__init__(operands=[input], properties={"bits": _int_prop(bits)})

    def verify_(self) -> None:
        _felt_tensor(self.input, "input", self.name)
        if not 1 <= self.bits.value.data <= 64:
            raise VerifyException(
                f"{self.name}: bits must be in [1, 64], got {self.bits.value.data}"
            )


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
    map = opt_prop_def(DenseIntOrFPElementsAttr | DenseResourceAttr)

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

    def index_map(self):
        """The map as an int64 numpy array (identity when absent)."""
        import numpy as np

        from zkir.dialects.resources import to_numpy

        size = _felt_tensor(self.result, "result", self.name).element_count()
        if self.map is None:
            return np.arange(size, dtype=np.int64)
        return to_numpy(self.map).astype(np.int64).ravel()

    def verify_(self) -> None:
        import numpy as np

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
        AddOp,
        SubOp,
        MulOp,
        MaximumOp,
        VarDivOp,
        SqrtOp,
        EmbedOp,
        SumOp,
        ReduceMaxOp,
        RescaleOp,
        LookupOp,
        RangeCheckOp,
        RewireOp,
    ],
    [FeltType],
)
