"""Train the digits MLP and CNN with Keras (seeded) and export ONNX + TFLite.

tf2onnx is not a zkir dependency, so the ONNX graphs are written by hand with
onnx.helper from the trained Keras weights, then checked against onnxruntime
and the Keras model itself; the TFLite files come from TF's own converter and
are checked with the TFLite interpreter. Writes, per model:
examples/digits_{mlp,cnn}/model.onnx, model.tflite, input.json (ONNX layout,
one test image), input_tflite.json (the TFLite layout) and expected.json.

Usage: python examples/build_digits.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from digits_data import SEED, digits_split  # noqa: E402


def _keras_models():
    import keras
    from keras import layers

    mlp = keras.Sequential(
        [
            keras.Input((64,), name="pixels"),
            layers.Dense(32, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dense(10),
        ],
        name="digits_mlp",
    )
    cnn = keras.Sequential(
        [
            keras.Input((8, 8, 1), name="image"),
            layers.Conv2D(8, 3, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(10),
            layers.Softmax(),
        ],
        name="digits_cnn",
    )
    return mlp, cnn


def train():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    x_train, y_train, x_test, y_test = digits_split()
    mlp, cnn = _keras_models()
    mlp.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    mlp.fit(x_train, y_train, epochs=40, batch_size=32, verbose=0)
    cnn.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    cnn.fit(x_train.reshape(-1, 8, 8, 1), y_train, epochs=25, batch_size=32, verbose=0)
    return mlp, cnn


def mlp_onnx(mlp):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes, prev = [], [], "pixels"
    dense = [l for l in mlp.layers if l.weights]
    for i, layer in enumerate(dense):
        w, b = (np.asarray(v, np.float32) for v in layer.get_weights())
        inits += [numpy_helper.from_array(w, f"dense{i}_w"), numpy_helper.from_array(b, f"dense{i}_b")]
        out = "logits" if i == len(dense) - 1 else f"h{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"dense{i}_w", f"dense{i}_b"], [out + ("" if out == "logits" else "_lin")], name=f"dense{i}"))
        if out != "logits":
            nodes.append(helper.make_node("Relu", [out + "_lin"], [out], name=f"relu{i}"))
        prev = out
    graph = helper.make_graph(
        nodes,
        "digits_mlp",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="zkir-examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def cnn_onnx(cnn):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    conv1, bn, _, _, conv2, _, dense, _ = cnn.layers
    w1, b1 = conv1.get_weights()
    gamma, beta, mean, var = bn.get_weights()
    w2, b2 = conv2.get_weights()
    wd, bd = dense.get_weights()
    arrays = {
        "conv1_w": w1.transpose(3, 2, 0, 1),  # HWIO -> OIHW
        "conv1_b": b1,
        "bn_gamma": gamma,
        "bn_beta": beta,
        "bn_mean": mean,
        "bn_var": var,
        "conv2_w": w2.transpose(3, 2, 0, 1),
        "conv2_b": b2,
        "dense_w": wd,
        "dense_b": bd,
    }
    inits = [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in arrays.items()]
    h = helper.make_node
    nodes = [
        h("Conv", ["image", "conv1_w", "conv1_b"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        h("BatchNormalization", ["c1", "bn_gamma", "bn_beta", "bn_mean", "bn_var"], ["bn1"], name="bn1", epsilon=float(bn.epsilon)),
        h("Relu", ["bn1"], ["r1"], name="relu1"),
        h("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        h("Conv", ["p1", "conv2_w", "conv2_b"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        h("Relu", ["c2"], ["r2"], name="relu2"),
        # Keras flattens NHWC: transpose back before flattening so the Dense
        # weights are used unchanged.
        h("Transpose", ["r2"], ["nhwc"], name="to_nhwc", perm=[0, 2, 3, 1]),
        h("Flatten", ["nhwc"], ["flat"], name="flatten", axis=1),
        h("Gemm", ["flat", "dense_w", "dense_b"], ["logits"], name="dense"),
        h("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "digits_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="zkir-examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def to_tflite(keras_model) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    return converter.convert()


def tflite_run(flatbuffer: bytes, x: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_content=flatbuffer)
    inp = interp.get_input_details()[0]
    interp.resize_tensor_input(inp["index"], list(x.shape))
    interp.allocate_tensors()
    interp.set_tensor(inp["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def main() -> None:
    import onnxruntime as ort

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    x_train, y_train, x_test, y_test = digits_split()
    mlp, cnn = train()
    for name, kmodel, onnx_model, nchw in (
        ("digits_mlp", mlp, mlp_onnx(mlp), lambda x: x),
        ("digits_cnn", cnn, cnn_onnx(cnn), lambda x: x.reshape(-1, 1, 8, 8)),
    ):
        out = HERE / name
        out.mkdir(exist_ok=True)
        keras_in = x_test if name == "digits_mlp" else x_test.reshape(-1, 8, 8, 1)
        ref = np.asarray(kmodel.predict(keras_in, verbose=0))
        sess = ort.InferenceSession(onnx_model.SerializeToString())
        got = sess.run(None, {sess.get_inputs()[0].name: nchw(x_test)})[0]
        assert np.abs(got - ref).max() < 1e-4, f"{name}: ONNX export differs from Keras"
        flat = to_tflite(kmodel)
        got_tfl = tflite_run(flat, keras_in)
        assert np.abs(got_tfl - ref).max() < 1e-4, f"{name}: TFLite export differs"
        (out / "model.onnx").write_bytes(onnx_model.SerializeToString())
        (out / "model.tflite").write_bytes(flat)
        first = x_test[:1]
        (out / "input.json").write_text(json.dumps(nchw(first).tolist()))
        (out / "input_tflite.json").write_text(json.dumps(keras_in[:1].tolist()))
        (out / "expected.json").write_text(
            json.dumps({"label": int(y_test[0]), "output": ref[:1].tolist()})
        )
        acc = float((ref.argmax(1) == y_test).mean())
        print(f"{name}: keras test accuracy {acc:.4f}; onnx {len(onnx_model.SerializeToString())} B, tflite {len(flat)} B")


if __name__ == "__main__":
    main()
