"""range_check gadget: values inside a signed range, by limbs."""

import numpy as np
import pytest

from zkir.gadgets.check import check_assignment


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
