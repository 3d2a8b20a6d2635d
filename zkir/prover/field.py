"""Vectorised arithmetic in Fr, the scalar field of BLS12-381.

Why this module exists: every prover step (NTT, gate evaluation, grand products,
quotient) is field arithmetic on whole vectors, so it has to be compiled.  A
vector of field elements is a C-contiguous ``uint64`` array of shape ``(n, 4)``
holding little-endian 64-bit limbs in Montgomery form (x * 2^256 mod p).
numba has no 128-bit integer type, so 64x64->128 products come from a small
LLVM intrinsic on i128 (one mul instruction; about 6x faster than assembling
them from 32-bit half-limbs, which we measured first).  The Montgomery product
is the "no-carry" CIOS variant, valid because the top limb of p is below
2^63 - 1.  All kernels use ``cache=True`` so only the first process on a
machine pays the JIT (about 12 s for the whole prover).

Single field elements outside vectors are plain Python ints in [0, p).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Sequence, cast

import numpy as np
import numba as nb
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

if TYPE_CHECKING:
    from numba.core.base import BaseContext
    from numba.core.typing.context import BaseContext as TypingContext
    from numba.core.typing.templates import Signature

P: int = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
R_MONT: int = (1 << 256) % P
R2_MONT: int = (R_MONT * R_MONT) % P
R_INV: int = pow(R_MONT, P - 2, P)
GENERATOR: int = 7  # multiplicative generator of Fr^*
TWO_ADICITY: int = 32
ROOT_OF_UNITY: int = pow(GENERATOR, (P - 1) >> TWO_ADICITY, P)  # order 2^32

_M64 = (1 << 64) - 1


def _limbs(x: int) -> tuple[int, int, int, int]:
    return (x & _M64, (x >> 64) & _M64, (x >> 128) & _M64, (x >> 192) & _M64)


_P0, _P1, _P2, _P3 = (np.uint64(v) for v in _limbs(P))
_INV = np.uint64((-pow(P, -1, 1 << 64)) % (1 << 64))
_R2 = tuple(np.uint64(v) for v in _limbs(R2_MONT))
_ONE_M = tuple(np.uint64(v) for v in _limbs(R_MONT))
_MASK32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S63 = np.uint64(63)
_Z = np.uint64(0)
_ONE = np.uint64(1)

_Limbs = tuple[np.uint64, np.uint64, np.uint64, np.uint64]
"""One field element as four uint64 limbs inside the kernels."""

_jit = nb.njit(cache=True, inline="always", nogil=True)
_kernel = nb.njit(cache=True, nogil=True, boundscheck=False)


# ---------------------------------------------------------------- element ops
@intrinsic
def _mac_intrinsic(typingctx: TypingContext, a: types.Type, b: types.Type, c: types.Type, d: types.Type
                   ) -> tuple[Signature, Callable[[BaseContext, ir.IRBuilder, Signature, Sequence[ir.Value]],
                                                  ir.Value]]:
    """(lo, hi) of a + b*c + d computed in LLVM i128 (fits: < 2^128).

    numba has no 128-bit integer type, but LLVM does: this intrinsic lowers to
    one 64x64->128 multiply and add-with-carry instructions, about 3x faster
    than assembling the product from 32-bit half-limbs."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature,
                args: Sequence[ir.Value]) -> ir.Value:
        i128 = ir.IntType(128)
        i64 = ir.IntType(64)
        x, y, z, w = (builder.zext(v, i128) for v in args)
        r = builder.add(builder.add(builder.mul(y, z), x), w)
        lo = builder.trunc(r, i64)
        hi = builder.trunc(builder.lshr(r, ir.Constant(i128, 64)), i64)
        return context.make_tuple(builder, signature.return_type, [lo, hi])

    return sig, codegen


# What jitted code calls: numba passes the typing context itself and the call
# returns the codegen's (lo, hi); numba's stubs type a Python-level call to an
# intrinsic (which raises) instead.
_mac = cast(Callable[[np.uint64, np.uint64, np.uint64, np.uint64], tuple[np.uint64, np.uint64]], _mac_intrinsic)


@_jit
def _reduce_once(t0: np.uint64, t1: np.uint64, t2: np.uint64, t3: np.uint64) -> _Limbs:
    """Subtract p if t >= p (t < 2p)."""
    # compute t - p with borrow
    r0 = t0 - _P0
    b = _ONE if t0 < _P0 else _Z
    r1 = t1 - _P1 - b
    b = _ONE if (t1 < _P1) or (t1 == _P1 and b == _ONE) else _Z
    r2 = t2 - _P2 - b
    b = _ONE if (t2 < _P2) or (t2 == _P2 and b == _ONE) else _Z
    r3 = t3 - _P3 - b
    b = _ONE if (t3 < _P3) or (t3 == _P3 and b == _ONE) else _Z
    if b == _ONE:
        return t0, t1, t2, t3
    return r0, r1, r2, r3


@_jit
def mont_mul(a0: np.uint64, a1: np.uint64, a2: np.uint64, a3: np.uint64,
             b0: np.uint64, b1: np.uint64, b2: np.uint64, b3: np.uint64) -> _Limbs:
    # i = 0
    t0, A = _mac(_Z, a0, b0, _Z)
    m = t0 * _INV
    _, C = _mac(t0, m, _P0, _Z)
    t1, A = _mac(_Z, a1, b0, A)
    t0, C = _mac(t1, m, _P1, C)
    t2, A = _mac(_Z, a2, b0, A)
    t1, C = _mac(t2, m, _P2, C)
    t3, A = _mac(_Z, a3, b0, A)
    t2, C = _mac(t3, m, _P3, C)
    t3 = C + A
    # i = 1
    t0, A = _mac(t0, a0, b1, _Z)
    m = t0 * _INV
    _, C = _mac(t0, m, _P0, _Z)
    t1, A = _mac(t1, a1, b1, A)
    t0, C = _mac(t1, m, _P1, C)
    t2, A = _mac(t2, a2, b1, A)
    t1, C = _mac(t2, m, _P2, C)
    t3, A = _mac(t3, a3, b1, A)
    t2, C = _mac(t3, m, _P3, C)
    t3 = C + A
    # i = 2
    t0, A = _mac(t0, a0, b2, _Z)
    m = t0 * _INV
    _, C = _mac(t0, m, _P0, _Z)
    t1, A = _mac(t1, a1, b2, A)
    t0, C = _mac(t1, m, _P1, C)
    t2, A = _mac(t2, a2, b2, A)
    t1, C = _mac(t2, m, _P2, C)
    t3, A = _mac(t3, a3, b2, A)
    t2, C = _mac(t3, m, _P3, C)
    t3 = C + A
    # i = 3
    t0, A = _mac(t0, a0, b3, _Z)
    m = t0 * _INV
    _, C = _mac(t0, m, _P0, _Z)
    t1, A = _mac(t1, a1, b3, A)
    t0, C = _mac(t1, m, _P1, C)
    t2, A = _mac(t2, a2, b3, A)
    t1, C = _mac(t2, m, _P2, C)
    t3, A = _mac(t3, a3, b3, A)
    t2, C = _mac(t3, m, _P3, C)
    t3 = C + A
    return _reduce_once(t0, t1, t2, t3)


@_jit
def mod_add(a0: np.uint64, a1: np.uint64, a2: np.uint64, a3: np.uint64,
            b0: np.uint64, b1: np.uint64, b2: np.uint64, b3: np.uint64) -> _Limbs:
    r0 = a0 + b0
    c = _ONE if r0 < a0 else _Z
    s1 = a1 + b1
    c1 = _ONE if s1 < a1 else _Z
    r1 = s1 + c
    c1 += _ONE if r1 < s1 else _Z
    s2 = a2 + b2
    c2 = _ONE if s2 < a2 else _Z
    r2 = s2 + c1
    c2 += _ONE if r2 < s2 else _Z
    r3 = a3 + b3 + c2  # no overflow: a, b < p < 2^255
    return _reduce_once(r0, r1, r2, r3)


@_jit
def mod_sub(a0: np.uint64, a1: np.uint64, a2: np.uint64, a3: np.uint64,
            b0: np.uint64, b1: np.uint64, b2: np.uint64, b3: np.uint64) -> _Limbs:
    r0 = a0 - b0
    br = _ONE if a0 < b0 else _Z
    r1 = a1 - b1 - br
    br = _ONE if (a1 < b1) or (a1 == b1 and br == _ONE) else _Z
    r2 = a2 - b2 - br
    br = _ONE if (a2 < b2) or (a2 == b2 and br == _ONE) else _Z
    r3 = a3 - b3 - br
    br = _ONE if (a3 < b3) or (a3 == b3 and br == _ONE) else _Z
    if br == _ONE:  # add p back
        s0 = r0 + _P0
        c = _ONE if s0 < r0 else _Z
        t1 = r1 + _P1
        c1 = _ONE if t1 < r1 else _Z
        s1 = t1 + c
        c1 += _ONE if s1 < t1 else _Z
        t2 = r2 + _P2
        c2 = _ONE if t2 < r2 else _Z
        s2 = t2 + c1
        c2 += _ONE if s2 < t2 else _Z
        s3 = r3 + _P3 + c2
        return s0, s1, s2, s3
    return r0, r1, r2, r3


# ---------------------------------------------------------------- vector kernels
@_kernel
def _vmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mont_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])


@_kernel
def _vmul_scalar(a: np.ndarray, s: np.ndarray, out: np.ndarray) -> None:
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mont_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], s0, s1, s2, s3)


@_kernel
def _vadd(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mod_add(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])


@_kernel
def _vadd_scalar(a: np.ndarray, s: np.ndarray, out: np.ndarray) -> None:
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mod_add(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], s0, s1, s2, s3)


@_kernel
def _vsub(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mod_sub(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])


@_kernel
def _vmul_add(acc: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """acc += a * b (in place)."""
    for i in range(a.shape[0]):
        t0, t1, t2, t3 = mont_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
        acc[i, 0], acc[i, 1], acc[i, 2], acc[i, 3] = mod_add(
            acc[i, 0], acc[i, 1], acc[i, 2], acc[i, 3], t0, t1, t2, t3)


@_kernel
def _vscale_add(acc: np.ndarray, a: np.ndarray, s: np.ndarray) -> None:
    """acc = acc * s + a (in place; Horner step)."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for i in range(a.shape[0]):
        t0, t1, t2, t3 = mont_mul(acc[i, 0], acc[i, 1], acc[i, 2], acc[i, 3], s0, s1, s2, s3)
        acc[i, 0], acc[i, 1], acc[i, 2], acc[i, 3] = mod_add(
            t0, t1, t2, t3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@_kernel
def _vprefix_prod(a: np.ndarray, out: np.ndarray) -> None:
    """out[i] = a[0] * ... * a[i]."""
    t0, t1, t2, t3 = _ONE_M[0], _ONE_M[1], _ONE_M[2], _ONE_M[3]
    for i in range(a.shape[0]):
        t0, t1, t2, t3 = mont_mul(t0, t1, t2, t3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = t0, t1, t2, t3


@_kernel
def _vprefix_sum(a: np.ndarray, out: np.ndarray) -> None:
    t0, t1, t2, t3 = _Z, _Z, _Z, _Z
    for i in range(a.shape[0]):
        t0, t1, t2, t3 = mod_add(t0, t1, t2, t3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = t0, t1, t2, t3


@_kernel
def _vpowers(base: np.ndarray, start: np.ndarray, out: np.ndarray) -> None:
    t0, t1, t2, t3 = start[0], start[1], start[2], start[3]
    b0, b1, b2, b3 = base[0], base[1], base[2], base[3]
    for i in range(out.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = t0, t1, t2, t3
        t0, t1, t2, t3 = mont_mul(t0, t1, t2, t3, b0, b1, b2, b3)


@_kernel
def _vsum(a: np.ndarray) -> np.ndarray:
    t0, t1, t2, t3 = _Z, _Z, _Z, _Z
    for i in range(a.shape[0]):
        t0, t1, t2, t3 = mod_add(t0, t1, t2, t3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    out = np.empty(4, np.uint64)
    out[0], out[1], out[2], out[3] = t0, t1, t2, t3
    return out


@_kernel
def _vdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t0, t1, t2, t3 = _Z, _Z, _Z, _Z
    for i in range(a.shape[0]):
        m0, m1, m2, m3 = mont_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
        t0, t1, t2, t3 = mod_add(t0, t1, t2, t3, m0, m1, m2, m3)
    out = np.empty(4, np.uint64)
    out[0], out[1], out[2], out[3] = t0, t1, t2, t3
    return out


@_kernel
def _vhorner(coeffs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Evaluate sum coeffs[i] x^i (Montgomery in, Montgomery out)."""
    x0, x1, x2, x3 = x[0], x[1], x[2], x[3]
    t0, t1, t2, t3 = _Z, _Z, _Z, _Z
    for i in range(coeffs.shape[0] - 1, -1, -1):
        t0, t1, t2, t3 = mont_mul(t0, t1, t2, t3, x0, x1, x2, x3)
        t0, t1, t2, t3 = mod_add(t0, t1, t2, t3, coeffs[i, 0], coeffs[i, 1], coeffs[i, 2], coeffs[i, 3])
    out = np.empty(4, np.uint64)
    out[0], out[1], out[2], out[3] = t0, t1, t2, t3
    return out


@_kernel
def _vdiv_linear(coeffs: np.ndarray, z: np.ndarray, out: np.ndarray) -> None:
    """Synthetic division of a polynomial by (X - z); out has len n-1 (remainder dropped)."""
    z0, z1, z2, z3 = z[0], z[1], z[2], z[3]
    n = coeffs.shape[0]
    t0, t1, t2, t3 = _Z, _Z, _Z, _Z
    for i in range(n - 1, 0, -1):
        t0, t1, t2, t3 = mont_mul(t0, t1, t2, t3, z0, z1, z2, z3)
        t0, t1, t2, t3 = mod_add(t0, t1, t2, t3, coeffs[i, 0], coeffs[i, 1], coeffs[i, 2], coeffs[i, 3])
        out[i - 1, 0], out[i - 1, 1], out[i - 1, 2], out[i - 1, 3] = t0, t1, t2, t3


@_kernel
def _batch_inv_core(a: np.ndarray, prefix: np.ndarray, out: np.ndarray, inv_total: np.ndarray) -> None:
    """Montgomery's trick: given prefix products and inverse of their total."""
    t0, t1, t2, t3 = inv_total[0], inv_total[1], inv_total[2], inv_total[3]
    for i in range(a.shape[0] - 1, 0, -1):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mont_mul(
            t0, t1, t2, t3, prefix[i - 1, 0], prefix[i - 1, 1], prefix[i - 1, 2], prefix[i - 1, 3])
        t0, t1, t2, t3 = mont_mul(t0, t1, t2, t3, a[i, 0], a[i, 1], a[i, 2], a[i, 3])
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = t0, t1, t2, t3


@_kernel
def _from_canonical(a: np.ndarray, out: np.ndarray) -> None:
    """Canonical limbs (< p) -> Montgomery."""
    r0, r1, r2, r3 = _R2[0], _R2[1], _R2[2], _R2[3]
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mont_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], r0, r1, r2, r3)


@_kernel
def _to_canonical(a: np.ndarray, out: np.ndarray) -> None:
    for i in range(a.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mont_mul(
            a[i, 0], a[i, 1], a[i, 2], a[i, 3], _ONE, _Z, _Z, _Z)


@_kernel
def _from_int64(v: np.ndarray, out: np.ndarray) -> None:
    r0, r1, r2, r3 = _R2[0], _R2[1], _R2[2], _R2[3]
    for i in range(v.shape[0]):
        x = v[i]
        if x >= 0:
            a0, a1, a2, a3 = np.uint64(x), _Z, _Z, _Z
        else:
            # p - |x|; |x| computed in uint64 so that INT64_MIN works
            m = _Z - np.uint64(x)
            a0, a1, a2, a3 = mod_sub(_Z, _Z, _Z, _Z, m, _Z, _Z, _Z)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = mont_mul(a0, a1, a2, a3, r0, r1, r2, r3)


@_kernel
def _is_zero_rows(a: np.ndarray, out: np.ndarray) -> None:
    for i in range(a.shape[0]):
        out[i] = (a[i, 0] | a[i, 1] | a[i, 2] | a[i, 3]) == _Z


# ---------------------------------------------------------------- public API
def zeros(n: int) -> np.ndarray:
    return np.zeros((n, 4), np.uint64)


def ones(n: int) -> np.ndarray:
    out = np.empty((n, 4), np.uint64)
    out[:] = np.array(_limbs(R_MONT), np.uint64)
    return out


def _c(a: np.ndarray) -> np.ndarray:
    if a.dtype != np.uint64 or a.ndim != 2 or a.shape[1] != 4:
        raise TypeError(f"expected a (n, 4) uint64 field vector, got {a.dtype} {a.shape}")
    return np.ascontiguousarray(a)


def mul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    a, b = _c(a), _c(b)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {a.shape} vs {b.shape}")
    out = np.empty_like(a) if out is None else out
    _vmul(a, b, out)
    return out


def add(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    a, b = _c(a), _c(b)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {a.shape} vs {b.shape}")
    out = np.empty_like(a) if out is None else out
    _vadd(a, b, out)
    return out


def sub(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    a, b = _c(a), _c(b)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {a.shape} vs {b.shape}")
    out = np.empty_like(a) if out is None else out
    _vsub(a, b, out)
    return out


def neg(a: np.ndarray) -> np.ndarray:
    return sub(zeros(a.shape[0]), a)


def scalar(x: int) -> np.ndarray:
    """A Python int as a Montgomery limb vector of shape (4,)."""
    return np.array(_limbs((x % P) * R_MONT % P), np.uint64)


def mul_scalar(a: np.ndarray, s: int, out: np.ndarray | None = None) -> np.ndarray:
    a = _c(a)
    out = np.empty_like(a) if out is None else out
    _vmul_scalar(a, scalar(s), out)
    return out


def add_scalar(a: np.ndarray, s: int, out: np.ndarray | None = None) -> np.ndarray:
    a = _c(a)
    out = np.empty_like(a) if out is None else out
    _vadd_scalar(a, scalar(s), out)
    return out


def mul_add_inplace(acc: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """acc += a * b."""
    _vmul_add(acc, _c(a), _c(b))


def scale_add_inplace(acc: np.ndarray, a: np.ndarray, s: int) -> None:
    """acc = acc * s + a (one Horner step over vectors)."""
    _vscale_add(acc, _c(a), scalar(s))


def square(a: np.ndarray) -> np.ndarray:
    return mul(a, a)


def prefix_product(a: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    _vprefix_prod(_c(a), out)
    return out


def prefix_sum(a: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    _vprefix_sum(_c(a), out)
    return out


def powers(base: int, n: int, start: int = 1) -> np.ndarray:
    """[start, start*base, start*base^2, ...] of length n."""
    out = np.empty((n, 4), np.uint64)
    _vpowers(scalar(base), scalar(start), out)
    return out


def batch_inv(a: np.ndarray) -> np.ndarray:
    """Element-wise inverse (Montgomery's trick). Raises ZeroDivisionError on a zero."""
    a = _c(a)
    n = a.shape[0]
    if n == 0:
        return a.copy()
    z = np.empty(n, np.bool_)
    _is_zero_rows(a, z)
    if z.any():
        raise ZeroDivisionError(f"batch_inv: element {int(np.argmax(z))} is zero")
    prefix = prefix_product(a)
    total = elem_to_int(prefix[-1])
    inv_total = scalar(pow(total, P - 2, P))
    out = np.empty_like(a)
    _batch_inv_core(a, prefix, out, inv_total)
    return out


def vsum(a: np.ndarray) -> int:
    return mont_limbs_to_int(_vsum(_c(a)))


def dot(a: np.ndarray, b: np.ndarray) -> int:
    return mont_limbs_to_int(_vdot(_c(a), _c(b)))


def horner(coeffs: np.ndarray, x: int) -> int:
    """Evaluate the polynomial with these coefficients at x (Python int)."""
    return mont_limbs_to_int(_vhorner(_c(coeffs), scalar(x)))


def div_linear(coeffs: np.ndarray, z: int) -> np.ndarray:
    """Quotient of coeffs(X) / (X - z), length n - 1; the remainder is dropped."""
    coeffs = _c(coeffs)
    out = np.empty((max(coeffs.shape[0] - 1, 0), 4), np.uint64)
    if coeffs.shape[0] > 1:
        _vdiv_linear(coeffs, scalar(z), out)
    return out


def is_zero(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape[0], np.bool_)
    _is_zero_rows(_c(a), out)
    return out


# ---------------------------------------------------------------- conversions
SMALL = 4096
"""Below this many values, conversions use Python ints: a verifier's few public
values then cost microseconds instead of numba's first-dispatch start-up (~0.3 s)."""


def _montgomery_limbs(values: Iterable[int]) -> np.ndarray:
    buf = b"".join((int(x) * R_MONT % P).to_bytes(32, "little") for x in values)
    return np.frombuffer(buf, dtype="<u8").reshape(-1, 4).astype(np.uint64)


def from_int64(v: np.ndarray) -> np.ndarray:
    """Signed int64 witness values -> field vector (negative v -> p - |v|)."""
    v = np.ascontiguousarray(np.asarray(v), dtype=np.int64).reshape(-1)
    if v.shape[0] < SMALL:
        return _montgomery_limbs(v.tolist()) if v.shape[0] else np.empty((0, 4), np.uint64)
    out = np.empty((v.shape[0], 4), np.uint64)
    _from_int64(v, out)
    return out


def to_canonical(a: np.ndarray) -> np.ndarray:
    """Montgomery -> canonical limbs (< p)."""
    a = _c(a)
    if a.shape[0] < SMALL:
        buf = b"".join(mont_limbs_to_int(row).to_bytes(32, "little") for row in a)
        return np.frombuffer(buf, dtype="<u8").reshape(-1, 4).astype(np.uint64) if a.shape[0] else np.empty_like(a)
    out = np.empty_like(a)
    _to_canonical(a, out)
    return out


def from_canonical(a: np.ndarray) -> np.ndarray:
    out = np.empty_like(_c(a))
    _from_canonical(_c(a), out)
    return out


_HALF = P // 2
_HALF_LIMBS = np.array(_limbs(_HALF), np.uint64)
_P_LIMBS = np.array(_limbs(P), np.uint64)


def is_canonical(raw: np.ndarray) -> np.ndarray:
    """Rows of (m, 4) little-endian uint64 limbs that encode a value below p."""
    less = np.zeros(raw.shape[0], bool)
    equal = np.ones(raw.shape[0], bool)
    for limb in (3, 2, 1, 0):
        less |= equal & (raw[:, limb] < _P_LIMBS[limb])
        equal &= raw[:, limb] == _P_LIMBS[limb]
    return less


def to_int64(a: np.ndarray) -> np.ndarray:
    """Field vector -> signed int64 (x > p/2 maps to x - p). Raises OverflowError
    if a value does not fit in int64."""
    c = to_canonical(a)
    small = (c[:, 1] == 0) & (c[:, 2] == 0) & (c[:, 3] == 0) & (c[:, 0] < np.uint64(1 << 63))
    # negative: p - c fits in 63 bits, i.e. c >= p - 2^63
    negv = sub(zeros(c.shape[0]), a)
    nc = to_canonical(negv)
    nsmall = (nc[:, 1] == 0) & (nc[:, 2] == 0) & (nc[:, 3] == 0) & (nc[:, 0] <= np.uint64(1 << 63))
    if not np.all(small | nsmall):
        i = int(np.argmax(~(small | nsmall)))
        raise OverflowError(f"field element at index {i} does not fit in int64")
    out = np.where(small, c[:, 0].astype(np.int64), np.int64(0))
    neg_vals = (np.uint64(0) - nc[:, 0]).view(np.int64)  # two's complement of |v|
    out = np.where(small, out, neg_vals)
    return out


def from_ints(xs: Iterable[int | np.integer]) -> np.ndarray:
    """Python ints (any sign/size, reduced mod p) -> field vector."""
    ints = [int(x) % P for x in xs]
    buf = b"".join(x.to_bytes(32, "little") for x in ints)
    c = np.frombuffer(buf, dtype="<u8").reshape(-1, 4).astype(np.uint64)
    return from_canonical(c) if len(ints) else zeros(0)


def to_ints(a: np.ndarray) -> list[int]:
    c = np.ascontiguousarray(to_canonical(a)).astype("<u8")
    b = c.tobytes()
    return [int.from_bytes(b[32 * i: 32 * i + 32], "little") for i in range(c.shape[0])]


def mont_limbs_to_int(x: np.ndarray) -> int:
    v = int(x[0]) | (int(x[1]) << 64) | (int(x[2]) << 128) | (int(x[3]) << 192)
    return v * R_INV % P


def elem_to_int(x: np.ndarray) -> int:
    return mont_limbs_to_int(x)


def to_le_bytes(a: np.ndarray) -> np.ndarray:
    """Canonical little-endian 32-byte encodings, shape (n, 32) uint8."""
    return np.ascontiguousarray(to_canonical(a).astype("<u8")).view(np.uint8).reshape(-1, 32)


def inv(x: int) -> int:
    if x % P == 0:
        raise ZeroDivisionError("inverse of zero")
    return pow(x, P - 2, P)


def root_of_unity(k: int) -> int:
    """A primitive 2^k-th root of unity."""
    if k > TWO_ADICITY:
        raise ValueError(f"Fr has no 2^{k}-th root of unity (2-adicity {TWO_ADICITY})")
    return pow(ROOT_OF_UNITY, 1 << (TWO_ADICITY - k), P)
