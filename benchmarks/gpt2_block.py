"""Prove one tiny-GPT-2 transformer block for real and print the figures.

    python benchmarks/gpt2_block.py [--block 0|1]

Heavy: at k=18 with 48 lookup arguments it took 75 s keygen, about 3 min prove
and 13.6 GB peak RSS on this machine kind; the test suite runs the mock prover instead.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--block", type=int, default=0, choices=(0, 1))
    args = parser.parse_args()

    import zkir
    from gpt2_blocks import block_model
    from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
    from zkir.backend_halo2.witness import compute_witness
    from zkir.frontends import load_model
    from zkir.interpreter.rounding import quantize
    from zkir.prover import SRS, keygen, prove, verify

    path = Path(tempfile.mkdtemp()) / "block.onnx"
    hidden = block_model(args.block, path)
    module = load_model(path)
    zkir.pipeline(
        "ml-canonicalize,ml-quantize{scale-bits=8},ml-canonicalize,convert-ml-to-gadget,"
        "gadget-canonicalize,convert-gadget-to-plonk{range-bits=12}"
    ).run(module)
    plan = CircuitPlan(find_circuit(module))
    print(f"block {args.block}: k={plan.k}, {plan.rows_used()} rows, {plan.cs.num_advice} advice columns, "
          f"{len(plan.cs.lookups)} lookups", flush=True)
    witness = compute_witness(plan, [quantize(hidden, 8)])
    t = time.perf_counter()
    srs = SRS.insecure_from_seed(plan.k)
    print(f"srs {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    pk, vk = keygen(srs, plan.cs, plan.fixed_columns(), plan.copy_constraints(), pinned=plan.pinned_advice())
    print(f"keygen {time.perf_counter() - t:.1f} s", flush=True)
    phases: dict[str, float] = {}
    t = time.perf_counter()
    proof = prove(pk, witness.advice, witness.instance, timings=phases)
    print(f"prove {time.perf_counter() - t:.1f} s  phases {{{', '.join(f'{k}: {v:.1f}' for k, v in phases.items())}}}")
    t = time.perf_counter()
    verify(vk, witness.instance, proof, allow_insecure_srs=True)
    print(f"verify {1000 * (time.perf_counter() - t):.1f} ms, proof {len(proof)} B, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
