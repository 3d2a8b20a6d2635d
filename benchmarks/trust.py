"""What the trust work costs: prove and verify time with zero-knowledge private
weights, against a baseline tree (the commit before them), on the same models in
the same run; and setup time on the Ethereum ceremony's SRS.

    python benchmarks/trust.py                              # this tree only
    python benchmarks/trust.py --baseline /tmp/zkir-base    # and a checkout of an older commit
    python benchmarks/trust.py --models digits_mlp --proofs 5

Each (tree, model) runs in a fresh process with that tree first on sys.path, so
both use only the API they share (compile_model, setup, prove, verify).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = {
    "digits_mlp": ("examples/digits_mlp/model.onnx", [1, 64]),
    "cnn_cifar": (None, [1, 3, 32, 32]),  # built by benchmarks/models.py
}


def _model_path(name: str, work: Path) -> tuple[Path, object]:
    path, shape = MODELS[name]
    if path is not None:
        x = json.loads((ROOT / Path(path).parent / "input.json").read_text())
        return ROOT / path, x
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import models  # noqa: PLC0415

    out = models.write(work)
    return out[name], models.sample_input(name).tolist()


def measure(name: str, proofs: int, srs: str | None) -> dict:
    """Runs inside the tree under test."""
    import zkir
    from zkir import workflow as W

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model, x = _model_path(name, work)
        build = work / "build"
        s = W.compile_model(model, build, W.CompileOptions(input_shapes=MODELS[name][1]))
        t = time.perf_counter()
        if srs:
            W.setup(build, srs)
        else:
            W.setup(build)
        setup_s = time.perf_counter() - t
        prove_s = []
        for _ in range(proofs):
            r = W.prove(build, x, build / "proof.bin")
            prove_s.append(r.timings["prove"])
        verify_ms = []
        for _ in range(5):
            v = W.verify(build, build / "proof.bin")
            assert v.verified, v.failed_check
            verify_ms.append(v.timings["verify"] * 1000)
        return {
            "model": name, "zkir": str(Path(zkir.__file__).parent), "k": s.k, "setup_s": setup_s, "prove_s": statistics.median(prove_s),
            "verify_ms": statistics.median(verify_ms[1:]), "proof_bytes": (build / "proof.bin").stat().st_size,
        }


def run(tree: Path, name: str, proofs: int, srs: str | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", name, "--proofs", str(proofs)]
    if srs:
        cmd += ["--srs", srs]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree)
    if out.returncode:
        raise SystemExit(f"{tree}: {name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, help="a checkout of the commit to compare with")
    ap.add_argument("--models", default="digits_mlp,cnn_cifar")
    ap.add_argument("--proofs", type=int, default=3, help="proofs per model (the median is printed)")
    ap.add_argument("--srs", help="an SRS file for setup (e.g. from zkir srs import-ethereum)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.proofs, args.srs)))
        return
    trees = [("this tree", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    rows = []
    for name in args.models.split(","):
        for label, tree in trees:
            srs = args.srs if label == "this tree" else None
            print(f"... {name} in {label}", file=sys.stderr, flush=True)
            rows.append((label, run(tree, name, args.proofs, srs)))
    print(f"{'model':12s} {'tree':10s} {'k':>3s} {'setup s':>8s} {'prove s':>8s} {'verify ms':>9s} {'proof B':>8s}")
    for label, m in rows:
        print(f"{m['model']:12s} {label:10s} {m['k']:3d} {m['setup_s']:8.2f} {m['prove_s']:8.2f} "
              f"{m['verify_ms']:9.1f} {m['proof_bytes']:8d}")
    if args.baseline:
        by = {(label, m["model"]): m for label, m in rows}
        for name in args.models.split(","):
            new, old = by[("this tree", name)], by[("baseline", name)]
            print(f"{name}: prove {new['prove_s'] / old['prove_s']:.2f}x, verify "
                  f"{new['verify_ms'] / old['verify_ms']:.2f}x, proof {new['proof_bytes'] / old['proof_bytes']:.2f}x "
                  "the baseline's")


if __name__ == "__main__":
    main()
