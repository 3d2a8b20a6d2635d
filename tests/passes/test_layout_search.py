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
