"""`zkir import` / `zkir run`: outputs, and one clear line per bad input (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from zkir.tools.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "frontends"))
from onnx_helpers import make_model  # noqa: E402

EXAMPLES = Path(__file__).parents[2] / "examples"
MLP = EXAMPLES / "digits_mlp"


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _bad(capsys, *argv) -> str:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_run_float_matches_the_expected_output(capsys):
    code, out, _ = _run(capsys, "run", str(MLP / "model.onnx"), "--input", str(MLP / "input.json"))
    assert code == 0
    got = np.asarray(json.loads(out)["logits"])
    expected = np.asarray(json.loads((MLP / "expected.json").read_text())["output"])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_run_fixed_point_prints_values_and_raw_integers(capsys):
    code, out, _ = _run(
        capsys, "run", str(MLP / "model.onnx"), "--input", str(MLP / "input.json"), "--scale-bits", "8"
    )
    assert code == 0
    res = json.loads(out)["logits"]
    raw, value = np.asarray(res["raw"]), np.asarray(res["value"])
    assert res["scale"] == 8 and raw.dtype.kind == "i"
    np.testing.assert_array_equal(value, raw / 256)
    expected = np.asarray(json.loads((MLP / "expected.json").read_text())["output"])
    assert value.argmax() == expected.argmax() and np.abs(value - expected).max() < 0.5


def test_import_writes_mlir_that_runs_with_named_inputs(tmp_path, capsys):
    out_path = tmp_path / "mlp.mlir"
    code, _, _ = _run(capsys, "import", str(MLP / "model.onnx"), "--input-shape", "pixels=1,64", "-o", str(out_path))
    assert code == 0 and "ml.matmul" in out_path.read_text()
    x = json.loads((MLP / "input.json").read_text())
    named = tmp_path / "named.json"
    named.write_text(json.dumps({"pixels": x}))
    code, out, _ = _run(capsys, "run", str(out_path), "--input", str(named))
    assert code == 0 and len(json.loads(out)["logits"][0]) == 10
    code, out, _ = _run(capsys, "import", str(EXAMPLES / "digits_cnn" / "model.onnx"), "--input-shape", "1,1,8,8")
    assert code == 0 and out.startswith("builtin.module") and "ml.conv2d" in out


def test_not_a_model(tmp_path, capsys):
    junk = tmp_path / "notes.onnx"
    junk.write_text("these are my notes, not a network")
    assert "not" in _bad(capsys, "import", str(junk))
    other = tmp_path / "model.xyz"
    other.write_text("?")
    assert "not a model file" in _bad(capsys, "import", str(other))
    assert "no such file" in _bad(capsys, "import", str(tmp_path / "missing.onnx"))


def test_truncated_model(tmp_path, capsys):
    data = (EXAMPLES / "digits_cnn" / "model.onnx").read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    _bad(capsys, "import", str(cut), "--input-shape", "1,1,8,8")


def test_unreadable_opset(tmp_path, capsys):
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", [4])], [("y", None)], opset=99)
    path = tmp_path / "future.onnx"
    path.write_bytes(model.SerializeToString())
    assert "opset 99 is not supported" in _bad(capsys, "import", str(path))


def test_dynamic_batch_without_input_shape_is_one_and_said(capsys):
    code, out, err = _run(capsys, "import", str(MLP / "model.onnx"))
    assert code == 0 and "tensor<1x64xf32>" in out
    assert err.count("\n") == 1 and err.startswith("zkir import: note: dynamic batch dimension set to 1")


def test_every_input_with_other_dynamic_dimensions_is_in_one_error(tmp_path, capsys):
    nodes = [helper.make_node("Add", ["a", "b"], ["y"], name="add")]
    model = make_model(nodes, [("a", ["N", "seq"]), ("b", ["N", "seq"])], [("y", None)])
    path = tmp_path / "seq.onnx"
    path.write_bytes(model.SerializeToString())
    err = _bad(capsys, "import", str(path))
    assert "dynamic shape" in err and "--input-shape a=1,seq --input-shape b=1,seq" in err
    code, out, _ = _run(capsys, "import", str(path), "--input-shape", "a=1,5", "--input-shape", "b=1,5")
    assert code == 0 and "tensor<1x5xf32>" in out


def test_wrong_input_shape(tmp_path, capsys):
    mlir = tmp_path / "mlp.mlir"
    assert main(["import", str(MLP / "model.onnx"), "--input-shape", "1,64", "-o", str(mlir)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(np.zeros((2, 32)).tolist()))
    assert "expects [1, 64]" in _bad(capsys, "run", str(mlir), "--input", str(bad))
    assert "does not fit" in _bad(capsys, "run", str(EXAMPLES / "digits_cnn" / "model.onnx"), "--input", str(bad))
    ragged = tmp_path / "ragged.json"
    ragged.write_text("[[1, 2], [3]]")
    assert "ragged" in _bad(capsys, "run", str(mlir), "--input", str(ragged))
    broken = tmp_path / "broken.json"
    broken.write_text("[[1, 2")
    assert "not valid JSON" in _bad(capsys, "run", str(mlir), "--input", str(broken))


def test_console_entry_point_exit_code_and_stderr(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07garbage")
    proc = subprocess.run(
        [sys.executable, "-m", "zkir.tools.cli", "import", str(junk)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("zkir import: error:") and proc.stderr.count("\n") == 1


def test_invalid_mlir_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.mlir"
    bad.write_text(
        "func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %y = ml.reshape %x : tensor<4xf32> -> tensor<5xf32>\n"
        "  func.return %x : tensor<4xf32>\n}\n"
    )
    inp = tmp_path / "x.json"
    inp.write_text("[1, 2, 3, 4]")
    assert "cannot reshape [4]" in _bad(capsys, "run", str(bad), "--input", str(inp))
    bad.write_text("this is { not mlir")
    assert "not valid MLIR" in _bad(capsys, "run", str(bad), "--input", str(inp))


def test_run_gpt2_with_integer_token_input(capsys):
    gpt2 = EXAMPLES / "gpt2_tiny"
    code, out, _ = _run(capsys, "run", str(gpt2 / "model.onnx"), "--input", str(gpt2 / "input.json"), "--scale-bits", "12")
    assert code == 0
    res = json.loads(out)["logits"]
    assert np.asarray(res["raw"]).shape == (1, 16, 256) and res["scale"] == 12
    code, out, _ = _run(capsys, "run", str(gpt2 / "model.onnx"), "--input", str(gpt2 / "input.json"))
    floats = np.asarray(json.loads(out)["logits"])
    assert np.abs(np.asarray(res["value"]) - floats).max() < 0.05
