"""Fiat-Shamir transcript over Blake2b, fused with the proof byte stream.

Why: prover and verifier must derive identical challenges from everything the
prover has sent.  The writer appends each point/scalar both to the proof and to
the hash; the reader parses the same items from the proof bytes (raising
ProofFormatError on truncation or bad encodings) and absorbs them identically.
Challenges are 64-byte Blake2b digests reduced mod p (negligible bias).
"""

from __future__ import annotations

import hashlib

from py_arkworks_bls12381 import G1Point

from . import field as F
from .errors import ProofFormatError

P = F.P
_PERSON = b"zkir-prover-v1"


class Transcript:
    def __init__(self, domain_sep: bytes = b""):
        self._h = hashlib.blake2b(digest_size=64, person=_PERSON[:16])
        self._h.update(b"zkir-transcript" + len(domain_sep).to_bytes(4, "little") + domain_sep)
        self._n = 0

    def absorb(self, tag: bytes, data: bytes) -> None:
        self._h.update(tag + len(data).to_bytes(4, "little") + data)

    def absorb_point(self, p: G1Point) -> None:
        self.absorb(b"P", p.to_compressed_bytes())

    def absorb_scalar(self, x: int) -> None:
        self.absorb(b"S", (x % P).to_bytes(32, "little"))

    def challenge(self) -> int:
        self._n += 1
        h = self._h.copy()
        h.update(b"C" + self._n.to_bytes(4, "little"))
        d = h.digest()
        self.absorb(b"c", d)
        return int.from_bytes(d, "little") % P


class TranscriptWriter(Transcript):
    def __init__(self, domain_sep: bytes = b""):
        super().__init__(domain_sep)
        self.out = bytearray()

    def write_point(self, p: G1Point) -> None:
        b = p.to_compressed_bytes()
        self.out += b
        self.absorb(b"P", b)

    def write_scalar(self, x: int) -> None:
        b = (x % P).to_bytes(32, "little")
        self.out += b
        self.absorb(b"S", b)


class TranscriptReader(Transcript):
    def __init__(self, data: bytes, domain_sep: bytes = b""):
        super().__init__(domain_sep)
        self.data = memoryview(bytes(data))
        self.pos = 0

    def _take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise ProofFormatError(f"proof truncated while reading {what} at byte {self.pos}")
        b = bytes(self.data[self.pos: self.pos + n])
        self.pos += n
        return b

    def read_point(self, what: str = "a commitment") -> G1Point:
        b = self._take(48, what)
        try:
            p = G1Point.from_compressed_bytes(b)
        except Exception:
            raise ProofFormatError(f"invalid curve point for {what} at byte {self.pos - 48}") from None
        self.absorb(b"P", b)
        return p

    def read_scalar(self, what: str = "an evaluation") -> int:
        b = self._take(32, what)
        x = int.from_bytes(b, "little")
        if x >= P:
            raise ProofFormatError(f"non-canonical field element for {what} at byte {self.pos - 32}")
        self.absorb(b"S", b)
        return x

    def finish(self) -> None:
        if self.pos != len(self.data):
            raise ProofFormatError(f"{len(self.data) - self.pos} unexpected trailing bytes in proof")
