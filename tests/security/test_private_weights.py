"""Private (pinned) weights: bound by the verifying key, hidden from any number of proofs.

The interpolation attack of the review: each proof opens the weight column at a
fresh point x; with the column unblinded, usable-many proofs determine it. It
must recover an unblinded column (shown on a fixed column, which every proof
opens the same way the old design opened weights) and fail on the pinned one.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from zkir.prover import MockProver, SRS, VerificationError, keygen, prove, verify, vk_from_bytes, vk_to_bytes
from zkir.prover import pk_from_bytes, pk_to_bytes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "prover"))
from attacks import interpolate_column, pinned_openings, signed  # noqa: E402
from prover_circuits import mul_lookup_circuit  # noqa: E402


@pytest.fixture(scope="module")
def circuit():
    c = mul_lookup_circuit(k=5)
    srs = SRS.generate(c.k)
    b = c.cols["b"].index
    pk, vk = keygen(srs, c.cs, c.fixed, c.copies, pinned={b: c.advice[1]})
    return c, pk, vk, b


@pytest.fixture(scope="module")
def many_proofs(circuit):
    """More proofs than the column has usable rows (every proof a fresh x)."""
    c, pk, vk, _ = circuit
    count = vk.usable + 4
    return [prove(pk, c.advice, c.instance, check=False) for _ in range(count)]


def test_the_attack_recovers_an_unblinded_column(circuit, many_proofs):
    """The q_mul selector is a fixed column: committed without blinding and opened
    at x by every proof, as pinned weights were before. The attack gets it back."""
    c, _pk, vk, _ = circuit
    q = c.cols["q"].index
    from zkir.prover.verifier import replay

    openings = []
    for proof in many_proofs:
        r = replay(vk, c.instance, proof)
        openings.append((r.x, r.evaluations[(("fixed", q), 0)]))
    recovered = interpolate_column(vk, openings, vk.domain.n - vk.usable)
    assert recovered is not None
    assert signed(recovered) == c.fixed[0][: vk.usable].tolist()


def test_the_attack_fails_on_pinned_weights(circuit, many_proofs):
    c, _pk, vk, b = circuit
    openings = [pinned_openings(vk, c.instance, proof, b) for proof in many_proofs]
    recovered = interpolate_column(vk, openings, vk.domain.n - vk.usable)
    # the openings are inconsistent with any unblinded column: nothing is recovered
    assert recovered is None
    # and the first usable-many openings alone (a square system) give wrong weights
    square = interpolate_column(vk, openings[: vk.usable], vk.domain.n - vk.usable)
    assert square is not None and signed(square) != c.advice[1][: vk.usable].tolist()


def test_the_key_commitment_hides_the_weights(circuit):
    """Two keys for the same weights commit differently, and neither equals the
    plain (unblinded) commitment anyone could compute for a guessed model."""
    c, pk, vk, b = circuit
    _, vk2 = keygen(pk.srs, c.cs, c.fixed, c.copies, pinned={b: c.advice[1]})
    assert vk.pinned[0][1] != vk2.pinned[0][1]
    from zkir.prover import field as F
    from zkir.prover.keygen import as_field_column
    from zkir.prover.kzg import msm

    guess = as_field_column(c.advice[1], vk.domain.n, vk.usable, "guess")
    assert msm(pk.srs.lagrange(vk.k), guess) != vk.pinned[0][1]
    assert F.to_ints(pk.pinned_blinding[b])  # the secret stays in the proving key


def test_other_weights_are_rejected_even_when_every_gate_holds(circuit):
    c, pk, vk, b = circuit
    other = [col.copy() for col in c.advice]
    other[1][5] += 1
    other[2][5] = other[0][5] * other[1][5]
    assert MockProver(c.cs, c.k, other, c.fixed, c.instance, copies=c.copies).verify() == []
    with pytest.raises(VerificationError, match="does not hold the values the verifying key pins"):
        verify(vk, c.instance, prove(pk, other, c.instance))
    # the mock prover, told the pinned values, says so too
    fails = MockProver(c.cs, c.k, other, c.fixed, c.instance, copies=c.copies, pinned={b: c.advice[1]}).verify()
    assert [(f.kind, f.row) for f in fails] == [("pinned", 5)]


def test_a_tampered_link_is_rejected(circuit):
    """Flip each byte region of the pinned-column link (R, then a response z)."""
    c, pk, vk, _ = circuit
    proof = prove(pk, c.advice, c.instance)
    assert verify(vk, c.instance, proof)
    header = len(b"ZKIRPRF") + 1
    link_r = header + 48 * c.cs.num_advice  # R follows the advice commitments
    for offset in (link_r + 47, link_r + 48 + 5):
        bad = bytearray(proof)
        bad[offset] ^= 1
        with pytest.raises(VerificationError):
            verify(vk, c.instance, bytes(bad))


def test_a_link_replayed_from_another_proof_is_rejected(circuit):
    """Splice the link (R and z) of one proof into another: c differs, so it fails."""
    c, pk, vk, _ = circuit
    p1, p2 = prove(pk, c.advice, c.instance), prove(pk, c.advice, c.instance)
    header = len(b"ZKIRPRF") + 1
    start = header + 48 * c.cs.num_advice
    end = start + 48 + 32 * len(vk.blind_points)
    spliced = p1[:start] + p2[start:end] + p1[end:]
    with pytest.raises(VerificationError):
        verify(vk, c.instance, spliced)


def test_keys_round_trip_with_their_secret_blinding(circuit):
    c, pk, vk, b = circuit
    pk2 = pk_from_bytes(pk_to_bytes(pk), pk.srs)
    vk2 = vk_from_bytes(vk_to_bytes(vk))
    assert vk2.digest == vk.digest and len(vk2.blind_points) == vk.domain.n - vk.usable
    assert verify(vk2, c.instance, prove(pk2, c.advice, c.instance))
    assert np.array_equal(pk2.pinned_blinding[b], pk.pinned_blinding[b])
