"""Versioned binary encodings of verifying keys and proving keys.

Why: keys are written once and read by other processes; a reader must reject
garbage or truncated files with one clear ProofFormatError, never crash.
Layout: 7-byte magic, 1-byte version, then little-endian fields.  Proofs are
already bytes (see prover.py: magic b"ZKIRPRF", version, transcript stream).
"""

from __future__ import annotations

import struct

import numpy as np
from py_arkworks_bls12381 import G1Point, G2Point

from . import field as F
from . import permutation as perm
from .constraint_system import ConstraintSystem
from .errors import ProofFormatError, ProverError
from .expression import Column, decode, encode

P = F.P
VK_MAGIC = b"ZKIRVK\x00"
PK_MAGIC = b"ZKIRPK\x00"
VK_VERSION = 3  # 2: pinned advice commitments; 3: hiding pins, SRS mark, statement
PK_VERSION = 2  # 2: the pinned columns' secret blinding
_KIND = {"advice": 0, "fixed": 1, "instance": 2}
_KIND_INV = {v: k for k, v in _KIND.items()}


class _Reader:
    def __init__(self, data: bytes, what: str):
        self.d = memoryview(data)
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.d):
            raise ProofFormatError(f"{self.what} truncated at byte {self.pos}")
        b = bytes(self.d[self.pos:self.pos + n])
        self.pos += n
        return b

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def i32(self) -> int:
        return struct.unpack("<i", self.take(4))[0]

    def count(self, item_min_bytes: int = 1) -> int:
        c = self.u32()
        if c * item_min_bytes > len(self.d) - self.pos:
            raise ProofFormatError(f"{self.what}: count {c} exceeds the remaining data")
        return c

    def fe(self) -> int:
        x = int.from_bytes(self.take(32), "little")
        if x >= P:
            raise ProofFormatError(f"{self.what}: non-canonical field element at byte {self.pos - 32}")
        return x

    def string(self) -> str:
        n = self.count()
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise ProofFormatError(f"{self.what}: invalid UTF-8 name") from None

    def g1(self) -> G1Point:
        b = self.take(48)
        try:
            return G1Point.from_compressed_bytes(b)
        except Exception:
            raise ProofFormatError(f"{self.what}: invalid G1 point at byte {self.pos - 48}") from None

    def g2(self) -> G2Point:
        b = self.take(96)
        try:
            return G2Point.from_compressed_bytes(b)
        except Exception:
            raise ProofFormatError(f"{self.what}: invalid G2 point at byte {self.pos - 96}") from None

    def done(self) -> None:
        if self.pos != len(self.d):
            raise ProofFormatError(f"{self.what}: {len(self.d) - self.pos} trailing bytes")


def _u32(x: int) -> bytes:
    return struct.pack("<I", x)


def _str(s: str) -> bytes:
    b = s.encode("utf-8")
    return _u32(len(b)) + b


def cs_to_bytes(cs: ConstraintSystem) -> bytes:
    out = bytearray()
    out += _u32(cs.num_advice) + _u32(cs.num_fixed) + _u32(cs.num_instance)
    cols = [Column(k, i) for k, num in (("advice", cs.num_advice), ("fixed", cs.num_fixed),
                                        ("instance", cs.num_instance)) for i in range(num)]
    for c in cols:
        out += _str(cs.name_of(c))
    out += _u32(len(cs.gates))
    for g in cs.gates:
        out += _str(g.name) + _u32(len(g.polys))
        for p in g.polys:
            encode(p, out)
    out += _u32(len(cs.lookups))
    for lk in cs.lookups:
        out += _str(lk.name) + _u32(len(lk.inputs))
        for e in lk.inputs + lk.table:
            encode(e, out)
    out += _u32(len(cs.equality))
    for c in cs.equality:
        out += bytes([_KIND[c.kind]]) + _u32(c.index)
    return bytes(out)


def cs_from_reader(r: _Reader) -> ConstraintSystem:
    cs = ConstraintSystem()
    na, nf, ni = r.count(4), r.count(4), r.count(4)
    if na + nf + ni > 1 << 16:
        raise ProofFormatError(f"{r.what}: implausible number of columns")
    for _ in range(na):
        cs.advice_column(r.string())
    for _ in range(nf):
        cs.fixed_column(r.string())
    for _ in range(ni):
        cs.instance_column(r.string())
    for _ in range(r.count(5)):
        name = r.string()
        polys = [decode(r) for _ in range(r.count())]
        cs.create_gate(name, polys)
    for _ in range(r.count(5)):
        name = r.string()
        m = r.count(2)
        ins = [decode(r) for _ in range(m)]
        tab = [decode(r) for _ in range(m)]
        cs.add_lookup(name, ins, tab)
    for _ in range(r.count(5)):
        kind = r.u8()
        if kind not in _KIND_INV:
            raise ProofFormatError(f"{r.what}: bad column kind {kind}")
        cs.enable_equality(Column(_KIND_INV[kind], r.u32()))
    return cs


def vk_body_bytes(vk) -> bytes:
    out = bytearray(_u32(vk.k))
    out += cs_to_bytes(vk.cs)
    for c in vk.fixed_commitments + vk.sigma_commitments:
        out += c.to_compressed_bytes()
    out += vk.g1.to_compressed_bytes() + vk.g2.to_compressed_bytes() + vk.g2_tau.to_compressed_bytes()
    out += _u32(len(vk.pinned))
    for index, point in vk.pinned:
        out += _u32(index) + point.to_compressed_bytes()
    out += _u32(len(vk.blind_points))
    for point in vk.blind_points:
        out += point.to_compressed_bytes()
    out += bytes([1 if vk.insecure_srs else 0])
    out += _u32(len(vk.statement)) + vk.statement
    return bytes(out)


def vk_to_bytes(vk) -> bytes:
    return VK_MAGIC + bytes([VK_VERSION]) + vk_body_bytes(vk)


def _header(data, magic: bytes, version: int, what: str) -> _Reader:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ProofFormatError(f"{what} must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < len(magic) + 1:
        raise ProofFormatError(f"{what} truncated (no header)")
    if data[: len(magic)] != magic:
        raise ProofFormatError(f"not a zkir {what} (bad magic)")
    if data[len(magic)] != version:
        raise ProofFormatError(f"unsupported {what} version {data[len(magic)]} (expected {version})")
    r = _Reader(data, what)
    r.pos = len(magic) + 1
    return r


def _read_vk(r: _Reader):
    from .keygen import VerifyingKey

    start = r.pos
    k = r.u32()
    if not 2 <= k <= 28:
        raise ProofFormatError(f"{r.what}: circuit size 2^{k} out of range")
    try:
        cs = cs_from_reader(r)
    except ProofFormatError:
        raise
    except (ProverError, ValueError, TypeError, RecursionError) as e:
        raise ProofFormatError(f"{r.what}: invalid constraint system ({e})") from None
    if cs.degree() > 64:
        raise ProofFormatError(f"{r.what}: implausible constraint degree {cs.degree()}")
    fixed = [r.g1() for _ in range(cs.num_fixed)]
    sigma = [r.g1() for _ in range(len(cs.equality))]
    g1, g2, g2_tau = r.g1(), r.g2(), r.g2()
    pinned = []
    for _ in range(r.count(4 + 48)):
        index = r.u32()
        if index >= cs.num_advice or any(index == i for i, _ in pinned):
            raise ProofFormatError(f"{r.what}: bad pinned advice column {index}")
        pinned.append((index, r.g1()))
    blind_points = [r.g1() for _ in range(r.count(48))]
    if pinned and len(blind_points) != (1 << k) - cs.usable_rows(k):
        raise ProofFormatError(f"{r.what}: {len(blind_points)} blinding-row points, expected "
                               f"{(1 << k) - cs.usable_rows(k)}")
    flag = r.u8()
    if flag not in (0, 1):
        raise ProofFormatError(f"{r.what}: bad SRS mark {flag}")
    statement = r.take(r.count())
    body = bytes(r.d[start:r.pos])
    import hashlib

    try:
        return VerifyingKey(k, cs, fixed, sigma, g1, g2, g2_tau,
                            digest=hashlib.blake2b(body, digest_size=32).digest(), pinned=pinned,
                            blind_points=blind_points, insecure_srs=bool(flag), statement=statement)
    except (ProverError, ValueError) as e:
        raise ProofFormatError(f"{r.what}: inconsistent key ({e})") from None


def vk_from_bytes(data: bytes):
    """Parse a verifying key; raises ProofFormatError on any malformed input."""
    r = _header(data, VK_MAGIC, VK_VERSION, "verifying key")
    vk = _read_vk(r)
    r.done()
    return vk


def pk_to_bytes(pk) -> bytes:
    vkb = vk_to_bytes(pk.vk)
    out = bytearray(PK_MAGIC + bytes([PK_VERSION]))
    out += _u32(len(vkb)) + vkb
    for v in pk.fixed_values:
        out += F.to_le_bytes(v).tobytes()
    out += pk.permutation.astype("<i8").tobytes()
    for index, _ in pk.vk.pinned:
        out += F.to_le_bytes(pk.pinned_blinding[index]).tobytes()
    return bytes(out)


def pk_from_bytes(data: bytes, srs):
    """Parse a proving key (the SRS is supplied separately, it is not stored)."""
    from .keygen import ProvingKey

    r = _header(data, PK_MAGIC, PK_VERSION, "proving key")
    vk = vk_from_bytes(r.take(r.count()))
    n = 1 << vk.k
    if vk.k > srs.k:
        raise ProofFormatError(f"proving key needs a 2^{vk.k} SRS, got 2^{srs.k}")
    fixed = [_field_vector(r, n) for _ in range(vk.cs.num_fixed)]
    ne = len(vk.cs.equality)
    permutation = np.frombuffer(r.take(8 * ne * n), "<i8").astype(np.int64)
    blinding = {index: _field_vector(r, len(vk.blind_points)) for index, _ in vk.pinned}
    r.done()
    if permutation.size and (permutation.min() < 0 or permutation.max() >= ne * n
                             or np.unique(permutation).size != permutation.size):
        raise ProofFormatError("proving key: permutation is not a bijection")
    sigma = perm.sigma_columns(ne, n, F.root_of_unity(vk.k), permutation)
    return ProvingKey(vk, srs, fixed, sigma, permutation, pinned_blinding=blinding)


def _field_vector(r: _Reader, n: int) -> np.ndarray:
    raw = np.frombuffer(r.take(32 * n), "<u8").reshape(n, 4).astype(np.uint64)
    if n and not F.is_canonical(raw).all():
        raise ProofFormatError(f"{r.what}: non-canonical field element")
    return F.from_canonical(raw)
