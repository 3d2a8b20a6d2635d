"""pk.bin version 4: compact fixed columns, raw Montgomery limbs, a u32
permutation, the checksum checked first; damage of any kind is one
ProofFormatError line, and a key altered behind a valid checksum only makes
its own proofs fail."""

from __future__ import annotations

import dataclasses
import importlib
import zlib

import numpy as np
import pytest

from zkir.prover import ProofFormatError, VerificationError, keygen, pk_from_bytes, pk_to_bytes, prove, verify
from zkir.prover import field as F
from zkir.prover.serialize import CHECKSUM_BYTES, file_checksum

from prover_circuits import mul_lookup_circuit, srs_for

K = importlib.import_module("zkir.prover.keygen")  # the module (zkir.prover.keygen is the function)

EXTRA = {
    "zero": lambda n, rng: np.zeros(n, np.int64),
    "bits": lambda n, rng: rng.integers(0, 2, n),
    "i32": lambda n, rng: rng.integers(-(2**31) + 1, 2**31 - 1, n),
    "i64": lambda n, rng: rng.integers(-(2**62), 2**62, n),
    "mont": lambda n, rng: F.from_ints([int(x) * 2**190 + 12345 for x in rng.integers(0, 2**60, n)]),
}
TAGS = {"zero": K.COL_ZERO, "bits": K.COL_BITS, "i32": K.COL_I32, "i64": K.COL_I64, "mont": K.COL_MONT}


def _keys():
    """mul_lookup_circuit with one extra fixed column of every encoding and a pinned column."""
    c = mul_lookup_circuit()
    n = 1 << c.k
    rng = np.random.default_rng(7)
    fixed = list(c.fixed)
    for name, make in EXTRA.items():
        c.cs.fixed_column(name)
        fixed.append(make(n, rng))
    srs = srs_for(c.k)
    pk, vk = keygen(srs, c.cs, fixed, c.copies, pinned={1: c.advice[1]})
    return c, srs, pk, vk


@pytest.fixture(scope="module")
def keys():
    return _keys()


def _rechecksum(body: bytes) -> bytes:
    return body + file_checksum(body)


def test_every_encoding_round_trips_and_the_loaded_key_proves(keys):
    c, srs, pk, vk = keys
    for (name, _), v in zip(EXTRA.items(), pk.fixed_values[len(c.fixed):]):
        assert K._column_encoding(v)[0] == TAGS[name], name
    data = pk_to_bytes(pk)
    pk2 = pk_from_bytes(data, srs)
    assert not pk2.expanded  # loading does no NTT: prove expands once
    for a, b in zip(pk.fixed_values + pk.sigma_values, pk2.fixed_values + pk2.sigma_values):
        assert np.array_equal(a, b)
    assert np.array_equal(pk.permutation, pk2.permutation)
    assert all(np.array_equal(pk.pinned_blinding[i], pk2.pinned_blinding[i]) for i in pk.pinned_blinding)
    proof = prove(pk2, c.advice, c.instance)
    assert pk2.expanded and verify(vk, c.instance, proof)
    # version 3 stored 32 bytes a fixed cell and 8 a permutation entry
    n, ne = 1 << c.k, len(c.cs.equality)
    assert len(data) < 32 * n * len(pk.fixed_values) + 8 * ne * n


def test_phases_are_reported_in_order(keys):
    c, srs, pk, vk = keys
    seen: list[str] = []
    prove(pk_from_bytes(pk_to_bytes(pk), srs), c.advice, c.instance, on_phase=lambda p, d: seen.append(p))
    assert seen == ["witness", "commitments", "lookups", "permutation", "key expansion", "quotient", "openings"]
    again: list[str] = []
    keygen(srs, c.cs, pk.fixed_values, c.copies, on_phase=lambda p, d: again.append(p))
    assert again == ["fixed columns", "permutation", "commitments"]


def test_truncated_or_bit_flipped_keys_are_one_line_errors(keys):
    _, srs, pk, _ = keys
    data = pk_to_bytes(pk)
    rng = np.random.default_rng(3)
    cuts = [0, 5, 8, 40, len(data) // 2, len(data) - CHECKSUM_BYTES, len(data) - 1]
    flips = [int(i) for i in rng.integers(0, len(data), 40)] + [8, len(data) - 1]
    damaged = [data[:cut] for cut in cuts] + [data + b"\0"]
    damaged += [data[:i] + bytes([data[i] ^ (1 << int(rng.integers(0, 8)))]) + data[i + 1:] for i in flips]
    for bad in damaged:
        with pytest.raises(ProofFormatError) as ei:
            pk_from_bytes(bad, srs)
        assert "\n" not in str(ei.value)


def test_an_older_key_is_told_to_run_setup_again(keys):
    _, srs, pk, _ = keys
    body = bytearray(pk_to_bytes(pk)[:-CHECKSUM_BYTES])
    body[len(K.PK_MAGIC)] = 3
    with pytest.raises(ProofFormatError, match="made by an older zkir.*run zkir setup again"):
        pk_from_bytes(_rechecksum(bytes(body)), srs)


def _sections(pk) -> tuple[bytes, list[int]]:
    """The body of pk's file and the offset of each fixed column's tag."""
    data = pk_to_bytes(pk)[:-CHECKSUM_BYTES]
    pos = len(K.PK_MAGIC) + 1
    pos += 4 + int.from_bytes(data[pos:pos + 4], "little")
    offsets = []
    for v in pk.fixed_values:
        offsets.append(pos)
        pos += 1 + len(K._column_encoding(v)[1])
    return data, offsets + [pos]  # the last: the permutation's width byte


def test_malformed_contents_behind_a_valid_checksum_are_refused(keys):
    c, srs, pk, _ = keys
    data, offs = _sections(pk)
    names = list(EXTRA)

    def with_bytes(at: int, new: bytes) -> bytes:
        return _rechecksum(data[:at] + new + data[at + len(new):])

    bits_at, mont_at, perm_at = offs[len(c.fixed) + names.index("bits")], offs[len(c.fixed) + names.index("mont")], offs[-1]
    cases = {
        "unknown encoding": with_bytes(offs[0], b"\x09"),
        "bad permutation width": with_bytes(perm_at, b"\x03"),
        # a limb vector >= p is no Montgomery form
        "non-canonical": with_bytes(mont_at + 1, b"\xff" * 32),
        "not zlib": with_bytes(perm_at + 9, b"\x00\x01\x02\x03"),
    }
    # two cells mapped to the same cell, the key otherwise well formed
    dup = pk.permutation.copy()
    dup[1] = dup[0]
    cases["not a bijection"] = pk_to_bytes(dataclasses.replace(pk, permutation=dup))
    short = bytearray(data[:perm_at + 1])
    packed = zlib.compress(b"\0" * 8)  # too few cells
    cases["too short"] = _rechecksum(bytes(short) + len(packed).to_bytes(8, "little") + packed + data[-32 * len(pk.vk.blind_points):])
    # a bits column's tag read as "zero": the rest no longer parses
    cases["shifted"] = with_bytes(bits_at, bytes([K.COL_ZERO]))
    for what, bad in cases.items():
        with pytest.raises(ProofFormatError) as ei:
            pk_from_bytes(bad, srs)
        assert "\n" not in str(ei.value), what


def test_a_key_altered_behind_a_valid_checksum_only_fails_its_own_proofs(keys):
    """The verifier never reads pk.bin: a proving key whose fixed values or wiring
    differ from what the vk commits to yields proofs the vk rejects."""
    c, srs, pk, vk = keys
    data, offs = _sections(pk)
    selector = offs[0]  # the q_mul column, stored as bits: switch the gate off on row 1
    assert data[selector] == K.COL_BITS
    cleared = data[selector + 1] & ~0b10
    wrong_fixed = _rechecksum(data[:selector + 1] + bytes([cleared]) + data[selector + 2:])
    entries = pk.permutation.copy()
    moved = np.flatnonzero(entries != np.arange(entries.size))[:2]
    entries[moved] = entries[moved[::-1]]  # still a bijection, not the circuit's wiring
    wrong_wiring = pk_to_bytes(dataclasses.replace(pk, permutation=entries))
    for bad in (wrong_fixed, wrong_wiring):
        wrong = pk_from_bytes(bad, srs)
        assert wrong.vk.digest == vk.digest
        proof = prove(wrong, c.advice, c.instance, check=False)
        with pytest.raises(VerificationError):
            verify(vk, c.instance, proof)
