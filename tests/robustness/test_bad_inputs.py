"""Bad inputs get one line saying why, exit code 2: input shapes no circuit can
hold are refused before anything is allocated; NaN and infinity; shapes with
negative dimensions or names the model does not have."""

from __future__ import annotations

import json
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from zkir import workflow as W
from zkir.errors import ZkirError

from robustness_cli import MLP, zkir


def _relu_model(path, shape) -> str:
    """A one-Relu ONNX model whose input is declared with `shape`."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return str(path)


def _refused_quickly(*argv: str) -> str:
    t = time.perf_counter()
    line = zkir(*argv).one_line_error()
    assert time.perf_counter() - t < 5, "refused, but only after the passes ran"
    assert "too large to prove" in line
    return line


def test_a_declared_input_of_2_to_the_31_is_refused_up_front(tmp_path):
    model = _relu_model(tmp_path / "m.onnx", [1, 2**31])
    line = _refused_quickly("compile", model, "-o", str(tmp_path / "b"))
    assert "x [1, 2147483648]" in line and "2^28 rows" in line
    line = _refused_quickly("compile", model, "-o", str(tmp_path / "b"), "--private-input")
    assert "2^28 rows" in line


def test_an_input_shape_of_a_hundred_million_rows_is_refused_up_front(tmp_path):
    line = _refused_quickly("compile", str(MLP), "--input-shape", "100000000,64", "-o", str(tmp_path / "b"))
    assert "pixels [100000000, 64]" in line and "2^28 rows" in line


def test_an_input_that_fits_k_28_but_no_prover_memory_is_refused_up_front(tmp_path, monkeypatch):
    model = _relu_model(tmp_path / "m.onnx", [1, 2**24])
    line = _refused_quickly("compile", model, "-o", str(tmp_path / "b"), "--memory-budget", "16384")
    assert "x [1, 16777216]" in line and "2^26 rows" in line and "limit 16.0 GiB, --memory-budget" in line
    monkeypatch.setattr(W, "_physical_memory", lambda: 32 * 2**30)
    line = _refused_quickly("compile", model, "-o", str(tmp_path / "b"))
    assert "limit 32.0 GiB, this machine's memory" in line


def test_a_small_input_passes_the_size_check():
    from zkir.interpreter.program import TensorSpec

    specs = [TensorSpec("x", (1, 64), True)], [TensorSpec("y", (1, 10), True)]
    W.refuse_what_cannot_fit(*specs, W.CompileOptions())


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinite_inputs_are_one_line(build, tiny_model, tmp_path, value):
    bad = tmp_path / "bad.json"
    bad.write_text(f"[[0.5, {value}, 0, 0, 0, 0, 0, 0]]")
    for argv in (["prove", str(build), "--input", str(bad)], ["mock", str(build), "--input", str(bad)],
                 ["run", str(tiny_model[0]), "--input", str(bad)]):
        run = zkir(*argv)
        line = run.one_line_error()
        assert "bad.json" in line and f"{value.lstrip('-')} is not a JSON number" in line
        assert "Warning" not in run.err


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_infinite_inputs_from_python_are_one_line(build, value):
    x = np.zeros((1, 8))
    x[0, 3] = value
    with pytest.raises(W.WorkflowError, match=r"input 'x' holds (nan|inf) at index \[0, 3\]: inputs must be finite"):
        W.prove(build, x, build / "p.bin")
    with pytest.raises(W.WorkflowError, match="finite"):
        W.mock(build, x)


@pytest.mark.parametrize("spec", ["-1,64", "0,64", "1,-64", "pixels=-1,64", "1,,64", "1,a", "1.5,64"])
def test_a_shape_with_a_bad_dimension_is_one_line(tmp_path, spec):
    for cmd in ("compile", "import"):
        line = zkir(cmd, str(MLP), "--input-shape", spec, "-o", str(tmp_path / "out")).one_line_error()
        assert f"--input-shape '{spec}'" in line
        assert "positive integers" in line or "integers" in line
    assert "positive" in zkir("compile", str(MLP), "--input-shape", "-1,64").one_line_error()


def test_a_shape_for_an_unknown_input_name_says_so(tmp_path):
    line = zkir("compile", str(MLP), "--input-shape", "nosuch=1,64", "-o", str(tmp_path / "b")).one_line_error()
    assert "no input named 'nosuch'" in line and "pixels" in line
    line = zkir("import", str(MLP), "--input-shape", "nosuch=1,64", "-o", str(tmp_path / "m.mlir")).one_line_error()
    assert "no input named 'nosuch'" in line and "pixels" in line
    # a model whose inputs are all static: the name is checked all the same
    model = _relu_model(tmp_path / "m.onnx", [1, 4])
    line = zkir("compile", model, "--input-shape", "nosuch=1,4", "-o", str(tmp_path / "b")).one_line_error()
    assert "no input named 'nosuch'" in line and "(its inputs: x)" in line
    with pytest.raises(ZkirError, match="no input named 'nosuch'"):
        W.run_model(model, np.zeros((1, 4)), None, {"nosuch": [1, 4]})


def test_a_shape_given_twice_is_one_line():
    assert "has a shape already" in zkir("compile", str(MLP), "--input-shape", "1,64", "--input-shape", "1,64").one_line_error()


def test_the_named_shape_still_compiles(tmp_path):
    out = tmp_path / "b"
    assert zkir("compile", str(MLP), "--input-shape", "pixels=1,64", "-o", str(out), "--no-layout-search").code == 0
    assert json.loads((out / "settings.json").read_text())["inputs"][0]["shape"] == [1, 64]
