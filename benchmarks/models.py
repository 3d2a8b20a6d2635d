"""The three comparison models of the EZKL benchmark, as seeded ONNX files.

Weights are drawn with He-style scaling so activations keep a unit-ish range
through the layers (the fixed-point error then means something); the input is
a seeded uniform [0, 1) image. Static batch 1, opset 17, plain ops every
ONNX consumer knows (Gemm, Conv, Relu, AveragePool, Flatten).

Usage: python benchmarks/models.py OUT_DIR   (writes {mlp,cnn_small,cnn_cifar}.onnx + input JSONs)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

SEED = 20241125

# name -> (input shape, description)
MODELS = {
    "mlp": ((1, 784), "MLP 784 -> 64 -> ReLU -> 10"),
    "cnn_small": ((1, 1, 28, 28), "CNN 1x28x28: conv 4@5x5 s2, ReLU, conv 8@5x5 s2, ReLU, dense 10"),
    "cnn_cifar": ((1, 3, 32, 32), "CNN 3x32x32: conv 16@3x3 p1, ReLU, avgpool 2, conv 32@3x3 p1, ReLU, avgpool 2, dense 10"),
}


def _he(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _bias(rng: np.random.Generator, n: int) -> np.ndarray:
    return (rng.standard_normal(n) * 0.05).astype(np.float32)


def build(name: str):
    """The ONNX ModelProto of one comparison model."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(SEED + list(MODELS).index(name))
    shape, _ = MODELS[name]
    inits: list = []
    nodes: list = []

    def init(tensor_name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, tensor_name))
        return tensor_name

    def node(op: str, inputs: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def dense(x: str, n_in: int, n_out: int, tag: str) -> str:
        w = init(f"{tag}_w", _he(rng, (n_in, n_out), n_in))
        b = init(f"{tag}_b", _bias(rng, n_out))
        return node("Gemm", [x, w, b], tag)

    def conv(x: str, c_in: int, c_out: int, ks: int, tag: str, stride: int = 1, pad: int = 0) -> str:
        w = init(f"{tag}_w", _he(rng, (c_out, c_in, ks, ks), c_in * ks * ks))
        b = init(f"{tag}_b", _bias(rng, c_out))
        return node("Conv", [x, w, b], tag, kernel_shape=[ks, ks], strides=[stride, stride], pads=[pad] * 4)

    x = "input"
    if name == "mlp":
        x = node("Relu", [dense(x, 784, 64, "fc1")], "relu1")
        out = dense(x, 64, 10, "fc2")
    elif name == "cnn_small":
        x = node("Relu", [conv(x, 1, 4, 5, "conv1", stride=2)], "relu1")  # 4x12x12
        x = node("Relu", [conv(x, 4, 8, 5, "conv2", stride=2)], "relu2")  # 8x4x4
        x = node("Flatten", [x], "flat")
        out = dense(x, 128, 10, "fc")
    elif name == "cnn_cifar":
        x = node("Relu", [conv(x, 3, 16, 3, "conv1", pad=1)], "relu1")  # 16x32x32
        x = node("AveragePool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])  # 16x16x16
        x = node("Relu", [conv(x, 16, 32, 3, "conv2", pad=1)], "relu2")  # 32x16x16
        x = node("AveragePool", [x], "pool2", kernel_shape=[2, 2], strides=[2, 2])  # 32x8x8
        x = node("Flatten", [x], "flat")
        out = dense(x, 2048, 10, "fc")
    else:
        raise KeyError(name)
    nodes[-1].output[0] = "output"
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="zkir-benchmarks")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def sample_input(name: str) -> np.ndarray:
    shape, _ = MODELS[name]
    return np.random.default_rng(SEED + 100).random(shape, dtype=np.float32)


def write(out_dir: Path) -> dict[str, Path]:
    """Write every model and its input (zkir's JSON and EZKL's input.json layout)."""
    import onnx

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in MODELS:
        path = out_dir / f"{name}.onnx"
        onnx.save(build(name), path)
        x = sample_input(name)
        (out_dir / f"{name}.input.json").write_text(json.dumps({"input": x.tolist()}))
        (out_dir / f"{name}.ezkl_input.json").write_text(json.dumps({"input_data": [x.ravel().tolist()]}))
        paths[name] = path
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/bench_models")
    for name, path in write(target).items():
        print(f"{name}: {path}  ({MODELS[name][1]})")
