import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from py_arkworks_bls12381 import G1Point

from zkir.prover import (SRS, ProofFormatError, VerificationError, keygen, pk_from_bytes,
                         pk_to_bytes, prove, verify, vk_from_bytes, vk_to_bytes)
from zkir.prover import field as F
from zkir.prover.kzg import msm, scalars_from_field
from zkir.prover.poly import Domain

from prover_circuits import mul_lookup_circuit, srs_for


def _bare(points, vec):
    return G1Point.multiexp_unchecked(points[: vec.shape[0]], scalars_from_field(vec))


@pytest.mark.parametrize("kind", ["small_pos", "small_signed", "full", "mixed", "zeros"])
def test_msm_wrapper_matches_bare_msm(kind):
    srs = srs_for(6)
    n = srs.n
    rng = np.random.default_rng(1)
    if kind == "small_pos":
        vec = F.from_int64(rng.integers(0, 2**16, n))
    elif kind == "small_signed":
        vec = F.from_int64(rng.integers(-2**16, 2**16, n))
    elif kind == "full":
        vec = F.from_ints([int(x) for x in rng.integers(0, 2**62, n)] * 1)
        vec = F.mul(vec, vec)
        vec = F.mul(vec, vec)
    elif kind == "mixed":
        vec = F.from_int64(rng.integers(-5, 5, n))
        vec[:7] = F.from_ints([F.P - 2**200 + i for i in range(7)])
    else:
        vec = F.zeros(n)
    assert msm(srs.g1_lagrange, vec) == _bare(srs.g1_lagrange, vec)


def test_lagrange_commitment_equals_monomial_commitment():
    srs = srs_for(5)
    d = Domain(5)
    vals = F.from_int64(np.arange(32) - 7)
    assert msm(srs.g1_lagrange, vals) == msm(srs.g1, d.lagrange_to_coeff(vals))


def test_lagrange_for_smaller_domain_via_g1_intt():
    srs = srs_for(5)
    d = Domain(3)
    vals = F.from_int64(np.arange(8) * 3 - 4)
    assert msm(srs.lagrange(3), vals) == msm(srs.g1, d.lagrange_to_coeff(vals))


def test_srs_save_load_roundtrip(tmp_path):
    srs = srs_for(4)
    p = tmp_path / "srs.bin"
    srs.save(p)
    back = SRS.load(p)
    assert back.k == 4 and back.g1 == srs.g1 and back.g1_lagrange == srs.g1_lagrange
    assert back.g2_tau == srs.g2_tau


def test_srs_load_rejects_garbage(tmp_path):
    srs = srs_for(4)
    data = srs.to_bytes()
    for bad in (b"", b"garbage", data[:-1], data[:20], b"X" + data[1:]):
        with pytest.raises(ProofFormatError):
            SRS.from_bytes(bad)
    # swap two monomial points: consistency check must notice (version 2 header:
    # magic, <IIII version k flags source-length, the source string, two G2 points)
    off = 8 + 16 + len(srs.source.encode()) + 192
    swapped = bytearray(data)
    swapped[off + 96: off + 192], swapped[off + 192: off + 288] = data[off + 192: off + 288], data[off + 96: off + 192]
    with pytest.raises(ProofFormatError, match="not powers of a single tau"):
        SRS.from_bytes(bytes(swapped))


def test_vk_pk_roundtrip_and_prove_with_loaded_keys():
    c = mul_lookup_circuit()
    srs = srs_for(c.k)
    pk, vk = keygen(srs, c.cs, c.fixed, c.copies)
    vkb = vk_to_bytes(vk)
    vk2 = vk_from_bytes(vkb)
    assert vk2.digest == vk.digest and vk_to_bytes(vk2) == vkb
    pk2 = pk_from_bytes(pk_to_bytes(pk), srs)
    assert vk.to_bytes() == vkb and type(vk).from_bytes(vkb).digest == vk.digest
    assert type(pk).from_bytes(pk.to_bytes(), srs).vk.digest == vk.digest
    proof = prove(pk2, c.advice, c.instance)
    assert verify(vk2, c.instance, proof)
    assert verify(vk, c.instance, proof)


def test_vk_parser_errors_are_one_line():
    c = mul_lookup_circuit()
    _, vk = keygen(srs_for(c.k), c.cs, c.fixed, c.copies)
    vkb = vk_to_bytes(vk)
    for cut in range(0, len(vkb), max(1, len(vkb) // 40)):
        with pytest.raises(ProofFormatError) as ei:
            vk_from_bytes(vkb[:cut])
        assert "\n" not in str(ei.value)
    with pytest.raises(ProofFormatError, match="version"):
        vk_from_bytes(vkb[:7] + b"\x09" + vkb[8:])
    with pytest.raises(ProofFormatError, match="magic"):
        vk_from_bytes(b"NOTAVK\x00\x01" + vkb[8:])


_VKB = None


def _vk_bytes():
    global _VKB
    if _VKB is None:
        c = mul_lookup_circuit()
        _, vk = keygen(srs_for(c.k), c.cs, c.fixed, c.copies)
        _VKB = vk_to_bytes(vk)
    return _VKB


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.integers(0, 10**6), st.booleans())
def test_fuzz_vk_parser(blob, pos, keep_header):
    vkb = _vk_bytes()
    if keep_header:  # mutate a real key: splice random bytes at a random position
        p = pos % len(vkb)
        data = vkb[:p] + blob + vkb[p + len(blob):]
    else:
        data = blob
    try:
        vk_from_bytes(data)
    except ProofFormatError as e:
        assert "\n" not in str(e)


_PROOF = None


def _proof_case():
    global _PROOF
    if _PROOF is None:
        c = mul_lookup_circuit()
        pk, vk = keygen(srs_for(c.k), c.cs, c.fixed, c.copies)
        _PROOF = (vk, c.instance, prove(pk, c.advice, c.instance))
    return _PROOF


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.integers(0, 10**6), st.sampled_from(["raw", "splice", "truncate"]))
def test_fuzz_proof_parser(blob, pos, mode):
    vk, inst, proof = _proof_case()
    if mode == "raw":
        data = blob
    elif mode == "splice":
        p = pos % len(proof)
        data = proof[:p] + blob + proof[p + len(blob):]
        if data == proof:
            return
    else:
        data = proof[: pos % len(proof)]
    with pytest.raises(VerificationError) as ei:
        verify(vk, inst, data)
    assert "\n" not in str(ei.value)


def test_pk_parser_rejects_garbage():
    c = mul_lookup_circuit()
    srs = srs_for(c.k)
    pk, _ = keygen(srs, c.cs, c.fixed, c.copies)
    pkb = pk_to_bytes(pk)
    for bad in (b"", os.urandom(64), pkb[:-3], pkb + b"\0", b"ZKIRPK\x00\x01" + os.urandom(30)):
        with pytest.raises(ProofFormatError):
            pk_from_bytes(bad, srs)


def test_srs_from_ceremony_powers_matches_seeded():
    srs = srs_for(4)
    again = SRS.from_powers(srs.g1, srs.g2, srs.g2_tau)
    assert again.g1_lagrange == srs.g1_lagrange
    with pytest.raises(ProofFormatError):
        SRS.from_powers(srs.g1[::-1], srs.g2, srs.g2_tau)
