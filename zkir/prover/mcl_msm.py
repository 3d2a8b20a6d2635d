"""Multi-scalar multiplication in G1 on herumi's mcl, for full-size scalars.

Why: a commitment to a column of random-looking field elements (grand products,
logUp running sums, quotient pieces, opening witnesses) is an MSM of 2^k
full-size scalars, and those MSMs were most of the prove time. mcl does one
2^13 MSM in 0.41-0.48x arkworks' time on this machine kind (benchmarks/msm.py
measures both at 2^10, 2^13 and 2^16).
arkworks stays for small scalars (witness values), where it skips the empty
windows and mcl does not.

How: the pymcl wheel links mcl statically and exports mcl's C API (bn.h);
pymcl's Python classes wrap one element at a time, so we call
`mclBnG1_mulVec(out, points, scalars, n)` through ctypes on numpy buffers (ctypes
releases the GIL, so MSMs on several threads overlap). Two layout facts make
that cheap, and `available()` checks both, plus one MSM against arkworks,
before mcl is used at all (any failure: arkworks does every MSM, as before):

- an mclBnFr is four little-endian 64-bit limbs in Montgomery form with
  R = 2^256, exactly a row of a zkir.prover.field vector: scalars pass as is;
- an mclBnG1 is Jacobian (x, y, z), six limbs each, Montgomery form mod q with
  R = 2^384; an affine point has z = R mod q, the identity z = 0.

Soundness does not depend on this module: a wrong MSM only yields a commitment
that fails verification (the verifier's pairings run on arkworks). Set
ZKIR_MSM=arkworks to use arkworks alone.
"""

from __future__ import annotations

import ctypes
import os
import threading

import numpy as np
import numba as nb
from py_arkworks_bls12381 import G1Point, Scalar

from . import field as F
from .field import _mac

Q: int = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
"""The base field modulus of BLS12-381."""
_LIMBS = 6
POINT_WORDS = 3 * _LIMBS
"""uint64 words of one mclBnG1 (Jacobian x, y, z)."""
_Q = np.array([(Q >> (64 * i)) & ((1 << 64) - 1) for i in range(_LIMBS)], np.uint64)
_R2 = np.array([(((1 << 384) ** 2 % Q) >> (64 * i)) & ((1 << 64) - 1) for i in range(_LIMBS)], np.uint64)
_ONE = np.array([(((1 << 384) % Q) >> (64 * i)) & ((1 << 64) - 1) for i in range(_LIMBS)], np.uint64)
_QINV = np.uint64((-pow(Q, -1, 1 << 64)) % (1 << 64))
_MCL_BLS12_381 = 5
_MCLBN_COMPILED_TIME_VAR = 46  # bn.h: MCLBN_FR_UNIT_SIZE * 10 + MCLBN_FP_UNIT_SIZE (4 * 10 + 6)

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_state: dict[str, str | bool] = {}


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _to_montgomery(xy: np.ndarray, q: np.ndarray, r2: np.ndarray, one: np.ndarray, qinv: np.uint64,
                   out: np.ndarray) -> None:
    """Canonical little-endian affine (x, y) rows (n, 12) -> mcl Jacobian rows
    (n, 18): x R and y R mod q (CIOS Montgomery products with R^2), z = R; (0, 0),
    arkworks' encoding of the identity, -> z = 0. Runs once per point table."""
    t = np.zeros(_LIMBS + 2, np.uint64)
    zero64, one64 = np.uint64(0), np.uint64(1)
    for i in range(xy.shape[0]):
        identity = True
        for c in range(2):
            a = xy[i, c * _LIMBS:(c + 1) * _LIMBS]
            t[:] = 0
            for k in range(_LIMBS):
                carry = zero64
                for j in range(_LIMBS):
                    t[j], carry = _mac(t[j], a[j], r2[k], carry)
                t[_LIMBS], t[_LIMBS + 1] = _mac(t[_LIMBS], carry, one64, zero64)
                m = t[0] * qinv
                _, carry = _mac(t[0], m, q[0], zero64)
                for j in range(1, _LIMBS):
                    t[j - 1], carry = _mac(t[j], m, q[j], carry)
                t[_LIMBS - 1], carry = _mac(t[_LIMBS], carry, one64, zero64)
                t[_LIMBS] = t[_LIMBS + 1] + carry
            # t < 2q: subtract q once when t >= q
            ge = t[_LIMBS] != 0
            if not ge:
                ge = True
                for j in range(_LIMBS - 1, -1, -1):
                    if t[j] != q[j]:
                        ge = t[j] > q[j]
                        break
            if ge:
                borrow = zero64
                for j in range(_LIMBS):
                    d = t[j] - q[j] - borrow
                    borrow = one64 if (t[j] < q[j]) or (t[j] == q[j] and borrow == one64) else zero64
                    t[j] = d
            for j in range(_LIMBS):
                out[i, c * _LIMBS + j] = t[j]
                if a[j] != 0:
                    identity = False
        for j in range(_LIMBS):
            out[i, 2 * _LIMBS + j] = zero64 if identity else one[j]


def points_from_xy(xy: bytes | memoryview) -> np.ndarray:
    """zkir's 96-byte little-endian affine encoding of n points -> (n, 18) uint64
    rows in mcl's layout."""
    raw = np.frombuffer(xy, dtype="<u8").reshape(-1, 2 * _LIMBS).astype(np.uint64)
    out = np.empty((raw.shape[0], POINT_WORDS), np.uint64)
    _to_montgomery(raw, _Q, _R2, _ONE, _QINV, out)
    return out


def _load() -> ctypes.CDLL:
    import pymcl  # the wheel that carries mcl; imported for its extension's path

    lib = ctypes.CDLL(pymcl._pymcl.__file__)
    vp, size = ctypes.c_void_p, ctypes.c_size_t
    lib.mclBn_init.argtypes, lib.mclBn_init.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    lib.mclBnG1_mulVec.argtypes, lib.mclBnG1_mulVec.restype = [vp, vp, vp, size], None
    lib.mclBnG1_serialize.argtypes, lib.mclBnG1_serialize.restype = [vp, size, vp], size
    lib.mclBnFr_setLittleEndian.argtypes, lib.mclBnFr_setLittleEndian.restype = [vp, vp, size], ctypes.c_int
    lib.mclBn_setETHserialization.argtypes, lib.mclBn_setETHserialization.restype = [ctypes.c_int], None
    lib.mclBn_getG1ByteSize.restype = ctypes.c_int
    if lib.mclBn_init(_MCL_BLS12_381, _MCLBN_COMPILED_TIME_VAR) != 0:
        raise RuntimeError("mclBn_init refused BLS12-381")
    lib.mclBn_setETHserialization(1)  # compressed points as ZCash/Ethereum, as arkworks writes them
    if lib.mclBn_getG1ByteSize() != 48:
        raise RuntimeError("mcl is not set up for BLS12-381")
    return lib


def _self_test(lib: ctypes.CDLL) -> None:
    """The layout facts of the module docstring, and one MSM equal to arkworks'."""
    one = np.zeros(4, np.uint64)
    buf = (1).to_bytes(32, "little")
    if lib.mclBnFr_setLittleEndian(one.ctypes.data, buf, 32) != 0 or not np.array_equal(one, F.from_int64(np.array([1]))[0]):
        raise RuntimeError("mcl's Fr is not zkir's Montgomery form")
    g = G1Point()
    points = [g * Scalar(s) for s in (3, 5, 7, 11)]
    vec = F.from_ints([F.P - 2, 12345678901234567890, 0, F.P // 3])
    got = _run(lib, points_from_xy(b"".join(p.to_xy_bytes_le() for p in points)), vec)
    want = G1Point.multiexp_unchecked(points, [Scalar.from_le_bytes(b) for b in _le(vec)])
    if got != want:
        raise RuntimeError("mcl's MSM disagrees with arkworks'")


def _le(vec: np.ndarray) -> list[bytes]:
    raw = F.to_le_bytes(vec).tobytes()
    return [raw[i:i + 32] for i in range(0, len(raw), 32)]


def available() -> bool:
    """mcl loads, is laid out as this module assumes and agrees with arkworks
    (checked once per process); False with ZKIR_MSM=arkworks."""
    global _lib
    if os.environ.get("ZKIR_MSM", "").lower() == "arkworks":
        return False
    with _lock:
        if "ok" not in _state:
            try:
                lib = _load()
                _self_test(lib)
                _lib = lib
                _state["ok"] = True
            except Exception as e:  # no wheel, another layout: arkworks does the MSMs
                _state["ok"] = False
                _state["why"] = f"{type(e).__name__}: {e}"
    return bool(_state["ok"])


def unavailable_reason() -> str:
    """Why available() said False ('' if it did not)."""
    return str(_state.get("why", ""))


def _run(lib: ctypes.CDLL, points: np.ndarray, vec: np.ndarray) -> G1Point:
    points = np.ascontiguousarray(points, dtype=np.uint64)
    vec = np.ascontiguousarray(vec, dtype=np.uint64)
    if points.shape[0] != vec.shape[0] or points.shape[1:] != (POINT_WORDS,) or vec.shape[1:] != (4,):
        raise ValueError(f"MSM of {vec.shape} scalars over {points.shape} points")
    if vec.shape[0] == 0:
        return G1Point.identity()
    out = np.zeros(POINT_WORDS, np.uint64)
    lib.mclBnG1_mulVec(out.ctypes.data, points.ctypes.data, vec.ctypes.data, vec.shape[0])
    ser = ctypes.create_string_buffer(48)
    if lib.mclBnG1_serialize(ser, 48, out.ctypes.data) != 48:
        raise RuntimeError("mcl could not serialize an MSM result")
    return G1Point.from_compressed_bytes_unchecked(ser.raw)


def msm(points: np.ndarray, vec: np.ndarray) -> G1Point:
    """sum vec[i] * points[i]: `points` rows from points_from_xy, `vec` a field
    vector (Montgomery form). Call only after available() said True."""
    assert _lib is not None, "mcl_msm.msm before available()"
    return _run(_lib, points, vec)
