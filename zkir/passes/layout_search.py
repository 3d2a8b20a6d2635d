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
from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from zkir.dialects import plonk
from zkir.dialects.gadget import LayoutChoice, set_layout
from zkir.cost.model import CircuitFeatures, CostModel
from zkir.errors import ZkirError
from zkir.files import write_atomic
from zkir.lowering.gadget_to_plonk import PlonkLoweringError, lower_function
from zkir.passes.randomize_products import randomize_products, would_randomize

COLUMNS = (6, 8, 12, 16, 24, 32, 48, 64)
ITEMS_PER_ROW = (0, 1, 2)


def challenge_widths(columns: int) -> tuple[int, ...]:
    """Phase-1 band widths tried beside a gadget band: half its terms a row, or all."""
    return tuple(sorted({columns // 2 + 1, columns + 1}))


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

    @property
    def fits(self) -> bool:
        return self.features is not None


def evaluate(fn: func.FuncOp, choice: LayoutChoice, model: CostModel, private_inputs: bool = False) -> Candidate:
    """Lower `fn` with `choice` and predict its prove time and memory (a choice
    with challenge columns has its cheaper-randomized products rewritten first)."""
    from zkir.backend_halo2.constraint_builder import build_constraint_system

    try:
        clone = fn.clone()
        if choice.challenge_columns:
            randomize_products(clone, choice)
        circuit = lower_function(clone, choice, private_inputs)
        built = build_constraint_system(circuit)
    except (PlonkLoweringError, ValueError) as e:
        return Candidate(choice, None, error=str(e).splitlines()[0])
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
) -> tuple[Candidate, list[Candidate]]:
    """(the best candidate within budget, every candidate in evaluation order)."""
    candidates = [evaluate(fn, c, model, private_inputs) for c in choices]
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


def format_table(candidates: list[Candidate], best: Candidate | None = None) -> str:
    """One line per candidate: the choice, its circuit and its prediction."""
    lines = [
        f"{'':2}{'columns':>7} {'late':>4} {'range':>5} {'items':>5} {'lookups':>8} {'k':>3} {'rows':>8} "
        f"{'advice':>6} {'args':>5} {'predicted s':>11} {'memory MB':>9}"
    ]
    for c in candidates:
        ch = c.choice
        mark = "* " if c is best else "  "
        head = (
            f"{mark}{ch.columns:>7} {ch.challenge_columns or '-':>4} {ch.range_bits:>5} {ch.items_per_row or 'all':>5} "
            f"{'shared' if ch.share_lookups else 'gadget':>8}"
        )
        if not c.fits:
            lines.append(f"{head}   -- {c.error}")
            continue
        f = c.features
        assert f is not None
        lines.append(
            f"{head} {f.k:>3} {c.rows:>8} {f.advice:>6} {f.lookups:>5} {c.seconds:>11.2f} {c.memory_mb:>9.0f}"
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
    randomize: bool = True
    """Also try layouts whose cheaper products are randomized (gadget-randomize-products)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        model = CostModel.load(self.cost_model or None)
        reports = []
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp):
                continue
            fn_choices = enumerate_choices(
                tuple(self.columns) or COLUMNS, tuple(self.range_bits) or (8,), fn=fn if self.randomize else None
            )
            best, candidates = search(fn, fn_choices, model, self.memory_budget, self.inputs == "private")
            if best.choice.challenge_columns:
                randomize_products(fn, best.choice)
            set_layout(fn, best.choice)
            reports.append(f"@{fn.sym_name.data} (cost model: {model.source})\n{format_table(candidates, best)}")
        if self.table:
            text = "\n\n".join(reports) + "\n"
            if self.table == "-":
                import sys

                sys.stderr.write(text)
            else:
                write_atomic(self.table, text)
