"""Integer reference functions of the nonlinearities, one definition each.

The fixed-point interpreter, the witness generator and the circuit's lookup
tables all call these, so the circuit reproduces the fixed-point semantics exactly.
Each takes int64 numpy arrays of fixed-point integers at `scale` (x_real =
x / 2^scale) and returns int64 at the same scale.

Every function is built so that a lookup table of bounded size implements it:

| function   | table input                                 | table size       |
|------------|---------------------------------------------|------------------|
| relu       | none (a comparison)                         | -                |
| sigmoid    | x clamped to +-9.0 (s=12), +-6.2 (s=8)      | 2^(scale+4.2)    |
| tanh       | x clamped to +-4.9 (s=12), +-3.5 (s=8)      | 2^(scale+3.3)    |
| erf        | x clamped to +-2.7 (s=12), +-2.2 (s=8)      | 2^(scale+2.4)    |
| gelu       | relu(x) + table(x clamped to +-4.0 (s=12))  | 2^(scale+3)      |
| exp        | 2^k * table(f): k = floor(t), f = frac(t),  | 2^scale          |
|            | t = x * log2(e); any x, result shifted by k |                  |
| reciprocal | none: round(2^(2s) / x), an exact division   | -                |
| sqrt       | none: y = round(sqrt(x * 2^s)) is checked   | -                |
|            | by y^2 <= .. < (y+1)^2 range checks;         |                  |
|            | x at scale 2s gives y = round(sqrt(x))      |                  |
| rsqrt      | reciprocal(sqrt(x))                         | -                |

Calling convention: `fn(x, scale=<result scale>, in_scale=<input scale>)` is
right for every function here (all accept and ignore extra keywords); only
sqrt and rsqrt use `in_scale`, which may be twice the result scale (the root of
a variance kept at 2s). Callers that pass only `scale` assume equal scales.

The clamp of each bounded function is the narrowest range outside which its
rounded output no longer changes (found per scale, `clamp_range(name, s)`), so
clamping changes no output and a table needs only that range;
`table(name, scale)` lists the (input, output) pairs a lookup argument uses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from math import erf as _erf_scalar

import numpy as np
import numpy.typing as npt

from zkir.dialects.nonlinearities import NONLINEARITY_NAMES
from zkir.interpreter.rounding import rescale

Nonlinearity = Callable[..., np.ndarray]


def _i64(x: npt.ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def _round(v: np.ndarray) -> np.ndarray:
    """Reals to integers, half away from zero, for table contents: it keeps the
    tables of odd functions (tanh, erf, 1/x) odd. Rescales of witness values use
    zkir.interpreter.rounding's rule instead."""
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)


def _erf(v: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf

        return erf(v)
    except ImportError:  # pragma: no cover
        return np.vectorize(_erf_scalar, otypes=[np.float64])(v)


class _Bounded:
    """f on x clamped to the range where its rounded value still changes.

    Beyond `bound` f is flat to within half a unit (scales up to 16), and the
    tails are monotone from `tails_from` outwards, so for each scale the
    narrowest clamp [-lo, hi] that changes no output is found by bisection;
    the table behind f then has lo + hi + 1 entries (see `clamp_range`).
    Called as `f(x, scale)`, like every function here.
    """

    def __init__(
        self, fn: Callable[[np.ndarray], np.ndarray], bound: float, tails_from: float = 0.0
    ) -> None:
        self._fn = fn
        self._bound = bound
        self._tails_from = tails_from
        # limits(scale) = (lo, hi): the input is clamped to [-lo, hi] at `scale`
        self.limits: Callable[[int], tuple[int, int]] = lru_cache(maxsize=None)(self._limits)

    def rounded(self, x_int: np.ndarray, scale: int) -> np.ndarray:
        return _round(self._fn(np.asarray(x_int, dtype=np.float64) / 2**scale) * 2**scale)

    def _limits(self, scale: int) -> tuple[int, int]:
        out = []
        for sign in (-1, 1):
            far = int(self._bound * 2**scale)
            flat = int(self.rounded(np.array([sign * far]), scale)[0])
            lo, hi = int(self._tails_from * 2**scale), far  # rounded(sign*hi) == flat
            while lo < hi:
                mid = (lo + hi) // 2
                if int(self.rounded(np.array([sign * mid]), scale)[0]) == flat:
                    hi = mid
                else:
                    lo = mid + 1
            out.append(hi)
        return out[0], out[1]

    def __call__(self, x: np.ndarray, scale: int, **_: int) -> np.ndarray:
        lo, hi = self.limits(scale)
        return self.rounded(np.clip(_i64(x), -lo, hi), scale)


def relu(x: np.ndarray, **_: int) -> np.ndarray:
    return np.maximum(_i64(x), 0)


sigmoid = _Bounded(lambda v: 1.0 / (1.0 + np.exp(-v)), 16.0)
tanh = _Bounded(np.tanh, 10.0)
erf = _Bounded(_erf, 6.0)
_gelu_minus_relu = _Bounded(
    lambda v: v * 0.5 * (1.0 + _erf(v / np.sqrt(2.0))) - np.maximum(v, 0), 8.0, tails_from=1.0
)


def gelu(x: np.ndarray, scale: int, **_: int) -> np.ndarray:
    """relu(x) + (gelu - relu)(x): the correction is bounded, so a table holds it."""
    return relu(x) + _gelu_minus_relu(x, scale)


def exp_table(f: np.ndarray, scale: int) -> np.ndarray:
    """round(2^(f / 2^scale) * 2^scale) for f in [0, 2^scale): values in [2^s, 2^(s+1)]."""
    return _round(np.exp2(_i64(f).astype(np.float64) / 2**scale) * 2**scale)


_LOG2E = 1.4426950408889634
_LOG2E_EXTRA = 16  # log2(e) is held at scale + 16 bits, so t has ~1 unit of error


def exp(x: np.ndarray, scale: int, **_: int) -> np.ndarray:
    """e^x = 2^t with t = x log2(e) = k + f: table(f) shifted left by k (right,
    rounding, when k < 0). Results beyond 2^62 raise OverflowError."""
    x = _i64(x)
    log2e = int(round(_LOG2E * 2 ** (scale + _LOG2E_EXTRA)))
    if np.any(np.abs(x) > (2**62) // log2e):
        raise OverflowError(f"exp: e^{(np.abs(x).max() / 2**scale):.3g} is out of range")
    t = rescale(x * log2e, scale + _LOG2E_EXTRA)
    k = t >> scale  # floor
    f = t - (k << scale)
    mant = exp_table(f, scale)
    if np.any(k > 62 - scale - 1):
        raise OverflowError(f"exp: e^{(x.max() / 2**scale):.3g} does not fit 64 bits at scale {scale}")
    left = mant << np.clip(k, 0, None)
    right = rescale_var(mant, np.clip(-k, 0, 62))
    return np.where(k >= 0, left, right)


def rescale_var(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """rescale with an element-wise shift (>= 0), half away from zero."""
    x = _i64(x)
    shift = _i64(shift)
    half = np.where(shift > 0, np.int64(1) << np.clip(shift - 1, 0, 62), 0)
    mag = (np.abs(x) + half) >> shift
    return np.where(x < 0, -mag, mag)


def _bit_length(a: np.ndarray) -> np.ndarray:
    """Bit length of positive int64 values, exactly (frexp is exact up to 2^53,
    the correction covers the rest)."""
    a = _i64(a)
    n = np.frexp(a.astype(np.float64))[1].astype(np.int64)
    # float rounding may overshoot by one near powers of two above 2^53
    over = (n > 0) & ((np.int64(1) << np.clip(n - 1, 0, 62)) > a)
    return n - over


def reciprocal(x: np.ndarray, scale: int, **_: int) -> np.ndarray:
    """1/x: exactly round(2^(2s) / x), rounded by zkir.interpreter.rounding's rule.

    No table: the circuit proves it as a division by a value computed in the
    circuit (the var_div gadget), which is exact for any positive x. Negative x
    give -round(2^(2s) / |x|); x = 0 is read as 1 (1/0 saturates to 2^(2s)).
    """
    from zkir.interpreter.rounding import div_round

    x = _i64(x)
    a = np.maximum(np.abs(x), 1)
    out = div_round(np.full(a.shape, 1, dtype=np.int64) << np.int64(2 * scale), a)
    return np.where(x < 0, -out, out)


def isqrt(n: np.ndarray) -> np.ndarray:
    """floor(sqrt(n)) for 0 <= n < 2^63, exactly."""
    n = _i64(n)
    y = np.floor(np.sqrt(n.astype(np.float64))).astype(np.int64)
    for _ in range(2):
        y = np.where(y * y > n, y - 1, y)
        y = np.where((y + 1) * (y + 1) <= n, y + 1, y)
    return y


def rounded_sqrt(n: np.ndarray) -> np.ndarray:
    """round(sqrt(n)) for 0 <= n < 2^63: sqrt's rounding, which the sqrt gadget
    and the gadget interpreter share."""
    y = isqrt(n)
    return np.where(n - y * y > y, y + 1, y)


def sqrt(x: np.ndarray, scale: int, in_scale: int | None = None, **_: int) -> np.ndarray:
    """round(sqrt(x_real) * 2^scale) for x at `in_scale` (default: scale), that is
    round(sqrt(x * 2^(2*scale - in_scale))); negative x read as 0. With
    in_scale = 2*scale no shift is needed: the root of a sum of squares is exact.
    Needs x * 2^(2*scale - in_scale) < 2^62."""
    in_scale = scale if in_scale is None else in_scale
    shift = 2 * scale - in_scale
    if shift < 0:
        raise ValueError("sqrt: the input scale may be at most twice the result scale")
    x = np.maximum(_i64(x), 0)
    if np.any(x >= 2 ** (62 - shift)):
        raise OverflowError(f"sqrt: input does not fit 62 bits after scaling by 2^{shift}")
    return rounded_sqrt(x << shift)


def rsqrt(x: np.ndarray, scale: int, in_scale: int | None = None, **_: int) -> np.ndarray:
    """reciprocal(sqrt(x)) at `scale` (x at `in_scale`, as for sqrt)."""
    return reciprocal(sqrt(x, scale, in_scale), scale)


NONLINEARITIES: dict[str, Nonlinearity] = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "erf": erf,
    "gelu": gelu,
    "gelu_correction": _gelu_minus_relu,
    "exp": exp,
    "reciprocal": reciprocal,
    "sqrt": sqrt,
    "rsqrt": rsqrt,
}
"""Name -> integer reference function; `gadget.lookup` names one of these."""

if tuple(NONLINEARITIES) != NONLINEARITY_NAMES:  # the dialects verify names against that list
    raise ImportError(
        "zkir.interpreter.nonlinear: NONLINEARITIES and zkir.dialects.nonlinearities."
        "NONLINEARITY_NAMES must name the same functions"
    )


def clamp_range(name: str, scale: int) -> tuple[int, int]:
    """(lo, hi): the bounded function `name` reads its input clamped to [lo, hi]
    (fixed-point integers at `scale`); outside it the output does not change."""
    fn = _gelu_minus_relu if name == "gelu" else NONLINEARITIES[name]
    if not isinstance(fn, _Bounded):  # the AttributeError a function without limits gave
        raise AttributeError(f"{name} is not a bounded nonlinearity: it has no clamp range")
    lo, hi = fn.limits(scale)
    return -lo, hi


def table(name: str, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """The (inputs, outputs) of the lookup table behind a bounded nonlinearity."""
    if name in ("sigmoid", "tanh", "erf", "gelu"):
        lo, hi = clamp_range(name, scale)
        xs = np.arange(lo, hi + 1, dtype=np.int64)
        fn = _gelu_minus_relu if name == "gelu" else NONLINEARITIES[name]
        return xs, fn(xs, scale)
    if name == "exp":
        fs = np.arange(0, 2**scale, dtype=np.int64)
        return fs, exp_table(fs, scale)
    raise KeyError(f"{name} has no lookup table")
