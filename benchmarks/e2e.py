"""End-to-end figures per model: circuit size, compile/setup/prove/verify
times, proof bytes, peak memory, and the proven output's error against float.

    python benchmarks/e2e.py                 # every shipped example model
    python benchmarks/e2e.py --models digits_mlp.onnx
    python benchmarks/e2e.py --models cnn_cifar,lenet5,gpt2_block0,mobilenet_v2 --products both --columns 0

--products both runs each model twice, every matrix product as a multiply-add
dot (`zkir compile --no-randomize`, "dot") and with the layout search free to
check products at a random point ("rand", gadget.randomized_dot), and prints the
ratios. Models beyond the shipped examples are built here, with no download:
cnn_cifar (benchmarks/models.py), lenet5 and mobilenet_v2 (alpha 0.35, 32x32;
Keras with random weights, exported with tf2onnx: benchmarks/exported_models.py,
needs the tf and test extras), gpt2_block0 (block 0 of examples/gpt2_tiny,
examples/gpt2_blocks.py). Each run is its own process, so the peak RSS printed
is that model's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MODELS = {
    "digits_mlp.onnx": ("digits_mlp/model.onnx", [1, 64], "input.json"),
    "digits_mlp.tflite": ("digits_mlp/model.tflite", [1, 64], "input_tflite.json"),
    "digits_cnn.onnx": ("digits_cnn/model.onnx", [1, 1, 8, 8], "input.json"),
    "digits_cnn.tflite": ("digits_cnn/model.tflite", [1, 8, 8, 1], "input_tflite.json"),
}
BUILT = ("cnn_cifar", "lenet5", "mobilenet_v2", "gpt2_block0")
"""Models this script writes itself (into --work), by `built_model`."""


def built_model(name: str, work: Path) -> tuple[Path, list]:
    """(ONNX path, its input as a nested list) of a model built here."""
    import numpy as np

    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{name}.onnx"
    if name == "cnn_cifar":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import models

        models.write(work)
        return path, models.sample_input(name).tolist()
    if name == "gpt2_block0":
        sys.path.insert(0, str(EXAMPLES))
        from gpt2_blocks import block_model

        return path, np.asarray(block_model(0, path)).tolist()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import exported_models as E

    e = {"lenet5": E.lenet5, "mobilenet_v2": E.mobilenet}[name]()
    E.export_onnx(e, path)
    return path, np.asarray(e.feeds[0]).tolist()


def measure(name: str, scale_bits: int, columns: int, randomize: bool = True, work: Path | None = None) -> dict:
    import numpy as np

    from zkir import workflow as W
    from zkir.interpreter.float_interp import run_float
    from zkir.frontends import load_model

    model: Path
    if name in MODELS:
        rel, shape, input_file = MODELS[name]
        model = EXAMPLES / rel
        x = json.loads((model.parent / input_file).read_text())
    else:
        model, x = built_model(name, work or Path(tempfile.mkdtemp()))
        shape = None
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp)
        t = time.perf_counter()
        options = W.CompileOptions(scale_bits=scale_bits, columns=columns, input_shapes=shape, randomize=randomize)
        s = W.compile_model(model, build, options)
        compile_s = time.perf_counter() - t
        t = time.perf_counter()
        W.setup(build)
        setup_s = time.perf_counter() - t
        r = W.prove(build, x, build / "proof.bin")
        v = W.verify(build, build / "proof.bin")
        assert v.verified, v.failed_check
        v = W.verify(build, build / "proof.bin")  # the second call: kernels loaded
        floats = run_float(load_model(model, shape), np.asarray(x, dtype=np.float32))
        (proven,) = r.outputs.values()
        error = float(np.abs(np.asarray(proven["value"]) - floats[0]).max())
    return {
        "model": name,
        "products": "rand" if randomize else "dot",
        "k": s.k,
        "rows": s.rows,
        "advice": s.advice_columns,
        "lookups": s.lookups,
        "compile_s": compile_s,
        "setup_s": setup_s,
        "prove_s": r.timings["prove"],
        "load_s": r.timings.get("load", 0.0),
        "witness_s": r.timings["witness"],
        "verify_ms": v.timings["verify"] * 1000,
        "proof_bytes": r.proof_bytes,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "max_abs_error": error,
        "phases": {k.removeprefix("prove_"): round(t, 3) for k, t in r.timings.items() if k.startswith("prove_")},
    }


def _run(name: str, args: argparse.Namespace, randomize: bool) -> dict | str:
    """One measurement in a child process: its figures, or why it failed."""
    cmd = [sys.executable, __file__, "--one", name, "--scale-bits", str(args.scale_bits), "--columns",
           str(args.columns), "--work", str(args.work)] + ([] if randomize else ["--no-randomize"])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        return out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    choices = [*MODELS, *BUILT]
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, from: " + ", ".join(choices))
    parser.add_argument("--scale-bits", type=int, default=8)
    parser.add_argument("--columns", type=int, default=12, help="band width (0: the layout search picks it)")
    parser.add_argument("--products", choices=("rand", "dot", "both"), default="rand",
                        help="randomized products allowed (default), dots only, or both side by side")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "zkir_e2e_models",
                        help="where built models are written")
    parser.add_argument("--json", type=Path, help="save every figure here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--no-randomize", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.scale_bits, args.columns, not args.no_randomize, args.work)))
        return
    header = (
        f"{'model':18s} {'prod':>4s} {'k':>3s} {'rows':>7s} {'adv':>4s} {'lkps':>5s} {'compile s':>9s} {'setup s':>8s} "
        f"{'prove s':>8s} {'verify ms':>9s} {'proof B':>8s} {'peak MB':>8s} {'|err|':>8s}"
    )
    print(header)
    variants = {"rand": [True], "dot": [False], "both": [False, True]}[args.products]
    results = []
    for name in args.models.split(","):
        if name not in choices:
            sys.exit(f"unknown model {name}; choose from {', '.join(choices)}")
        runs = {}
        for randomize in variants:
            m = _run(name, args, randomize)
            label = "rand" if randomize else "dot"
            if isinstance(m, str):
                print(f"{name:18s} {label:>4s} failed: {m}")
                continue
            runs[label] = m
            results.append(m)
            print(
                f"{m['model']:18s} {label:>4s} {m['k']:3d} {m['rows']:7d} {m['advice']:4d} {m['lookups']:5d} "
                f"{m['compile_s']:9.2f} {m['setup_s']:8.2f} {m['prove_s']:8.2f} {m['verify_ms']:9.1f} "
                f"{m['proof_bytes']:8d} {m['peak_rss_mb']:8.0f} {m['max_abs_error']:8.4f}"
            )
            print(f"{'':18s} key load {m.get('load_s', 0):.2f} s; prove phases (s): {m['phases']}")
        if len(runs) == 2:
            d, r = runs["dot"], runs["rand"]
            print(f"{'':18s} rand/dot: rows {r['rows'] / d['rows']:.2f}x, prove {r['prove_s'] / d['prove_s']:.2f}x, "
                  f"peak {r['peak_rss_mb'] / d['peak_rss_mb']:.2f}x, k {d['k']} -> {r['k']}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
