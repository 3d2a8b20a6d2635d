"""Verifiers of the ml ops the importers added: each names the op and the reason."""

from __future__ import annotations

import pytest
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

from zkir.context import make_context

T = "tensor<2x3xf32>"
X4 = "tensor<1x2x4x4xf32>"
F8 = "tensor<4x!ml.fixed<32, 8>>"

CASES = [
    (f"ml.concat %a, %a {{axis = 0 : i64}} : ({T}, {T}) -> tensor<4x4xf32>", "ml.concat: result shape [4, 4]"),
    (f"ml.concat %a, %m {{axis = 0 : i64}} : ({T}, tensor<2x2xf32>) -> tensor<4x3xf32>", "differ outside axis 0"),
    (f"ml.pad %a {{pads = array<i64: 1, 1>, value = 0.0 : f64}} : {T} -> {T}", "ml.pad: needs 4 non-negative pads"),
    (
        f"ml.slice %a {{starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 0>}} : {T} -> {T}",
        "ml.slice: steps must be non-zero",
    ),
    (f"ml.gather %a, %a {{axis = 0 : i64}} : ({T}, {T}) -> tensor<2x3x3xf32>", "ml.gather: indices must be integers"),
    (f"ml.where %a, %a, %a : ({T}, {T}, {T}) -> {T}", "ml.where: cond must hold integers"),
    (f"ml.reduce_sum %a {{axes = array<i64: 2>, keepdims = 0 : i64}} : {T} -> tensor<2xf32>", "ml.reduce_sum: axis 2 out of range"),
    (f"ml.reduce_max %a {{axes = array<i64: 1>, keepdims = 1 : i64}} : {T} -> tensor<2xf32>", "ml.reduce_max: result shape [2]"),
    (f"ml.softmax %a {{axis = 3 : i64}} : {T} -> {T}", "ml.softmax: axis 3 out of range"),
    (
        f"ml.layer_norm %a, %v, %v {{axis = -1 : i64, epsilon = 1.0e-05 : f64}} : ({T}, tensor<4xf32>, tensor<4xf32>) -> {T}",
        "ml.layer_norm: scale shape [4]",
    ),
    (
        f"ml.max_pool %x {{kernel = array<i64: 5, 5>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}} : {X4} -> {X4}",
        "ml.max_pool: the window does not fit",
    ),
    (
        f"ml.avg_pool %x {{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, count_include_pad = 0 : i64}} : {X4} -> {X4}",
        "ml.avg_pool: result shape [1, 2, 4, 4]",
    ),
    (f"ml.clip %a {{min = 6.0 : f64, max = 0.0 : f64}} : {T} -> {T}", "ml.clip: min exceeds max"),
    (f"ml.sqrt %q : {F8} -> tensor<4x!ml.fixed<32, 6>>", "ml.sqrt: result scale 6 must equal the input scale 8 or be half"),
    (f"ml.div %q, %q : ({F8}, {F8}) -> {F8}", "ml.div: fixed-point division is a product"),
    (f"ml.sigmoid %a : {T} -> tensor<3x2xf32>", "ml.sigmoid: result type"),
]


@pytest.mark.parametrize("op,message", CASES)
def test_bad_op_is_rejected_with_its_reason(op, message):
    text = f"""
func.func @f(%a: {T}, %m: tensor<2x2xf32>, %v: tensor<4xf32>, %x: {X4}, %q: {F8}) {{
  %r = {op}
  func.return
}}"""
    module = Parser(make_context(), text).parse_module()
    with pytest.raises(VerifyException) as e:
        module.verify()
    assert message in str(e.value)


def test_root_may_halve_the_scale():
    text = """
func.func @f(%v: tensor<4x!ml.fixed<64, 16>>) -> tensor<4x!ml.fixed<32, 8>> {
  %r = ml.rsqrt %v : tensor<4x!ml.fixed<64, 16>> -> tensor<4x!ml.fixed<32, 8>>
  func.return %r : tensor<4x!ml.fixed<32, 8>>
}"""
    Parser(make_context(), text).parse_module().verify()
