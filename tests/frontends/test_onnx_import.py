"""ONNX import + float interpreter against onnxruntime, and the import errors."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from onnx_helpers import assert_close, make_model, ort_run
from zkir.dialects import ml
from zkir.frontends.errors import ModelError, UnsupportedModel
from zkir.frontends.onnx import import_onnx
from zkir.interpreter.float_interp import run_float

rng = np.random.default_rng(7)


def _r(*shape, lo=None):
    a = rng.normal(size=shape).astype(np.float32)
    return np.abs(a) + lo if lo is not None else a


def _ops(module) -> list[str]:
    return [op.name for op in module.walk() if op.name.startswith("ml.")]


def _check(model, feeds, input_shapes=None):
    module = import_onnx(model, input_shapes)
    ref = ort_run(model, feeds)
    got = run_float(module, feeds)
    for g, r in zip(got, ref):
        assert_close(g, r)
    return module


def test_cnn_with_batch_norm_folded_into_conv():
    inits = {
        "W": _r(4, 3, 3, 3),
        "B": _r(4),
        "s": _r(4, lo=0.5),
        "b": _r(4),
        "m": _r(4),
        "v": _r(4, lo=0.5),
        "G": _r(64, 10),
        "shape": np.array([1, -1], np.int64),
    }
    nodes = [
        helper.make_node("Conv", ["x", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["p", "shape"], ["f"], name="flat"),
        helper.make_node("MatMul", ["f", "G"], ["mm"], name="mm"),
        helper.make_node("Softmax", ["mm"], ["y"], name="sm"),
    ]
    model = make_model(nodes, [("x", ["N", 3, 8, 8])], [("y", [1, 10])], inits)
    module = _check(model, {"x": _r(1, 3, 8, 8)}, input_shapes=[1, 3, 8, 8])
    ops = _ops(module)
    assert ops.count("ml.conv2d") == 1
    assert "ml.mul" not in ops and "ml.add" not in ops  # the batch norm is gone


def test_gemm_mlp_with_transposed_weight_and_bias():
    inits = {"W1": _r(16, 8), "b1": _r(16), "W2": _r(16, 3), "b2": _r(3)}
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], transB=1),
        helper.make_node("Sigmoid", ["h"], ["s"]),
        helper.make_node("Gemm", ["s", "W2", "b2"], ["o"], alpha=0.5, beta=2.0),
        helper.make_node("Tanh", ["o"], ["y"]),
    ]
    model = make_model(nodes, [("x", [2, 8])], [("y", [2, 3])], inits)
    _check(model, {"x": _r(2, 8)})


def test_gemm_folds_following_batch_norm():
    inits = {"W": _r(8, 4), "b": _r(4), "s": _r(4, lo=0.5), "bb": _r(4), "m": _r(4), "v": _r(4, lo=0.5)}
    nodes = [
        helper.make_node("Gemm", ["x", "W", "b"], ["h"]),
        helper.make_node("BatchNormalization", ["h", "s", "bb", "m", "v"], ["y"]),
    ]
    model = make_model(nodes, [("x", [3, 8])], [("y", [3, 4])], inits)
    module = _check(model, {"x": _r(3, 8)})
    assert _ops(module).count("ml.mul") == 0


@pytest.mark.parametrize(
    "attrs,wshape",
    [
        ({"strides": [2, 2], "pads": [1, 0, 1, 2]}, (6, 3, 3, 3)),
        ({"auto_pad": "SAME_UPPER", "strides": [2, 2]}, (6, 3, 3, 3)),
        ({"group": 3, "pads": [1, 1, 1, 1]}, (6, 1, 3, 3)),  # depthwise multiplier 2
        ({"dilations": [2, 2]}, (4, 3, 2, 2)),
    ],
)
def test_conv_variants(attrs, wshape):
    nodes = [helper.make_node("Conv", ["x", "W"], ["y"], **attrs)]
    model = make_model(nodes, [("x", [1, 3, 9, 9])], [("y", None)], {"W": _r(*wshape)})
    _check(model, {"x": _r(1, 3, 9, 9)})


def test_pooling_pad_concat_slice_clip_div():
    inits = {
        "pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64),
        "starts": np.array([1, 0], np.int64),
        "ends": np.array([3, 100], np.int64),
        "axes": np.array([2, 3], np.int64),
        "two": np.array(2.0, np.float32),
        "lo": np.array(0.0, np.float32),
        "hi": np.array(6.0, np.float32),
    }
    nodes = [
        helper.make_node("AveragePool", ["x"], ["a"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["x"], ["a2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1),
        helper.make_node("MaxPool", ["x"], ["m"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("Pad", ["x", "pads"], ["p"]),
        helper.make_node("Slice", ["p", "starts", "ends", "axes"], ["s"]),
        helper.make_node("Concat", ["a", "a2"], ["c"], axis=1),
        helper.make_node("Div", ["c", "two"], ["d"]),
        helper.make_node("Clip", ["d", "lo", "hi"], ["y"]),
        helper.make_node("GlobalAveragePool", ["s"], ["g"]),
    ]
    model = make_model(
        nodes, [("x", [1, 2, 6, 6])], [("y", None), ("m", None), ("g", None)], inits, opset=13
    )
    _check(model, {"x": _r(1, 2, 6, 6) * 4})


def test_transformer_ops_layer_norm_gelu_gather_where():
    inits = {
        "emb": _r(32, 8),
        "gamma": _r(8),
        "beta": _r(8),
        "mask": np.tril(np.ones((4, 4), bool)),
        "neg": np.array(-1e4, np.float32),
        "Wq": _r(8, 8),
        "half": np.array(0.5, np.float32),
    }
    nodes = [
        helper.make_node("Gather", ["emb", "ids"], ["e"]),
        helper.make_node("LayerNormalization", ["e", "gamma", "beta"], ["ln"], axis=-1),
        helper.make_node("MatMul", ["ln", "Wq"], ["q"]),
        helper.make_node("Transpose", ["q"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["att"]),
        helper.make_node("Where", ["mask", "att", "neg"], ["masked"]),
        helper.make_node("Softmax", ["masked"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "q"], ["ctx"]),
        helper.make_node("Gelu", ["ctx"], ["g"]),
        helper.make_node("Pow", ["g", "two_f"], ["sq"]),
        helper.make_node("ReduceMean", ["sq", "last"], ["ms"]),
        helper.make_node("Sqrt", ["ms"], ["rms"]),
        helper.make_node("Div", ["g", "rms"], ["y0"]),
        helper.make_node("Split", ["y0"], ["y1", "y2"], axis=2, num_outputs=2),
        helper.make_node("Erf", ["y1"], ["y"]),
    ]
    inits["two_f"] = np.array(2.0, np.float32)
    inits["last"] = np.array([-1], np.int64)
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("ids", 7, [1, 4])],
        [helper.make_tensor_value_info("y", 1, None), helper.make_tensor_value_info("y2", 1, None)],
        [__import__("onnx").numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    ids = np.array([[3, 1, 31, 7]], np.int64)
    module = _check(model, {"ids": ids})
    ops = _ops(module)
    for op in ("ml.gather", "ml.layer_norm", "ml.where", "ml.gelu", "ml.erf", "ml.slice", "ml.sqrt", "ml.div"):
        assert op in ops


def test_every_unsupported_item_is_listed_at_once():
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="r"),
        helper.make_node("Celu", ["a"], ["b"], name="hs"),
        helper.make_node("MaxPool", ["b"], ["c"], name="mp", kernel_shape=[2, 2], dilations=[2, 2]),
        helper.make_node("LpNormalization", ["c"], ["y"], name="lp"),
    ]
    model = make_model(nodes, [("x", [1, 1, 4, 4])], [("y", None)])
    with pytest.raises(UnsupportedModel) as e:
        import_onnx(model)
    msg = str(e.value)
    assert "\n" not in msg
    for part in ("Celu (node 'hs')", "MaxPool (node 'mp')", "dilations", "LpNormalization (node 'lp')"):
        assert part in msg
    assert len(e.value.items) == 3


def test_dynamic_batch_defaults_to_one_and_is_said():
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", ["N", 4])], [("y", None)])
    notes: list[str] = []
    module = import_onnx(model, notice=notes.append)
    assert run_float(module, np.ones((1, 4), np.float32))[0].shape == (1, 4)
    assert len(notes) == 1 and "'x' [1, 4]" in notes[0] and "batch" in notes[0]
    notes.clear()
    module = import_onnx(model, {"x": [3, 4]}, notice=notes.append)
    assert not notes  # nothing assumed, nothing said
    assert run_float(module, np.ones((3, 4), np.float32))[0].shape == (3, 4)
    with pytest.raises(ModelError, match="does not fit"):
        import_onnx(model, [3, 5])


def test_dynamic_dimensions_beyond_the_batch_are_one_error_naming_every_input():
    nodes = [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Add", ["s", "c"], ["y"])]
    model = make_model(nodes, [("a", ["N", "seq", 4]), ("b", [None, 3, None]), ("c", ["N", 3, 4])], [("y", None)])
    with pytest.raises(ModelError) as e:
        import_onnx(model)
    msg = str(e.value)
    assert "\n" not in msg
    # a and b need a flag (named dims keep their names); c's batch alone is no problem
    assert "--input-shape a=1,seq,4" in msg and "--input-shape b=1,3,D" in msg and "'c'" not in msg
    module = import_onnx(model, {"a": [1, 3, 4], "b": [1, 3, 4]})
    ones = np.ones((1, 3, 4), np.float32)
    np.testing.assert_array_equal(run_float(module, {"a": ones, "b": 2 * ones, "c": 3 * ones})[0], 6 * ones)


def test_unreadable_opset():
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", [4])], [("y", None)], opset=999)
    with pytest.raises(ModelError, match="opset 999 is not supported"):
        import_onnx(model)


def test_not_a_model_and_truncated_file(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00\xffthis is not a protobuf\x13\x37" * 10)
    with pytest.raises(ModelError, match="not"):
        import_onnx(junk)
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", [4])], [("y", None)], {"w": _r(64)})
    whole = model.SerializeToString()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ModelError):
        import_onnx(cut)


def test_wrong_input_shape_at_run_time():
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", [2, 4])], [("y", None)])
    module = import_onnx(model)
    with pytest.raises(ModelError, match=r"input 'x' has shape \[4, 2\], the model expects \[2, 4\]"):
        run_float(module, {"x": np.ones((4, 2), np.float32)})


def test_import_output_prints_and_parses_back():
    from xdsl.parser import Parser

    from zkir.context import make_context

    inits = {"W": _r(4, 3, 3, 3)}
    model = make_model([helper.make_node("Conv", ["x", "W"], ["y"])], [("x", [1, 3, 5, 5])], [("y", None)], inits)
    module = import_onnx(model)
    from zkir.ir_io import print_module

    text = print_module(module)
    assert "dense_resource<" in text and "ml.conv2d" in text and "dialect_resources" in text
    again = Parser(make_context(), text).parse_module()
    x = _r(1, 3, 5, 5)
    np.testing.assert_array_equal(run_float(again, x)[0], run_float(module, x)[0])
    assert isinstance(next(op for op in again.walk() if op.name == "ml.conv2d"), ml.Conv2dOp)


def test_unsupported_inputs_found_while_building_are_listed_together():
    # both problems only show once values are known (run-time exponent, run-time
    # clip bound); the Relu after the first one is a consequence and is not reported
    nodes = [
        helper.make_node("Pow", ["x", "e"], ["p"], name="pow"),
        helper.make_node("Relu", ["p"], ["r"], name="relu"),
        helper.make_node("Clip", ["x", "lo"], ["c"], name="clip"),
        helper.make_node("Add", ["c", "r"], ["y"], name="add"),
    ]
    model = make_model(nodes, [("x", [3]), ("e", [3]), ("lo", [])], [("y", None)])
    with pytest.raises(UnsupportedModel) as e:
        import_onnx(model)
    assert sorted(i.node for i in e.value.items) == ["clip", "pow"]


def test_1d_conv_and_pools_go_through_2d():
    inits = {"W": _r(4, 2, 3), "B": _r(4)}
    nodes = [
        helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 2], strides=[2], dilations=[2]),
        helper.make_node("MaxPool", ["c"], ["m"], kernel_shape=[2], strides=[1]),
        helper.make_node("AveragePool", ["m"], ["y"], kernel_shape=[3], pads=[1, 1]),
    ]
    model = make_model(nodes, [("x", [1, 2, 11])], [("y", None)], inits)
    module = _check(model, {"x": _r(1, 2, 11)})
    assert "ml.conv2d" in _ops(module)


@pytest.mark.parametrize("mode", ["reflect", "edge", "wrap"])
def test_pad_modes_by_slices(mode):
    pads = np.array([0, 0, 3, 1, 0, 0, 2, 3], np.int64)  # reflect up to d - 1 = 3 rows
    nodes = [helper.make_node("Pad", ["x", "pads"], ["y"], mode=mode)]
    model = make_model(nodes, [("x", [1, 2, 4, 5])], [("y", None)], {"pads": pads})
    _check(model, {"x": _r(1, 2, 4, 5)})


def test_matmul_batch_norm_folds_only_at_rank_2():
    inits = {"W": _r(8, 4), "s": _r(4, lo=0.5), "bb": _r(4), "m": _r(4), "v": _r(4, lo=0.5)}
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
        helper.make_node("BatchNormalization", ["h", "s", "bb", "m", "v"], ["y"], name="bn"),
    ]
    model = make_model(nodes, [("x", ["N", 8])], [("y", None)], inits)
    module = _check(model, {"x": _r(3, 8)}, input_shapes=[3, 8])
    assert "ml.mul" not in _ops(module) and _ops(module).count("ml.matmul") == 1
    # rank 3: batch norm normalises axis 1 (here 4 = the matmul's last axis too,
    # but it is the wrong one): no fold, and the answer is still right
    model3 = make_model(nodes, [("x", [2, 4, 8])], [("y", None)], inits)
    module3 = _check(model3, {"x": _r(2, 4, 8)})
    assert "ml.mul" in _ops(module3)
