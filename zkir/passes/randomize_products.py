"""`gadget-randomize-products`: matrix products proven at a random point where that is cheaper.

A gadget.dot spends rows on every multiply-add; gadget.randomized_dot (Freivalds'
check, zkir/gadgets/randomized_dot.py) on its operands and result, at the price
of a phase-1 band of columns beside the gadget band. Per op, the rewrite keeps
whichever lays out in fewer rows at the layout's band widths: a matrix-vector
product or a depthwise convolution stays a dot, a dense layer over a sequence, a
convolution with many output channels or attention's products become randomized.
Whether the extra columns pay for the rows saved is a whole-circuit question,
which gadget-layout-search answers by costing layouts with and without it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

from zkir.dialects import gadget
from zkir.dialects.gadget import LayoutChoice, layout_of
from zkir.gadgets.accumulate import DotGadget
from zkir.gadgets.randomized_dot import RandomizedDotGadget


def _shape(value: SSAValue) -> tuple[int, ...]:
    ty = value.type
    assert isinstance(ty, TensorType)
    return tuple(ty.get_shape())


def rows_saved(op: gadget.DotOp, choice: LayoutChoice) -> int:
    """Rows the randomized product saves over the dot at this layout (<= 0: none)."""
    if op.bias is not None:
        return 0
    lhs, rhs = _shape(op.lhs), _shape(op.rhs)
    dot = DotGadget(choice.columns).rows({"lhs": lhs, "rhs": (*lhs[:-2], *rhs[-2:])})
    g = gadget.RandomizedDotOp.rhs_batches(lhs, rhs)
    randomized = RandomizedDotGadget(choice.columns, rhs[-1], choice.late_band_width()).rows({"lhs": lhs, "rhs": (g, *rhs[-2:])})
    return dot - randomized


@dataclass
class RandomizeProduct(RewritePattern):
    choice: LayoutChoice

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: gadget.DotOp, rewriter: PatternRewriter) -> None:
        if rows_saved(op, self.choice) > 0:
            new = gadget.RandomizedDotOp(op.lhs, op.rhs, op.result.type)
            rewriter.replace(op, [new])
            new.result.name_hint = op.result.name_hint


def randomize_products(fn: func.FuncOp, choice: LayoutChoice) -> None:
    """Rewrite the dots of `fn` that are cheaper randomized."""
    PatternRewriteWalker(RandomizeProduct(choice), apply_recursively=False).rewrite_region(fn.body)


def would_randomize(fn: func.FuncOp, choice: LayoutChoice) -> bool:
    return any(isinstance(op, gadget.DotOp) and rows_saved(op, choice) > 0 for op in fn.walk())


@dataclass(frozen=True)
class GadgetRandomizeProductsPass(ModulePass):
    """Dots into randomized products where fewer rows (at each function's layout, or these widths)."""

    name = "gadget-randomize-products"

    columns: int = 0
    """Gadget band width (default: the function's gadget.layout, else 12)."""
    challenge_columns: int = 0
    """Phase-1 band width (default: the layout's, else 3)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.ops:
            if isinstance(fn, func.FuncOp):
                choice = layout_of(fn, LayoutChoice())
                choice = replace(
                    choice,
                    columns=self.columns or choice.columns,
                    challenge_columns=self.challenge_columns or choice.challenge_columns,
                )
                randomize_products(fn, choice)
