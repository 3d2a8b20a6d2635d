"""Integer reference nonlinearities: close to the real function, exact tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf as _erf

from zkir.interpreter import nonlinear as N

REAL = {
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "tanh": np.tanh,
    "erf": _erf,
    "gelu": lambda v: v * 0.5 * (1 + _erf(v / np.sqrt(2))),
    "exp": np.exp,
}


@pytest.mark.parametrize("name", sorted(REAL))
@pytest.mark.parametrize("scale", [8, 12])
def test_bounded_functions_within_one_unit_of_the_real_one(name, scale):
    xs = np.linspace(-12, 5 if name == "exp" else 12, 4001)
    q = np.round(xs * 2**scale).astype(np.int64)
    got = N.NONLINEARITIES[name](q, scale=scale) / 2**scale
    ref = REAL[name](q / 2**scale)
    # one unit of the rounded output, plus the exp table's rounding carried by the shift
    tol = 1.0 / 2**scale * (1 + (np.abs(ref) if name == "exp" else 0))
    assert np.all(np.abs(got - ref) <= tol + 1e-12)


def test_exp_of_large_inputs_is_reported():
    with pytest.raises(OverflowError, match="exp"):
        N.exp(np.array([50 * 2**12]), scale=12)


@pytest.mark.parametrize("scale", [6, 10, 12])
def test_reciprocal_is_the_exactly_rounded_division(scale):
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.integers(1, 2**40, 2000), -rng.integers(1, 2**20, 2000), [1, 2, 3]])
    got = N.reciprocal(x, scale=scale)
    for v, g in zip(x.tolist(), got.tolist()):
        mag = _half(2 ** (2 * scale), abs(v))
        assert g == (mag if v > 0 else -mag)
    assert N.reciprocal(np.array([0]), scale=scale)[0] == 2 ** (2 * scale)


def _half(a: int, b: int) -> int:
    return (2 * a + b) // (2 * b)


def test_sqrt_is_exactly_rounded():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2**45, 3000)
    got = N.sqrt(x, scale=12)
    for v, g in zip(x[:300].tolist(), got[:300].tolist()):
        n = v << 12
        r = math.isqrt(n)
        assert g == (r + 1 if n - r * r > r else r)
    with pytest.raises(OverflowError):
        N.sqrt(np.array([2**55]), scale=12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "erf", "gelu", "exp"])
def test_lookup_table_reproduces_the_function(name):
    s = 8
    ins, outs = N.table(name, s)
    if name in ("sigmoid", "tanh", "erf"):
        assert np.array_equal(N.NONLINEARITIES[name](ins, scale=s), outs)
        beyond = np.array([ins.min() - 1000, ins.max() + 1000])
        assert np.array_equal(N.NONLINEARITIES[name](beyond, scale=s), outs[[0, -1]])
    elif name == "gelu":
        assert np.array_equal(N.gelu(ins, scale=s), N.relu(ins) + outs)
        assert outs[0] == 0 and outs[-1] == 0  # the correction has died out at the clamp
    else:
        assert outs[0] == 2**s and len(ins) == 2**s


@pytest.mark.parametrize("scale", [6, 8, 12, 16])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "erf", "gelu"])
def test_clamp_is_the_narrowest_that_changes_nothing(name, scale):
    fn = N._gelu_minus_relu if name == "gelu" else N.NONLINEARITIES[name]
    lo, hi = N.clamp_range(name, scale)
    xs = np.unique(np.concatenate([np.arange(-40 << scale, 40 << scale, max(1, 2 ** (scale - 6))), [lo, hi, lo - 1, hi + 1]]))
    # clamping changes no output anywhere (fn.rounded is the unclamped function)
    assert np.array_equal(fn(xs, scale), fn.rounded(xs, scale))
    # and one unit less on either side would
    assert fn.rounded(np.array([hi - 1]), scale)[0] != fn.rounded(np.array([hi]), scale)[0]
    assert fn.rounded(np.array([lo + 1]), scale)[0] != fn.rounded(np.array([lo]), scale)[0]
