"""`ml-canonicalize`: fold chains of shape ops that importers leave behind.

ONNX and TFLite graphs are full of reshape/transpose pairs (flatten before a
dense layer, NHWC <-> NCHW shuffles). They cost no constraints, but every op
left in makes later levels larger to print, read and lower.
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

from zkir.dialects import ml


class FoldReshapeChain(RewritePattern):
    """reshape(reshape(x)) -> reshape(x); a reshape to its input type -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ml.ReshapeOp, rewriter: PatternRewriter) -> None:
        source = op.input
        if isinstance(source.owner, ml.ReshapeOp):
            source = source.owner.input
        if source.type == op.result.type:
            rewriter.replace(op, [], [source])
        elif source is not op.input:
            rewriter.replace(op, ml.ReshapeOp(source, op.result.type))


class FoldTransposeChain(RewritePattern):
    """transpose(transpose(x)) -> one transpose; the identity permutation -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ml.TransposeOp, rewriter: PatternRewriter) -> None:
        source, perm = op.input, op.get_perm()
        inner = source.owner
        if isinstance(inner, ml.TransposeOp):
            # result[i] = mid[perm[i]] = x[inner_perm[perm[i]]]
            inner_perm = inner.get_perm()
            perm = tuple(inner_perm[p] for p in perm)
            source = inner.input
        if perm == tuple(range(len(perm))):
            rewriter.replace(op, [], [source])
        elif source is not op.input:
            rewriter.replace(op, ml.TransposeOp(source, perm, op.result.type))


@dataclass(frozen=True)
class MLCanonicalizePass(ModulePass):
    name = "ml-canonicalize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FoldReshapeChain(), FoldTransposeChain()]),
            post_walk_func=region_dce,
        ).rewrite_module(op)
