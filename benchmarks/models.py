"""The comparison models of the EZKL benchmark, as seeded ONNX files.

Three ReLU models (an MLP and two CNNs) and two where lookup tables used to set
k: an MLP with tanh and sigmoid, and a one-block pre-norm transformer (layer
norm, softmax attention, GELU by erf).

Weights are drawn with He-style scaling so activations keep a unit-ish range
through the layers (the fixed-point error then means something); the input is
a seeded uniform [0, 1) image. Static batch 1, opset 17, plain ops every
ONNX consumer knows (Gemm, Conv, Relu, AveragePool, Flatten).

Usage: python benchmarks/models.py OUT_DIR   (writes every model's .onnx, input JSONs and samples)
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
    "mlp_tanh": ((1, 64), "MLP 64 -> 32 -> tanh -> 16 -> sigmoid -> 4"),
    "attention_block": ((8, 16), "pre-norm block, t=8 d=16: layer norm, one-head attention (softmax), residual, layer norm, MLP 16-64-16 with GELU by erf, residual"),
}
OUTPUTS = {"mlp_tanh": [1, 4], "attention_block": [8, 16]}
"""Output shapes other than the classifiers' [1, 10]."""


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

    def const(tensor_name: str, value: float) -> str:
        return init(tensor_name, np.array(value, dtype=np.float32))

    def matmul(x: str, n_in: int, n_out: int, tag: str) -> str:
        return node("MatMul", [x, init(f"{tag}_w", _he(rng, (n_in, n_out), n_in) * 0.7)], tag)

    def layer_norm(x: str, d: int, tag: str) -> str:
        scale = init(f"{tag}_g", (1 + 0.1 * rng.standard_normal(d)).astype(np.float32))
        bias = init(f"{tag}_b", _bias(rng, d))
        return node("LayerNormalization", [x, scale, bias], tag, axis=-1, epsilon=1e-5)

    x = "input"
    if name == "mlp_tanh":
        x = node("Tanh", [dense(x, 64, 32, "fc1")], "tanh1")
        x = node("Sigmoid", [dense(x, 32, 16, "fc2")], "sigmoid2")
        out = dense(x, 16, 4, "fc3")
    elif name == "attention_block":
        h = layer_norm(x, 16, "ln1")
        q, k, v = (matmul(h, 16, 16, t) for t in ("q", "k", "v"))
        scores = node("Div", [node("MatMul", [q, node("Transpose", [k], "kT", perm=[1, 0])], "qk"), const("sqrt_d", 4.0)], "scores")
        attn = node("MatMul", [node("Softmax", [scores], "softmax", axis=-1), v], "attn")
        x = node("Add", [x, matmul(attn, 16, 16, "proj")], "resid1")
        h = dense(layer_norm(x, 16, "ln2"), 16, 64, "fc1")
        erf = node("Erf", [node("Div", [h, const("sqrt2", float(np.sqrt(2.0)))], "gelu_in")], "gelu_erf")
        gelu = node("Mul", [node("Mul", [h, const("half", 0.5)], "gelu_half"), node("Add", [erf, const("one", 1.0)], "gelu_1p")], "gelu")
        out = node("Add", [x, matmul(gelu, 64, 16, "fc2")], "resid2")
    elif name == "mlp":
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
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, OUTPUTS.get(name, [1, 10]))],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="zkir-benchmarks")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def sample_input(name: str) -> np.ndarray:
    shape, _ = MODELS[name]
    rng = np.random.default_rng(SEED + 100)
    if name == "attention_block":  # a residual stream: centred
        return rng.standard_normal(shape).astype(np.float32)
    return rng.random(shape, dtype=np.float32)


def samples(name: str, count: int = 16) -> list[np.ndarray]:
    """Calibration samples: the benchmark input, then seeded ones like it."""
    shape, _ = MODELS[name]
    rng = np.random.default_rng(SEED + 200)
    more = [rng.standard_normal(shape) if name == "attention_block" else rng.random(shape) for _ in range(count - 1)]
    return [sample_input(name), *(m.astype(np.float32) for m in more)]


def write(out_dir: Path) -> dict[str, Path]:
    """Write every model, its input (zkir's JSON and EZKL's input.json layout)
    and its calibration samples (`zkir compile --calibration`)."""
    import onnx

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in MODELS:
        path = out_dir / f"{name}.onnx"
        onnx.save(build(name), path)
        x = sample_input(name)
        (out_dir / f"{name}.input.json").write_text(json.dumps({"input": x.tolist()}))
        (out_dir / f"{name}.ezkl_input.json").write_text(json.dumps({"input_data": [x.ravel().tolist()]}))
        (out_dir / f"{name}.samples.json").write_text(json.dumps([s.tolist() for s in samples(name)]))
        paths[name] = path
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/bench_models")
    for name, path in write(target).items():
        print(f"{name}: {path}  ({MODELS[name][1]})")
