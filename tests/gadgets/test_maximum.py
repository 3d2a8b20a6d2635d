"""maximum gadget: elementwise max with range-checked differences."""

import numpy as np
import pytest

from zkir.gadgets.check import check_assignment

from gadget_checks import assert_ports_hold, rng


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
