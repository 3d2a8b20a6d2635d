"""Radix-2 number-theoretic transform over Fr (numba).

Why: every column is interpolated (iNTT) once and evaluated on an extended coset
(NTT) once per proof; this is the prover's main field-arithmetic cost.
Iterative Cooley-Tukey, decimation in time after a bit-reversal permutation.
Twiddles are stored stage by stage (stage of half-size m at offset m - 1) so
every stage reads its twiddles contiguously.
"""

from __future__ import annotations

import functools

import numpy as np
import numba as nb

from . import field as F
from .field import mod_add, mod_sub, mont_mul

_kernel = nb.njit(cache=True, nogil=True, boundscheck=False)


@_kernel
def _bit_reverse(a: np.ndarray, logn: int) -> None:
    n = a.shape[0]
    for i in range(n):
        r = 0
        x = i
        for _ in range(logn):
            r = (r << 1) | (x & 1)
            x >>= 1
        if r > i:
            for l in range(4):
                t = a[i, l]
                a[i, l] = a[r, l]
                a[r, l] = t


@_kernel
def _stage(a: np.ndarray, tw: np.ndarray, m: int, lo: int, hi: int) -> None:
    """One radix-2 stage of half-size m on rows lo..hi."""
    base = m - 1
    for k in range(lo, hi, 2 * m):
        # j = 0: the twiddle is 1, no multiplication
        i2 = k + m
        u0, u1, u2, u3 = a[k, 0], a[k, 1], a[k, 2], a[k, 3]
        v0, v1, v2, v3 = a[i2, 0], a[i2, 1], a[i2, 2], a[i2, 3]
        a[k, 0], a[k, 1], a[k, 2], a[k, 3] = mod_add(u0, u1, u2, u3, v0, v1, v2, v3)
        a[i2, 0], a[i2, 1], a[i2, 2], a[i2, 3] = mod_sub(u0, u1, u2, u3, v0, v1, v2, v3)
        for j in range(1, m):
            w0, w1, w2, w3 = tw[base + j, 0], tw[base + j, 1], tw[base + j, 2], tw[base + j, 3]
            i1 = k + j
            i2 = i1 + m
            v0, v1, v2, v3 = mont_mul(a[i2, 0], a[i2, 1], a[i2, 2], a[i2, 3], w0, w1, w2, w3)
            u0, u1, u2, u3 = a[i1, 0], a[i1, 1], a[i1, 2], a[i1, 3]
            a[i1, 0], a[i1, 1], a[i1, 2], a[i1, 3] = mod_add(u0, u1, u2, u3, v0, v1, v2, v3)
            a[i2, 0], a[i2, 1], a[i2, 2], a[i2, 3] = mod_sub(u0, u1, u2, u3, v0, v1, v2, v3)


@_kernel
def _butterflies(a: np.ndarray, tw: np.ndarray) -> None:
    """All stages.  The first log2(BLOCK) stages only mix rows inside aligned
    blocks of BLOCK rows, so they run block by block while the block is in
    cache (one pass over memory instead of log2(BLOCK) passes)."""
    n = a.shape[0]
    block = 2048 if n > 2048 else n
    for lo in range(0, n, block):
        m = 1
        while m < block:
            _stage(a, tw, m, lo, lo + block)
            m *= 2
    m = block
    while m < n:
        _stage(a, tw, m, 0, n)
        m *= 2


@functools.lru_cache(maxsize=64)
def _twiddles(logn: int, inverse: bool) -> np.ndarray:
    n = 1 << logn
    tw = np.empty((max(n - 1, 1), 4), np.uint64)
    for s in range(logn):
        m = 1 << s
        w = F.root_of_unity(s + 1)
        if inverse:
            w = F.inv(w)
        tw[m - 1: 2 * m - 1] = F.powers(w, m)
    tw.setflags(write=False)
    return tw


def _log2(n: int) -> int:
    logn = n.bit_length() - 1
    if n <= 0 or (1 << logn) != n:
        raise ValueError(f"NTT size must be a power of two, got {n}")
    return logn


def ntt(a: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Coefficients -> evaluations at 1, w, w^2, ... (w a primitive len(a)-th root)."""
    logn = _log2(a.shape[0])
    out = a if inplace else np.array(a, dtype=np.uint64, copy=True, order="C")
    if logn == 0:
        return out
    _bit_reverse(out, logn)
    _butterflies(out, _twiddles(logn, False))
    return out


def intt(a: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Evaluations over the subgroup -> coefficients."""
    logn = _log2(a.shape[0])
    out = a if inplace else np.array(a, dtype=np.uint64, copy=True, order="C")
    if logn == 0:
        return out
    _bit_reverse(out, logn)
    _butterflies(out, _twiddles(logn, True))
    F._vmul_scalar(out, F.scalar(F.inv(1 << logn)), out)
    return out
