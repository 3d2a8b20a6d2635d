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
