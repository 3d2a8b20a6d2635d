"""The integer semantics of the gadget dialect, on whole int64 tensors.

What the circuit computes, op by op, without building it: convert-ml-to-gadget is
tested by comparing this with the fixed-point interpreter, and each gadget's
witness (zkir.gadgets) with this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue

from zkir.dialects import gadget
from zkir.dialects.resources import to_numpy
from zkir.errors import ModelError
from zkir.interpreter.nonlinear import NONLINEARITIES, rounded_sqrt
from zkir.interpreter.program import main_function
from zkir.interpreter.rounding import div_round

GadgetKernel = Callable[[Operation, list[np.ndarray]], np.ndarray | None]


def rewire(op: gadget.RewireOp, args: Sequence[np.ndarray]) -> np.ndarray:
    flat = np.concatenate([np.asarray(a, dtype=np.int64).ravel() for a in args] + [np.zeros(1, np.int64)])
    index = op.index_map()
    return flat[np.where(index < 0, len(flat) - 1, index)].reshape(op.result.type.get_shape())


def _reduce(fn, op, a) -> np.ndarray:
    axes = tuple(int(v) for v in op.axes.get_values())
    return fn(a[0], axis=axes, keepdims=op.keepdims is not None)


def _rescale(op: gadget.RescaleOp, a: list[np.ndarray]) -> np.ndarray:
    total = a[0] + (a[1] if len(a) > 1 else 0)
    out = div_round(total, op.divisor.value.data)
    return np.maximum(out, 0) if op.relu is not None else out


def _lookup(op: gadget.LookupOp, a: list[np.ndarray]) -> np.ndarray:
    fn = NONLINEARITIES[op.fn.data]
    return np.asarray(fn(a[0], scale=op.out_scale.value.data, in_scale=op.in_scale.value.data), dtype=np.int64)


def _sqrt(op: gadget.SqrtOp, a: list[np.ndarray]) -> np.ndarray:
    return rounded_sqrt(np.maximum(a[0], 0) << np.int64(op.shift.value.data))


def _range_check(op: gadget.RangeCheckOp, a: list[np.ndarray]) -> None:
    bound = 1 << (op.bits.value.data - 1)
    if a[0].size and (a[0].min() < -bound or a[0].max() >= bound):
        raise OverflowError(f"{op.name}: a value lies outside [-{bound}, {bound})")


GADGET_KERNELS: dict[type, GadgetKernel] = {
    gadget.ConstantOp: lambda op, a: to_numpy(op.value).astype(np.int64),
    gadget.DotOp: lambda op, a: np.matmul(a[0], a[1]) + (a[2] if len(a) > 2 else 0),
    gadget.AddOp: lambda op, a: a[0] + a[1],
    gadget.SubOp: lambda op, a: a[0] - a[1],
    gadget.MulOp: lambda op, a: a[0] * a[1],
    gadget.MaximumOp: lambda op, a: np.maximum(a[0], a[1]),
    gadget.VarDivOp: lambda op, a: div_round(a[0] << op.shift.value.data, a[1]),
    gadget.SqrtOp: lambda op, a: _sqrt(op, a),
    gadget.EmbedOp: lambda op, a: a[0][a[1]],
    gadget.SumOp: lambda op, a: _reduce(np.sum, op, a),
    gadget.ReduceMaxOp: lambda op, a: _reduce(np.max, op, a),
    gadget.RescaleOp: _rescale,
    gadget.LookupOp: _lookup,
    gadget.RangeCheckOp: _range_check,
    gadget.RewireOp: rewire,
}


def run_gadget_function(fn: func.FuncOp, args: Sequence[np.ndarray]) -> dict[SSAValue, np.ndarray]:
    """Every SSA value of `fn` on integer `args` (the witness generator's view)."""
    env: dict[SSAValue, np.ndarray] = {
        v: np.asarray(a, dtype=np.int64) for v, a in zip(fn.body.block.args, args)
    }
    for op in fn.body.block.ops:
        if isinstance(op, func.ReturnOp):
            break
        kernel = GADGET_KERNELS.get(type(op))
        if kernel is None:
            raise ModelError(f"{op.name}: no gadget interpreter kernel for this op")
        out = kernel(op, [env[v] for v in op.operands])
        if op.results:
            env[op.results[0]] = np.asarray(out, dtype=np.int64)
    return env


def run_gadget(module: ModuleOp, args: Sequence[np.ndarray] | Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """Outputs of the gadget-level `@main` on integer (already quantized) inputs."""
    fn = main_function(module)
    if isinstance(args, Mapping):
        args = [args[a.name_hint or f"input{i}"] for i, a in enumerate(fn.body.block.args)]
    env = run_gadget_function(fn, list(args))
    ret = fn.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    return [env[v] for v in ret.arguments]
