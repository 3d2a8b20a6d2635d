"""The float semantics of the ml dialect: what a model computes, in numpy float32.

This is the reference the importers are tested against (onnxruntime, the TFLite
interpreter) and that fixed-point accuracy is measured from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from zkir.dialects import ml
from zkir.dialects.resources import to_numpy
from zkir.interpreter import kernels as K
from zkir.interpreter.program import Kernel, bind_inputs, execute, main_function

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


def _axes(op) -> tuple[int, ...]:
    rank = len(op.input.type.get_shape())
    return tuple(a + rank if a < 0 else a for a in op.axis_list)


def _ints(attr) -> list[int]:
    return [int(v) for v in attr.get_values()]


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _layer_norm(op: ml.LayerNormOp, x, scale, bias) -> np.ndarray:
    rank = x.ndim
    axis = op.axis.value.data
    axes = tuple(range(axis + rank if axis < 0 else axis, rank))
    mean = x.mean(axis=axes, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=axes, keepdims=True)
    return d / np.sqrt(var + np.float32(op.epsilon.value.data)) * scale + bias


def _conv(op: ml.Conv2dOp, args):
    x, w = args[0], args[1]
    b = args[2] if len(args) > 2 else None
    return K.conv2d(
        x, w, b, _ints(op.strides), _ints(op.pads), _ints(op.dilations), op.group.value.data
    )


def _pool_params(op):
    return _ints(op.kernel), _ints(op.strides), _ints(op.pads)


FLOAT_KERNELS: dict[type, Kernel] = {
    ml.ConstantOp: lambda op, a: to_numpy(op.value),
    ml.AddOp: lambda op, a: a[0] + a[1],
    ml.SubOp: lambda op, a: a[0] - a[1],
    ml.MulOp: lambda op, a: a[0] * a[1],
    ml.DivOp: lambda op, a: a[0] / a[1],
    ml.MaximumOp: lambda op, a: np.maximum(a[0], a[1]),
    ml.MatmulOp: lambda op, a: np.matmul(a[0], a[1]),
    ml.Conv2dOp: _conv,
    ml.ClipOp: lambda op, a: np.clip(
        a[0], np.float32(op.min.value.data), np.float32(op.max.value.data)
    ),
    ml.WhereOp: lambda op, a: K.where(*a),
    ml.ReduceSumOp: lambda op, a: K.reduce_sum(a[0], _axes(op), bool(op.keepdims.value.data)),
    ml.ReduceMaxOp: lambda op, a: K.reduce_max(a[0], _axes(op), bool(op.keepdims.value.data)),
    ml.ReduceMeanOp: lambda op, a: np.mean(
        a[0], axis=_axes(op), keepdims=bool(op.keepdims.value.data)
    ),
    ml.SoftmaxOp: lambda op, a: _softmax(a[0], op.axis.value.data),
    ml.LayerNormOp: lambda op, a: _layer_norm(op, *a),
    ml.MaxPoolOp: lambda op, a: K.max_pool(a[0], *_pool_params(op)),
    ml.AvgPoolOp: lambda op, a: K.avg_pool(
        a[0], *_pool_params(op), bool(op.count_include_pad.value.data)
    ),
    ml.ReshapeOp: lambda op, a: a[0].reshape(op.result.type.get_shape()),
    ml.TransposeOp: lambda op, a: np.transpose(a[0], op.permutation),
    ml.ConcatOp: lambda op, a: K.concat(a, op.axis.value.data),
    ml.PadOp: lambda op, a: K.pad(a[0], _ints(op.pads), op.value.value.data),
    ml.SliceOp: lambda op, a: K.slice_(a[0], _ints(op.starts), _ints(op.ends), _ints(op.steps)),
    ml.GatherOp: lambda op, a: K.gather(a[0], a[1], op.axis.value.data),
}
for _name, _fn in UNARY_FLOAT.items():
    _cls = next(c for c in ml.MLDialect.operations if c.name == _name)
    FLOAT_KERNELS[_cls] = (lambda f: lambda op, a: f(a[0]))(_fn)


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
