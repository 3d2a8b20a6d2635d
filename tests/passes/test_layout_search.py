"""gadget-layout-search: picks the least predicted time, obeys budgets, and the
lowering carries its choice out."""

from pathlib import Path

import pytest

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.cost.model import SHIPPED, CircuitFeatures, CostModel
from zkir.frontends import load_model
from zkir.interpreter.program import main_function
from zkir.dialects.gadget import LAYOUT_ATTR, LayoutChoice, layout_of
from zkir.passes.layout_search import (
    LayoutSearchError,
    enumerate_choices,
    evaluate,
    format_table,
    search,
)

MLP = Path(__file__).resolve().parents[2] / "examples" / "digits_mlp" / "model.onnx"


@pytest.fixture(scope="module")
def gadget_module():
    module = load_model(MLP, [1, 64])
    zkir.pipeline(
        "ml-canonicalize,ml-quantize{scale-bits=8},convert-ml-to-gadget{weights=fixed},gadget-canonicalize"
    ).run(module)
    return module


@pytest.fixture(scope="module")
def model():
    return CostModel.load(SHIPPED)


def test_the_pick_has_the_least_predicted_time(gadget_module, model):
    fn = main_function(gadget_module)
    best, candidates = search(fn, enumerate_choices((12, 24, 48), (8,)), model)
    fitting = [c for c in candidates if c.fits]
    assert len(fitting) >= 6
    assert best.seconds == min(c.seconds for c in fitting)
    assert len({c.seconds for c in fitting}) > 3  # the choices really differ
    table = format_table(candidates, best)
    assert table.count("\n") == len(candidates) and "* " in table


def test_pass_writes_the_choice_and_the_lowering_obeys_it(gadget_module, tmp_path):
    module = gadget_module.clone()
    table = tmp_path / "candidates.txt"
    zkir.pipeline(f'gadget-layout-search{{columns=12,24 table="{table}"}}').run(module)
    fn = main_function(module)
    choice = layout_of(fn, LayoutChoice())
    assert fn.attributes[LAYOUT_ATTR] is not None and choice.columns in (12, 24) and choice.k > 0
    assert "predicted s" in table.read_text()
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    assert plan.k == choice.k
    assert sum(1 for c in plan.circuit.columns("advice") if c.sym_name.data.startswith("a")) == choice.columns


def test_prediction_matches_the_lowered_circuit(gadget_module, model):
    fn = main_function(gadget_module)
    choice = LayoutChoice(columns=24, items_per_row=1)
    cand = evaluate(fn, choice, model)
    module = gadget_module.clone()
    zkir.pipeline("convert-gadget-to-plonk{columns=24 items-per-row=1}").run(module)
    plan = CircuitPlan(find_circuit(module))
    assert cand.features == CircuitFeatures.of(plan.cs, plan.k)


def test_a_memory_budget_excludes_layouts_and_too_small_a_budget_is_one_line(gadget_module, model):
    fn = main_function(gadget_module)
    choices = enumerate_choices((12, 24, 48), (8,))
    best, candidates = search(fn, choices, model)
    budget = sorted(c.memory_mb for c in candidates if c.fits)[1]
    within, _ = search(fn, choices, model, memory_budget_mb=budget)
    assert within.memory_mb <= budget
    with pytest.raises(LayoutSearchError, match=r"no layout fits in 1 MB \(the smallest needs about \d+ MB\)"):
        search(fn, choices, model, memory_budget_mb=1)


def test_too_narrow_bands_are_reported_not_raised(gadget_module, model):
    cand = evaluate(main_function(gadget_module), LayoutChoice(columns=4), model)
    assert not cand.fits and "needs at least" in cand.error


WIDE_TANH = """
func.func @main(%x: tensor<4x8x!gadget.felt>) -> tensor<4x8x!gadget.felt> {
  %y = gadget.lookup "tanh" %x {table_bits = 16 : i64, in_scale = 12 : i64, out_scale = 12 : i64,
        table_range = array<i64: LO, HI>} : tensor<4x8x!gadget.felt> -> tensor<4x8x!gadget.felt>
  func.return %y : tensor<4x8x!gadget.felt>
}
"""


def _wide_tanh():
    from zkir.interpreter.nonlinear import clamp_range
    from zkir.ir_io import parse_module

    lo, hi = clamp_range("tanh", 12)
    return parse_module(WIDE_TANH.replace("LO", str(lo)).replace("HI", str(hi))), (lo, hi)


def test_the_search_splits_a_wide_table_when_that_is_cheaper(model):
    from zkir.passes.layout_search import op_options

    module, (lo, hi) = _wide_tanh()
    fn = main_function(module)
    options = op_options(fn, 12)
    assert len(options) == 2 and options[0].splits == () and options[1].splits[0][1] == (5, 12)
    choices = enumerate_choices((8, 16), (12,))
    direct, _ = search(fn, choices, model)
    split, candidates = search(fn, choices, model, split_tables=True)
    assert direct.choice.k == 16 and not direct.ops.splits  # 39749 table rows
    assert split.ops.splits and split.choice.k == 13  # the 4096-row range table sets k now
    assert split.seconds < direct.seconds
    assert "tanh/32" in format_table(candidates, split, fn)


def test_the_pass_records_the_split_and_the_circuit_computes_the_same_integers():
    import numpy as np

    from zkir.backend_halo2.witness import compute_witness
    from zkir.dialects import gadget
    from zkir.gadgets.interpret import run_gadget
    from zkir.prover import MockProver

    module, (lo, hi) = _wide_tanh()
    x = np.random.default_rng(3).integers(lo, hi + 1, (4, 8))
    want = run_gadget(module, [x])[0]
    zkir.pipeline("gadget-layout-search{columns=8,16 range-bits=12}").run(module)
    (op,) = [o for o in module.walk() if isinstance(o, gadget.LookupOp)]
    assert op.get_split() == (5, 12)
    np.testing.assert_array_equal(run_gadget(module, [x])[0], want)
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    assert plan.k == 13
    witness = compute_witness(plan, [x])
    np.testing.assert_array_equal(witness.outputs[0], want)
    mock = MockProver(plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints())
    assert mock.verify() == []
