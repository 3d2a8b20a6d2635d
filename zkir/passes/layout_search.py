"""`gadget-layout-search`: pick the layout with the least predicted prove time.

The ZKML optimizer's idea on zkir's gadget dialect: the same gadget program can
be laid out as many equivalent circuits (band width, k, how many items a row
the lookup gadgets pack, range-table bits, shared or per-gadget lookup
arguments), whose proving cost differs several-fold. Each candidate is lowered
for real (convert-gadget-to-plonk on a clone, a fraction of a second) and its
prover constraint system is costed by zkir.cost, so the prediction sees exactly
the circuit the prover will get. The pick is written on each function as the
`gadget.layout` attribute, which convert-gadget-to-plonk obeys.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import gadget, plonk
from zkir.dialects.gadget import LayoutChoice, link_names, set_layout
from zkir.cost.model import CircuitFeatures, CostModel
from zkir.errors import ZkirError
from zkir.files import write_atomic
from zkir.lowering.gadget_to_plonk import PlonkLoweringError, lower_function
from zkir.passes.randomize_products import randomize_products, would_randomize

COLUMNS = (6, 8, 12, 16, 24, 32, 48, 64)
ITEMS_PER_ROW = (0, 1, 2)


def challenge_widths(columns: int) -> tuple[int, ...]:
    """Phase-1 band widths tried beside a gadget band: an accumulator and one pair
    (its cells hold full-size field elements, which cost the most to commit)."""
    return (3,)


class LayoutSearchError(ZkirError, PassFailedException, ValueError):
    """No candidate layout fits (every one failed or exceeds the memory budget):
    a failed pass, and a ValueError as before."""


@dataclass
class Candidate:
    choice: LayoutChoice
    features: CircuitFeatures | None
    seconds: float = float("inf")
    memory_mb: float = 0.0
    rows: int = 0
    error: str = ""
    ops: OpChoices = field(default_factory=lambda: OpChoices())

    @property
    def fits(self) -> bool:
        return self.features is not None


# ---------------------------------------------------------------------------
# Per-op choices: every decision the search makes op by op lives here
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpChoices:
    """The per-op part of a candidate (the LayoutChoice is the per-function part).

    Today one decision: which `gadget.lookup`s are read through a table of
    segments (`#gadget.split`, zkir.gadgets.segments) instead of one row per
    input, keyed by the op's position in the function body (a clone keeps it).
    A new per-op decision adds a field here, its options in `op_options`, and
    its effect in `apply`.
    """

    splits: tuple[tuple[int, tuple[int, int]], ...] = ()
    """(op position, (low_bits, frac_bits)) of every split lookup."""
    newly_split_rows: int = field(default=0, compare=False)
    """Rows of the direct table this option splits that the one before it in
    `op_options` kept: unless that table could set k, the option cannot pay."""

    def apply(self, fn: func.FuncOp) -> None:
        """Record these choices on `fn`'s ops (clearing any other split)."""
        chosen = dict(self.splits)
        for i, op in enumerate(fn.body.block.ops):
            if isinstance(op, gadget.LookupOp):
                op.set_split(chosen.get(i))

    def describe(self, fn: func.FuncOp | None = None) -> str:
        if not self.splits:
            return "-"
        ops = list(fn.body.block.ops) if fn is not None else []
        parts = []
        for i, (low, _) in self.splits:
            op = ops[i] if i < len(ops) else None
            parts.append(f"{op.fn.data if isinstance(op, gadget.LookupOp) else i}/{1 << low}")
        return ",".join(parts)


def best_split(op: gadget.LookupOp, range_bits: int) -> tuple[int, int] | None:
    """The split of `op`'s table with the fewest rows whose segments are exact
    (zkir.gadgets.segments.segment_fit) with the range table's bits as the
    fraction (one range check for r) and c's span within that table; None if
    the op has no table_range or no split is exact. Every split costs the same
    per item, so the widest exact segments win."""
    from zkir.gadgets.segments import segment_fit

    table = op.get_table_range()
    if table is None:
        return None
    in_scale, scale = op.get_in_scale(), op.get_out_scale()
    for low in range(min(range_bits, gadget.MAX_SPLIT_LOW_BITS), 0, -1):
        fit = segment_fit(
            op.fn.data, scale, None if in_scale == scale else in_scale, table[0], table[1], low, range_bits
        )
        if fit is not None and fit.c_max - fit.c_min < 1 << range_bits and fit.count < table[1] - table[0] + 1:
            return low, range_bits
    return None


def op_options(fn: func.FuncOp, range_bits: int) -> list[OpChoices]:
    """The per-op candidates: none split, then the largest table split, then the
    two largest, ... (all lookups into one table together: they share it), only
    tables with an exact split. Splitting a table shrinks what may set k and
    costs gadget rows and lookups; which pays is the cost model's call."""
    groups: dict[tuple[object, ...], list[tuple[int, tuple[int, int]]]] = {}
    sizes: dict[tuple[object, ...], int] = {}
    for i, op in enumerate(fn.body.block.ops):
        if not isinstance(op, gadget.LookupOp):
            continue
        table = op.get_table_range()
        split = best_split(op, range_bits)
        if table is None or split is None:
            continue
        key: tuple[object, ...] = (op.fn.data, table, op.get_in_scale(), op.get_out_scale())
        groups.setdefault(key, []).append((i, split))
        sizes[key] = table[1] - table[0] + 1
    options, chosen = [OpChoices()], []
    for key in sorted(groups, key=lambda g: -sizes[g]):
        chosen += groups[key]
        options.append(OpChoices(tuple(chosen), sizes[key]))
    return options


def _may_set_k(previous: Candidate, table_rows: int) -> bool:
    """Whether a table of `table_rows` could be what sets `previous`'s k: a
    split only trades table rows for gadget rows and lookups, so it pays only
    where the table would not fit in half the rows."""
    if not previous.fits:
        return True
    return table_rows + 1 + plonk.DEFAULT_BLINDING_ROWS > 1 << (previous.choice.k - 1)


def evaluate(
    fn: func.FuncOp,
    choice: LayoutChoice,
    model: CostModel,
    private_inputs: bool = False,
    ops: OpChoices | None = None,
) -> Candidate:
    """Lower `fn` with `choice` (and the per-op `ops`, on a clone) and predict
    its prove time and memory (a choice with challenge columns has its
    cheaper-randomized products rewritten first)."""
    from zkir.backend_halo2.constraint_builder import build_constraint_system

    ops = ops or OpChoices()
    try:
        clone = fn.clone()
        ops.apply(clone)
        if choice.challenge_columns:
            randomize_products(clone, choice)
        circuit = lower_function(clone, choice, private_inputs)
        built = build_constraint_system(circuit)
    except (PlonkLoweringError, ValueError) as e:
        return Candidate(choice, None, error=str(e).splitlines()[0], ops=ops)
    k = circuit.get_k()
    features = CircuitFeatures.of(built.cs, k)
    rows = max(
        (p.get_row() + p.get_rows() for p in circuit.body.ops if isinstance(p, plonk.PlaceOp)), default=0
    )
    return Candidate(
        replace(choice, k=k),
        features,
        model.prove_seconds(features),
        model.memory_bytes(features) / 2**20,
        rows,
        ops=ops,
    )


def enumerate_choices(
    columns: tuple[int, ...], range_bits: tuple[int, ...], items: tuple[int, ...] = ITEMS_PER_ROW,
    fn: func.FuncOp | None = None,
) -> list[LayoutChoice]:
    """Every combination; per-gadget lookup arguments only with unlimited packing
    (capping items only matters when lookups are shared). With `fn`, each choice
    at a band width where some product of `fn` is cheaper randomized also comes
    with a phase-1 band (challenge_widths), those products randomized."""
    out = []
    for c, rb, cap in itertools.product(columns, range_bits, items):
        out.append(LayoutChoice(columns=c, range_bits=rb, items_per_row=cap, share_lookups=True))
        if cap == 0:
            out.append(LayoutChoice(columns=c, range_bits=rb, items_per_row=0, share_lookups=False))
    if fn is None:
        return out
    randomized = []
    for c in columns:
        for late in challenge_widths(c):
            probe = LayoutChoice(columns=c, challenge_columns=late)
            if would_randomize(fn, probe):
                randomized += [replace(ch, challenge_columns=late) for ch in out if ch.columns == c]
    return out + randomized


def search(
    fn: func.FuncOp,
    choices: list[LayoutChoice],
    model: CostModel,
    memory_budget_mb: float = 0.0,
    private_inputs: bool = False,
    split_tables: bool = False,
) -> tuple[Candidate, list[Candidate]]:
    """(the best candidate within budget, every candidate in evaluation order).

    With `split_tables`, every layout choice is tried with the per-op options
    of `op_options` for its range bits (jointly: the best band width differs
    when the tables shrink), as long as the next table to split could still be
    what sets k."""
    options: dict[int, list[OpChoices]] = {}
    candidates = []
    for c in choices:
        if split_tables and c.range_bits not in options:
            options[c.range_bits] = op_options(fn, c.range_bits)
        previous: Candidate | None = None
        for ops in options.get(c.range_bits, [OpChoices()]):
            if previous is not None and not _may_set_k(previous, ops.newly_split_rows):
                break  # the tables still unsplit are smaller: no later option pays either
            previous = evaluate(fn, c, model, private_inputs, ops)
            candidates.append(previous)
    ok = [c for c in candidates if c.fits and (not memory_budget_mb or c.memory_mb <= memory_budget_mb)]
    if not ok:
        fitting = [c for c in candidates if c.fits]
        if fitting:
            least = min(c.memory_mb for c in fitting)
            raise LayoutSearchError(
                f"gadget-layout-search: no layout fits in {memory_budget_mb:.0f} MB "
                f"(the smallest needs about {least:.0f} MB)"
            )
        raise LayoutSearchError(f"gadget-layout-search: no candidate layout works: {candidates[0].error}")
    return min(ok, key=lambda c: c.seconds), candidates


def format_table(candidates: list[Candidate], best: Candidate | None = None, fn: func.FuncOp | None = None) -> str:
    """One line per candidate: the choice, its circuit and its prediction."""
    split = any(c.ops.splits for c in candidates)
    lines = [
        f"{'':2}{'columns':>7} {'late':>4} {'range':>5} {'items':>5} {'lookups':>8} {'k':>3} {'rows':>8} "
        f"{'advice':>6} {'args':>5} {'predicted s':>11} {'memory MB':>9}" + ("  split tables (fn/segment)" if split else "")
    ]
    for c in candidates:
        ch = c.choice
        mark = "* " if c is best else "  "
        head = (
            f"{mark}{ch.columns:>7} {ch.challenge_columns or '-':>4} {ch.range_bits:>5} {ch.items_per_row or 'all':>5} "
            f"{'shared' if ch.share_lookups else 'gadget':>8}"
        )
        tail = f"  {c.ops.describe(fn)}" if split else ""
        if not c.fits:
            lines.append(f"{head}   -- {c.error}{tail}")
            continue
        f = c.features
        assert f is not None
        lines.append(
            f"{head} {f.k:>3} {c.rows:>8} {f.advice:>6} {f.lookups:>5} {c.seconds:>11.2f} {c.memory_mb:>9.0f}{tail}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class GadgetLayoutSearchPass(ModulePass):
    """Choose columns, k, items a row, range bits and lookup sharing per function."""

    name = "gadget-layout-search"

    columns: tuple[int, ...] = ()
    """Band widths to try, e.g. columns=12,24,48 (default: 6 to 64)."""
    range_bits: tuple[int, ...] = (8,)
    """Range-table bits to try, e.g. range-bits=8,10."""
    memory_budget: int = 0
    """Peak prover memory allowed, in MB (0: no limit)."""
    cost_model: str = ""
    """Constants file (default: this machine's tuned constants (zkir tune), else the shipped one)."""
    table: str = ""
    """Write every candidate and its prediction to this file ("-": stderr)."""
    inputs: str = "public"
    """As convert-gadget-to-plonk's option: where model inputs go."""
    split_tables: bool = True
    """Also try reading wide lookup tables through tables of segments
    (zkir.gadgets.segments), wherever that is exact."""
    randomize: bool = True
    """Also try layouts whose cheaper products are randomized (gadget-randomize-products)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        model = CostModel.load(self.cost_model or None)
        reports = []
        functions = [fn for fn in op.ops if isinstance(fn, func.FuncOp)]
        found = {fn: self._search(fn, model) for fn in functions}
        if any(name is not None for fn in functions for names in link_names(fn) for name in names):
            # shards (gadget-shard): linked commitments are comparable only at one k,
            # so the shards that chose a smaller k are laid out again at the largest
            k = max(best.choice.k for best, _ in found.values())
            for fn, (best, candidates) in found.items():
                if best.choice.k != k:
                    best, again = self._search(fn, model, k)
                    found[fn] = best, candidates + again
        for fn, (best, candidates) in found.items():
            if best.choice.challenge_columns:
                randomize_products(fn, best.choice)
            set_layout(fn, best.choice)
            best.ops.apply(fn)
            reports.append(f"@{fn.sym_name.data} (cost model: {model.source})\n{format_table(candidates, best, fn)}")
        if self.table:
            text = "\n\n".join(reports) + "\n"
            if self.table == "-":
                import sys

                sys.stderr.write(text)
            else:
                write_atomic(self.table, text)

    def _search(self, fn: func.FuncOp, model: CostModel, k: int = 0) -> tuple[Candidate, list[Candidate]]:
        """The search over this pass's choices for `fn` (at exactly 2^k rows when k is set)."""
        fn_choices = enumerate_choices(
            tuple(self.columns) or COLUMNS, tuple(self.range_bits) or (8,), fn=fn if self.randomize else None
        )
        if k:
            fn_choices = [replace(c, k=k) for c in fn_choices]
        return search(fn, fn_choices, model, self.memory_budget, self.inputs == "private", self.split_tables)
