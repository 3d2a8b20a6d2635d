"""lookup gadget: a nonlinearity by table."""

import numpy as np
import pytest

from zkir.gadgets import LookupGadget
from zkir.gadgets.check import check_assignment

from gadget_checks import assert_one_wrong_cell_is_caught, rng


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
        (LookupGadget(2, "relu", 6), {"input": np.arange(-8, 8)}, 1, "lookup_relu"),
    ],
)
def test_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    assert_one_wrong_cell_is_caught(gadget, inputs, slot, expected)
