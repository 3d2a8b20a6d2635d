"""gadget.randomized_dot: matrix products checked at a random point (Freivalds).

The witness equals the integer product; the lowering, backend and mock prover
accept it; a wrong product entry, a wrong compression (rhs @ v) or a wrong power
of the challenge is caught, by the mock prover and by the real verifier.
"""

import numpy as np
import pytest

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness, mock_prover
from zkir.gadgets.interpret import run_gadget
from zkir.gadgets.randomized_dot import RandomizedDotGadget
from zkir.ir_io import parse_module
from zkir.prover import field as F

rng = np.random.default_rng(7)
W = rng.integers(-60, 60, (6, 5))


def _module(batched: bool = False) -> str:
    if batched:
        return """
func.func @main(%x: tensor<2x4x6x!gadget.felt>, %y: tensor<2x6x5x!gadget.felt>) -> tensor<2x4x5x!gadget.felt> {
  %z = gadget.randomized_dot %x, %y : (tensor<2x4x6x!gadget.felt>, tensor<2x6x5x!gadget.felt>) -> tensor<2x4x5x!gadget.felt>
  func.return %z : tensor<2x4x5x!gadget.felt>
}
"""
    values = ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in W)
    return f"""
func.func @main(%x: tensor<4x6x!gadget.felt>) -> tensor<4x5x!gadget.felt> {{
  %w = gadget.constant {{value = dense<[{values}]> : tensor<6x5xi64>, visibility = "private"}} : tensor<6x5x!gadget.felt>
  %z = gadget.randomized_dot %x, %w : (tensor<4x6x!gadget.felt>, tensor<6x5x!gadget.felt>) -> tensor<4x5x!gadget.felt>
  func.return %z : tensor<4x5x!gadget.felt>
}}
"""


@pytest.mark.parametrize("columns, late", [(6, 3), (2, 5), (5, 4)])
def test_assignment_is_the_product_and_its_rows_are_proportional_to_the_operands(columns, late):
    a, b = rng.integers(-99, 99, (3, 7, 9)), rng.integers(-99, 99, (1, 9, 4))
    g = RandomizedDotGadget(columns, 4, late)
    asg = g.assign({"lhs": a, "rhs": b})
    np.testing.assert_array_equal(asg.outputs["out"], a @ b[0])
    np.testing.assert_array_equal(RandomizedDotGadget.evaluate(None, {"lhs": a, "rhs": b}), a @ b[0])
    q, pairs = columns, (late - 1) // 2
    up = lambda n, k: -(-n // k)  # noqa: E731
    expected = 9 * up(4, q) + 3 * (up(7 * 4, q) + 9 * up(7, q) + up(9, pairs))
    assert asg.rows == g.rows({"lhs": a.shape, "rhs": b.shape}) == expected
    assert asg.late is not None and asg.late(asg.cells, 5).shape == (asg.rows, late, 4)


def test_the_chains_compute_the_two_sided_combination():
    """At the challenge r, the final sum equals u . out . v, the check's left side."""
    a, b = rng.integers(-99, 99, (2, 3, 5)), rng.integers(-99, 99, (2, 5, 4))
    g = RandomizedDotGadget(3, 4, 3)
    asg = g.assign({"lhs": a, "rhs": b})
    r = 1234567
    late = asg.late(asg.cells, r)
    s = pow(r, 4, F.P)
    for batch in range(2):
        c = (a[batch] @ b[batch]).tolist()
        want = sum(c[i][j] * pow(s, 2 - i, F.P) * pow(r, 3 - j, F.P) for i in range(3) for j in range(4)) % F.P
        for port in ("uot", "total"):
            row = int(asg.ports[port].row[batch])
            assert F.to_ints(late[row : row + 1, 0])[0] == want, port


def _plan(batched: bool = False):
    module = parse_module(_module(batched))
    zkir.pipeline("convert-gadget-to-plonk{columns=6},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()
    return plan


def _inputs(batched: bool):
    x = rng.integers(-100, 100, (2, 4, 6) if batched else (4, 6))
    return [x, rng.integers(-100, 100, (2, 6, 5))] if batched else [x]


@pytest.mark.parametrize("batched", [False, True])
def test_the_product_lowers_and_the_mock_prover_accepts_it(batched):
    plan = _plan(batched)
    inputs = _inputs(batched)
    expected = inputs[0] @ (inputs[1] if batched else W)
    witness = compute_witness(plan, inputs)
    np.testing.assert_array_equal(witness.outputs[0], expected)
    assert [c for c in plan.circuit.columns() if c.get_phase() == 1], "no phase-1 columns"
    assert mock_prover(plan, witness, plan.pinned_advice()).verify() == []


def test_the_gadget_interpreter_agrees():
    x = rng.integers(-100, 100, (4, 6))
    np.testing.assert_array_equal(run_gadget(parse_module(_module()), [x])[0], x @ W)


def _rdot(plan):
    (placed,) = [p for p in plan.places.values() if p.kind == "randomized_dot"]
    return placed


def test_a_wrong_product_entry_is_caught_for_a_random_challenge():
    """The prover commits a wrong out[i, j] and computes phase 1 honestly from it:
    the out chain's result no longer equals the final sum, which its copy demands."""
    plan = _plan()
    witness = compute_witness(plan, _inputs(False))
    placed = _rdot(plan)
    port = placed.structure.ports["out"]
    column = placed.columns[int(port.slot[7])].index
    witness.advice[column][placed.row + int(port.row[7])] += 1
    failures = mock_prover(plan, witness).verify()
    assert failures and all(f.kind == "copy" for f in failures), failures
    total, uot = (placed.structure.ports[p] for p in ("total", "uot"))
    rows = {placed.row + int(total.row[0]), placed.row + int(uot.row[0])}
    assert rows & {f.row for f in failures}, failures  # (the output's own copy to the instance fails too)


def test_a_wrong_chain_value_is_caught():
    """A phase-1 accumulator changed anywhere (a Horner step, a chain's result, a
    final-sum copy) breaks a gate or a copy."""
    plan = _plan()
    witness = compute_witness(plan, _inputs(False))
    placed = _rdot(plan)
    q = placed.gadget.columns
    ports = placed.structure.ports
    for slot, row in ((q, int(ports["rb"].row[1]) - 1), (q, int(ports["sa"].row[2])), (q + 1, int(ports["sa_uses"].row[0]))):
        mp = mock_prover(plan, witness)
        column = placed.columns[slot].index
        cell = slice(placed.row + row, placed.row + row + 1)
        mp.advice[column][cell] = F.add(mp.advice[column][cell], F.ones(1))
        assert mp.verify(), f"slot {slot} row {row} tampered but accepted"


def test_the_real_prover_accepts_the_product_and_the_verifier_rejects_a_wrong_one(tmp_path):
    from zkir.prover import SRS, VerificationError, keygen, prove, verify

    plan = _plan()
    pk, vk = keygen(SRS.insecure_from_seed(plan.k, b"tests"), plan.cs, plan.fixed_columns(), plan.copy_constraints(), k=plan.k,
                    pinned=plan.pinned_advice())
    witness = compute_witness(plan, _inputs(False))
    proof = prove(pk, witness.advice, witness.instance, late_advice=witness.late_advice)
    assert verify(vk, witness.instance, proof, allow_insecure_srs=True)
    placed = _rdot(plan)
    port = placed.structure.ports["out"]
    column = placed.columns[int(port.slot[3])].index
    witness.advice[column][placed.row + int(port.row[3])] -= 2
    forged = prove(pk, witness.advice, witness.instance, late_advice=witness.late_advice, check=False)
    with pytest.raises(VerificationError):
        verify(vk, witness.instance, forged, allow_insecure_srs=True)
