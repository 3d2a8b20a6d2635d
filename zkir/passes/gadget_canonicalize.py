"""`gadget-canonicalize`: drop gadgets that constrain nothing new.

Every gadget left in costs rows; these are the ones a lowering produces that
prove nothing: a rescale by 1 with no bias is the identity, and a range check
implied by a tighter (or equal) check of the same value is redundant.
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
        if op.divisor.value.data == 1 and op.bias is None:
            rewriter.replace(op, [], [op.input])


class DropImpliedRangeCheck(RewritePattern):
    """Of two range checks on one value, only the tightest is needed."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: gadget.RangeCheckOp, rewriter: PatternRewriter
    ) -> None:
        bits = op.bits.value.data
        for use in op.input.uses:
            other = use.operation
            if other is op or not isinstance(other, gadget.RangeCheckOp):
                continue
            other_bits = other.bits.value.data
            # Keep the tighter check; of two equal ones keep the first in the block.
            if other_bits < bits or (
                other_bits == bits and other.is_before_in_block(op)
            ):
                rewriter.erase_op(op)
                return


@dataclass(frozen=True)
class GadgetCanonicalizePass(ModulePass):
    name = "gadget-canonicalize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FoldUnitRescale(), DropImpliedRangeCheck()]),
            post_walk_func=region_dce,
        ).rewrite_module(op)
