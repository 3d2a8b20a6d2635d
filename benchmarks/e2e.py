"""End-to-end figures per shipped model: circuit size, compile/setup/prove/verify
times, proof bytes, peak memory, and the proven output's error against float.

    python benchmarks/e2e.py                 # every example model
    python benchmarks/e2e.py --models digits_mlp.onnx

Each model runs in its own process, so the peak RSS printed is that model's.
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


def measure(name: str, scale_bits: int, columns: int) -> dict:
    import numpy as np

    from zkir import workflow as W
    from zkir.interpreter.float_interp import run_float
    from zkir.frontends import load_model

    path, shape, input_file = MODELS[name]
    x = json.loads((EXAMPLES / Path(path).parent / input_file).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp)
        t = time.perf_counter()
        s = W.compile_model(EXAMPLES / path, build, W.CompileOptions(scale_bits=scale_bits, columns=columns, input_shapes=shape))
        compile_s = time.perf_counter() - t
        t = time.perf_counter()
        W.setup(build)
        setup_s = time.perf_counter() - t
        r = W.prove(build, x, build / "proof.bin")
        v = W.verify(build, build / "proof.bin")
        assert v.verified, v.failed_check
        v = W.verify(build, build / "proof.bin")  # the second call: kernels loaded
        floats = run_float(load_model(EXAMPLES / path, shape), np.asarray(x, dtype=np.float32))
        (proven,) = r.outputs.values()
        error = float(np.abs(np.asarray(proven["value"]) - floats[0]).max())
    return {
        "model": name,
        "k": s.k,
        "rows": s.rows,
        "advice": s.advice_columns,
        "lookups": s.lookups,
        "compile_s": compile_s,
        "setup_s": setup_s,
        "prove_s": r.timings["prove"],
        "witness_s": r.timings["witness"],
        "verify_ms": v.timings["verify"] * 1000,
        "proof_bytes": r.proof_bytes,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "max_abs_error": error,
        "phases": {k.removeprefix("prove_"): round(t, 3) for k, t in r.timings.items() if k.startswith("prove_")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, from: " + ", ".join(MODELS))
    parser.add_argument("--scale-bits", type=int, default=8)
    parser.add_argument("--columns", type=int, default=12)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.scale_bits, args.columns)))
        return
    header = (
        f"{'model':18s} {'k':>3s} {'rows':>7s} {'adv':>4s} {'lkps':>5s} {'compile s':>9s} {'setup s':>8s} "
        f"{'prove s':>8s} {'verify ms':>9s} {'proof B':>8s} {'peak MB':>8s} {'|err|':>8s}"
    )
    print(header)
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name}; choose from {', '.join(MODELS)}")
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--scale-bits", str(args.scale_bits), "--columns", str(args.columns)],
            capture_output=True,
            text=True,
        )
        if out.returncode:
            print(f"{name:18s} failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
            continue
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{m['model']:18s} {m['k']:3d} {m['rows']:7d} {m['advice']:4d} {m['lookups']:5d} {m['compile_s']:9.2f} "
            f"{m['setup_s']:8.2f} {m['prove_s']:8.2f} {m['verify_ms']:9.1f} {m['proof_bytes']:8d} "
            f"{m['peak_rss_mb']:8.0f} {m['max_abs_error']:8.4f}"
        )
        print(f"{'':18s} prove phases (s): {m['phases']}")


if __name__ == "__main__":
    main()
