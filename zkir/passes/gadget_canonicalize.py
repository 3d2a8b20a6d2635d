"""`gadget-canonicalize`: fewer, cheaper gadgets for the same integers.

Every gadget left in costs rows. A rescale by 1 with no bias is the identity; a
range check implied by a tighter (or equal) check of the same value is
redundant; an add feeding only a rescale becomes the rescale's bias (the
bias-div-round gadget adds it for free); a ReLU lookup of a rescale's only use
becomes the rescale's fused ReLU (no 2t-bit table).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.transforms.dead_code_elimination import region_dce

from zkir.dialects import gadget


class FoldUnitRescale(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: gadget.RescaleOp, rewriter: PatternRewriter) -> None:
        if op.get_divisor() == 1 and op.bias is None and op.relu is None:
            rewriter.replace(op, [], [op.input])


class DropImpliedRangeCheck(RewritePattern):
    """Of two range checks on one value, only the tightest is needed."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: gadget.RangeCheckOp, rewriter: PatternRewriter
    ) -> None:
        bits = op.get_bits()
        for use in op.input.uses:
            other = use.operation
            if other is op or not isinstance(other, gadget.RangeCheckOp):
                continue
            other_bits = other.get_bits()
            # Keep the tighter check; of two equal ones keep the first in the block.
            if other_bits < bits or (
                other_bits == bits and other.is_before_in_block(op)
            ):
                rewriter.erase_op(op)
                return


class FoldAddIntoRescaleBias(RewritePattern):
    """rescale(a + b) -> rescale(a, bias = b): round((a + b) / d) either way."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: gadget.RescaleOp, rewriter: PatternRewriter) -> None:
        add = op.input.owner
        if op.bias is not None or not isinstance(add, gadget.AddOp):
            return
        if not op.input.has_one_use() or add.lhs.type != op.input.type:
            return
        rewriter.replace(
            op, gadget.RescaleOp(add.lhs, op.get_divisor(), add.rhs, op.relu is not None)
        )


class FuseReluIntoRescale(RewritePattern):
    """lookup relu (rescale x) -> rescale{relu} x, when the rescale has no other use."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: gadget.LookupOp, rewriter: PatternRewriter) -> None:
        rescale = op.input.owner
        if op.fn.data != "relu" or not isinstance(rescale, gadget.RescaleOp):
            return
        if rescale.relu is not None or not op.input.has_one_use():
            return
        rewriter.replace(
            op,
            gadget.RescaleOp(rescale.input, rescale.get_divisor(), rescale.bias, relu=True),
        )


@dataclass(frozen=True)
class GadgetCanonicalizePass(ModulePass):
    name = "gadget-canonicalize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [
                    FoldUnitRescale(),
                    DropImpliedRangeCheck(),
                    FoldAddIntoRescaleBias(),
                    FuseReluIntoRescale(),
                ]
            ),
            post_walk_func=region_dce,
        ).rewrite_module(op)
