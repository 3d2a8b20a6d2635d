"""`convert-ml-to-gadget`: fixed-point ml ops become gadgets on field tensors.

Arithmetic maps to the gadget that proves it (matmul and convolution to `dot`,
`ml.rescale` to `rescale`, nonlinearities to table `lookup`s). Every shape op
(reshape, transpose, slice, concat, pad, gather with constant indices, the
broadcasts of elementwise ops, a convolution's im2col) becomes `gadget.rewire`:
wiring that costs no constraint. Its index map is computed by running the op's
own float kernel on a tensor of element indices, so a shape op cannot mean one
thing in the interpreter and another in the circuit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import region_dce
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import gadget, ml
from zkir.dialects.resources import dense_attr
from zkir.errors import ZkirError
from zkir.interpreter.kernels import pool_sums_and_counts, sliding_windows
from zkir.interpreter.nonlinear import NONLINEARITIES
from zkir.interpreter.rounding import quantize_attribute  # the one rounding of real attributes


class LoweringError(ZkirError, PassFailedException, ValueError):
    """The module holds ops (or types) convert-ml-to-gadget cannot lower (a
    failed pass, and a ValueError as before)."""


SHAPE_OPS = (
    ml.ReshapeOp,
    ml.TransposeOp,
    ml.ConcatOp,
    ml.PadOp,
    ml.SliceOp,
    ml.GatherOp,
    ml.ExpandOp,
    ml.TileOp,
)


def _shape(value: SSAValue) -> tuple[int, ...]:
    ty = value.type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


def _scale(value: SSAValue) -> int:
    """A fixed-point value's scale; integers (indices) and booleans are at scale 0."""
    ty = value.type
    assert isinstance(ty, TensorType)
    if isinstance(ty.element_type, IntegerType):
        return 0
    assert isinstance(ty.element_type, ml.FixedType)
    return ty.element_type.scale.data


def _is_static(value: SSAValue) -> bool:
    """Constants read at compile time: integer ones (gather indices, where masks)
    and gather tables, which become lookup tables."""
    if not isinstance(value.owner, ml.ConstantOp) or not isinstance(value.type, TensorType):
        return False
    return isinstance(value.type.element_type, IntegerType) or any(
        isinstance(use.operation, ml.GatherOp) and use.index == 0 for use in value.uses
    )


def _is_float(value: SSAValue) -> bool:
    ty = value.type
    return isinstance(ty, TensorType) and not isinstance(ty.element_type, ml.FixedType | IntegerType)


def _index_tensors(shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Element indices of several tensors as one concatenation, plus one (0 = padding)."""
    out, offset = [], 0
    for shape in shapes:
        n = int(np.prod(shape, dtype=np.int64))
        out.append(np.arange(offset + 1, offset + n + 1, dtype=np.int64).reshape(shape))
        offset += n
    return out


def shape_op_map(op: Operation, data: Sequence[SSAValue], static: Sequence[np.ndarray]) -> np.ndarray:
    """out.flat[i] = concat(data).flat[map[i]], -1 where the op pads with zero."""
    from zkir.interpreter.float_interp import FLOAT_KERNELS

    indices = _index_tensors([_shape(v) for v in data])
    out = FLOAT_KERNELS[type(op)](op, [*indices, *static])
    return np.asarray(out, dtype=np.int64).ravel() - 1


def broadcast_map(shape: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    return np.broadcast_to(np.arange(n, dtype=np.int64).reshape(shape), target).ravel()


def im2col_map(
    input_shape: tuple[int, ...], op: ml.Conv2dOp
) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Map of NCHW input -> (groups, N*OH*OW, Cg*KH*KW) windows, and that shape."""
    strides, pads, dilations = op.get_strides(), op.get_pads(), op.get_dilations()
    groups = op.get_group()
    o, cg, kh, kw = _shape(op.weight)
    (idx,) = _index_tensors([input_shape])
    win = sliding_windows(idx, (kh, kw), strides, pads, dilations, 0)  # (N, C, OH, OW, KH, KW)
    n, _, oh, ow = win.shape[:4]
    win = win.reshape(n, groups, cg, oh, ow, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6)
    shape = (groups, n * oh * ow, cg * kh * kw)
    return np.ascontiguousarray(win).reshape(-1) - 1, shape


@dataclass
class _Lowering:
    table_bits: int
    weights: str
    block: Block
    values: dict[SSAValue, SSAValue]
    unsupported: list[str]

    def emit(self, op: Operation, name: str | None = None) -> SSAValue:
        """Append `op`; `name` becomes its result's name hint (else
        `_lower_function` names it after the ml op it comes from)."""
        self.block.add_op(op)
        if name:
            op.results[0].name_hint = name
        return op.results[0]

    def rewire(self, kind: str, inputs: Sequence[SSAValue], shape: Sequence[int], index_map: np.ndarray, name: str) -> SSAValue:
        """A rewire op; an identity map over one input (a reshape) stores no map."""
        identity = len(inputs) == 1 and np.array_equal(
            index_map, np.arange(int(np.prod(_shape(inputs[0]), dtype=np.int64)))
        )
        attr = None if identity else dense_attr(index_map.astype(np.int64), f"{name}_map")
        return self.emit(gadget.RewireOp(kind, inputs, shape, attr), name)

    def fixed_constant(self, values: np.ndarray, name: str) -> SSAValue:
        """A constant of the circuit itself (a clamp bound, a count): in the vk, never a witness."""
        return self.emit(gadget.ConstantOp(dense_attr(np.asarray(values, dtype=np.int64), name), "fixed"), name)

    def zeros_like(self, value: SSAValue, name: str) -> SSAValue:
        """A zero tensor, wired from the zero cell (no rows)."""
        shape = _shape(value)
        return self.rewire("zeros", [value], shape, np.full(int(np.prod(shape, dtype=np.int64)), -1), name)

    def divide(self, num: SSAValue, den: np.ndarray, name: str) -> SSAValue:
        """round(num / den) for constant positive den (means, average pools)."""
        shape = _shape(num)
        den_value = self.broadcast(self.fixed_constant(den, name + "_count"), shape, name + "_count")
        return self.emit(gadget.VarDivOp(num, den_value, 0))

    def broadcast(self, value: SSAValue, target: tuple[int, ...], name: str) -> SSAValue:
        shape = _shape(value)
        if shape == target:
            return value
        return self.rewire("broadcast", [value], target, broadcast_map(shape, target), name)

    def constant_array(self, value: SSAValue) -> np.ndarray | None:
        owner = value.owner
        if isinstance(owner, ml.ConstantOp):
            return owner.get_value()
        return None


def _name(op: Operation) -> str:
    result = op.results[0] if op.results else None
    return result.name_hint if result is not None and result.name_hint else op.name.replace(".", "_")


def _name_new_ops(block: Block, last: Operation | None, layer: str) -> None:
    """Name every result the lowering of one ml op left unnamed after that op,
    `<name>_<what>` (`conv1_add`, `softmax_lookup`, `fc_rewire_broadcast`), so a
    placement says which of the source model's layers it proves. Names only:
    nothing reads them but printers, the report and calibration's labels."""
    op = block.first_op if last is None else last.next_op
    while op is not None:
        for r in op.results:
            if not r.name_hint:
                what = op.name.removeprefix("gadget.")
                if isinstance(op, gadget.RewireOp):
                    what = op.kind.data
                r.name_hint = f"{layer}_{what}"
        op = op.next_op


Handler = Callable[[_Lowering, Operation, list[SSAValue]], SSAValue | None]
_HANDLERS: dict[type[Operation], Handler] = {}

# A handler takes the op classes it is registered for (a narrower first argument
# than Handler's Operation); _lower_function only calls it on those.
_AnyHandler = TypeVar("_AnyHandler", bound=Callable[..., SSAValue | None])


def _handles(*classes: type[Operation]) -> Callable[[_AnyHandler], _AnyHandler]:
    def register(fn: _AnyHandler) -> _AnyHandler:
        for cls in classes:
            _HANDLERS[cls] = fn
        return fn

    return register


@_handles(ml.ConstantOp)
def _constant(lw: _Lowering, op: ml.ConstantOp, args: list[SSAValue]) -> SSAValue | None:
    ty = op.result.type
    assert isinstance(ty, TensorType)
    if isinstance(ty.element_type, IntegerType):
        # Integers are part of the circuit's definition: a fixed constant for
        # users that compute with them (index arithmetic), dropped again (region_dce)
        # when only read statically (gather indices, where masks).
        return lw.fixed_constant(op.get_value(), _name(op))
    if not isinstance(ty.element_type, ml.FixedType):
        lw.unsupported.append(f"{op.name} of {ty.element_type} (run ml-quantize first)")
        return None
    values = op.get_value().astype(np.int64)
    return lw.emit(gadget.ConstantOp(dense_attr(values, _name(op)), lw.weights))


@_handles(ml.MatmulOp)
def _matmul(lw: _Lowering, op: ml.MatmulOp, args: list[SSAValue]) -> SSAValue:
    lhs, rhs = args
    out = _shape(op.result)
    if _shape(lhs)[:-2] != out[:-2]:
        lhs = lw.broadcast(lhs, (*out[:-2], *_shape(lhs)[-2:]), _name(op) + "_lhs")
    return lw.emit(gadget.DotOp(lhs, rhs, None, gadget.felt_tensor(out)))


@_handles(ml.Conv2dOp)
def _conv2d(lw: _Lowering, op: ml.Conv2dOp, args: list[SSAValue]) -> SSAValue:
    name = _name(op)
    x, w = args[0], args[1]
    index_map, cols_shape = im2col_map(_shape(op.input), op)
    groups, m, k = cols_shape
    o = _shape(op.weight)[0]
    og = o // groups
    cols = lw.rewire("im2col", [x], cols_shape, index_map, name + "_im2col")
    # weights (O, Cg, KH, KW) -> (G, Cg*KH*KW, Og)
    (widx,) = _index_tensors([_shape(op.weight)])
    wmap = widx.reshape(groups, og, k).transpose(0, 2, 1).ravel() - 1
    weights = lw.constant_array(op.weight)
    if weights is not None:
        arranged = weights.astype(np.int64).ravel()[wmap].reshape(groups, k, og)
        wmat = lw.emit(gadget.ConstantOp(dense_attr(arranged, name + "_weight"), lw.weights), name + "_weight")
    else:
        wmat = lw.rewire("transpose", [w], (groups, k, og), wmap, name + "_weight")
    dot = lw.emit(gadget.DotOp(cols, wmat, None, gadget.felt_tensor((groups, m, og))), name + "_dot")
    n, _, oh, ow = _shape(op.result)
    # dot (G, N*OH*OW, Og) -> NCHW
    (didx,) = _index_tensors([(groups, m, og)])
    out_map = didx.reshape(groups, n, oh, ow, og).transpose(1, 0, 4, 2, 3).ravel() - 1
    out = lw.rewire("col2im", [dot], (n, o, oh, ow), out_map, name + "_col2im")
    if len(args) > 2:
        bias = lw.rewire("broadcast", [args[2]], (n, o, oh, ow), broadcast_map((o, 1, 1), (n, o, oh, ow)), name + "_bias")
        out = lw.emit(gadget.AddOp(out, bias, gadget.felt_tensor((n, o, oh, ow))))
    return out


_BINARY = {ml.AddOp: gadget.AddOp, ml.SubOp: gadget.SubOp, ml.MulOp: gadget.MulOp}


@_handles(*_BINARY)
def _binary(lw: _Lowering, op: ml.AddOp | ml.SubOp | ml.MulOp, args: list[SSAValue]) -> SSAValue:
    out = _shape(op.results[0])
    lhs = lw.broadcast(args[0], out, _name(op) + "_lhs")
    rhs = lw.broadcast(args[1], out, _name(op) + "_rhs")
    return lw.emit(_BINARY[type(op)](lhs, rhs, gadget.felt_tensor(out)))


@_handles(ml.MaximumOp)
def _maximum(lw: _Lowering, op: ml.MaximumOp, args: list[SSAValue]) -> SSAValue:
    out = _shape(op.result)
    lhs = lw.broadcast(args[0], out, _name(op) + "_lhs")
    rhs = lw.broadcast(args[1], out, _name(op) + "_rhs")
    return lw.emit(gadget.MaximumOp(lhs, rhs, gadget.felt_tensor(out)))


@_handles(ml.ReduceMaxOp)
def _reduce_max(lw: _Lowering, op: ml.ReduceMaxOp, args: list[SSAValue]) -> SSAValue:
    rank = len(_shape(op.input))
    axes = [a + rank if a < 0 else a for a in op.get_axes()]
    keep = op.get_keepdims()
    return lw.emit(gadget.ReduceMaxOp(args[0], axes, gadget.felt_tensor(_shape(op.result)), keep))


@_handles(ml.MaxPoolOp)
def _max_pool(lw: _Lowering, op: ml.MaxPoolOp, args: list[SSAValue]) -> SSAValue | None:
    kernel, strides, pads = op.get_kernel(), op.get_strides(), op.get_pads()
    (idx,) = _index_tensors([_shape(op.input)])
    win = sliding_windows(idx, kernel, strides, pads, (1, 1), 0)  # (N, C, OH, OW, KH, KW)
    groups = int(np.prod(win.shape[:4]))
    windows = win.reshape(groups, kernel[0] * kernel[1]) - 1
    # A padded slot repeats a real element of its window: max(a, a) = a, so the
    # maximum is that of the real elements, as with -inf padding.
    first_real = windows[np.arange(groups), np.argmax(windows >= 0, axis=1)]
    windows = np.where(windows >= 0, windows, first_real[:, None])
    cols = lw.rewire("windows", [args[0]], windows.shape, windows.ravel(), _name(op) + "_windows")
    pooled = lw.emit(gadget.ReduceMaxOp(cols, [1], gadget.felt_tensor((groups,))), _name(op) + "_max")
    return lw.rewire("reshape", [pooled], _shape(op.result), np.arange(groups, dtype=np.int64), _name(op))


def exp_vanishes_below(scale: int) -> int:
    """The largest fixed-point x with exp(x) == 0 at `scale` (exp is monotone)."""
    from zkir.interpreter.nonlinear import NONLINEARITIES

    exp = NONLINEARITIES["exp"]
    lo, hi = -(64 << scale), 0  # exp(lo) == 0 (e^-64 < 2^-92), exp(hi) > 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if int(exp(np.array([mid], dtype=np.int64), scale=scale)[0]) == 0:
            lo = mid
        else:
            hi = mid
    return lo


@_handles(ml.SoftmaxOp)
def _softmax(lw: _Lowering, op: ml.SoftmaxOp, args: list[SSAValue]) -> SSAValue:
    """d = x - max x, clamped below where exp is already 0; e = exp(d) by table;
    out = round(e 2^s / sum e): the fixed-point interpreter's softmax, exactly."""
    name, shape = _name(op), _shape(op.input)
    rank, s = len(shape), _scale(op.input)
    axis = op.get_axis() % rank
    reduced = tuple(1 if i == axis else d for i, d in enumerate(shape))
    x = args[0]
    top = lw.emit(gadget.ReduceMaxOp(x, [axis], gadget.felt_tensor(reduced), True), name + "_max")
    d = lw.emit(gadget.SubOp(x, lw.broadcast(top, shape, name + "_max"), gadget.felt_tensor(shape)), name + "_shift")
    lo = exp_vanishes_below(s)
    floor = lw.emit(gadget.ConstantOp(dense_attr(np.array([lo], dtype=np.int64), name + "_floor"), "fixed"), name + "_floor")
    clamped = lw.emit(gadget.MaximumOp(d, lw.broadcast(floor, shape, name + "_floor"), gadget.felt_tensor(shape)), name + "_clamp")
    bits = (-lo).bit_length() + 1
    exp = gadget.LookupOp(clamped, "exp", bits, s, s)
    # d = x - max x <= 0 (the max is proven), so the table holds lo..0 only
    exp.set_table_range(lo, 0)
    e = lw.emit(exp, name + "_exp")
    total = lw.emit(gadget.SumOp(e, [axis], gadget.felt_tensor(reduced), True), name + "_sum")
    return lw.emit(gadget.VarDivOp(e, lw.broadcast(total, shape, name + "_sum"), s))


@_handles(ml.NegOp)
def _neg(lw: _Lowering, op: ml.NegOp, args: list[SSAValue]) -> SSAValue:
    zero = lw.zeros_like(args[0], _name(op) + "_zero")
    return lw.emit(gadget.SubOp(zero, args[0], gadget.felt_tensor(_shape(op.result))))


@_handles(ml.ClipOp)
def _clip(lw: _Lowering, op: ml.ClipOp, args: list[SSAValue]) -> SSAValue:
    """max(x, lo), then min(y, hi) = y + hi - max(y, hi); infinite bounds cost nothing."""
    name, shape, s = _name(op), _shape(op.result), _scale(op.input)
    lo, hi = quantize_attribute(op.get_min(), s), quantize_attribute(op.get_max(), s)
    y = args[0]
    felt = gadget.felt_tensor(shape)
    if lo > -(1 << 62):
        bound = lw.broadcast(lw.fixed_constant(np.array([lo]), name + "_lo"), shape, name + "_lo")
        y = lw.emit(gadget.MaximumOp(y, bound, felt))
    if hi < 1 << 62:
        bound = lw.broadcast(lw.fixed_constant(np.array([hi]), name + "_hi"), shape, name + "_hi")
        both = lw.emit(gadget.AddOp(y, bound, felt))
        y = lw.emit(gadget.SubOp(both, lw.emit(gadget.MaximumOp(y, bound, felt)), felt))
    return y


@_handles(ml.WhereOp)
def _where(lw: _Lowering, op: ml.WhereOp, args: list[SSAValue]) -> SSAValue | None:
    """where(cond, a, b): with a constant mask it is wiring (each element from a or
    b); with a boolean computed at run time, a select gadget (which proves the
    condition is 0 or 1)."""
    name, out = _name(op), _shape(op.result)
    lhs, rhs = lw.values[op.lhs], lw.values[op.rhs]
    cond = lw.constant_array(op.cond)
    if cond is None:
        if not ml.is_bool_element(op.cond.type.element_type):  # type: ignore[attr-defined]
            lw.unsupported.append(f"{op.name} '{name}' with an integer mask computed at run time (needs i1)")
            return None
        c = lw.broadcast(lw.values[op.cond], out, name + "_cond")
        x, y = lw.broadcast(lhs, out, name + "_lhs"), lw.broadcast(rhs, out, name + "_rhs")
        return lw.emit(gadget.SelectOp(c, x, y, gadget.felt_tensor(out)))
    a, b = _shape(op.lhs), _shape(op.rhs)
    n_a = int(np.prod(a, dtype=np.int64))
    pick_a = broadcast_map(a, out)
    pick_b = n_a + broadcast_map(b, out)
    mask = np.broadcast_to(cond.astype(bool), out).ravel()
    return lw.rewire("where", [lhs, rhs], out, np.where(mask, pick_a, pick_b), name)


# -- comparisons and booleans --------------------------------------------------
# Booleans are field elements 0 or 1: a comparison gadget proves its bit, and
# every op below maps booleans to booleans by arithmetic (not = 1 - x, and = xy,
# or = x + y - xy, xor = (x - y)^2), so no result needs another check.


def _felt(shape: tuple[int, ...]) -> TensorType:
    return gadget.felt_tensor(shape)


def _constant_like(lw: _Lowering, value: int, shape: tuple[int, ...], name: str) -> SSAValue:
    """A fixed constant broadcast to `shape` (one cell in the vk, wired to every use)."""
    return lw.broadcast(lw.fixed_constant(np.array([value]), name), shape, name)


def _not(lw: _Lowering, x: SSAValue, name: str) -> SSAValue:
    shape = _shape(x)
    return lw.emit(gadget.SubOp(_constant_like(lw, 1, shape, name + "_one"), x, _felt(shape)))


def _less(lw: _Lowering, a: SSAValue, b: SSAValue) -> SSAValue:
    return lw.emit(gadget.LessOp(a, b, _felt(_shape(a))))


def _differ(lw: _Lowering, a: SSAValue, b: SSAValue) -> SSAValue:
    """a != b as lt(a, b) + lt(b, a): the two bits exclude each other, so the sum is 0 or 1."""
    return lw.emit(gadget.AddOp(_less(lw, a, b), _less(lw, b, a), _felt(_shape(a))))


@_handles(ml.CompareOp)
def _compare(lw: _Lowering, op: ml.CompareOp, args: list[SSAValue]) -> SSAValue:
    """Every predicate from the one less-than gadget."""
    name, out = _name(op), _shape(op.result)
    a = lw.broadcast(lw.values[op.lhs], out, name + "_lhs")
    b = lw.broadcast(lw.values[op.rhs], out, name + "_rhs")
    predicate = op.get_predicate()
    if predicate == "lt":
        return _less(lw, a, b)
    if predicate == "gt":
        return _less(lw, b, a)
    if predicate == "ge":
        return _not(lw, _less(lw, a, b), name)
    if predicate == "le":
        return _not(lw, _less(lw, b, a), name)
    differ = _differ(lw, a, b)
    return differ if predicate == "ne" else _not(lw, differ, name)


@_handles(ml.NotOp)
def _logical_not(lw: _Lowering, op: ml.NotOp, args: list[SSAValue]) -> SSAValue:
    return _not(lw, args[0], _name(op))


@_handles(ml.AndOp, ml.OrOp, ml.XorOp)
def _logical(lw: _Lowering, op: ml.AndOp | ml.OrOp | ml.XorOp, args: list[SSAValue]) -> SSAValue:
    name, out = _name(op), _shape(op.result)
    felt = _felt(out)
    a = lw.broadcast(lw.values[op.lhs], out, name + "_lhs")
    b = lw.broadcast(lw.values[op.rhs], out, name + "_rhs")
    if isinstance(op, ml.AndOp):
        return lw.emit(gadget.MulOp(a, b, felt))
    if isinstance(op, ml.OrOp):
        both = lw.emit(gadget.MulOp(a, b, felt))
        return lw.emit(gadget.SubOp(lw.emit(gadget.AddOp(a, b, felt)), both, felt))
    d = lw.emit(gadget.SubOp(a, b, felt))
    return lw.emit(gadget.MulOp(d, d, felt))


@_handles(ml.CastOp)
def _cast(lw: _Lowering, op: ml.CastOp, args: list[SSAValue]) -> SSAValue:
    """Casts as the fixed-point interpreter defines them: to a real, v * 2^s (a
    product with a fixed constant, exact); boolean to integer, the same cells; to a
    boolean, x != 0; a real to an integer, truncation toward zero: floor(x / 2^s)
    for x >= 0 and -floor(-x / 2^s) below (two rescales and a select on x < 0)."""
    name, shape = _name(op), _shape(op.result)
    x, felt = args[0], _felt(shape)
    frm = ml.CastOp.kind_of(op.input.type.element_type)  # type: ignore[attr-defined]
    to = ml.CastOp.kind_of(op.result.type.element_type)
    if to == "bool":
        return _differ(lw, x, _constant_like(lw, 0, shape, name + "_zero"))
    if to == "real":
        s = _scale(op.result)
        return x if s == 0 else lw.emit(gadget.MulOp(x, _constant_like(lw, 1 << s, shape, name + "_scale"), felt))
    s = _scale(op.input)
    if frm == "bool" or s == 0:
        return x
    down = _constant_like(lw, -(1 << (s - 1)), shape, name + "_floor")  # rescale rounds half up: this floors
    floor = lw.emit(gadget.RescaleOp(x, 1 << s, down))
    zero = _constant_like(lw, 0, shape, name + "_zero")
    minus = lw.emit(gadget.SubOp(zero, x, felt))
    ceil = lw.emit(gadget.SubOp(zero, lw.emit(gadget.RescaleOp(minus, 1 << s, down)), felt))
    return lw.emit(gadget.SelectOp(_less(lw, x, zero), ceil, floor, felt))


def _reduction_axes(op: ml.ReduceSumOp | ml.ReduceMeanOp) -> list[int]:
    rank = len(_shape(op.input))
    return [a + rank if a < 0 else a for a in op.get_axes()]


@_handles(ml.ReduceSumOp)
def _reduce_sum(lw: _Lowering, op: ml.ReduceSumOp, args: list[SSAValue]) -> SSAValue:
    keep = op.get_keepdims()
    return lw.emit(gadget.SumOp(args[0], _reduction_axes(op), gadget.felt_tensor(_shape(op.result)), keep))


@_handles(ml.ReduceMeanOp)
def _reduce_mean(lw: _Lowering, op: ml.ReduceMeanOp, args: list[SSAValue]) -> SSAValue:
    axes = _reduction_axes(op)
    keep = op.get_keepdims()
    total = lw.emit(gadget.SumOp(args[0], axes, gadget.felt_tensor(_shape(op.result)), keep))
    count = int(np.prod([_shape(op.input)[a] for a in axes]))
    return lw.divide(total, np.array([count]), _name(op))


@_handles(ml.AvgPoolOp)
def _avg_pool(lw: _Lowering, op: ml.AvgPoolOp, args: list[SSAValue]) -> SSAValue:
    """Window sums (a rewire into windows, then `sum`), divided by the counts; a
    result 2^k finer than the input whose every window counts 2^k is the sums
    themselves (no division), else sum * 2^k is divided."""
    kernel, strides, pads = op.get_kernel(), op.get_strides(), op.get_pads()
    shape, out = _shape(op.input), _shape(op.result)
    (idx,) = _index_tensors([shape])
    win = sliding_windows(idx, kernel, strides, pads, (1, 1), 0)  # padding -> index 0 -> zero cell
    groups = int(np.prod(win.shape[:4]))
    cols = lw.rewire("windows", [args[0]], (groups, kernel[0] * kernel[1]), win.reshape(-1) - 1, _name(op) + "_windows")
    sums = lw.emit(gadget.SumOp(cols, [1], gadget.felt_tensor((groups,))))
    _, counts = pool_sums_and_counts(
        np.zeros((1, 1) + tuple(shape[2:]), dtype=np.int64), kernel, strides, pads, op.get_count_include_pad()
    )
    counts = np.broadcast_to(counts, out).ravel()
    shift = op.scale_shift()
    if shift and np.all(counts == 1 << shift):
        mean = sums
    else:
        if shift:
            factor = _constant_like(lw, 1 << shift, (groups,), _name(op) + "_scale")
            sums = lw.emit(gadget.MulOp(sums, factor, gadget.felt_tensor((groups,))))
        mean = lw.divide(sums, counts if len(set(counts.tolist())) > 1 else counts[:1], _name(op))
    return lw.rewire("reshape", [mean], out, np.arange(groups, dtype=np.int64), _name(op))


def _reciprocal_of(lw: _Lowering, x: SSAValue, scale: int, name: str) -> SSAValue:
    """round(2^(2s) / x): a var_div of the constant 1 by x, exact (no table)."""
    shape = _shape(x)
    one = lw.broadcast(lw.fixed_constant(np.array([1]), name + "_one"), shape, name + "_one")
    return lw.emit(gadget.VarDivOp(one, x, 2 * scale))


@_handles(ml.ReciprocalOp)
def _reciprocal(lw: _Lowering, op: ml.ReciprocalOp, args: list[SSAValue]) -> SSAValue:
    return _reciprocal_of(lw, args[0], _scale(op.result), _name(op))


@_handles(ml.SqrtOp)
def _sqrt(lw: _Lowering, op: ml.SqrtOp, args: list[SSAValue]) -> SSAValue:
    """round(sqrt(x 2^(2s_out - s_in))): the root of a variance at 2s needs no shift."""
    return lw.emit(gadget.SqrtOp(args[0], 2 * _scale(op.result) - _scale(op.input)))


@_handles(ml.RsqrtOp)
def _rsqrt(lw: _Lowering, op: ml.RsqrtOp, args: list[SSAValue]) -> SSAValue:
    s = _scale(op.result)
    root = lw.emit(gadget.SqrtOp(args[0], 2 * s - _scale(op.input)))
    return _reciprocal_of(lw, root, s, _name(op))


@_handles(ml.LayerNormOp)
def _layer_norm(lw: _Lowering, op: ml.LayerNormOp, args: list[SSAValue]) -> SSAValue:
    """The fixed-point interpreter's layer norm, op for op: mean and variance by
    exact sums and rounded divisions by the count, 1/sigma by sqrt and var_div,
    then two rescaled products and the bias."""
    x, gamma, beta = args
    name, shape, s = _name(op), _shape(op.input), _scale(op.input)
    rank = len(shape)
    axis = op.get_axis() % rank
    axes = list(range(axis, rank))
    reduced = tuple(1 if i in axes else d for i, d in enumerate(shape))
    count = np.array([int(np.prod(shape[axis:]))])
    felt, small = gadget.felt_tensor(shape), gadget.felt_tensor(reduced)
    mean = lw.divide(lw.emit(gadget.SumOp(x, axes, small, True)), count, name + "_mean")
    d = lw.emit(gadget.SubOp(x, lw.broadcast(mean, shape, name + "_mean"), felt))
    squares = lw.emit(gadget.MulOp(d, d, felt))
    var = lw.divide(lw.emit(gadget.SumOp(squares, axes, small, True)), count, name + "_var")
    eps = lw.broadcast(lw.fixed_constant(np.array([quantize_attribute(op.get_epsilon(), 2 * s)]), name + "_eps"), reduced, name + "_eps")
    root = lw.emit(gadget.SqrtOp(lw.emit(gadget.AddOp(var, eps, small)), 0))
    inv_sigma = _reciprocal_of(lw, root, s, name + "_inv_sigma")
    normed = lw.emit(gadget.MulOp(d, lw.broadcast(inv_sigma, shape, name + "_inv_sigma"), felt))
    y = lw.emit(gadget.RescaleOp(normed, 1 << s))
    scaled = lw.emit(gadget.MulOp(y, lw.broadcast(gamma, shape, name + "_gamma"), felt))
    out = lw.emit(gadget.RescaleOp(scaled, 1 << s))
    return lw.emit(gadget.AddOp(out, lw.broadcast(beta, shape, name + "_beta"), felt))


@_handles(ml.RescaleOp)
def _rescale(lw: _Lowering, op: ml.RescaleOp, args: list[SSAValue]) -> SSAValue:
    shift = _scale(op.input) - _scale(op.result)
    return lw.emit(gadget.RescaleOp(args[0], 1 << shift))


def _pad_with_constant(lw: _Lowering, op: ml.PadOp, x: SSAValue) -> SSAValue:
    """Padding with c != 0: the padded cells are wired to one fixed constant cell."""
    n = int(np.prod(_shape(op.input), dtype=np.int64))
    fill = lw.fixed_constant(np.array([quantize_attribute(op.get_value(), _scale(op.input))]), _name(op) + "_value")
    index = shape_op_map(op, [op.input], [])
    return lw.rewire("pad", [x, fill], _shape(op.result), np.where(index < 0, n, index), _name(op))


def _embed(lw: _Lowering, op: ml.GatherOp, args: list[SSAValue]) -> SSAValue | None:
    """Run-time indices into a constant matrix (token embeddings): table lookups."""
    name = _name(op)
    table = lw.constant_array(op.data)
    if table is None or table.ndim != 2 or op.get_axis() not in (0, -2):
        lw.unsupported.append(
            f"{op.name} '{name}' with run-time indices (only rows of a constant matrix are supported)"
        )
        return None
    constant = lw.emit(gadget.ConstantOp(dense_attr(table.astype(np.int64), name + "_table"), "fixed"))
    return lw.emit(gadget.EmbedOp(constant, args[-1]))


def _lookup_handler(lw: _Lowering, op: Operation, args: list[SSAValue]) -> SSAValue:
    fn = op.name.removeprefix("ml.")
    return lw.emit(
        gadget.LookupOp(
            args[0], fn, lw.table_bits, _scale(op.operands[0]), _scale(op.results[0])
        )
    )


@_handles(*SHAPE_OPS)
def _shape_op(lw: _Lowering, op: Operation, args: list[SSAValue]) -> SSAValue | None:
    name = _name(op)
    if isinstance(op, ml.PadOp) and float(op.get_value()) != 0.0:
        return _pad_with_constant(lw, op, args[0])
    if isinstance(op, ml.GatherOp):
        indices = lw.constant_array(op.indices)
        if indices is None:
            return _embed(lw, op, args)
        data, static = [op.data], [indices]
        inputs = [args[0]]
    else:
        data, static, inputs = list(op.operands), [], args
    index_map = shape_op_map(op, data, static)
    return lw.rewire(op.name.removeprefix("ml."), inputs, _shape(op.results[0]), index_map, name)


def _lower_function(fn: func.FuncOp, table_bits: int, weights: str) -> func.FuncOp:
    unsupported: list[str] = []
    arg_types: list[Attribute] = []
    for i, ty in enumerate(fn.function_type.inputs.data):
        if isinstance(ty, TensorType) and ml.is_bool_element(ty.element_type):
            unsupported.append(f"argument {i} of type {ty} (a boolean input is not proven 0 or 1)")
            arg_types.append(gadget.felt_tensor(ty.get_shape()))
        elif isinstance(ty, TensorType) and isinstance(ty.element_type, IntegerType):
            arg_types.append(gadget.felt_tensor(ty.get_shape()))  # indices, e.g. token ids
        elif not isinstance(ty, TensorType) or not isinstance(ty.element_type, ml.FixedType):
            unsupported.append(f"argument {i} of type {ty} (run ml-quantize first)")
            arg_types.append(ty)
        else:
            arg_types.append(gadget.felt_tensor(ty.get_shape()))
    block = Block(arg_types=arg_types)
    values: dict[SSAValue, SSAValue] = {}
    for old, new in zip(fn.body.block.args, block.args):
        values[old] = new
        new.name_hint = old.name_hint
    lw = _Lowering(table_bits, weights, block, values, unsupported)
    results: list[SSAValue] = []
    dependents = 0
    for op in fn.body.block.ops:
        if isinstance(op, func.ReturnOp):
            results = [values[v] for v in op.arguments if v in values]
            continue
        handler = _HANDLERS.get(type(op))
        if handler is None and op.name.removeprefix("ml.") in NONLINEARITIES and op.results:
            handler = _lookup_handler
        if handler is None:
            unsupported.append(f"{op.name} '{_name(op)}'")
            continue
        if not isinstance(op, ml.ConstantOp) and any(_is_float(v) for v in (*op.operands, *op.results)):
            unsupported.append(f"{op.name} '{_name(op)}' on float values (run ml-quantize first)")
            continue
        missing = [v for v in op.operands if v not in values and not _is_static(v)]
        if missing:
            dependents += 1  # reported once, as a count: the root causes are listed
            continue
        operands = [values[v] for v in op.operands if v in values]
        last = block.last_op
        result = handler(lw, op, operands)
        if result is not None:
            result.name_hint = _name(op)
            values[op.results[0]] = result
        _name_new_ops(block, last, _name(op))
    if unsupported:
        tail = f" (and {dependents} ops that depend on these)" if dependents else ""
        raise LoweringError(
            "convert-ml-to-gadget cannot lower: " + "; ".join(dict.fromkeys(unsupported)) + tail
        )
    block.add_op(func.ReturnOp(*results))
    body = Region(block)
    region_dce(body)  # e.g. constants only read as lookup tables
    return func.FuncOp(
        fn.sym_name.data,
        (arg_types, [r.type for r in results]),
        body,
        arg_attrs=fn.arg_attrs,
        res_attrs=fn.res_attrs,
    )


@dataclass(frozen=True)
class ConvertMLToGadgetPass(ModulePass):
    """Lower fixed-point ml functions to gadget functions."""

    name = "convert-ml-to-gadget"

    table_bits: int = 16
    """Input bits of the nonlinearity lookup tables."""
    weights: str = "private"
    """Visibility of the model's constants: private, public or fixed."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.weights not in gadget.VISIBILITIES:
            raise LoweringError(
                f"convert-ml-to-gadget: weights must be one of "
                f"{', '.join(gadget.VISIBILITIES)}, got '{self.weights}'"
            )
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp):
                lowered = _lower_function(fn, self.table_bits, self.weights)
                op.body.block.insert_op_before(lowered, fn)
                fn.detach()
                fn.erase()
