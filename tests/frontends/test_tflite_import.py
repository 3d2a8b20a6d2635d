"""TFLite / Keras import + float interpreter against the TFLite interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from onnx_helpers import assert_close
from zkir.frontends.errors import ModelError, UnsupportedModel
from zkir.frontends.tflite import import_keras, import_tflite
from zkir.interpreter.float_interp import run_float

pytestmark = pytest.mark.tf
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

EXAMPLES = Path(__file__).parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))
from digits_data import digits_split  # noqa: E402


def tflite_run(flat: bytes, x: np.ndarray) -> np.ndarray:
    import warnings

    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interp = tf.lite.Interpreter(model_content=flat)
    inp = interp.get_input_details()[0]
    interp.resize_tensor_input(inp["index"], list(x.shape))
    interp.allocate_tensors()
    interp.set_tensor(inp["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


@pytest.mark.parametrize("name,shape", [("digits_mlp", (-1, 64)), ("digits_cnn", (-1, 8, 8, 1))])
def test_digits_tflite_matches_the_tflite_interpreter(name, shape):
    path = EXAMPLES / name / "model.tflite"
    assert path.stat().st_size < 1_000_000
    _, _, x_test, y_test = digits_split()
    x = x_test.reshape(shape)
    module = import_tflite(path, list(x.shape))
    got = run_float(module, x)[0]
    assert_close(got, tflite_run(path.read_bytes(), x))
    assert (got.argmax(1) == y_test).mean() > 0.95
    names = [op.name for op in module.walk()]
    # NHWC <-> NCHW transposes between consecutive convolutions/pools cancel
    assert names.count("ml.transpose") <= 2 * names.count("ml.conv2d")


def test_keras_model_with_depthwise_pools_and_friends():
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    inp = keras.Input((10, 10, 3))
    a = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu6")(inp)
    b = layers.Conv2D(4, 3, strides=2, padding="valid")(inp)
    b = layers.ZeroPadding2D(((1, 0), (0, 1)))(b)
    b = layers.AveragePooling2D(2, padding="same")(b)
    a = layers.MaxPooling2D(2)(a)
    a = layers.AveragePooling2D(3, strides=1, padding="same")(a)
    a = layers.Conv2D(4, 1, activation="sigmoid")(a)
    c = layers.Concatenate()([a[:, 1:4, 1:4, :], b[:, :3, :3, :]])
    g = layers.GlobalAveragePooling2D()(c)
    out = layers.Dense(5, activation="tanh")(layers.Dense(6)(g) * 0.5 - 1.0)
    model = keras.Model(inp, layers.Softmax()(out))
    x = np.random.default_rng(0).normal(size=(2, 10, 10, 3)).astype(np.float32)
    module = import_keras(model, [2, 10, 10, 3])
    got = run_float(module, x)[0]
    assert_close(got, np.asarray(model(x)), rel=1e-4)
    names = {op.name for op in module.walk()}
    assert {"ml.conv2d", "ml.avg_pool", "ml.max_pool", "ml.clip", "ml.concat", "ml.reduce_mean"} <= names
    conv = [op for op in module.walk() if op.name == "ml.conv2d"]
    assert any(op.group.value.data == 3 for op in conv)  # the depthwise one


def test_not_a_tflite_file_truncated_and_dynamic(tmp_path):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"hello world, not a flatbuffer")
    with pytest.raises(ModelError, match="not a TFLite flatbuffer"):
        import_tflite(junk)
    data = (EXAMPLES / "digits_cnn" / "model.tflite").read_bytes()
    cut = tmp_path / "cut.tflite"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError):
        import_tflite(cut, [1, 8, 8, 1])
    # Keras exports leave the batch dynamic: it defaults to 1, and the importer says so
    notes: list[str] = []
    module = import_tflite(EXAMPLES / "digits_cnn" / "model.tflite", notice=notes.append)
    assert len(notes) == 1 and "batch dimension set to 1" in notes[0]
    assert "tensor<1x8x8x1xf32>" in str(module)


def test_keras_inputs_with_dynamic_batch_need_no_flag_and_other_dims_are_one_error():
    import keras
    from keras import layers

    keras.utils.set_random_seed(2)
    dense, cat = keras.Input((4,), name="dense_in"), keras.Input((3,), name="cat")
    model = keras.Model([dense, cat], layers.Dense(2)(layers.Concatenate()([dense, cat])))
    notes: list[str] = []
    module = import_keras(model, notice=notes.append)
    # one line naming both inputs (a DLRM-style model used to need one flag each)
    assert len(notes) == 1 and "'dense_in' [1, 4]" in notes[0] and "'cat' [1, 3]" in notes[0]
    x = {"dense_in": np.ones((1, 4), np.float32), "cat": np.full((1, 3), 2, np.float32)}
    assert_close(run_float(module, x)[0], np.asarray(model([x["dense_in"], x["cat"]])))
    seq_a, seq_b = keras.Input((None, 4), name="a"), keras.Input((None, 4), name="b")
    seq = keras.Model([seq_a, seq_b], layers.Add()([seq_a, seq_b]))
    with pytest.raises(ModelError) as e:
        import_keras(seq)
    assert "--input-shape a=1,D,4" in str(e.value) and "--input-shape b=1,D,4" in str(e.value)
    assert "tensor<1x5x4xf32>" in str(import_keras(seq, {"a": [1, 5, 4], "b": [1, 5, 4]}))


def test_unsupported_tflite_ops_are_listed():
    import keras
    import tensorflow as tf
    from keras import layers

    inp = keras.Input((4, 4, 2))
    x = layers.Conv2DTranspose(2, 2)(inp)
    x = layers.Lambda(lambda t: tf.math.cumsum(t, axis=1))(x)
    model = keras.Model(inp, x)
    with pytest.raises(UnsupportedModel) as e:
        import_keras(model, [1, 4, 4, 2])
    msg = str(e.value)
    assert "TRANSPOSE_CONV" in msg and "CUMSUM" in msg


def _keras_transformer():
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((8,), dtype="int32")
    e = layers.Embedding(50, 16)(inp)
    a = layers.LayerNormalization()(e)
    h = e + layers.MultiHeadAttention(2, 8)(a, a, use_causal_mask=True)
    f = layers.Dense(32, activation="gelu")(layers.LayerNormalization()(h))
    return keras.Model(inp, layers.Dense(50)(f))


def test_keras_transformer_block_through_the_converter():
    import tensorflow as tf

    model = _keras_transformer()
    x = (np.arange(8)[None] * 7 % 50).astype(np.int32)
    module = import_keras(model, [1, 8])
    got = run_float(module, x)[0]
    assert_close(got, np.asarray(model(x)))
    flat = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    assert_close(got, tflite_run(flat, x))
    names = {op.name for op in module.walk()}
    assert {"ml.gather", "ml.softmax", "ml.where", "ml.rsqrt", "ml.gelu", "ml.matmul"} <= names


def test_savedmodel_and_keras_files_from_the_cli(tmp_path, capsys):
    import json

    from zkir.tools.cli import main

    model = _keras_transformer()
    saved = tmp_path / "saved"
    model.export(str(saved), verbose=False)
    keras_file = tmp_path / "model.keras"
    model.save(keras_file)
    x = (np.arange(8)[None] * 5 % 50).astype(np.int32)
    inp = tmp_path / "ids.json"
    inp.write_text(json.dumps(x.tolist()))
    ref = np.asarray(model(x))
    for path in (saved, keras_file):
        assert main(["run", str(path), "--input", str(inp)]) == 0
        out = json.loads(capsys.readouterr().out)
        (value,) = out.values()
        assert_close(np.asarray(value, np.float32), ref)


def test_bad_keras_file_gives_one_line_without_tensorflow_chatter(tmp_path):
    import subprocess

    bad = tmp_path / "bad.keras"
    bad.write_text("junk")
    inp = tmp_path / "x.json"
    inp.write_text("[1.0]")
    proc = subprocess.run(
        [sys.executable, "-m", "zkir.tools.cli", "run", str(bad), "--input", str(inp)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a readable Keras model" in proc.stderr


def test_float16_weights_import_and_integer_quantized_models_are_refused():
    import contextlib
    import io

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(40, activation="relu"), keras.layers.Dense(10)])
    _, _, x, _ = digits_split()
    with contextlib.redirect_stdout(io.StringIO()):
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
        fp16 = conv.convert()
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]  # int8 weights (dynamic range)
        dynamic = conv.convert()
    module = import_tflite(fp16, [8, 64])
    assert "ml.matmul" in {op.name for op in module.walk()}
    assert_close(run_float(module, x[:8])[0], tflite_run(fp16, x[:8]))
    with pytest.raises(UnsupportedModel, match="quantized"):
        import_tflite(dynamic, [1, 64])


def test_tflite_elementwise_reduction_and_split_ops():
    import keras
    import tensorflow as tf
    from keras import layers

    def body(t):
        a, b, c = tf.split(t, [2, 3, 1], axis=-1)
        e = tf.exp(a * 0.1)
        r = tf.math.rsqrt(tf.reduce_sum(b * b, axis=-1, keepdims=True) + 1.0)
        m = tf.reduce_max(b, axis=-1, keepdims=True)
        s = tf.sqrt(tf.nn.relu(c) + 0.5)
        w = tf.where(tf.constant([[True, False]]), e, e * -2.0)
        u = tf.unstack(tf.reshape(b, [-1, 3, 1]), axis=1)
        return tf.concat([w, r * m, s / 3.0, u[0] - u[2], tf.nn.sigmoid(b), tf.nn.relu6(b * 4.0)], axis=-1)

    inp = keras.Input((6,))
    model = keras.Model(inp, layers.Lambda(body)(layers.Dense(6)(inp)))
    x = np.random.default_rng(3).normal(size=(1, 6)).astype(np.float32)
    module = import_keras(model, [1, 6])
    assert_close(run_float(module, x)[0], np.asarray(model(x)))
    flat = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    assert_close(run_float(module, x)[0], tflite_run(flat, x))


def test_hard_swish_from_keras():
    import keras
    from keras import layers

    inp = keras.Input((4, 4, 3))
    y = layers.Conv2D(4, 3, padding="same", activation="hard_swish")(inp)
    model = keras.Model(inp, layers.Activation("hard_sigmoid")(y))
    x = (np.random.default_rng(5).normal(size=(1, 4, 4, 3)) * 3).astype(np.float32)
    module = import_keras(model, [1, 4, 4, 3])
    assert_close(run_float(module, x)[0], np.asarray(model(x)))


@pytest.mark.parametrize("name,onnx_shape,tflite_shape", [("digits_mlp", (-1, 64), (-1, 64)), ("digits_cnn", (-1, 1, 8, 8), (-1, 8, 8, 1))])
def test_both_importers_give_the_same_fixed_point_integers(name, onnx_shape, tflite_shape):
    """The same Keras model through ONNX and through TFLite: identical ml
    semantics, so identical integers after ml-quantize (batch norm folded by
    zkir in one case and by TF's converter in the other)."""
    from zkir.context import make_context
    from zkir.frontends.onnx import import_onnx
    from zkir.interpreter.fixed_interp import run_fixed
    from zkir.passes.quantize import MLQuantizePass

    _, _, x, _ = digits_split()
    xo, xt = x.reshape(onnx_shape), x.reshape(tflite_shape)
    outs = []
    for module, inp in (
        (import_onnx(EXAMPLES / name / "model.onnx", list(xo.shape)), xo),
        (import_tflite(EXAMPLES / name / "model.tflite", list(xt.shape)), xt),
    ):
        MLQuantizePass(scale_bits=10).apply(make_context(), module)
        outs.append(run_fixed(module, inp)[0].raw)
    np.testing.assert_array_equal(outs[0], outs[1])
