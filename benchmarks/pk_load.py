"""Proving-key load time and size, and the trade-off of storing the key's
extended-coset forms instead of recomputing them.

    python benchmarks/pk_load.py --build BUILD            # a build after zkir setup
    python benchmarks/pk_load.py --model cnn_cifar        # compile + setup a benchmarks/models.py model first
    python benchmarks/pk_load.py --build BUILD --prove    # also one proof (its phases, and load / prove)

Prints, wall and CPU seconds (CPU: this process, so a busy machine shows): the
load of pk.bin (read, checksum, parse, checks, the sigma gather), the expansion
prove does once (ProvingKey.expand: an iNTT and a coset NTT per non-zero fixed
and sigma column, on the thread pool), pk.bin's size against the version-3
layout (32 bytes a fixed cell, 8 a permutation entry) and the model's weights,
and what storing the coefficient and coset forms would cost: their bytes, and
the time to read that many bytes back from a file (warm page cache: the best
case for storing). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _build_model(name: str, out: Path) -> Path:
    import models  # benchmarks/models.py

    from zkir import workflow as W

    paths = models.write(out / "models")
    build = out / name
    W.compile_model(paths[name], build, W.CompileOptions())
    W.setup(build, insecure_test_srs=True)
    return build


def measure(build: Path, prove: bool) -> dict:
    import numpy as np

    from zkir import workflow as W
    from zkir.prover import field as F

    F.from_int64(np.arange(5000))  # JIT caches, not the key, in what follows
    pk, load_s, load_cpu = _timed(lambda: W._load_proving_key(build))
    vk, cs = pk.vk, pk.vk.cs
    n, ext_n = vk.domain.n, vk.domain.ext_n
    _, exp_s, exp_cpu = _timed(pk.expand)
    nonzero = sum(1 for v in pk.fixed_values + pk.sigma_values if not F.is_zero(v).all()) + 3
    stored = nonzero * 32 * (n + ext_n)
    # read `stored` bytes back from a file: the best case of keeping the forms on disk
    with tempfile.NamedTemporaryFile(dir=build) as f:
        block = np.random.default_rng(0).integers(0, 2**63, (1 << 22) // 8, dtype=np.uint64)
        written = 0
        while written < stored:
            f.write(block.tobytes())
            written += block.nbytes
        f.flush()
        os.fsync(f.fileno())
        _, read_s, read_cpu = _timed(lambda: np.fromfile(f.name, dtype=np.uint64))
    plan = W._plan(build)
    pk_bytes = (build / "pk.bin").stat().st_size
    ne = len(cs.equality)
    v3_bytes = 32 * n * cs.num_fixed + 8 * ne * n + 32 * sum(len(b) for b in pk.pinned_blinding.values())
    out = {
        "build": str(build), "k": vk.k, "fixed": cs.num_fixed, "equality": ne, "advice": cs.num_advice,
        "pk_bytes": pk_bytes, "pk_v3_bytes": v3_bytes, "weight_bytes": 4 * W.weight_count(plan),
        "load_s": round(load_s, 2), "load_cpu_s": round(load_cpu, 2),
        "expand_s": round(exp_s, 2), "expand_cpu_s": round(exp_cpu, 2), "expanded_columns": nonzero,
        "stored_forms_bytes": stored, "stored_read_s": round(read_s, 2), "stored_read_cpu_s": round(read_cpu, 2),
        "threads": os.environ.get("ZKIR_PROVER_THREADS") or min(os.cpu_count() or 1, 8),
        "load_average": os.getloadavg()[0],
    }
    if prove:
        del pk
        inputs = json.loads((build / "bench_input.json").read_text()) if (build / "bench_input.json").exists() else None
        if inputs is None:
            settings = W.Settings.load(build)
            rng = np.random.default_rng(0)
            inputs = {i.name: rng.random(i.shape).tolist() for i in settings.inputs}
        cpu = time.process_time()
        r = W.prove(build, inputs, build / "bench_proof.bin")
        out["prove_cpu_s"] = round(time.process_time() - cpu, 2)
        out["prove_timings"] = {k: round(v, 2) for k, v in r.timings.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, help="a build directory after zkir setup")
    parser.add_argument("--model", help="compile and set up this benchmarks/models.py model (in a temporary directory)")
    parser.add_argument("--prove", action="store_true", help="also prove once")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    if args.build is None and args.model is None:
        parser.error("give --build or --model")
    with tempfile.TemporaryDirectory() as tmp:
        build = args.build or _build_model(args.model, Path(tmp))
        r = measure(build, args.prove)
    mib = 2**20
    print(f"k={r['k']}: {r['fixed']} fixed, {r['equality']} equality, {r['advice']} advice columns "
          f"(load average {r['load_average']:.1f}, {r['threads']} prover threads)")
    print(f"pk.bin {r['pk_bytes'] / mib:.1f} MiB (version-3 layout: {r['pk_v3_bytes'] / mib:.1f} MiB); "
          f"model weights {r['weight_bytes'] / mib:.2f} MiB as float32")
    print(f"load {r['load_s']:.2f} s (cpu {r['load_cpu_s']:.2f} s); expansion {r['expand_s']:.2f} s "
          f"(cpu {r['expand_cpu_s']:.2f} s) of {r['expanded_columns']} columns")
    print(f"storing those forms instead: {r['stored_forms_bytes'] / mib:.0f} MiB more in pk.bin, read back in "
          f"{r['stored_read_s']:.2f} s (warm cache)")
    if "prove_timings" in r:
        t = r["prove_timings"]
        print(f"prove {t['prove']:.2f} s (cpu {r['prove_cpu_s']:.2f} s), load {t['load']:.2f} s "
              f"= {100 * t['load'] / t['prove']:.1f}% of prove; load + expansion "
              f"{100 * (t['load'] + t.get('prove_key_expansion', 0.0)) / t['prove']:.1f}%")
        print("phases: " + ", ".join(f"{k.removeprefix('prove_')} {v:.2f}" for k, v in t.items() if k.startswith("prove_")))
    print(json.dumps(r))


if __name__ == "__main__":
    main()
