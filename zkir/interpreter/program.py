"""Walking `func.func @main` of an ml module: inputs by name, one kernel per op.

Both interpreters share this walk; they differ only in the table that maps an
op class to its numpy implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue

from zkir.errors import ModelError

Kernel = Callable[[Operation, list[np.ndarray]], np.ndarray]

_OpT = TypeVar("_OpT", bound=Operation)


def kernel_entry(
    cls: type[_OpT], kernel: Callable[[_OpT, list[np.ndarray]], np.ndarray]
) -> tuple[type[Operation], Kernel]:
    """A (class, Kernel) entry of a kernel table from a kernel of that one op
    class, so that the kernel reads the class's typed accessors; `execute` only
    hands it ops of that class (the table is keyed by type(op))."""

    def run(op: Operation, args: list[np.ndarray]) -> np.ndarray:
        assert isinstance(op, cls), f"{op.name}: not a {cls.name}"
        return kernel(op, args)

    return cls, run


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    is_float: bool


def main_function(module: ModuleOp) -> func.FuncOp:
    for op in module.ops:
        if isinstance(op, func.FuncOp) and op.sym_name.data == "main":
            return op
    for op in module.ops:
        if isinstance(op, func.FuncOp):
            return op
    raise ModelError("the module has no func.func to run")


def _specs(
    types: Sequence[Attribute],
    attrs: ArrayAttr[DictionaryAttr] | None,
    default: str,
    hints: Sequence[str | None] | None = None,
) -> list[TensorSpec]:
    out = []
    for i, ty in enumerate(types):
        assert isinstance(ty, TensorType)
        name = (hints[i] if hints and hints[i] else None) or f"{default}{i}"
        if attrs is not None:
            entry = attrs.data[i].data.get("ml.name")
            if isinstance(entry, StringAttr):
                name = entry.data
        el = ty.element_type
        out.append(TensorSpec(name, tuple(ty.get_shape()), not isinstance(el, IntegerType)))
    return out


def input_specs(fn: func.FuncOp) -> list[TensorSpec]:
    hints = [a.name_hint for a in fn.body.block.args] if fn.body.blocks else None
    return _specs(fn.function_type.inputs.data, fn.arg_attrs, "input", hints)


def output_specs(fn: func.FuncOp) -> list[TensorSpec]:
    return _specs(fn.function_type.outputs.data, fn.res_attrs, "output")


def bind_inputs(
    fn: func.FuncOp, inputs: Mapping[str, np.ndarray] | np.ndarray
) -> list[np.ndarray]:
    """Inputs in argument order, shape-checked; a bare array feeds a single input."""
    specs = input_specs(fn)
    if not isinstance(inputs, Mapping):
        if len(specs) != 1:
            raise ModelError(
                f"the model has {len(specs)} inputs "
                f"({', '.join(s.name for s in specs)}); give them by name"
            )
        inputs = {specs[0].name: inputs}
    missing = [s.name for s in specs if s.name not in inputs]
    extra = [k for k in inputs if k not in {s.name for s in specs}]
    if missing or extra:
        raise ModelError(
            f"model inputs are {[s.name for s in specs]}; missing {missing}, "
            f"unknown {extra}"
        )
    out = []
    for s in specs:
        arr = np.asarray(inputs[s.name])
        if arr.shape != s.shape:
            if arr.size == int(np.prod(s.shape)) and arr.ndim == 0:
                arr = arr.reshape(s.shape)
            else:
                raise ModelError(
                    f"input '{s.name}' has shape {list(arr.shape)}, the model expects "
                    f"{list(s.shape)}"
                )
        out.append(arr.astype(np.float32 if s.is_float else np.int64))
    return out


def trace(
    fn: func.FuncOp, args: list[np.ndarray], kernels: Mapping[type, Kernel]
) -> tuple[dict[SSAValue, np.ndarray], func.ReturnOp]:
    """Every value `fn` computes on `args`, and its return op."""
    env: dict[SSAValue, np.ndarray] = dict(zip(fn.body.block.args, args))
    for op in fn.body.block.ops:
        if isinstance(op, func.ReturnOp):
            return env, op
        kernel = kernels.get(type(op))
        if kernel is None:
            raise ModelError(f"{op.name}: no interpreter kernel for this op")
        env[op.results[0]] = kernel(op, [env[v] for v in op.operands])
    raise ModelError("func.func @main has no func.return")


def execute(
    fn: func.FuncOp, args: list[np.ndarray], kernels: Mapping[type, Kernel]
) -> list[np.ndarray]:
    env, ret = trace(fn, args, kernels)
    return [env[v] for v in ret.operands]
