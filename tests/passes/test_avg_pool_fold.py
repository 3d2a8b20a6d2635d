"""Average pools over 2^k windows cost no division (ml-quantize, issue 13).

A pool whose every window counts 2^k, taken only by products, is its window sum
read at scale s + k: no var_div in the circuit, and the products' rescales divide
by 2^k more. The circuit still equals the fixed-point interpreter bit for bit,
and the output is no farther from float than with the rounded division. Pools
over other windows (9, 49, uneven padded counts), or with other consumers, keep
today's division.
"""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import VerifyException

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness
from zkir.context import make_context
from zkir.dialects import gadget, ml
from zkir.dialects.ml import FixedType
from zkir.gadgets.interpret import run_gadget
from zkir.interpreter import kernels as K
from zkir.interpreter.fixed_interp import run_fixed
from zkir.interpreter.float_interp import run_float
from zkir.interpreter.rounding import quantize, rescale
from zkir.passes.quantize import MLQuantizePass
from zkir.prover import MockProver
from zkir.workflow import default_range_bits

S = 8
RNG = np.random.default_rng(13)
W1 = (RNG.normal(size=(3, 2, 3, 3)) * 0.4).astype(np.float32)
B1 = (RNG.normal(size=3) * 0.1).astype(np.float32)
W2 = (RNG.normal(size=(4, 3, 3, 3)) * 0.4).astype(np.float32)
B2 = (RNG.normal(size=4) * 0.1).astype(np.float32)
W3 = (RNG.normal(size=(16, 5)) * 0.4).astype(np.float32)
B3 = (RNG.normal(size=5) * 0.1).astype(np.float32)


def _dense(a: np.ndarray) -> str:
    shape = "x".join(map(str, a.shape))
    return f"dense<{np.asarray(a).tolist()}> : tensor<{shape}xf32>"


def _const(name: str, a: np.ndarray) -> str:
    shape = "x".join(map(str, a.shape))
    return f"%{name} = ml.constant {{value = {_dense(a)}}} : tensor<{shape}xf32>"


def _pool(src: str, dst: str, c: int, hw: int, kernel: int = 2, pads: int = 0, include: int = 0) -> str:
    """An avg_pool of 1 x c x hw x hw, stride 2 for 2x2 windows, else 1."""
    stride = 2 if kernel == 2 else 1
    out = (hw + 2 * pads - kernel) // stride + 1
    return (
        f"%{dst} = ml.avg_pool %{src} {{kernel = array<i64: {kernel}, {kernel}>, strides = array<i64: {stride}, {stride}>, "
        f"pads = array<i64: {pads}, {pads}, {pads}, {pads}>, count_include_pad = {include} : i64}} : "
        f"tensor<1x{c}x{hw}x{hw}xf32> -> tensor<1x{c}x{out}x{out}xf32>"
    )


def cnn() -> ModuleOp:
    """conv, ReLU, 2x2 pool, conv, ReLU, 2x2 pool, flatten, dense: the CIFAR CNN's shape."""
    conv = "strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64"
    body = "\n  ".join(
        [
            _const("w1", W1), _const("b1", B1), _const("w2", W2), _const("b2", B2), _const("w3", W3), _const("b3", B3),
            f"%c1 = ml.conv2d %x, %w1, %b1 {{{conv}}} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>",
            "%r1 = ml.relu %c1 : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>",
            _pool("r1", "p1", 3, 8),
            f"%c2 = ml.conv2d %p1, %w2, %b2 {{{conv}}} : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>",
            "%r2 = ml.relu %c2 : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>",
            _pool("r2", "p2", 4, 4),
            "%f = ml.reshape %p2 : tensor<1x4x2x2xf32> -> tensor<1x16xf32>",
            "%m = ml.matmul %f, %w3 : (tensor<1x16xf32>, tensor<16x5xf32>) -> tensor<1x5xf32>",
            "%r = ml.add %m, %b3 : (tensor<1x5xf32>, tensor<5xf32>) -> tensor<1x5xf32>",
        ]
    )
    return zkir.parse_module(
        f"func.func @main(%x: tensor<1x2x8x8xf32>) -> tensor<1x5xf32> {{\n  {body}\n  func.return %r : tensor<1x5xf32>\n}}"
    )


def pool_then(kernel: int, pads: int, include: int, consumer: str) -> ModuleOp:
    """One pool of 1x2x4x4 followed by `consumer`: a 1x1 conv (a product) or a ReLU."""
    out = (4 + 2 * pads - kernel) // (2 if kernel == 2 else 1) + 1
    t = f"tensor<1x2x{out}x{out}xf32>"
    w = np.array([[[[0.75]], [[-0.5]]], [[[0.25]], [[1.0]]]], np.float32)
    if consumer == "conv":
        tail = [
            _const("w", w),
            f"%r = ml.conv2d %p, %w {{strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64}} : ({t}, tensor<2x2x1x1xf32>) -> {t}",
        ]
    else:
        tail = [f"%r = ml.relu %p : {t} -> {t}"]
    body = "\n  ".join([_pool("x", "p", 2, 4, kernel, pads, include), *tail])
    return zkir.parse_module(f"func.func @main(%x: tensor<1x2x4x4xf32>) -> {t} {{\n  {body}\n  func.return %r : {t}\n}}")


def quantized(module: ModuleOp, rescale_bits: int = 0) -> ModuleOp:
    q = module.clone()
    MLQuantizePass(scale_bits=S, rescale_bits=rescale_bits).apply(make_context(), q)
    q.verify()
    return q


def scale_of(value) -> int:
    el = value.type.element_type
    assert isinstance(el, FixedType)
    return el.scale.data


def ops(module, cls) -> list:
    return [op for op in module.walk() if isinstance(op, cls)]


def prove_in_mock(fixed: ModuleOp, x: np.ndarray, range_bits: int) -> None:
    """Gadget level == fixed point == the witness's outputs; the mock prover holds,
    and fails once a cell of the pool's window sums is changed."""
    expected = run_fixed(fixed, x)[0].raw
    module = fixed.clone()
    zkir.pipeline("convert-ml-to-gadget,gadget-canonicalize").run(module)
    np.testing.assert_array_equal(run_gadget(module, [quantize(x, S)])[0], expected)
    assert default_range_bits(module, S) <= range_bits
    zkir.pipeline(f"convert-gadget-to-plonk{{range-bits={range_bits}}},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()
    witness = compute_witness(plan, [quantize(x, S)])
    np.testing.assert_array_equal(witness.outputs[0], expected)

    def failures(advice):
        return MockProver(
            plan.cs, plan.k, advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
        ).verify()

    assert failures(witness.advice) == []
    sums = next(p for p in plan.places.values() if p.kind == "sum")
    forged = [column.copy() for column in witness.advice]
    forged[sums.columns[0].index][sums.row] += 1
    assert failures(forged) != []


def test_a_2x2_pool_before_products_is_its_window_sum_at_a_finer_scale():
    fixed = quantized(cnn())
    pools = ops(fixed, ml.AvgPoolOp)
    assert [scale_of(p.result) - scale_of(p.input) for p in pools] == [2, 2]
    convs, (matmul,) = ops(fixed, ml.Conv2dOp), ops(fixed, ml.MatmulOp)
    assert [scale_of(c.result) for c in convs] == [2 * S, 2 * S + 2]  # the second takes the sums at s + 2
    assert scale_of(matmul.lhs) == S + 2 and scale_of(matmul.result) == 2 * S + 2  # through the reshape
    module = fixed.clone()
    zkir.pipeline("convert-ml-to-gadget,gadget-canonicalize").run(module)
    assert ops(module, gadget.VarDivOp) == []
    assert sorted(op.get_divisor() for op in ops(module, gadget.RescaleOp)) == [2**S, 2 ** (S + 2), 2 ** (S + 2)]
    assert default_range_bits(module, S) == S + 2  # the rescales' remainders are one limb


def test_the_folded_semantics_is_the_sum_and_one_rescale_by_2_to_the_s_plus_2():
    """The fixed-point result, recomputed by hand: integer sums, no rounding at the pools."""
    x = RNG.uniform(-2, 2, (1, 2, 8, 8)).astype(np.float32)
    q = lambda a, s=S: quantize(a, s)  # noqa: E731
    conv = lambda a, w, b: K.conv2d(a, w, b, (1, 1), (1, 1, 1, 1), (1, 1), 1)  # noqa: E731
    sums = lambda a: K.pool_sums_and_counts(a, (2, 2), (2, 2), (0, 0, 0, 0), False)[0]  # noqa: E731
    r1 = np.maximum(rescale(conv(q(x), q(W1), q(B1, 2 * S)), S), 0)
    r2 = np.maximum(rescale(conv(sums(r1), q(W2), q(B2, 2 * S + 2)), S + 2), 0)
    out = rescale(sums(r2).reshape(1, 16) @ q(W3) + q(B3, 2 * S + 2), S + 2)
    np.testing.assert_array_equal(run_fixed(quantized(cnn()), x)[0].raw, out)


def test_the_folded_circuit_equals_the_interpreter_and_holds():
    x = RNG.uniform(-2, 2, (1, 2, 8, 8)).astype(np.float32)
    prove_in_mock(quantized(cnn()), x, S + 2)


def test_folding_is_no_less_accurate_than_dividing():
    """On average over inputs (one input's roundings may happen to cancel). The
    rounded division is what a rescale bound of s bits leaves: today's IR."""
    folded, divided = quantized(cnn()), quantized(cnn(), rescale_bits=S)
    assert ops(divided, ml.AvgPoolOp)[0].scale_shift() == 0
    errors: dict[str, list[float]] = {"folded": [], "divided": []}
    float_model = cnn()
    for _ in range(64):
        x = RNG.uniform(-2, 2, (1, 2, 8, 8)).astype(np.float32)
        ref = run_float(float_model, x)[0]
        for name, module in (("folded", folded), ("divided", divided)):
            errors[name].append(float(np.abs(run_fixed(module, x)[0].value - ref).mean()))
    assert np.mean(errors["folded"]) < np.mean(errors["divided"])


@pytest.mark.parametrize(
    "kernel,pads,include,consumer,why",
    [
        (3, 0, 0, "conv", "3x3 windows: divisor 9"),
        (2, 1, 0, "conv", "padding not counted: windows of 1, 2 and 4"),
        (2, 0, 0, "relu", "a ReLU cannot absorb a finer scale"),
    ],
)
def test_other_pools_keep_the_rounded_division(kernel, pads, include, consumer, why):
    fixed = quantized(pool_then(kernel, pads, include, consumer))
    (pool,) = ops(fixed, ml.AvgPoolOp)
    assert pool.scale_shift() == 0, why
    module = fixed.clone()
    zkir.pipeline("convert-ml-to-gadget").run(module)
    assert len(ops(module, gadget.VarDivOp)) == 1, why
    prove_in_mock(fixed, RNG.uniform(-2, 2, (1, 2, 4, 4)).astype(np.float32), S)


def test_a_padded_pool_counting_the_padding_folds():
    fixed = quantized(pool_then(2, 1, 1, "conv"))  # every window counts 4, padding included
    assert ops(fixed, ml.AvgPoolOp)[0].scale_shift() == 2
    prove_in_mock(fixed, RNG.uniform(-2, 2, (1, 2, 4, 4)).astype(np.float32), S + 2)


def test_a_rescale_bound_below_s_plus_k_keeps_the_division():
    assert ops(quantized(pool_then(2, 0, 0, "conv"), rescale_bits=S + 1), ml.AvgPoolOp)[0].scale_shift() == 0
    assert ops(quantized(pool_then(2, 0, 0, "conv"), rescale_bits=S + 2), ml.AvgPoolOp)[0].scale_shift() == 2


def test_a_global_average_pool_over_7x7_keeps_its_division():
    t = "tensor<1x2x7x7xf32>"
    module = zkir.parse_module(
        f"""func.func @main(%x: {t}) -> tensor<1x2x1x1xf32> {{
  %r = ml.reduce_mean %x {{axes = array<i64: 2, 3>, keepdims = 1 : i64}} : {t} -> tensor<1x2x1x1xf32>
  func.return %r : tensor<1x2x1x1xf32>
}}"""
    )
    fixed = quantized(module)
    zkir.pipeline("convert-ml-to-gadget").run(fixed)
    assert len(ops(fixed, gadget.VarDivOp)) == 1  # 49 is no power of two


FX = "!ml.fixed<32, 8>"


def test_a_finer_pool_over_other_windows_divides_the_shifted_sum():
    """The general fixed-point rule, round(sum * 2^k / count), in interpreter and circuit alike."""
    module = zkir.parse_module(
        f"""func.func @main(%x: tensor<1x2x4x4x{FX}>) -> tensor<1x2x2x2x!ml.fixed<64, 10>> {{
  %r = ml.avg_pool %x {{kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, count_include_pad = 0 : i64}} : tensor<1x2x4x4x{FX}> -> tensor<1x2x2x2x!ml.fixed<64, 10>>
  func.return %r : tensor<1x2x2x2x!ml.fixed<64, 10>>
}}"""
    )
    x = RNG.uniform(-2, 2, (1, 2, 4, 4)).astype(np.float32)
    sums = K.pool_sums_and_counts(quantize(x, S), (3, 3), (1, 1), (0, 0, 0, 0), False)[0]
    np.testing.assert_array_equal(run_fixed(module, x)[0].raw, (2 * 4 * sums + 9) // 18)
    prove_in_mock(module, x, S)


def test_an_average_pool_cannot_coarsen_its_scale():
    with pytest.raises(VerifyException, match="below the input scale"):
        zkir.parse_module(
            f"""func.func @main(%x: tensor<1x2x4x4x!ml.fixed<64, 10>>) -> tensor<1x2x2x2x{FX}> {{
  %r = ml.avg_pool %x {{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, count_include_pad = 0 : i64}} : tensor<1x2x4x4x!ml.fixed<64, 10>> -> tensor<1x2x2x2x{FX}>
  func.return %r : tensor<1x2x2x2x{FX}>
}}"""
        ).verify()
