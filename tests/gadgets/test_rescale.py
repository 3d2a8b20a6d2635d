"""rescale gadget: bias-div-round with range-checked remainders."""

import numpy as np
import pytest

from zkir.gadgets import RescaleGadget
from zkir.gadgets.check import check_assignment

from gadget_checks import assert_one_wrong_cell_is_caught, assert_ports_hold, rng


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


@pytest.mark.parametrize(
    "gadget, inputs, slot, expected",
    [
        (RescaleGadget(6, 16, 4), {"input": np.arange(-20, 20, 3)}, 2, "rescale"),
        (RescaleGadget(6, 16, 4), {"input": np.arange(-20, 20, 3)}, 3, "rescale"),
    ],
)
def test_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    assert_one_wrong_cell_is_caught(gadget, inputs, slot, expected)
