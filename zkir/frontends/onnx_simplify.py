"""Fold what an ONNX model computes from constants and static shapes, before import.

Exporters (tf2onnx, torch.onnx, keras2onnx, optimum) write shape arithmetic that
is dead weight once the input shapes are static: Shape -> Gather -> Concat ->
Reshape, ReduceProd of shapes, Range, ConstantOfShape, Casts of constants,
guards such as `If(shape == expected)`. `simplify` folds every node that does
not depend on a run-time value, so that the importer sees only the computation.

Which folder: onnxruntime's own graph optimizer, restricted to its
ConstantFolding transformer (optional extra `simplify`; the `test` extra has
it too). Evaluated on tf2onnx exports of Keras models (a DLRM-shaped
recommender, a transformer block, a CNN, all with a dynamic batch fixed to 1),
examples/gpt2_tiny and two shape-guard graphs, against onnxsim 0.8.1 and
onnxslim 0.1.98 (Python 3.11, CPU):

* all three fold every run-time-independent subgraph of these models, and
  every result runs in onnxruntime with the original outputs (error 0);
* onnxruntime: 0-10 ms a model, already a dependency of our tests, the most
  actively released of the three; `disabled_optimizers` keeps it to constant
  folding (its full basic level also fuses LayerNorm, Gelu, MatMul+Add and
  SpaceToDepth, ops the importer should see as written), and its folding
  inlines an `If` whose condition is constant;
* onnxslim: 20-750 ms a model, pulls sympy (80 MB) and evaluates its constants
  with onnxruntime anyway (through onnx-graphsurgeon);
* onnxsim 0.8.1: 20-320 ms, a 38 MB C++ and quantization toolkit; with its
  fusions off it leaves an `If` on a constant condition in place.

Without onnxruntime (or when it refuses a model) `fold_constants` folds with
onnx's own reference evaluator, node by node: slower, but the same result on
the models above, so importing never needs the extra. The onnxruntime result is
also checked to hold no op the input did not (a transformer added to its basic
level in a later release would show up there); if it does, ours is used.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zkir.frontends.errors import ModelError

if TYPE_CHECKING:  # onnx and onnxruntime load lazily
    from onnx import GraphProto, ModelProto, NodeProto

EXTRA = "simplify"
INSTALL_HINT = f"pip install 'zkir[{EXTRA}]'"

# onnxruntime's basic-level (level 1) transformers other than ConstantFolding,
# by the names its sessions log (1.18 .. 1.32); a name a version does not have
# is ignored. What a later version adds is caught by _only_ops_of.
_ORT_NOT_FOLDING = [
    "Level1_RuleBasedTransformer",
    "CommonSubexpressionElimination",
    "ConstantSharing",
    "DoubleQDQPairsRemover",
    "EnsureUniqueDQForNodeUnit",
    "FreeDimensionOverrideTransformer",
    "GeluFusionL1",
    "LayerNormFusionL1",
    "MatMulAddFusion",
    "QDQPropagationTransformer",
    "ReshapeFusion",
    "SliceConcatToSpaceToDepthFusion",
    "TransposeOptimizer",
    "WeightBiasQuantization",
    "WhereDummyDq",
]

# Nodes whose value is not a function of their inputs.
_NONDETERMINISTIC = {
    "RandomNormal",
    "RandomNormalLike",
    "RandomUniform",
    "RandomUniformLike",
    "Multinomial",
    "Bernoulli",
}
# A folded tensor larger than this stays a node (the importer judges it).
_MAX_FOLDED_ELEMENTS = 1 << 24


class SimplifierMissing(ModelError):
    """`--simplified` asked for onnxruntime's folding, and it is not installed."""


def has_simplifier() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------
# Static inputs
# ---------------------------------------------------------------------------


def with_static_inputs(
    model: ModelProto,
    input_shapes: Any = None,
    frozen_inputs: Mapping[str, np.ndarray] | None = None,
) -> ModelProto:
    """A copy of `model` whose inputs carry the shapes in `input_shapes` (a list
    for a model with one live input, or {name: list}) and whose frozen inputs
    are initializers; graph inputs that are also initializers become plain
    initializers. Shapes that do not fit are left for the importer to report."""
    from onnx import ModelProto as Proto
    from onnx import helper, numpy_helper

    out = Proto()
    out.CopyFrom(model)
    g = out.graph
    frozen = dict(frozen_inputs or {})
    inits = {t.name for t in g.initializer}
    keep = []
    for inp in g.input:
        if inp.name in frozen:
            elem = inp.type.tensor_type.elem_type
            value = np.asarray(frozen[inp.name])
            if elem:
                value = value.astype(helper.tensor_dtype_to_np_dtype(elem))
            g.initializer.append(numpy_helper.from_array(value, inp.name))
        elif inp.name not in inits:
            keep.append(inp.SerializeToString())
    del g.input[:]
    for data in keep:
        g.input.add().ParseFromString(data)
    shapes = input_shapes
    if shapes is not None and not isinstance(shapes, Mapping):
        shapes = {g.input[0].name: list(shapes)} if len(g.input) == 1 else {}
    for inp in g.input:
        given = (shapes or {}).get(inp.name)
        if given is None:
            continue
        dims = inp.type.tensor_type.shape.dim
        given = [int(d) for d in given]
        if len(given) != len(dims) or any(d.HasField("dim_value") and d.dim_value != v for d, v in zip(dims, given)):
            continue
        for d, v in zip(dims, given):
            d.Clear()
            d.dim_value = v
    return out


def _dynamic_input(model: ModelProto) -> str | None:
    """The first live input whose shape is not fully static, as 'name' [dims]."""
    for inp in model.graph.input:
        tt = inp.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else "?" for d in tt.shape.dim]
        if not tt.HasField("shape") or "?" in dims:
            return f"'{inp.name}' {dims}"
    return None


def _static(model: ModelProto) -> bool:
    """Every live input has a fully static shape."""
    return _dynamic_input(model) is None


# ---------------------------------------------------------------------------
# The simplifier
# ---------------------------------------------------------------------------


def simplify(model: ModelProto, require_library: bool = False) -> tuple[ModelProto, str]:
    """(the model with its run-time-independent subgraphs folded, who folded:
    "onnxruntime", "zkir", or "none" for a model returned as it is: one with
    dynamic inputs (make them static with `with_static_inputs`), or with
    nothing to fold). require_library (`--simplified`): always onnxruntime;
    raise SimplifierMissing / ModelError rather than fall back."""
    library = has_simplifier()
    if require_library and not library:
        raise SimplifierMissing(f"--simplified folds with onnxruntime, which is not installed: {INSTALL_HINT}")
    if not _static(model):
        if require_library:
            raise ModelError(f"input {_dynamic_input(model)} has a dynamic shape; give a static one with --input-shape")
        return model, "none"
    if not require_library and not _foldable(model):
        return model, "none"  # the common case of a clean graph costs one scan
    if not library:
        return fold_constants(model), "zkir"
    try:
        folded = _ort_fold(model)
    except Exception as e:  # noqa: BLE001 - onnxruntime refuses models in many ways
        if require_library:
            text = " ".join(str(e).split())[:300]
            raise ModelError(f"onnxruntime cannot load the model to simplify it: {text}") from None
        return fold_constants(model), "zkir"
    if not _only_ops_of(folded, model):
        return fold_constants(model), "zkir"
    return folded, "onnxruntime"


def _foldable(model: ModelProto) -> bool:
    """Some node could fold: a Shape or Size, an If, or a node (other than a
    Constant, which the importer reads as it is) whose inputs are all constants."""
    consts = {t.name for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            consts.update(node.output)
            continue
        args = [n for n in node.input if n]
        if node.op_type in ("Shape", "Size", "If") or (args and all(n in consts for n in args)):
            return True
    return False


def _ort_fold(model: ModelProto) -> ModelProto:
    import onnx
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.log_severity_level = 3  # no warnings on stderr (e.g. unused initializers)
    with tempfile.TemporaryDirectory(prefix="zkir-simplify-") as tmp:
        out = Path(tmp) / "folded.onnx"
        so.optimized_model_filepath = str(out)
        ort.InferenceSession(
            model.SerializeToString(),
            so,
            providers=["CPUExecutionProvider"],
            disabled_optimizers=_ORT_NOT_FOLDING,
        )
        folded = onnx.load(str(out))
    # onnxruntime writes its own producer; the rest of the model's identity stays
    folded.producer_name, folded.producer_version = model.producer_name, model.producer_version
    return folded


def _op_types(g: GraphProto, into: set[tuple[str, str]]) -> set[tuple[str, str]]:
    for node in g.node:
        into.add((node.domain if node.domain != "ai.onnx" else "", node.op_type))
        for a in node.attribute:
            if a.HasField("g"):
                _op_types(a.g, into)
            for sub in a.graphs:
                _op_types(sub, into)
    return into


def _only_ops_of(folded: ModelProto, model: ModelProto) -> bool:
    """Folding only removes nodes (or inlines an If's branch): no new op types."""
    return _op_types(folded.graph, set()) <= _op_types(model.graph, set())


def simplified_model(
    model: ModelProto,
    input_shapes: Any = None,
    frozen_inputs: Mapping[str, np.ndarray] | None = None,
) -> ModelProto:
    """`zkir import --simplified`: onnxruntime's folding of `model` with static
    inputs, or SimplifierMissing (one line naming the extra) / ModelError."""
    folded, _ = simplify(with_static_inputs(model, input_shapes, frozen_inputs), require_library=True)
    return folded


# ---------------------------------------------------------------------------
# Our folding: onnx's reference evaluator, node by node
# ---------------------------------------------------------------------------


def fold_constants(model: ModelProto, rounds: int = 8) -> ModelProto:
    """Fold every node whose inputs are constants (initializers, folded nodes)
    or, for Shape and Size, whose input's shape is static; inline an If whose
    condition is constant. Nodes are evaluated by onnx.reference. A node that
    cannot be evaluated stays, for the importer to judge. Repeats (up to
    `rounds` times) while shape inference learns more."""
    from onnx import ModelProto as Proto

    out = Proto()
    out.CopyFrom(model)
    opsets = {(i.domain or ""): i.version for i in out.opset_import}
    if "ai.onnx" in opsets:
        opsets[""] = opsets.pop("ai.onnx")
    for _ in range(rounds):
        if not _fold_once(out, opsets):
            break
    return out


def _static_shapes(model: ModelProto) -> dict[str, tuple[int, ...]]:
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is only an aid to folding
        inferred = model
    g = inferred.graph
    shapes = {}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        tt = vi.type.tensor_type
        if tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim):
            shapes[vi.name] = tuple(int(d.dim_value) for d in tt.shape.dim)
    return shapes


def _fold_once(model: ModelProto, opsets: dict[str, int]) -> bool:
    from onnx import numpy_helper

    g = model.graph
    shapes = _static_shapes(model)
    consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    new: dict[str, np.ndarray] = {}
    kept: list[NodeProto] = []
    queue = list(g.node)
    changed = False
    while queue:
        node = queue.pop(0)
        inlined = _inline_if(node, consts)
        if inlined is not None:
            branch_nodes, branch_inits = inlined
            for name, value in branch_inits.items():
                consts[name] = new[name] = value
            queue[:0] = branch_nodes
            changed = True
            continue
        values = _evaluate(node, consts, shapes, opsets)
        if values is None:
            kept.append(node)
            continue
        for name, value in zip(node.output, values):
            if name:
                consts[name] = new[name] = value
        changed = True
    if not changed:
        return False
    del g.node[:]
    g.node.extend(kept)
    used = {n for node in kept for n in _inputs_of(node)} | {o.name for o in g.output}
    old = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(old)
    g.initializer.extend(numpy_helper.from_array(np.asarray(v), k) for k, v in new.items() if k in used)
    # inferred shapes of folded values are stale; inference runs again next round
    del g.value_info[:]
    return True


def _inputs_of(node: NodeProto) -> set[str]:
    """The names a node reads, its subgraphs' outer-scope reads included."""
    names = {n for n in node.input if n}
    for a in node.attribute:
        subs = ([a.g] if a.HasField("g") else []) + list(a.graphs)
        for sub in subs:
            for inner in sub.node:
                names |= _inputs_of(inner)
    return names


def _inline_if(
    node: NodeProto, consts: dict[str, np.ndarray]
) -> tuple[list[NodeProto], dict[str, np.ndarray]] | None:
    """An If on a constant condition -> (its branch's nodes, then Identity
    nodes onto the If's outputs; the branch's initializers)."""
    from onnx import helper, numpy_helper

    if node.op_type != "If" or node.domain not in ("", "ai.onnx") or node.input[0] not in consts:
        return None
    cond = consts[node.input[0]]
    if cond.size != 1:
        return None
    branches = {a.name: a.g for a in node.attribute}
    branch = branches.get("then_branch" if bool(cond.reshape(())) else "else_branch")
    if branch is None or len(branch.output) != len(node.output):
        return None
    nodes = list(branch.node)
    for inner, outer in zip(branch.output, node.output):
        nodes.append(helper.make_node("Identity", [inner.name], [outer], name=f"{node.name}_{outer}"))
    return nodes, {t.name: numpy_helper.to_array(t) for t in branch.initializer}


def _evaluate(
    node: NodeProto,
    consts: dict[str, np.ndarray],
    shapes: dict[str, tuple[int, ...]],
    opsets: dict[str, int],
) -> list[np.ndarray] | None:
    """The node's output values, if they do not depend on a run-time value."""
    if node.domain not in ("", "ai.onnx") or node.op_type in _NONDETERMINISTIC:
        return None
    if any(a.HasField("g") or len(a.graphs) for a in node.attribute):
        return None  # Loop, Scan; an If is inlined, not evaluated
    if node.op_type in ("Shape", "Size"):
        src = node.input[0]
        shape = consts[src].shape if src in consts else shapes.get(src)
        if shape is None:
            return None
        if node.op_type == "Size":
            return [np.asarray(int(np.prod(shape)), np.int64)]
        attrs = {a.name: a.i for a in node.attribute}
        return [np.asarray(shape, np.int64)[attrs.get("start", 0) : attrs.get("end", None)]]
    args = [n for n in node.input if n]
    if any(n not in consts for n in args):
        return None
    for out in node.output:
        if out in shapes and int(np.prod(shapes[out])) > _MAX_FOLDED_ELEMENTS:
            return None
    from onnx.reference import ReferenceEvaluator

    try:
        ev = ReferenceEvaluator(node, opsets=dict(opsets))
        values = ev.run(None, {n: consts[n] for n in args})
    except Exception:  # noqa: BLE001 - leave what the reference cannot run to the importer
        return None
    return [np.asarray(v) for v in values]
