"""`zkir report` explains the circuit: shares that sum to 100%, lookups per
layer, the predicted cost, and hints whose effect is found by compiling again."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from zkir import tuning
from zkir import workflow as W
from zkir.tools.cli import main


def _exp_model(path: Path) -> Path:
    """x @ w, then exp: a nonlinearity that never saturates, so its table has
    2^table_bits rows and sets k (17 at the default 16 bits)."""
    w = (np.random.default_rng(0).standard_normal((8, 4)) * 0.3).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"), helper.make_node("Exp", ["h"], ["y"], name="act")],
        "exp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def _report(capsys, build: Path, *flags: str) -> dict:
    assert main(["report", str(build), "--json", "-q", *flags]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_shares_sum_to_one_and_lookups_are_counted(tmp_path, capsys):
    model, build = tmp_path / "mlp.onnx", tmp_path / "b"
    tuning._mlp(model, 8, 4, seed=0)
    W.compile_model(model, build, W.CompileOptions(layout_search=False))
    data = _report(capsys, build)
    layers = {row["placement"]: row for row in data["layers"]}
    assert sum(row["share"] for row in data["layers"]) == pytest.approx(1.0, abs=1e-3)
    # the weights' band and the gadgets' band both count, but each cell once
    assert all(row["share"] == 0 for row in data["layers"] if row["columns"] != "advice")
    rescales = [row for row in layers.values() if row["gadget"] == "rescale"]
    assert rescales and all(row["lookups"] > 0 for row in rescales)  # their range checks
    assert all(row["lookups"] == 0 for row in layers.values() if row["gadget"] in ("dot", "constant", "input"))
    predicted = data["predicted"]
    assert predicted["prove_seconds"] > 0 and predicted["memory_bytes"] > 0 and data["hints"] == []


@pytest.mark.slow
def test_a_table_that_sets_k_gets_a_table_bits_hint_that_compiling_confirms(tmp_path, capsys):
    model = _exp_model(tmp_path / "exp.onnx")
    W.compile_model(model, tmp_path / "b16", W.CompileOptions())
    data = _report(capsys, tmp_path / "b16")
    assert data["k"] == 17 and "lookup table" in data["what_sets_k"]
    assert any(row["gadget"] == "lookup" and row["lookups"] == 4 for row in data["layers"])  # 4 values through exp
    (hint,) = data["hints"]
    assert hint["flag"] == "--table-bits 12" and hint["predicted"]["k"] < 17
    assert hint["predicted"]["prove_seconds"] < data["predicted"]["prove_seconds"]
    # the hint's k is what compiling with the flag gives
    s = W.compile_model(model, tmp_path / "b12", W.CompileOptions(table_bits=12))
    assert s.k == hint["predicted"]["k"]
    assert _report(capsys, tmp_path / "b16", "--no-hints")["hints"] == []
    assert main(["report", str(tmp_path / "b16"), "-q"]) == 0
    out = capsys.readouterr().out
    assert f"--table-bits 12 gives k={s.k}" in out and "predicted proving:" in out


def test_mock_says_how_far_the_fixed_point_output_is_from_float(tmp_path, capsys):
    from zkir.frontends import load_model
    from zkir.interpreter.float_interp import run_float

    model, build = tmp_path / "mlp.onnx", tmp_path / "b"
    tuning._mlp(model, 8, 4, seed=1)
    W.compile_model(model, build, W.CompileOptions(layout_search=False, scale_bits=6))
    x = np.random.default_rng(2).uniform(-1, 1, (1, 8))
    (tmp_path / "x.json").write_text(json.dumps(x.tolist()))
    assert main(["mock", str(build), "--input", str(tmp_path / "x.json"), "--json", "-q"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["satisfied"]
    expected = np.abs(np.asarray(record["outputs"]["y"]["value"]) - run_float(load_model(model), x.astype(np.float32))[0])
    assert record["float_error"]["y"] == pytest.approx(float(expected.max()))
    assert 0 < record["float_error"]["y"] < 0.5  # rounding at 6 fraction bits: not zero, not wild
    assert main(["mock", str(build), "--input", str(tmp_path / "x.json"), "-q"]) == 0
    assert "fixed point vs the float model on this input (max |error|): y " in capsys.readouterr().out
