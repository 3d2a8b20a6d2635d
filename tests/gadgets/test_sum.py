"""sum gadget: reductions over the last axis."""

import numpy as np
import pytest

from zkir.gadgets import SumGadget
from zkir.gadgets.check import check_assignment

from gadget_checks import assert_one_wrong_cell_is_caught, assert_ports_hold, assert_zero_ports_are_zero, rng


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


@pytest.mark.parametrize(
    "gadget, inputs, slot, expected",
    [
        (SumGadget(3), {"input": np.arange(10).reshape(2, 5)}, 2, "sum"),
    ],
)
def test_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    assert_one_wrong_cell_is_caught(gadget, inputs, slot, expected)


@pytest.mark.parametrize("columns, groups", [(10, 7), (12, 6), (48, 100)])
def test_short_sums_share_rows_in_lanes(columns, groups):
    gadget = SumGadget(columns, terms=4)
    assert gadget.lanes == columns // 5 and gadget.key != "sum"
    v = rng.integers(-1000, 1000, (groups, 4))
    a = gadget.assign({"input": v})
    np.testing.assert_array_equal(a.outputs["out"], v.sum(-1))
    assert a.rows == gadget.rows({"input": v.shape}) == -(-groups // gadget.lanes)
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"input": v, "out": v.sum(-1)})
    assert_zero_ports_are_zero(a)


def test_a_lane_that_does_not_fit_twice_accumulates():
    assert SumGadget(8, terms=4).lanes == 0 and SumGadget(8, terms=4).key == "sum"
    with pytest.raises(ValueError, match="4-term lanes"):
        SumGadget(10, terms=4).rows({"input": (3, 5)})


@pytest.mark.parametrize("slot", [0, 3, 4, 9])
def test_a_wrong_cell_of_a_lane_is_caught(slot):
    assert_one_wrong_cell_is_caught(SumGadget(10, terms=4), {"input": np.arange(12).reshape(3, 4)}, slot, "sum_lanes")
