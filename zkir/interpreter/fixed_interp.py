"""The fixed-point semantics of the ml dialect, in int64 numpy: what the circuit proves.

A tensor of type `!ml.fixed<bits, s>` holds the integers round(x * 2^s). Per op:

* add, sub, max, neg, relu, clip (bounds rounded at s), pad (value rounded),
  reshape, transpose, concat, slice, gather, where, max_pool, reduce_max,
  reduce_sum: exact integer arithmetic on the stored integers.
* mul, matmul, conv2d: exact integer products; the result's scale is the sum of
  the operand scales (a conv2d bias is stored at that summed scale).
* rescale: divide by 2^(s_in - s_out), rounding half up
  (zkir.interpreter.rounding.rescale, the one rounding rule).
* reduce_mean, avg_pool: integer sum, then div_round by the element count.
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
from xdsl.ir import Operation

from zkir.dialects import ml
from zkir.dialects.ml import FixedType
from zkir.dialects.resources import to_numpy
from zkir.errors import ModelError
from zkir.interpreter import kernels as K
from zkir.interpreter.nonlinear import NONLINEARITIES
from zkir.interpreter.program import Kernel, bind_inputs, execute, main_function
from zkir.interpreter.rounding import dequantize, div_round, quantize, quantize_attribute, rescale

_INT64_LIMIT = float(2**63 - 1)


class FixedPointOverflow(ModelError):
    """A value does not fit its fixed-point type or int64 arithmetic."""


def _scale(value) -> int:
    el = value.type.element_type
    return el.scale.data if isinstance(el, FixedType) else 0


def _ints(attr) -> list[int]:
    return [int(v) for v in attr.get_values()]


def _guard(op: Operation, bound: float, what: str = "an intermediate value") -> None:
    if not bound < _INT64_LIMIT:
        raise FixedPointOverflow(
            f"{op.name}: {what} reaches {bound:.3g}, beyond int64 (lower scale-bits)"
        )


def _absmax(a: np.ndarray) -> float:
    return float(np.abs(a).max()) if a.size else 0.0


def _product_guard(op, a, b, terms: int) -> None:
    _guard(op, _absmax(a) * _absmax(b) * max(terms, 1), "a sum of products")


# Integer products through float64 BLAS when every partial sum is below 2^53:
# float64 holds those integers exactly whatever the summation order, so the
# result is bit-identical to int64 arithmetic and 15-50x faster.
_EXACT_IN_FLOAT64 = float(2**53)


def _exact_bound(a: np.ndarray, b: np.ndarray, terms: int, extra: float = 0.0) -> float:
    return _absmax(a) * _absmax(b) * max(terms, 1) + extra


def _matmul(op, a):
    x, w = a
    bound = _exact_bound(x, w, x.shape[-1])
    _guard(op, bound, "a sum of products")
    if bound < _EXACT_IN_FLOAT64:
        return np.rint(np.matmul(x.astype(np.float64), w.astype(np.float64))).astype(np.int64)
    return np.matmul(x, w)


def _conv(op: ml.Conv2dOp, a):
    x, w = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    bound = _exact_bound(x, w, int(np.prod(w.shape[1:])), _absmax(b) if b is not None else 0.0)
    _guard(op, bound, "a sum of products")
    args = (_ints(op.strides), _ints(op.pads), _ints(op.dilations), op.group.value.data)
    if bound < _EXACT_IN_FLOAT64:
        f = lambda v: None if v is None else v.astype(np.float64)  # noqa: E731
        return np.rint(K.conv2d(f(x), f(w), f(b), *args)).astype(np.int64)
    return K.conv2d(x, w, b, *args)


def _mul(op, a):
    _product_guard(op, a[0], a[1], 1)
    return a[0] * a[1]


def _add(op, a, sign=1):
    _guard(op, _absmax(a[0]) + _absmax(a[1]))
    return a[0] + sign * a[1]


def _axes(op) -> tuple[int, ...]:
    rank = len(op.input.type.get_shape())
    return tuple(x + rank if x < 0 else x for x in op.axis_list)


def _reduce_sum(op, a):
    x = a[0]
    n = int(np.prod([x.shape[i] for i in _axes(op)]))
    _guard(op, _absmax(x) * n)
    return K.reduce_sum(x, _axes(op), bool(op.keepdims.value.data))


def _reduce_mean(op, a):
    x = a[0]
    axes = _axes(op)
    n = int(np.prod([x.shape[i] for i in axes]))
    _guard(op, _absmax(x) * n)
    return div_round(K.reduce_sum(x, axes, bool(op.keepdims.value.data)), n)


def _avg_pool(op, a):
    kernel, strides, pads = _ints(op.kernel), _ints(op.strides), _ints(op.pads)
    sums, counts = K.pool_sums_and_counts(
        a[0], kernel, strides, pads, bool(op.count_include_pad.value.data)
    )
    return div_round(sums, counts)


def fixed_softmax(x: np.ndarray, axis: int, scale: int) -> np.ndarray:
    """exp(x - max) normalised by a rounded division (see the module docstring)."""
    e = NONLINEARITIES["exp"](x - x.max(axis=axis, keepdims=True), scale=scale)
    total = e.sum(axis=axis, keepdims=True)
    return div_round(e << scale, total)


def _softmax(op: ml.SoftmaxOp, a):
    s = _scale(op.input)
    _guard(op, 2.0 ** (2 * s + 1) * a[0].shape[op.axis.value.data])
    return fixed_softmax(a[0], op.axis.value.data, s)


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


def _layer_norm(op: ml.LayerNormOp, a):
    x, gamma, beta = a
    s = _scale(op.input)
    axis = op.axis.value.data
    axis = axis + x.ndim if axis < 0 else axis
    n = int(np.prod(x.shape[axis:]))
    _guard(op, 4.0 * _absmax(x) ** 2 * n, "the sum of squared deviations")
    _guard(op, 2.0 * _absmax(x) * 2.0 ** (2 * s + 1), "the normalised product")
    return fixed_layer_norm(x, gamma, beta, axis, op.epsilon.value.data, s)


def _unary(name: str) -> Kernel:
    fn = NONLINEARITIES[name]

    def run(op, a):
        try:
            if name in ("sqrt", "rsqrt"):  # may halve the scale (see ml._RootOp)
                return fn(a[0], scale=_scale(op.result), in_scale=_scale(op.input))
            return fn(a[0], scale=_scale(op.input))
        except OverflowError as e:
            raise FixedPointOverflow(f"{op.name}: {e}") from None

    return run


def _clip(op: ml.ClipOp, a):
    s = _scale(op.input)
    return np.clip(a[0], quantize_attribute(op.min.value.data, s), quantize_attribute(op.max.value.data, s))


def _rescale(op: ml.RescaleOp, a):
    return rescale(a[0], _scale(op.input) - _scale(op.result))


def _div(op, a):
    raise ModelError("ml.div has no fixed-point semantics (ml-quantize rewrites it)")


FIXED_KERNELS: dict[type, Kernel] = {
    ml.ConstantOp: lambda op, a: to_numpy(op.value).astype(np.int64),
    ml.AddOp: _add,
    ml.SubOp: lambda op, a: _add(op, a, -1),
    ml.MulOp: _mul,
    ml.DivOp: _div,
    ml.MaximumOp: lambda op, a: np.maximum(a[0], a[1]),
    ml.NegOp: lambda op, a: -a[0],
    ml.MatmulOp: _matmul,
    ml.Conv2dOp: _conv,
    ml.RescaleOp: _rescale,
    ml.ClipOp: _clip,
    ml.WhereOp: lambda op, a: K.where(*a),
    ml.ReduceSumOp: _reduce_sum,
    ml.ReduceMaxOp: lambda op, a: K.reduce_max(a[0], _axes(op), bool(op.keepdims.value.data)),
    ml.ReduceMeanOp: _reduce_mean,
    ml.SoftmaxOp: _softmax,
    ml.LayerNormOp: _layer_norm,
    ml.MaxPoolOp: lambda op, a: K.max_pool(a[0], _ints(op.kernel), _ints(op.strides), _ints(op.pads)),
    ml.AvgPoolOp: _avg_pool,
    ml.ReshapeOp: lambda op, a: a[0].reshape(op.result.type.get_shape()),
    ml.TransposeOp: lambda op, a: np.transpose(a[0], op.permutation),
    ml.ConcatOp: lambda op, a: K.concat(a, op.axis.value.data),
    ml.PadOp: lambda op, a: K.pad(a[0], _ints(op.pads), quantize_attribute(op.value.value.data, _scale(op.input))),
    ml.SliceOp: lambda op, a: K.slice_(a[0], _ints(op.starts), _ints(op.ends), _ints(op.steps)),
    ml.GatherOp: lambda op, a: K.gather(a[0], a[1], op.axis.value.data),
}
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
        el = arg.type.element_type
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
