"""The byte-level reader and writers of zkir's binary files, and the constraint
system's encoding.

Why: keys are written once and read by other processes; a reader must reject
garbage or truncated files with one clear ProofFormatError, never crash.
Layout: 7-byte magic, 1-byte version, then little-endian fields.  The key
formats themselves (vk_to_bytes, pk_from_bytes, ...) live in keygen.py beside
the key classes: a verifying key's digest is a hash of its encoding, so the
keys need the format, and the format needs nothing of the keys but this module.
Proofs are already bytes (see prover.py: magic b"ZKIRPRF", version, transcript stream).
"""

from __future__ import annotations

import hashlib
import struct

from py_arkworks_bls12381 import G1Point, G2Point

from . import field as F
from .constraint_system import ConstraintSystem
from .errors import ProofFormatError
from .expression import Column, decode, encode

P = F.P
_KIND = {"advice": 0, "fixed": 1, "instance": 2}
_KIND_INV = {v: k for k, v in _KIND.items()}


class Reader:
    """Reads `data` field by field; any malformed field is one ProofFormatError."""

    def __init__(self, data: bytes | memoryview, what: str):
        self.d = memoryview(data)
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.d):
            raise ProofFormatError(f"{self.what} truncated at byte {self.pos}")
        b = bytes(self.d[self.pos:self.pos + n])
        self.pos += n
        return b

    def view(self, n: int) -> memoryview:
        """The next n bytes without copying them (for big arrays: np.frombuffer)."""
        if n < 0 or self.pos + n > len(self.d):
            raise ProofFormatError(f"{self.what} truncated at byte {self.pos}")
        v = self.d[self.pos:self.pos + n]
        self.pos += n
        return v

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


def u32_bytes(x: int) -> bytes:
    """x as a little-endian u32."""
    return struct.pack("<I", x)


def str_bytes(s: str) -> bytes:
    """s as UTF-8 behind its u32 length."""
    b = s.encode("utf-8")
    return u32_bytes(len(b)) + b


def cs_to_bytes(cs: ConstraintSystem) -> bytes:
    out = bytearray()
    out += u32_bytes(cs.num_advice) + u32_bytes(cs.num_fixed) + u32_bytes(cs.num_instance)
    cols = [Column(k, i) for k, num in (("advice", cs.num_advice), ("fixed", cs.num_fixed),
                                        ("instance", cs.num_instance)) for i in range(num)]
    for c in cols:
        out += str_bytes(cs.name_of(c))
    out += bytes(cs.advice_phase)
    out += u32_bytes(cs.num_challenges)
    for name in cs.challenge_names:
        out += str_bytes(name)
    out += u32_bytes(len(cs.gates))
    for g in cs.gates:
        out += str_bytes(g.name) + u32_bytes(len(g.polys))
        for p in g.polys:
            encode(p, out)
    out += u32_bytes(len(cs.lookups))
    for lk in cs.lookups:
        out += str_bytes(lk.name) + u32_bytes(len(lk.inputs))
        for e in lk.inputs + lk.table:
            encode(e, out)
    out += u32_bytes(len(cs.equality))
    for c in cs.equality:
        out += bytes([_KIND[c.kind]]) + u32_bytes(c.index)
    return bytes(out)


def cs_from_reader(r: Reader) -> ConstraintSystem:
    cs = ConstraintSystem()
    na, nf, ni = r.count(4), r.count(4), r.count(4)
    if na + nf + ni > 1 << 16:
        raise ProofFormatError(f"{r.what}: implausible number of columns")
    names = [r.string() for _ in range(na)]
    for _ in range(nf):
        cs.fixed_column(r.string())
    for _ in range(ni):
        cs.instance_column(r.string())
    phases = r.take(na)
    if any(p > 1 for p in phases):
        raise ProofFormatError(f"{r.what}: bad advice column phase {max(phases)}")
    for name, phase in zip(names, phases):
        cs.advice_column(name, phase)
    for _ in range(r.count(4)):
        cs.challenge(r.string())
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


def open_reader(data: bytes | bytearray | memoryview, magic: bytes, version: int, what: str,
                checksum: bool = False) -> Reader:
    """A Reader past the magic and version of `data`, which must match.

    checksum: the file ends in the CHECKSUM_BYTES of file_checksum(everything
    before it), which must match; the Reader then stops before it. (Why: a key
    file damaged on disk or in transit is then named as such, not read as
    another key.)"""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ProofFormatError(f"{what} must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < len(magic) + 1:
        raise ProofFormatError(f"{what} truncated (no header)")
    if data[: len(magic)] != magic:
        raise ProofFormatError(f"not a zkir {what} (bad magic)")
    if data[len(magic)] != version:
        raise ProofFormatError(f"unsupported {what} version {data[len(magic)]} (expected {version})")
    body: bytes | memoryview = data
    if checksum:
        if len(data) < len(magic) + 1 + CHECKSUM_BYTES:
            raise ProofFormatError(f"{what} truncated (no checksum)")
        body = memoryview(data)[:-CHECKSUM_BYTES]
        if file_checksum(body) != data[-CHECKSUM_BYTES:]:
            raise ProofFormatError(f"{what} is corrupt or truncated (its checksum does not match its contents)")
    r = Reader(body, what)
    r.pos = len(magic) + 1
    return r


CHECKSUM_BYTES = 32


def file_checksum(data: bytes | bytearray | memoryview) -> bytes:
    """The checksum a key file ends in: blake2b of everything before it."""
    return hashlib.blake2b(data, digest_size=CHECKSUM_BYTES, person=b"zkir-file").digest()
