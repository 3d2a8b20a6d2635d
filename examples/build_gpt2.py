"""A tiny GPT-2-shaped ONNX model with seeded random weights.

2 blocks, width 64, 4 heads, vocabulary 256, context 16. The graph is written
the way exporters write GPT-2, and deliberately mixes the forms zkir must read:
block 0 uses the native LayerNormalization and Gelu ops, block 1 their
decompositions (ReduceMean/Sub/Pow/Sqrt/Div, and GELU's tanh approximation
with Pow(x, 3)); `gelu(.., "erf")` writes the erf form. Attention is causal
through Where with a constant mask; the LM head is tied to the embedding. Writes examples/gpt2_tiny/model.onnx and input.json, and checks
the model with onnxruntime.

Usage: python examples/build_gpt2.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VOCAB, CTX, WIDTH, HEADS, BLOCKS = 256, 16, 64, 4, 2
SEED = 0


def build():
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(SEED)
    inits: dict[str, np.ndarray] = {}
    nodes = []
    counter = [0]

    def w(name, *shape, std=0.02):
        inits[name] = (rng.normal(size=shape) * std).astype(np.float32)
        return name

    def c(name, value, dtype=np.float32):
        inits[name] = np.asarray(value, dtype=dtype)
        return name

    def node(op, inputs, n_out=1, **attrs):
        counter[0] += 1
        name = f"{op.lower()}_{counter[0]}"
        outs = [f"{name}_out{i}" if n_out > 1 else name for i in range(n_out)]
        nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs if n_out > 1 else outs[0]

    hd = WIDTH // HEADS
    w("wte", VOCAB, WIDTH, std=0.1)
    w("wpe", CTX, WIDTH, std=0.05)
    c("positions", np.arange(CTX)[None, :], np.int64)
    c("mask", np.tril(np.ones((CTX, CTX), bool)), np.bool_)
    c("neg", -1e4)
    c("head_shape", [1, CTX, HEADS, hd], np.int64)
    c("flat_shape", [1, CTX, WIDTH], np.int64)
    c("scale", np.sqrt(hd))
    c("two", 2.0)
    c("three", 3.0)
    c("half", 0.5)
    c("one", 1.0)
    c("eps", 1e-5)
    c("sqrt2", np.sqrt(2.0))
    c("gelu_c", 0.044715)
    c("sqrt_2_pi", np.sqrt(2.0 / np.pi))
    c("last_axis", [-1], np.int64)

    tok = node("Gather", ["wte", "input_ids"])
    pos = node("Gather", ["wpe", "positions"])
    h = node("Add", [tok, pos])

    def layer_norm(x, prefix, native):
        g = c(f"{prefix}_g", 1.0 + rng.normal(size=WIDTH) * 0.1)
        b = c(f"{prefix}_b", rng.normal(size=WIDTH) * 0.1)
        if native:
            return node("LayerNormalization", [x, g, b], axis=-1, epsilon=1e-5)
        mean = node("ReduceMean", [x, "last_axis"], keepdims=1)
        d = node("Sub", [x, mean])
        var = node("ReduceMean", [node("Pow", [d, "two"]), "last_axis"], keepdims=1)
        std = node("Sqrt", [node("Add", [var, "eps"])])
        return node("Add", [node("Mul", [node("Div", [d, std]), g]), b])

    def gelu(x, form):
        if form == "native":
            return node("Gelu", [x])
        if form == "erf":
            e = node("Erf", [node("Div", [x, "sqrt2"])])
            return node("Mul", [node("Mul", [x, node("Add", [e, "one"])]), "half"])
        cube = node("Pow", [x, "three"])
        inner = node("Mul", [node("Add", [x, node("Mul", [cube, "gelu_c"])]), "sqrt_2_pi"])
        return node("Mul", [node("Mul", [x, "half"]), node("Add", [node("Tanh", [inner]), "one"])])

    for blk in range(BLOCKS):
        p = f"h{blk}"
        native = blk == 0
        a = layer_norm(h, f"{p}_ln1", native)
        qkv = node("Add", [node("MatMul", [a, w(f"{p}_attn_w", WIDTH, 3 * WIDTH)]), c(f"{p}_attn_b", rng.normal(size=3 * WIDTH) * 0.02)])
        q, k, v = node("Split", [qkv], n_out=3, axis=2, num_outputs=3)
        heads = [node("Transpose", [node("Reshape", [t, "head_shape"])], perm=[0, 2, 1, 3]) for t in (q, k, v)]
        kt = node("Transpose", [heads[1]], perm=[0, 1, 3, 2])
        scores = node("Div", [node("MatMul", [heads[0], kt]), "scale"])
        probs = node("Softmax", [node("Where", ["mask", scores, "neg"])], axis=-1)
        ctx = node("MatMul", [probs, heads[2]])
        merged = node("Reshape", [node("Transpose", [ctx], perm=[0, 2, 1, 3]), "flat_shape"])
        proj = node("Add", [node("MatMul", [merged, w(f"{p}_proj_w", WIDTH, WIDTH)]), c(f"{p}_proj_b", np.zeros(WIDTH))])
        h = node("Add", [h, proj])
        m = layer_norm(h, f"{p}_ln2", native)
        fc = node("Add", [node("MatMul", [m, w(f"{p}_fc_w", WIDTH, 4 * WIDTH)]), c(f"{p}_fc_b", rng.normal(size=4 * WIDTH) * 0.02)])
        act = gelu(fc, "native" if native else "tanh")
        out = node("Add", [node("MatMul", [act, w(f"{p}_fc2_w", 4 * WIDTH, WIDTH)]), c(f"{p}_fc2_b", np.zeros(WIDTH))])
        h = node("Add", [h, out])
    final = layer_norm(h, "ln_f", True)
    c("wte_t", inits["wte"].T.copy())
    nodes.append(helper.make_node("MatMul", [final, "wte_t"], ["logits"], name="lm_head"))

    graph = helper.make_graph(
        nodes,
        "gpt2_tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, CTX])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, CTX, VOCAB])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], producer_name="zkir-examples")
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def main() -> None:
    import onnxruntime as ort

    model = build()
    out = HERE / "gpt2_tiny"
    out.mkdir(exist_ok=True)
    data = model.SerializeToString()
    (out / "model.onnx").write_bytes(data)
    ids = np.random.default_rng(SEED + 1).integers(0, VOCAB, size=(1, CTX)).astype(np.int64)
    (out / "input.json").write_text(json.dumps({"input_ids": ids.tolist()}))
    logits = ort.InferenceSession(data).run(None, {"input_ids": ids})[0]
    print(f"gpt2_tiny: {len(data)} B, {len(model.graph.node)} nodes, logits {logits.shape}, range {logits.min():.3f}..{logits.max():.3f}")


if __name__ == "__main__":
    main()
