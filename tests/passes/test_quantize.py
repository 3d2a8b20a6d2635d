"""ml-quantize: structure of the fixed-point IR and agreement with the float model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from zkir.context import make_context
from zkir.dialects import ml
from zkir.dialects.ml import FixedType
from zkir.frontends.onnx import import_onnx
from zkir.interpreter.fixed_interp import run_fixed
from zkir.interpreter.float_interp import run_float
from zkir.passes.quantize import MLQuantizePass
from zkir.passes.registry import available_passes

EXAMPLES = Path(__file__).parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))
from digits_data import digits_split  # noqa: E402


def _quantized(module, s):
    q = module.clone()
    MLQuantizePass(scale_bits=s).apply(make_context(), q)
    q.verify()
    return q


@pytest.fixture(scope="module")
def digits():
    _, _, x, y = digits_split()
    return x, y


@pytest.mark.parametrize("name,shape", [("digits_mlp", (-1, 64)), ("digits_cnn", (-1, 1, 8, 8))])
def test_digits_fixed_point_agrees_with_float(digits, name, shape):
    x, _ = digits
    x = x.reshape(shape)
    module = import_onnx(EXAMPLES / name / "model.onnx", list(x.shape))
    ref = run_float(module, x)[0]
    out = run_fixed(_quantized(module, 10), x)[0]
    assert out.scale == 10
    assert (out.value.argmax(1) == ref.argmax(1)).mean() >= 0.99
    assert np.abs(out.value - ref).max() < 0.1


def test_bias_is_added_at_twice_the_scale_before_the_rescale(digits):
    module = import_onnx(EXAMPLES / "digits_mlp" / "model.onnx", [1, 64])
    q = _quantized(module, 8)
    ops = [op for op in q.walk() if op.name.startswith("ml.")]
    names = [op.name for op in ops]
    assert names.count("ml.matmul") == 3 and names.count("ml.rescale") == 3
    for op in ops:
        if isinstance(op, ml.MatmulOp):
            assert op.result.type.element_type == FixedType(64, 16)
            (add,) = [u.operation for u in op.result.uses]
            assert isinstance(add, ml.AddOp)
            bias = add.rhs.owner
            assert isinstance(bias, ml.ConstantOp)
            assert bias.result.type.element_type.scale.data == 16
            (resc,) = [u.operation for u in add.result.uses]
            assert isinstance(resc, ml.RescaleOp)
            assert resc.result.type.element_type == FixedType(32, 8)


def test_quantized_ir_prints_parses_and_runs_the_same(digits):
    x, _ = digits
    module = import_onnx(EXAMPLES / "digits_cnn" / "model.onnx", [4, 1, 8, 8])
    q = _quantized(module, 8)
    again = Parser(make_context(), str(q)).parse_module()
    a = run_fixed(q, x[:4].reshape(4, 1, 8, 8))[0].raw
    b = run_fixed(again, x[:4].reshape(4, 1, 8, 8))[0].raw
    np.testing.assert_array_equal(a, b)


def test_pass_runs_from_a_pipeline_string():
    module = import_onnx(EXAMPLES / "digits_mlp" / "model.onnx", [1, 64])
    PassPipeline.parse_spec(available_passes(), "ml-quantize{scale-bits=6}").apply(make_context(), module)
    arg = module.body.block.first_op.body.block.args[0]
    assert arg.type.element_type == FixedType(32, 6)


def test_division_becomes_a_product(digits):
    text = """
func.func @main(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %c = ml.constant {value = dense<4.0> : tensor<4xf32>} : tensor<4xf32>
  %a = ml.div %x, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = ml.div %a, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %b : tensor<4xf32>
}"""
    module = Parser(make_context(), text).parse_module()
    q = _quantized(module, 12)
    names = [op.name for op in q.walk()]
    assert "ml.div" not in names and "ml.reciprocal" in names
    xs = {"x": np.array([1.0, -2.0, 3.0, 8.0]), "y": np.array([0.5, 2.0, -3.0, 0.25])}
    got = run_fixed(q, xs)[0].value
    np.testing.assert_allclose(got, xs["x"] / 4 / xs["y"], atol=2e-3)


def test_extreme_constants_saturate_instead_of_overflowing():
    from onnx import helper

    sys.path.insert(0, str(Path(__file__).parents[1] / "frontends"))
    from onnx_helpers import make_model

    inits = {
        "mask": np.tril(np.ones((4, 4), bool)),
        "neg": np.array(np.finfo(np.float32).min, np.float32),  # torch's attention mask fill
        "lo": np.array(-1.0, np.float32),
    }
    nodes = [
        helper.make_node("Where", ["mask", "x", "neg"], ["m"]),
        helper.make_node("Softmax", ["m"], ["p"], axis=-1),
        helper.make_node("Clip", ["p", "lo"], ["y"]),  # no max: +inf
    ]
    model = make_model(nodes, [("x", [4, 4])], [("y", None)], inits)
    module = import_onnx(model)
    x = np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32)
    ref = run_float(module, x)[0]
    out = run_fixed(_quantized(module, 10), x)[0]
    np.testing.assert_allclose(out.value, ref, atol=3e-3)
    assert np.all(out.raw[np.triu_indices(4, 1)] == 0)


@pytest.mark.parametrize("native", [True, False])
def test_layer_norm_keeps_small_variances(native):
    """Inputs with std 0.05 have variance 0.0025 < 2^-8: rounding it to scale 8
    would leave nothing; at 2s it survives and the root brings it back to s."""
    from onnx import helper

    sys.path.insert(0, str(Path(__file__).parents[1] / "frontends"))
    from onnx_helpers import make_model

    inits = {"g": np.ones(16, np.float32), "b": np.zeros(16, np.float32), "ax": np.array([-1]), "eps": np.array(1e-5, np.float32), "two": np.array(2.0, np.float32)}
    if native:
        nodes = [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"])]
    else:
        nodes = [
            helper.make_node("ReduceMean", ["x", "ax"], ["m"]),
            helper.make_node("Sub", ["x", "m"], ["d"]),
            helper.make_node("Pow", ["d", "two"], ["d2"]),
            helper.make_node("ReduceMean", ["d2", "ax"], ["v"]),
            helper.make_node("Add", ["v", "eps"], ["ve"]),
            helper.make_node("Sqrt", ["ve"], ["sd"]),
            helper.make_node("Div", ["d", "sd"], ["y"]),
        ]
    model = make_model(nodes, [("x", [4, 16])], [("y", None)], inits, opset=18)
    module = import_onnx(model)
    x = (np.random.default_rng(9).normal(size=(4, 16)) * 0.05).astype(np.float32)
    ref = run_float(module, x)[0]
    q = _quantized(module, 8)
    out = run_fixed(q, x)[0].value
    assert np.abs(out - ref).max() < 0.35  # outputs are ~N(0, 1); scale 8, std 12.8 units
    if not native:
        (root,) = [op for op in q.walk() if isinstance(op, ml.SqrtOp)]
        assert root.input.type.element_type == FixedType(64, 16)
        assert root.result.type.element_type == FixedType(32, 8)


def test_every_cnn_op_in_fixed_point_tracks_float():
    from onnx import helper

    sys.path.insert(0, str(Path(__file__).parents[1] / "frontends"))
    from onnx_helpers import make_model

    rng = np.random.default_rng(11)
    r = lambda *s: (rng.normal(size=s) * 0.5).astype(np.float32)  # noqa: E731
    inits = {
        "W": r(6, 1, 3, 3),  # depthwise, multiplier 2
        "B": r(6),
        "W2": r(4, 6, 1, 1),
        "pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64),
        "starts": np.array([1], np.int64),
        "ends": np.array([5], np.int64),
        "axes": np.array([3], np.int64),
        "three": np.array(3.0, np.float32),
        "lo": np.array(0.0, np.float32),
        "hi": np.array(6.0, np.float32),
        "G": r(4, 5),
    }
    h = helper.make_node
    nodes = [
        h("Conv", ["x", "W", "B"], ["c"], group=3, pads=[1, 1, 1, 1], strides=[1, 1]),
        h("Clip", ["c", "lo", "hi"], ["c6"]),
        h("AveragePool", ["c6"], ["a"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        h("MaxPool", ["a"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
        h("Pad", ["m", "pads"], ["p"]),
        h("Slice", ["p", "starts", "ends", "axes"], ["s"]),
        h("Conv", ["s", "W2"], ["c2"]),
        h("Sigmoid", ["c2"], ["sg"]),
        h("Tanh", ["c2"], ["th"]),
        h("Concat", ["sg", "th"], ["cat"], axis=1),
        h("Div", ["cat", "three"], ["d"]),
        h("GlobalAveragePool", ["c2"], ["g"]),
        h("Flatten", ["g"], ["f"]),
        h("MatMul", ["f", "G"], ["mm"]),
        h("Softmax", ["mm"], ["y"], axis=-1),
        h("Exp", ["d"], ["ed"]),
        h("ReduceSum", ["ed"], ["e"], keepdims=0),
    ]
    model = make_model(nodes, [("x", [2, 3, 8, 8])], [("y", None), ("d", None), ("e", None)], inits, opset=13)
    module = import_onnx(model)
    x = rng.normal(size=(2, 3, 8, 8)).astype(np.float32)
    refs = run_float(module, x)
    outs = run_fixed(_quantized(module, 12), x)
    for ref, out in zip(refs, outs):
        scale = max(1.0, float(np.abs(ref).max()))
        assert np.abs(out.value - ref).max() < 5e-3 * scale


def test_quantizing_twice_is_refused():
    from zkir.passes.quantize import QuantizeError

    module = import_onnx(EXAMPLES / "digits_mlp" / "model.onnx", [1, 64])
    q = _quantized(module, 8)
    with pytest.raises(QuantizeError, match="already in fixed point"):
        MLQuantizePass(scale_bits=8).apply(make_context(), q)
    with pytest.raises(QuantizeError, match="scale-bits"):
        MLQuantizePass(scale_bits=40).apply(make_context(), module.clone())
