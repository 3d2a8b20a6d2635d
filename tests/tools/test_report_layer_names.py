"""`zkir report` names placements after the source model's layers: ONNX node
names, Keras layer names read off TFLite tensor names, kept through every pass
(including a trailing `_1`, which xDSL's name hints would otherwise drop)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from zkir import workflow as W
from zkir.frontends.tflite import keras_scope, resolve_layers
from zkir.tools.cli import main

# Placements that are the circuit's own, not a layer's.
_BOUNDARY = {"input", "output", "zero"}


def _placements(capsys, build: Path) -> list[dict]:
    assert main(["report", str(build), "--json", "-q"]) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["layers"]
    return [r for r in rows if r["gadget"] not in _BOUNDARY]


def _layer_of(placement: str, layers: set[str]) -> str | None:
    """The longest layer name the placement name starts with (at a `_`)."""
    hits = [n for n in layers if placement == n or placement.startswith(n + "_")]
    return max(hits, key=len) if hits else None


def _onnx_cnn(path: Path) -> set[str]:
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((2, 1, 3, 3)) * 0.3).astype(np.float32)
    fc = (rng.standard_normal((2 * 3 * 3, 3)) * 0.3).astype(np.float32)
    h = helper.make_node
    nodes = [
        h("Conv", ["x", "w"], ["c"], name="conv_1"),
        h("Relu", ["c"], ["r"], name="act"),
        h("Flatten", ["r"], ["f"], name="flat", axis=1),
        h("MatMul", ["f", "fc"], ["l"], name="fc_2"),
        h("Softmax", ["l"], ["y"], name="probs", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(fc, "fc")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return {n.name for n in nodes}


def test_onnx_node_names_name_every_placement(tmp_path, capsys):
    nodes = _onnx_cnn(tmp_path / "cnn.onnx")
    W.compile_model(tmp_path / "cnn.onnx", tmp_path / "b", W.CompileOptions(layout_search=False))
    rows = _placements(capsys, tmp_path / "b")
    named = {r["placement"]: _layer_of(r["placement"], nodes) for r in rows}
    assert all(named.values()), named  # no `randomized_dot`, `sum`, `constant_1`
    # the convolution's dot and the softmax's pieces say whose they are, and
    # `conv_1` keeps its digits (it is not the `conv` a name hint would make it)
    assert {"conv_1", "fc_2", "probs"} <= set(named.values())
    gadgets = {(named[r["placement"]], r["gadget"]) for r in rows}
    assert {("probs", "lookup"), ("probs", "var_div")} <= gadgets
    assert any(layer == "conv_1" and g in ("dot", "randomized_dot") for layer, g in gadgets)


def test_keras_layer_from_a_tflite_tensor_name():
    # tf.keras: model scope, layer, op; a fused name picks the layer's own op
    assert keras_scope("sequential/dense_1/MatMul") == "dense_1"
    fused = "m_1/re_lu_1/Relu;m_1/batch_normalization_1/batchnorm/add_1;m_1/conv2d_1/BiasAdd;m_1/conv2d_1/convolution"
    assert keras_scope(fused) == "conv2d_1"
    assert keras_scope("m_1/flatten_1/Reshape/shape") == "flatten_1"
    assert keras_scope("StatefulPartitionedCall_1:0") is None
    # Keras 3's export suffixes each scope: undone against the model's layers
    assert resolve_layers(["dense_1", "dense_1_2", "dense_2_1"], ["dense", "dense_1", "dense_2"]) == {
        "dense_1": "dense", "dense_1_2": "dense_1", "dense_2_1": "dense_2"}
    assert resolve_layers(["dense", "dense_1"], ["dense", "dense_1"]) == {"dense": "dense", "dense_1": "dense_1"}


@pytest.mark.slow
def test_keras_layer_names_reach_the_report_from_a_tflite_file_and_a_keras_model(tmp_path, capsys):
    import keras
    from keras import layers

    from zkir.frontends.tflite import import_tensorflow

    tf = import_tensorflow()
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1), name="image"),
            layers.Conv2D(2, 3, activation="relu", name="conv_a"),
            layers.Flatten(name="flat"),
            layers.Dense(4, activation="relu", name="fc_1"),
            layers.Dense(3, name="fc_2"),
            layers.Softmax(name="probs"),
        ],
        name="net",
    )
    names = {layer.name for layer in model.layers} | {"softmax"}  # the output's name has no layer
    flat = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    (tmp_path / "net.tflite").write_bytes(flat)
    model.save(tmp_path / "net.keras")
    for src in ("net.tflite", "net.keras"):
        build = tmp_path / f"b_{src}"
        W.compile_model(tmp_path / src, build, W.CompileOptions(layout_search=False))
        rows = _placements(capsys, build)
        named = {r["placement"]: _layer_of(r["placement"], names) for r in rows}
        assert all(named.values()), (src, named)
        assert {"conv_a", "fc_1", "fc_2"} <= set(named.values()), (src, named)
