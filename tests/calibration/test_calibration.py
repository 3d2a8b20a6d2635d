"""Calibration from data: samples size the tables, the accuracy is reported,
and an input beyond the calibrated tables fails before any proving work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from zkir import workflow as W
from zkir.backend_halo2.witness import OutOfRangeError
from zkir.calibration import CalibrationError, load_samples
from zkir.dialects import gadget
from zkir.ir_io import read_module
from zkir.tools.cli import main


def _tanh_mlp(path: Path) -> Path:
    rng = np.random.default_rng(5)
    w1 = (rng.standard_normal((8, 6)) * 0.4).astype(np.float32)
    w2 = (rng.standard_normal((6, 3)) * 0.4).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
            helper.make_node("Tanh", ["h"], ["t"], name="tanh1"),
            helper.make_node("MatMul", ["t", "w2"], ["z"], name="fc2"),
            helper.make_node("Sigmoid", ["z"], ["y"], name="sigmoid2"),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cal")
    model = _tanh_mlp(tmp / "mlp.onnx")
    rng = np.random.default_rng(9)
    samples = tmp / "samples.json"
    samples.write_text(json.dumps([rng.uniform(-0.5, 0.5, (1, 8)).tolist() for _ in range(6)]))
    plain = W.compile_model(model, tmp / "plain", W.CompileOptions(layout_search=False))
    cal = W.compile_model(model, tmp / "cal", W.CompileOptions(layout_search=False, calibration=str(samples)))
    return tmp, model, samples, plain, cal


def test_samples_shrink_the_tables_and_the_accuracy_is_saved(calibrated):
    tmp, _, _, plain, cal = calibrated
    assert cal.k <= plain.k <= 12  # saturation-sized tables even without samples
    lookups = [op for op in read_module(tmp / "cal" / W.LEVELS[2]).walk() if isinstance(op, gadget.LookupOp)]
    sizes = {op.fn.data: op.get_table_range() for op in lookups}
    assert set(sizes) == {"tanh", "sigmoid"}
    for lo, hi in sizes.values():
        assert lo <= 0 <= hi and hi - lo < 1000
    report = json.loads((tmp / "cal" / W.CALIBRATION_FILE).read_text())
    assert report["samples"] == 6 and report["outputs"][0]["max_abs"] < 0.05
    assert [layer["name"] for layer in report["layers"]][:2] == ["fc1", "tanh1"]
    assert not (tmp / "plain" / W.CALIBRATION_FILE).exists()


def test_an_input_beyond_the_calibrated_tables_fails_naming_the_layer(calibrated, monkeypatch):
    tmp, *_ = calibrated
    assert W.mock(tmp / "cal", {"x": np.full((1, 8), 0.1).tolist()}) == []
    with pytest.raises(OutOfRangeError, match=r"layer '(tanh1|sigmoid2)' \(lookup\): lookup '(tanh|sigmoid)': input range"):
        W.mock(tmp / "cal", {"x": np.full((1, 8), 3.0).tolist()})
    # prove computes the witness before it reads the key: no key work is wasted
    (tmp / "cal" / "pk.bin").write_bytes(b"not read")
    import zkir.prover

    monkeypatch.setattr(zkir.prover, "pk_from_bytes", lambda *a: pytest.fail("the key was read"))
    with pytest.raises(OutOfRangeError):
        W.prove(tmp / "cal", {"x": np.full((1, 8), 3.0).tolist()}, tmp / "p.bin")


def test_report_and_calibrate_show_the_accuracy(calibrated, capsys):
    tmp, model, samples, *_ = calibrated
    assert main(["report", str(tmp / "cal"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "calibration samples" in out and "argmax" in out and "tanh1" in out
    assert "what sets k: k=" in out and "lookup table" in out
    assert main(["report", str(tmp / "cal"), "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["accuracy"]["samples"] == 6
    assert main(["calibrate", str(model), str(samples), "-o", str(tmp / "cli"), "--no-layout-search", "-q"]) == 0
    assert "per layer" in capsys.readouterr().out


def test_bad_samples_files_get_one_line(tmp_path, capsys):
    assert main(["calibrate", "x.onnx", str(tmp_path / "none.json"), "-q"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    bad = tmp_path / "bad.json"
    for text, message in [("{", "(calibration samples): not valid JSON"), ("[]", "non-empty list"), ('[{"y": [1]}]', "input 'x' is missing")]:
        bad.write_text(text)
        model = _tanh_mlp(tmp_path / "m.onnx")
        assert main(["compile", str(model), "--calibration", str(bad), "-o", str(tmp_path / "b"), "-q"]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_npy_samples_have_a_leading_sample_axis(tmp_path):
    path = tmp_path / "s.npy"
    np.save(path, np.zeros((3, 1, 8)))
    samples = load_samples(path, ["x"])
    assert len(samples) == 3 and samples[0]["x"].shape == (1, 8)
    with pytest.raises(CalibrationError, match="one input"):
        load_samples(path, ["a", "b"])


def test_the_plot_shows_rows_and_error_per_layer(calibrated, tmp_path):
    from zkir.calibration import Accuracy, plot_layers

    tmp, *_ = calibrated
    accuracy = Accuracy.from_json(json.loads((tmp / "cal" / W.CALIBRATION_FILE).read_text()))
    png = tmp_path / "layers.png"
    plot_layers(png, W.report(tmp / "cal"), accuracy)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert main(["report", str(tmp / "cal"), "--plot", str(tmp_path / "cli.png"), "-q"]) == 0
    assert (tmp_path / "cli.png").read_bytes()[:4] == b"\x89PNG"
