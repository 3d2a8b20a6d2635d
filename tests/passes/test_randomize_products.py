"""gadget-randomize-products and the layout search's per-op choice between a
dot and a randomized (Freivalds) product."""

import numpy as np
import pytest

import zkir
from zkir.context import make_context
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness, mock_prover
from zkir.dialects import gadget
from zkir.dialects.gadget import LAYOUT_ATTR
from zkir.ir_io import parse_module
from zkir.passes.layout_search import GadgetLayoutSearchPass

rng = np.random.default_rng(3)
W = rng.integers(-40, 40, (16, 24))
V = rng.integers(-40, 40, (16, 1))


def _dense(x_shape, w):
    values = ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in w)
    t, d = x_shape
    m = w.shape[1]
    return f"""
func.func @main(%x: tensor<{t}x{d}x!gadget.felt>) -> tensor<{t}x{m}x!gadget.felt> {{
  %w = gadget.constant {{value = dense<[{values}]> : tensor<{d}x{m}xi64>, visibility = "private"}} : tensor<{d}x{m}x!gadget.felt>
  %y = gadget.dot %x, %w : (tensor<{t}x{d}x!gadget.felt>, tensor<{d}x{m}x!gadget.felt>) -> tensor<{t}x{m}x!gadget.felt>
  func.return %y : tensor<{t}x{m}x!gadget.felt>
}}
"""


def _kinds(module):
    return [op.name for op in module.walk() if isinstance(op, (gadget.DotOp, gadget.RandomizedDotOp))]


def test_a_dense_layer_over_a_sequence_is_randomized_a_matrix_vector_product_is_not():
    seq = parse_module(_dense((32, 16), W))
    zkir.pipeline("gadget-randomize-products{columns=12}").run(seq)
    assert _kinds(seq) == ["gadget.randomized_dot"]
    vec = parse_module(_dense((1, 16), V))
    zkir.pipeline("gadget-randomize-products{columns=12}").run(vec)
    assert _kinds(vec) == ["gadget.dot"]


@pytest.mark.parametrize("randomize", [True, False])
def test_the_layout_search_picks_the_randomized_product_and_it_proves_the_same_output(randomize):
    module = parse_module(_dense((32, 16), W))
    GadgetLayoutSearchPass(columns=(12, 24), randomize=randomize).apply(make_context(), module)
    (fn,) = [op for op in module.ops]
    choice = fn.attributes[LAYOUT_ATTR].choice
    assert (choice.challenge_columns > 0) == randomize
    assert _kinds(module) == (["gadget.randomized_dot"] if randomize else ["gadget.dot"])
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()
    x = rng.integers(-100, 100, (32, 16))
    witness = compute_witness(plan, [x])
    np.testing.assert_array_equal(witness.outputs[0], x @ W)
    assert mock_prover(plan, witness, plan.pinned_advice()).verify() == []
