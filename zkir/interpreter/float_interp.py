"""The float semantics of the ml dialect: what a model computes, in numpy float32.

This is the reference the importers are tested against (onnxruntime, the TFLite
interpreter) and that fixed-point accuracy is measured from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation

from zkir.dialects import ml
from zkir.interpreter import kernels as K
from zkir.interpreter.program import Kernel, bind_inputs, execute, kernel_entry, main_function

_SQRT_HALF = np.float32(np.sqrt(0.5))


def _erf(x: np.ndarray) -> np.ndarray:
    from math import erf

    return np.vectorize(erf, otypes=[np.float64])(x.astype(np.float64)).astype(x.dtype)


def _erf_fast(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf  # scipy ships with scikit-learn

        return erf(x.astype(np.float64)).astype(x.dtype)
    except ImportError:  # pragma: no cover - scipy is a test dependency
        return _erf(x)


UNARY_FLOAT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "ml.relu": lambda x: np.maximum(x, 0).astype(x.dtype),
    "ml.sigmoid": lambda x: (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype),
    "ml.tanh": np.tanh,
    "ml.gelu": lambda x: (x * 0.5 * (1.0 + _erf_fast(x * _SQRT_HALF))).astype(x.dtype),
    "ml.erf": _erf_fast,
    "ml.exp": np.exp,
    "ml.sqrt": np.sqrt,
    "ml.rsqrt": lambda x: (1.0 / np.sqrt(x)).astype(x.dtype),
    "ml.reciprocal": lambda x: (1.0 / x).astype(x.dtype),
    "ml.neg": np.negative,
}


_Reduce = ml.ReduceSumOp | ml.ReduceMaxOp | ml.ReduceMeanOp
_Pool = ml.MaxPoolOp | ml.AvgPoolOp


def _axes(op: _Reduce) -> tuple[int, ...]:
    ty = op.input.type
    assert isinstance(ty, TensorType)
    rank = len(ty.get_shape())
    return tuple(a + rank if a < 0 else a for a in op.get_axes())


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _layer_norm(
    op: ml.LayerNormOp, x: np.ndarray, scale: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    rank = x.ndim
    axis = op.get_axis()
    axes = tuple(range(axis + rank if axis < 0 else axis, rank))
    mean = x.mean(axis=axes, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=axes, keepdims=True)
    return d / np.sqrt(var + np.float32(op.get_epsilon())) * scale + bias


def _conv(op: ml.Conv2dOp, args: list[np.ndarray]) -> np.ndarray:
    x, w = args[0], args[1]
    b = args[2] if len(args) > 2 else None
    return K.conv2d(
        x, w, b, op.get_strides(), op.get_pads(), op.get_dilations(), op.get_group()
    )


def cast_kinds(op: ml.CastOp) -> tuple[str, str]:
    """(from, to) of a cast: 'real', 'int' or 'bool' (the verifier allows no other)."""
    frm = ml.CastOp.kind_of(op.input.type.element_type)  # type: ignore[attr-defined]
    to = ml.CastOp.kind_of(op.result.type.element_type)
    assert frm is not None and to is not None
    return frm, to


def _clip(op: ml.ClipOp, x: np.ndarray) -> np.ndarray:
    lo, hi = op.get_min(), op.get_max()
    if x.dtype.kind in "iu":  # integer bounds, saturated to int64
        lo_i = int(max(np.ceil(lo), -(2.0**62)))
        hi_i = int(min(np.floor(hi), 2.0**62))
        return np.clip(x, lo_i, hi_i).astype(x.dtype)
    return np.clip(x, np.float32(lo), np.float32(hi))


def _pool_params(op: _Pool) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    return op.get_kernel(), op.get_strides(), op.get_pads()


FLOAT_KERNELS: dict[type[Operation], Kernel] = dict(
    [
        kernel_entry(ml.ConstantOp, lambda op, a: op.get_value()),
        kernel_entry(ml.AddOp, lambda op, a: a[0] + a[1]),
        kernel_entry(ml.SubOp, lambda op, a: a[0] - a[1]),
        kernel_entry(ml.MulOp, lambda op, a: a[0] * a[1]),
        kernel_entry(ml.DivOp, lambda op, a: a[0] / a[1]),
        kernel_entry(ml.MaximumOp, lambda op, a: np.maximum(a[0], a[1])),
        kernel_entry(ml.MatmulOp, lambda op, a: np.matmul(a[0], a[1])),
        kernel_entry(ml.Conv2dOp, _conv),
        kernel_entry(ml.ClipOp, lambda op, a: _clip(op, a[0])),
        kernel_entry(ml.WhereOp, lambda op, a: K.where(*a)),
        kernel_entry(ml.CompareOp, lambda op, a: K.COMPARE[op.get_predicate()](a[0], a[1])),
        kernel_entry(ml.NotOp, lambda op, a: np.logical_not(a[0])),
        kernel_entry(ml.AndOp, lambda op, a: np.logical_and(a[0], a[1])),
        kernel_entry(ml.OrOp, lambda op, a: np.logical_or(a[0], a[1])),
        kernel_entry(ml.XorOp, lambda op, a: np.logical_xor(a[0], a[1])),
        kernel_entry(ml.CastOp, lambda op, a: K.cast(a[0], *cast_kinds(op), None)),
        kernel_entry(ml.ExpandOp, lambda op, a: K.expand(a[0], op.result.type.get_shape())),
        kernel_entry(ml.TileOp, lambda op, a: np.tile(a[0], op.get_repeats())),
        kernel_entry(
            ml.ReduceSumOp, lambda op, a: K.reduce_sum(a[0], _axes(op), op.get_keepdims())
        ),
        kernel_entry(
            ml.ReduceMaxOp, lambda op, a: K.reduce_max(a[0], _axes(op), op.get_keepdims())
        ),
        kernel_entry(
            ml.ReduceMeanOp,
            lambda op, a: np.mean(a[0], axis=_axes(op), keepdims=op.get_keepdims()),
        ),
        kernel_entry(ml.SoftmaxOp, lambda op, a: _softmax(a[0], op.get_axis())),
        kernel_entry(ml.LayerNormOp, lambda op, a: _layer_norm(op, *a)),
        kernel_entry(ml.MaxPoolOp, lambda op, a: K.max_pool(a[0], *_pool_params(op))),
        kernel_entry(
            ml.AvgPoolOp,
            lambda op, a: K.avg_pool(a[0], *_pool_params(op), op.get_count_include_pad()),
        ),
        kernel_entry(ml.ReshapeOp, lambda op, a: a[0].reshape(op.result.type.get_shape())),
        kernel_entry(ml.TransposeOp, lambda op, a: np.transpose(a[0], op.get_perm())),
        kernel_entry(ml.ConcatOp, lambda op, a: K.concat(a, op.get_axis())),
        kernel_entry(ml.PadOp, lambda op, a: K.pad(a[0], op.get_pads(), op.get_value())),
        kernel_entry(
            ml.SliceOp,
            lambda op, a: K.slice_(a[0], op.get_starts(), op.get_ends(), op.get_steps()),
        ),
        kernel_entry(ml.GatherOp, lambda op, a: K.gather(a[0], a[1], op.get_axis())),
    ]
)


def _unary_kernel(f: Callable[[np.ndarray], np.ndarray]) -> Kernel:
    return lambda op, a: f(a[0])


for _name, _fn in UNARY_FLOAT.items():
    _cls = next(c for c in ml.MLDialect.operations if c.name == _name)
    FLOAT_KERNELS[_cls] = _unary_kernel(_fn)


def _as_float32(kernel: Kernel) -> Kernel:
    def run(op: Operation, args: list[np.ndarray]) -> np.ndarray:
        out = np.asarray(kernel(op, args))
        return out.astype(np.float32) if out.dtype.kind == "f" else out

    return run


FLOAT_KERNELS = {k: _as_float32(v) for k, v in FLOAT_KERNELS.items()}


def run_float(
    module: ModuleOp, inputs: Mapping[str, np.ndarray] | np.ndarray
) -> list[np.ndarray]:
    """Outputs of `@main` on `inputs` (by name, or one bare array), in float32."""
    fn = main_function(module)
    return execute(fn, bind_inputs(fn, inputs), FLOAT_KERNELS)
