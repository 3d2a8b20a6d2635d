"""Every shipped digits model, ONNX and TFLite, through the circuit."""

import json
from pathlib import Path

import numpy as np
import pytest

from zkir import workflow as W
from zkir.interpreter.fixed_interp import run_fixed
from zkir.gadgets.interpret import run_gadget
from zkir.interpreter.rounding import quantize
from zkir.pass_pipeline import pipeline
from zkir.frontends import load_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHAPES = {
    ("digits_mlp", "onnx"): [1, 64],
    ("digits_cnn", "onnx"): [1, 1, 8, 8],
    ("digits_mlp", "tflite"): [1, 64],
    ("digits_cnn", "tflite"): [1, 8, 8, 1],
}


def _input(model: str, fmt: str):
    name = "input.json" if fmt == "onnx" else "input_tflite.json"
    return json.loads((EXAMPLES / model / name).read_text())


@pytest.mark.parametrize("model, fmt", [("digits_mlp", "onnx"), ("digits_cnn", "onnx")])
def test_lowering_keeps_the_fixed_point_semantics_on_real_digits(model, fmt):
    """The gadget level computes bit-for-bit what the fixed-point interpreter does."""
    from sklearn.datasets import load_digits

    shape = SHAPES[(model, fmt)]
    fixed = load_model(EXAMPLES / model / f"model.{fmt}", shape)
    pipeline("ml-quantize{scale-bits=8},ml-canonicalize").run(fixed)
    gadgets = fixed.clone()
    pipeline("convert-ml-to-gadget,gadget-canonicalize").run(gadgets)
    images = load_digits().data[::37] / 16.0
    for image in images:
        x = image.reshape(shape).astype(np.float32)
        expected = run_fixed(fixed, x)[0].raw
        np.testing.assert_array_equal(run_gadget(gadgets, [quantize(x, 8)])[0], expected)


@pytest.mark.slow
@pytest.mark.parametrize("model, fmt", [("digits_cnn", "onnx"), ("digits_mlp", "tflite"), ("digits_cnn", "tflite")])
def test_model_proves_and_verifies(tmp_path, model, fmt):
    W.compile_model(EXAMPLES / model / f"model.{fmt}", tmp_path, W.CompileOptions(input_shapes=SHAPES[(model, fmt)]))
    x = _input(model, fmt)
    assert W.mock(tmp_path, x) == []
    W.setup(tmp_path)
    result = W.prove(tmp_path, x, tmp_path / "proof.bin")
    verdict = W.verify(tmp_path, tmp_path / "proof.bin")
    assert verdict.verified, verdict.failed_check
    assert verdict.outputs == result.outputs
    expected = json.loads((EXAMPLES / model / "expected.json").read_text())
    label = expected.get("label", expected.get("argmax"))
    if label is not None:
        (name,) = result.outputs
        assert int(np.argmax(result.outputs[name]["raw"])) == int(label)
