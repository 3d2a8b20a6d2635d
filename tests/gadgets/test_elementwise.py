"""add / sub / mul gadgets, elementwise."""

import numpy as np
import pytest

from zkir.gadgets import AddGadget, MulGadget, SubGadget
from zkir.gadgets.check import check_assignment

from gadget_checks import assert_one_wrong_cell_is_caught, assert_ports_hold, rng


@pytest.mark.parametrize("cls, fn", [(AddGadget, np.add), (SubGadget, np.subtract), (MulGadget, np.multiply)])
@pytest.mark.parametrize("columns", [3, 8])
def test_elementwise(cls, fn, columns):
    gadget = cls(columns)
    x, y = rng.integers(-500, 500, (2, 3, 7))
    a = gadget.assign({"lhs": x, "rhs": y})
    np.testing.assert_array_equal(a.outputs["out"], fn(x, y))
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"lhs": x, "rhs": y, "out": fn(x, y)})


@pytest.mark.parametrize(
    "gadget, inputs, slot, expected",
    [
        (AddGadget(3), {"lhs": np.arange(4), "rhs": np.arange(4)}, 2, "add"),
    ],
)
def test_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    assert_one_wrong_cell_is_caught(gadget, inputs, slot, expected)
