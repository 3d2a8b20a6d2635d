"""Simplify before importing (issue 15, point 1): exporters' shape subgraphs,
casts of constants and guards fold away once input shapes are static, with
onnxruntime's constant folding or, without it, zkir's own."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from onnx_helpers import assert_close, ort_run
from zkir.frontends import onnx_simplify
from zkir.frontends.errors import ModelError, UnsupportedModel
from zkir.frontends.onnx import import_onnx
from zkir.interpreter.float_interp import run_float
from zkir.tools.cli import main

# The ops only shape arithmetic, guards and casts of constants use here
SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "Concat", "Cast", "ReduceProd", "Squeeze", "Range",
             "ConstantOfShape", "Less", "Not", "Equal", "ReduceMin", "If", "Constant"}


def _const(name: str, value) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(value)), name=name)


def exported_style_model() -> onnx.ModelProto:
    """y = where(guard, (reshape(x, [n, -1]) * cast(3)) + range(numel)) * 0.5, 0),
    then an If on `shape(x) == [n, 4]`, written the way exporters write them: x
    has a dynamic batch, every shape is computed from Shape(x)."""
    then_g = helper.make_graph(
        [helper.make_node("Relu", ["y2"], ["t_out"], name="then_relu")], "then", [],
        [helper.make_tensor_value_info("t_out", TensorProto.FLOAT, None)],
    )
    else_g = helper.make_graph(
        [helper.make_node("Neg", ["y2"], ["e_out"], name="else_neg")], "else", [],
        [helper.make_tensor_value_info("e_out", TensorProto.FLOAT, None)],
    )
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        _const("zero", np.int64(0)),
        _const("one", np.int64(1)),
        _const("minus1", np.array([-1], np.int64)),
        _const("axes0", np.array([0], np.int64)),
        # Shape -> Gather -> Concat -> Reshape
        helper.make_node("Gather", ["s", "zero"], ["n"], name="batch", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="batch_1d"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["x2"], name="reshape"),
        # a Cast of a constant
        _const("three_i", np.array(3, np.int64)),
        helper.make_node("Cast", ["three_i"], ["three"], name="cast_const", to=TensorProto.FLOAT),
        helper.make_node("Mul", ["x2", "three"], ["y0"], name="mul3"),
        # ReduceProd of a shape, Range, ConstantOfShape
        helper.make_node("ReduceProd", ["s"], ["numel"], name="numel", keepdims=1),
        helper.make_node("Reshape", ["y0", "numel"], ["flat"], name="flatten"),
        helper.make_node("Squeeze", ["numel"], ["numel0"], name="numel0"),
        helper.make_node("Range", ["zero", "numel0", "one"], ["r"], name="range"),
        helper.make_node("Cast", ["r"], ["rf"], name="range_f", to=TensorProto.FLOAT),
        helper.make_node("Add", ["flat", "rf"], ["y1"], name="add_range"),
        helper.make_node("Shape", ["y1"], ["s1"], name="shape1"),
        helper.make_node("ConstantOfShape", ["s1"], ["half"], name="half",
                         value=numpy_helper.from_array(np.array([0.5], np.float32))),
        helper.make_node("Mul", ["y1", "half"], ["y2"], name="mul_half"),
        # guards that hold for every input of this shape
        helper.make_node("Less", ["numel", "zero"], ["negative"], name="less"),
        helper.make_node("Not", ["negative"], ["ok"], name="not"),
        _const("expected", np.array([2, 4], np.int64)),
        helper.make_node("Equal", ["s", "expected"], ["same"], name="equal"),
        helper.make_node("Cast", ["same"], ["same_i"], name="same_i", to=TensorProto.INT64),
        helper.make_node("ReduceMin", ["same_i"], ["all_i"], name="all", keepdims=0),
        helper.make_node("Cast", ["all_i"], ["cond"], name="cond", to=TensorProto.BOOL),
        helper.make_node("If", ["cond"], ["y3"], name="guard", then_branch=then_g, else_branch=else_g),
        _const("zero_f", np.array([0.0], np.float32)),
        helper.make_node("Where", ["ok", "y3", "zero_f"], ["y"], name="where"),
    ]
    graph = helper.make_graph(
        nodes, "exported",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["m"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


X = np.random.default_rng(1).normal(size=(2, 4)).astype(np.float32)


@pytest.fixture
def no_onnxruntime(monkeypatch):
    """As if the `simplify` extra were not installed."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError


def _ops(module) -> Counter:
    return Counter(op.name for op in module.walk())


def test_without_folding_the_importer_refuses_it():
    with pytest.raises(UnsupportedModel, match="ReduceProd"):
        import_onnx(exported_style_model(), [2, 4], simplify=False)


@pytest.mark.parametrize("folder", ["onnxruntime", "zkir"])
def test_folded_model_imports_and_matches_onnxruntime(request, folder):
    model = exported_style_model()
    ref = ort_run(model, {"x": X})[0]
    if folder == "zkir":
        request.getfixturevalue("no_onnxruntime")
    static = onnx_simplify.with_static_inputs(model, [2, 4])
    folded, who = onnx_simplify.simplify(static)
    assert who == folder
    left = Counter(n.op_type for n in folded.graph.node)
    assert not set(left) & SHAPE_OPS, left  # every shape subgraph folded
    assert set(left) <= {"Reshape", "Mul", "Add", "Relu", "Where", "Identity"}
    module = import_onnx(model, [2, 4])
    assert_close(run_float(module, {"x": X})[0], ref)
    assert _ops(module)["ml.relu"] == 1  # the If's true branch, inlined


def test_folding_keeps_what_depends_on_runtime_values(no_onnxruntime):
    """A guard on input values is not a constant: it stays for the importer."""
    nodes = [
        _const("zero", np.array(0.0, np.float32)),
        helper.make_node("Less", ["x", "zero"], ["neg"], name="less"),
        helper.make_node("Where", ["neg", "zero", "x"], ["y"], name="where"),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    folded = onnx_simplify.fold_constants(model)
    assert [n.op_type for n in folded.graph.node] == ["Less", "Where"]
    assert [t.name for t in folded.graph.initializer] == ["zero"]


def test_an_onnxruntime_result_with_new_ops_is_not_used(monkeypatch):
    """Should a later onnxruntime fuse at its basic level, zkir folds itself."""
    fused = exported_style_model()
    fused.graph.node.append(helper.make_node("LayerNormalization", ["y", "y", "y"], ["z"], name="new"))
    monkeypatch.setattr(onnx_simplify, "_ort_fold", lambda m: fused)
    _, who = onnx_simplify.simplify(onnx_simplify.with_static_inputs(exported_style_model(), [2, 4]))
    assert who == "zkir"


def test_a_graph_with_nothing_to_fold_is_not_copied():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    assert onnx_simplify.simplify(model) == (model, "none")


def test_a_dynamic_batch_is_made_static_before_folding():
    # batch 1 is the importer's choice (said through notice); then every Shape folds
    notes: list[str] = []
    module = import_onnx(exported_style_model(), notice=notes.append)
    assert len(notes) == 1 and "'x' [1, 4]" in notes[0]
    np.testing.assert_allclose(run_float(module, X[:1])[0], ort_run(exported_style_model(), {"x": X[:1]})[0], rtol=1e-6)


# ---------------------------------------------------------------------------
# zkir import --simplified
# ---------------------------------------------------------------------------


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_simplified_writes_a_model_onnxruntime_runs_the_same(tmp_path, capsys):
    src, out, ir = tmp_path / "exported.onnx", tmp_path / "folded.onnx", tmp_path / "m.mlir"
    model = exported_style_model()
    onnx.save(model, src)
    code, _, err = _cli(capsys, "import", str(src), "--input-shape", "2,4", "--simplified", str(out), "-o", str(ir))
    assert code == 0, err
    folded = onnx.load(str(out))
    onnx.checker.check_model(folded)
    assert not {n.op_type for n in folded.graph.node} & SHAPE_OPS
    assert [d.dim_value for d in folded.graph.input[0].type.tensor_type.shape.dim] == [2, 4]
    np.testing.assert_array_equal(ort_run(folded, {"x": X})[0], ort_run(model, {"x": X})[0])
    assert "ml.relu" in ir.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported.onnx", "folded.onnx", "m.mlir"]  # no temp files


def test_import_simplified_defaults_the_batch_and_needs_onnx(tmp_path, capsys):
    src = tmp_path / "exported.onnx"
    onnx.save(exported_style_model(), src)
    code, _, err = _cli(capsys, "import", str(src), "--simplified", str(tmp_path / "f.onnx"), "-o", str(tmp_path / "m.mlir"))
    assert code == 0 and err.count("\n") == 1 and "note: dynamic batch dimension set to 1 for input 'x' [1, 4]" in err
    assert [d.dim_value for d in onnx.load(str(tmp_path / "f.onnx")).graph.input[0].type.tensor_type.shape.dim] == [1, 4]
    (tmp_path / "f.onnx").unlink()
    tfl = Path(__file__).parents[2] / "examples" / "digits_mlp" / "model.tflite"
    code, _, err = _cli(capsys, "import", str(tfl), "--simplified", str(tmp_path / "f.onnx"))
    assert code == 2 and err.count("\n") == 1 and "ONNX models" in err
    assert not (tmp_path / "f.onnx").exists()


def test_without_the_extra_import_works_and_simplified_names_it(tmp_path, capsys, no_onnxruntime):
    src, out = tmp_path / "exported.onnx", tmp_path / "folded.onnx"
    onnx.save(exported_style_model(), src)
    code, ir, err = _cli(capsys, "import", str(src), "--input-shape", "2,4")
    assert code == 0, err
    assert "ml.relu" in ir
    code, _, err = _cli(capsys, "import", str(src), "--input-shape", "2,4", "--simplified", str(out))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "pip install 'zkir[simplify]'" in err
    assert not out.exists()
