"""Each lowered op computes what the fixed-point interpreter does, and its circuit holds.

For every op: the gadget-level interpreter equals the fixed-point interpreter
bit for bit, the witness reproduces the same outputs, the mock prover finds
every gate, lookup and copy satisfied, and every gadget input is tied to its
source by the copy constraints keygen gets (CircuitPlan.check_wiring).
"""

import numpy as np
import pytest

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness
from zkir.interpreter.fixed_interp import run_fixed
from zkir.gadgets.interpret import run_gadget
from zkir.interpreter.rounding import quantize
from zkir.prover import MockProver

F = "!ml.fixed<32, 8>"
X = f"tensor<1x2x4x4x{F}>"

CASES = {
    "avg_pool_padded": (
        f"%r = ml.avg_pool %x {{kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 0 : i64}} : {X} -> tensor<1x2x2x2x{F}>",
        f"tensor<1x2x2x2x{F}>",
    ),
    "max_pool": (
        f"%r = ml.max_pool %x {{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}} : {X} -> tensor<1x2x2x2x{F}>",
        f"tensor<1x2x2x2x{F}>",
    ),
    "max_pool_padded": (  # on values <= -1, so zero padding would change every window
        f"""%p = ml.relu %x : {X} -> {X}
  %m = ml.neg %p : {X} -> {X}
  %one = ml.constant {{value = dense<256> : tensor<1xi64>}} : tensor<1x{F}>
  %n = ml.sub %m, %one : ({X}, tensor<1x{F}>) -> {X}
  %r = ml.max_pool %n {{kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}} : {X} -> tensor<1x2x2x2x{F}>""",
        f"tensor<1x2x2x2x{F}>",
    ),
    "pad_with_a_value": (
        f"%r = ml.pad %x {{pads = array<i64: 0, 0, 1, 0, 0, 0, 0, 2>, value = -1.5 : f32}} : {X} -> tensor<1x2x5x6x{F}>",
        f"tensor<1x2x5x6x{F}>",
    ),
    "relu6": (f"%r = ml.clip %x {{min = 0.0 : f32, max = 6.0 : f32}} : {X} -> {X}", X),
    "reduce_mean": (
        f"%r = ml.reduce_mean %x {{axes = array<i64: 2, 3>, keepdims = 1 : i64}} : {X} -> tensor<1x2x1x1x{F}>",
        f"tensor<1x2x1x1x{F}>",
    ),
    "reduce_sum": (
        f"%r = ml.reduce_sum %x {{axes = array<i64: 1>, keepdims = 0 : i64}} : {X} -> tensor<1x4x4x{F}>",
        f"tensor<1x4x4x{F}>",
    ),
    "reduce_max": (
        f"%r = ml.reduce_max %x {{axes = array<i64: 3>, keepdims = 0 : i64}} : {X} -> tensor<1x2x4x{F}>",
        f"tensor<1x2x4x{F}>",
    ),
    "neg": (f"%r = ml.neg %x : {X} -> {X}", X),
    "sigmoid": (f"%r = ml.sigmoid %x : {X} -> {X}", X),
    "softmax": (f"%r = ml.softmax %x {{axis = 1 : i64}} : {X} -> {X}", X),
    "where_constant_mask": (
        f"""%mask = ml.constant {{value = dense<[1, 0, 0, 1]> : tensor<4xi64>}} : tensor<4xi64>
  %n = ml.neg %x : {X} -> {X}
  %r = ml.where %mask, %x, %n : (tensor<4xi64>, {X}, {X}) -> {X}""",
        X,
    ),
    "concat_slice_pad": (
        f"""%a = ml.slice %x {{starts = array<i64: 0, 0, 1, 0>, ends = array<i64: 1, 2, 3, 4>, steps = array<i64: 1, 1, 1, 2>}} : {X} -> tensor<1x2x2x2x{F}>
  %b = ml.pad %a {{pads = array<i64: 0, 0, 1, 0, 0, 0, 0, 1>, value = 0.0 : f32}} : tensor<1x2x2x2x{F}> -> tensor<1x2x3x3x{F}>
  %r = ml.concat %b, %b {{axis = 1 : i64}} : (tensor<1x2x3x3x{F}>, tensor<1x2x3x3x{F}>) -> tensor<1x4x3x3x{F}>""",
        f"tensor<1x4x3x3x{F}>",
    ),
}


def check_lowering(in_type: str, body: str, out_type: str, x: np.ndarray, to_gadget: str, to_plonk: str) -> None:
    """Gadget level == fixed point, witness outputs == fixed point, mock prover clean."""
    module = zkir.parse_module(
        f"func.func @main(%x: {in_type}) -> {out_type} {{\n  {body}\n  func.return %r : {out_type}\n}}"
    )
    expected = run_fixed(module, x)[0].raw
    zkir.pipeline(f"{to_gadget},gadget-canonicalize").run(module)
    np.testing.assert_array_equal(run_gadget(module, [quantize(x, 8)])[0], expected)
    zkir.pipeline(f"{to_plonk},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()  # every gadget input tied to its source by the keys' copies
    witness = compute_witness(plan, [quantize(x, 8)])
    np.testing.assert_array_equal(witness.outputs[0], expected)
    failures = MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()
    assert failures == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_lowering_is_exact_and_its_circuit_holds(case):
    body, out_type = CASES[case]
    x = np.random.default_rng(3).normal(0, 3, (1, 2, 4, 4)).astype(np.float32)
    check_lowering(X, body, out_type, x, "convert-ml-to-gadget{table-bits=13}", "convert-gadget-to-plonk")


SMALL = f"tensor<1x2x8x{F}>"
NORM_CASES = {
    "layer_norm": (
        f"""%g = ml.constant {{value = dense<[256, 200, 300, 128, 256, 256, 90, 400]> : tensor<8xi64>}} : tensor<8x{F}>
  %b = ml.constant {{value = dense<[0, 10, -10, 5, 0, 0, 3, -7]> : tensor<8xi64>}} : tensor<8x{F}>
  %r = ml.layer_norm %x, %g, %b {{axis = -1 : i64, epsilon = 1.0e-05 : f32}} : ({SMALL}, tensor<8x{F}>, tensor<8x{F}>) -> {SMALL}""",
        SMALL,
    ),
    "reciprocal_of_positive": (
        f"""%a = ml.mul %x, %x : ({SMALL}, {SMALL}) -> tensor<1x2x8x!ml.fixed<64, 16>>
  %c = ml.constant {{value = dense<65536> : tensor<1xi64>}} : tensor<1x!ml.fixed<64, 16>>
  %p = ml.add %a, %c : (tensor<1x2x8x!ml.fixed<64, 16>>, tensor<1x!ml.fixed<64, 16>>) -> tensor<1x2x8x!ml.fixed<64, 16>>
  %s = ml.sqrt %p : tensor<1x2x8x!ml.fixed<64, 16>> -> {SMALL}
  %r = ml.reciprocal %s : {SMALL} -> {SMALL}""",
        SMALL,
    ),
    "rsqrt_of_positive": (
        f"""%a = ml.mul %x, %x : ({SMALL}, {SMALL}) -> tensor<1x2x8x!ml.fixed<64, 16>>
  %c = ml.constant {{value = dense<65536> : tensor<1xi64>}} : tensor<1x!ml.fixed<64, 16>>
  %p = ml.add %a, %c : (tensor<1x2x8x!ml.fixed<64, 16>>, tensor<1x!ml.fixed<64, 16>>) -> tensor<1x2x8x!ml.fixed<64, 16>>
  %r = ml.rsqrt %p : tensor<1x2x8x!ml.fixed<64, 16>> -> {SMALL}""",
        SMALL,
    ),
}


@pytest.mark.parametrize("case", sorted(NORM_CASES))
def test_normalisation_lowering_is_exact_and_its_circuit_holds(case):
    """Variances live at scale 2s, so their bounds need 12-bit range limbs."""
    body, out_type = NORM_CASES[case]
    x = np.random.default_rng(5).normal(0, 2, (1, 2, 8)).astype(np.float32)
    check_lowering(SMALL, body, out_type, x, "convert-ml-to-gadget", "convert-gadget-to-plonk{range-bits=12}")


def test_explicit_range_checks_lay_out_and_hold():
    module = zkir.parse_module(
        """
func.func @main(%x: tensor<2x5x!gadget.felt>) -> tensor<2x5x!gadget.felt> {
  gadget.range_check %x {bits = 12 : i64} : tensor<2x5x!gadget.felt>
  %y = gadget.add %x, %x : (tensor<2x5x!gadget.felt>, tensor<2x5x!gadget.felt>) -> tensor<2x5x!gadget.felt>
  func.return %y : tensor<2x5x!gadget.felt>
}"""
    )
    zkir.pipeline("convert-gadget-to-plonk,plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()
    x = np.arange(-1000, 1000, 200).reshape(2, 5)
    witness = compute_witness(plan, [x])
    np.testing.assert_array_equal(witness.outputs[0], 2 * x)
    failures = MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()
    assert failures == []
    with pytest.raises(OverflowError, match="outside"):
        compute_witness(plan, [x * 100])
