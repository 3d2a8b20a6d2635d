"""Check the layout search's predictions against real proving times.

One model is laid out under several candidate layouts of gadget-layout-search
(its pick and others spread over the predicted range); each is compiled, set
up and proven in fresh processes, and the script prints predicted vs measured
prove time, the Spearman rank correlation of the two, and how far the search's
pick is from the fastest measured candidate (the aims: rho >= 0.8, pick within
15% of the fastest).

Usage: python benchmarks/layout.py [--model mlp|cnn_small|cnn_cifar|PATH.onnx]
       [--candidates 8] [--repeat 2] [--work build/layout_bench] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def spearman(a: list[float], b: list[float]) -> float:
    """Rank correlation (ties get their mean rank)."""

    def ranks(x: list[float]) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x), dtype=np.float64)
        for v in np.unique(x):
            tie = x == v
            r[tie] = r[tie].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = float(np.sqrt((ra**2).sum() * (rb**2).sum()))
    return float((ra * rb).sum() / denom) if denom else 0.0


def _zkir(*args: str) -> dict:
    from zkir.child_steps import run_json_step

    exe = Path(sys.executable).with_name("zkir")
    return run_json_step([str(exe), *args, "--json", "-q"], f"zkir {args[0]}")


def pick_candidates(candidates, best, count: int):
    """The search's pick plus others evenly spread over the predicted times."""
    ok = sorted((c for c in candidates if c.fits), key=lambda c: c.seconds)
    seen, unique = set(), []
    for c in ok:  # one per distinct circuit
        key = (c.features, c.rows)
        if key not in seen:
            seen.add(key)
            unique.append(c)
    chosen = [best]
    for i in np.linspace(0, len(unique) - 1, num=min(count, len(unique))).round().astype(int):
        if unique[i] not in chosen and (unique[i].features, unique[i].rows) != (best.features, best.rows):
            chosen.append(unique[i])
    return chosen[:count]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="mlp", help="a benchmarks/models.py name or an .onnx path (default mlp)")
    ap.add_argument("--candidates", type=int, default=8, help="layouts to prove (at least 6; default 8)")
    ap.add_argument("--repeat", type=int, default=2, help="proofs per layout, the fastest counts (default 2)")
    ap.add_argument("--work", default="build/layout_bench")
    ap.add_argument("--weights", default="fixed", choices=("private", "fixed", "public"))
    ap.add_argument("--json", default=None, help="also write every number to this file")
    args = ap.parse_args(argv)

    from models import MODELS, sample_input, write

    from zkir import parse_module
    from zkir.cost.model import CostModel
    from zkir.interpreter.program import main_function
    from zkir.passes.layout_search import COLUMNS, enumerate_choices, format_table, search
    from zkir.workflow import CompileOptions, compile_model

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.model in MODELS:
        model = write(work / "models")[args.model]
        x = sample_input(args.model).tolist()
    else:
        model = Path(args.model)
        x = None
    _log(f"compiling {model} to the gadget level")
    base = work / "search"
    settings = compile_model(model, base, CompileOptions(weights=args.weights))
    if x is None:
        x = np.random.default_rng(0).random(settings.inputs[0].shape).tolist()
    input_json = work / "input.json"
    input_json.write_text(json.dumps({settings.inputs[0].name: x}))
    cost = CostModel.load()
    fn = main_function(parse_module((base / "3_gadget.mlir").read_text()))
    best, candidates = search(fn, enumerate_choices(COLUMNS, (settings.range_bits,)), cost)
    chosen = pick_candidates(candidates, best, max(6, args.candidates))
    _log(f"cost model: {cost.source}; proving {len(chosen)} of {len(candidates)} candidates")
    _log(format_table(chosen, best))

    rows = []
    for i, cand in enumerate(chosen):
        ch = cand.choice
        build = work / f"c{i}"
        label = f"{ch.columns} cols, items {ch.items_per_row or 'all'}, {'shared' if ch.share_lookups else 'per-gadget'}"
        _log(f"[{i + 1}/{len(chosen)}] {label}: compile, setup, prove x{args.repeat}")
        try:
            _zkir("compile", str(model), "-o", str(build), "--no-layout-search", "--weights", args.weights,
                  "--columns", str(ch.columns), "--items-per-row", str(ch.items_per_row),
                  "--range-bits", str(ch.range_bits), "--lookups", "shared" if ch.share_lookups else "per-gadget")
            _zkir("setup", str(build))
            times = [
                _zkir("prove", str(build), "--input", str(input_json), "-o", str(build / "proof.bin"))["timings"]["prove"]
                for _ in range(args.repeat)
            ]
        except RuntimeError as e:
            _log(f"  {e}")
            continue
        rows.append({"layout": label, "k": cand.features.k, "pick": cand is best,
                     "predicted": cand.seconds, "measured": min(times)})

    print(f"\nmodel {args.model}: predicted vs measured prove time (cost model: {cost.source})")
    print(f"{'layout':34s} {'k':>3} {'predicted s':>11} {'measured s':>10} {'ratio':>6}")
    for r in rows:
        mark = " <- search's pick" if r["pick"] else ""
        print(f"{r['layout']:34s} {r['k']:>3} {r['predicted']:>11.2f} {r['measured']:>10.2f} "
              f"{r['predicted'] / r['measured']:>6.2f}{mark}")
    if len(rows) < 2:
        print("too few layouts proved to compare")
        return 1
    rho = spearman([r["predicted"] for r in rows], [r["measured"] for r in rows])
    fastest = min(r["measured"] for r in rows)
    picked = [r["measured"] for r in rows if r["pick"]]
    gap = picked[0] / fastest - 1 if picked else float("nan")
    print(f"Spearman rank correlation, predicted vs measured: {rho:.3f} (aim >= 0.8)")
    print(f"search's pick vs fastest measured: {100 * gap:+.1f}% (aim <= 15%)")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "spearman": rho, "pick_gap": gap}, indent=1))
    return 0 if rho >= 0.8 and gap <= 0.15 else 1


if __name__ == "__main__":
    sys.exit(main())
