"""mcl's MSM (zkir.prover.mcl_msm) against arkworks', and what the prover
does with it: the same commitments, and a wrong one is caught by the verifier
(which never uses mcl)."""

import secrets

import numpy as np
import pytest
from py_arkworks_bls12381 import G1Point, Scalar

from zkir.prover import VerificationError, field as F, keygen, kzg, mcl_msm, prove, verify
from zkir.prover.kzg import G1Bases, scalars_from_field

from prover_circuits import srs_for, wide_circuit


def _points(n: int) -> list[G1Point]:
    g = G1Point()
    base = [g * Scalar(secrets.randbelow(F.P)) for _ in range(min(n, 64))]
    return [base[i % len(base)] for i in range(n)]


def _arkworks(points: list[G1Point], vec: np.ndarray) -> G1Point:
    return G1Point.multiexp_unchecked(points, scalars_from_field(vec))


def _xy(points: list[G1Point]) -> bytes:
    return b"".join(p.to_xy_bytes_le() for p in points)


def test_mcl_is_used_here():
    # CI installs pymcl: if this fails, every full-size MSM silently runs ~3x slower
    assert mcl_msm.available(), mcl_msm.unavailable_reason()


@pytest.mark.parametrize("kind", ["full", "zero", "signed", "one"])
def test_msm_equals_arkworks(kind):
    n = 600
    points = _points(n - 1) + [G1Point.identity()]
    vec = {"full": lambda: F.from_ints([secrets.randbelow(F.P) for _ in range(n)]),
           "zero": lambda: F.zeros(n),
           "signed": lambda: F.from_int64(np.arange(-n // 2, n - n // 2)),
           "one": lambda: F.ones(n)}[kind]()
    assert mcl_msm.msm(mcl_msm.points_from_xy(_xy(points)), vec) == _arkworks(points, vec)


def test_points_convert_to_mcl_montgomery_form():
    # x and y as mcl holds them: c * 2^384 mod q, six limbs; z = 2^384 mod q
    points = _points(5) + [G1Point.identity()]
    table = mcl_msm.points_from_xy(_xy(points))
    raw = np.frombuffer(_xy(points), "<u8").reshape(-1, 12)
    r = (1 << 384) % mcl_msm.Q
    for row, coords in zip(table[:5], raw[:5]):
        for c in range(2):
            value = sum(int(coords[6 * c + j]) << (64 * j) for j in range(6))
            got = sum(int(row[6 * c + j]) << (64 * j) for j in range(6))
            assert got == value * r % mcl_msm.Q
        assert sum(int(row[12 + j]) << (64 * j) for j in range(6)) == r
    assert not table[5, 12:].any()  # the identity: z = 0


def test_bases_route_full_scalars_through_mcl_and_agree():
    n = 1024
    points = _points(n)
    bases = G1Bases(points, _xy(points))
    full = F.from_ints([secrets.randbelow(F.P) for _ in range(n)])
    mixed = F.from_int64(np.arange(n) - 300)  # small signed values ...
    mixed[::3] = full[::3]  # ... and a third full-size: the subset path
    for vec in (full, mixed, full[:700]):
        assert kzg.msm(bases, vec) == _arkworks(points[: vec.shape[0]], vec)
    assert bases.mcl_table() is not None
    head = bases.prefix(700)
    assert head.mcl_table() is not None and len(head) == 700
    assert kzg.msm(head, full[:700]) == _arkworks(points[:700], full[:700])


def test_arkworks_alone_when_asked(monkeypatch):
    monkeypatch.setenv("ZKIR_MSM", "arkworks")
    assert not mcl_msm.available()
    points = _points(512)
    bases = G1Bases(points)
    vec = F.from_ints([secrets.randbelow(F.P) for _ in range(512)])
    assert bases.mcl_table() is None
    assert kzg.msm(bases, vec) == _arkworks(points, vec)


def _proof_of_wide_circuit():
    c = wide_circuit(k=9)
    pk, vk = keygen(srs_for(c.k), c.cs, c.fixed, c.copies)
    return c, pk, vk


def test_proofs_verify_with_mcl_and_match_arkworks(monkeypatch):
    c, pk, vk = _proof_of_wide_circuit()
    with_mcl = prove(pk, c.advice, c.instance, seed=3)
    assert verify(vk, c.instance, with_mcl)
    monkeypatch.setenv("ZKIR_MSM", "arkworks")
    assert prove(pk, c.advice, c.instance, seed=3) == with_mcl  # the same commitments, byte for byte


def test_a_wrong_mcl_msm_gives_a_rejected_proof(monkeypatch):
    c, pk, vk = _proof_of_wide_circuit()
    real = mcl_msm.msm
    monkeypatch.setattr(mcl_msm, "msm", lambda points, vec: real(points, vec) + G1Point())
    proof = prove(pk, c.advice, c.instance, check=False)
    with pytest.raises(VerificationError):
        verify(vk, c.instance, proof)
