"""ONNX models -> the `ml` dialect, with static shapes.

DESIGN.md asked us to evaluate xDSL's ONNX frontend first: the pinned xDSL
0.74 ships neither `xdsl.frontend.onnx` nor an `onnx` dialect (both are absent
from the release), so there is nothing to reuse; an op-by-op `onnx` dialect
would in any case be a level we leave at once. This importer reads the protobuf
with the `onnx` package and emits `ml` ops through the shared `MLBuilder`.

Every node is checked before anything is built: all unsupported ops and
attributes of a model are reported together in one `UnsupportedModel` error.
Batch normalisation following a Conv or Gemm with constant weights is folded
into those weights at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType

from zkir.frontends.builder import (
    Args,
    InputShapes,
    MLBuilder,
    NodeUnsupported,
    Outputs,
    Value,
    constant_input,
    is_float,
    required_input,
    required_inputs,
    shape_of,
)
from zkir.frontends.errors import ModelError, Unsupported, UnsupportedModel
from zkir.frontends.shapes import Dim, Notice, resolve_input_shapes

if TYPE_CHECKING:  # onnx is imported lazily, where it is used
    from onnx import AttributeProto, ModelProto, NodeProto, ValueInfoProto

# The oldest default-domain opset read; the newest is the installed onnx's own.
MIN_OPSET = 7


def max_opset() -> int:
    import onnx

    return onnx.defs.onnx_opset_version()


# What every op handler takes and gives: the importer, the node, the node's
# inputs -> one value or one per output.
HandlerFn = Callable[["_Importer", "NodeProto", Args], Outputs]
# A check of a node's attribute values before import: the problems it finds.
Attrs = dict[str, Any]
CheckFn = Callable[["NodeProto", Attrs], list[str]]


@dataclass
class Handler:
    fn: HandlerFn
    attrs: frozenset[str] = frozenset()
    check: CheckFn | None = None


HANDLERS: dict[str, Handler] = {}


def handles(
    op_type: str, attrs: Sequence[str] = (), check: CheckFn | None = None
) -> Callable[[HandlerFn], HandlerFn]:
    def register(fn: HandlerFn) -> HandlerFn:
        HANDLERS[op_type] = Handler(fn, frozenset(attrs), check)
        return fn

    return register


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def load_onnx(path: str | Path) -> ModelProto:
    """The ModelProto at `path`, or a one-line ModelError."""
    import onnx
    from google.protobuf.message import DecodeError

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, RuntimeError, ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{path}: not a readable ONNX model ({type(e).__name__})") from None
    except Exception as e:  # protobuf raises a zoo of types on garbage input
        raise ModelError(f"{path}: not a readable ONNX model ({type(e).__name__})") from None
    if not model.graph.node and not model.graph.output:
        raise ModelError(f"{path}: not an ONNX model (no graph)")
    return model


def import_onnx(
    model: ModelProto | str | Path,
    input_shapes: InputShapes = None,
    frozen_inputs: Mapping[str, np.ndarray] | None = None,
    simplify: bool = True,
    notice: Notice | None = None,
) -> ModuleOp:
    """ModelProto or path -> ModuleOp of ml ops.

    input_shapes: shapes for inputs with dynamic dimensions (a list when the
    model has one input); a dynamic batch alone defaults to 1, said through
    `notice` (zkir.frontends.shapes). frozen_inputs: input name -> array to bake
    in as a constant (e.g. shape tensors fed as inputs). simplify: first fold every
    subgraph that does not depend on a run-time value (zkir.frontends.onnx_simplify:
    onnxruntime's constant folding where it is installed, else ours).
    """
    if isinstance(model, str | Path):
        model = load_onnx(model)
    _refuse_non_tensor_inputs(model, frozen_inputs)
    # every input static before folding, so that shape arithmetic folds too
    input_shapes = resolve_input_shapes(declared_inputs(model, frozen_inputs), input_shapes, notice)
    if simplify:
        from zkir.frontends.onnx_simplify import simplify as fold
        from zkir.frontends.onnx_simplify import with_static_inputs

        _default_opset(model)  # an opset we do not read is refused before folding
        model, _ = fold(with_static_inputs(model, input_shapes, frozen_inputs))
        frozen_inputs = None  # now initializers
    return _Importer(model, input_shapes, dict(frozen_inputs or {})).run()


def _refuse_non_tensor_inputs(model: ModelProto, frozen: Mapping[str, np.ndarray] | None) -> None:
    """A sequence, optional or map input has no tensor shape to resolve: refused as unsupported."""
    inits = {t.name for t in model.graph.initializer} | set(frozen or {})
    odd = [inp for inp in model.graph.input if inp.name not in inits and not inp.type.HasField("tensor_type")]
    if odd:
        raise UnsupportedModel(
            [Unsupported("input", inp.name, f"a {inp.type.WhichOneof('value') or 'typeless'} value, not a tensor") for inp in odd]
        )


def declared_inputs(model: ModelProto, frozen: Mapping[str, np.ndarray] | None = None) -> list[tuple[str, list[Dim]]]:
    """(name, dims) of the model's run-time inputs (not initializers, not
    frozen): a dim is its size, its dim_param name, or None."""
    inits = {t.name for t in model.graph.initializer} | set(frozen or {})
    return [(inp.name, _dims(inp)) for inp in model.graph.input if inp.name not in inits]


def _dims(inp: ValueInfoProto) -> list[Dim]:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in inp.type.tensor_type.shape.dim]


# ---------------------------------------------------------------------------
# The importer
# ---------------------------------------------------------------------------


@dataclass
class _Importer:
    model: ModelProto
    input_shapes: InputShapes
    frozen: dict[str, np.ndarray]
    b: MLBuilder = field(default_factory=MLBuilder)
    env: dict[str, Value] = field(default_factory=dict)
    opset: int = 0

    def run(self) -> ModuleOp:
        from onnx import numpy_helper

        g = self.model.graph
        self.opset = _default_opset(self.model)
        inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        nodes = list(g.node)
        problems = self._check(nodes)
        bad = {n.name or id(n) for n in nodes if any(p.node == n.name for p in problems)}
        if problems and any(not n.name for n in nodes):
            raise UnsupportedModel(problems)  # unnamed nodes: cannot tell them apart
        nodes, inits = fold_batch_norms(nodes, inits, _ranks(self.model))
        self.env.update({k: _canon(v) for k, v in inits.items()})
        self._inputs([i for i in g.input if i.name not in inits])
        poisoned: set[str] = set()  # outputs of nodes that could not be imported
        for node in nodes:
            if node.name in bad:
                poisoned.update(node.output)
                continue
            handler = HANDLERS[node.op_type]
            if any(n in poisoned for n in node.input):
                poisoned.update(node.output)  # a consequence, not a new problem
                continue
            args = [self.env.get(n) if n else None for n in node.input]
            for n, a in zip(node.input, args):
                if n and a is None:
                    raise ModelError(f"node '{node.name}': input '{n}' is not defined")
            try:
                outs = handler.fn(self, node, args)
            except NodeUnsupported as e:
                # keep going, so that one error lists every unsupported node
                problems.append(Unsupported(node.op_type, node.name, str(e)))
                poisoned.update(node.output)
                continue
            if not isinstance(outs, list | tuple):
                outs = [outs]
            for name, v in zip(node.output, outs):
                if name:
                    # a constant folded to a numpy scalar (Gather of a 0-d index) stays an array
                    self.env[name] = np.asarray(v) if isinstance(v, np.generic) else v
        if problems:
            raise UnsupportedModel(problems)
        outputs = [(o.name, self.env[o.name]) for o in g.output]
        module = self.b.finish(outputs)
        try:
            module.verify()
        except Exception as e:  # a shape our builder got wrong is our bug, say where
            raise ModelError(f"imported IR does not verify: {e}") from None
        return module

    def _check(self, nodes: Sequence[NodeProto]) -> list[Unsupported]:
        """Every unsupported op and attribute, found before anything is built."""
        problems = []
        for node in nodes:
            h = HANDLERS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
            if h is None:
                op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
                problems.append(Unsupported(op, node.name, ""))
                continue
            attrs = {a.name: _attr(a) for a in node.attribute}
            for name in attrs:
                if name not in h.attrs:
                    problems.append(Unsupported(node.op_type, node.name, f"attribute '{name}'"))
            if h.check is not None:
                for detail in h.check(node, attrs):
                    problems.append(Unsupported(node.op_type, node.name, detail))
        return problems

    def _inputs(self, graph_inputs: Sequence[ValueInfoProto]) -> None:
        from onnx import TensorProto

        declared = [(i.name, _dims(i)) for i in graph_inputs if i.name not in self.frozen]
        shapes = resolve_input_shapes(declared, self.input_shapes)  # import_onnx said what it defaulted
        for inp in graph_inputs:
            if inp.name in self.frozen:
                self.env[inp.name] = _canon(np.asarray(self.frozen[inp.name]))
                continue
            elem = inp.type.tensor_type.elem_type
            dtype: type[np.generic]
            if elem == TensorProto.FLOAT:
                dtype = np.float32
            elif elem in (TensorProto.INT64, TensorProto.INT32):
                dtype = np.int64
            else:
                raise UnsupportedModel(
                    [Unsupported("input", inp.name, f"element type {TensorProto.DataType.Name(elem)}")]
                )
            self.env[inp.name] = self.b.add_input(inp.name, shapes[inp.name], dtype)


def _ranks(model: ModelProto) -> dict[str, int]:
    """Tensor name -> rank from ONNX shape inference (empty if it fails)."""
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - inference is only an aid to folding
        return {}
    out = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        if vi.type.tensor_type.HasField("shape"):
            out[vi.name] = len(vi.type.tensor_type.shape.dim)
    return out


def _default_opset(model: ModelProto) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            if not MIN_OPSET <= imp.version <= max_opset():
                raise ModelError(
                    f"ONNX opset {imp.version} is not supported (zkir reads opsets "
                    f"{MIN_OPSET} to {max_opset()})"
                )
            return imp.version
    raise ModelError("the model imports no default-domain ONNX opset")


def _attr(a: AttributeProto) -> Any:
    from onnx import helper

    return helper.get_attribute_value(a)


def _attrs(node: NodeProto) -> Attrs:
    return {a.name: _attr(a) for a in node.attribute}


def _canon(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return a.astype(np.float32)
    if a.dtype.kind == "b":
        return a
    return a.astype(np.int64)


def _float_only(v: Value, what: str = "input") -> None:
    if not is_float(v):
        raise NodeUnsupported(f"{what} must be a float tensor for this op")


# ---------------------------------------------------------------------------
# Batch-norm folding
# ---------------------------------------------------------------------------


def fold_batch_norms(
    nodes: Sequence[NodeProto],
    inits: Mapping[str, np.ndarray],
    ranks: dict[str, int] | None = None,
) -> tuple[list[NodeProto], dict[str, np.ndarray]]:
    """Fold BatchNormalization into a preceding Conv, Gemm, or MatMul with a
    2-D result (ranks: tensor name -> rank, from ONNX shape inference), when
    the weights are constants and the product feeds only the batch norm."""
    from onnx import helper

    ranks = ranks or {}
    users: dict[str, int] = {}
    for n in nodes:
        for i in n.input:
            users[i] = users.get(i, 0) + 1
    producer = {o: n for n in nodes for o in n.output}
    inits = dict(inits)
    out: list[NodeProto] = []
    replaced: dict[int, NodeProto] = {}
    dropped: set[int] = set()
    for n in nodes:
        if n.op_type != "BatchNormalization" or len([o for o in n.output if o]) != 1:
            continue
        p = producer.get(n.input[0])
        if p is None or p.op_type not in ("Conv", "Gemm", "MatMul") or users.get(n.input[0]) != 1:
            continue
        if p.op_type == "MatMul" and (ranks.get(p.output[0]) != 2 or inits.get(p.input[1], np.zeros(0)).ndim != 2):
            continue  # batch norm's channel axis 1 is the matmul's last axis only at rank 2
        if not all(i in inits for i in n.input[1:5]) or p.input[1] not in inits:
            continue
        if len(p.input) > 2 and p.input[2] and p.input[2] not in inits:
            continue
        a = _attrs(p)
        if p.op_type == "Gemm" and (a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0):
            continue
        eps = _attrs(n).get("epsilon", 1e-5)
        scale, beta, mean, var = (inits[i].astype(np.float64) for i in n.input[1:5])
        k = scale / np.sqrt(var + eps)
        w = inits[p.input[1]].astype(np.float64)
        bias = (
            inits[p.input[2]].astype(np.float64)
            if len(p.input) > 2 and p.input[2]
            else np.zeros_like(k)
        )
        if p.op_type == "Conv":
            w = w * k.reshape(-1, *([1] * (w.ndim - 1)))
        elif a.get("transB", 0):
            w = w * k[:, None]
        else:
            w = w * k[None, :]
        bias = (bias - mean) * k + beta
        wn, bn = f"{p.name}_bnfold_w{len(replaced)}", f"{p.name}_bnfold_b{len(replaced)}"
        inits[wn], inits[bn] = w.astype(np.float32), bias.astype(np.float32)
        op_type = "Gemm" if p.op_type == "MatMul" else p.op_type  # MatMul + bias = Gemm
        fused = helper.make_node(op_type, [p.input[0], wn, bn], [n.output[0]], name=p.name, **a)
        replaced[id(p)] = fused
        dropped.add(id(n))
    for n in nodes:
        if id(n) in dropped:
            continue
        out.append(replaced.get(id(n), n))
    return out, inits


# ---------------------------------------------------------------------------
# Checks on attribute values (run before import, collected together)
# ---------------------------------------------------------------------------


def _check_conv(node: NodeProto, a: Attrs) -> list[str]:
    out = []
    if len(a.get("kernel_shape", [1, 1])) not in (1, 2):
        out.append("only 1-D and 2-D convolution (kernel_shape of 1 or 2 dims)")
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", b"VALID", b"SAME_UPPER", b"SAME_LOWER", "NOTSET"):
        out.append(f"auto_pad={a['auto_pad']!r}")
    return out


def _check_pool(node: NodeProto, a: Attrs) -> list[str]:
    out = []
    if len(a.get("kernel_shape", [1, 1])) not in (1, 2):
        out.append("only 1-D and 2-D pooling (kernel_shape of 1 or 2 dims)")
    if any(d != 1 for d in a.get("dilations", [1, 1])):
        out.append(f"attribute 'dilations'={list(a['dilations'])}")
    if a.get("storage_order", 0):
        out.append("attribute 'storage_order'=1")
    if a.get("ceil_mode", 0) and node.op_type == "AveragePool" and a.get("count_include_pad", 0):
        out.append("attribute 'ceil_mode'=1 with count_include_pad=1")
    if len([o for o in node.output if o]) > 1:
        out.append("the Indices output")
    return out


def _check_pad(node: NodeProto, a: Attrs) -> list[str]:
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    return [] if mode in ("constant", "reflect", "edge", "wrap") else [f"attribute 'mode'={mode}"]


def _pad_by_copies(b: MLBuilder, x: Value, pads: Sequence[int], mode: str, hint: str) -> Value:
    """reflect / edge / wrap padding as slices of x concatenated, axis by axis."""
    rank = len(shape_of(x))
    for ax in range(rank):
        lo, hi = pads[ax], pads[ax + rank]
        if not lo and not hi:
            continue
        d = shape_of(x)[ax]

        def part(start: int, stop: int | None, step: int, k: str) -> Value:
            if step < 0 and stop is not None and stop < 0:
                stop = None  # down to and including index 0
            s_, c_ = [0] * rank, [1] * rank
            e_: list[int | None] = list(shape_of(x))
            s_[ax], e_[ax], c_[ax] = start, stop, step
            return b.slice(x, s_, e_, c_, f"{hint}_{ax}_{k}")

        if mode == "reflect" and (lo >= d or hi >= d):
            raise NodeUnsupported("reflect padding wider than the input")
        if mode == "wrap" and (lo > d or hi > d):
            raise NodeUnsupported("wrap padding wider than the input")
        pieces = []
        if lo:
            if mode == "reflect":
                pieces.append(part(lo, 0, -1, "lo"))
            elif mode == "edge":
                pieces += [part(0, 1, 1, "lo")] * lo
            else:
                pieces.append(part(d - lo, d, 1, "lo"))
        pieces.append(x)
        if hi:
            if mode == "reflect":
                pieces.append(part(d - 2, d - 2 - hi, -1, "hi"))
            elif mode == "edge":
                pieces += [part(d - 1, d, 1, "hi")] * hi
            else:
                pieces.append(part(0, hi, 1, "hi"))
        x = b.concat(pieces, ax, f"{hint}_{ax}")
    return x


def _check_single_output(node: NodeProto, a: Attrs) -> list[str]:
    return ["more than one output"] if len([o for o in node.output if o]) > 1 else []


def _check_gelu(node: NodeProto, a: Attrs) -> list[str]:
    return []


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


def _same_pads(
    in_hw: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    upper: bool,
) -> list[int]:
    pads_begin, pads_end = [], []
    for size, k, s, d in zip(in_hw, kernel, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        small, big = total // 2, total - total // 2
        pads_begin.append(small if upper else big)
        pads_end.append(big if upper else small)
    return pads_begin + pads_end


def _as_2d(a: Attrs) -> Attrs:
    """Attributes of a 1-D conv/pool as those of the 2-D one with height 1."""
    a = dict(a)
    for key in ("kernel_shape", "strides", "dilations"):
        if key in a and len(a[key]) == 1:
            a[key] = [1, a[key][0]]
    if "pads" in a and len(a["pads"]) == 2:
        a["pads"] = [0, a["pads"][0], 0, a["pads"][1]]
    return a


def _lift_1d(self: _Importer, x: Value, node: NodeProto) -> Value:
    """[N, C, L] -> [N, C, 1, L]."""
    n, c, length = shape_of(x)
    return self.b.reshape(x, (n, c, 1, length), f"{node.name}_2d")


def _drop_1d(self: _Importer, y: Value, node: NodeProto) -> Value:
    n, c, _, length = shape_of(y)
    return self.b.reshape(y, (n, c, length), f"{node.name}_1d")


def _pads_2d(
    a: Attrs,
    in_hw: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> list[int]:
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return _same_pads(in_hw, kernel, strides, dilations, auto == "SAME_UPPER")
    if auto == "VALID":
        return [0, 0, 0, 0]
    return list(a.get("pads", [0, 0, 0, 0]))


@handles("Conv", ["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"], _check_conv)
def _conv(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    x, w = required_input(args, 0), required_input(args, 1)
    _float_only(x)
    if len(shape_of(x)) == 3:
        a = _as_2d(a)
        x = _lift_1d(self, x, node)
        o, i, k = shape_of(w)
        w = self.b.reshape(w, (o, i, 1, k), f"{node.name}_w2d")
        y = _conv_2d(self, node, a, x, w, args[2] if len(args) > 2 else None)
        return _drop_1d(self, y, node)
    if len(shape_of(x)) != 4:
        raise NodeUnsupported("only 1-D and 2-D convolution")
    return _conv_2d(self, node, a, x, w, args[2] if len(args) > 2 else None)


def _conv_2d(
    self: _Importer, node: NodeProto, a: Attrs, x: Value, w: Value, bias: Value | None
) -> Value:
    kernel = list(shape_of(w)[2:])
    strides = list(a.get("strides", [1, 1]))
    dilations = list(a.get("dilations", [1, 1]))
    pads = _pads_2d(a, shape_of(x)[2:], kernel, strides, dilations)
    return self.b.conv2d(x, w, bias, strides, pads, dilations, a.get("group", 1), node.name)


@handles("Gemm", ["alpha", "beta", "transA", "transB"])
def _gemm(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    x, w = required_input(args, 0), required_input(args, 1)
    if a.get("transA", 0):
        x = self.b.transpose(x, [1, 0], f"{node.name}_at")
    if a.get("transB", 0):
        w = self.b.transpose(w, [1, 0], f"{node.name}_bt")
    if a.get("alpha", 1.0) != 1.0:
        if isinstance(w, np.ndarray):
            w = w * np.float32(a["alpha"])
        else:
            x = self.b.binary("mul", x, np.float32(a["alpha"]).reshape(()), f"{node.name}_alpha")
    y = self.b.matmul(x, w, node.name)
    if len(args) > 2 and args[2] is not None:
        c = args[2]
        if a.get("beta", 1.0) != 1.0:
            c = self.b.binary("mul", c, np.asarray(a["beta"], np.float32), f"{node.name}_beta")
        y = self.b.binary("add", y, c, f"{node.name}_bias")
    return y


@handles("MatMul")
def _matmul(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.matmul(required_input(args, 0), required_input(args, 1), node.name)


def _binary(kind: str) -> HandlerFn:
    def fn(self: _Importer, node: NodeProto, args: Args) -> Value:
        return self.b.binary(kind, required_input(args, 0), required_input(args, 1), node.name)

    return fn


for _op, _kind in (("Add", "add"), ("Sub", "sub"), ("Mul", "mul"), ("Div", "div")):
    handles(_op)(_binary(_kind))


@handles("Max")
def _max(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.variadic("max", required_inputs(args), node.name)


@handles("Min")
def _min(self: _Importer, node: NodeProto, args: Args) -> Value:
    # min(a, b) = -max(-a, -b): one comparison gadget serves both.
    neg = [self.b.unary("neg", v, f"{node.name}_neg") if not isinstance(v, np.ndarray) else -v for v in required_inputs(args)]
    out = self.b.variadic("max", neg, node.name)
    return self.b.unary("neg", out, node.name) if not isinstance(out, np.ndarray) else -out


def _unary(kind: str) -> HandlerFn:
    def fn(self: _Importer, node: NodeProto, args: Args) -> Value:
        x = required_input(args, 0)
        _float_only(x)
        return self.b.unary(kind, x, node.name)

    return fn


for _op, _kind in (
    ("Relu", "relu"),
    ("Sigmoid", "sigmoid"),
    ("Tanh", "tanh"),
    ("Exp", "exp"),
    ("Sqrt", "sqrt"),
    ("Reciprocal", "reciprocal"),
    ("Erf", "erf"),
):
    handles(_op)(_unary(_kind))


@handles("Neg")
def _neg(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    if isinstance(x, np.ndarray):
        return -x
    _float_only(x)
    return self.b.unary("neg", x, node.name)


def _check_gelu_attr(node: NodeProto, a: Attrs) -> list[str]:
    approx = a.get("approximate", b"none")
    approx = approx.decode() if isinstance(approx, bytes) else approx
    return [] if approx in ("none", "tanh") else [f"attribute 'approximate'={approx}"]


@handles("Gelu", ["approximate"], _check_gelu_attr)
def _gelu(self: _Importer, node: NodeProto, args: Args) -> Value:
    approx = _attrs(node).get("approximate", b"none")
    approx = approx.decode() if isinstance(approx, bytes) else approx
    x = required_input(args, 0)
    if approx == "none":
        return self.b.unary("gelu", x, node.name)
    return self.b.gelu_tanh(x, node.name)


@handles("LeakyRelu", ["alpha"])
def _leaky(self: _Importer, node: NodeProto, args: Args) -> Value:
    alpha = np.float32(_attrs(node).get("alpha", 0.01))
    x = required_input(args, 0)
    if not 0 <= alpha <= 1:
        raise NodeUnsupported(f"attribute 'alpha'={alpha} (needs 0 <= alpha <= 1)")
    # max(x, alpha x) for 0 <= alpha <= 1
    return self.b.binary("max", x, self.b.binary("mul", x, alpha, f"{node.name}_a"), node.name)


@handles("Clip", ["min", "max"])
def _clip(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    lo, hi = a.get("min", -np.inf), a.get("max", np.inf)
    if len(args) > 1 and args[1] is not None:
        lo = float(constant_input(args[1], "min"))
    if len(args) > 2 and args[2] is not None:
        hi = float(constant_input(args[2], "max"))
    lo = max(lo, -3.0e38)
    hi = min(hi, 3.0e38)
    x = required_input(args, 0)
    if isinstance(x, np.ndarray):
        return np.clip(x, lo, hi).astype(x.dtype) if lo <= hi else np.full_like(x, hi)
    if _value_kind(x) == "bool":
        raise NodeUnsupported("clip of booleans")
    if lo > hi:
        raise NodeUnsupported("min greater than max")
    return self.b.clip(x, lo, hi, node.name)


@handles("Pow")
def _pow(self: _Importer, node: NodeProto, args: Args) -> Value:
    x, e = required_input(args, 0), args[1]
    if isinstance(x, np.ndarray) and isinstance(e, np.ndarray):
        return np.power(x, e).astype(x.dtype)
    e = constant_input(e, "exponent (Y)")
    if e.size != 1:
        raise NodeUnsupported("a non-scalar exponent")
    p = float(e.reshape(()))
    b, n = self.b, node.name
    if p == 1.0:
        return x
    if p == 2.0:
        return b.binary("mul", x, x, n)
    if p == 3.0:
        return b.binary("mul", b.binary("mul", x, x, f"{n}_sq"), x, n)
    if p == 0.5:
        return b.unary("sqrt", x, n)
    if p == -0.5:
        return b.unary("rsqrt", x, n)
    if p == -1.0:
        return b.unary("reciprocal", x, n)
    raise NodeUnsupported(f"exponent {p} (supported: 1, 2, 3, 0.5, -0.5, -1)")


def _kernel_params(a: Attrs, x: Value) -> tuple[list[int], list[int], list[int]]:
    kernel = list(a["kernel_shape"])
    strides = list(a.get("strides", [1, 1]))
    pads = _pads_2d(a, shape_of(x)[2:], kernel, strides, [1, 1])
    return kernel, strides, pads


def _ceil_extra(
    a: Attrs, x: Value, kernel: Sequence[int], strides: Sequence[int], pads: list[int]
) -> list[int]:
    """Extra end padding that turns floor output sizes into ceil ones."""
    if not a.get("ceil_mode", 0):
        return pads
    pads = list(pads)
    for i, size in enumerate(shape_of(x)[2:]):
        span = size + pads[i] + pads[i + 2] - kernel[i]
        out = -(-span // strides[i]) + 1
        # ONNX drops a last window that would start in the end padding.
        if (out - 1) * strides[i] >= size + pads[i]:
            out -= 1
        pads[i + 2] += max((out - 1) * strides[i] + kernel[i] - (size + pads[i] + pads[i + 2]), 0)
    return pads


_POOL_ATTRS = ["kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "dilations", "storage_order"]


# A 2-D pool on [N, C, H, W]: the importer, the node, its attributes, the input.
Pool2dFn = Callable[["_Importer", "NodeProto", Attrs, Value], Value]


def _pool(fn: Pool2dFn) -> HandlerFn:
    """A 2-D pool handler that also takes [N, C, L] inputs (as height 1)."""

    def handler(self: _Importer, node: NodeProto, args: Args) -> Value:
        a = _attrs(node)
        x = required_input(args, 0)
        _float_only(x)
        if len(shape_of(x)) == 3:
            return _drop_1d(self, fn(self, node, _as_2d(a), _lift_1d(self, x, node)), node)
        if len(shape_of(x)) != 4:
            raise NodeUnsupported("only 1-D and 2-D pooling")
        return fn(self, node, a, x)

    return handler


@handles("MaxPool", _POOL_ATTRS, _check_pool)
@_pool
def _maxpool(self: _Importer, node: NodeProto, a: Attrs, x: Value) -> Value:
    kernel, strides, pads = _kernel_params(a, x)
    pads = _ceil_extra(a, x, kernel, strides, pads)
    return self.b.max_pool(x, kernel, strides, pads, node.name)


@handles("AveragePool", _POOL_ATTRS + ["count_include_pad"], _check_pool)
@_pool
def _avgpool(self: _Importer, node: NodeProto, a: Attrs, x: Value) -> Value:
    kernel, strides, pads = _kernel_params(a, x)
    # ceil mode: the extra end padding is not counted (count_include_pad = 0)
    pads = _ceil_extra(a, x, kernel, strides, pads)
    return self.b.avg_pool(x, kernel, strides, pads, bool(a.get("count_include_pad", 0)), node.name)


@handles("GlobalAveragePool")
def _gap(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    return self.b.reduce("mean", x, list(range(2, len(shape_of(x)))), True, node.name)


@handles("GlobalMaxPool")
def _gmp(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    return self.b.reduce("max", x, list(range(2, len(shape_of(x)))), True, node.name)


def _reduce(kind: str) -> HandlerFn:
    def fn(self: _Importer, node: NodeProto, args: Args) -> Value:
        a = _attrs(node)
        x = required_input(args, 0)
        if "axes" in a:
            axes = list(a["axes"])
        elif len(args) > 1 and args[1] is not None:
            axes = [int(v) for v in constant_input(args[1], "axes").ravel()]
        else:
            axes = []
        if not axes:
            if a.get("noop_with_empty_axes", 0):
                return x
            axes = list(range(len(shape_of(x))))
        return self.b.reduce(kind, x, axes, bool(a.get("keepdims", 1)), node.name)

    return fn


for _op, _kind in (("ReduceMean", "mean"), ("ReduceSum", "sum"), ("ReduceMax", "max")):
    handles(_op, ["axes", "keepdims", "noop_with_empty_axes"])(_reduce(_kind))


@handles("Flatten", ["axis"])
def _flatten(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    shape = shape_of(x)
    axis = _attrs(node).get("axis", 1)
    axis = axis + len(shape) if axis < 0 else axis
    lead = int(np.prod(shape[:axis])) if axis else 1
    return self.b.reshape(x, (lead, int(np.prod(shape[axis:]))), node.name)


def _resolve_shape(src: Sequence[int], target: np.ndarray, allowzero: bool) -> list[int]:
    out = [int(d) for d in target.ravel()]
    if not allowzero:
        out = [src[i] if d == 0 else d for i, d in enumerate(out)]
    if -1 in out:
        known = int(np.prod([d for d in out if d != -1]))
        out[out.index(-1)] = int(np.prod(src)) // known if known else 0
    if int(np.prod(out)) != int(np.prod(src)):
        raise NodeUnsupported(f"cannot reshape {list(src)} to {out}")
    return out


@handles("Reshape", ["allowzero"])
def _reshape(self: _Importer, node: NodeProto, args: Args) -> Value:
    x, shape = required_input(args, 0), constant_input(args[1], "shape")
    out = _resolve_shape(shape_of(x), shape, bool(_attrs(node).get("allowzero", 0)))
    return self.b.reshape(x, out, node.name)


@handles("Transpose", ["perm"])
def _transpose(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    perm = _attrs(node).get("perm", list(reversed(range(len(shape_of(x))))))
    return self.b.transpose(x, perm, node.name)


@handles("Concat", ["axis"])
def _concat(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.concat([a for a in args if a is not None], _attrs(node)["axis"], node.name)


@handles("Pad", ["mode", "pads", "value"], _check_pad)
def _pad(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    x = required_input(args, 0)
    rank = len(shape_of(x))
    if "pads" in a:
        pads = list(a["pads"])
        value = float(a.get("value", 0.0))
    else:
        pads = [int(v) for v in constant_input(args[1], "pads").ravel()]
        value = 0.0
        if len(args) > 2 and args[2] is not None:
            value = float(constant_input(args[2], "constant_value").reshape(()))
        if len(args) > 3 and args[3] is not None:
            axes = [int(v) + rank if v < 0 else int(v) for v in constant_input(args[3], "axes").ravel()]
            full = [0] * (2 * rank)
            for i, ax in enumerate(axes):
                full[ax], full[ax + rank] = pads[i], pads[i + len(axes)]
            pads = full
    if min(pads) < 0:
        raise NodeUnsupported("negative pads (cropping)")
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "constant":
        return _pad_by_copies(self.b, x, pads, mode, node.name)
    return self.b.pad(x, pads, value, node.name)


@handles("Slice", ["starts", "ends", "axes"])
def _slice(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    x = required_input(args, 0)
    rank = len(shape_of(x))
    if "starts" in a:
        starts, ends = list(a["starts"]), list(a["ends"])
        axes = list(a.get("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts = [int(v) for v in constant_input(args[1], "starts").ravel()]
        ends = [int(v) for v in constant_input(args[2], "ends").ravel()]
        axes = (
            [int(v) for v in constant_input(args[3], "axes").ravel()]
            if len(args) > 3 and args[3] is not None
            else list(range(len(starts)))
        )
        steps = (
            [int(v) for v in constant_input(args[4], "steps").ravel()]
            if len(args) > 4 and args[4] is not None
            else [1] * len(starts)
        )
    full_s = [0] * rank
    full_e = list(shape_of(x))
    full_c = [1] * rank
    big = 2**62
    for s, e, ax, c in zip(starts, ends, axes, steps):
        ax = ax + rank if ax < 0 else ax
        full_s[ax] = max(min(s, big), -big)
        full_e[ax] = max(min(e, big), -big)
        full_c[ax] = c
    return self.b.slice(x, full_s, full_e, full_c, node.name)


@handles("Squeeze", ["axes"])
def _squeeze(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    shape = shape_of(x)
    a = _attrs(node)
    if "axes" in a:
        axes = list(a["axes"])
    elif len(args) > 1 and args[1] is not None:
        axes = [int(v) for v in constant_input(args[1], "axes").ravel()]
    else:
        axes = [i for i, d in enumerate(shape) if d == 1]
    axes = [ax + len(shape) if ax < 0 else ax for ax in axes]
    return self.b.reshape(x, [d for i, d in enumerate(shape) if i not in axes], node.name)


@handles("Unsqueeze", ["axes"])
def _unsqueeze(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    a = _attrs(node)
    axes = list(a["axes"]) if "axes" in a else [int(v) for v in constant_input(args[1], "axes").ravel()]
    rank = len(shape_of(x)) + len(axes)
    axes = sorted(ax + rank if ax < 0 else ax for ax in axes)
    shape = list(shape_of(x))
    for ax in axes:
        shape.insert(ax, 1)
    return self.b.reshape(x, shape, node.name)


@handles("Softmax", ["axis"])
def _softmax(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    _float_only(x)
    shape = shape_of(x)
    if self.opset >= 13:
        axis = _attrs(node).get("axis", -1)
        return self.b.softmax(x, axis + len(shape) if axis < 0 else axis, node.name)
    # Before opset 13 softmax normalises over all dimensions from `axis` on.
    axis = _attrs(node).get("axis", 1)
    axis = axis + len(shape) if axis < 0 else axis
    flat = self.b.reshape(
        x, (int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))), f"{node.name}_2d"
    )
    return self.b.reshape(self.b.softmax(flat, 1, node.name), shape, f"{node.name}_nd")


@handles("Gather", ["axis"])
def _gather(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.gather(required_input(args, 0), required_input(args, 1), _attrs(node).get("axis", 0), node.name)


@handles("LayerNormalization", ["axis", "epsilon", "stash_type"])
def _layernorm(self: _Importer, node: NodeProto, args: Args) -> Outputs:
    a = _attrs(node)
    x = required_input(args, 0)
    _float_only(x)
    axis = a.get("axis", -1)
    rank = len(shape_of(x))
    axis = axis + rank if axis < 0 else axis
    tail = shape_of(x)[axis:]
    eps = float(a.get("epsilon", 1e-5))
    scale = required_input(args, 1)
    bias = args[2] if len(args) > 2 and args[2] is not None else np.zeros(tail, np.float32)
    if len([o for o in node.output if o]) > 1:
        return _layernorm_decomposed(self, node, x, scale, bias, axis, eps)
    if shape_of(scale) != tail:
        scale = self.b.reshape(scale, tail) if int(np.prod(shape_of(scale))) == int(np.prod(tail)) else scale
    if shape_of(bias) != tail and isinstance(bias, np.ndarray):
        bias = np.broadcast_to(bias, tail).copy()
    if shape_of(scale) != tail or shape_of(bias) != tail:
        return _layernorm_decomposed(self, node, x, scale, bias, axis, eps)
    return self.b.layer_norm(x, scale, bias, axis, eps, node.name)


def _layernorm_decomposed(
    self: _Importer, node: NodeProto, x: Value, scale: Value, bias: Value, axis: int, eps: float
) -> list[Value]:
    """LayerNormalization with its Mean / InvStdDev outputs (or broadcasting
    scale and bias), as the primitive ops ONNX's own function body uses."""
    b, n = self.b, node.name
    axes = list(range(axis, len(shape_of(x))))
    mean = b.reduce("mean", x, axes, True, f"{n}_mean")
    d = b.binary("sub", x, mean, f"{n}_d")
    var = b.reduce("mean", b.binary("mul", d, d, f"{n}_sq"), axes, True, f"{n}_var")
    inv = b.unary("rsqrt", b.binary("add", var, np.float32(eps), f"{n}_ve"), f"{n}_inv")
    y = b.binary("add", b.binary("mul", b.binary("mul", d, inv, f"{n}_norm"), scale, f"{n}_s"), bias, n)
    return [y, mean, inv]


@handles("BatchNormalization", ["epsilon", "momentum", "spatial", "training_mode"])
def _batchnorm(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    if a.get("training_mode", 0):
        raise NodeUnsupported("attribute 'training_mode'=1")
    x = required_input(args, 0)
    rank = len(shape_of(x))
    eps = np.float32(a.get("epsilon", 1e-5))
    bshape = (1, -1) + (1,) * (rank - 2)
    scale, bias, mean, var = (required_input(args, i) for i in range(1, 5))
    if (
        isinstance(scale, np.ndarray)
        and isinstance(bias, np.ndarray)
        and isinstance(mean, np.ndarray)
        and isinstance(var, np.ndarray)
    ):
        k = (scale / np.sqrt(var + eps)).astype(np.float32)
        shift = (bias - mean * k).astype(np.float32)
        y = self.b.binary("mul", x, k.reshape(bshape), f"{node.name}_scale")
        return self.b.binary("add", y, shift.reshape(bshape), node.name)
    r = lambda v, h: self.b.reshape(v, [shape_of(x)[1] if i == 1 else 1 for i in range(rank)], h)  # noqa: E731
    b, n = self.b, node.name
    d = b.binary("sub", x, r(mean, f"{n}_m"), f"{n}_d")
    std = b.unary("sqrt", b.binary("add", r(var, f"{n}_v"), eps.reshape(()), f"{n}_ve"), f"{n}_std")
    y = b.binary("div", b.binary("mul", d, r(scale, f"{n}_s"), f"{n}_ds"), std, f"{n}_n")
    return b.binary("add", y, r(bias, f"{n}_b"), n)


@handles("Split", ["axis", "split", "num_outputs"])
def _split(self: _Importer, node: NodeProto, args: Args) -> list[Value]:
    a = _attrs(node)
    x = required_input(args, 0)
    shape = shape_of(x)
    axis = a.get("axis", 0)
    axis = axis + len(shape) if axis < 0 else axis
    n_out = len(node.output)
    if "split" in a:
        sizes = list(a["split"])
    elif len(args) > 1 and args[1] is not None:
        sizes = [int(v) for v in constant_input(args[1], "split").ravel()]
    else:
        dim = shape[axis]
        chunk = -(-dim // n_out)
        sizes = [min(chunk, dim - i * chunk) for i in range(n_out)]
    return self.b.split(x, axis, sizes, node.name)


@handles("Where")
def _where(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.where(required_input(args, 0), required_input(args, 1), required_input(args, 2), node.name)


def _compare(predicate: str) -> HandlerFn:
    def fn(self: _Importer, node: NodeProto, args: Args) -> Value:
        a, b = required_input(args, 0), required_input(args, 1)
        if _value_kind(a) == "bool" or _value_kind(b) == "bool":  # Equal of booleans: not xor
            if predicate != "eq":
                raise NodeUnsupported("ordering of booleans")
            return self.b.logical_not(self.b.logical("xor", a, b, f"{node.name}_xor"), node.name)
        return self.b.compare(predicate, a, b, node.name)

    return fn


for _op, _pred in (
    ("Less", "lt"),
    ("LessOrEqual", "le"),
    ("Greater", "gt"),
    ("GreaterOrEqual", "ge"),
    ("Equal", "eq"),
):
    handles(_op)(_compare(_pred))


@handles("Not")
def _not(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.logical_not(required_input(args, 0), node.name)


def _logical(kind: str) -> HandlerFn:
    def fn(self: _Importer, node: NodeProto, args: Args) -> Value:
        return self.b.logical(kind, required_input(args, 0), required_input(args, 1), node.name)

    return fn


for _op, _kind in (("And", "and"), ("Or", "or"), ("Xor", "xor")):
    handles(_op)(_logical(_kind))


def _value_kind(v: Value) -> str:
    """'real', 'int' or 'bool': what an ONNX tensor holds, as ml.cast sees it."""
    if isinstance(v, np.ndarray):
        return "real" if v.dtype.kind == "f" else "bool" if v.dtype.kind == "b" else "int"
    from zkir.dialects.ml import CastOp

    ty = v.type
    assert isinstance(ty, TensorType)
    kind = CastOp.kind_of(ty.element_type)
    assert kind is not None
    return kind


@handles("Identity")
def _identity(self: _Importer, node: NodeProto, args: Args) -> Value:
    return required_input(args, 0)


@handles("Dropout", ["ratio", "seed", "is_test"], _check_single_output)
def _dropout(self: _Importer, node: NodeProto, args: Args) -> Value:
    if len(args) > 2 and args[2] is not None and bool(constant_input(args[2], "training_mode")):
        raise NodeUnsupported("training_mode=true")
    return required_input(args, 0)


@handles("Shape", ["start", "end"])
def _shape(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    shape = np.asarray(shape_of(required_input(args, 0)), dtype=np.int64)
    return shape[slice(a.get("start", 0), a.get("end", None))]


@handles("Size")
def _size(self: _Importer, node: NodeProto, args: Args) -> Value:
    return np.asarray(int(np.prod(shape_of(required_input(args, 0)))), dtype=np.int64)


@handles("Constant", ["value", "value_float", "value_floats", "value_int", "value_ints"])
def _constant(self: _Importer, node: NodeProto, args: Args) -> Value:
    from onnx import numpy_helper

    a = node.attribute[0]
    if a.name == "value":
        return _canon(numpy_helper.to_array(a.t))
    return _canon(np.asarray(_attr(a)))


@handles("ConstantOfShape", ["value"])
def _constant_of_shape(self: _Importer, node: NodeProto, args: Args) -> Value:
    from onnx import numpy_helper

    shape = [int(v) for v in constant_input(args[0], "input").ravel()]
    a = _attrs(node)
    fill = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return _canon(np.full(shape, fill.ravel()[0], dtype=fill.dtype))


def _check_cast(node: NodeProto, a: Attrs) -> list[str]:
    from onnx import TensorProto

    ok = (TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL)
    to = a.get("to")
    return [] if to in ok else [f"attribute 'to'={TensorProto.DataType.Name(to)}"]


@handles("Cast", ["to", "saturate", "round_mode"], _check_cast)
def _cast(self: _Importer, node: NodeProto, args: Args) -> Value:
    """Run-time casts between reals, integers and booleans are ml.cast (int32 and
    int64 are one integer type here: indices never reach 2^31)."""
    from onnx import TensorProto, helper

    to = _attrs(node)["to"]
    x = required_input(args, 0)
    if isinstance(x, np.ndarray):
        return _canon(x.astype(helper.tensor_dtype_to_np_dtype(to)))
    kind = {TensorProto.FLOAT: "real", TensorProto.BOOL: "bool"}.get(to, "int")
    return self.b.cast(x, kind, node.name)


@handles("Range")
def _range(self: _Importer, node: NodeProto, args: Args) -> Value:
    s, e, d = (constant_input(v, n).reshape(()) for v, n in zip(args, ("start", "limit", "delta")))
    # numpy's stubs type arange's bounds as scalars only; it takes 0-d arrays too
    return _canon(np.arange(s, e, d))  # type: ignore[call-overload]


@handles("Expand")
def _expand(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    shape = [int(v) for v in constant_input(args[1], "shape").ravel()]
    return self.b.expand(x, np.broadcast_shapes(shape_of(x), tuple(shape)), node.name)


@handles("Tile")
def _tile(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    repeats = [int(v) for v in constant_input(args[1], "repeats").ravel()]
    if len(repeats) != len(shape_of(x)) or min(repeats, default=1) < 1:
        raise NodeUnsupported(f"repeats {repeats} (needs one count >= 1 per dimension)")
    return self.b.tile(x, repeats, node.name)


@handles("Trilu", ["upper"])
def _trilu(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = constant_input(args[0], "input")
    k = int(constant_input(args[1], "k").reshape(())) if len(args) > 1 and args[1] is not None else 0
    return np.triu(x, k) if _attrs(node).get("upper", 1) else np.tril(x, k)


@handles("CastLike", ["saturate", "round_mode"])
def _cast_like(self: _Importer, node: NodeProto, args: Args) -> Value:
    x, like = required_input(args, 0), required_input(args, 1)
    if isinstance(x, np.ndarray):
        if is_float(like) and x.dtype.kind == "f":
            return x.astype(np.float32)
        if not is_float(like) and x.dtype.kind in "iub":
            return x.astype(np.int64)
        if isinstance(like, np.ndarray):
            return _canon(x.astype(like.dtype))
    return self.b.cast(x, _value_kind(like), node.name)


@handles("Sum")
def _sum(self: _Importer, node: NodeProto, args: Args) -> Value:
    return self.b.variadic("add", required_inputs(args), node.name)


@handles("HardSigmoid", ["alpha", "beta"])
def _hardsigmoid(self: _Importer, node: NodeProto, args: Args) -> Value:
    a = _attrs(node)
    x = required_input(args, 0)
    _float_only(x)
    return self.b.hard_sigmoid(x, a.get("alpha", 0.2), a.get("beta", 0.5), node.name)


@handles("HardSwish")
def _hardswish(self: _Importer, node: NodeProto, args: Args) -> Value:
    x = required_input(args, 0)
    _float_only(x)
    gate = self.b.hard_sigmoid(x, 1.0 / 6.0, 0.5, f"{node.name}_gate")
    return self.b.binary("mul", x, gate, node.name)
