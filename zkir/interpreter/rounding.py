"""The one rounding rule of zkir's fixed-point semantics: half away from zero.

`ml.rescale` (a product back to scale s), every division by a constant count
(mean, average pool) and every division by a run-time value (softmax, layer
norm) round this way. The circuit's rescale / division gadgets prove exactly
these integers, so this module is the definition they are tested against.
"""

from __future__ import annotations

import numpy as np


def rescale(x: np.ndarray, shift: int) -> np.ndarray:
    """round(x / 2^shift), ties away from zero: sign(x) * ((|x| + 2^(shift-1)) >> shift)."""
    x = np.asarray(x, dtype=np.int64)
    if shift == 0:
        return x
    if shift < 0:
        raise ValueError("rescale: negative shift")
    half = np.int64(1) << np.int64(shift - 1)
    mag = (np.abs(x) + half) >> np.int64(shift)
    return np.where(x < 0, -mag, mag)


def div_round(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """round(a / b) for b > 0, ties away from zero: sign(a) * ((2|a| + b) // 2b)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if np.any(b <= 0):
        raise ValueError("div_round: the divisor must be positive")
    mag = (2 * np.abs(a) + b) // (2 * b)
    return np.where(a < 0, -mag, mag)


def quantize(x: np.ndarray, scale: int) -> np.ndarray:
    """The fixed-point integer of reals x at `scale`: round(x * 2^scale), half away."""
    x = np.asarray(x, dtype=np.float64) * float(2**scale)
    limit = float(2**62)
    if np.any(np.abs(x) > limit):
        raise OverflowError(f"a value {np.abs(x).max() / 2**scale:.3g} does not fit 62 bits at scale {scale}")
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


def dequantize(q: np.ndarray, scale: int) -> np.ndarray:
    return np.asarray(q, dtype=np.float64) / float(2**scale)
