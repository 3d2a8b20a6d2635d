"""`ml-quantize{scale-bits=N}`: float ml ops -> the same ops on `!ml.fixed`.

Every activation and weight is held at scale s = scale-bits (x -> round(x*2^s)).
A product (mul, matmul, conv2d) carries scale 2s; it is brought back to s by an
explicit `ml.rescale` inserted just before the first consumer that needs scale
s, so a bias added to a product (a constant add right after a matmul, or a
conv2d's bias operand) is quantized at 2s and added before the rescale.
Division becomes a product: by a constant c, with the constant 1/c; by a value
v, with `ml.reciprocal(v)`. Integer and boolean tensors (indices, masks,
comparison results) are unchanged, and so is every op computing one (a
comparison reads its real operands at scale s); a cast of an integer to a real
becomes exact at scale s.

An average pool whose every window counts 2^k, when only products take it
(through shape ops), divides nothing: its result is the window sum, read at
scale s + k (exact), and the products multiply it at that scale, so the rescale
they need anyway divides by 2^k more, with no rounding at the pool. Only while
that rescale shifts by at most `rescale-bits` (the circuit's range-check limb
bits, when known: a rescale's remainder is one limb; 0 sets no bound); other
pools keep the rounded division at scale s.
The fixed-point meaning of every op is zkir.interpreter.fixed_interp's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeGuard, TypeVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    FunctionType,
    IntegerType,
    ModuleOp,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import ml
from zkir.dialects.ml import FixedType
from zkir.dialects.resources import dense_attr
from zkir.errors import ZkirError
from zkir.interpreter.kernels import pool_sums_and_counts
from zkir.interpreter.rounding import quantize

PRODUCT_BITS = 64


class QuantizeError(ZkirError, PassFailedException):
    """ml-quantize cannot run (PassFailedException is a DiagnosticException, this
    class's base before)."""


def saturating_quantize(array: np.ndarray, element: FixedType) -> np.ndarray:
    """round(x * 2^scale), saturated to the type's range: constants such as
    -FLT_MAX attention masks or clip bounds of +-inf become the extreme value."""
    lim = 2 ** (element.bits.data - 1) - 1
    scaled = np.asarray(array, dtype=np.float64) * float(2**element.scale.data)
    clipped = np.clip(np.nan_to_num(scaled, posinf=lim, neginf=-lim), -lim, lim)
    return quantize(clipped, 0)


@dataclass(frozen=True)
class MLQuantizePass(ModulePass):
    """Float ml -> fixed-point ml at scale `scale_bits`, activations in `bits` bits;
    no product's rescale shifts by more than `rescale_bits` for an average pool's
    finer scale (0: no bound)."""

    name = "ml-quantize"

    scale_bits: int = 8
    bits: int = 32
    rescale_bits: int = 0

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not 1 <= self.scale_bits <= 24:
            raise QuantizeError(f"ml-quantize: scale-bits must be in [1, 24], got {self.scale_bits}")
        for fn in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            for o in fn.walk():
                for v in list(o.results) + list(fn.body.block.args):
                    ty = v.type
                    if isinstance(ty, TensorType) and isinstance(ty.element_type, FixedType):
                        raise QuantizeError(
                            f"ml-quantize: @{fn.sym_name.data} is already in fixed point"
                        )
            _FunctionQuantizer(self.scale_bits, self.bits, self.rescale_bits).run(fn)


def _is_float_tensor(ty: Attribute) -> TypeGuard[TensorType]:
    return isinstance(ty, TensorType) and not isinstance(ty.element_type, IntegerType | FixedType)


_RULES: dict[type[Operation], Callable[["_FunctionQuantizer", Operation], None]] = {}
"""The fixed-point rule of each ml op class (grep `_rule(ml.XOp)` for an op's rule)."""

_Rule = TypeVar("_Rule", bound=Callable[..., None])


def _rule(*classes: type[Operation]) -> Callable[[_Rule], _Rule]:
    """Register the decorated method as the rule of these ml op classes (a rule
    is only called on ops of the classes it is registered for)."""

    def register(method: _Rule) -> _Rule:
        for cls in classes:
            _RULES[cls] = method
        return method

    return register


@dataclass
class _FunctionQuantizer:
    s: int
    bits: int
    rescale_bits: int = 0
    block: Block = field(default_factory=Block)
    # float SSA value -> (new value, its scale) ; scale None for integer tensors
    vals: dict[SSAValue, tuple[SSAValue, int | None]] = field(default_factory=dict)
    consts: dict[SSAValue, np.ndarray] = field(default_factory=dict)
    at_s: dict[SSAValue, SSAValue] = field(default_factory=dict)
    uses: dict[SSAValue, int] = field(default_factory=dict)
    const_cache: dict[tuple[SSAValue, int | None], SSAValue] = field(default_factory=dict)
    # float values held exactly at a scale finer than s (an average pool's window
    # sums): a product takes them at that scale instead of rescaling them first
    exact: set[SSAValue] = field(default_factory=set)

    # -- types -----------------------------------------------------------------

    def fixed(self, shape: Sequence[int], scale: int | None = None) -> TensorType[FixedType]:
        scale = self.s if scale is None else scale
        bits = self.bits if scale == self.s else PRODUCT_BITS
        return TensorType(FixedType(bits, scale), list(shape))

    def emit(self, op: Operation, like: SSAValue | None = None) -> SSAValue:
        self.block.add_op(op)
        res = op.results[0]
        if like is not None and like.name_hint:
            res.name_hint = like.name_hint
        return res

    # -- operands ----------------------------------------------------------------

    def const(self, array: np.ndarray, scale: int, name: str) -> SSAValue:
        ty = self.fixed(array.shape, scale)
        return self.emit(ml.ConstantOp(dense_attr(saturating_quantize(array, ty.element_type), name), ty))

    def const_of(self, v: SSAValue, scale: int) -> SSAValue:
        """A float constant quantized at `scale`, emitted once per (constant, scale)."""
        key = (v, scale)
        if key not in self.const_cache:
            self.const_cache[key] = self.const(self.consts[v], scale, v.name_hint or "w")
            self.const_cache[key].name_hint = v.name_hint
        return self.const_cache[key]

    def scaled(self, v: SSAValue) -> tuple[SSAValue, int | None]:
        """The new value of a float value, at whatever scale it currently has."""
        if v in self.consts:
            arr = self.consts[v]
            if arr.dtype.kind != "f":
                if (v, None) not in self.const_cache:
                    ty = TensorType(i64, list(arr.shape))
                    self.const_cache[(v, None)] = self.emit(
                        ml.ConstantOp(dense_attr(arr.astype(np.int64), v.name_hint or "ints"), ty), v
                    )
                return self.const_cache[(v, None)], None
            return self.const_of(v, self.s), self.s
        return self.vals[v]

    def at(self, v: SSAValue) -> SSAValue:
        """The new value at scale s (a rescale is inserted once if it is a product)."""
        if v in self.consts:
            return self.scaled(v)[0]
        new, scale = self.vals[v]
        if scale is None or scale == self.s:
            return new
        if v not in self.at_s:
            ty = new.type
            assert isinstance(ty, TensorType)
            self.at_s[v] = self.emit(ml.RescaleOp(new, self.fixed(ty.get_shape())), v)
        return self.at_s[v]

    def set(self, old: SSAValue, new: SSAValue, scale: int | None) -> None:
        self.vals[old] = (new, scale)

    def factors(self, *operands: SSAValue) -> list[tuple[SSAValue, int]]:
        """A product's operands and their scales: exact finer values as they are
        (the product's rescale to s absorbs the extra bits) while that rescale
        shifts by at most rescale_bits, anything else at scale s."""
        finer: dict[SSAValue, tuple[SSAValue, int]] = {}
        for v in operands:
            new, scale = self.vals.get(v, (v, None))
            if v in self.exact and scale is not None:
                finer[v] = (new, scale)
        shift = self.s + sum(scale - self.s for _, scale in finer.values())
        if self.rescale_bits and shift > self.rescale_bits:
            finer = {}
        return [finer[v] if v in finer else (self.at(v), self.s) for v in operands]

    # -- the walk ----------------------------------------------------------------

    def run(self, fn: func.FuncOp) -> None:
        old = fn.body.block
        for op in old.ops:
            for operand in op.operands:
                self.uses[operand] = self.uses.get(operand, 0) + 1
        for arg in old.args:
            ty = arg.type
            if _is_float_tensor(ty):
                new = self.block.insert_arg(self.fixed(ty.get_shape()), len(self.block.args))
                self.set(arg, new, self.s)
            else:
                new = self.block.insert_arg(ty, len(self.block.args))
                self.set(arg, new, None)
            new.name_hint = arg.name_hint
        for op in old.ops:
            if isinstance(op, func.ReturnOp):
                outs = [self.at(v) for v in op.operands]
                self.block.add_op(func.ReturnOp(*outs))
                break
            self.quantize_op(op)
        fn.body.detach_block(old)
        fn.body.add_block(self.block)
        fn.function_type = FunctionType.from_lists(
            [a.type for a in self.block.args], [v.type for v in outs]
        )

    def quantize_op(self, op: Operation) -> None:
        res = op.results[0] if op.results else None
        if isinstance(op, ml.ConstantOp):
            self.consts[op.result] = op.get_value()
            return
        if res is not None and not _is_float_tensor(res.type):
            # integers and booleans (indices, comparisons, masks) keep their type and
            # meaning; real operands (a comparison's) are read at scale s
            self._same(op)
            return
        rule = _RULES.get(type(op))
        if rule is None:
            raise QuantizeError(f"ml-quantize: no fixed-point rule for {op.name}")
        rule(self, op)

    # -- arithmetic ----------------------------------------------------------------

    def _shape(self, v: SSAValue) -> tuple[int, ...]:
        ty = v.type
        assert isinstance(ty, TensorType)
        return ty.get_shape()

    @_rule(ml.AddOp)
    def q_add(
        self, op: ml.AddOp | ml.SubOp, cls: type[ml.AddOp] | type[ml.SubOp] = ml.AddOp
    ) -> None:
        a, b = op.lhs, op.rhs
        shape = self._shape(op.result)
        # bias on a product: add at the product's scale, before the rescale
        for prod, const in ((a, b), (b, a)):
            if const in self.consts and prod in self.vals and self.uses.get(prod) == 1:
                pv, ps = self.vals[prod]
                if ps is not None and ps != self.s:
                    c = self.const_of(const, ps)
                    args = (pv, c) if prod is a else (c, pv)
                    self.set(op.result, self.emit(cls(*args, self.fixed(shape, ps)), op.result), ps)
                    return
        self.set(op.result, self.emit(cls(self.at(a), self.at(b), self.fixed(shape)), op.result), self.s)

    @_rule(ml.SubOp)
    def q_sub(self, op: ml.SubOp) -> None:
        self.q_add(op, ml.SubOp)

    def _product(
        self,
        op: ml.MulOp | ml.MatmulOp | ml.DivOp,
        cls: type[ml.MulOp] | type[ml.MatmulOp],
        lhs: tuple[SSAValue, int],
        rhs: tuple[SSAValue, int],
    ) -> None:
        """The exact product, at the sum of the operand scales."""
        shape = self._shape(op.result)
        scale = lhs[1] + rhs[1]
        out = self.emit(cls(lhs[0], rhs[0], self.fixed(shape, scale)), op.result)
        self.set(op.result, out, scale)

    @_rule(ml.MulOp)
    def q_mul(self, op: ml.MulOp) -> None:
        self._product(op, ml.MulOp, *self.factors(op.lhs, op.rhs))

    @_rule(ml.MatmulOp)
    def q_matmul(self, op: ml.MatmulOp) -> None:
        self._product(op, ml.MatmulOp, *self.factors(op.lhs, op.rhs))

    @_rule(ml.DivOp)
    def q_div(self, op: ml.DivOp) -> None:
        if op.rhs in self.consts:
            inv = (1.0 / self.consts[op.rhs].astype(np.float64)).astype(np.float32)
            rhs = self.const(inv, self.s, (op.rhs.name_hint or "c") + "_inv")
        else:
            r = self.at(op.rhs)
            rhs = self.emit(ml.ReciprocalOp(r), op.rhs)
        self._product(op, ml.MulOp, self.factors(op.lhs)[0], (rhs, self.s))

    @_rule(ml.Conv2dOp)
    def q_conv2d(self, op: ml.Conv2dOp) -> None:
        (x, xs), (w, ws) = self.factors(op.input, op.weight)
        scale = xs + ws
        bias = None
        if op.bias is not None:
            if op.bias in self.consts:
                bias = self.const_of(op.bias, scale)
            else:
                raise QuantizeError("ml-quantize: ml.conv2d with a run-time bias")
        shape = self._shape(op.result)
        new = ml.Conv2dOp(
            x,
            w,
            bias,
            self.fixed(shape, scale),
            op.get_strides(),
            op.get_pads(),
            op.get_dilations(),
            op.get_group(),
        )
        self.set(op.result, self.emit(new, op.result), scale)

    # -- ops at scale s ----------------------------------------------------------

    def _same(self, op: Operation, operand_names: Sequence[str] = ("input",)) -> None:
        """Clone the op on operands at scale s with the result at scale s (a shape
        op keeps an exact finer operand's scale: it moves values, so they stay exact)."""
        res = op.results[0]
        res_ty = res.type
        if isinstance(op, _MOVES_VALUES) and op.operands[0] in self.exact and _is_float_tensor(res_ty):
            new_op, scale = self.vals[op.operands[0]]
            assert scale is not None
            rest = [self.scaled(v)[0] if v in self.consts else self.vals[v][0] for v in op.operands[1:]]
            moved = op.__class__.create(
                operands=[new_op, *rest],
                result_types=[self.fixed(res_ty.get_shape(), scale)],
                properties=dict(op.properties),
                attributes=dict(op.attributes),
            )
            self.set(res, self.emit(moved, res), scale)
            self.exact.add(res)
            return
        new_ty = self.fixed(res_ty.get_shape()) if _is_float_tensor(res_ty) else res_ty
        operands = []
        for v in op.operands:
            if _is_float_tensor(v.type):
                operands.append(self.at(v))
            else:
                operands.append(self.scaled(v)[0] if v in self.consts else self.vals[v][0])
        new = op.__class__.create(
            operands=operands,
            result_types=[new_ty],
            properties=dict(op.properties),
            attributes=dict(op.attributes),
        )
        self.set(res, self.emit(new, res), self.s if _is_float_tensor(res_ty) else None)

    @_rule(ml.AvgPoolOp)
    def q_avg_pool(self, op: ml.AvgPoolOp) -> None:
        """A pool whose every window counts 2^k (k >= 1) and whose consumers are
        products: the window sums at scale s + k, exact, instead of a division
        (see the module docstring)."""
        k = pool_window_bits(op)
        fits = not self.rescale_bits or self.s + k <= self.rescale_bits
        if not k or not fits or not _only_products_take(op.result):
            self._same(op)
            return
        scale = self.s + k
        new = ml.AvgPoolOp(
            self.at(op.input),
            op.get_kernel(),
            op.get_strides(),
            op.get_pads(),
            op.get_count_include_pad(),
            self.fixed(self._shape(op.result), scale),
        )
        self.set(op.result, self.emit(new, op.result), scale)
        self.exact.add(op.result)

    @_rule(ml.CastOp)
    def q_cast(self, op: ml.CastOp) -> None:
        """An integer or boolean to a real: exact at scale s (v * 2^s)."""
        new = ml.CastOp(self.scaled(op.input)[0], self.fixed(self._shape(op.result)))
        self.set(op.result, self.emit(new, op.result), self.s)

    @_rule(ml.ConcatOp)
    def q_concat(self, op: ml.ConcatOp) -> None:
        res_ty = op.result.type
        new = ml.ConcatOp([self.at(v) for v in op.inputs], op.get_axis(), self.fixed(res_ty.get_shape()))
        self.set(op.result, self.emit(new, op.result), self.s)

    # -- keeping sums of squares exact ------------------------------------------
    # A variance is mean(d * d): the mean of a product is taken at the product's
    # scale 2s, epsilon is added there (q_add), and the root halves the scale back
    # to s exactly (ml.sqrt / ml.rsqrt from 2s to s). Rounding the squares to s
    # first would lose all variances below 2^-s.

    def _pending(self, v: SSAValue) -> int | None:
        """The scale of a single-use product not yet rescaled, else None."""
        if v in self.vals and self.uses.get(v) == 1:
            scale = self.vals[v][1]
            if scale is not None and scale != self.s:
                return scale
        return None

    @_rule(ml.ReduceSumOp)
    def q_reduce_sum(
        self,
        op: ml.ReduceSumOp | ml.ReduceMeanOp,
        cls: type[ml.ReduceSumOp] | type[ml.ReduceMeanOp] = ml.ReduceSumOp,
    ) -> None:
        ps = self._pending(op.input)
        if ps is None:
            self._same(op)
            return
        shape = self._shape(op.result)
        new = cls(self.vals[op.input][0], op.get_axes(), op.get_keepdims(), self.fixed(shape, ps))
        self.set(op.result, self.emit(new, op.result), ps)

    @_rule(ml.ReduceMeanOp)
    def q_reduce_mean(self, op: ml.ReduceMeanOp) -> None:
        self.q_reduce_sum(op, ml.ReduceMeanOp)

    @_rule(ml.SqrtOp)
    def q_sqrt(
        self, op: ml.SqrtOp | ml.RsqrtOp, cls: type[ml.SqrtOp] | type[ml.RsqrtOp] = ml.SqrtOp
    ) -> None:
        if self._pending(op.input) != 2 * self.s:
            self._same(op)
            return
        new = cls(self.vals[op.input][0], self.fixed(self._shape(op.result)))
        self.set(op.result, self.emit(new, op.result), self.s)

    @_rule(ml.RsqrtOp)
    def q_rsqrt(self, op: ml.RsqrtOp) -> None:
        self.q_sqrt(op, ml.RsqrtOp)


def pool_window_bits(op: ml.AvgPoolOp) -> int:
    """k when every window of the pool counts 2^k elements (with its padding
    convention: the kernel area, or the in-bounds count), else 0."""
    ty = op.input.type
    assert isinstance(ty, TensorType)
    zeros = np.zeros((1, 1, *ty.get_shape()[2:]), dtype=np.int64)
    _, counts = pool_sums_and_counts(zeros, op.get_kernel(), op.get_strides(), op.get_pads(), op.get_count_include_pad())
    n = int(counts.flat[0]) if counts.size else 0
    if n < 2 or n & (n - 1) or np.any(counts != n):
        return 0
    return n.bit_length() - 1


# Shape ops through which an exact finer value keeps its scale (they only move
# values; a pad's value is rounded at its operand's scale, as the interpreter does).
_MOVES_VALUES = (ml.ReshapeOp, ml.TransposeOp, ml.SliceOp, ml.PadOp, ml.ExpandOp, ml.TileOp)


def _only_products_take(v: SSAValue) -> bool:
    """Every use of the float value `v` (through shape ops) is a factor of a
    product, whose rescale can absorb a finer scale (a division's numerator
    included: it becomes a product)."""
    if not v.uses:
        return False
    for use in v.uses:
        user = use.operation
        if isinstance(user, ml.MulOp | ml.MatmulOp) or (isinstance(user, ml.Conv2dOp) and use.index < 2):
            continue
        if isinstance(user, ml.DivOp) and use.index == 0:
            continue
        if isinstance(user, _MOVES_VALUES) and use.index == 0 and _only_products_take(user.results[0]):
            continue
        return False
    return True


# Ops whose fixed-point form is the same op on operands at scale s, result at s.
_rule(
    ml.ReluOp, ml.SigmoidOp, ml.TanhOp, ml.GeluOp, ml.ErfOp, ml.ExpOp, ml.ReciprocalOp, ml.NegOp,
    ml.ClipOp, ml.MaximumOp, ml.ReduceMaxOp, ml.SoftmaxOp, ml.MaxPoolOp,
    ml.ReshapeOp, ml.TransposeOp, ml.PadOp, ml.SliceOp, ml.LayerNormOp, ml.GatherOp, ml.WhereOp,
    ml.ExpandOp, ml.TileOp,
)(_FunctionQuantizer._same)
