"""The shipped digits models: zkir's float semantics equal onnxruntime's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from onnx_helpers import assert_close, ort_run
from zkir.frontends.onnx import import_onnx
from zkir.interpreter.float_interp import run_float

EXAMPLES = Path(__file__).parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))
from digits_data import digits_split  # noqa: E402


@pytest.mark.parametrize("name,shape", [("digits_mlp", (-1, 64)), ("digits_cnn", (-1, 1, 8, 8))])
def test_digits_model_matches_onnxruntime_on_the_test_split(name, shape):
    path = EXAMPLES / name / "model.onnx"
    assert path.stat().st_size < 1_000_000
    _, _, x_test, y_test = digits_split()
    x = x_test.reshape(shape)
    module = import_onnx(path, list(x.shape))
    got = run_float(module, x)[0]
    ref = ort_run(onnx.load(str(path)), {onnx.load(str(path)).graph.input[0].name: x})[0]
    assert_close(got, ref)
    assert (got.argmax(1) == y_test).mean() > 0.95


@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
def test_example_input_gives_the_expected_output(name):
    x = np.asarray(json.loads((EXAMPLES / name / "input.json").read_text()), np.float32)
    expected = json.loads((EXAMPLES / name / "expected.json").read_text())
    module = import_onnx(EXAMPLES / name / "model.onnx", list(x.shape))
    got = run_float(module, x)[0]
    assert_close(got, np.asarray(expected["output"], np.float32))
    assert int(got.argmax()) == expected["label"]
