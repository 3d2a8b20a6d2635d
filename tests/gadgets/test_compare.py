"""The less-than and select gadgets: booleans proven 0/1, a flipped bit or a wrong
output caught, alone and through the lowering and the mock prover."""

import numpy as np
import pytest

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness
from zkir.gadgets import LessGadget, SelectGadget
from zkir.gadgets.check import check_assignment
from zkir.gadgets.interpret import run_gadget
from zkir.ir_io import parse_module
from zkir.prover import MockProver

from gadget_checks import assert_one_wrong_cell_is_caught, assert_ports_hold, rng

A, B, C, L0, L1 = range(5)


def test_less_is_exact_and_its_constraints_hold():
    gadget = LessGadget(12, 8)
    a, b = rng.integers(-30000, 30000, (2, 4, 7))
    a[0, :3] = b[0, :3]  # ties: a < b is false
    b[1, :2] = a[1, :2] + 1  # the closest true case
    a[1, 2], b[1, 2] = -32000, 32000  # far apart, inside the 2^16 bound
    out = gadget.assign({"lhs": a, "rhs": b})
    expected = (a < b).astype(np.int64)
    np.testing.assert_array_equal(out.outputs["out"], expected)
    np.testing.assert_array_equal(LessGadget.evaluate(LessGadget.Params(8), {"lhs": a, "rhs": b}), expected)
    assert check_assignment(gadget, out) == []
    assert_ports_hold(out, {"lhs": a, "rhs": b, "out": expected})


def test_less_refuses_operands_its_table_cannot_bound():
    with pytest.raises(OverflowError, match="differ by more"):
        LessGadget(5, 8).assign({"lhs": np.array([0]), "rhs": np.array([1 << 17])})


@pytest.mark.parametrize("a, b", [(3, 9), (9, 3), (5, 5), (-7, 2)])
def test_a_flipped_bit_has_no_limbs_that_satisfy_the_gates(a, b):
    """The soundness argument, cell by cell: with c flipped the difference the gate
    asks for is negative (a field element near p), so whatever limbs the prover
    writes, either the difference gate or a range lookup fails."""
    gadget = LessGadget(5, 8)
    honest = gadget.assign({"lhs": np.array([a]), "rhs": np.array([b])})
    flipped = 1 - int(honest.cells[0, C])
    d = b - a - 1 if flipped else a - b  # negative in every case
    assert d < 0
    for l0, l1 in [(d % 256, (d // 256) % 256), (0, 0), (255, 255), (d, 0)]:
        cheat = gadget.assign({"lhs": np.array([a]), "rhs": np.array([b])})
        cheat.cells[0, C], cheat.cells[0, L0], cheat.cells[0, L1] = flipped, l0, l1
        assert check_assignment(gadget, cheat), (l0, l1)


def test_a_bit_that_is_not_boolean_is_caught():
    gadget = LessGadget(5, 8)
    a = gadget.assign({"lhs": np.array([3]), "rhs": np.array([9])})
    a.cells[0, C] = 2  # d = 2 (9 - 3 - 1) - (3 - 9) = 16: the limbs can even be made to match
    a.cells[0, L0], a.cells[0, L1] = 16, 0
    assert [f.constraint for f in check_assignment(gadget, a)] == ["less_t8[0]"]


@pytest.mark.parametrize("slot, expected", [(A, "less"), (C, "less"), (L0, "less")])
def test_less_one_wrong_cell_is_caught(slot, expected):
    assert_one_wrong_cell_is_caught(LessGadget(5, 4), {"lhs": np.arange(-8, 8), "rhs": np.arange(8, -8, -1)}, slot, expected)


def test_select_picks_and_checks_its_condition():
    gadget = SelectGadget(9)
    a, b = rng.integers(-5000, 5000, (2, 3, 5))
    c = rng.integers(0, 2, (3, 5))
    out = gadget.assign({"cond": c, "lhs": a, "rhs": b})
    np.testing.assert_array_equal(out.outputs["out"], np.where(c == 1, a, b))
    assert check_assignment(gadget, out) == []
    assert_ports_hold(out, {"cond": c, "lhs": a, "rhs": b, "out": np.where(c == 1, a, b)})
    with pytest.raises(ValueError, match="0 or 1"):
        gadget.assign({"cond": np.array([2]), "lhs": np.array([1]), "rhs": np.array([0])})


def test_select_refuses_a_condition_of_two_even_with_a_matching_output():
    gadget = SelectGadget(4)
    s = gadget.assign({"cond": np.array([1]), "lhs": np.array([7]), "rhs": np.array([3])})
    s.cells[0, 0], s.cells[0, 3] = 2, 2 * 7 - 3  # out = b + c (a - b) holds for c = 2
    assert [f.constraint for f in check_assignment(gadget, s)] == ["select[0]"]
    assert_one_wrong_cell_is_caught(SelectGadget(4), {"cond": np.array([1, 0]), "lhs": np.array([4, 5]), "rhs": np.array([6, 7])}, 3, "select")


MODULE = """
func.func @main(%x: tensor<2x3x!gadget.felt>, %y: tensor<2x3x!gadget.felt>) -> tensor<2x3x!gadget.felt> {
  %c = gadget.less %x, %y : (tensor<2x3x!gadget.felt>, tensor<2x3x!gadget.felt>) -> tensor<2x3x!gadget.felt>
  %z = gadget.select %c, %x, %y : (tensor<2x3x!gadget.felt>, tensor<2x3x!gadget.felt>, tensor<2x3x!gadget.felt>) -> tensor<2x3x!gadget.felt>
  func.return %z : tensor<2x3x!gadget.felt>
}
"""


def _mock(plan, witness):
    return MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()


def test_less_and_select_through_the_lowering_and_the_mock_prover():
    """min(x, y) by a comparison and a select; flipping the proven bit (in the
    comparison or in the select's copy of it) or the output fails the mock prover."""
    module = parse_module(MODULE)
    x, y = rng.integers(-100, 100, (2, 2, 3))
    np.testing.assert_array_equal(run_gadget(module, [x, y])[0], np.minimum(x, y))
    zkir.pipeline("convert-gadget-to-plonk{columns=10 range-bits=8},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()
    witness = compute_witness(plan, [x, y])
    np.testing.assert_array_equal(witness.outputs[0], np.minimum(x, y))
    assert _mock(plan, witness) == []
    (less,) = [p for p in plan.places.values() if p.kind == "less"]
    (select,) = [p for p in plan.places.values() if p.kind == "select"]
    for place, slot in ((less, C), (select, 0), (select, 3)):
        w = compute_witness(plan, [x, y])
        column = place.columns[slot].index
        w.advice[column][place.row] = 1 - int(w.advice[column][place.row]) if slot != 3 else int(w.advice[column][place.row]) + 1
        failures = _mock(plan, w)
        assert failures, (place.kind, slot)
