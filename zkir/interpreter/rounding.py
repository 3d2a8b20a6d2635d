"""The one rounding rule of zkir's fixed-point semantics: half up, floor(v + 1/2).

`ml.rescale` (a product back to scale s), every division by a constant count
(mean, average pool), every division by a run-time value (softmax, layer norm)
and the quantization of inputs and weights round this way. The circuit's
rescale / division gadgets prove exactly these integers, so this module is the
definition they are tested against.

Why half up and not half away from zero: the two differ only at negative ties,
and half up is one floor division, x + d/2 = d q + r with 0 <= r < d, which a
circuit proves with a range check of r; away from zero would also need the sign
of x, a full range decomposition of a value that may have 40 bits.
"""

from __future__ import annotations

import numpy as np


def rescale(x: np.ndarray, shift: int) -> np.ndarray:
    """round(x / 2^shift), ties up: (x + 2^(shift-1)) >> shift (an arithmetic shift floors)."""
    x = np.asarray(x, dtype=np.int64)
    if shift == 0:
        return x
    if shift < 0:
        raise ValueError("rescale: negative shift")
    half = np.int64(1) << np.int64(shift - 1)
    return (x + half) >> np.int64(shift)


def div_round(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """round(a / b) for b > 0, ties up: floor((2a + b) / 2b)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if np.any(b <= 0):
        raise ValueError("div_round: the divisor must be positive")
    return (2 * a + b) // (2 * b)


def quantize(x: np.ndarray, scale: int) -> np.ndarray:
    """The fixed-point integer of reals x at `scale`: floor(x * 2^scale + 1/2)."""
    x = np.asarray(x, dtype=np.float64) * float(2**scale)
    limit = float(2**62)
    if np.any(np.abs(x) > limit):
        raise OverflowError(f"a value {np.abs(x).max() / 2**scale:.3g} does not fit 62 bits at scale {scale}")
    return np.floor(x + 0.5).astype(np.int64)


def quantize_attribute(value: float, scale: int) -> int:
    """A real attribute (clip bound, pad value, epsilon) at `scale`, saturated to
    int64: the one rounding of real attributes, shared by the fixed-point
    interpreter and convert-ml-to-gadget so circuit and semantics agree."""
    scaled = float(value) * 2.0**scale
    if not abs(scaled) < 2.0**62:
        return int(np.sign(scaled)) * (2**63 - 1)
    return int(quantize(np.asarray(value), scale))


def dequantize(q: np.ndarray, scale: int) -> np.ndarray:
    return np.asarray(q, dtype=np.float64) / float(2**scale)
