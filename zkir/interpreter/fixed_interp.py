"""The fixed-point semantics of the ml dialect, in int64 numpy: what the circuit proves.

A tensor of type `!ml.fixed<bits, s>` holds the integers round(x * 2^s). Per op:

* add, sub, max, neg, relu, clip (bounds rounded at s), pad (value rounded),
  reshape, transpose, concat, slice, gather, where, expand, tile, max_pool,
  reduce_max, reduce_sum: exact integer arithmetic on the stored integers
  (on i64 tensors, indices, the same at scale 0).
* compare: the predicate on the stored integers (both operands at one scale),
  a boolean; not, and, or, xor: logic on booleans.
* cast: integer or boolean v -> v * 2^s (exact); fixed -> integer: truncation
  of x / 2^s toward zero; -> boolean: x != 0; boolean -> integer: 0 or 1.
* mul, matmul, conv2d: exact integer products; the result's scale is the sum of
  the operand scales (a conv2d bias is stored at that summed scale).
* rescale: divide by 2^(s_in - s_out), rounding half up
  (zkir.interpreter.rounding.rescale, the one rounding rule).
* reduce_mean, avg_pool: integer sum, then div_round by the element count;
  an avg_pool whose result is k bits finer than its input divides sum * 2^k,
  which is the sum itself, exact, when every window counts 2^k.
* sigmoid, tanh, gelu, erf, exp, sqrt, rsqrt, reciprocal: the integer
  reference function of zkir.interpreter.nonlinear at the operand's scale.
* softmax (axis): d = x - max(x); e = exp(d); out = div_round(e * 2^s, sum(e)).
* sqrt, rsqrt may take their input at scale 2s (a variance) and return scale s.
* layer_norm: mean = div_round(sum x, n); d = x - mean;
  var = div_round(sum d*d, n) (scale 2s); r = rsqrt(var + eps_2s) (2s -> s);
  y = rescale(d * r, s); out = rescale(y * scale, s) + bias   (scale, bias at s).

Every result is checked against its type's bit width, and products and sums are
checked against int64 before they are computed; an overflow is reported with
the op that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue

from zkir.dialects import ml
from zkir.dialects.ml import FixedType
from zkir.errors import ModelError
from zkir.interpreter import kernels as K
from zkir.interpreter.float_interp import cast_kinds
from zkir.interpreter.nonlinear import NONLINEARITIES
from zkir.interpreter.program import Kernel, bind_inputs, execute, kernel_entry, main_function
from zkir.interpreter.rounding import dequantize, div_round, quantize, quantize_attribute, rescale

_INT64_LIMIT = float(2**63 - 1)


class FixedPointOverflow(ModelError):
    """A value does not fit its fixed-point type or int64 arithmetic."""


def _scale(value: SSAValue) -> int:
    ty = value.type
    assert isinstance(ty, TensorType)
    el = ty.element_type
    return el.scale.data if isinstance(el, FixedType) else 0


_Reduce = ml.ReduceSumOp | ml.ReduceMaxOp | ml.ReduceMeanOp


def _guard(op: Operation, bound: float, what: str = "an intermediate value") -> None:
    if not bound < _INT64_LIMIT:
        raise FixedPointOverflow(
            f"{op.name}: {what} reaches {bound:.3g}, beyond int64 (lower scale-bits)"
        )


def _absmax(a: np.ndarray) -> float:
    return float(np.abs(a).max()) if a.size else 0.0


def _product_guard(op: Operation, a: np.ndarray, b: np.ndarray, terms: int) -> None:
    _guard(op, _absmax(a) * _absmax(b) * max(terms, 1), "a sum of products")


# Integer products through float64 BLAS when every partial sum is below 2^53:
# float64 holds those integers exactly whatever the summation order, so the
# result is bit-identical to int64 arithmetic and 15-50x faster.
_EXACT_IN_FLOAT64 = float(2**53)


def _exact_bound(a: np.ndarray, b: np.ndarray, terms: int, extra: float = 0.0) -> float:
    return _absmax(a) * _absmax(b) * max(terms, 1) + extra


def _matmul(op: ml.MatmulOp, a: list[np.ndarray]) -> np.ndarray:
    x, w = a
    bound = _exact_bound(x, w, x.shape[-1])
    _guard(op, bound, "a sum of products")
    if bound < _EXACT_IN_FLOAT64:
        return np.rint(np.matmul(x.astype(np.float64), w.astype(np.float64))).astype(np.int64)
    return np.matmul(x, w)


def _conv(op: ml.Conv2dOp, a: list[np.ndarray]) -> np.ndarray:
    x, w = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    bound = _exact_bound(x, w, int(np.prod(w.shape[1:])), _absmax(b) if b is not None else 0.0)
    _guard(op, bound, "a sum of products")
    args = (op.get_strides(), op.get_pads(), op.get_dilations(), op.get_group())
    if bound < _EXACT_IN_FLOAT64:
        bf = None if b is None else b.astype(np.float64)
        return np.rint(K.conv2d(x.astype(np.float64), w.astype(np.float64), bf, *args)).astype(np.int64)
    return K.conv2d(x, w, b, *args)


def _mul(op: ml.MulOp, a: list[np.ndarray]) -> np.ndarray:
    _product_guard(op, a[0], a[1], 1)
    return a[0] * a[1]


def _add(op: ml.AddOp | ml.SubOp, a: list[np.ndarray], sign: int = 1) -> np.ndarray:
    _guard(op, _absmax(a[0]) + _absmax(a[1]))
    return a[0] + sign * a[1]


def _axes(op: _Reduce) -> tuple[int, ...]:
    ty = op.input.type
    assert isinstance(ty, TensorType)
    rank = len(ty.get_shape())
    return tuple(x + rank if x < 0 else x for x in op.get_axes())


def _reduce_sum(op: ml.ReduceSumOp, a: list[np.ndarray]) -> np.ndarray:
    x = a[0]
    n = int(np.prod([x.shape[i] for i in _axes(op)]))
    _guard(op, _absmax(x) * n)
    return K.reduce_sum(x, _axes(op), op.get_keepdims())


def _reduce_mean(op: ml.ReduceMeanOp, a: list[np.ndarray]) -> np.ndarray:
    x = a[0]
    axes = _axes(op)
    n = int(np.prod([x.shape[i] for i in axes]))
    _guard(op, _absmax(x) * n)
    return div_round(K.reduce_sum(x, axes, op.get_keepdims()), n)


def _avg_pool(op: ml.AvgPoolOp, a: list[np.ndarray]) -> np.ndarray:
    kernel, strides, pads = op.get_kernel(), op.get_strides(), op.get_pads()
    sums, counts = K.pool_sums_and_counts(
        a[0], kernel, strides, pads, op.get_count_include_pad()
    )
    shift = op.scale_shift()
    if shift == 0:
        return div_round(sums, counts)
    if np.all(counts == 1 << shift):  # the mean at 2^shift finer: the sum, exact
        return sums
    _guard(op, _absmax(sums) * 2.0**shift)
    return div_round(sums << shift, counts)


def fixed_softmax(x: np.ndarray, axis: int, scale: int) -> np.ndarray:
    """exp(x - max) normalised by a rounded division (see the module docstring)."""
    e = NONLINEARITIES["exp"](x - x.max(axis=axis, keepdims=True), scale=scale)
    total = e.sum(axis=axis, keepdims=True)
    return div_round(e << scale, total)


def _softmax(op: ml.SoftmaxOp, a: list[np.ndarray]) -> np.ndarray:
    s = _scale(op.input)
    _guard(op, 2.0 ** (2 * s + 1) * a[0].shape[op.get_axis()])
    return fixed_softmax(a[0], op.get_axis(), s)


def fixed_layer_norm(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, axis: int, eps: float, scale: int
) -> np.ndarray:
    axes = tuple(range(axis, x.ndim))
    n = int(np.prod([x.shape[i] for i in axes]))
    mean = div_round(x.sum(axis=axes, keepdims=True), n)
    d = x - mean
    var = div_round((d * d).sum(axis=axes, keepdims=True), n)  # scale 2s, kept exact
    r = NONLINEARITIES["rsqrt"](var + quantize_attribute(eps, 2 * scale), scale=scale, in_scale=2 * scale)
    y = rescale(d * r, scale)
    return rescale(y * gamma, scale) + beta


def _layer_norm(op: ml.LayerNormOp, a: list[np.ndarray]) -> np.ndarray:
    x, gamma, beta = a
    s = _scale(op.input)
    axis = op.get_axis()
    axis = axis + x.ndim if axis < 0 else axis
    n = int(np.prod(x.shape[axis:]))
    _guard(op, 4.0 * _absmax(x) ** 2 * n, "the sum of squared deviations")
    _guard(op, 2.0 * _absmax(x) * 2.0 ** (2 * s + 1), "the normalised product")
    return fixed_layer_norm(x, gamma, beta, axis, op.get_epsilon(), s)


def _unary(name: str) -> Kernel:
    fn = NONLINEARITIES[name]

    def run(op: Operation, a: list[np.ndarray]) -> np.ndarray:
        result, operand = op.results[0], op.operands[0]  # a unary op's only ones
        try:
            if name in ("sqrt", "rsqrt"):  # may halve the scale (see ml._RootOp)
                return fn(a[0], scale=_scale(result), in_scale=_scale(operand))
            return fn(a[0], scale=_scale(operand))
        except OverflowError as e:
            raise FixedPointOverflow(f"{op.name}: {e}") from None

    return run


def _clip(op: ml.ClipOp, a: list[np.ndarray]) -> np.ndarray:
    s = _scale(op.input)
    return np.clip(a[0], quantize_attribute(op.get_min(), s), quantize_attribute(op.get_max(), s))


def _rescale(op: ml.RescaleOp, a: list[np.ndarray]) -> np.ndarray:
    return rescale(a[0], _scale(op.input) - _scale(op.result))


def _div(op: ml.DivOp, a: list[np.ndarray]) -> np.ndarray:
    raise ModelError("ml.div has no fixed-point semantics (ml-quantize rewrites it)")


FIXED_KERNELS: dict[type[Operation], Kernel] = dict(
    [
        kernel_entry(ml.ConstantOp, lambda op, a: op.get_value().astype(np.int64)),
        kernel_entry(ml.AddOp, _add),
        kernel_entry(ml.SubOp, lambda op, a: _add(op, a, -1)),
        kernel_entry(ml.MulOp, _mul),
        kernel_entry(ml.DivOp, _div),
        kernel_entry(ml.MaximumOp, lambda op, a: np.maximum(a[0], a[1])),
        kernel_entry(ml.NegOp, lambda op, a: -a[0]),
        kernel_entry(ml.MatmulOp, _matmul),
        kernel_entry(ml.Conv2dOp, _conv),
        kernel_entry(ml.RescaleOp, _rescale),
        kernel_entry(ml.ClipOp, _clip),
        kernel_entry(ml.WhereOp, lambda op, a: K.where(*a)),
        kernel_entry(ml.CompareOp, lambda op, a: K.COMPARE[op.get_predicate()](a[0], a[1])),
        kernel_entry(ml.NotOp, lambda op, a: np.logical_not(a[0])),
        kernel_entry(ml.AndOp, lambda op, a: np.logical_and(a[0], a[1])),
        kernel_entry(ml.OrOp, lambda op, a: np.logical_or(a[0], a[1])),
        kernel_entry(ml.XorOp, lambda op, a: np.logical_xor(a[0], a[1])),
        kernel_entry(ml.CastOp, lambda op, a: K.cast(a[0], *cast_kinds(op), max(_scale(op.input), _scale(op.result)))),
        kernel_entry(ml.ExpandOp, lambda op, a: K.expand(a[0], op.result.type.get_shape())),
        kernel_entry(ml.TileOp, lambda op, a: np.tile(a[0], op.get_repeats())),
        kernel_entry(ml.ReduceSumOp, _reduce_sum),
        kernel_entry(
            ml.ReduceMaxOp, lambda op, a: K.reduce_max(a[0], _axes(op), op.get_keepdims())
        ),
        kernel_entry(ml.ReduceMeanOp, _reduce_mean),
        kernel_entry(ml.SoftmaxOp, _softmax),
        kernel_entry(ml.LayerNormOp, _layer_norm),
        kernel_entry(
            ml.MaxPoolOp,
            lambda op, a: K.max_pool(a[0], op.get_kernel(), op.get_strides(), op.get_pads()),
        ),
        kernel_entry(ml.AvgPoolOp, _avg_pool),
        kernel_entry(ml.ReshapeOp, lambda op, a: a[0].reshape(op.result.type.get_shape())),
        kernel_entry(ml.TransposeOp, lambda op, a: np.transpose(a[0], op.get_perm())),
        kernel_entry(ml.ConcatOp, lambda op, a: K.concat(a, op.get_axis())),
        kernel_entry(
            ml.PadOp,
            lambda op, a: K.pad(
                a[0], op.get_pads(), quantize_attribute(op.get_value(), _scale(op.input))
            ),
        ),
        kernel_entry(
            ml.SliceOp,
            lambda op, a: K.slice_(a[0], op.get_starts(), op.get_ends(), op.get_steps()),
        ),
        kernel_entry(ml.GatherOp, lambda op, a: K.gather(a[0], a[1], op.get_axis())),
    ]
)
for _cls, _name in (
    (ml.ReluOp, "relu"),
    (ml.SigmoidOp, "sigmoid"),
    (ml.TanhOp, "tanh"),
    (ml.GeluOp, "gelu"),
    (ml.ErfOp, "erf"),
    (ml.ExpOp, "exp"),
    (ml.SqrtOp, "sqrt"),
    (ml.RsqrtOp, "rsqrt"),
    (ml.ReciprocalOp, "reciprocal"),
):
    FIXED_KERNELS[_cls] = _unary(_name)


def _checked(kernel: Kernel) -> Kernel:
    """Run the kernel in int64 and check the result fits its declared bits."""

    def run(op: Operation, args: list[np.ndarray]) -> np.ndarray:
        out = np.asarray(kernel(op, args))
        ty = op.results[0].type
        assert isinstance(ty, TensorType)
        el = ty.element_type
        if isinstance(el, FixedType):
            out = out.astype(np.int64)
            bits = el.bits.data
            if bits < 64 and out.size:
                lim = 1 << (bits - 1)
                worst = int(np.abs(out).max())
                if worst >= lim:
                    name = op.results[0].name_hint or "result"
                    raise FixedPointOverflow(
                        f"{op.name} (%{name}): value {worst} (real "
                        f"{worst / 2**el.scale.data:.4g}) does not fit {el}"
                    )
        return out

    return run


FIXED_KERNELS = {k: _checked(v) for k, v in FIXED_KERNELS.items()}


@dataclass(frozen=True)
class FixedOutput:
    raw: np.ndarray  # the integers
    scale: int

    @property
    def value(self) -> np.ndarray:
        return dequantize(self.raw, self.scale)


def run_fixed(
    module: ModuleOp, inputs: Mapping[str, np.ndarray] | np.ndarray
) -> list[FixedOutput]:
    """Outputs of a quantized `@main` on real-valued inputs (rounded at each
    argument's scale), as raw integers with their scale."""
    fn = main_function(module)
    args = bind_inputs(fn, inputs)
    quantized = []
    for arg, value in zip(fn.body.block.args, args):
        s = _scale(arg)
        ty = arg.type
        assert isinstance(ty, TensorType)  # bind_inputs checked every argument
        el = ty.element_type
        if isinstance(el, FixedType):
            q = quantize(value, s)
            if el.bits.data < 64 and q.size and np.abs(q).max() >= 1 << (el.bits.data - 1):
                raise FixedPointOverflow(f"input {arg.name_hint}: does not fit {el}")
            quantized.append(q)
        else:
            quantized.append(value)
    outs = execute(fn, quantized, FIXED_KERNELS)
    ret = fn.body.block.last_op
    assert ret is not None
    return [FixedOutput(o, _scale(v)) for o, v in zip(outs, ret.operands)]
