"""sqrt gadget: y = round(sqrt(x * 2^shift)) exactly, the root behind layer norm."""

import math

import numpy as np
import pytest

from zkir.gadgets.check import check_assignment
from zkir.gadgets.sqrt import SqrtGadget, rounded_sqrt

from gadget_checks import assert_ports_hold, rng


def test_rounded_sqrt_is_the_nearest_integer_root():
    n = np.concatenate([np.arange(1, 2000), rng.integers(1, 2**40, 500)])
    expected = np.array([math.isqrt(int(v)) + (int(v) - math.isqrt(int(v)) ** 2 > math.isqrt(int(v))) for v in n])
    np.testing.assert_array_equal(rounded_sqrt(n), expected)
    # the rounding rule: |y - sqrt(n)| <= 1/2 (ties cannot occur for integers)
    assert np.all(np.abs(expected - np.sqrt(n.astype(np.float64))) <= 0.5)


@pytest.mark.parametrize("columns, shift, bits", [(8, 0, 8), (17, 8, 8), (24, 4, 12)])
def test_sqrt_is_exact_and_holds_on_its_witness(columns, shift, bits):
    gadget = SqrtGadget(columns, shift, bits)
    x = rng.integers(1, 2**10, (3, 7))
    a = gadget.assign({"input": x})
    expected = rounded_sqrt(x << shift)
    np.testing.assert_array_equal(a.outputs["out"], expected)
    assert a.rows == gadget.rows({"input": x.shape})
    assert check_assignment(gadget, a) == []
    assert_ports_hold(a, {"input": x, "out": expected})


@pytest.mark.parametrize("claim", [1, -1])
def test_a_root_off_by_one_fails_even_with_matching_limbs(claim):
    """Claim y +- 1 and recompute every limb for it: one of the two differences
    goes negative, which no limb pair in range can represent."""
    gadget = SqrtGadget(8, 0, 8)
    x = np.array([50])
    a = gadget.assign({"input": x})
    y = int(a.outputs["out"][0]) + claim
    n = int(x[0])
    low_a, high_a = gadget.limbs(np.int64(n - y * y + y - 1))
    low_b, high_b = gadget.limbs(np.int64(y * y + y - n))
    low_y, high_y = gadget.limbs(np.int64(y))
    a.cells[0, 1:8] = [y, low_a, high_a, low_b, high_b, low_y, high_y]
    assert check_assignment(gadget, a)


def test_one_wrong_cell_is_caught():
    gadget = SqrtGadget(8, 4, 8)
    a = gadget.assign({"input": np.array([9, 30])})
    a.cells[0, 1] += 1
    failures = check_assignment(gadget, a)
    assert failures and failures[0].constraint.startswith("sqrt")


def test_inputs_it_cannot_prove_are_refused():
    gadget = SqrtGadget(8, 0, 4)
    with pytest.raises(OverflowError, match="below 1"):
        gadget.assign({"input": np.array([0])})
    with pytest.raises(OverflowError, match="exceeds"):
        gadget.assign({"input": np.array([2**20])})
