"""A powers-of-tau ceremony: an SRS whose secret nobody knows if one contributor was honest.

Each contributor j draws a secret s_j, multiplies the i-th power by s_j^i and
[tau]G2 by s_j, and deletes s_j; after m contributions the file holds
[tau^i]G1 (i < 2^K), [1]G2 and [tau]G2 for tau = s_1 * ... * s_m, plus one
record per contribution: [s_j]G1, [s_j]G2, the running point [tau_j]G1
(tau_j = s_1 * ... * s_j), a Schnorr proof of knowledge of s_j, the digest of
the powers it produced and the hash of the state after it.

Why verify() accepts only honest-looking files (soundness argument):

* Subgroup and curve checks on every point.  The pairing used below ignores a
  G1 argument's component outside the prime-order subgroup (it factors through
  E(Fp)/rE), so a point with a small-order part added would pass every pairing
  check while not being the power it claims to be.  Identity points are refused
  where a nonzero secret makes them impossible: a zero secret turns tau into 0
  and every power into the identity, a tau everyone knows.
* The chain.  e([s_j]G1, G2) == e(G1, [s_j]G2) says both records hold one
  secret; e([tau_j]G1, G2) == e([tau_{j-1}]G1, [s_j]G2), from [tau_0]G1 = G1,
  says each running point is the previous one times that secret; the last one
  must be g1[1], and e(g1[1], G2) == e(G1, [tau]G2).  So tau = s_1 * ... * s_m.
* The powers.  e(sum r_i g1[i+1], G2) == e(sum r_i g1[i], [tau]G2) with fresh
  random 128-bit r_i from the verifier's OS CSPRNG: if any g1[i+1] is not
  tau * g1[i], the two sides differ as linear forms in the r_i, and a random
  point satisfies a nonzero linear form with probability at most 2^-128.
* Proofs of knowledge.  The Schnorr proof (R = [k]G1, z = k + c s_j, checked as
  [z]G1 == R + [c][s_j]G1) with c = Blake2b(K, j, previous state hash, [s_j]G1,
  [s_j]G2, R) shows the contributor knew s_j (knowledge-sound in the random
  oracle model).  This is what stops a later contributor from cancelling an
  earlier one: to reach a tau' of their choice they would have to publish
  [s]G2 with s = tau' / tau_{j-1}, and knowing s would mean knowing tau_{j-1},
  which contains the honest secret.  Binding the index and the previous state
  hash means a record (or its proof) copied to another position, another
  ceremony or another size fails.
* Hashes.  The state hash chains every record to the previous state and to the
  digest of the powers the contributor produced; it is unkeyed, so it guards
  against accidents and identifies states, while the checks above are what an
  attacker cannot get past.

What a verifier who contributed once can trust: `zkir srs contribute` prints
the state hash after their contribution (their receipt).  If verify() accepts a
file whose list of state hashes contains that receipt, the final tau is their
secret times the other contributors' secrets, and every power is a power of it;
their secret came from os.urandom (mixed with any entropy they typed) and was
deleted, so nobody knows tau and nobody can forge proofs against keys made from
the SRS, however the others behaved.  Someone who did not contribute must trust
that at least one listed contributor was honest.

File format (little-endian), written atomically (temporary file, then
os.replace):
    magic b"ZKIRPOT\\0", u32 version (1), u32 K, u32 number of contributions,
    u32 reserved (0); [1]G2, [tau]G2 (96-byte compressed); 2^K powers
    [tau^i]G1 as 96-byte uncompressed xy; then per contribution 480 bytes:
    [s]G1 (xy), [s]G2 (compressed), [tau_j]G1 (xy), R (xy), z (32 bytes),
    powers digest (32), state hash (32).
G1 points are uncompressed: a subgroup-checked parse of an xy point costs
~50 us against ~75-140 us for a compressed one (which needs a square root), and
verify() parses every power; the file is 96 bytes a power (6 MB at 2^16), the
same encoding as zkir SRS files.  The few G2 points are compressed.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from py_arkworks_bls12381 import G1Point, G2Point, GT, Scalar

from zkir.files import write_atomic

from . import field as F
from .errors import ProofFormatError
from .kzg import (G2_BYTES, P, POOL_MIN_POINTS, SRS, _SHARED, _XY, _ranges, _signed_scalar, _threads,
                  check_g1_xy, points_from_xy, run_point_tasks, scalar_from_int)

MAGIC = b"ZKIRPOT\x00"
VERSION = 1
MAX_K = 24
_HEADER = struct.Struct("<IIII")  # version, K, contributions, reserved
RECORD_BYTES = 4 * 96 + 3 * 32
_G1_GEN_XY = G1Point().to_xy_bytes_le()
_IDENTITY_XY = bytes(_XY)


class CeremonyError(ProofFormatError):
    """A ceremony failed a check; the message names the contribution and the check."""


@dataclass(frozen=True)
class Contribution:
    """One contributor's public record (see the module docstring)."""

    s_g1: G1Point
    s_g2: G2Point
    tau_g1: G1Point
    pok_r: G1Point
    pok_z: int
    powers_digest: bytes
    state_hash: bytes

    def to_bytes(self) -> bytes:
        return b"".join([self.s_g1.to_xy_bytes_le(), self.s_g2.to_compressed_bytes(),
                         self.tau_g1.to_xy_bytes_le(), self.pok_r.to_xy_bytes_le(),
                         self.pok_z.to_bytes(32, "little"), self.powers_digest, self.state_hash])


@dataclass
class Ceremony:
    """The state of a ceremony: powers [tau^i]G1 as xy bytes, [1]G2, [tau]G2, records.

    The powers stay in their file encoding (workers and hashes read the bytes);
    points() parses them on demand."""

    k: int
    g1_xy: bytes
    g2: G2Point
    g2_tau: G2Point
    contributions: list[Contribution] = field(default_factory=list)
    _points: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        return 1 << self.k

    def points(self) -> list[G1Point]:
        """The powers as points (parsed once per g1_xy, ~1 us a point)."""
        if self._points is None or self._points[0] is not self.g1_xy:
            self._points = (self.g1_xy, points_from_xy(self.g1_xy))
        return self._points[1]

    @property
    def state_hash(self) -> bytes:
        return self.contributions[-1].state_hash if self.contributions else initial_hash(self.k)

    # -- files --------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return b"".join([MAGIC, _HEADER.pack(VERSION, self.k, len(self.contributions), 0),
                         self.g2.to_compressed_bytes(), self.g2_tau.to_compressed_bytes(), self.g1_xy]
                        + [c.to_bytes() for c in self.contributions])

    def save(self, path: str | os.PathLike) -> None:
        write_atomic(path, self.to_bytes())

    @staticmethod
    def from_bytes(data: bytes) -> "Ceremony":
        """Parse a ceremony file.  Checks the structure and that points decode
        (arkworks checks the curve equation); verify() does everything else."""
        base = len(MAGIC) + _HEADER.size
        if len(data) < base or not data.startswith(MAGIC):
            raise ProofFormatError("not a zkir ceremony file (bad magic or truncated header)")
        version, k, count, reserved = _HEADER.unpack_from(data, len(MAGIC))
        if version != VERSION:
            raise ProofFormatError(f"unsupported ceremony file version {version} (expected {VERSION})")
        if not 1 <= k <= MAX_K or reserved:
            raise ProofFormatError(f"ceremony header is invalid (K = {k}, reserved = {reserved})")
        n = 1 << k
        expected = base + 2 * G2_BYTES + n * _XY + count * RECORD_BYTES
        if len(data) != expected:
            raise ProofFormatError(f"ceremony file has {len(data)} bytes, expected {expected} "
                                   f"for 2^{k} powers and {count} contributions")
        off = base
        g2 = _g2(data[off: off + G2_BYTES], "[1]G2")
        g2_tau = _g2(data[off + G2_BYTES: off + 2 * G2_BYTES], "[tau]G2")
        off += 2 * G2_BYTES
        g1_xy = bytes(data[off: off + n * _XY])
        off += n * _XY
        records = []
        for j in range(1, count + 1):
            rec = data[off: off + RECORD_BYTES]
            off += RECORD_BYTES
            z = int.from_bytes(rec[384:416], "little")
            if z >= P:
                raise CeremonyError(f"contribution {j}: proof response is not a canonical scalar")
            records.append(Contribution(
                s_g1=_g1(rec[0:96], f"contribution {j}: [s]G1"),
                s_g2=_g2(rec[96:192], f"contribution {j}: [s]G2"),
                tau_g1=_g1(rec[192:288], f"contribution {j}: running [tau]G1"),
                pok_r=_g1(rec[288:384], f"contribution {j}: proof commitment R"),
                pok_z=z, powers_digest=bytes(rec[416:448]), state_hash=bytes(rec[448:480])))
        return Ceremony(k, g1_xy, g2, g2_tau, records)

    @staticmethod
    def load(path: str | os.PathLike) -> "Ceremony":
        return Ceremony.from_bytes(Path(path).read_bytes())


def _g1(b: bytes, what: str) -> G1Point:
    try:
        return G1Point.from_xy_bytes_unchecked_le(bytes(b))
    except Exception:  # pyo3 raises ValueError or its own types
        raise CeremonyError(f"{what} is not a point on the curve") from None


def _g2(b: bytes, what: str) -> G2Point:
    try:
        return G2Point.from_compressed_bytes_unchecked(bytes(b))
    except Exception:
        raise CeremonyError(f"{what} is not a point on the G2 curve") from None


# ------------------------------------------------------------------ hashes
def _h(*parts: bytes, size: int = 32) -> bytes:
    h = hashlib.blake2b(digest_size=size)
    for p in parts:
        h.update(p)
    return h.digest()


def _u32(x: int) -> bytes:
    return struct.pack("<I", x)


def initial_hash(k: int) -> bytes:
    """Hash of the fresh state (tau = 1) of a 2^k ceremony: the chain's anchor."""
    return _h(b"zkir-ceremony-init", _u32(k), _G1_GEN_XY, G2Point().to_compressed_bytes())


def powers_digest(k: int, g1_xy: bytes, g2_tau: G2Point) -> bytes:
    return _h(b"zkir-ceremony-powers", _u32(k), g1_xy, g2_tau.to_compressed_bytes())


def _challenge(k: int, j: int, prev: bytes, s_g1: G1Point, s_g2: G2Point, r: G1Point) -> int:
    d = _h(b"zkir-ceremony-pok", _u32(k), _u32(j), prev, s_g1.to_xy_bytes_le(),
           s_g2.to_compressed_bytes(), r.to_xy_bytes_le(), size=64)
    return int.from_bytes(d, "little") % P


def state_hash(k: int, j: int, prev: bytes, c: Contribution) -> bytes:
    """Hash of the state after contribution j: previous hash, index, the record."""
    return _h(b"zkir-ceremony-state", _u32(k), _u32(j), prev, c.s_g1.to_xy_bytes_le(),
              c.s_g2.to_compressed_bytes(), c.tau_g1.to_xy_bytes_le(), c.pok_r.to_xy_bytes_le(),
              c.pok_z.to_bytes(32, "little"), c.powers_digest)


# ------------------------------------------------------------------ new / contribute
def new(k: int) -> Ceremony:
    """A fresh 2^k ceremony: tau = 1, every power is the generator.  Useless
    until someone contributes (to_srs refuses it)."""
    if not 1 <= k <= MAX_K:
        raise ValueError(f"ceremony size 2^{k} out of range (K from 1 to {MAX_K})")
    return Ceremony(k, _G1_GEN_XY * (1 << k), G2Point(), G2Point(), [])


def _random_scalar(*material: bytes) -> int:
    while True:
        x = int.from_bytes(_h(b"zkir-ceremony-secret", os.urandom(64), *material, size=64), "little") % P
        if x:
            return x


def contribute(ceremony: Ceremony, entropy: bytes | None = None) -> Ceremony:
    """The ceremony after one more contribution (the input is not changed).

    The secret is Blake2b(64 bytes of os.urandom || entropy) mod p: the optional
    user entropy can only add to the OS randomness.  It exists only inside this
    call (Python ints cannot be wiped; the arrays of its powers are zeroed).
    The receipt to keep is result.state_hash.  Costs 2^K point multiplications,
    spread over the cores (7 s at 2^16 on two).  It does not check its input:
    verify() it first (zkir srs contribute does)."""
    s = _random_scalar(hashlib.blake2b(entropy or b"").digest())
    try:
        return _apply_secret(ceremony, s)
    finally:
        del s


def _w_mul_powers(lo: int, hi: int) -> bytes:
    """Worker: g1[i] * s^i for i in [lo, hi) (s^i as canonical LE bytes)."""
    xy, sc = _SHARED["xy"], _SHARED["sc"]
    out = []
    for i in range(lo, hi):
        p = G1Point.from_xy_bytes_unchecked_le(bytes(xy[i * _XY: (i + 1) * _XY]))
        x = int.from_bytes(sc[i].tobytes(), "little")
        if x != 1:
            s, neg = _signed_scalar(x)
            p = p * s
            if neg:
                p = -p
        out.append(p.to_xy_bytes_le())
    return b"".join(out)


def _apply_secret(ceremony: Ceremony, s: int, pok: tuple[G1Point, int] | None = None) -> Ceremony:
    """Multiply in the secret s and append its record.  `pok` replaces the
    proof of knowledge (tests use it to build forged records)."""
    k, n = ceremony.k, ceremony.n
    pw = F.powers(s, n)
    sc = F.to_le_bytes(pw)
    try:
        tasks = _ranges(n, 2 * _threads())
        parts = run_point_tasks(_w_mul_powers, tasks, {"xy": ceremony.g1_xy, "sc": sc},
                                parallel=n >= POOL_MIN_POINTS)
    finally:
        pw.fill(0)
        sc.fill(0)
    g1_xy = b"".join(parts)
    s_scalar = scalar_from_int(s)
    g2_tau = ceremony.g2_tau * s_scalar
    s_g1, s_g2 = G1Point() * s_scalar, G2Point() * s_scalar
    tau_g1 = G1Point.from_xy_bytes_unchecked_le(g1_xy[_XY: 2 * _XY])
    j = len(ceremony.contributions) + 1
    prev = ceremony.state_hash
    if pok is None:
        nonce = _random_scalar(s.to_bytes(32, "little"), prev)
        r = G1Point() * scalar_from_int(nonce)
        c = _challenge(k, j, prev, s_g1, s_g2, r)
        z = (nonce + c * s) % P
        del nonce
    else:
        r, z = pok
    digest = powers_digest(k, g1_xy, g2_tau)
    rec = Contribution(s_g1, s_g2, tau_g1, r, z, digest, b"")
    rec = Contribution(s_g1, s_g2, tau_g1, r, z, digest, state_hash(k, j, prev, rec))
    return Ceremony(k, g1_xy, ceremony.g2, g2_tau, ceremony.contributions + [rec])


# ------------------------------------------------------------------ verify
@dataclass
class CeremonyReport:
    """What verify() established: size, number of contributions, state hashes."""

    k: int
    contributions: int
    state_hash: str
    receipts: list[str]
    seconds: float

    def as_dict(self) -> dict:
        return {"k": self.k, "contributions": self.contributions, "state_hash": self.state_hash,
                "receipts": self.receipts, "seconds": self.seconds}


def _random_128(count: int) -> list[Scalar]:
    limbs = np.zeros((count, 4), "<u8")
    limbs[:, :2] = np.frombuffer(os.urandom(16 * count), "<u8").reshape(count, 2)
    fb = Scalar.from_le_bytes
    raw = limbs.tobytes()
    return [fb(raw[i: i + 32]) for i in range(0, len(raw), 32)]


def _fail(msg: str) -> None:
    raise CeremonyError(msg)


def _check_g1(p: G1Point, what: str, zero_note: str = "") -> None:
    if p == G1Point.identity():
        _fail(f"{what} is the identity{zero_note}")
    if not p.is_in_subgroup():
        _fail(f"{what} is not in the G1 subgroup")


def _check_g2(p: G2Point, what: str, zero_note: str = "") -> None:
    if p == G2Point.identity():
        _fail(f"{what} is the identity{zero_note}")
    if not p.is_in_subgroup():
        _fail(f"{what} is not in the G2 subgroup")


def verify(ceremony: Ceremony) -> CeremonyReport:
    """Check everything the module docstring lists; raises CeremonyError (a
    ProofFormatError) with a one-line message naming the failed check.  About
    3 s at 2^16 on two cores (subgroup checks dominate)."""
    t0 = time.perf_counter()
    c = ceremony
    k, n = c.k, c.n
    if not 1 <= k <= MAX_K:
        _fail(f"ceremony size 2^{k} out of range")
    if len(c.g1_xy) != n * _XY:
        _fail(f"powers: {len(c.g1_xy) // _XY} points for a 2^{k} ceremony")
    g1_gen, g2_gen = G1Point(), G2Point()
    if c.g2 != g2_gen:
        _fail("powers: [1]G2 is not the standard G2 generator")
    prev, prev_tau = initial_hash(k), g1_gen
    for j, rec in enumerate(c.contributions, 1):
        w = f"contribution {j}"
        _check_g1(rec.s_g1, f"{w}: [s]G1", " (a zero secret)")
        _check_g2(rec.s_g2, f"{w}: [s]G2", " (a zero secret)")
        _check_g1(rec.tau_g1, f"{w}: running [tau]G1")
        _check_g1(rec.pok_r, f"{w}: proof commitment R")
        if not 0 <= rec.pok_z < P:
            _fail(f"{w}: proof response is not a canonical scalar")
        if rec.state_hash != state_hash(k, j, prev, rec):
            _fail(f"{w}: state hash does not match the record and the previous state "
                  "(a contribution was altered, removed or reordered)")
        ch = _challenge(k, j, prev, rec.s_g1, rec.s_g2, rec.pok_r)
        if g1_gen * scalar_from_int(rec.pok_z) != rec.pok_r + rec.s_g1 * scalar_from_int(ch):
            _fail(f"{w}: invalid proof of knowledge of its secret (forged, or replayed from another contribution)")
        if not GT.pairing_check([rec.s_g1, -g1_gen], [g2_gen, rec.s_g2]):
            _fail(f"{w}: [s]G1 and [s]G2 do not hold the same secret")
        if not GT.pairing_check([rec.tau_g1, -prev_tau], [g2_gen, rec.s_g2]):
            _fail(f"{w}: running [tau]G1 is not the previous one times its secret")
        prev, prev_tau = rec.state_hash, rec.tau_g1

    _check_g2(c.g2_tau, "powers: [tau]G2")
    rows = np.frombuffer(c.g1_xy, np.uint8).reshape(n, _XY)
    zero = np.flatnonzero(~rows.any(axis=1))
    if zero.size:
        _fail(f"powers: g1[{int(zero[0])}] is the identity")
    try:
        check_g1_xy(c.g1_xy, "powers: g1")
    except ProofFormatError as e:
        raise CeremonyError(str(e)) from None
    g1 = c.points()
    if g1[0] != g1_gen:
        _fail("powers: g1[0] is not the standard G1 generator")
    if n > 1 and g1[1] != prev_tau:
        _fail("powers: g1[1] is not the running [tau]G1 of the last contribution")
    if c.contributions and powers_digest(k, c.g1_xy, c.g2_tau) != c.contributions[-1].powers_digest:
        _fail(f"powers: they differ from the digest recorded by contribution {len(c.contributions)} "
              "(changed after it)")
    if not GT.pairing_check([g1[1], -g1_gen], [g2_gen, c.g2_tau]):
        _fail("powers: [tau]G2 does not match g1[1]")
    if n > 1:
        r = _random_128(n - 1)
        a, b = _msm_pair(g1[1:], g1[:-1], r)
        if not GT.pairing_check([a, -b], [g2_gen, c.g2_tau]):
            _fail("powers: the G1 points are not consecutive powers of one tau (randomized pairing check)")
    return CeremonyReport(k, len(c.contributions), prev.hex(),
                          [rec.state_hash.hex() for rec in c.contributions], time.perf_counter() - t0)


def _msm_pair(p: list[G1Point], q: list[G1Point], r: list[Scalar]) -> tuple[G1Point, G1Point]:
    """Two MSMs on two threads (arkworks releases the GIL in multiexp)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as ex:
        fa = ex.submit(G1Point.multiexp_unchecked, p, r)
        fb = ex.submit(G1Point.multiexp_unchecked, q, r)
        return fa.result(), fb.result()


# ------------------------------------------------------------------ SRS
def to_srs(ceremony: Ceremony, k: int | None = None) -> SRS:
    """The SRS for 2^k points (default: all) from a verified ceremony: its
    powers, Lagrange points from the G1 inverse NTT (~1 min at 2^16: save()
    the SRS).  Refuses a ceremony nobody contributed to (tau = 1)."""
    c = ceremony
    k = c.k if k is None else k
    if not 1 <= k <= c.k:
        raise ValueError(f"the ceremony has 2^{c.k} powers; cannot make a 2^{k} SRS")
    if not c.contributions:
        raise CeremonyError("the ceremony has no contributions: its tau is 1, anyone could forge")
    src = (f"zkir ceremony: 2^{c.k} powers, {len(c.contributions)} contributions, "
           f"state {c.state_hash.hex()}")
    return SRS.from_powers(c.points()[: 1 << k], c.g2, c.g2_tau, source=src)


def load_srs_file(path: str | os.PathLike, k: int | None = None) -> SRS:
    """An SRS from any supported file, checked, for circuits of 2^k rows.

    A ceremony file is verified (verify()) and converted; a zkir SRS file gets
    the pairing checks and a subgroup check of every point; an Ethereum
    trusted_setup.txt goes through zkir.prover.ethereum_setup.  If the file has
    more than 2^k points the SRS is cut to 2^k (its Lagrange points derived
    once here, not by every prover).  Errors are ProofFormatError."""
    path = Path(path)
    data = path.read_bytes()
    if data.startswith(MAGIC):
        c = Ceremony.from_bytes(data)
        verify(c)
        return to_srs(c, k if k is not None and k < c.k else None)
    if data[:1].isdigit():
        from .ethereum_setup import load_ethereum_setup

        srs = load_ethereum_setup(path)
    else:
        srs = SRS.from_bytes(data, check=False)
        srs.check(subgroup=True)
    if k is not None and k < srs.k:
        srs = srs.truncate(k)
    return srs
