"""Whole-tensor numpy kernels shared by both interpreters and the importers.

Data movement (reshape, slice, gather, ...) and the exact integer parts of the
arithmetic (sums, products, maxima) mean the same in float and fixed point, so
they are written once here, dtype-generic. Importers call the same kernels to
fold constant subgraphs, so folding cannot disagree with execution.
Convolution and pooling use sliding-window views (im2col without copies) and one
einsum, never a Python loop per pixel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def sliding_windows(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    pad_value: float | int,
) -> np.ndarray:
    """(N, C, OH, OW, KH, KW) view of the padded NCHW input's windows.

    Public because convert-ml-to-gadget lays out conv and pool windows with it
    (on index tensors), so the circuit reads exactly the windows executed here."""
    xp = np.pad(
        x,
        ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
        constant_values=pad_value,
    )
    span = (dilations[0] * (kernel[0] - 1) + 1, dilations[1] * (kernel[1] - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))
    return win[:, :, :: strides[0], :: strides[1], :: dilations[0], :: dilations[1]]


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    group: int,
) -> np.ndarray:
    """NCHW x OIHW (+ bias per output channel), any group count."""
    n, c = x.shape[:2]
    o, ci, kh, kw = w.shape
    win = sliding_windows(x, (kh, kw), strides, pads, dilations, 0)
    oh, ow = win.shape[2:4]
    win = win.reshape(n, group, c // group, oh, ow, kh, kw)
    wg = w.reshape(group, o // group, ci, kh, kw)
    out = np.einsum("ngchwij,gocij->ngohw", win, wg, optimize=True)
    out = out.reshape(n, o, oh, ow)
    if b is not None:
        out = out + b.reshape(1, o, 1, 1)
    return out


def max_pool(
    x: np.ndarray, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[int]
) -> np.ndarray:
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    return sliding_windows(x, kernel, strides, pads, (1, 1), low).max(axis=(4, 5))


def pool_sums_and_counts(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    count_include_pad: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Window sums and the divisor of each window (in-bounds count or kernel area)."""
    sums = sliding_windows(x, kernel, strides, pads, (1, 1), 0).sum(axis=(4, 5))
    if count_include_pad:
        counts = np.full(sums.shape[2:], kernel[0] * kernel[1], dtype=np.int64)
    else:
        ones = np.ones((1, 1) + x.shape[2:], dtype=np.int64)
        counts = sliding_windows(ones, kernel, strides, pads, (1, 1), 0).sum(axis=(4, 5))[0, 0]
    return sums, counts


def avg_pool(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    count_include_pad: bool,
) -> np.ndarray:
    sums, counts = pool_sums_and_counts(x, kernel, strides, pads, count_include_pad)
    return (sums / counts).astype(x.dtype)


def pad(x: np.ndarray, pads: Sequence[int], value: float | int) -> np.ndarray:
    rank = x.ndim
    return np.pad(
        x, [(pads[i], pads[i + rank]) for i in range(rank)], constant_values=value
    )


def slice_(
    x: np.ndarray, starts: Sequence[int], ends: Sequence[int], steps: Sequence[int]
) -> np.ndarray:
    return x[tuple(slice(a, b, c) for a, b, c in zip(starts, ends, steps))]


def gather(data: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    idx = np.asarray(indices, dtype=np.int64)
    dim = data.shape[axis]
    if idx.size and (idx.min() < -dim or idx.max() >= dim):
        raise IndexError(f"ml.gather: an index is out of range for a dimension of {dim}")
    return np.take(data, np.where(idx < 0, idx + dim, idx), axis=axis)


COMPARE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}
"""ml.compare's predicates; fixed-point operands at one scale compare as their reals do."""


def cast(x: np.ndarray, frm: str, to: str, scale: int | None) -> np.ndarray:
    """ml.cast between 'real', 'int' and 'bool' values: on floats (scale None) or
    fixed-point integers at `scale`. To a real exactly (v * 2^s in fixed point),
    to an integer by truncation toward zero, to a boolean by non-zero."""
    x = np.asarray(x)
    if to == "bool":
        return x != 0
    if to == "real":
        ints = x.astype(np.int64)
        return ints.astype(np.float32) if scale is None else ints << np.int64(scale)
    if frm == "bool":
        return x.astype(np.int64)
    if scale is None:
        return np.trunc(x.astype(np.float64)).astype(np.int64)
    ints = x.astype(np.int64)
    return np.sign(ints) * (np.abs(ints) >> np.int64(scale))


def expand(x: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """numpy.broadcast_to as a new array (ONNX Expand)."""
    return np.broadcast_to(x, tuple(shape)).copy()


def where(cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(cond.astype(bool), a, b)


def concat(xs: Sequence[np.ndarray], axis: int) -> np.ndarray:
    return np.concatenate(list(xs), axis=axis)


def reduce_sum(x: np.ndarray, axes: Sequence[int], keepdims: bool) -> np.ndarray:
    return np.sum(x, axis=tuple(axes), keepdims=keepdims)


def reduce_max(x: np.ndarray, axes: Sequence[int], keepdims: bool) -> np.ndarray:
    low = -np.inf if x.dtype.kind == "f" else (False if x.dtype.kind == "b" else np.iinfo(x.dtype).min)
    return np.max(x, axis=tuple(axes), keepdims=keepdims, initial=low)
