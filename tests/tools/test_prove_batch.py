"""`zkir prove` with several inputs (--input repeated, or --samples): one proof
per input, the plan built and the proving key loaded once, every proof bound
to its own input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zkir import tuning
from zkir import workflow as W
from zkir.backend_halo2.circuit_plan import CircuitPlan
from zkir.interpreter.fixed_interp import run_fixed
from zkir.ir_io import read_module
from zkir.tools.cli import main
from zkir.tools.cli_proofs import proof_paths

FEATURES = 8


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    model, build = root / "model.onnx", root / "build"
    tuning._mlp(model, FEATURES, 4, seed=3)
    assert main(["compile", str(model), "-o", str(build), "--no-layout-search", "-q"]) == 0
    assert main(["setup", str(build), "--insecure-test-srs", "-q"]) == 0
    return build


def _inputs(tmp_path: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(11)
    paths = []
    for i in range(n):
        path = tmp_path / f"in{i}.json"
        path.write_text(json.dumps(rng.uniform(-1, 1, (1, FEATURES)).round(3).tolist()))
        paths.append(path)
    return paths


def _expected(build: Path, path: Path) -> list[int]:
    x = np.asarray(json.loads(path.read_text()), np.float32)
    return run_fixed(read_module(build / W.LEVELS[1]), x)[0].raw.tolist()


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.strip().splitlines()]


def test_several_inputs_give_one_proof_each_with_the_key_loaded_once(build, tmp_path, capsys, monkeypatch):
    inputs = _inputs(tmp_path, 3)
    loads, plans = [], []
    load, init = W._load_proving_key, CircuitPlan.__init__
    monkeypatch.setattr(W, "_load_proving_key", lambda b: loads.append(1) or load(b))
    monkeypatch.setattr(CircuitPlan, "__init__", lambda self, c: plans.append(1) or init(self, c))
    argv = ["prove", str(build), "-o", str(tmp_path / "proofs"), "--json", "-q"]
    for path in inputs:
        argv += ["--input", str(path)]
    assert main(argv) == 0
    assert len(loads) == 1 and len(plans) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [r["proof"] for r in records] == [str(tmp_path / "proofs" / f"proof-{i}.bin") for i in range(3)]
    outputs = [r["outputs"]["y"]["raw"] for r in records]
    assert len({json.dumps(o) for o in outputs}) == 3  # three inputs, three different outputs
    for i, (record, path) in enumerate(zip(records, inputs)):
        proof = Path(record["proof"])
        assert record["proof_bytes"] == proof.stat().st_size
        assert record["outputs"]["y"]["raw"] == _expected(build, path)
        v = W.verify(build, proof, allow_insecure_srs=True, inputs=json.loads(path.read_text()))
        assert v.verified, v.failed_check
        # each proof is bound to its own input: checked against another one, it is rejected
        other = json.loads(inputs[(i + 1) % 3].read_text())
        assert not W.verify(build, proof, allow_insecure_srs=True, inputs=other).verified


def test_samples_file_numbers_the_proofs_beside_the_given_name(build, tmp_path, capsys):
    inputs = _inputs(tmp_path, 2)
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps([json.loads(p.read_text())[0] for p in inputs]))  # without the batch axis
    assert main(["prove", str(build), "--samples", str(samples), "-o", str(tmp_path / "p.bin"), "--json", "-q"]) == 0
    records = _json_lines(capsys.readouterr().out)
    assert [r["proof"] for r in records] == [str(tmp_path / "p-0.bin"), str(tmp_path / "p-1.bin")]
    for record, path in zip(records, inputs):
        assert record["outputs"]["y"]["raw"] == _expected(build, path)
        assert W.verify(build, record["proof"], allow_insecure_srs=True).verified


def test_one_input_writes_the_named_file_as_before(build, tmp_path, capsys):
    (path,) = _inputs(tmp_path, 1)
    assert main(["prove", str(build), "--input", str(path), "-o", str(tmp_path / "one.bin"), "--json", "-q"]) == 0
    (record,) = _json_lines(capsys.readouterr().out)
    assert record["proof"] == str(tmp_path / "one.bin") and record["proof_bytes"] == (tmp_path / "one.bin").stat().st_size
    assert proof_paths("x/proof.bin", 1) == ["x/proof.bin"]


def test_a_bad_input_among_several_is_refused_before_any_proof(build, tmp_path, capsys):
    good, bad = _inputs(tmp_path, 2)
    bad.write_text(json.dumps(np.zeros((1, FEATURES + 1)).tolist()))
    out = tmp_path / "proofs"
    assert main(["prove", str(build), "--input", str(good), "--input", str(bad), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "input 2 of 2" in err and "shape" in err
    assert not list(out.glob("*.bin"))
    with pytest.raises(SystemExit) as e:  # one or the other: argparse's usage error
        main(["prove", str(build), "--input", str(good), "--samples", str(good), "-q"])
    assert e.value.code == 2 and "not allowed with" in capsys.readouterr().err
