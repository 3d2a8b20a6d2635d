"""The integer semantics of the gadget dialect, on whole int64 tensors.

What the circuit computes, op by op, without building it: convert-ml-to-gadget is
tested by comparing this with the fixed-point interpreter. A gadget op means what
its gadget's `evaluate` computes on the op's ports (GadgetOpInterface), so the
meaning of an op is written once, in its gadget's file, beside the gates that
prove it; the gadget tests check each gadget's witness against it. Only the ops
that are wiring or structure (constants, rewires, reduce_max's tree of maximum
gadgets) are interpreted here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue

from zkir.dialects import gadget
from zkir.dialects.resources import to_numpy
from zkir.errors import ModelError
from zkir.gadgets.registry import gadget_class
from zkir.interpreter.program import main_function


def rewire(op: gadget.RewireOp, args: Sequence[np.ndarray]) -> np.ndarray:
    flat = np.concatenate([np.asarray(a, dtype=np.int64).ravel() for a in args] + [np.zeros(1, np.int64)])
    index = op.index_map()
    return flat[np.where(index < 0, len(flat) - 1, index)].reshape(_shape(op.result))


def _shape(value: SSAValue) -> tuple[int, ...]:
    ty = value.type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


def port_values(op: gadget.GadgetOpInterface, env: Mapping[SSAValue, np.ndarray]) -> dict[str, np.ndarray]:
    """Each input port's tensor, gathered from the operands as the wiring will."""
    out: dict[str, np.ndarray] = {}
    for name, port in op.input_ports().items():
        if port.value is None or port.index is None:
            out[name] = np.zeros(port.shape, dtype=np.int64)
        else:
            out[name] = env[port.value].ravel()[port.index].reshape(port.shape)
    return out


def evaluate_gadget_op(op: gadget.GadgetOpInterface, env: Mapping[SSAValue, np.ndarray]) -> np.ndarray | None:
    cls = gadget_class(op.gadget_kind())
    out = cls.evaluate(cls.Params.of_op(op.gadget_params()), port_values(op, env))
    return None if out is None or not op.results else np.asarray(out, dtype=np.int64).reshape(_shape(op.results[0]))


def _evaluate(op: Operation, env: Mapping[SSAValue, np.ndarray]) -> np.ndarray | None:
    if isinstance(op, gadget.GadgetOpInterface):
        return evaluate_gadget_op(op, env)
    if isinstance(op, gadget.ConstantOp):
        return to_numpy(op.value).astype(np.int64)
    if isinstance(op, gadget.RewireOp):
        return rewire(op, [env[v] for v in op.inputs])
    if isinstance(op, gadget.ReduceMaxOp):
        return np.max(env[op.input], axis=op.get_axes(), keepdims=op.get_keepdims())
    raise ModelError(f"{op.name}: not a gadget op (no gadget gives it a meaning)")


def run_gadget_function(fn: func.FuncOp, args: Sequence[np.ndarray]) -> dict[SSAValue, np.ndarray]:
    """Every SSA value of `fn` on integer `args` (the witness generator's view)."""
    env: dict[SSAValue, np.ndarray] = {
        v: np.asarray(a, dtype=np.int64) for v, a in zip(fn.body.block.args, args)
    }
    for op in fn.body.block.ops:
        if isinstance(op, func.ReturnOp):
            break
        out = _evaluate(op, env)
        if op.results and out is not None:
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
