"""Each `zkir` command builds the circuit's CircuitPlan once (it is costly on big
models), and a plan handed down gives the same keys as one built from the file."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from zkir import tuning
from zkir import workflow as W
from zkir.backend_halo2.circuit_plan import CircuitPlan
from zkir.tools.cli import main

POINT = (8, 4, 12, 0, True)
"""A tuning MLP small enough to compile, set up and prove in about a second."""


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts CircuitPlan constructions: one entry per build."""
    made: list[int] = []
    init = CircuitPlan.__init__

    def counting(self, circuit):
        made.append(1)
        init(self, circuit)

    monkeypatch.setattr(CircuitPlan, "__init__", counting)
    return made


def _once(builds: list[int], *argv: str) -> None:
    builds.clear()
    assert main([*argv, "-q"]) in (0, 1)
    assert len(builds) == 1, f"zkir {argv[0]} built the circuit plan {len(builds)} times"


def test_every_command_builds_the_plan_once(tmp_path, builds):
    model, build = tmp_path / "model.onnx", tmp_path / "build"
    tuning._mlp(model, POINT[0], POINT[1], seed=0)
    inputs = tmp_path / "input.json"
    inputs.write_text(json.dumps(np.random.default_rng(0).random((1, POINT[0])).tolist()))
    _once(builds, "compile", str(model), "-o", str(build), "--no-layout-search")
    _once(builds, "setup", str(build), "--insecure-test-srs")
    _once(builds, "prove", str(build), "--input", str(inputs), "-o", str(tmp_path / "proof.bin"))
    _once(builds, "mock", str(build), "--input", str(inputs))
    _once(builds, "report", str(build))


def test_tuning_steps_build_the_plan_once(tmp_path, builds):
    build = tmp_path / "p"
    build.mkdir()
    for argv in (["setup", str(build), json.dumps(POINT)], ["prove", str(build)]):
        builds.clear()
        tuning._child(argv)
        assert len(builds) == 1, f"tuning step {argv[0]} built the circuit plan {len(builds)} times"


def test_setup_with_the_compile_plan_makes_the_same_keys(tmp_path, monkeypatch):
    # keygen blinds the pinned columns with fresh randomness: seed it, so the
    # keys of the two setups can be compared byte for byte
    keygen_module = importlib.import_module("zkir.prover.keygen")
    monkeypatch.setattr(keygen_module, "OsRandom", lambda: np.random.default_rng(0))
    model = tmp_path / "model.onnx"
    tuning._mlp(model, POINT[0], POINT[1], seed=0)
    options = W.CompileOptions(layout_search=False)
    keys: list[tuple[bytes, bytes]] = []
    for handed_down in (False, True):
        build = tmp_path / f"b{int(handed_down)}"
        _, plan = W.compile_circuit(model, build, options)
        W.setup(build, insecure_test_srs=True, plan=plan if handed_down else None)
        keys.append(((build / "vk.bin").read_bytes(), (build / "pk.bin").read_bytes()))
    assert keys[0] == keys[1]
