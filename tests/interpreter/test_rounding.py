"""The one rounding rule: half up, checked against exact fractions."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from zkir.interpreter.rounding import dequantize, div_round, quantize, rescale


def _half_up(q: Fraction) -> int:
    return math.floor(q + Fraction(1, 2))


def test_rescale_ties_go_up():
    x = np.array([6, -6, 5, -5, 7, -7, 4, -4, 0, -2, 2])
    assert rescale(x, 2).tolist() == [2, -1, 1, -1, 2, -2, 1, -1, 0, 0, 1]
    # 6/4 = 1.5 -> 2 ; -6/4 = -1.5 -> -1 ; -7/4 = -1.75 -> -2 ; -2/4 = -0.5 -> 0


def test_div_round_ties_go_up():
    assert div_round(np.array([3, -3, 5, -5, 4]), 2).tolist() == [2, -1, 3, -2, 2]
    assert div_round(np.array([7, 8, -7]), np.array([3, 3, 3])).tolist() == [2, 3, -2]


@given(st.integers(-(2**60), 2**60), st.integers(0, 40))
def test_rescale_matches_exact_rounding(x, k):
    assert int(rescale(np.array([x]), k)[0]) == _half_up(Fraction(x, 2**k))


@given(st.integers(-(2**50), 2**50), st.integers(1, 2**20))
def test_div_round_matches_exact_rounding(a, b):
    assert int(div_round(np.array([a]), b)[0]) == _half_up(Fraction(a, b))


def test_quantize_round_trip():
    x = np.array([0.5, -0.5, 1.25, -3.0078125])
    q = quantize(x, 3)
    assert q.tolist() == [4, -4, 10, -24]
    assert np.allclose(dequantize(q, 3), [0.5, -0.5, 1.25, -3.0])
    assert quantize(np.array([0.0625, -0.0625]), 3).tolist() == [1, 0]  # ties up
