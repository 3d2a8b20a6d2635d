"""dot gadget: products over the last axis, one multiply-add a cell."""

import numpy as np
import pytest

from zkir.gadgets import DotGadget
from zkir.gadgets.check import check_assignment

from gadget_checks import assert_one_wrong_cell_is_caught, assert_ports_hold, assert_zero_ports_are_zero, rng


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


@pytest.mark.parametrize(
    "gadget, inputs, slot, expected",
    [
        (DotGadget(5), {"lhs": np.arange(6).reshape(1, 6), "rhs": np.arange(12).reshape(6, 2)}, 4, "dot"),
    ],
)
def test_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    assert_one_wrong_cell_is_caught(gadget, inputs, slot, expected)
