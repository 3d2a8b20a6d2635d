"""The square gadget, and the proof that a new gadget kind lands in one place.

gadget.square was added by its op definition (zkir/dialects/gadget.py), its
gadget file (zkir/gadgets/square.py) and this test module, and nothing else: the
registry finds the gadget, the lowering places it through GadgetOpInterface, the
backend rebuilds it from its plonk.place, and the interpreter reads its meaning
off the gadget's `evaluate`.
"""

import numpy as np

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness
from zkir.gadgets import SquareGadget
from zkir.gadgets.check import check_assignment
from zkir.gadgets.interpret import run_gadget
from zkir.ir_io import parse_module
from zkir.prover import MockProver

from gadget_checks import assert_one_wrong_cell_is_caught, assert_ports_hold, rng

MODULE = """
func.func @main(%x: tensor<2x5x!gadget.felt>) -> tensor<2x5x!gadget.felt> {
  %y = gadget.square %x : tensor<2x5x!gadget.felt> -> tensor<2x5x!gadget.felt>
  %z = gadget.add %y, %x : (tensor<2x5x!gadget.felt>, tensor<2x5x!gadget.felt>) -> tensor<2x5x!gadget.felt>
  func.return %z : tensor<2x5x!gadget.felt>
}
"""


def test_square_assigns_x_squared_and_its_constraints_hold():
    gadget = SquareGadget(5)
    x = rng.integers(-3000, 3000, (3, 7))
    a = gadget.assign({"input": x})
    np.testing.assert_array_equal(a.outputs["out"], x * x)
    np.testing.assert_array_equal(SquareGadget.evaluate(SquareGadget.Params(), {"input": x}), x * x)
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"input": x, "out": x * x})


def test_a_wrong_square_is_caught():
    assert_one_wrong_cell_is_caught(SquareGadget(4), {"input": np.arange(1, 6)}, 1, "square")


def _mock(plan: CircuitPlan, witness):
    return MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()


def test_square_through_the_interpreter_lowering_and_mock_prover():
    module = parse_module(MODULE)
    x = rng.integers(-100, 100, (2, 5))
    np.testing.assert_array_equal(run_gadget(module, [x])[0], x * x + x)
    zkir.pipeline("convert-gadget-to-plonk{columns=6},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    assert [p.kind for p in plan.places.values()].count("square") == 1
    plan.check_wiring()
    witness = compute_witness(plan, [x])
    np.testing.assert_array_equal(witness.outputs[0], x * x + x)
    assert _mock(plan, witness) == []

    # A prover claiming another square for one element: the square gate fails.
    (square,) = [p for p in plan.places.values() if p.kind == "square"]
    column = square.columns[1].index
    witness.advice[column][square.row] += 1
    failures = _mock(plan, witness)
    assert failures and any(f.name.startswith("square") for f in failures), failures
