"""The tiny GPT-2 example and a DLRM-style recommender: import, float, fixed point."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_helpers import assert_close, ort_run
from zkir.context import make_context
from zkir.frontends.onnx import import_onnx
from zkir.interpreter.fixed_interp import run_fixed
from zkir.interpreter.float_interp import run_float
from zkir.passes.quantize import MLQuantizePass

GPT2 = Path(__file__).parents[2] / "examples" / "gpt2_tiny"


def _quantize(module, s):
    q = module.clone()
    MLQuantizePass(scale_bits=s).apply(make_context(), q)
    q.verify()
    return q


def test_gpt2_tiny_float_matches_onnxruntime_and_fixed_point_tracks_it():
    path = GPT2 / "model.onnx"
    assert path.stat().st_size < 1_000_000
    ids = np.asarray(json.loads((GPT2 / "input.json").read_text())["input_ids"], np.int64)
    module = import_onnx(path)
    got = run_float(module, {"input_ids": ids})[0]
    ref = ort_run(onnx.load(str(path)), {"input_ids": ids})[0]
    assert got.shape == (1, 16, 256)
    assert_close(got, ref)
    ops = Counter(op.name for op in module.walk())
    assert ops["ml.layer_norm"] == 3 and ops["ml.reduce_mean"] == 4  # native and decomposed
    assert ops["ml.gelu"] == 1 and ops["ml.tanh"] == 1  # native and tanh-form GELU
    assert ops["ml.where"] == 2 and ops["ml.softmax"] == 2 and ops["ml.gather"] == 1
    fixed = run_fixed(_quantize(module, 12), {"input_ids": ids})[0].value
    assert np.abs(fixed - ref).max() < 0.1
    assert (fixed.argmax(-1) == ref.argmax(-1)).mean() >= 0.9


def _dlrm() -> onnx.ModelProto:
    rng = np.random.default_rng(5)
    arr = lambda *s: (rng.normal(size=s) * 0.3).astype(np.float32)  # noqa: E731
    inits = {
        "emb_a": arr(50, 8),
        "emb_b": arr(30, 8),
        "bot_w": arr(4, 8),
        "bot_b": arr(8),
        "top_w1": arr(24, 16),
        "top_b1": arr(16),
        "top_w2": arr(16, 1),
        "top_b2": arr(1),
        "flat": np.array([0, -1], np.int64),
    }
    h = helper.make_node
    nodes = [
        h("Gather", ["emb_a", "cat_a"], ["ea"]),
        h("Gather", ["emb_b", "cat_b"], ["eb"]),
        h("Gemm", ["dense", "bot_w", "bot_b"], ["bot"]),
        h("Relu", ["bot"], ["botr"]),
        h("Concat", ["botr", "ea", "eb"], ["z"], axis=1),
        h("Gemm", ["z", "top_w1", "top_b1"], ["t1"]),
        h("Relu", ["t1"], ["t1r"]),
        h("Gemm", ["t1r", "top_w2", "top_b2"], ["t2"]),
        h("Sigmoid", ["t2"], ["ctr"]),
    ]
    graph = helper.make_graph(
        nodes,
        "dlrm",
        [
            helper.make_tensor_value_info("dense", TensorProto.FLOAT, [6, 4]),
            helper.make_tensor_value_info("cat_a", TensorProto.INT64, [6]),
            helper.make_tensor_value_info("cat_b", TensorProto.INT64, [6]),
        ],
        [helper.make_tensor_value_info("ctr", TensorProto.FLOAT, [6, 1])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def test_dlrm_style_recommender():
    model = _dlrm()
    rng = np.random.default_rng(6)
    feeds = {
        "dense": rng.normal(size=(6, 4)).astype(np.float32),
        "cat_a": rng.integers(0, 50, 6).astype(np.int64),
        "cat_b": rng.integers(0, 30, 6).astype(np.int64),
    }
    module = import_onnx(model)
    ref = ort_run(model, feeds)[0]
    assert_close(run_float(module, feeds)[0], ref)
    fixed = run_fixed(_quantize(module, 10), feeds)[0]
    assert np.abs(fixed.value - ref).max() < 5e-3
