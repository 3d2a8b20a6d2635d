"""Measure the cost model's tuning points: prove small circuits on this machine.

Why real zkir circuits rather than micro-benchmarks of MSM and NTT alone: the
phases also pay for expression evaluation, lookups and Python overhead, which
only a whole proof shows. Each tuning point is a seeded random MLP
(onnx.helper, no files shipped) compiled under one layout, set up and proven,
the prove step in a fresh process so its peak memory is its own.
zkir.cost.fit fits the constants to what `measure` returns.

Why here, beside zkir.workflow and not in zkir.cost: it runs whole workflow
steps, and the cost model sits below the passes that read it (the layout
search), so zkir.cost must not import the workflow.

`zkir tune` runs this and saves the fit; `benchmarks/prover.py
--tune` prints the same fit.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from zkir.child_steps import peak_rss_bytes, run_json_step
from zkir.cost.model import PHASES, CircuitFeatures

Point = tuple[int, int, int, int, bool]
"""(inputs, hidden, columns, items_per_row, share_lookups) of one tuning MLP."""

# k from 10 to 15
POINTS: tuple[Point, ...] = (
    (64, 32, 12, 0, True),
    (256, 64, 12, 0, True),
    (256, 64, 12, 0, False),
    (256, 64, 32, 1, True),
    (512, 128, 24, 2, True),
    (784, 128, 64, 1, True),
    (784, 128, 12, 0, True),
    (1024, 256, 12, 0, False),
)
QUICK = POINTS[:4]


def _mlp(path: Path, inputs: int, hidden: int, seed: int) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((inputs, hidden)) * np.sqrt(2 / inputs)).astype(np.float32)
    w2 = (rng.standard_normal((hidden, 10)) * np.sqrt(2 / hidden)).astype(np.float32)
    b1, b2 = np.zeros(hidden, np.float32), np.zeros(10, np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
            helper.make_node("Relu", ["h"], ["r"]),
            helper.make_node("Gemm", ["r", "w2", "b2"], ["y"]),
        ],
        "tuning_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, inputs])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def _run_child(args: list[str]) -> dict:
    """Run one step of a point in a fresh interpreter."""
    return run_json_step([sys.executable, "-m", "zkir.tuning", *args], f"tuning step {args[0]}")


def _child(argv: list[str]) -> dict:
    """compile+setup (step "setup") or prove (step "prove") of one point."""
    from zkir import workflow

    step, build = argv[0], Path(argv[1])
    if step == "setup":
        inputs, hidden, columns, items, share = json.loads(argv[2])
        model = build / "model.onnx"
        _mlp(model, inputs, hidden, seed=inputs * 1000 + hidden)
        options = workflow.CompileOptions(
            columns=columns, items_per_row=items, share_lookups=bool(share), layout_search=False, weights="fixed"
        )
        _, plan = workflow.compile_circuit(model, build, options)
        workflow.setup(build, plan=plan)
        return {}

    settings = workflow.Settings.load(build)
    x = np.random.default_rng(0).random(settings.inputs[0].shape).tolist()
    plan = workflow._plan(build)
    result = workflow.prove(build, x, build / "proof.bin", plan=plan)
    features = CircuitFeatures.of(plan.cs, settings.k)
    phases = {p: result.timings.get(f"prove_{p}", 0.0) for p in PHASES}
    return {"features": asdict(features), "phases": phases, "rss": peak_rss_bytes()}


def measure(
    points: Sequence[Point] = POINTS, progress: Callable[[str], None] = lambda s: None
) -> list[dict]:
    """Prove every tuning point; their features, phase seconds and peak RSS."""
    out = []
    with tempfile.TemporaryDirectory(prefix="zkir-tune-") as tmp:
        for i, point in enumerate(points):
            build = Path(tmp) / f"p{i}"
            build.mkdir()
            progress(f"tuning point {i + 1}/{len(points)}: MLP {point[0]}x{point[1]}, "
                     f"{point[2]} columns, items {point[3] or 'all'}, lookups {'shared' if point[4] else 'per gadget'}")
            _run_child(["setup", str(build), json.dumps(point)])
            out.append(_run_child(["prove", str(build)]))
    return out


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1:])))
