"""gadget.reduce_max as what it is laid out as: rounds of pairwise gadget.maximum.

Each round takes the maximum of the two halves of every group (an odd one out
waits for the next round), so a width-w reduction costs w - 1 comparisons in
ceil(log2 w) rounds. The rounds are written as gadget IR (rewires and maximum
ops) before the lowering, so the lowering has no kind of its own for it.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from zkir.dialects import gadget
from zkir.dialects.resources import dense_attr


class ExpandReduceMax(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: gadget.ReduceMaxOp, rewriter: PatternRewriter) -> None:
        hint = op.result.name_hint or "reduce_max"
        (groups, width), index = op.reduction_layout()
        new: list[Operation] = []

        def rewire(kind: str, inputs: list, shape: tuple[int, ...], index: np.ndarray) -> gadget.RewireOp:
            r = gadget.RewireOp(kind, inputs, shape, dense_attr(index.astype(np.int64), f"{hint}_{kind}"))
            new.append(r)
            return r

        current = rewire("transpose", [op.input], (groups, width), index).result
        round_ = 0
        while width > 1:
            half = width // 2
            idx = np.arange(groups * width, dtype=np.int64).reshape(groups, width)
            lhs = rewire("slice", [current], (groups, half), idx[:, :half].ravel())
            rhs = rewire("slice", [current], (groups, half), idx[:, half : 2 * half].ravel())
            m = gadget.MaximumOp(lhs.result, rhs.result, gadget.felt_tensor((groups, half)))
            m.result.name_hint = f"{hint}_max{round_}"
            new.append(m)
            rest = idx[:, 2 * half :]
            if rest.shape[1]:
                # [max | rest] per group: max elements first, then the waiting ones
                out_idx = np.arange(groups * half, dtype=np.int64).reshape(groups, half)
                joined = np.concatenate([out_idx, groups * half + rest], axis=1)
                current = rewire("concat", [m.result, current], (groups, half + rest.shape[1]), joined.ravel()).result
            else:
                current = m.result
            width, round_ = half + rest.shape[1], round_ + 1
        result = gadget.RewireOp("reshape", [current], op.result.type.get_shape())
        new.append(result)
        rewriter.replace(op, new, [result.result])
