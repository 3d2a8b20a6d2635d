"""Each gadget: right outputs, ports that point at the right cells, gates that
hold on its witness and fail when one cell is changed."""

import numpy as np
import pytest

from zkir.gadgets import (
    AddGadget,
    DotGadget,
    LookupGadget,
    MulGadget,
    RescaleGadget,
    SubGadget,
    SumGadget,
)
from zkir.gadgets.check import check_assignment

rng = np.random.default_rng(7)


def assert_ports_hold(assignment, tensors):
    for name, tensor in tensors.items():
        port = assignment.ports[name]
        assert port.shape == tensor.shape
        np.testing.assert_array_equal(
            assignment.cells[port.row, port.slot], tensor.ravel()[port.elem], err_msg=name
        )
        slots, rows = port.first_cells()
        np.testing.assert_array_equal(assignment.cells[rows, slots], tensor.ravel())


def assert_zero_ports_are_zero(assignment):
    port = assignment.ports.get("zeros")
    if port is not None:
        assert not assignment.cells[port.row, port.slot].any()


@pytest.mark.parametrize("columns", [3, 4, 7, 9, 16])
@pytest.mark.parametrize("shapes", [((1, 5), (5, 3)), ((4, 9), (9, 2)), ((2, 3, 8), (8, 4)), ((1, 1), (1, 1))])
def test_dot(columns, shapes):
    gadget = DotGadget(columns)
    x = rng.integers(-(2**15), 2**15, shapes[0])
    w = rng.integers(-(2**15), 2**15, shapes[1])
    a = gadget.assign({"lhs": x, "rhs": w})
    np.testing.assert_array_equal(a.outputs["out"], x @ w)
    assert a.rows == gadget.rows({"lhs": x.shape, "rhs": w.shape})
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"lhs": x, "rhs": np.broadcast_to(w, (*x.shape[:-2], *w.shape)), "out": x @ w})
    assert_zero_ports_are_zero(a)
    assert gadget.degree() == 3


@pytest.mark.parametrize("columns", [2, 3, 8])
def test_sum(columns):
    gadget = SumGadget(columns)
    v = rng.integers(-1000, 1000, (3, 4, 13))
    a = gadget.assign({"input": v})
    np.testing.assert_array_equal(a.outputs["out"], v.sum(-1))
    assert a.rows == gadget.rows({"input": v.shape})
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"input": v, "out": v.sum(-1)})
    assert_zero_ports_are_zero(a)


@pytest.mark.parametrize("cls, fn", [(AddGadget, np.add), (SubGadget, np.subtract), (MulGadget, np.multiply)])
@pytest.mark.parametrize("columns", [3, 8])
def test_elementwise(cls, fn, columns):
    gadget = cls(columns)
    x, y = rng.integers(-500, 500, (2, 3, 7))
    a = gadget.assign({"lhs": x, "rhs": y})
    np.testing.assert_array_equal(a.outputs["out"], fn(x, y))
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"lhs": x, "rhs": y, "out": fn(x, y)})


@pytest.mark.parametrize("divisor, bits", [(256, 8), (16, 8), (1024, 12)])
def test_rescale_rounds_half_up_and_range_checks(divisor, bits):
    gadget = RescaleGadget(13, divisor, bits)
    x = rng.integers(-(2**18), 2**18, (4, 9))
    x[0, :4] = [divisor // 2, -divisor // 2, 3 * divisor // 2, -3 * divisor // 2]  # ties
    bias = rng.integers(-50, 50, (9,))
    a = gadget.assign({"input": x, "bias": bias})
    expected = np.floor((x + bias) / divisor + 0.5).astype(np.int64)
    np.testing.assert_array_equal(a.outputs["out"], expected)
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"input": x, "bias": np.broadcast_to(bias, x.shape), "out": expected})


def test_rescale_refuses_outputs_its_table_cannot_bound():
    with pytest.raises(OverflowError, match="8-bit range table"):
        RescaleGadget(6, 256, 8).assign({"input": np.array([2**40])})


def test_lookup_tabulates_the_reference_function():
    gadget = LookupGadget(5, "relu", 8)
    x = rng.integers(-128, 128, (17,))
    a = gadget.assign({"input": x})
    np.testing.assert_array_equal(a.outputs["out"], np.maximum(x, 0))
    assert check_assignment(gadget, a) == []
    with pytest.raises(OverflowError, match="exceeds the 8-bit table"):
        gadget.assign({"input": np.array([200])})


@pytest.mark.parametrize(
    "gadget, inputs, slot, expected",
    [
        (DotGadget(5), {"lhs": np.arange(6).reshape(1, 6), "rhs": np.arange(12).reshape(6, 2)}, 4, "dot"),
        (SumGadget(3), {"input": np.arange(10).reshape(2, 5)}, 2, "sum"),
        (AddGadget(3), {"lhs": np.arange(4), "rhs": np.arange(4)}, 2, "add"),
        (RescaleGadget(6, 16, 4), {"input": np.arange(-20, 20, 3)}, 2, "rescale"),
        (RescaleGadget(6, 16, 4), {"input": np.arange(-20, 20, 3)}, 3, "rescale"),
        (LookupGadget(2, "relu", 6), {"input": np.arange(-8, 8)}, 1, "lookup_relu"),
    ],
)
def test_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    a = gadget.assign(inputs)
    a.cells[0, slot] += 1
    failures = check_assignment(gadget, a)
    assert failures and failures[0].constraint.startswith(expected)
    assert failures[0].row in (0, 1)


def test_maximum_is_exact_and_bounded():
    from zkir.gadgets import MaximumGadget

    gadget = MaximumGadget(14, 8)
    a, b = rng.integers(-20000, 20000, (2, 5, 7))
    a[0, :3] = b[0, :3]  # ties
    out = gadget.assign({"lhs": a, "rhs": b})
    np.testing.assert_array_equal(out.outputs["out"], np.maximum(a, b))
    assert check_assignment(gadget, out) == []
    assert_ports_hold(out, {"lhs": a, "rhs": b, "out": np.maximum(a, b)})
    with pytest.raises(OverflowError, match="differ by more"):
        gadget.assign({"lhs": np.array([0]), "rhs": np.array([1 << 17])})


def test_maximum_rejects_a_claimed_max_that_is_neither_operand():
    from zkir.gadgets import MaximumGadget

    gadget = MaximumGadget(7, 8)
    a = gadget.assign({"lhs": np.array([3]), "rhs": np.array([9])})
    a.cells[0, 2] = 10  # claim max(3, 9) = 10: both differences stay in range
    a.cells[0, 3], a.cells[0, 5] = 7, 1  # and fix the limbs so only the product gate fails
    failures = check_assignment(gadget, a)
    assert [f.constraint for f in failures] == ["maximum_t8[0]"]


def test_var_div_rounds_like_the_interpreter():
    from zkir.gadgets import VarDivGadget
    from zkir.interpreter.rounding import div_round

    gadget = VarDivGadget(10, 8, 8)
    num = rng.integers(0, 256, (4, 10))
    den = num.sum(-1, keepdims=True) + rng.integers(1, 50, (4, 1))
    a = gadget.assign({"num": num, "den": den})
    np.testing.assert_array_equal(a.outputs["out"], div_round(num << 8, den))
    assert check_assignment(gadget, a) == []
    a.cells[0, 2] += 1  # a different quotient cannot be balanced by a remainder
    assert check_assignment(gadget, a)


def test_embedding_looks_rows_up_and_catches_a_wrong_value():
    from zkir.gadgets.embedding import EmbeddingGadget, EmbeddingTable

    table = EmbeddingTable("wte", rng.integers(-100, 100, (10, 4)))
    gadget = EmbeddingGadget(6, table)
    ids = rng.integers(0, 10, (2, 3))
    a = gadget.assign({"indices": np.broadcast_to(ids[..., None], (2, 3, 4))})
    np.testing.assert_array_equal(a.outputs["out"], table.values[ids])
    assert check_assignment(gadget, a) == []
    a.cells[0, 1] += 1
    assert [f.constraint for f in check_assignment(gadget, a)] == ["embed_wte_0"]
    with pytest.raises(OverflowError, match="outside the table's 10 rows"):
        gadget.assign({"indices": np.full((1, 4), 10)})


@pytest.mark.parametrize("bits", [4, 8, 12, 16])
def test_range_check_accepts_its_range_and_nothing_past_it(bits):
    from zkir.gadgets.range_check import RangeCheckGadget

    gadget = RangeCheckGadget(9, bits, 8)
    half = 1 << (bits - 1)
    values = np.array([-half, half - 1, 0, 1, -1])
    a = gadget.assign({"input": values})
    assert check_assignment(gadget, a) == []
    # forge the first value as `half` (one past the range) with consistent limbs
    low, high = gadget.limbs(np.int64(2 * half))
    a.cells[0, 0], a.cells[0, 1], a.cells[0, 2] = half, low, high
    assert check_assignment(gadget, a)
    with pytest.raises(OverflowError, match="outside"):
        gadget.assign({"input": np.array([half])})
