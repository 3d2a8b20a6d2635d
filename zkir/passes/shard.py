"""`gadget-shard`: a gadget program cut into consecutive shards, each its own circuit.

One circuit's prover memory grows with the model; past a point no machine holds
it. This pass cuts the program (in program order) into functions @shard0 ..
@shard<S-1>. Shard 0 takes the model's inputs, the last one returns its
outputs, and every value live across a cut (computed at or before it, read after
it) is a result of the shard before the cut and an argument of the shard after
it, tagged `gadget.link = "c<cut>_<j>"`. A value read two cuts later passes
through the shards between (each link joins two consecutive proofs, so each link
column is opened exactly twice: zkir.prover.links). Constants and rewires cost
no rows: every shard gets its own copy of those it reads.

Where to cut: the program's gadget ops are weighed by their rows at a reference
layout (a product at the cheaper of its dot and randomized forms); each cut lies
within 15% of the even split of that weight, where the fewest elements cross
(every crossing element is a cell in two proofs' link columns). How many shards:
`shards`, or with a `memory-budget` the fewest whose every shard has a layout the
cost model predicts within the budget, or one more if that is predicted to prove
faster in all. One shard is the program unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from zkir.cost.model import CostModel
from zkir.dialects import gadget
from zkir.dialects.gadget import LINK_ATTR, GadgetOpInterface, LayoutChoice
from zkir.errors import ZkirError
from zkir.lowering.gadget_to_plonk.lower import PlonkLoweringError, gadget_instance
from zkir.passes.layout_search import LayoutSearchError, enumerate_choices, search
from zkir.passes.randomize_products import rows_saved

REFERENCE = LayoutChoice(columns=24, challenge_columns=3)
"""The layout ops are weighed at: a mid-width band, products randomized where cheaper."""
SLACK = 0.15
"""How far from the even split a cut may move to where fewer elements cross."""
BUDGET_COLUMNS = (16, 32)
"""Band widths tried when the count of shards is read off the memory budget."""


class ShardError(ZkirError, ValueError):
    """The program cannot be cut as asked (one line)."""


def _numel(value: SSAValue) -> int:
    ty = value.type
    assert isinstance(ty, TensorType)
    return math.prod(ty.get_shape())


def _is_free(op: Operation) -> bool:
    return isinstance(op, gadget.ConstantOp | gadget.RewireOp)


def weight(op: Operation, range_bits: int = 8, columns: int = REFERENCE.columns) -> int:
    """Rows of `op` at the reference layout (REFERENCE, these range bits; or as wide as `columns`)."""
    choice = LayoutChoice(columns, range_bits, challenge_columns=REFERENCE.challenge_columns)
    if isinstance(op, gadget.ReduceMaxOp):
        # a tree of maximum gadgets over its input: about one item per element
        return max(1, -(-_numel(op.operands[0]) * REFERENCE.columns // (4 * columns)))
    if not isinstance(op, GadgetOpInterface):
        return 0
    try:
        g, _params, shapes = gadget_instance(op, choice)
    except PlonkLoweringError:
        return 0
    rows = g.rows(shapes)
    if isinstance(op, gadget.DotOp):
        rows -= max(0, rows_saved(op, choice))
    return max(1, rows)


@dataclass
class Program:
    """A function's gadget ops in order, what each weighs, and when each value is last read."""

    fn: func.FuncOp
    steps: list[Operation]
    weights: list[int]
    defined: dict[SSAValue, int]
    """Step that computes each value (-1: a function argument)."""
    last_use: dict[SSAValue, int] = field(default_factory=dict)
    """Last step reading it (len(steps): the return)."""
    reads: dict[Operation, list[SSAValue]] = field(default_factory=dict)
    """The computed values (or arguments) a step reads, through constants and rewires."""

    @staticmethod
    def of(fn: func.FuncOp, range_bits: int = 8) -> Program:
        steps = [op for op in fn.body.block.ops if not _is_free(op) and not isinstance(op, func.ReturnOp)]
        defined: dict[SSAValue, int] = {arg: -1 for arg in fn.body.block.args}
        for i, op in enumerate(steps):
            for r in op.results:
                defined[r] = i
        program = Program(fn, steps, [weight(op, range_bits) for op in steps], defined)
        ret = fn.body.block.last_op
        assert isinstance(ret, func.ReturnOp)
        for i, op in enumerate([*steps, ret]):
            program.reads[op] = program.bases(op.operands)
            for v in program.reads[op]:
                program.last_use[v] = max(program.last_use.get(v, -1), i)
        return program

    def bases(self, values: Sequence[SSAValue]) -> list[SSAValue]:
        """The computed values and arguments `values` derive from through free ops."""
        out: dict[SSAValue, None] = {}
        todo = list(values)
        while todo:
            v = todo.pop()
            if v in self.defined:
                out.setdefault(v)
            elif isinstance(v.owner, Operation):
                todo.extend(v.owner.operands)
        return list(out)

    def crossing(self, cut: int) -> list[SSAValue]:
        """Values live across the cut after step `cut`, in order of definition."""
        live = [v for v, d in self.defined.items() if d <= cut < self.last_use.get(v, -2)]
        return sorted(live, key=lambda v: self.defined[v])

    def cuts(self, shards: int) -> list[int]:
        """The steps after which to cut into `shards` shards."""
        if shards > len(self.steps):
            raise ShardError(f"gadget-shard: {shards} shards asked, the program has {len(self.steps)} gadget ops")
        prefix = [0]
        for w in self.weights:
            prefix.append(prefix[-1] + w)
        total = prefix[-1]
        cuts: list[int] = []
        for j in range(1, shards):
            ideal = total * j / shards
            lo = max(cuts[-1] + 1 if cuts else 0, 0)
            hi = len(self.steps) - 1 - (shards - j)  # leave a step for every later shard
            window = [c for c in range(lo, hi + 1) if abs(prefix[c + 1] - ideal) <= SLACK * total / shards]
            if not window:
                window = [min(range(lo, hi + 1), key=lambda c: abs(prefix[c + 1] - ideal))]
            cuts.append(min(window, key=lambda c: (sum(_numel(v) for v in self.crossing(c)),
                                                   abs(prefix[c + 1] - ideal))))
        return cuts


def link_name(cut: int, j: int) -> str:
    return f"c{cut}_{j}"


def split(program: Program, cuts: list[int]) -> list[func.FuncOp]:
    """The shard functions of `program` cut after each step in `cuts`."""
    fn = program.fn
    ret = fn.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    bounds = [-1, *cuts, len(program.steps) - 1]
    crossings = [program.crossing(c) for c in cuts]
    shards = []
    for s in range(len(bounds) - 1):
        first, last = bounds[s] + 1, bounds[s + 1]
        ins: list[SSAValue]
        if s == 0:
            ins, in_attrs = list(fn.body.block.args), fn.arg_attrs
        else:
            ins = crossings[s - 1]
            in_attrs = ArrayAttr([DictionaryAttr({LINK_ATTR: StringAttr(link_name(s - 1, j))}) for j in range(len(ins))])
        block = Block(arg_types=[v.type for v in ins])
        mapping: dict[SSAValue, SSAValue] = dict(zip(ins, block.args))
        for old, new in zip(ins, block.args):
            new.name_hint = old.name_hint
        ops = program.steps[first : last + 1]
        if s == len(bounds) - 2:
            outs, out_attrs = list(ret.operands), fn.res_attrs
        else:
            outs = crossings[s]
            out_attrs = ArrayAttr([DictionaryAttr({LINK_ATTR: StringAttr(link_name(s, j))}) for j in range(len(outs))])
        _clone_into(block, [*ops], outs, mapping)
        block.add_op(func.ReturnOp(*[mapping[v] for v in outs]))
        shard = func.FuncOp(
            f"shard{s}", ([v.type for v in ins], [v.type for v in outs]), Region(block),
            arg_attrs=in_attrs, res_attrs=out_attrs,
        )
        shards.append(shard)
    return shards


def _clone_into(block: Block, steps: list[Operation], outs: list[SSAValue], mapping: dict[SSAValue, SSAValue]) -> None:
    """Clone `steps` into `block` in order, with every free op they (or `outs`)
    read cloned just before its first reader."""

    def need(value: SSAValue) -> SSAValue:
        if value in mapping:
            return mapping[value]
        owner = value.owner
        assert isinstance(owner, Operation) and _is_free(owner), f"{value} is neither computed here nor linked"
        copy(owner)
        return mapping[value]

    def copy(op: Operation) -> None:
        for v in op.operands:
            need(v)
        new = op.clone(value_mapper=mapping)
        block.add_op(new)
        mapping.update(zip(op.results, new.results))

    for op in steps:
        copy(op)
    for v in outs:
        need(v)


def _predict(functions: list[func.FuncOp], budget_mb: float, model: CostModel, range_bits: int,
             private_inputs: bool, columns: tuple[int, ...]) -> tuple[float, float]:
    """(the largest predicted memory of any shard, the predicted seconds of all)
    at each shard's cheapest layout of a few band widths within the budget."""
    worst, seconds = 0.0, 0.0
    for shard in functions:
        choices = [c for c in enumerate_choices(columns, (range_bits,), (0,), fn=shard) if c.share_lookups]
        try:
            best, _ = search(shard, choices, model, budget_mb, private_inputs)
        except LayoutSearchError as e:
            worst = max(worst, _least_memory(str(e)) or 2 * budget_mb)
            continue
        worst, seconds = max(worst, best.memory_mb), seconds + best.seconds
    return worst, seconds


WIDEST = 64
"""The widest band the layout search tries (layout_search.COLUMNS)."""


def memory_floor_mb(fn: func.FuncOp, model: CostModel, range_bits: int) -> float:
    """Less than any one-circuit layout of `fn` is predicted to need: its gadget
    rows at the widest band (no weights, no tables, no lookups) at the least
    k that holds them. Above the budget, searching layouts of the whole is
    futile, and for a large model that search is the longest step of compile."""
    from zkir.cost.model import CircuitFeatures

    rows = sum(weight(op, range_bits, WIDEST) for op in Program.of(fn, range_bits).steps)
    k = max(rows + 8, 1).bit_length()
    least = CircuitFeatures(k=k, ext_log=1, advice=WIDEST, fixed=1, instance=1, equality=WIDEST, lookups=0,
                            chunks=1, pieces=1, opening_points=1, openings=WIDEST, gate_ops=0, lookup_ops=0)
    return model.memory_bytes(least) / 2**20


def fewest_shards(fn: func.FuncOp, budget_mb: float, model: CostModel, range_bits: int, private_inputs: bool,
                  start: int = 1, progress: list[str] | None = None, columns: tuple[int, ...] = BUDGET_COLUMNS) -> int:
    """How many shards (from `start` on): of the fewest whose every shard has a
    layout the cost model predicts within `budget_mb` and one more (smaller
    shards may drop to a smaller k), the one predicted to prove fastest in all."""
    program = Program.of(fn, range_bits)
    count = max(1, min(start, len(program.steps)))
    fitting: dict[int, float] = {}
    while True:
        functions = [fn] if count == 1 else split(program, program.cuts(count))
        worst, seconds = _predict(functions, budget_mb, model, range_bits, private_inputs, columns)
        if worst <= budget_mb:
            fitting[count] = seconds
            if progress is not None:
                progress.append(f"{count} shards fit, predicted {seconds:.1f} s in all")
        if len(fitting) == 2 or (fitting and count >= len(program.steps)):
            return min(fitting, key=lambda c: fitting[c])
        if count >= len(program.steps):
            raise ShardError(f"gadget-shard: even one gadget op a shard needs more than {budget_mb:.0f} MB")
        grown = count + 1 if fitting else math.ceil(count * worst / budget_mb)
        count = min(len(program.steps), max(count + 1, grown))
        if progress is not None and not fitting:
            progress.append(f"trying {count} shards (cut in fewer, a shard needed about {worst:.0f} MB)")


def _least_memory(message: str) -> float | None:
    """The MB a layout-search refusal says the smallest layout needs."""
    import re

    m = re.search(r"smallest needs about (\d+) MB", message)
    return float(m.group(1)) if m else None


@dataclass(frozen=True)
class GadgetShardPass(ModulePass):
    """Cut the gadget program into consecutive shards, each laid out and proven as its own circuit."""

    name = "gadget-shard"

    shards: int = 0
    """How many shards (0: as few as fit memory-budget; 1 without a budget)."""
    memory_budget: int = 0
    """Predicted prover memory allowed per shard, in MB (0: no limit)."""
    range_bits: int = 8
    """Range-table bits the shards will be laid out with (for the budget's predictions)."""
    inputs: str = "public"
    """As convert-gadget-to-plonk's option: where model inputs go."""
    cost_model: str = ""
    """Constants file for the predictions (default: as gadget-layout-search)."""
    columns: tuple[int, ...] = BUDGET_COLUMNS
    """Band widths the budget's predictions try (as the layout search will, or a few)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        functions = [f for f in op.ops if isinstance(f, func.FuncOp)]
        if len(functions) != 1:
            raise ShardError(f"gadget-shard: expects one function, the module has {len(functions)}")
        fn = functions[0]
        count = self.shards
        if not count:
            if not self.memory_budget:
                return
            model = CostModel.load(self.cost_model or None)
            count = fewest_shards(fn, self.memory_budget, model, self.range_bits, self.inputs == "private",
                                  columns=tuple(self.columns))
        if count == 1:
            return
        program = Program.of(fn, self.range_bits)
        for shard in split(program, program.cuts(count)):
            op.body.block.insert_op_before(shard, fn)
        fn.detach()
        fn.erase()
