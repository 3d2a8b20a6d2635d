"""Small ONNX graphs built with onnx.helper, and onnxruntime as the reference."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def make_model(nodes, inputs, outputs, inits=None, opset: int = 17) -> onnx.ModelProto:
    """inputs/outputs: [(name, shape)] of float tensors (None dims are dynamic)."""
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def ort_run(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_close(got: np.ndarray, ref: np.ndarray, rel: float = 1e-4) -> None:
    """Max abs error under `rel` times the reference output's range (at least 1)."""
    assert got.shape == ref.shape
    scale = max(1.0, float(ref.max() - ref.min()))
    err = float(np.abs(got.astype(np.float64) - ref).max())
    assert err <= rel * scale, f"max abs error {err} over range {scale}"
