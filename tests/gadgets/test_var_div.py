"""var_div gadget: division by a value computed in the circuit."""

import numpy as np
import pytest

from zkir.gadgets.check import check_assignment

from gadget_checks import rng


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
