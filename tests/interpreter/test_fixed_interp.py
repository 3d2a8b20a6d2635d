"""Fixed-point interpreter: op semantics and overflow reports."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.parser import Parser

from zkir.context import make_context
from zkir.interpreter.fixed_interp import FixedPointOverflow, fixed_layer_norm, fixed_softmax, run_fixed


def _module(text: str):
    return Parser(make_context(), text).parse_module()


def test_matmul_rescale_rounds_half_up():
    m = _module(
        """
func.func @main(%x: tensor<1x2x!ml.fixed<32, 2>>) -> tensor<1x1x!ml.fixed<32, 2>> {
  %w = ml.constant {value = dense<[[2], [3]]> : tensor<2x1xi64>} : tensor<2x1x!ml.fixed<32, 2>>
  %p = ml.matmul %x, %w : (tensor<1x2x!ml.fixed<32, 2>>, tensor<2x1x!ml.fixed<32, 2>>) -> tensor<1x1x!ml.fixed<64, 4>>
  %r = ml.rescale %p : tensor<1x1x!ml.fixed<64, 4>> -> tensor<1x1x!ml.fixed<32, 2>>
  func.return %r : tensor<1x1x!ml.fixed<32, 2>>
}"""
    )
    # x = [0.25, -1.0] -> ints [1, -4]; w ints [2, 3] (0.5, 0.75)
    # product ints 1*2 + -4*3 = -10 at scale 4 = -0.625 -> -10/4 = -2.5 -> -2 (ties up)
    (out,) = run_fixed(m, np.array([[0.25, -1.0]]))
    assert out.raw.tolist() == [[-2]] and out.scale == 2
    assert out.value.tolist() == [[-0.5]]


def test_overflow_of_the_declared_width_names_the_op():
    m = _module(
        """
func.func @main(%x: tensor<4x!ml.fixed<16, 8>>) -> tensor<4x!ml.fixed<16, 8>> {
  %y = ml.add %x, %x : (tensor<4x!ml.fixed<16, 8>>, tensor<4x!ml.fixed<16, 8>>) -> tensor<4x!ml.fixed<16, 8>>
  func.return %y : tensor<4x!ml.fixed<16, 8>>
}"""
    )
    assert run_fixed(m, np.array([1.0, 2, 3, 60]))[0].value.tolist() == [2, 4, 6, 120]
    with pytest.raises(FixedPointOverflow, match=r"ml.add \(%y\): value 35840 .* does not fit !ml.fixed<16, 8>"):
        run_fixed(m, np.array([1.0, 2, 3, 70]))


def test_int64_overflow_in_a_matmul_is_caught_before_it_wraps():
    m = _module(
        """
func.func @main(%x: tensor<1x4x!ml.fixed<64, 20>>, %w: tensor<4x1x!ml.fixed<64, 20>>) -> tensor<1x1x!ml.fixed<64, 40>> {
  %p = ml.matmul %x, %w : (tensor<1x4x!ml.fixed<64, 20>>, tensor<4x1x!ml.fixed<64, 20>>) -> tensor<1x1x!ml.fixed<64, 40>>
  func.return %p : tensor<1x1x!ml.fixed<64, 40>>
}"""
    )
    with pytest.raises(FixedPointOverflow, match="ml.matmul: a sum of products"):
        run_fixed(m, {"x": np.full((1, 4), 5000.0), "w": np.full((4, 1), 5000.0)})


def test_softmax_and_layer_norm_track_the_float_results():
    rng = np.random.default_rng(3)
    s = 12
    x = rng.normal(size=(5, 16)) * 3
    q = np.round(x * 2**s).astype(np.int64)
    sm = fixed_softmax(q, 1, s) / 2**s
    ref = np.exp(x - x.max(1, keepdims=True))
    ref /= ref.sum(1, keepdims=True)
    assert np.abs(sm - ref).max() < 3e-3
    g, b = rng.normal(size=16), rng.normal(size=16)
    ln = fixed_layer_norm(q, np.round(g * 2**s).astype(np.int64), np.round(b * 2**s).astype(np.int64), 1, 1e-5, s) / 2**s
    mu, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    ref = (x - mu) / np.sqrt(var + 1e-5) * g + b
    assert np.abs(ln - ref).max() < 1e-2


def test_fixed_conv_then_rescale_equals_exact_rational_rounding():
    from fractions import Fraction

    from xdsl.dialects.builtin import TensorType

    from zkir.dialects import ml
    from zkir.dialects.ml import FixedType
    from zkir.interpreter.fixed_interp import FIXED_KERNELS

    rng = np.random.default_rng(4)
    x = rng.integers(-300, 300, size=(1, 2, 5, 5))
    w = rng.integers(-300, 300, size=(3, 2, 3, 3))
    b = rng.integers(-(10**5), 10**5, size=3)
    s = 7
    fx = lambda shape, sc, bits=32: TensorType(FixedType(bits, sc), list(shape))  # noqa: E731
    from xdsl.ir import Block

    blk = Block(arg_types=[fx(x.shape, s), fx(w.shape, s), fx(b.shape, 2 * s, 64)])
    conv = ml.Conv2dOp(*blk.args, fx((1, 3, 3, 3), 2 * s, 64), pads=(0, 1, 0, 1), strides=(1, 2))
    resc = ml.RescaleOp(conv.result, fx((1, 3, 3, 3), s))
    acc = FIXED_KERNELS[ml.Conv2dOp](conv, [x, w, b])
    got = FIXED_KERNELS[ml.RescaleOp](resc, [acc])
    for o in range(3):
        for i in range(3):
            for j in range(3):
                total = int(b[o])
                for c in range(2):
                    for di in range(3):
                        for dj in range(3):
                            r, q = i + di, 2 * j + dj - 0  # pads: top 0, left 1
                            q -= 1
                            if 0 <= r < 5 and 0 <= q < 5:
                                total += int(x[0, c, r, q]) * int(w[o, c, di, dj])
                assert int(acc[0, o, i, j]) == total
                exact = Fraction(total, 2**s)
                mag = int(abs(exact) + Fraction(1, 2))
                assert int(got[0, o, i, j]) == (mag if exact >= 0 else -mag)


@pytest.mark.parametrize("magnitude", [2**10, 2**24])  # float64 fast path, and int64
def test_integer_products_are_exact_on_both_paths(magnitude):
    from xdsl.dialects.builtin import TensorType
    from xdsl.ir import Block

    from zkir.dialects import ml
    from zkir.dialects.ml import FixedType
    from zkir.interpreter import kernels as K
    from zkir.interpreter.fixed_interp import FIXED_KERNELS

    rng = np.random.default_rng(8)
    x = rng.integers(-magnitude, magnitude, size=(3, 40))
    w = rng.integers(-magnitude, magnitude, size=(40, 5))
    fx = lambda shape, bits, sc: TensorType(FixedType(bits, sc), list(shape))  # noqa: E731
    blk = Block(arg_types=[fx(x.shape, 64, 8), fx(w.shape, 64, 8)])
    mm = ml.MatmulOp(*blk.args, fx((3, 5), 64, 16))
    exact = [[sum(int(x[i, k]) * int(w[k, j]) for k in range(40)) for j in range(5)] for i in range(3)]
    assert FIXED_KERNELS[ml.MatmulOp](mm, [x, w]).tolist() == exact
    xi = rng.integers(-magnitude, magnitude, size=(1, 2, 6, 6))
    wi = rng.integers(-magnitude, magnitude, size=(3, 2, 3, 3))
    blk = Block(arg_types=[fx(xi.shape, 64, 8), fx(wi.shape, 64, 8)])
    conv = ml.Conv2dOp(*blk.args, None, fx((1, 3, 4, 4), 64, 16))
    ref = K.conv2d(xi, wi, None, (1, 1), (0, 0, 0, 0), (1, 1), 1)  # int64 einsum
    np.testing.assert_array_equal(FIXED_KERNELS[ml.Conv2dOp](conv, [xi, wi]), ref)


def test_exp_overflow_is_reported_with_the_op():
    m = _module(
        """
func.func @main(%x: tensor<2x!ml.fixed<32, 12>>) -> tensor<2x!ml.fixed<32, 12>> {
  %e = ml.exp %x : tensor<2x!ml.fixed<32, 12>> -> tensor<2x!ml.fixed<32, 12>>
  func.return %e : tensor<2x!ml.fixed<32, 12>>
}"""
    )
    np.testing.assert_allclose(run_fixed(m, np.array([0.0, 2.0]))[0].value, [1.0, np.exp(2.0)], atol=2e-3)
    with pytest.raises(FixedPointOverflow, match="ml.exp"):
        run_fixed(m, np.array([0.0, 14.0]))  # e^14 > 2^19, the largest real at <32, 12>
    with pytest.raises(FixedPointOverflow, match="ml.exp"):
        run_fixed(m, np.array([0.0, 60.0]))  # beyond int64 inside the function
