"""The `ml` dialect: what a model computes, on whole tensors.

This is the level importers produce. The same ops carry two kinds of element type:
`f32` after import (float semantics) and `!ml.fixed<bits, scale>` after
`ml-quantize` (the integer round(x * 2^scale), fitting in `bits` signed bits).
Products of fixed-point values carry the sum of their operands' scales; the
explicit `ml.rescale` brings a value back down, so every rounding step in the
fixed-point semantics is an op that the circuit later has to prove.

Layouts follow ONNX: activations NCHW, convolution weights OIHW.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute, Dialect, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    ParametrizedAttribute,
    base,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from zkir.dialects.resources import to_numpy
from zkir.dialects.shapes import (
    broadcast_shapes,
    expect_shape,
    matmul_shape,
    normalise_axes,
    reduced_shape,
    tensor_type,
)

# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@irdl_attr_definition
class FixedType(ParametrizedAttribute, TypeAttribute):
    """A fixed-point real: the integer round(x * 2^scale) in `bits` signed bits."""

    name = "ml.fixed"

    bits: IntAttr
    scale: IntAttr

    def __init__(self, bits: int | IntAttr, scale: int | IntAttr):
        super().__init__(
            IntAttr(bits) if isinstance(bits, int) else bits,
            IntAttr(scale) if isinstance(scale, int) else scale,
        )

    def verify(self) -> None:
        if not 1 <= self.bits.data <= 64:
            raise VerifyException(
                f"ml.fixed: bits must be in [1, 64], got {self.bits.data}"
            )
        if not 0 <= self.scale.data <= 62:
            raise VerifyException(
                f"ml.fixed: scale must be in [0, 62], got {self.scale.data}"
            )

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.bits.data}, {self.scale.data}>")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[IntAttr, IntAttr]:
        parser.parse_punctuation("<", " in ml.fixed")
        bits = parser.parse_integer(allow_boolean=False, allow_negative=False)
        parser.parse_punctuation(",", " in ml.fixed")
        scale = parser.parse_integer(allow_boolean=False, allow_negative=False)
        parser.parse_punctuation(">", " in ml.fixed")
        return IntAttr(bits), IntAttr(scale)


def is_numeric_element(ty: Attribute) -> bool:
    return isinstance(ty, FixedType | AnyFloat)


BOOL = i1
"""The element type of booleans (comparison results, masks): in the circuit each
is a field element proven to be 0 or 1."""


def is_integer_element(ty: Attribute) -> bool:
    """i64: indices and other integers a model computes with (exact, scale 0)."""
    return ty == i64


def is_bool_element(ty: Attribute) -> bool:
    return ty == BOOL


def element_of(value: SSAValue, what: str, op_name: str, integers: bool = False) -> Attribute:
    """The element type of a numeric operand: float or !ml.fixed, and with
    `integers` also i64 (index arithmetic); booleans never."""
    el = tensor_type(value, what, op_name).element_type
    if not is_numeric_element(el) and not (integers and is_integer_element(el)):
        allowed = "floats, !ml.fixed or i64 values" if integers else "floats or !ml.fixed values"
        raise VerifyException(f"{op_name}: {what} must hold {allowed}, got {el}")
    return el


def bool_of(value: SSAValue, what: str, op_name: str) -> TensorType:
    ty = tensor_type(value, what, op_name)
    if not is_bool_element(ty.element_type):
        raise VerifyException(f"{op_name}: {what} must hold booleans (i1), got {ty.element_type}")
    return ty


def product_element(lhs: Attribute, rhs: Attribute, op_name: str) -> Attribute:
    """The element type of a product: the same float, or the sum of the scales."""
    if isinstance(lhs, FixedType) and isinstance(rhs, FixedType):
        return FixedType(64, lhs.scale.data + rhs.scale.data)
    if isinstance(lhs, FixedType) != isinstance(rhs, FixedType) or lhs != rhs:
        raise VerifyException(
            f"{op_name}: operand element types {lhs} and {rhs} cannot be multiplied"
        )
    return lhs


def check_product_result(result: Attribute, expected: Attribute, op_name: str) -> None:
    """A product's result holds the operands' float type or their summed scale."""
    if isinstance(expected, FixedType):
        if (
            not isinstance(result, FixedType)
            or result.scale.data != expected.scale.data
        ):
            raise VerifyException(
                f"{op_name}: result element type must be !ml.fixed with scale "
                f"{expected.scale.data} (the sum of the operand scales), got {result}"
            )
    elif result != expected:
        raise VerifyException(
            f"{op_name}: result element type must be {expected}, got {result}"
        )


def _int_list(attr: DenseArrayBase[IntegerType]) -> tuple[int, ...]:
    return tuple(int(v) for v in attr.get_values())


def _i64_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


# ---------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------
# Typed accessors: every property `p` that consumers read has a method
# `get_p()` returning it as a plain Python value (a tuple of ints for i64
# arrays, int / bool / float for scalars, a numpy array for a constant's value).
# The properties themselves keep their names (they are the IR's spelling).


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor: weights as a dense resource blob, small values inline.

    Fixed-point constants store their integers (i64 elements) with the result
    carrying the `!ml.fixed` element type.
    """

    name = "ml.constant"

    value = prop_def(base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr))
    result = result_def(TensorType)

    assembly_format = "attr-dict `:` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    traits = traits_def(Pure())

    def __init__(self, value: Attribute, result_type: TensorType):
        super().__init__(properties={"value": value}, result_types=[result_type])

    def get_value(self) -> np.ndarray:
        """The stored values (inline or a resource blob), shaped; a fixed-point
        constant gives its integers."""
        return to_numpy(self.value)

    def verify_(self) -> None:
        result = tensor_type(self.result, "result", self.name)
        stored = self.value.get_type()
        assert isinstance(stored, TensorType)
        expect_shape(stored.get_shape(), result.get_shape(), self.name, "value")
        el = result.element_type
        if isinstance(el, FixedType):
            if not isinstance(stored.element_type, IntegerType):
                raise VerifyException(
                    f"{self.name}: a fixed-point constant must store integers, "
                    f"got {stored.element_type}"
                )
        elif el != stored.element_type:
            raise VerifyException(
                f"{self.name}: value element type {stored.element_type} does not "
                f"match the result's {el}"
            )


class _ElementwiseBinaryOp(IRDLOperation):
    """Numpy-broadcasting binary op on operands of one element type."""

    INTEGERS: ClassVar[bool] = False
    """Whether the op also takes i64 operands (exact integer arithmetic)."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` "
        "`->` type($result)"
    )

    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: TensorType):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def expected_element(self, lhs: Attribute, rhs: Attribute) -> Attribute:
        if lhs != rhs:
            raise VerifyException(
                f"{self.name}: operand element types differ ({lhs} vs {rhs}); "
                "fixed-point operands must share a scale"
            )
        return lhs

    def verify_(self) -> None:
        lhs_el = element_of(self.lhs, "lhs", self.name, self.INTEGERS)
        rhs_el = element_of(self.rhs, "rhs", self.name, self.INTEGERS)
        shape = broadcast_shapes(
            tensor_type(self.lhs, "lhs", self.name).get_shape(),
            tensor_type(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        result = tensor_type(self.result, "result", self.name)
        expect_shape(result.get_shape(), shape, self.name)
        check_product_result(
            result.element_type, self.expected_element(lhs_el, rhs_el), self.name
        )


@irdl_op_definition
class AddOp(_ElementwiseBinaryOp):
    name = "ml.add"
    INTEGERS: ClassVar[bool] = True


@irdl_op_definition
class SubOp(_ElementwiseBinaryOp):
    name = "ml.sub"
    INTEGERS: ClassVar[bool] = True


@irdl_op_definition
class MulOp(_ElementwiseBinaryOp):
    """Elementwise product; fixed-point scales add up."""

    name = "ml.mul"
    INTEGERS: ClassVar[bool] = True

    def expected_element(self, lhs: Attribute, rhs: Attribute) -> Attribute:
        return product_element(lhs, rhs, self.name)


@irdl_op_definition
class MatmulOp(IRDLOperation):
    """numpy.matmul: batched, with broadcasting batch dimensions."""

    name = "ml.matmul"

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` "
        "`->` type($result)"
    )

    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: TensorType):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        el = product_element(
            element_of(self.lhs, "lhs", self.name),
            element_of(self.rhs, "rhs", self.name),
            self.name,
        )
        shape = matmul_shape(
            tensor_type(self.lhs, "lhs", self.name).get_shape(),
            tensor_type(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        result = tensor_type(self.result, "result", self.name)
        expect_shape(result.get_shape(), shape, self.name)
        check_product_result(result.element_type, el, self.name)


def conv2d_output_shape(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    group: int,
    op_name: str = "ml.conv2d",
) -> tuple[int, int, int, int]:
    """NCHW x OIHW -> NOHW; pads are [top, left, bottom, right] as in ONNX."""
    if len(input_shape) != 4 or len(weight_shape) != 4:
        raise VerifyException(
            f"{op_name}: input and weight must have rank 4 (NCHW, OIHW), got "
            f"{list(input_shape)} and {list(weight_shape)}"
        )
    if len(strides) != 2 or len(dilations) != 2 or len(pads) != 4:
        raise VerifyException(
            f"{op_name}: strides and dilations need 2 values and pads 4"
        )
    if min(strides) < 1 or min(dilations) < 1 or min(pads) < 0:
        raise VerifyException(
            f"{op_name}: strides and dilations must be >= 1 and pads >= 0"
        )
    n, c, h, w = input_shape
    o, ci, kh, kw = weight_shape
    if group < 1 or c % group or o % group or ci * group != c:
        raise VerifyException(
            f"{op_name}: {c} input channels, {o} output channels and {ci} weight "
            f"input channels do not fit group={group}"
        )
    oh = (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (w + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    if oh < 1 or ow < 1:
        raise VerifyException(f"{op_name}: the kernel does not fit the padded input")
    return (n, o, oh, ow)


@irdl_op_definition
class Conv2dOp(IRDLOperation):
    """2-D convolution (NCHW, OIHW weights, optional bias per output channel)."""

    name = "ml.conv2d"

    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    result = result_def(TensorType)

    strides = prop_def(DenseArrayBase.constr(i64))
    pads = prop_def(DenseArrayBase.constr(i64))
    dilations = prop_def(DenseArrayBase.constr(i64))
    group = prop_def(IntegerAttr[IntegerType])

    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` `(` type($input) `,` "
        "type($weight) (`,` type($bias)^)? `)` `->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)

    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None,
        result_type: TensorType,
        strides: Sequence[int] = (1, 1),
        pads: Sequence[int] = (0, 0, 0, 0),
        dilations: Sequence[int] = (1, 1),
        group: int = 1,
    ):
        super().__init__(
            operands=[input, weight, [bias] if bias is not None else []],
            result_types=[result_type],
            properties={
                "strides": _i64_array(strides),
                "pads": _i64_array(pads),
                "dilations": _i64_array(dilations),
                "group": IntegerAttr(group, i64),
            },
        )

    def get_strides(self) -> tuple[int, ...]:
        return _int_list(self.strides)

    def get_pads(self) -> tuple[int, ...]:
        """[top, left, bottom, right]."""
        return _int_list(self.pads)

    def get_dilations(self) -> tuple[int, ...]:
        return _int_list(self.dilations)

    def get_group(self) -> int:
        return self.group.value.data

    def verify_(self) -> None:
        el = product_element(
            element_of(self.input, "input", self.name),
            element_of(self.weight, "weight", self.name),
            self.name,
        )
        shape = conv2d_output_shape(
            tensor_type(self.input, "input", self.name).get_shape(),
            tensor_type(self.weight, "weight", self.name).get_shape(),
            self.get_strides(),
            self.get_pads(),
            self.get_dilations(),
            self.get_group(),
            self.name,
        )
        result = tensor_type(self.result, "result", self.name)
        expect_shape(result.get_shape(), shape, self.name)
        check_product_result(result.element_type, el, self.name)
        if self.bias is not None:
            bias = tensor_type(self.bias, "bias", self.name)
            expect_shape(bias.get_shape(), (shape[1],), self.name, "bias")
            check_product_result(bias.element_type, el, self.name)


class _ElementwiseUnaryOp(IRDLOperation):
    INTEGERS: ClassVar[bool] = False
    """Whether the op also takes i64 operands."""

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, result_type: Attribute | None = None):
        super().__init__(
            operands=[input], result_types=[result_type or input.type]
        )

    def verify_(self) -> None:
        element_of(self.input, "input", self.name, self.INTEGERS)
        if self.input.type != self.result.type:
            raise VerifyException(
                f"{self.name}: result type {self.result.type} must equal the input "
                f"type {self.input.type}"
            )


@irdl_op_definition
class ReluOp(_ElementwiseUnaryOp):
    name = "ml.relu"


@irdl_op_definition
class RescaleOp(IRDLOperation):
    """Divide a fixed-point value by 2^(input scale - result scale), rounding.

    Rounding is half up (zkir.interpreter.rounding, the single definition).
    """

    name = "ml.rescale"

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), src.get_shape(), self.name)
        if not isinstance(src.element_type, FixedType) or not isinstance(
            dst.element_type, FixedType
        ):
            raise VerifyException(f"{self.name}: operand and result must be !ml.fixed")
        if dst.element_type.scale.data > src.element_type.scale.data:
            raise VerifyException(
                f"{self.name}: result scale {dst.element_type.scale.data} exceeds "
                f"the input scale {src.element_type.scale.data}"
            )


@irdl_op_definition
class ReshapeOp(IRDLOperation):
    """Row-major reshape; the target shape is the result type's."""

    name = "ml.reshape"

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        if src.element_type != dst.element_type:
            raise VerifyException(f"{self.name}: element types must match")
        if src.element_count() != dst.element_count():
            raise VerifyException(
                f"{self.name}: cannot reshape {list(src.get_shape())} "
                f"({src.element_count()} elements) to {list(dst.get_shape())} "
                f"({dst.element_count()} elements)"
            )


@irdl_op_definition
class TransposeOp(IRDLOperation):
    """Permute dimensions: result dim i is input dim perm[i]."""

    name = "ml.transpose"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    perm = prop_def(DenseArrayBase.constr(i64))

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, perm: Sequence[int], result_type: TensorType):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={"perm": _i64_array(perm)},
        )

    def get_perm(self) -> tuple[int, ...]:
        return _int_list(self.perm)

    @property
    def permutation(self) -> tuple[int, ...]:
        """The older spelling of get_perm(), kept for zkir.frontends.builder."""
        return self.get_perm()

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        perm = self.get_perm()
        if sorted(perm) != list(range(src.get_num_dims())):
            raise VerifyException(
                f"{self.name}: perm {list(perm)} is not a permutation of the "
                f"{src.get_num_dims()} input dimensions"
            )
        shape = src.get_shape()
        expect_shape(dst.get_shape(), [shape[p] for p in perm], self.name)
        if src.element_type != dst.element_type:
            raise VerifyException(f"{self.name}: element types must match")




def _f64(value: float) -> FloatAttr:
    return FloatAttr(float(value), f64)


def _same_element(a: TensorType, b: TensorType, op_name: str) -> None:
    if a.element_type != b.element_type:
        raise VerifyException(
            f"{op_name}: element types must match ({a.element_type} vs "
            f"{b.element_type})"
        )


# -- elementwise nonlinearities ----------------------------------------------
# In fixed point each is the integer reference function of the same name in
# zkir.interpreter.nonlinear, input and result at one scale.


@irdl_op_definition
class SigmoidOp(_ElementwiseUnaryOp):
    name = "ml.sigmoid"


@irdl_op_definition
class TanhOp(_ElementwiseUnaryOp):
    name = "ml.tanh"


@irdl_op_definition
class GeluOp(_ElementwiseUnaryOp):
    """x * Phi(x), the exact (erf) form."""

    name = "ml.gelu"


@irdl_op_definition
class ErfOp(_ElementwiseUnaryOp):
    name = "ml.erf"


@irdl_op_definition
class ExpOp(_ElementwiseUnaryOp):
    name = "ml.exp"


class _RootOp(_ElementwiseUnaryOp):
    """A root may also halve the scale: sqrt of a value at scale 2s (a sum of
    squares) is exact at scale s, so variances need not be rounded to s first."""

    def verify_(self) -> None:
        element_of(self.input, "input", self.name)
        src = tensor_type(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), src.get_shape(), self.name)
        a, b = src.element_type, dst.element_type
        if isinstance(a, FixedType) and isinstance(b, FixedType):
            if a.scale.data not in (b.scale.data, 2 * b.scale.data):
                raise VerifyException(
                    f"{self.name}: result scale {b.scale.data} must equal the input "
                    f"scale {a.scale.data} or be half of it"
                )
        elif a != b:
            raise VerifyException(
                f"{self.name}: result type {self.result.type} must equal the input "
                f"type {self.input.type}"
            )


@irdl_op_definition
class SqrtOp(_RootOp):
    name = "ml.sqrt"


@irdl_op_definition
class RsqrtOp(_RootOp):
    name = "ml.rsqrt"


@irdl_op_definition
class ReciprocalOp(_ElementwiseUnaryOp):
    name = "ml.reciprocal"


@irdl_op_definition
class NegOp(_ElementwiseUnaryOp):
    name = "ml.neg"
    INTEGERS: ClassVar[bool] = True


@irdl_op_definition
class ClipOp(_ElementwiseUnaryOp):
    """Clamp to [min, max] (relu6 is clip 0..6); bounds are reals at any scale."""

    name = "ml.clip"
    INTEGERS: ClassVar[bool] = True  # indices clamped to a table's rows

    min = prop_def(FloatAttr)
    max = prop_def(FloatAttr)

    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, input: SSAValue, lo: float, hi: float):
        IRDLOperation.__init__(
            self,
            operands=[input],
            result_types=[input.type],
            properties={"min": _f64(lo), "max": _f64(hi)},
        )

    def get_min(self) -> float:
        return self.min.value.data

    def get_max(self) -> float:
        return self.max.value.data

    def verify_(self) -> None:
        super().verify_()
        if self.get_min() > self.get_max():
            raise VerifyException(f"{self.name}: min exceeds max")


@irdl_op_definition
class DivOp(_ElementwiseBinaryOp):
    """Elementwise quotient (float). ml-quantize turns it into a product with
    the reciprocal, so it never holds fixed-point operands."""

    name = "ml.div"

    def expected_element(self, lhs: Attribute, rhs: Attribute) -> Attribute:
        if isinstance(lhs, FixedType) or isinstance(rhs, FixedType):
            raise VerifyException(
                f"{self.name}: fixed-point division is a product with "
                "ml.reciprocal; ml.div takes floats only"
            )
        return super().expected_element(lhs, rhs)


@irdl_op_definition
class MaximumOp(_ElementwiseBinaryOp):
    name = "ml.maximum"
    INTEGERS: ClassVar[bool] = True


@irdl_op_definition
class WhereOp(IRDLOperation):
    """select(cond, x, y) elementwise with broadcasting; cond is a boolean (i1)
    computed at run time, or an integer mask constant (non-zero: lhs)."""

    name = "ml.where"

    cond = operand_def(TensorType)
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$cond `,` $lhs `,` $rhs attr-dict `:` `(` type($cond) `,` type($lhs) `,` "
        "type($rhs) `)` `->` type($result)"
    )
    traits = traits_def(Pure())

    def __init__(self, cond: SSAValue, lhs: SSAValue, rhs: SSAValue, result_type: TensorType):
        super().__init__(operands=[cond, lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        c = tensor_type(self.cond, "cond", self.name)
        a = tensor_type(self.lhs, "lhs", self.name)
        b = tensor_type(self.rhs, "rhs", self.name)
        if not isinstance(c.element_type, IntegerType):
            raise VerifyException(f"{self.name}: cond must hold integers (non-zero: lhs)")
        _same_element(a, b, self.name)
        shape = broadcast_shapes(
            broadcast_shapes(c.get_shape(), a.get_shape(), self.name),
            b.get_shape(),
            self.name,
        )
        result = tensor_type(self.result, "result", self.name)
        expect_shape(result.get_shape(), shape, self.name)
        _same_element(a, result, self.name)


# -- comparisons, booleans, casts ----------------------------------------------

COMPARE_PREDICATES = ("lt", "le", "gt", "ge", "eq", "ne")
"""ml.compare's predicates: ONNX Less, LessOrEqual, Greater, GreaterOrEqual, Equal
and the negation of Equal."""


@irdl_op_definition
class CompareOp(IRDLOperation):
    """lhs `predicate` rhs elementwise with broadcasting, a boolean (i1) tensor.

    Operands share one element type (one scale in fixed point, so the integers
    compare as the reals do); i64 operands compare as integers."""

    name = "ml.compare"

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)
    predicate = prop_def(StringAttr)

    assembly_format = (
        "$predicate `,` $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` "
        "`->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, predicate: str, lhs: SSAValue, rhs: SSAValue, result_type: TensorType):
        super().__init__(
            operands=[lhs, rhs], result_types=[result_type], properties={"predicate": StringAttr(predicate)}
        )

    def get_predicate(self) -> str:
        return self.predicate.data

    def verify_(self) -> None:
        if self.get_predicate() not in COMPARE_PREDICATES:
            raise VerifyException(
                f"{self.name}: predicate must be one of {', '.join(COMPARE_PREDICATES)}, "
                f"got '{self.get_predicate()}'"
            )
        lhs = element_of(self.lhs, "lhs", self.name, integers=True)
        rhs = element_of(self.rhs, "rhs", self.name, integers=True)
        if lhs != rhs:
            raise VerifyException(
                f"{self.name}: operand element types differ ({lhs} vs {rhs}); "
                "fixed-point operands must share a scale"
            )
        shape = broadcast_shapes(
            tensor_type(self.lhs, "lhs", self.name).get_shape(),
            tensor_type(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        result = bool_of(self.result, "result", self.name)
        expect_shape(result.get_shape(), shape, self.name)


@irdl_op_definition
class NotOp(IRDLOperation):
    """Logical negation of a boolean tensor."""

    name = "ml.not"

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])

    def verify_(self) -> None:
        src = bool_of(self.input, "input", self.name)
        if self.result.type != src:
            raise VerifyException(f"{self.name}: result type must equal the input type")


class _LogicalOp(IRDLOperation):
    """A broadcasting binary op on booleans, with a boolean result."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)"
    )
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: TensorType):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        shape = broadcast_shapes(
            bool_of(self.lhs, "lhs", self.name).get_shape(),
            bool_of(self.rhs, "rhs", self.name).get_shape(),
            self.name,
        )
        expect_shape(bool_of(self.result, "result", self.name).get_shape(), shape, self.name)


@irdl_op_definition
class AndOp(_LogicalOp):
    name = "ml.and"


@irdl_op_definition
class OrOp(_LogicalOp):
    name = "ml.or"


@irdl_op_definition
class XorOp(_LogicalOp):
    name = "ml.xor"


@irdl_op_definition
class CastOp(IRDLOperation):
    """Convert between reals, integers and booleans, elementwise.

    Allowed: integer or boolean -> real (exact: v becomes v * 2^s in fixed
    point), real -> integer (truncation toward zero, ONNX's rule), real or
    integer -> boolean (non-zero), boolean -> integer. Real -> real is no
    conversion and fixed -> fixed is ml.rescale's job, so both are refused."""

    name = "ml.cast"

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    @staticmethod
    def kind_of(el: Attribute) -> str | None:
        """'real', 'int' or 'bool', None for element types a cast does not take."""
        if is_numeric_element(el):
            return "real"
        if is_integer_element(el):
            return "int"
        if is_bool_element(el):
            return "bool"
        return None

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), src.get_shape(), self.name)
        a, b = self.kind_of(src.element_type), self.kind_of(dst.element_type)
        if a is None or b is None or a == b:
            raise VerifyException(
                f"{self.name}: cannot cast {src.element_type} to {dst.element_type} "
                "(casts go between reals, i64 integers and i1 booleans)"
            )


# -- reductions ----------------------------------------------------------------


class _ReduceOp(IRDLOperation):
    input = operand_def(TensorType)
    result = result_def(TensorType)
    axes = prop_def(DenseArrayBase.constr(i64))
    keepdims = prop_def(IntegerAttr[IntegerType])

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(
        self, input: SSAValue, axes: Sequence[int], keepdims: bool, result_type: TensorType
    ):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={
                "axes": _i64_array(axes),
                "keepdims": IntegerAttr(int(keepdims), i64),
            },
        )

    def get_axes(self) -> tuple[int, ...]:
        """As written: negative axes count from the end."""
        return _int_list(self.axes)

    def get_keepdims(self) -> bool:
        return bool(self.keepdims.value.data)

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        element_of(self.input, "input", self.name)
        axes = normalise_axes(self.get_axes(), src.get_num_dims(), self.name)
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(
            dst.get_shape(),
            reduced_shape(src.get_shape(), axes, self.get_keepdims()),
            self.name,
        )
        _same_element(src, dst, self.name)


@irdl_op_definition
class ReduceSumOp(_ReduceOp):
    name = "ml.reduce_sum"


@irdl_op_definition
class ReduceMaxOp(_ReduceOp):
    name = "ml.reduce_max"


@irdl_op_definition
class ReduceMeanOp(_ReduceOp):
    """Sum divided by the element count (a rounded constant division in fixed)."""

    name = "ml.reduce_mean"


@irdl_op_definition
class SoftmaxOp(IRDLOperation):
    """exp(x - max) / sum along one axis."""

    name = "ml.softmax"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    axis = prop_def(IntegerAttr[IntegerType])

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, axis: int):
        super().__init__(
            operands=[input],
            result_types=[input.type],
            properties={"axis": IntegerAttr(axis, i64)},
        )

    def get_axis(self) -> int:
        """As written: a negative axis counts from the end."""
        return self.axis.value.data

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        element_of(self.input, "input", self.name)
        normalise_axes([self.get_axis()], src.get_num_dims(), self.name)
        if self.result.type != src:
            raise VerifyException(f"{self.name}: result type must equal the input type")


@irdl_op_definition
class LayerNormOp(IRDLOperation):
    """(x - mean) / sqrt(var + epsilon) * scale + bias over the trailing axes
    from `axis` on; scale and bias have those trailing dimensions."""

    name = "ml.layer_norm"

    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    result = result_def(TensorType)
    axis = prop_def(IntegerAttr[IntegerType])
    epsilon = prop_def(FloatAttr)

    assembly_format = (
        "$input `,` $scale `,` $bias attr-dict `:` `(` type($input) `,` "
        "type($scale) `,` type($bias) `)` `->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(
        self, input: SSAValue, scale: SSAValue, bias: SSAValue, axis: int, epsilon: float
    ):
        super().__init__(
            operands=[input, scale, bias],
            result_types=[input.type],
            properties={"axis": IntegerAttr(axis, i64), "epsilon": _f64(epsilon)},
        )

    def get_axis(self) -> int:
        """As written: a negative axis counts from the end."""
        return self.axis.value.data

    def get_epsilon(self) -> float:
        return self.epsilon.value.data

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        element_of(self.input, "input", self.name)
        (axis,) = normalise_axes([self.get_axis()], src.get_num_dims(), self.name)
        tail = src.get_shape()[axis:]
        for what, v in (("scale", self.scale), ("bias", self.bias)):
            ty = tensor_type(v, what, self.name)
            expect_shape(ty.get_shape(), tail, self.name, what)
        if self.result.type != src:
            raise VerifyException(f"{self.name}: result type must equal the input type")


# -- pooling -------------------------------------------------------------------


def pool2d_output_shape(
    input_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    op_name: str,
) -> tuple[int, ...]:
    """NCHW pooling; pads are [top, left, bottom, right] as in ONNX."""
    if len(input_shape) != 4 or len(kernel) != 2 or len(strides) != 2 or len(pads) != 4:
        raise VerifyException(
            f"{op_name}: needs an NCHW input, 2 kernel dims, 2 strides and 4 pads"
        )
    if min(kernel) < 1 or min(strides) < 1 or min(pads) < 0:
        raise VerifyException(f"{op_name}: kernel and strides must be >= 1, pads >= 0")
    n, c, h, w = input_shape
    oh = (h + pads[0] + pads[2] - kernel[0]) // strides[0] + 1
    ow = (w + pads[1] + pads[3] - kernel[1]) // strides[1] + 1
    if oh < 1 or ow < 1:
        raise VerifyException(f"{op_name}: the window does not fit the padded input")
    return (n, c, oh, ow)


class _PoolOp(IRDLOperation):
    input = operand_def(TensorType)
    result = result_def(TensorType)
    kernel = prop_def(DenseArrayBase.constr(i64))
    strides = prop_def(DenseArrayBase.constr(i64))
    pads = prop_def(DenseArrayBase.constr(i64))

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def get_kernel(self) -> tuple[int, ...]:
        return _int_list(self.kernel)

    def get_strides(self) -> tuple[int, ...]:
        return _int_list(self.strides)

    def get_pads(self) -> tuple[int, ...]:
        """[top, left, bottom, right]."""
        return _int_list(self.pads)

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        element_of(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        shape = pool2d_output_shape(
            src.get_shape(),
            self.get_kernel(),
            self.get_strides(),
            self.get_pads(),
            self.name,
        )
        expect_shape(dst.get_shape(), shape, self.name)
        self._check_elements(src, dst)

    def _check_elements(self, src: TensorType, dst: TensorType) -> None:
        _same_element(src, dst, self.name)


@irdl_op_definition
class MaxPoolOp(_PoolOp):
    """Window maximum; padding never wins (it is -infinity)."""

    name = "ml.max_pool"

    def __init__(
        self,
        input: SSAValue,
        kernel: Sequence[int],
        strides: Sequence[int],
        pads: Sequence[int],
        result_type: TensorType,
    ):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={
                "kernel": _i64_array(kernel),
                "strides": _i64_array(strides),
                "pads": _i64_array(pads),
            },
        )


@irdl_op_definition
class AvgPoolOp(_PoolOp):
    """Window mean; count_include_pad = 0 divides by the in-bounds count.

    In fixed point the result may sit at a finer scale than the input, s_out =
    s_in + k: out = round(sum * 2^k / count). When every window counts 2^k this is
    the window sum itself, exact, and needs no division in the circuit (ml-quantize
    chooses it for the products that rescale anyway)."""

    name = "ml.avg_pool"

    count_include_pad = prop_def(IntegerAttr[IntegerType])

    def __init__(
        self,
        input: SSAValue,
        kernel: Sequence[int],
        strides: Sequence[int],
        pads: Sequence[int],
        count_include_pad: bool,
        result_type: TensorType,
    ):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={
                "kernel": _i64_array(kernel),
                "strides": _i64_array(strides),
                "pads": _i64_array(pads),
                "count_include_pad": IntegerAttr(int(count_include_pad), i64),
            },
        )

    def get_count_include_pad(self) -> bool:
        return bool(self.count_include_pad.value.data)

    def _check_elements(self, src: TensorType, dst: TensorType) -> None:
        a, b = src.element_type, dst.element_type
        if isinstance(a, FixedType) and isinstance(b, FixedType):
            if b.scale.data < a.scale.data:
                raise VerifyException(
                    f"{self.name}: result scale {b.scale.data} is below the input scale {a.scale.data}"
                )
            return
        _same_element(src, dst, self.name)

    def scale_shift(self) -> int:
        """s_out - s_in: the bits the result is finer than the input (0 for floats)."""
        a = tensor_type(self.input, "input", self.name).element_type
        b = tensor_type(self.result, "result", self.name).element_type
        if isinstance(a, FixedType) and isinstance(b, FixedType):
            return b.scale.data - a.scale.data
        return 0


# -- data movement -------------------------------------------------------------


@irdl_op_definition
class ConcatOp(IRDLOperation):
    name = "ml.concat"

    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    axis = prop_def(IntegerAttr[IntegerType])

    assembly_format = "$inputs attr-dict `:` `(` type($inputs) `)` `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, inputs: Sequence[SSAValue], axis: int, result_type: TensorType):
        super().__init__(
            operands=[list(inputs)],
            result_types=[result_type],
            properties={"axis": IntegerAttr(axis, i64)},
        )

    def get_axis(self) -> int:
        """As written: a negative axis counts from the end."""
        return self.axis.value.data

    def verify_(self) -> None:
        if not self.inputs:
            raise VerifyException(f"{self.name}: needs at least one input")
        types = [tensor_type(v, "input", self.name) for v in self.inputs]
        rank = types[0].get_num_dims()
        (axis,) = normalise_axes([self.get_axis()], rank, self.name)
        total = 0
        for ty in types:
            _same_element(types[0], ty, self.name)
            shape = list(ty.get_shape())
            ref = list(types[0].get_shape())
            if len(shape) != rank or shape[:axis] + shape[axis + 1 :] != ref[:axis] + ref[axis + 1 :]:
                raise VerifyException(
                    f"{self.name}: input shapes {[list(t.get_shape()) for t in types]} "
                    f"differ outside axis {axis}"
                )
            total += shape[axis]
        expected = list(types[0].get_shape())
        expected[axis] = total
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), expected, self.name)
        _same_element(types[0], dst, self.name)


@irdl_op_definition
class PadOp(IRDLOperation):
    """Constant padding; pads = [begin_0.., end_0..] as in ONNX, value a real."""

    name = "ml.pad"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    pads = prop_def(DenseArrayBase.constr(i64))
    value = prop_def(FloatAttr)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, pads: Sequence[int], value: float, result_type: TensorType):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={"pads": _i64_array(pads), "value": _f64(value)},
        )

    def get_pads(self) -> tuple[int, ...]:
        """[begin_0, .., begin_n-1, end_0, .., end_n-1]."""
        return _int_list(self.pads)

    def get_value(self) -> float:
        """The padding value, a real."""
        return self.value.value.data

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        pads = self.get_pads()
        rank = src.get_num_dims()
        if len(pads) != 2 * rank or min(pads, default=0) < 0:
            raise VerifyException(
                f"{self.name}: needs {2 * rank} non-negative pads, got {list(pads)}"
            )
        shape = [d + pads[i] + pads[i + rank] for i, d in enumerate(src.get_shape())]
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), shape, self.name)
        _same_element(src, dst, self.name)


def slice_length(dim: int, start: int, end: int, step: int) -> int:
    return len(range(*slice(start, end, step).indices(dim)))


@irdl_op_definition
class SliceOp(IRDLOperation):
    """x[start_i:end_i:step_i] on every dimension (python slice semantics)."""

    name = "ml.slice"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    starts = prop_def(DenseArrayBase.constr(i64))
    ends = prop_def(DenseArrayBase.constr(i64))
    steps = prop_def(DenseArrayBase.constr(i64))

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        starts: Sequence[int],
        ends: Sequence[int],
        steps: Sequence[int],
        result_type: TensorType,
    ):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={
                "starts": _i64_array(starts),
                "ends": _i64_array(ends),
                "steps": _i64_array(steps),
            },
        )

    def get_starts(self) -> tuple[int, ...]:
        return _int_list(self.starts)

    def get_ends(self) -> tuple[int, ...]:
        return _int_list(self.ends)

    def get_steps(self) -> tuple[int, ...]:
        return _int_list(self.steps)

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        starts, ends, steps = self.get_starts(), self.get_ends(), self.get_steps()
        rank = src.get_num_dims()
        if not len(starts) == len(ends) == len(steps) == rank:
            raise VerifyException(f"{self.name}: needs {rank} starts, ends and steps")
        if 0 in steps:
            raise VerifyException(f"{self.name}: steps must be non-zero")
        shape = [
            slice_length(d, a, b, c)
            for d, a, b, c in zip(src.get_shape(), starts, ends, steps)
        ]
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), shape, self.name)
        _same_element(src, dst, self.name)


@irdl_op_definition
class GatherOp(IRDLOperation):
    """numpy.take(data, indices, axis): embeddings; indices are integers."""

    name = "ml.gather"

    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    result = result_def(TensorType)
    axis = prop_def(IntegerAttr[IntegerType])

    assembly_format = (
        "$data `,` $indices attr-dict `:` `(` type($data) `,` type($indices) `)` "
        "`->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, data: SSAValue, indices: SSAValue, axis: int, result_type: TensorType):
        super().__init__(
            operands=[data, indices],
            result_types=[result_type],
            properties={"axis": IntegerAttr(axis, i64)},
        )

    def get_axis(self) -> int:
        """As written: a negative axis counts from the end."""
        return self.axis.value.data

    def verify_(self) -> None:
        src = tensor_type(self.data, "data", self.name)
        idx = tensor_type(self.indices, "indices", self.name)
        if not isinstance(idx.element_type, IntegerType):
            raise VerifyException(f"{self.name}: indices must be integers")
        (axis,) = normalise_axes([self.get_axis()], src.get_num_dims(), self.name)
        shape = list(src.get_shape())
        expected = shape[:axis] + list(idx.get_shape()) + shape[axis + 1 :]
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), expected, self.name)
        _same_element(src, dst, self.name)


@irdl_op_definition
class ExpandOp(IRDLOperation):
    """numpy.broadcast_to(input, result shape): ONNX Expand, wiring only."""

    name = "ml.expand"

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        dst = tensor_type(self.result, "result", self.name)
        shape = broadcast_shapes(src.get_shape(), dst.get_shape(), self.name)
        expect_shape(dst.get_shape(), shape, self.name)
        _same_element(src, dst, self.name)


@irdl_op_definition
class TileOp(IRDLOperation):
    """numpy.tile(input, repeats), one repeat count per dimension: ONNX Tile."""

    name = "ml.tile"

    input = operand_def(TensorType)
    result = result_def(TensorType)
    repeats = prop_def(DenseArrayBase.constr(i64))

    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, repeats: Sequence[int], result_type: TensorType):
        super().__init__(
            operands=[input], result_types=[result_type], properties={"repeats": _i64_array(repeats)}
        )

    def get_repeats(self) -> tuple[int, ...]:
        return _int_list(self.repeats)

    def verify_(self) -> None:
        src = tensor_type(self.input, "input", self.name)
        repeats = self.get_repeats()
        if len(repeats) != src.get_num_dims() or min(repeats, default=1) < 1:
            raise VerifyException(
                f"{self.name}: needs {src.get_num_dims()} repeats >= 1, got {list(repeats)}"
            )
        dst = tensor_type(self.result, "result", self.name)
        expect_shape(dst.get_shape(), [d * r for d, r in zip(src.get_shape(), repeats)], self.name)
        _same_element(src, dst, self.name)


MLDialect = Dialect(
    "ml",
    [
        ConstantOp,
        AddOp,
        SubOp,
        MulOp,
        DivOp,
        MaximumOp,
        MatmulOp,
        Conv2dOp,
        ReluOp,
        RescaleOp,
        ReshapeOp,
        TransposeOp,
        SigmoidOp,
        TanhOp,
        GeluOp,
        ErfOp,
        ExpOp,
        SqrtOp,
        RsqrtOp,
        ReciprocalOp,
        NegOp,
        ClipOp,
        WhereOp,
        CompareOp,
        NotOp,
        AndOp,
        OrOp,
        XorOp,
        CastOp,
        ReduceSumOp,
        ReduceMaxOp,
        ReduceMeanOp,
        SoftmaxOp,
        LayerNormOp,
        MaxPoolOp,
        AvgPoolOp,
        ConcatOp,
        PadOp,
        SliceOp,
        GatherOp,
        ExpandOp,
        TileOp,
    ],
    [FixedType],
)
"""Ops are listed here once; importers and passes extend this list."""

__all__ = [
    "MLDialect",
    "FixedType",
    "ConstantOp",
    "AddOp",
    "SubOp",
    "MulOp",
    "DivOp",
    "MaximumOp",
    "MatmulOp",
    "Conv2dOp",
    "ReluOp",
    "RescaleOp",
    "ReshapeOp",
    "TransposeOp",
    "SigmoidOp",
    "TanhOp",
    "GeluOp",
    "ErfOp",
    "ExpOp",
    "SqrtOp",
    "RsqrtOp",
    "ReciprocalOp",
    "NegOp",
    "ClipOp",
    "WhereOp",
    "CompareOp",
    "NotOp",
    "AndOp",
    "OrOp",
    "XorOp",
    "CastOp",
    "BOOL",
    "COMPARE_PREDICATES",
    "ReduceSumOp",
    "ReduceMaxOp",
    "ReduceMeanOp",
    "SoftmaxOp",
    "LayerNormOp",
    "MaxPoolOp",
    "AvgPoolOp",
    "ConcatOp",
    "PadOp",
    "SliceOp",
    "GatherOp",
    "ExpandOp",
    "TileOp",
    "conv2d_output_shape",
    "pool2d_output_shape",
]
