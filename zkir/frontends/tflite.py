"""TFLite flatbuffers (float models), Keras models and SavedModels -> the `ml` dialect.

Parsing: the flatbuffer is read with the schema module TensorFlow itself
generates (tensorflow/lite/python/schema_py_generated.py), loaded by file path
so that TensorFlow is *not* imported: it needs only the `flatbuffers` package
and always matches the schema of the converter that wrote the file. Without TF
installed the `tflite` PyPI package (the same generated code) is used if present.
Keras models and SavedModels go through TF's TFLiteConverter, imported lazily.

TFLite activations are NHWC; ml.conv2d and the pools are NCHW, so those ops are
wrapped in transposes (ml-canonicalize removes the pairs that cancel).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeGuard

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue

from zkir.frontends.builder import (
    Args,
    InputShapes,
    MLBuilder,
    NodeUnsupported,
    Outputs,
    Value,
    constant_input,
    required_input,
    required_inputs,
    shape_of,
)
from zkir.frontends.errors import ModelError, Unsupported, UnsupportedModel
from zkir.frontends.shapes import Dim, Notice, resolve_input_shapes

# The flatbuffer schema's object API (ModelT, SubGraphT, TensorT, OperatorT and
# the per-op options) is generated code loaded at run time by `schema()`, so it
# has no static types: these names only say which of its objects is meant.
SchemaModule = ModuleType
Model = Any
SubGraph = Any
Tensor = Any
Operator = Any
Options = Any  # the op's builtinOptions object, or None

_SCHEMA: SchemaModule | None = None


def schema() -> SchemaModule:
    """TFLite's generated flatbuffer schema module, without importing TensorFlow."""
    global _SCHEMA
    if _SCHEMA is not None:
        return _SCHEMA
    spec = importlib.util.find_spec("tensorflow")
    if spec is not None and spec.origin:
        path = os.path.join(os.path.dirname(spec.origin), "lite", "python", "schema_py_generated.py")
        if os.path.exists(path):
            s = importlib.util.spec_from_file_location("zkir_tflite_schema", path)
            assert s is not None and s.loader is not None  # a .py file that exists has both
            mod = importlib.util.module_from_spec(s)
            s.loader.exec_module(mod)
            _SCHEMA = mod
            return mod
    try:
        import tflite

        _SCHEMA = tflite
        return tflite
    except ImportError:
        raise ModelError(
            "reading .tflite needs TensorFlow (pip install zkir[tf]) or the tflite package"
        ) from None


_FLOAT32, _FLOAT16, _INT32, _INT64, _BOOL = 0, 1, 2, 4, 6
_DTYPES = {
    0: np.float32,
    1: np.float16,
    2: np.int32,
    3: np.uint8,
    4: np.int64,
    6: np.bool_,
    7: np.int16,
    9: np.int8,
    10: np.float64,
}

_ACTIVATIONS = {0: None, 1: "relu", 2: "relu_n1_to_1", 3: "relu6", 4: "tanh"}


def load_tflite(path: str | Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    data = path.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{path}: not a TFLite flatbuffer (no TFL3 identifier)")
    return data


def import_tflite(
    model: bytes | str | Path,
    input_shapes: InputShapes = None,
    notice: Notice | None = None,
    layer_names: Sequence[str] | None = None,
) -> ModuleOp:
    """A .tflite file or flatbuffer bytes -> ModuleOp of ml ops, each value named
    after its Keras layer (`keras_scope`; `layer_names`, the model's layers when
    known, undo the exporter's scope suffixes). A dynamic batch alone defaults to
    1, said through `notice` (zkir.frontends.shapes)."""
    data = load_tflite(model) if isinstance(model, str | Path) else bytes(model)
    s = schema()
    try:
        m = s.ModelT.InitFromPackedBuf(data, 0)
        sg = m.subgraphs[0]
        _ = [t.shape for t in sg.tensors]
    except Exception as e:  # noqa: BLE001 - any failure here is an unreadable file
        raise ModelError(f"not a readable TFLite model ({type(e).__name__}: truncated or corrupt)") from None
    if getattr(m, "version", 3) != 3:
        raise ModelError(f"TFLite schema version {m.version} is not supported (zkir reads version 3)")
    if len(m.subgraphs) != 1:
        raise UnsupportedModel([Unsupported("model", "", f"{len(m.subgraphs)} subgraphs (control flow)")])
    return _TFLiteImporter(m, s, input_shapes, notice, layer_names).run()


def import_tensorflow() -> ModuleType:
    """`import tensorflow` with its C++ start-up chatter kept off stderr, where
    zkir prints its one-line errors."""
    import sys

    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return tf


def import_keras(model: Any, input_shapes: InputShapes = None, notice: Notice | None = None) -> ModuleOp:
    """A Keras model object or a SavedModel directory, through the TFLite converter."""
    import contextlib
    import io

    tf = import_tensorflow()

    try:
        # The converter prints its export summary on stdout, where `zkir run`
        # writes its JSON: keep it out.
        with contextlib.redirect_stdout(io.StringIO()):
            if isinstance(model, str | Path):
                converter = tf.lite.TFLiteConverter.from_saved_model(str(model))
            else:
                converter = tf.lite.TFLiteConverter.from_keras_model(model)
            flat = converter.convert()
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"the TFLite converter failed: {str(e).splitlines()[0]}") from None
    layers = None if isinstance(model, str | Path) else [layer.name for layer in getattr(model, "layers", [])]
    return import_tflite(flat, input_shapes, notice, layers)


# ---------------------------------------------------------------------------


# What every op handler takes and gives: the importer, the operator, its
# inputs (an omitted optional one, index -1, is None), its options -> one value
# or one per output.
Handler = Callable[["_TFLiteImporter", Operator, Args, Options], Outputs]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            HANDLERS[n] = fn
        return fn

    return register


@dataclass(frozen=True)
class _IndexWrap:
    """A pending run-time integer expression of Keras' Embedding: `x < 0` or
    `x + n`, only ever consumed as select(x < 0, x + n, x) == x wrapped
    (ml.gather already reads negative indices from the end)."""

    kind: str
    x: SSAValue
    n: int = 0


def _name(t: Tensor) -> str:
    n = t.name.decode() if isinstance(t.name, bytes) else str(t.name)
    return n


@dataclass
class _TFLiteImporter:
    m: Model
    s: SchemaModule
    input_shapes: InputShapes
    notice: Notice | None = None
    layer_names: Sequence[str] | None = None
    b: MLBuilder = field(default_factory=MLBuilder)
    env: dict[int, Value | _IndexWrap] = field(default_factory=dict)
    hints: dict[int, str] = field(default_factory=dict)
    layers: dict[int, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def hint(self, op: Operator) -> str:
        """The name of op's values: `_claim`ed, else its layer, else `t<tensor id>`."""
        t = int(op.outputs[0])
        return self.hints.get(t) or self.layers.get(t) or f"t{t}"

    def _name_ops(self, sg: SubGraph, ops: Sequence[tuple[str, str, Operator]]) -> None:
        """Find each op's Keras layer (`keras_scope` of its output's name, else of
        its constant inputs', the weights, which a model output's name lacks)."""
        def scope_of(op: Operator) -> str | None:
            found = keras_scope(_name(sg.tensors[op.outputs[0]]))
            for i in op.inputs[1:]:
                if found is None and i >= 0 and i in self.env:
                    found = keras_scope(_name(sg.tensors[i]))
            return found

        scopes = {int(op.outputs[0]): scope_of(op) for _, _, op in ops if len(op.outputs)}
        known = sorted({sc for sc in scopes.values() if sc})
        if self.layer_names:
            layer = resolve_layers(known, self.layer_names)
        else:
            layer = _guess_keras3(known, [_name(t) for t in sg.tensors])
        self.layers = {t: layer[sc] for t, sc in scopes.items() if sc}

    def _claim(self, kind: str, op: Operator) -> None:
        """Give op (one that reaches the IR) its layer's name, or `<layer>_<op>`
        (`norm_sub`) for the layer's second op, so names stay one per op and
        calibration can pair float and fixed-point values by name."""
        t = int(op.outputs[0])
        base = self.layers.get(t) or kind.lower()
        for cand in (base, f"{base}_{kind.lower()}", f"{base}_t{t}"):
            if cand not in self.used:
                self.used.add(cand)
                self.hints[t] = cand
                return

    def run(self) -> ModuleOp:
        s, m = self.s, self.m
        sg = m.subgraphs[0]
        codes = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
        ops = []
        problems = []
        for i, op in enumerate(sg.operators):
            oc = m.operatorCodes[op.opcodeIndex]
            code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
            name = codes.get(code, f"CUSTOM:{oc.customCode}")
            node = _node_name(sg, op)
            if name not in HANDLERS:
                problems.append(Unsupported(name, node, ""))
            for t in list(op.inputs) + list(op.outputs):
                if t >= 0 and sg.tensors[t].quantization is not None and _is_quantized(sg.tensors[t]):
                    problems.append(Unsupported(name, node, "quantized (integer) tensors"))
                    break
            ops.append((name, node, op))
        if problems:
            raise UnsupportedModel(problems)
        names = self._io_names(sg)
        for idx, t in enumerate(sg.tensors):
            buf = m.buffers[t.buffer] if t.buffer < len(m.buffers) else None
            if buf is not None and buf.data is not None and len(buf.data) and idx not in sg.inputs:
                dtype = _DTYPES.get(t.type)
                if dtype is None:
                    raise UnsupportedModel([Unsupported("tensor", _name(t), f"element type {t.type}")])
                arr: np.ndarray = np.frombuffer(bytes(np.asarray(buf.data, np.uint8)), dtype=dtype)
                self.env[idx] = _canon(arr.reshape([int(d) for d in t.shape]))
        self._inputs(sg, names)
        self._name_ops(sg, ops)
        poisoned: set[int] = set()  # outputs of ops that could not be imported
        for name, node, op in ops:
            if any(i in poisoned for i in op.inputs):
                poisoned.update(int(t) for t in op.outputs)
                continue
            args = [self.env.get(i) if i >= 0 else None for i in op.inputs]
            out: Outputs | _IndexWrap | None
            try:
                out = _index_wrap(name, args)
                if out is None:
                    plain: Args = [a for a in args if not isinstance(a, _IndexWrap)]
                    if len(plain) != len(args):
                        raise NodeUnsupported("run-time integer arithmetic")
                    if len(op.outputs) and any(isinstance(a, SSAValue) for a in plain):
                        self._claim(name, op)
                    out = HANDLERS[name](self, op, plain, op.builtinOptions)
                    if len(op.outputs) and not any(isinstance(v, SSAValue) for v in (out if isinstance(out, list) else [out])):
                        self.used.discard(self.hints.pop(int(op.outputs[0]), ""))  # folded (Shape): no IR value
            except NodeUnsupported as e:
                problems.append(Unsupported(name, node, str(e)))  # keep listing
                poisoned.update(int(t) for t in op.outputs)
                continue
            outs = out if isinstance(out, list) else [out]
            for t, v in zip(op.outputs, outs):
                expect = tuple(int(d) for d in sg.tensors[t].shape)
                if isinstance(v, _IndexWrap):
                    self.env[t] = v
                    continue
                got = shape_of(v)
                if not _dynamic(sg.tensors[t]) and got != expect:
                    raise ModelError(f"{name} '{node}': computed shape {list(got)}, the file says {list(expect)}")
                self.env[t] = v
        if problems:
            raise UnsupportedModel(problems)
        outputs: list[tuple[str, Value]] = []
        for o in sg.outputs:
            out_name, v = names.get(o, _name(sg.tensors[o])), self.env[o]
            if isinstance(v, _IndexWrap):  # a wrap no select consumed
                raise UnsupportedModel([Unsupported("output", out_name, "run-time integer arithmetic")])
            outputs.append((out_name, v))
        module = self.b.finish(outputs)
        try:
            module.verify()
        except Exception as e:  # noqa: BLE001
            raise ModelError(f"imported IR does not verify: {e}") from None
        return module

    def _io_names(self, sg: SubGraph) -> dict[int, str]:
        names: dict[int, str] = {}
        for sig in getattr(self.m, "signatureDefs", None) or []:
            for tm in list(sig.inputs or []) + list(sig.outputs or []):
                n = tm.name.decode() if isinstance(tm.name, bytes) else tm.name
                names[tm.tensorIndex] = n
        return names

    def _inputs(self, sg: SubGraph, names: dict[int, str]) -> None:
        declared: list[tuple[str, list[Dim]]] = []
        for i in sg.inputs:
            t = sg.tensors[i]
            sig = [int(d) for d in (t.shapeSignature if t.shapeSignature is not None else t.shape)]
            declared.append((names.get(i, _name(t)), [None if d < 0 else d for d in sig]))
        shapes = resolve_input_shapes(declared, self.input_shapes, self.notice)
        for i, (name, _) in zip(sg.inputs, declared):
            t = sg.tensors[i]
            static = shapes[name]
            dtype: type[np.generic]
            if t.type == _FLOAT32:
                dtype = np.float32
            elif t.type in (_INT32, _INT64):
                dtype = np.int64
            else:
                raise UnsupportedModel([Unsupported("input", name, f"element type {t.type}")])
            self.env[i] = self.b.add_input(name, static, dtype)

    def activation(self, v: Value, code: int, hint: str) -> Value:
        kind = _ACTIVATIONS.get(code, "unknown")
        if kind is None:
            return v
        if kind == "relu":
            return self.b.unary("relu", v, hint)
        if kind == "relu6":
            return self.b.clip(v, 0.0, 6.0, hint)
        if kind == "relu_n1_to_1":
            return self.b.clip(v, -1.0, 1.0, hint)
        if kind == "tanh":
            return self.b.unary("tanh", v, hint)
        raise NodeUnsupported(f"fused activation {code}")


def _index_wrap(name: str, args: Sequence[Value | _IndexWrap | None]) -> Value | _IndexWrap | None:
    """Recognise Keras' negative-index wrap on run-time integer indices."""
    from zkir.frontends.builder import is_float

    def runtime_int(v: Value | _IndexWrap | None) -> TypeGuard[SSAValue]:
        return v is not None and not isinstance(v, np.ndarray | _IndexWrap) and not is_float(v)

    def zero(v: Value | _IndexWrap | None) -> bool:
        return isinstance(v, np.ndarray) and v.size == 1 and int(v.ravel()[0]) == 0

    if name == "LESS" and runtime_int(args[0]) and zero(args[1]):
        return _IndexWrap("negative", args[0])
    if name == "ADD" and runtime_int(args[0]) and isinstance(args[1], np.ndarray) and args[1].size == 1:
        return _IndexWrap("plus", args[0], int(args[1].ravel()[0]))
    if name in ("SELECT", "SELECT_V2") and isinstance(args[0], _IndexWrap) and isinstance(args[1], _IndexWrap):
        c, t = args[0], args[1]
        _, _, f = args
        if c.kind == "negative" and t.kind == "plus" and c.x is f and t.x is f:
            return f
    return None


def _is_quantized(t: Tensor) -> bool:
    q = t.quantization
    scale = getattr(q, "scale", None)
    return scale is not None and len(scale) > 0 and t.type not in (_FLOAT32,)


def _dynamic(t: Tensor) -> bool:
    return t.shapeSignature is not None and any(int(d) < 0 for d in t.shapeSignature)


def _node_name(sg: SubGraph, op: Operator) -> str:
    return _name(sg.tensors[op.outputs[0]]).split(";")[0] if len(op.outputs) else ""


def _canon(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return a.astype(np.float32)
    if a.dtype.kind == "b":
        return a.copy()
    return a.astype(np.int64)


def _to_nchw(self: _TFLiteImporter, x: Value, hint: str) -> Value:
    return self.b.transpose(x, [0, 3, 1, 2], f"{hint}_nchw")


def _to_nhwc(self: _TFLiteImporter, x: Value, hint: str) -> Value:
    return self.b.transpose(x, [0, 2, 3, 1], f"{hint}_nhwc")


def _same_pads(
    in_hw: Sequence[int], kernel: Sequence[int], strides: Sequence[int], dilations: Sequence[int]
) -> list[int]:
    begin, end = [], []
    for size, k, st, d in zip(in_hw, kernel, strides, dilations):
        out = -(-size // st)
        total = max((out - 1) * st + (k - 1) * d + 1 - size, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin + end


# The TF op inside a Keras layer that is the layer's own computation: in a fused
# TFLite op (conv + batch norm + ReLU) it names the layer, not the folded ones.
_MAIN_TF_OPS = frozenset(
    {"convolution", "Conv2D", "Conv1D", "depthwise", "DepthwiseConv2dNative", "MatMul", "BatchMatMulV2", "Tensordot", "einsum", "Einsum"}
)


def keras_scope(tensor_name: str) -> str | None:
    """The Keras layer a TFLite tensor comes from, read off its name, or None.

    The converter names a tensor after the TF ops it fuses, `;`-joined, each a
    path `model/layer/.../Op` (`sequential/dense_1/MatMul;sequential/dense_1/Relu`).
    The layer is the path component after the model's scope; of a fused name,
    that of the part whose op is the layer's own computation (a convolution or
    MatMul, `_MAIN_TF_OPS`), else of the first part that has one. A name
    without a layer path (`StatefulPartitionedCall:0`) gives None.

    Keras 3's exporter adds TF's uniquifying suffix to every scope (layer
    `dense` runs as `dense_1`, `dense_1` as `dense_1_2`): `resolve_layers`
    undoes it when the layer names are known (a Keras model, not a .tflite file).
    """
    layers: list[tuple[str, str]] = []
    for part in tensor_name.split(";"):
        comps = part.split("/")
        if len(comps) >= 3 and comps[1]:
            layers.append((comps[1], comps[-1].rstrip("0123456789")))
    if not layers:
        return None
    main = [layer for layer, op in layers if op in _MAIN_TF_OPS]
    return (main or [layers[0][0]])[0]


def _guess_keras3(scopes: Sequence[str], tensor_names: Sequence[str]) -> dict[str, str]:
    """Scope -> layer for a .tflite file (layer names unknown): Keras 3's export
    suffixes every scope, the model's too (`digits_cnn_1/conv2d_1/...` for layer
    `conv2d` of model `digits_cnn`); when the model scope and every layer scope
    end in `_<n>` and dropping it keeps them distinct, drop it. A heuristic: a
    tf.keras model whose scopes all happen to end in digits loses them."""
    models = {n.split("/")[0] for name in tensor_names for n in name.split(";") if n.count("/") >= 2}
    suffixed = re.compile(r"_\d+$")
    stripped = {sc: suffixed.sub("", sc) for sc in scopes}
    if models and all(suffixed.search(m) for m in models) and all(stripped[sc] != sc for sc in scopes) and len(set(stripped.values())) == len(scopes):
        return stripped
    return {sc: sc for sc in scopes}


def resolve_layers(scopes: Sequence[str], layer_names: Sequence[str]) -> dict[str, str]:
    """Scope -> Keras layer name: the scope itself when every scope is a layer
    name (tf.keras), else the scope less one `_<n>` suffix when that makes every
    scope a layer name (Keras 3's export), else unchanged."""
    names = set(layer_names)
    if all(sc in names for sc in scopes):
        return {sc: sc for sc in scopes}
    stripped = {sc: re.sub(r"_\d+$", "", sc) for sc in scopes}
    if all(st != sc and st in names for sc, st in stripped.items()):
        return stripped
    return {sc: sc for sc in scopes}


@handles("CONV_2D", "DEPTHWISE_CONV_2D")
def _conv(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x, w = required_input(args, 0), constant_input(args[1], "filter")
    bias = args[2] if len(args) > 2 else None
    depthwise = isinstance(o, self.s.DepthwiseConv2DOptionsT)
    h = self.hint(op)
    if depthwise:
        c = shape_of(x)[3]
        w_oihw = np.transpose(w, (3, 0, 1, 2))  # [1,H,W,C*M] -> [C*M,1,H,W]
        group = c
    else:
        w_oihw = np.transpose(w, (0, 3, 1, 2))  # OHWI -> OIHW
        group = shape_of(x)[3] // w.shape[3]
    strides = [o.strideH, o.strideW]
    dil = [o.dilationHFactor, o.dilationWFactor]
    kernel = list(w_oihw.shape[2:])
    pads = _same_pads(shape_of(x)[1:3], kernel, strides, dil) if o.padding == 0 else [0, 0, 0, 0]
    y = self.b.conv2d(_to_nchw(self, x, h), w_oihw, bias, strides, pads, dil, group, h)
    y = self.activation(y, o.fusedActivationFunction, f"{h}_act")  # elementwise: before the transpose
    return _to_nhwc(self, y, h)


@handles("MAX_POOL_2D", "AVERAGE_POOL_2D")
def _pool(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    h = self.hint(op)
    kernel = [o.filterHeight, o.filterWidth]
    strides = [o.strideH, o.strideW]
    pads = _same_pads(shape_of(x)[1:3], kernel, strides, [1, 1]) if o.padding == 0 else [0, 0, 0, 0]
    xc = _to_nchw(self, x, h)
    codes = {v: k for k, v in vars(self.s.BuiltinOperator).items() if not k.startswith("_")}
    name = codes[max(self.m.operatorCodes[op.opcodeIndex].builtinCode, self.m.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode)]
    if name == "MAX_POOL_2D":
        y = self.b.max_pool(xc, kernel, strides, pads, h)
    else:
        y = self.b.avg_pool(xc, kernel, strides, pads, False, h)
    return _to_nhwc(self, self.activation(y, o.fusedActivationFunction, f"{h}_act"), h)


@handles("FULLY_CONNECTED")
def _fc(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x, w = required_input(args, 0), required_input(args, 1)
    bias = args[2] if len(args) > 2 else None
    h = self.hint(op)
    if o is not None and o.weightsFormat != 0:
        raise NodeUnsupported("shuffled weights format")
    n_in = shape_of(w)[1]
    xs = shape_of(x)
    keep = bool(o.keepNumDims) if o is not None else False
    x2 = x if (len(xs) == 2 or keep) else self.b.reshape(x, (int(np.prod(xs)) // n_in, n_in), f"{h}_2d")
    y = self.b.matmul(x2, self.b.transpose(w, [1, 0], f"{h}_wt"), h)
    if bias is not None:
        y = self.b.binary("add", y, bias, f"{h}_bias")
    return self.activation(y, o.fusedActivationFunction if o is not None else 0, f"{h}_act")


def _binary(kind: str) -> Handler:
    def fn(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
        y = self.b.binary(kind, required_input(args, 0), required_input(args, 1), self.hint(op))
        return self.activation(y, getattr(o, "fusedActivationFunction", 0) if o is not None else 0, f"{self.hint(op)}_act")

    return fn


for _n, _k in (("ADD", "add"), ("SUB", "sub"), ("MUL", "mul"), ("DIV", "div"), ("MAXIMUM", "max")):
    handles(_n)(_binary(_k))


def _unary(kind: str) -> Handler:
    def fn(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
        return self.b.unary(kind, required_input(args, 0), self.hint(op))

    return fn


for _n, _k in (
    ("RELU", "relu"),
    ("LOGISTIC", "sigmoid"),
    ("TANH", "tanh"),
    ("EXP", "exp"),
    ("SQRT", "sqrt"),
    ("RSQRT", "rsqrt"),
    ("NEG", "neg"),
):
    handles(_n)(_unary(_k))


@handles("RELU6")
def _relu6(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    return self.b.clip(required_input(args, 0), 0.0, 6.0, self.hint(op))


@handles("GELU")
def _gelu(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    if o is not None and o.approximate:
        return self.b.gelu_tanh(required_input(args, 0), self.hint(op))
    return self.b.unary("gelu", required_input(args, 0), self.hint(op))


@handles("SOFTMAX")
def _softmax(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    if o is not None and o.beta != 1.0:
        x = self.b.binary("mul", x, np.float32(o.beta), f"{self.hint(op)}_beta")
    return self.b.softmax(x, len(shape_of(x)) - 1, self.hint(op))


def _reduce(kind: str) -> Handler:
    def fn(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
        axes = [int(a) for a in constant_input(args[1], "axis").ravel()]
        return self.b.reduce(kind, required_input(args, 0), axes, bool(o.keepDims) if o is not None else False, self.hint(op))

    return fn


for _n, _k in (("MEAN", "mean"), ("SUM", "sum"), ("REDUCE_MAX", "max")):
    handles(_n)(_reduce(_k))


@handles("RESHAPE")
def _reshape(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    if len(args) > 1 and args[1] is not None:
        target = [int(d) for d in constant_input(args[1], "shape").ravel()]
    else:
        target = [int(d) for d in o.newShape]
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        target[target.index(-1)] = int(np.prod(shape_of(x))) // known
    return self.b.reshape(x, target, self.hint(op))


@handles("SQUEEZE")
def _squeeze(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    shape = shape_of(x)
    dims = [d + len(shape) if d < 0 else d for d in (o.squeezeDims if o is not None and o.squeezeDims is not None else [])]
    if not dims:
        dims = [i for i, d in enumerate(shape) if d == 1]
    return self.b.reshape(x, [d for i, d in enumerate(shape) if i not in dims], self.hint(op))


@handles("EXPAND_DIMS")
def _expand_dims(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    shape = list(shape_of(x))
    ax = int(constant_input(args[1], "axis").ravel()[0])
    ax = ax + len(shape) + 1 if ax < 0 else ax
    shape.insert(ax, 1)
    return self.b.reshape(x, shape, self.hint(op))


@handles("TRANSPOSE")
def _transpose(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    return self.b.transpose(required_input(args, 0), [int(p) for p in constant_input(args[1], "perm").ravel()], self.hint(op))


@handles("CONCATENATION")
def _concat(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    y = self.b.concat(required_inputs(args), o.axis, self.hint(op))
    return self.activation(y, o.fusedActivationFunction, f"{self.hint(op)}_act")


@handles("PAD", "PADV2")
def _pad(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    p = constant_input(args[1], "paddings").astype(np.int64)
    value = float(constant_input(args[2], "constant_values").ravel()[0]) if len(args) > 2 else 0.0
    return self.b.pad(required_input(args, 0), list(p[:, 0]) + list(p[:, 1]), value, self.hint(op))


@handles("SLICE")
def _slice(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    begin = [int(v) for v in constant_input(args[1], "begin").ravel()]
    size = [int(v) for v in constant_input(args[2], "size").ravel()]
    x = required_input(args, 0)
    shape = shape_of(x)
    end = [d if s_ == -1 else b + s_ for b, s_, d in zip(begin, size, shape)]
    return self.b.slice(x, begin, end, [1] * len(shape), self.hint(op))


@handles("STRIDED_SLICE")
def _strided_slice(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    shape = shape_of(x)
    begin = [int(v) for v in constant_input(args[1], "begin").ravel()]
    end = [int(v) for v in constant_input(args[2], "end").ravel()]
    strides = [int(v) for v in constant_input(args[3], "strides").ravel()]
    if o.ellipsisMask or o.newAxisMask or getattr(o, "offset", False):
        raise NodeUnsupported("ellipsis, new-axis or offset masks")
    s_, e_, c_ = [], [], []
    for i, d in enumerate(shape):
        if i >= len(begin):
            s_.append(0)
            e_.append(d)
            c_.append(1)
            continue
        st = strides[i]
        b = begin[i]
        e = end[i]
        if o.beginMask >> i & 1:
            b = 0 if st > 0 else d - 1
        if o.endMask >> i & 1:
            e = d if st > 0 else -(d + 1)
        if o.shrinkAxisMask >> i & 1:
            b = b + d if b < 0 else b
            e, st = b + 1, 1
        s_.append(b)
        e_.append(e)
        c_.append(st)
    y = self.b.slice(x, s_, e_, c_, self.hint(op))
    keep = [d for i, d in enumerate(shape_of(y)) if not (i < len(begin) and o.shrinkAxisMask >> i & 1)]
    return self.b.reshape(y, keep, f"{self.hint(op)}_shrink")


@handles("GATHER")
def _gather(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    if o is not None and o.batchDims:
        raise NodeUnsupported("batch_dims")
    return self.b.gather(required_input(args, 0), required_input(args, 1), o.axis if o is not None else 0, self.hint(op))


@handles("PACK")
def _pack(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    axis = o.axis
    rank = len(shape_of(required_input(args, 0))) + 1
    axis = axis + rank if axis < 0 else axis
    parts = []
    for i, a in enumerate(required_inputs(args)):
        s_ = list(shape_of(a))
        s_.insert(axis, 1)
        parts.append(self.b.reshape(a, s_, f"{self.hint(op)}_{i}"))
    return self.b.concat(parts, axis, self.hint(op))


@handles("SHAPE")
def _shape(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    return np.asarray(shape_of(required_input(args, 0)), np.int64)


@handles("BATCH_MATMUL")
def _batch_matmul(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    a, b = required_input(args, 0), required_input(args, 1)
    rank = lambda v: len(shape_of(v))  # noqa: E731
    swap = lambda v: list(range(rank(v) - 2)) + [rank(v) - 1, rank(v) - 2]  # noqa: E731
    if o is not None and o.adjX:
        a = self.b.transpose(a, swap(a), f"{self.hint(op)}_at")
    if o is not None and o.adjY:
        b = self.b.transpose(b, swap(b), f"{self.hint(op)}_bt")
    return self.b.matmul(a, b, self.hint(op))


@handles("SPLIT")
def _split(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> list[Value]:
    axis = int(constant_input(args[0], "axis").ravel()[0])
    x = required_input(args, 1)
    shape = shape_of(x)
    axis = axis + len(shape) if axis < 0 else axis
    n = o.numSplits
    return self.b.split(x, axis, [shape[axis] // n] * n, self.hint(op))


@handles("DEQUANTIZE")
def _dequantize(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = constant_input(args[0], "input")
    if x.dtype.kind != "f":
        raise NodeUnsupported("integer dequantization")
    return x.astype(np.float32)


@handles("CAST")
def _cast(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    if isinstance(x, np.ndarray):
        return x
    raise NodeUnsupported("a cast of a run-time tensor")


@handles("SELECT", "SELECT_V2")
def _select(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    cond = constant_input(args[0], "condition")
    return self.b.where(cond, required_input(args, 1), required_input(args, 2), self.hint(op))


@handles("LEAKY_RELU")
def _leaky(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    alpha = np.float32(o.alpha)
    if not 0 <= alpha <= 1:
        raise NodeUnsupported(f"alpha={alpha}")
    x = required_input(args, 0)
    return self.b.binary("max", x, self.b.binary("mul", x, alpha, f"{self.hint(op)}_a"), self.hint(op))


@handles("SQUARED_DIFFERENCE")
def _squared_difference(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    d = self.b.binary("sub", required_input(args, 0), required_input(args, 1), f"{self.hint(op)}_d")
    return self.b.binary("mul", d, d, self.hint(op))


# Shape and mask arithmetic: folded when every input is a constant (the
# converter emits it around Dense on rank-3 inputs and attention masks).
_FOLDS: dict[str, Callable[[list[np.ndarray], Options], np.ndarray]] = {
    "REDUCE_PROD": lambda a, o: np.prod(a[0], axis=tuple(int(x) for x in np.ravel(a[1])), keepdims=bool(o.keepDims)),
    "FILL": lambda a, o: np.full([int(d) for d in np.ravel(a[0])], a[1]),
    "LESS": lambda a, o: np.less(a[0], a[1]),
    "GREATER": lambda a, o: np.greater(a[0], a[1]),
    "GREATER_EQUAL": lambda a, o: np.greater_equal(a[0], a[1]),
    "LESS_EQUAL": lambda a, o: np.less_equal(a[0], a[1]),
    "EQUAL": lambda a, o: np.equal(a[0], a[1]),
    "LOGICAL_AND": lambda a, o: np.logical_and(a[0], a[1]),
    "LOGICAL_OR": lambda a, o: np.logical_or(a[0], a[1]),
    "LOGICAL_NOT": lambda a, o: np.logical_not(a[0]),
    # numpy's stubs type arange's bounds as scalars only; it takes 0-d arrays too
    "RANGE": lambda a, o: np.arange(a[0], a[1], a[2]),  # type: ignore[call-overload]
    "FLOOR_DIV": lambda a, o: np.floor_divide(a[0], a[1]),
    "MINIMUM": lambda a, o: np.minimum(a[0], a[1]),
}


def _fold(name: str) -> Handler:
    def fn(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
        given = [a for a in args if a is not None]
        consts = [a for a in given if isinstance(a, np.ndarray)]
        if len(consts) != len(given):
            raise NodeUnsupported("run-time inputs (only constant folding of this op is supported)")
        return _canon(np.asarray(_FOLDS[name](consts, o)))

    return fn


for _n in _FOLDS:
    if _n not in HANDLERS:
        handles(_n)(_fold(_n))


@handles("MINIMUM")
def _minimum(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    a, b = required_input(args, 0), required_input(args, 1)
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return np.minimum(a, b)
    neg = lambda v: -v if isinstance(v, np.ndarray) else self.b.unary("neg", v, f"{self.hint(op)}_neg")  # noqa: E731
    return neg(self.b.binary("max", neg(a), neg(b), f"{self.hint(op)}_max"))


@handles("SPLIT_V")
def _split_v(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> list[Value]:
    x = required_input(args, 0)
    sizes = [int(v) for v in constant_input(args[1], "size_splits").ravel()]
    axis = int(constant_input(args[2], "axis").ravel()[0])
    shape = shape_of(x)
    axis = axis + len(shape) if axis < 0 else axis
    if -1 in sizes:
        sizes[sizes.index(-1)] = shape[axis] - (sum(sizes) + 1)
    return self.b.split(x, axis, sizes, self.hint(op))


@handles("UNPACK")
def _unpack(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> list[Value]:
    x = required_input(args, 0)
    shape = list(shape_of(x))
    axis = o.axis + len(shape) if o.axis < 0 else o.axis
    outs = []
    for i in range(shape[axis]):
        s_ = [0] * len(shape)
        e_ = list(shape)
        s_[axis], e_[axis] = i, i + 1
        part = self.b.slice(x, s_, e_, [1] * len(shape), f"{self.hint(op)}_{i}")
        outs.append(self.b.reshape(part, shape[:axis] + shape[axis + 1 :], f"{self.hint(op)}_{i}_r"))
    return outs


@handles("HARD_SWISH")
def _hard_swish(self: _TFLiteImporter, op: Operator, args: Args, o: Options) -> Value:
    x = required_input(args, 0)
    gate = self.b.hard_sigmoid(x, 1.0 / 6.0, 0.5, f"{self.hint(op)}_gate")
    return self.b.binary("mul", x, gate, self.hint(op))
