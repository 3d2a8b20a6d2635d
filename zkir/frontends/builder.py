"""Emit `ml` ops with inferred static shapes; shared by the ONNX and TFLite importers.

Both importers speak to this one builder, so a model means the same `ml` ops
whichever format it arrived in. A value is either an SSA value or a numpy array
(a constant not yet placed in the IR): ops whose inputs are all constants are
folded with the interpreter's own kernels, so shape arithmetic (Shape, Gather,
Concat, Reshape chains of exported models) never reaches the IR.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from zkir.dialects import ml
from zkir.dialects.resources import dense_attr
from zkir.interpreter import kernels

Value = SSAValue | np.ndarray
# Shapes for inputs with dynamic dimensions: a list for a model with one
# input, or {input name: list}.
InputShapes = Mapping[str, Sequence[int]] | Sequence[int] | None
# What the elementwise builders also take: a numpy scalar or a python number,
# made a 0-d constant by `_v`.
Operand = Value | np.generic | float


def _v(x: Operand) -> Value:
    """numpy scalars and python numbers become 0-d arrays (constants)."""
    return x if isinstance(x, SSAValue | np.ndarray) else np.asarray(x)


class _BinaryOpClass(Protocol):
    def __call__(self, lhs: SSAValue, rhs: SSAValue, result_type: TensorType, /) -> Operation: ...


class _UnaryOpClass(Protocol):
    @property
    def name(self) -> str: ...

    def __call__(self, input: SSAValue, /) -> Operation: ...


class _ReduceOpClass(Protocol):
    def __call__(
        self, input: SSAValue, axes: Sequence[int], keepdims: bool, result_type: TensorType, /
    ) -> Operation: ...


def _np_float(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def element_for(dtype: np.dtype) -> Attribute:
    if dtype.kind == "f":
        return f32
    if dtype.kind in "iub":
        return i64
    raise ValueError(f"no ml element type for {dtype}")


def shape_of(v: Value) -> tuple[int, ...]:
    if isinstance(v, np.ndarray):
        return tuple(v.shape)
    ty = v.type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


def is_float(v: Value) -> bool:
    if isinstance(v, np.ndarray):
        return v.dtype.kind == "f"
    ty = v.type
    assert isinstance(ty, TensorType)
    return not isinstance(ty.element_type, IntegerType)


# -- a node's inputs, as the op handlers of both importers take them -----------

# A node's inputs, in order: None for an omitted optional one.
Args = list[Value | None]
# What an op handler gives: one value, or one per output.
Outputs = Value | list[Value]


class NodeUnsupported(Exception):
    """Raised by an op handler for an input it cannot take (e.g. a run-time
    shape); the importer lists it as unsupported and goes on."""


def constant_input(v: Value | None, what: str) -> np.ndarray:
    """An input the op needs as a constant (`what` names it in the error)."""
    if not isinstance(v, np.ndarray):
        raise NodeUnsupported(f"input '{what}' must be a constant")
    return v


def required_input(args: Args, i: int) -> Value:
    """Input i, which the op requires."""
    v = args[i] if i < len(args) else None
    if v is None:
        raise NodeUnsupported(f"required input {i} is missing")
    return v


def required_inputs(args: Args) -> list[Value]:
    """All inputs of a variadic op (Sum, Max, CONCATENATION, ...), each required."""
    return [required_input(args, i) for i in range(len(args))]


class MLBuilder:
    """Appends ml ops to the body of `func.func @main`."""

    def __init__(self) -> None:
        self.block = Block()
        self.arg_names: list[str] = []
        self._const_count = 0

    # -- graph boundary ------------------------------------------------------

    def add_input(self, name: str, shape: Sequence[int], dtype: npt.DTypeLike) -> SSAValue:
        ty = TensorType(element_for(np.dtype(dtype)), list(shape))
        arg = self.block.insert_arg(ty, len(self.block.args))
        arg.name_hint = _hint(name)
        self.arg_names.append(name)
        return arg

    def finish(self, outputs: Sequence[tuple[str, Value]]) -> ModuleOp:
        values = [self.materialise(v, name) for name, v in outputs]
        self.block.add_op(func.ReturnOp(*values))
        self._drop_dead_ops()
        fn = func.FuncOp(
            "main",
            ([a.type for a in self.block.args], [v.type for v in values]),
            Region(self.block),
            arg_attrs=ArrayAttr(
                [DictionaryAttr({"ml.name": StringAttr(n)}) for n in self.arg_names]
            ),
            res_attrs=ArrayAttr(
                [DictionaryAttr({"ml.name": StringAttr(n)}) for n, _ in outputs]
            ),
        )
        return ModuleOp([fn])

    def _drop_dead_ops(self) -> None:
        """Erase ops whose results nobody uses (e.g. transposes that cancelled)."""
        for op in reversed(list(self.block.ops)):
            if op.results and all(not r.uses for r in op.results):
                op.detach()
                op.erase()

    # -- helpers ---------------------------------------------------------------

    def _emit(self, op: Operation, hint: str | None = None) -> SSAValue:
        self.block.add_op(op)
        result = op.results[0]
        if hint:
            result.name_hint = _keep_suffix(_hint(hint))
        return result

    def materialise(self, v: Value, name: str = "const") -> SSAValue:
        if isinstance(v, SSAValue):
            return v
        arr = np.array(v, order="C")  # (ascontiguousarray makes 0-d arrays 1-d)
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        else:
            arr = arr.astype(np.int64)
        ty = TensorType(element_for(arr.dtype), list(arr.shape))
        self._const_count += 1
        return self._emit(ml.ConstantOp(dense_attr(arr, name), ty), name)

    @staticmethod
    def _ty(like: Value, shape: Sequence[int]) -> TensorType:
        el = f32 if is_float(like) else i64
        if isinstance(like, SSAValue):
            ty = like.type
            assert isinstance(ty, TensorType)
            el = ty.element_type
        return TensorType(el, list(shape))

    # -- elementwise -----------------------------------------------------------

    _BINARY: dict[str, tuple[_BinaryOpClass, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
        "add": (ml.AddOp, np.add),
        "sub": (ml.SubOp, np.subtract),
        "mul": (ml.MulOp, np.multiply),
        "div": (ml.DivOp, np.divide),
        "max": (ml.MaximumOp, np.maximum),
    }

    def binary(self, kind: str, a: Operand, b: Operand, hint: str | None = None) -> Value:
        op_cls, fn = self._BINARY[kind]
        va, vb = _v(a), _v(b)
        if isinstance(va, np.ndarray) and isinstance(vb, np.ndarray):
            out = fn(va, vb)
            if kind == "div" and va.dtype.kind in "iu" and vb.dtype.kind in "iu":
                out = np.trunc(out).astype(np.int64)
            return out
        shape = np.broadcast_shapes(shape_of(va), shape_of(vb))
        like = va if isinstance(va, SSAValue) else vb
        return self._emit(
            op_cls(
                self.materialise(va, f"{hint}_lhs"),
                self.materialise(vb, f"{hint}_rhs"),
                self._ty(like, shape),
            ),
            hint,
        )

    def variadic(self, kind: str, xs: Sequence[Value], hint: str | None = None) -> Value:
        """xs[0] kind xs[1] kind ...: a left fold of one binary op over the
        inputs of a variadic op (Sum, Max, Min), every step named `hint`."""
        out = xs[0]
        for v in xs[1:]:
            out = self.binary(kind, out, v, hint)
        return out

    def unary(self, kind: str, x: Value, hint: str | None = None) -> Value:
        from zkir.interpreter.float_interp import UNARY_FLOAT

        op_cls = UNARY_OPS[kind]
        if isinstance(x, np.ndarray):
            return UNARY_FLOAT[op_cls.name](_np_float(x))
        return self._emit(op_cls(x), hint)

    def clip(self, x: Value, lo: float, hi: float, hint: str | None = None) -> Value:
        if isinstance(x, np.ndarray):
            return np.clip(x, lo, hi)
        return self._emit(ml.ClipOp(x, lo, hi), hint)

    def gelu_tanh(self, x: Value, hint: str | None = None) -> Value:
        """GELU's tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as
        products, sums and one tanh (ONNX approximate="tanh", TFLite approximate)."""
        n = hint or "gelu"
        x3 = self.binary("mul", self.binary("mul", x, x, f"{n}_x2"), x, f"{n}_x3")
        inner = self.binary("add", x, self.binary("mul", x3, np.float32(0.044715), f"{n}_c"), f"{n}_in")
        t = self.unary("tanh", self.binary("mul", inner, np.float32(np.sqrt(2 / np.pi)), f"{n}_s"), f"{n}_t")
        half = self.binary("mul", x, np.float32(0.5), f"{n}_h")
        return self.binary("mul", half, self.binary("add", t, np.float32(1.0), f"{n}_1"), hint)

    def hard_sigmoid(self, x: Value, alpha: float, beta: float, hint: str | None = None) -> Value:
        """max(0, min(1, alpha x + beta)): a product, a sum and a clip."""
        y = self.binary("mul", x, np.float32(alpha), f"{hint}_a")
        return self.clip(self.binary("add", y, np.float32(beta), f"{hint}_b"), 0.0, 1.0, hint)

    def where(self, cond: Operand, a: Operand, b: Operand, hint: str | None = None) -> Value:
        vc, va, vb = _v(cond), _v(a), _v(b)
        if isinstance(vc, np.ndarray) and isinstance(va, np.ndarray) and isinstance(vb, np.ndarray):
            return kernels.where(vc, va, vb)
        shape = np.broadcast_shapes(shape_of(vc), shape_of(va), shape_of(vb))
        like = va if isinstance(va, SSAValue) else vb
        if isinstance(vc, np.ndarray):
            vc = vc.astype(np.int64)
        return self._emit(
            ml.WhereOp(
                self.materialise(vc, f"{hint}_cond"),
                self.materialise(va, f"{hint}_x"),
                self.materialise(vb, f"{hint}_y"),
                self._ty(like, shape),
            ),
            hint,
        )

    # -- comparisons, booleans, casts ---------------------------------------------

    def compare(self, predicate: str, a: Operand, b: Operand, hint: str | None = None) -> Value:
        """a `predicate` b (ml.COMPARE_PREDICATES), a boolean tensor."""
        va, vb = _v(a), _v(b)
        if isinstance(va, np.ndarray) and isinstance(vb, np.ndarray):
            return kernels.COMPARE[predicate](va, vb)
        like = va if isinstance(va, SSAValue) else vb
        if not isinstance(va, SSAValue):
            va = va.astype(np.float32 if is_float(like) else np.int64)
        if not isinstance(vb, SSAValue):
            vb = vb.astype(np.float32 if is_float(like) else np.int64)
        shape = np.broadcast_shapes(shape_of(va), shape_of(vb))
        return self._emit(
            ml.CompareOp(
                predicate,
                self.materialise(va, f"{hint}_lhs"),
                self.materialise(vb, f"{hint}_rhs"),
                TensorType(ml.BOOL, list(shape)),
            ),
            hint,
        )

    def logical_not(self, x: Value, hint: str | None = None) -> Value:
        if isinstance(x, np.ndarray):
            return np.logical_not(x)
        return self._emit(ml.NotOp(x), hint)

    _LOGICAL: dict[str, tuple[type[ml.AndOp | ml.OrOp | ml.XorOp], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
        "and": (ml.AndOp, np.logical_and),
        "or": (ml.OrOp, np.logical_or),
        "xor": (ml.XorOp, np.logical_xor),
    }

    def logical(self, kind: str, a: Value, b: Value, hint: str | None = None) -> Value:
        """and / or / xor of booleans. A constant operand that is all true or all
        false folds away (x and 1 = x, x or 1 = 1, x xor 1 = not x, ...); a mixed
        constant mask with a run-time operand is refused."""
        op_cls, fn = self._LOGICAL[kind]
        shape = tuple(np.broadcast_shapes(shape_of(a), shape_of(b)))
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return fn(a, b)
        if isinstance(a, np.ndarray):
            a, b = b, a
        if isinstance(b, np.ndarray):
            if b.size and b.all() != b.any():
                raise NodeUnsupported(f"'{kind}' of a run-time boolean with a mixed constant mask")
            const = bool(b.all()) if b.size else False
            assert isinstance(a, SSAValue)
            if kind == "and":
                out: Value = a if const else np.zeros(shape, bool)
            elif kind == "or":
                out = np.ones(shape, bool) if const else a
            else:
                out = self.logical_not(a, hint) if const else a
            return self.expand(out, shape, hint)
        assert isinstance(a, SSAValue) and isinstance(b, SSAValue)
        return self._emit(op_cls(a, b, TensorType(ml.BOOL, list(shape))), hint)

    _CAST_ELEMENT: dict[str, Attribute] = {"real": f32, "int": i64, "bool": ml.BOOL}

    def cast(self, x: Value, to: str, hint: str | None = None) -> Value:
        """x as a 'real', 'int' or 'bool' tensor (ml.cast's rules: reals truncate
        toward zero to integers; non-zero is true)."""
        if isinstance(x, np.ndarray):
            frm = "real" if x.dtype.kind == "f" else "bool" if x.dtype.kind == "b" else "int"
            if frm == to:
                return x
            out = kernels.cast(x, frm, to, None)
            return out.astype(np.float32) if to == "real" else out
        ty = x.type
        assert isinstance(ty, TensorType)
        if ml.CastOp.kind_of(ty.element_type) == to:
            return x
        return self._emit(ml.CastOp(x, TensorType(self._CAST_ELEMENT[to], ty.get_shape())), hint)

    # -- linear algebra ----------------------------------------------------------

    def matmul(self, a: Value, b: Value, hint: str | None = None) -> Value:
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return np.matmul(a, b)
        sa, sb = shape_of(a), shape_of(b)
        # ml.matmul is rank >= 2: vectors become matrices and are squeezed back.
        if len(sa) == 1:
            a = self.reshape(a, (1, sa[0]))
        if len(sb) == 1:
            b = self.reshape(b, (sb[0], 1))
        shape = np.broadcast_shapes(shape_of(a)[:-2], shape_of(b)[:-2]) + (
            shape_of(a)[-2],
            shape_of(b)[-1],
        )
        like = a if isinstance(a, SSAValue) else b
        out: Value = self._emit(
            ml.MatmulOp(
                self.materialise(a, f"{hint}_a"),
                self.materialise(b, f"{hint}_weight"),
                self._ty(like, shape),
            ),
            hint,
        )
        if len(sa) == 1 or len(sb) == 1:
            keep = list(shape)
            if len(sb) == 1:
                keep.pop(-1)
            if len(sa) == 1:
                keep.pop(-2 if len(sb) > 1 else -1)
            out = self.reshape(out, tuple(keep))
        return out

    def conv2d(
        self,
        x: Value,
        w: Value,
        b: Value | None,
        strides: Sequence[int],
        pads: Sequence[int],
        dilations: Sequence[int],
        group: int,
        hint: str | None = None,
    ) -> Value:
        shape = ml.conv2d_output_shape(
            shape_of(x), shape_of(w), strides, pads, dilations, group
        )
        xs = self.materialise(x, f"{hint}_input")
        return self._emit(
            ml.Conv2dOp(
                xs,
                self.materialise(w, f"{hint}_weight"),
                None if b is None else self.materialise(b, f"{hint}_bias"),
                self._ty(xs, shape),
                strides,
                pads,
                dilations,
                group,
            ),
            hint,
        )

    # -- reductions and normalisations -------------------------------------------

    _REDUCE: dict[
        str, tuple[_ReduceOpClass, Callable[[np.ndarray, Sequence[int], bool], np.ndarray]]
    ] = {
        "sum": (ml.ReduceSumOp, kernels.reduce_sum),
        "max": (ml.ReduceMaxOp, kernels.reduce_max),
        "mean": (ml.ReduceMeanOp, lambda x, a, k: np.mean(x, axis=tuple(a), keepdims=k)),
    }

    def reduce(
        self, kind: str, x: Value, axes: Sequence[int], keepdims: bool, hint: str | None = None
    ) -> Value:
        op_cls, fn = self._REDUCE[kind]
        rank = len(shape_of(x))
        axes = sorted({a + rank if a < 0 else a for a in axes})
        if isinstance(x, np.ndarray):
            return fn(x, axes, keepdims)
        shape = [
            1 if i in axes else d
            for i, d in enumerate(shape_of(x))
            if keepdims or i not in axes
        ]
        return self._emit(op_cls(x, axes, keepdims, self._ty(x, shape)), hint)

    def softmax(self, x: Value, axis: int, hint: str | None = None) -> Value:
        x = self.materialise(x, f"{hint}_input")
        return self._emit(ml.SoftmaxOp(x, axis), hint)

    def layer_norm(
        self, x: Value, scale: Value, bias: Value, axis: int, eps: float, hint: str | None = None
    ) -> Value:
        xs = self.materialise(x, f"{hint}_input")
        rank = len(shape_of(x))
        axis = axis + rank if axis < 0 else axis
        tail = shape_of(x)[axis:]
        scale = np.broadcast_to(scale, tail).copy() if isinstance(scale, np.ndarray) else scale
        bias = np.broadcast_to(bias, tail).copy() if isinstance(bias, np.ndarray) else bias
        return self._emit(
            ml.LayerNormOp(
                xs,
                self.materialise(scale, f"{hint}_scale"),
                self.materialise(bias, f"{hint}_bias"),
                axis,
                eps,
            ),
            hint,
        )

    def max_pool(
        self,
        x: Value,
        kernel: Sequence[int],
        strides: Sequence[int],
        pads: Sequence[int],
        hint: str | None = None,
    ) -> Value:
        xs = self.materialise(x, f"{hint}_input")
        shape = ml.pool2d_output_shape(shape_of(x), kernel, strides, pads, "ml.max_pool")
        return self._emit(ml.MaxPoolOp(xs, kernel, strides, pads, self._ty(xs, shape)), hint)

    def avg_pool(
        self,
        x: Value,
        kernel: Sequence[int],
        strides: Sequence[int],
        pads: Sequence[int],
        count_include_pad: bool,
        hint: str | None = None,
    ) -> Value:
        xs = self.materialise(x, f"{hint}_input")
        shape = ml.pool2d_output_shape(shape_of(x), kernel, strides, pads, "ml.avg_pool")
        return self._emit(
            ml.AvgPoolOp(xs, kernel, strides, pads, count_include_pad, self._ty(xs, shape)),
            hint,
        )

    # -- data movement -----------------------------------------------------------

    def reshape(self, x: Value, shape: Sequence[int], hint: str | None = None) -> Value:
        shape = tuple(int(d) for d in shape)
        if isinstance(x, np.ndarray):
            return x.reshape(shape)
        if shape == shape_of(x):
            return x
        return self._emit(ml.ReshapeOp(x, self._ty(x, shape)), hint)

    def transpose(self, x: Value, perm: Sequence[int], hint: str | None = None) -> Value:
        perm = [int(p) for p in perm]
        if isinstance(x, np.ndarray):
            return np.transpose(x, perm)
        if perm == list(range(len(perm))):
            return x
        owner = x.owner
        if isinstance(owner, ml.TransposeOp):
            inner = owner.permutation
            if [inner[p] for p in perm] == list(range(len(perm))):
                return owner.input  # NHWC <-> NCHW round trips of the TFLite importer
        shape = [shape_of(x)[p] for p in perm]
        return self._emit(ml.TransposeOp(x, perm, self._ty(x, shape)), hint)

    def concat(self, xs: Sequence[Value], axis: int, hint: str | None = None) -> Value:
        rank = len(shape_of(xs[0]))
        axis = axis + rank if axis < 0 else axis
        arrays = [v for v in xs if isinstance(v, np.ndarray)]
        if len(arrays) == len(xs):
            return kernels.concat(arrays, axis)
        xs = [v for v in xs if shape_of(v)[axis] != 0]
        if len(xs) == 1:
            return xs[0]
        like = next(v for v in xs if isinstance(v, SSAValue))
        shape = list(shape_of(xs[0]))
        shape[axis] = sum(shape_of(v)[axis] for v in xs)
        values = [self.materialise(v, f"{hint}_part") for v in xs]
        return self._emit(ml.ConcatOp(values, axis, self._ty(like, shape)), hint)

    def pad(self, x: Value, pads: Sequence[int], value: float, hint: str | None = None) -> Value:
        pads = [int(p) for p in pads]
        if isinstance(x, np.ndarray):
            return kernels.pad(x, pads, value)
        if not any(pads):
            return x
        rank = len(pads) // 2
        shape = [d + pads[i] + pads[i + rank] for i, d in enumerate(shape_of(x))]
        return self._emit(ml.PadOp(x, pads, value, self._ty(x, shape)), hint)

    def slice(
        self,
        x: Value,
        starts: Sequence[int | None],
        ends: Sequence[int | None],
        steps: Sequence[int | None],
        hint: str | None = None,
    ) -> Value:
        """Python-slice semantics per dimension; bounds are normalised here."""
        dims = shape_of(x)
        norm = [slice(a, b, c).indices(d) for a, b, c, d in zip(starts, ends, steps, dims)]
        lo = [s for s, _, _ in norm]
        step = [c for _, _, c in norm]
        # A negative stop of -1 means "before index 0": keep it expressible.
        hi = [e if e >= 0 else -(d + 1) for (_, e, _), d in zip(norm, dims)]
        if isinstance(x, np.ndarray):
            return kernels.slice_(x, lo, hi, step)
        shape = [ml.slice_length(d, a, b, c) for d, a, b, c in zip(dims, lo, hi, step)]
        if tuple(shape) == dims and all(c == 1 for c in step):
            return x
        return self._emit(ml.SliceOp(x, lo, hi, step, self._ty(x, shape)), hint)

    def split(self, x: Value, axis: int, sizes: Sequence[int], hint: str | None = None) -> list[Value]:
        """Consecutive slices of x along `axis`, of the given sizes (the outputs
        of ONNX Split, TFLite SPLIT and SPLIT_V), named `{hint}_{i}`."""
        shape = shape_of(x)
        axis = axis + len(shape) if axis < 0 else axis
        outs: list[Value] = []
        start = 0
        for i, size in enumerate(sizes):
            s = [0] * len(shape)
            e = list(shape)
            s[axis], e[axis] = start, start + size
            outs.append(self.slice(x, s, e, [1] * len(shape), f"{hint}_{i}"))
            start += size
        return outs

    def expand(self, x: Value, shape: Sequence[int], hint: str | None = None) -> Value:
        """numpy.broadcast_to(x, shape): wiring."""
        shape = tuple(int(d) for d in shape)
        if isinstance(x, np.ndarray):
            return kernels.expand(x, shape)
        if shape == shape_of(x):
            return x
        return self._emit(ml.ExpandOp(x, self._ty(x, shape)), hint)

    def tile(self, x: Value, repeats: Sequence[int], hint: str | None = None) -> Value:
        repeats = [int(r) for r in repeats]
        if isinstance(x, np.ndarray):
            return np.tile(x, repeats)
        if all(r == 1 for r in repeats):
            return x
        shape = [d * r for d, r in zip(shape_of(x), repeats)]
        return self._emit(ml.TileOp(x, repeats, self._ty(x, shape)), hint)

    def gather(self, data: Value, indices: Value, axis: int, hint: str | None = None) -> Value:
        rank = len(shape_of(data))
        axis = axis + rank if axis < 0 else axis
        if isinstance(data, np.ndarray) and isinstance(indices, np.ndarray):
            return kernels.gather(data, indices, axis)
        if isinstance(indices, np.ndarray):
            dim = shape_of(data)[axis]
            indices = np.where(indices < 0, indices + dim, indices).astype(np.int64)
        shape = list(shape_of(data))
        shape[axis : axis + 1] = list(shape_of(indices))
        ds = self.materialise(data, f"{hint}_table")
        return self._emit(
            ml.GatherOp(ds, self.materialise(indices, f"{hint}_indices"), axis, self._ty(ds, shape)),
            hint,
        )


UNARY_OPS: dict[str, _UnaryOpClass] = {
    "relu": ml.ReluOp,
    "sigmoid": ml.SigmoidOp,
    "tanh": ml.TanhOp,
    "gelu": ml.GeluOp,
    "erf": ml.ErfOp,
    "exp": ml.ExpOp,
    "sqrt": ml.SqrtOp,
    "rsqrt": ml.RsqrtOp,
    "reciprocal": ml.ReciprocalOp,
    "neg": ml.NegOp,
}


def _keep_suffix(name: str | None) -> str | None:
    """xDSL drops a trailing `_<digits>` from a name hint (its printer's own
    uniquifying suffix), which would turn layer `dense_1` into `dense`: such a
    name keeps its digits as `dense.1` (a placement reads it as `dense_1`)."""
    if name and (m := re.search(r"_(\d+)$", name)):
        return f"{name[: m.start()]}.{m.group(1)}"
    return name


def _hint(name: str) -> str | None:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not clean or not (clean[0].isalpha() or clean[0] == "_"):
        clean = "v" + clean
    return clean
