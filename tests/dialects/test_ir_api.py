"""Building, verifying, printing and rewriting IR from Python."""

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

import zkir
from zkir.dialects import gadget, ml, plonk
from zkir.dialects.resources import dense_attr, to_numpy
from zkir.pass_pipeline import PipelineError


def _func(name, arg_types, build):
    block = Block(arg_types=arg_types)
    results = build(block)
    block.add_op(ReturnOp(*results))
    return FuncOp(name, (arg_types, [r.type for r in results]), Region(block))


def test_weights_round_trip_through_text_as_blobs():
    weights = np.random.default_rng(0).standard_normal((64, 10)).astype(np.float32)

    def build(block):
        w = ml.ConstantOp(dense_attr(weights, "fc.weight"), TensorType(f32, [64, 10]))
        y = ml.MatmulOp(block.args[0], w.result, TensorType(f32, [1, 10]))
        block.add_ops([w, y])
        return [y.result]

    module = ModuleOp([_func("main", [TensorType(f32, [1, 64])], build)])
    module.verify()
    text = zkir.print_module(module)
    assert "dense_resource<fc.weight_" in text
    assert "dialect_resources" in text
    assert len(text) < 2 * weights.nbytes + 2000  # hex, not a printed float list
    for _ in range(2):  # parsing the same file twice in one process keeps its data
        parsed = zkir.parse_module(text)
        const = next(op for op in parsed.walk() if isinstance(op, ml.ConstantOp))
        np.testing.assert_array_equal(to_numpy(const.value), weights)


def test_small_constants_stay_inline():
    attr = dense_attr(np.array([1, -2, 3], dtype=np.int64))
    assert "dense<[1, -2, 3]>" in str(attr)
    np.testing.assert_array_equal(to_numpy(attr), [1, -2, 3])


def test_scalars_keep_their_rank():
    for value in (np.array(3, dtype=np.int64), np.array(0.5, dtype=np.float32)):
        attr = dense_attr(value)
        assert attr.get_type().get_shape() == ()
        assert to_numpy(attr).shape == () and to_numpy(attr) == value


def test_truncated_blob_is_reported():
    text = """
    func.func @f() {
      %w = ml.constant {value = dense_resource<short_w> : tensor<4xf32>} : tensor<4xf32>
      func.return
    }
    {-# dialect_resources: { builtin: { short_w: "0x040000000000803f" } } #-}
    """
    module = zkir.parse_module(text)
    const = next(op for op in module.walk() if isinstance(op, ml.ConstantOp))
    with pytest.raises(ValueError, match="holds 1 values, its type tensor<4xf32> needs 4"):
        to_numpy(const.value)


def test_fixed_point_product_scales_are_checked():
    fx8 = TensorType(ml.FixedType(16, 8), [2])

    def build(block, result_scale):
        m = ml.MulOp(block.args[0], block.args[1], TensorType(ml.FixedType(32, result_scale), [2]))
        block.add_op(m)
        return [m.result]

    ModuleOp([_func("ok", [fx8, fx8], lambda b: build(b, 16))]).verify()
    with pytest.raises(VerifyException, match="scale 16"):
        ModuleOp([_func("bad", [fx8, fx8], lambda b: build(b, 8))]).verify()


def test_pipeline_api_runs_passes_and_accepts_both_spellings():
    text = """
    func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %a = ml.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
      %b = ml.transpose %a {perm = array<i64: 1, 0>} : tensor<3x2xf32> -> tensor<2x3xf32>
      func.return %b : tensor<2x3xf32>
    }
    """
    for spec in ("ml-canonicalize", "builtin.module(ml-canonicalize)"):
        module = zkir.pipeline(spec).run(zkir.parse_module(text))
        assert not any(isinstance(op, ml.TransposeOp) for op in module.walk())


@pytest.mark.parametrize(
    "spec, message",
    [
        ("no-such-pass", "Unrecognized passes: ['no-such-pass']"),
        ("ml-canonicalize{bogus=1}", 'Provided arguments ["bogus"] not found'),
        ("ml-canonicalize{", "Expected argument name"),
    ],
)
def test_bad_pipelines_give_one_clear_error(spec, message):
    with pytest.raises(PipelineError) as info:
        zkir.pipeline(spec)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def _circuit(places):
    body = Block()
    body.add_ops([plonk.ColumnOp("a", "advice", equality=True), plonk.ColumnOp("b", "advice")])
    body.add_ops([plonk.PlaceOp(n, "dot", row, rows, cols) for n, row, rows, cols in places])
    return ModuleOp([plonk.CircuitOp("c", 6, Region(body))])


def test_layout_pass_accepts_disjoint_placements():
    module = _circuit([("p", 0, 8, ["a", "b"]), ("q", 8, 8, ["a"]), ("r", 8, 50, ["b"])])
    module.verify()
    zkir.pipeline("plonk-verify-layout").run(module)


def test_layout_pass_finds_overlap_hidden_behind_a_long_placement():
    # q ends before r starts, but p (long) still covers r: sorting by start must
    # compare against the furthest end seen, not only the previous placement.
    module = _circuit([("p", 0, 40, ["a"]), ("q", 2, 4, ["a"]), ("r", 30, 4, ["a"])])
    module.verify()
    with pytest.raises(Exception, match=r"@p \(rows 0..39\) and @q"):
        zkir.pipeline("plonk-verify-layout").run(module)


def test_gadget_constant_builder_infers_felt_tensor():
    c = gadget.ConstantOp(dense_attr(np.arange(20, dtype=np.int64).reshape(4, 5)), "fixed")
    assert c.result.type == gadget.felt_tensor([4, 5])
    c.verify()
