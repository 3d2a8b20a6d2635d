"""Lookup tables are named after their contents, so two tables never merge.

Lookup arguments and table columns are found by table name. Embedding tables
used to be named after the gather's (sanitized) node name alone, so two gathers
named "emb.x" and "emb_x" (or two unnamed ones) got one table: the circuit
tabulated only the first matrix, and a witness reading the first matrix where
the model reads the second verified.
"""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.constraint_builder import BackendError
from zkir.backend_halo2.witness import compute_witness
from zkir.dialects import gadget as gd
from zkir.dialects import plonk
from zkir.dialects.resources import to_numpy
from zkir.frontends import load_model
from zkir.gadgets.embedding import EmbeddingGadget, EmbeddingTable
from zkir.lowering.gadget_to_plonk import PlonkLoweringError
from zkir.prover import MockProver

TO_PLONK = "ml-canonicalize,ml-quantize{scale-bits=8},convert-ml-to-gadget,gadget-canonicalize,convert-gadget-to-plonk,plonk-verify-layout"


def _matrices():
    rng = np.random.default_rng(7)
    return rng.integers(-500, 500, (8, 4)), rng.integers(-500, 500, (8, 4))


def _two_gathers(path: Path) -> Path:
    """out = T1[ids] + T2[ids], the gathers named "emb.x" and "emb_x" (one name once sanitized)."""
    t1, t2 = _matrices()
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["t1", "ids"], ["emb.x"], name="emb.x"),
            helper.make_node("Gather", ["t2", "ids"], ["emb_x"], name="emb_x"),
            helper.make_node("Add", ["emb.x", "emb_x"], ["out"]),
        ],
        "g",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 3])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 4])],
        [
            numpy_helper.from_array((t1 / 256).astype(np.float32), "t1"),
            numpy_helper.from_array((t2 / 256).astype(np.float32), "t2"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def _plan(module) -> CircuitPlan:
    return CircuitPlan(find_circuit(module))


def _embeds(plan: CircuitPlan):
    return [p for p in plan.places.values() if p.kind == "embed"]


def _mock(plan: CircuitPlan, witness):
    return MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()


def test_two_gathers_with_colliding_names_get_two_tables_and_a_swapped_read_fails(tmp_path):
    module = load_model(_two_gathers(tmp_path / "two.onnx"))
    zkir.pipeline(TO_PLONK).run(module)
    plan = _plan(module)
    t1, t2 = _matrices()
    first, second = _embeds(plan)
    np.testing.assert_array_equal(to_numpy(first.op.param("value")), t1)
    np.testing.assert_array_equal(to_numpy(second.op.param("value")), t2)
    names = [t.sym_name.data for t in plan.tables if t.fn.data == "embedding"]
    assert len(names) == 2 and len(set(names)) == 2
    assert {first.param("table"), second.param("table")} == set(names)

    ids = np.array([[1, 6, 3]])
    honest = compute_witness(plan, [ids])
    np.testing.assert_array_equal(honest.outputs[0], (t1 + t2)[ids])
    assert _mock(plan, honest) == []

    # A prover that reads the first matrix where the model reads the second: its
    # witness is consistent everywhere (copies, add gate) except in that lookup.
    second.gadget = EmbeddingGadget(second.gadget.columns, EmbeddingTable(second.param("table"), t1))
    forged = compute_witness(plan, [ids])
    np.testing.assert_array_equal(forged.outputs[0], (t1 + t1)[ids])
    failures = _mock(plan, forged)
    assert failures and {f.kind for f in failures} == {"lookup"}, failures
    assert all(f.name.startswith(second.param("table")) for f in failures), failures


GADGET_TWO_EMBEDS = """
func.func @main(%ids: tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt> {
  %0 = gadget.constant {value = dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi64>, visibility = "fixed"} : tensor<2x4x!gadget.felt>
  %1 = gadget.embed %0, %ids : (tensor<2x4x!gadget.felt>, tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  %2 = gadget.constant {value = dense<[[9, 10, 11, 12], [13, 14, 15, 16]]> : tensor<2x4xi64>, visibility = "fixed"} : tensor<2x4x!gadget.felt>
  %3 = gadget.embed %2, %ids : (tensor<2x4x!gadget.felt>, tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  %4 = gadget.add %1, %3 : (tensor<1x3x4x!gadget.felt>, tensor<1x3x4x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  func.return %4 : tensor<1x3x4x!gadget.felt>
}
"""


def _gadget_module(hint: str | None, same_matrix: bool = False):
    text = GADGET_TWO_EMBEDS
    if same_matrix:
        text = text.replace("[[9, 10, 11, 12], [13, 14, 15, 16]]", "[[1, 2, 3, 4], [5, 6, 7, 8]]")
    module = zkir.parse_module(text)
    for op in module.walk():
        if isinstance(op, gd.EmbedOp):
            op.results[0].name_hint = hint
    return module


@pytest.mark.parametrize("hint", [None, "emb_x"])
def test_unnamed_or_same_named_gathers_of_two_matrices_get_two_tables(hint):
    module = _gadget_module(hint)
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    plan = _plan(module)
    names = [t.sym_name.data for t in plan.tables]
    assert len(names) == 2 and len(set(names)) == 2
    assert all(n.startswith(f"embed_{hint or 'table'}_") for n in names)
    ids = np.array([[1, 0, 1]])
    witness = compute_witness(plan, [ids])
    assert _mock(plan, witness) == []


def test_gathers_of_one_matrix_still_share_one_table():
    module = _gadget_module("emb", same_matrix=True)
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    plan = _plan(module)
    assert len(plan.tables) == 1
    assert len({p.param("table") for p in _embeds(plan)}) == 1


def test_content_names_differ_for_any_change_of_values_or_shape():
    values = np.arange(12).reshape(3, 4)
    name = EmbeddingTable.content_name("wte", values)
    assert name.startswith("embed_wte_")
    assert EmbeddingTable.content_name("wte", values.copy()) == name
    changed = values.copy()
    changed[2, 3] += 1
    assert EmbeddingTable.content_name("wte", changed) != name
    assert EmbeddingTable.content_name("wte", values.reshape(4, 3)) != name
    assert EmbeddingTable.content_name("emb.x", values) == EmbeddingTable.content_name("emb_x", values)


def test_a_clash_in_the_lowering_raises_naming_both_placements(monkeypatch):
    """If two matrices ever got one name (a digest collision), lowering refuses."""
    monkeypatch.setattr(EmbeddingTable, "content_name", staticmethod(lambda label, values: "embed_clash"))
    module = _gadget_module("emb")
    with pytest.raises(PlonkLoweringError, match=r"lookup table 'embed_clash'.*@emb\b.*@emb_1\b"):
        zkir.pipeline("convert-gadget-to-plonk").run(module)


def test_a_placement_whose_matrix_is_not_its_tables_is_refused_by_the_backend():
    module = _gadget_module("emb")
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    circuit = find_circuit(module)
    first, second = [op for op in circuit.body.ops if isinstance(op, plonk.PlaceOp) and op.gadget.data == "embed"]
    # the second gather claims the first one's table (and so its lookups)
    params = dict(second.params.data)
    params["table"] = first.params.data["table"]
    second.properties["params"] = type(second.params)(params)
    with pytest.raises(BackendError, match=r"two different tables share this name.*plonk.lookup_table @embed_emb_.* and .*placement @emb_1\b"):
        CircuitPlan(circuit)
