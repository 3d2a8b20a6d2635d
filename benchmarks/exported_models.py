"""Whole exported models, as a new user would bring them: Keras models with random
weights exported to TFLite (TFLiteConverter) and to ONNX (tf2onnx), each taken
through zkir import, compile and the mock prover on one input, with the
circuit's output compared to onnxruntime (ONNX) or the TFLite interpreter.

The circuit's output is the witness the mock prover checks (bit for bit what
`zkir prove` proves); "error" is its largest absolute difference from the
reference runtime's float output, at scale 8.

Usage: python benchmarks/exported_models.py [--models mlp,dlrm,...] [--markdown FILE]
Needs the `tf` extra and tf2onnx (in the `test` extra).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SCALE_BITS = 8


@dataclass
class Exported:
    """A Keras model with a static signature, and one input for it."""

    name: str
    model: object
    specs: list  # tf.TensorSpec per input, static shapes
    feeds: list[np.ndarray]


def _seeded() -> None:
    import keras

    keras.utils.set_random_seed(0)


def mlp() -> Exported:
    import keras
    import tensorflow as tf

    _seeded()
    x = keras.Input((16,), name="x")
    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(16, activation="relu")(h)
    out = keras.layers.Dense(4, activation="softmax")(h)
    m = keras.Model(x, out)
    return Exported("MLP", m, [tf.TensorSpec((1, 16), tf.float32, name="x")], [np.random.default_rng(1).normal(size=(1, 16)).astype(np.float32)])


def lenet5() -> Exported:
    import keras
    import tensorflow as tf

    _seeded()
    x = keras.Input((28, 28, 1), name="x")
    h = keras.layers.Conv2D(6, 5, padding="same", activation="relu")(x)
    h = keras.layers.AveragePooling2D(2)(h)
    h = keras.layers.Conv2D(16, 5, activation="relu")(h)
    h = keras.layers.AveragePooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(120, activation="relu")(h)
    h = keras.layers.Dense(84, activation="relu")(h)
    out = keras.layers.Dense(10)(h)
    m = keras.Model(x, out)
    feed = np.random.default_rng(2).uniform(0, 1, (1, 28, 28, 1)).astype(np.float32)
    return Exported("LeNet-5", m, [tf.TensorSpec((1, 28, 28, 1), tf.float32, name="x")], [feed])


def resnet() -> Exported:
    """A ResNet-8-like network: three residual stages of two 3x3 convolutions."""
    import keras
    import tensorflow as tf

    _seeded()
    x = keras.Input((16, 16, 3), name="x")
    h = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    for filters, stride in ((8, 1), (16, 2), (16, 2)):
        skip = h if stride == 1 and h.shape[-1] == filters else keras.layers.Conv2D(filters, 1, strides=stride)(h)
        y = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu")(h)
        y = keras.layers.Conv2D(filters, 3, padding="same")(y)
        h = keras.layers.ReLU()(keras.layers.Add()([y, skip]))
    h = keras.layers.GlobalAveragePooling2D()(h)
    out = keras.layers.Dense(10)(h)
    m = keras.Model(x, out)
    feed = np.random.default_rng(3).uniform(0, 1, (1, 16, 16, 3)).astype(np.float32)
    return Exported("ResNet-8", m, [tf.TensorSpec((1, 16, 16, 3), tf.float32, name="x")], [feed])


def mobilenet() -> Exported:
    import keras
    import tensorflow as tf

    _seeded()
    m = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=10)
    feed = np.random.default_rng(4).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    return Exported("MobileNetV2 0.35 32x32", m, [tf.TensorSpec((1, 32, 32, 3), tf.float32, name="x")], [feed])


RESNET18_WIDTH = 32
"""resnet18_cifar's default first width (see its docstring)."""


def resnet18_cifar(width: int = RESNET18_WIDTH) -> Exported:
    """A ResNet-18-style CIFAR net (benchmarks/sharded.py): ResNet-18's topology
    for 32x32x3 images at a width multiplier. A 3x3 convolution to `width`
    channels, then 4 stages of 2 basic blocks (two 3x3 convolutions and a
    residual) at width x (1, 2, 4, 8), stride 2 from stage 2 with a 1x1
    projection shortcut where the shape changes, global average pooling, dense 10.

    width=64 is ResNet-18 itself (11M weights, 0.56 G multiply-adds); the
    default 16 (stages 16, 32, 64, 128: 0.7M weights, 35M multiply-adds) is what
    this machine kind (2 cores, 24 GiB) proves in tens of minutes. No batch norm:
    at inference it is an affine map folded into the convolution before it, so
    with random weights it changes nothing zkir proves."""
    import keras
    import tensorflow as tf

    _seeded()
    init = keras.initializers.HeNormal(seed=0)  # keeps activations in range through 17 layers

    def conv(h, filters: int, size: int, stride: int = 1, relu: bool = True):
        return keras.layers.Conv2D(filters, size, strides=stride, padding="same", kernel_initializer=init,
                                   activation="relu" if relu else None)(h)

    x = keras.Input((32, 32, 3), name="x")
    h = conv(x, width, 3)
    for stage, mult in enumerate((1, 2, 4, 8)):
        filters = width * mult
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            skip = h if stride == 1 and h.shape[-1] == filters else conv(h, filters, 1, stride, relu=False)
            y = conv(conv(h, filters, 3, stride), filters, 3, relu=False)
            h = keras.layers.ReLU()(keras.layers.Add()([y, skip]))
    h = keras.layers.GlobalAveragePooling2D()(h)
    out = keras.layers.Dense(10)(h)
    m = keras.Model(x, out)
    feed = np.random.default_rng(7).uniform(0, 1, (1, 32, 32, 3)).astype(np.float32)
    name = "ResNet-18" if width == 64 else f"ResNet-18-style (width {width})"
    return Exported(name, m, [tf.TensorSpec((1, 32, 32, 3), tf.float32, name="x")], [feed])


def dlrm() -> Exported:
    """Dense features through a bottom MLP, two categorical features through
    embeddings, concatenated into a top MLP: DLRM's shape, small."""
    import keras
    import tensorflow as tf

    _seeded()
    dense = keras.Input((4,), name="dense_in")
    cat = keras.Input((2,), dtype="int32", name="cat_in")
    e1 = keras.layers.Embedding(20, 8)(cat[:, 0])
    e2 = keras.layers.Embedding(30, 8)(cat[:, 1])
    bottom = keras.layers.Dense(8, activation="relu")(dense)
    z = keras.layers.Concatenate()([bottom, e1, e2])
    top = keras.layers.Dense(16, activation="relu")(z)
    out = keras.layers.Dense(1, activation="sigmoid")(top)
    m = keras.Model([dense, cat], out)
    specs = [tf.TensorSpec((1, 4), tf.float32, name="dense_in"), tf.TensorSpec((1, 2), tf.int32, name="cat_in")]
    feeds = [np.random.default_rng(5).normal(size=(1, 4)).astype(np.float32), np.array([[3, 29]], np.int32)]
    return Exported("DLRM-shaped", m, specs, feeds)


def transformer() -> Exported:
    """One encoder block: multi-head self-attention and a feed-forward network,
    each with a residual and layer normalisation (tanh-form GELU)."""
    import keras
    import tensorflow as tf

    _seeded()
    x = keras.Input((8, 16), name="x")
    a = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    h = keras.layers.LayerNormalization(epsilon=1e-5)(keras.layers.Add()([x, a]))
    f = keras.layers.Dense(32, activation=lambda v: keras.activations.gelu(v, approximate=True))(h)
    f = keras.layers.Dense(16)(f)
    out = keras.layers.LayerNormalization(epsilon=1e-5)(keras.layers.Add()([h, f]))
    m = keras.Model(x, out)
    feed = np.random.default_rng(6).normal(size=(1, 8, 16)).astype(np.float32)
    return Exported("Transformer encoder", m, [tf.TensorSpec((1, 8, 16), tf.float32, name="x")], [feed])


MODELS: dict[str, Callable[[], Exported]] = {
    "mlp": mlp,
    "lenet5": lenet5,
    "resnet": resnet,
    "mobilenet": mobilenet,
    "dlrm": dlrm,
    "transformer": transformer,
}
SMALL = ("mlp", "dlrm")


def _function(e: Exported):
    import tensorflow as tf

    model = e.model
    if len(e.specs) == 1:
        return tf.function(lambda a: model(a), input_signature=e.specs)
    return tf.function(lambda *a: model(list(a)), input_signature=e.specs)


def export_onnx(e: Exported, path: Path) -> Path:
    import onnx
    import tf2onnx

    proto, _ = tf2onnx.convert.from_function(_function(e), input_signature=e.specs, opset=17)
    onnx.save(proto, str(path))
    return path


def export_tflite(e: Exported, path: Path) -> Path:
    import tensorflow as tf

    # (from a concrete function, TF 2.21 keeps the weights as VAR_HANDLE resources)
    converter = tf.lite.TFLiteConverter.from_keras_model(e.model)
    path.write_bytes(converter.convert())
    return path


def reference(fmt: str, path: Path, e: Exported) -> list[np.ndarray]:
    """The model's float outputs from its own runtime, in its output order."""
    if fmt == "onnx":
        import onnxruntime as ort

        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feeds = {i.name: f for i, f in zip(sess.get_inputs(), e.feeds)}
        return [np.asarray(o) for o in sess.run(None, feeds)]
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=str(path))
    interp.allocate_tensors()
    details = interp.get_input_details()
    by_spec = {s.name: f for s, f in zip(e.specs, e.feeds)}
    for d, f in zip(details, e.feeds):
        name = next((n for n in by_spec if n in d["name"]), None)
        interp.set_tensor(d["index"], by_spec[name] if name else f)
    interp.invoke()
    return [np.asarray(interp.get_tensor(d["index"])) for d in interp.get_output_details()]


@dataclass
class Result:
    model: str
    fmt: str
    imported: str = "-"
    compiled: str = "-"
    mock: str = "-"
    error: str = "-"
    k: int | None = None
    seconds: float = 0.0
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.mock == "pass"


def _feeds_by_name(module, e: Exported) -> dict[str, np.ndarray]:
    """The model's inputs by zkir's names for them, matched to the spec names."""
    from zkir.interpreter.program import input_specs, main_function

    names = [s.name for s in input_specs(main_function(module))]
    out = {}
    for name in names:
        hit = [f for s, f in zip(e.specs, e.feeds) if s.name in name]
        out[name] = hit[0] if len(hit) == 1 else e.feeds[names.index(name)]
    return out


def run_one(e: Exported, fmt: str, workdir: Path) -> Result:
    from zkir import workflow

    r = Result(e.name, "ONNX (tf2onnx)" if fmt == "onnx" else "TFLite")
    start = time.perf_counter()
    try:
        path = (export_onnx if fmt == "onnx" else export_tflite)(e, workdir / f"model.{fmt}")
    except Exception as exc:  # noqa: BLE001 - an exporter failure is a row, not a crash
        r.detail = f"export failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        return r
    stage = "imported"
    try:
        module = workflow.import_model(path)
        r.imported = "pass"
        stage = "compiled"
        build = workdir / f"build_{fmt}"
        settings = workflow.compile_model(path, build, workflow.CompileOptions(scale_bits=SCALE_BITS, layout_search=False))
        r.compiled, r.k = "pass", settings.k
        stage = "mock"
        feeds = _feeds_by_name(module, e)
        seen = {}

        def capture(witness) -> None:
            seen["outputs"] = [np.asarray(o, dtype=np.float64) for o in witness.outputs]

        failures = workflow.mock(build, {k: np.asarray(v) for k, v in feeds.items()}, tamper=capture)
        r.mock = "pass" if not failures else f"FAIL ({len(failures)}: {failures[0]})"
        scales = [o.scale for o in settings.outputs]
        got = [o / 2.0**s for o, s in zip(seen["outputs"], scales)]
        refs = reference(fmt, path, e)
        errs = [float(np.abs(g.reshape(ref.shape) - ref).max()) for g, ref in zip(got, refs)]
        r.error = f"{max(errs):.4f}"
    except Exception as exc:  # noqa: BLE001 - each stage's failure is reported in the table
        setattr(r, stage, "FAIL")
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        r.detail = f"{type(exc).__name__}: {first[:200]}"
        if os.environ.get("ZKIR_TRACEBACK"):
            traceback.print_exc()
    r.seconds = round(time.perf_counter() - start, 1)
    return r


def run(models: list[str]) -> list[Result]:
    results = []
    for key in models:
        e = MODELS[key]()
        for fmt in ("tflite", "onnx"):
            with tempfile.TemporaryDirectory() as d:
                results.append(run_one(e, fmt, Path(d)))
                print(_row(results[-1]), file=sys.stderr, flush=True)
    return results


HEADER = "| model | format | import | compile | mock | max abs error | k | seconds | note |\n|---|---|---|---|---|---|---|---|---|"


def _row(r: Result) -> str:
    k = "" if r.k is None else str(r.k)
    return f"| {r.model} | {r.fmt} | {r.imported} | {r.compiled} | {r.mock} | {r.error} | {k} | {r.seconds} | {r.detail} |"


def markdown(results: list[Result]) -> str:
    return "\n".join([HEADER, *(_row(r) for r in results)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    results = run([m.strip() for m in args.models.split(",") if m.strip()])
    table = markdown(results)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")


if __name__ == "__main__":
    main()
