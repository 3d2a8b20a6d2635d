"""`gadget-bound-lookups`: lookup tables only as wide as the inputs they can see.

A table of 2^b rows costs 2^b rows of the circuit, so one 16-bit table sets
k = 17 whatever the model. Three rewrites:

* ReLU left as a lookup (gadget-canonicalize fuses the ones after a rescale)
  becomes max(x, 0): a comparison through the range table, no table of its own.
* A saturating function (sigmoid, tanh, erf, and GELU's correction
  gelu - relu) reads its input clamped to [lo, hi], the narrowest range outside
  which its rounded output no longer changes
  (zkir.interpreter.nonlinear.clamp_range); the table holds exactly the inputs
  lo..hi (a `table_range`, not a power of two), and
  GELU becomes relu(x) + correction(clamp(x)). The reference functions clamp
  the same way, so every input gives the integers it gave before. The clamp is
  two maximum gadgets (max(x, lo), then min(., hi) = y + hi - max(y, hi)), each
  range-checked, so a prover cannot choose the clamped value: it is the one
  min(max(x, lo), hi).
* A lookup carrying `input_range` (recorded from samples by `zkir compile
  --calibration`) gets a table over that range widened by `margin`, cut to the
  clamp range of a saturating function; when the widened range lies inside the
  clamp range, the clamp is dropped. An input outside the table then has no
  witness: proving fails naming the layer and the value (never a wrong proof).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, TensorType, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

from zkir.dialects import gadget
from zkir.dialects.resources import dense_attr
from zkir.interpreter.nonlinear import clamp_range

SATURATING = {"sigmoid": "sigmoid", "tanh": "tanh", "erf": "erf", "gelu": "gelu_correction"}
"""Function -> the bounded function its table holds (GELU: its correction)."""


def table_bits_for(lo: int, hi: int) -> int:
    """The fewest bits b whose table [-2^(b-1), 2^(b-1)) holds every x in [lo, hi]."""
    need = max(-lo, hi + 1, 1)
    return max(1, (need - 1).bit_length() + 1)


def widened(lo: int, hi: int, margin: float) -> tuple[int, int]:
    """[lo, hi] widened by `margin` of its larger magnitude on each side."""
    pad = int(np.ceil(margin * max(abs(lo), abs(hi), 1)))
    return lo - pad, hi + pad


class _Emitter:
    """Builds the replacement ops before the lookup, named after it."""

    def __init__(self, name: str):
        self.name = name
        self.new: list[Operation] = []

    def emit(self, op: Operation, hint: str | None = None) -> SSAValue:
        self.new.append(op)
        result = op.results[0]
        if hint is not None:
            result.name_hint = hint
        return result

    def constant(self, value: int, shape: tuple[int, ...], hint: str) -> SSAValue:
        """A fixed (verifying-key) scalar broadcast to `shape` by wiring."""
        one = self.emit(gadget.ConstantOp(dense_attr(np.array([value], dtype=np.int64), hint), "fixed"), hint)
        n = int(np.prod(shape, dtype=np.int64))
        every = dense_attr(np.zeros(n, dtype=np.int64), hint)
        return self.emit(gadget.RewireOp("broadcast", [one], shape, every), hint + "_broadcast")

    def relu(self, x: SSAValue, shape: tuple[int, ...], hint: str) -> SSAValue:
        n = int(np.prod(shape, dtype=np.int64))
        zero = dense_attr(np.full(n, -1, dtype=np.int64), self.name + "_zero")
        zeros = self.emit(gadget.RewireOp("zeros", [x], shape, zero), self.name + "_zero")
        return self.emit(gadget.MaximumOp(x, zeros, gadget.felt_tensor(shape)), hint)

    def clamp(self, x: SSAValue, lo: int, hi: int, shape: tuple[int, ...]) -> SSAValue:
        felt = gadget.felt_tensor(shape)
        low = self.constant(lo, shape, self.name + "_clamp_lo")
        y = self.emit(gadget.MaximumOp(x, low, felt), self.name + "_clamp_lo")
        high = self.constant(hi, shape, self.name + "_clamp_hi")
        both = self.emit(gadget.AddOp(y, high, felt), self.name + "_clamp_sum")
        top = self.emit(gadget.MaximumOp(y, high, felt), self.name + "_clamp_hi")
        return self.emit(gadget.SubOp(both, top, felt), self.name + "_clamped")


@dataclass(frozen=True)
class BoundLookup(RewritePattern):
    margin: float

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: gadget.LookupOp, rewriter: PatternRewriter) -> None:
        fn = op.fn.data
        if op.get_table_range() is not None:
            return  # sized already (by this pass, or as written)
        ty = op.result.type
        assert isinstance(ty, TensorType)
        shape = tuple(ty.get_shape())
        out = _Emitter(op.result.name_hint or fn)
        if fn == "relu":
            y = out.relu(op.input, shape, out.name)
            rewriter.replace(op, out.new, [y])
            return
        if fn not in SATURATING or op.get_in_scale() != op.get_out_scale():
            return
        scale = op.get_out_scale()
        # The clamp is always to the saturation range, which changes no output;
        # the table may be narrower (calibrated), and an input the clamp leaves
        # outside it has no witness: an error, never another function's value.
        clamp_lo, clamp_hi = lo, hi = clamp_range(fn, scale)
        clamp = True
        observed = op.get_input_range()
        if observed is not None:
            want_lo, want_hi = widened(*observed, self.margin)
            clamp = want_lo < lo or want_hi > hi
            lo, hi = max(lo, want_lo), min(hi, want_hi)
        lo, hi = min(lo, 0), max(hi, 0)  # free item slots look up 0
        x = out.clamp(op.input, clamp_lo, clamp_hi, shape) if clamp else op.input
        lookup = gadget.LookupOp(x, SATURATING[fn], table_bits_for(lo, hi), scale, scale, gadget.felt_tensor(shape))
        lookup.properties["table_range"] = DenseArrayBase.from_list(i64, [lo, hi])
        if fn == "gelu":
            correction = out.emit(lookup, out.name + "_correction")
            relu = out.relu(op.input, shape, out.name + "_relu")
            y = out.emit(gadget.AddOp(relu, correction, gadget.felt_tensor(shape)), out.name)
        else:
            y = out.emit(lookup, out.name)
        rewriter.replace(op, out.new, [y])


@dataclass(frozen=True)
class GadgetBoundLookupsPass(ModulePass):
    """Size every lookup table to what its input can be (see the module docstring)."""

    name = "gadget-bound-lookups"

    margin: float = 0.5
    """With calibration: widen the observed input range by this share of its
    magnitude on each side before sizing the table."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(BoundLookup(self.margin), apply_recursively=False).rewrite_module(op)
