"""Two prover phases: challenges drawn after phase-0 advice is committed.

The circuit: phase-0 columns x and z that the prover claims are equal, and a
phase-1 column acc = the random linear combination sum_i r^(m-1-i) (x_i - z_i)
built row by row with the challenge r; `last * acc = 0` is the check. It stands
for every randomized check (zkir's randomized matrix products use the same
phases): it is sound only because r is drawn after x and z are committed.
"""

import numpy as np
import pytest

from zkir.prover import ConstraintSystem, MockProver, VerificationError, keygen, prove, verify, vk_from_bytes, vk_to_bytes
from zkir.prover import field as F
from zkir.prover.errors import CircuitError, SynthesisError
from zkir.prover.mock import random_challenges

from prover_circuits import srs_for

K, M = 5, 8


def _circuit():
    cs = ConstraintSystem()
    x = cs.advice_column("x")
    z = cs.advice_column("z")
    acc = cs.advice_column("acc", phase=1)
    first, rest, last = cs.selector("first"), cs.selector("rest"), cs.selector("last")
    r = cs.challenge("r")
    diff = x.cur() - z.cur()
    cs.create_gate("rlc", [first.cur() * (acc.cur() - diff),
                           rest.cur() * (acc.cur() - r * acc.prev() - diff),
                           last.cur() * acc.cur()])
    n = 1 << K
    sel = {name: np.zeros(n, np.int64) for name in ("first", "rest", "last")}
    sel["first"][0] = 1
    sel["rest"][1:M] = 1
    sel["last"][M - 1] = 1
    return cs, [sel["first"], sel["rest"], sel["last"]]


def _acc(x, z, r):
    """The honest phase-1 column for challenge r, as field elements."""
    out, a = [], 0
    for xi, zi in zip(x, z):
        a = (a * r + int(xi) - int(zi)) % F.P
        out.append(a)
    return F.from_ints(out)


def _advice(x, z):
    return [x, z, None]


@pytest.fixture(scope="module")
def keys():
    cs, fixed = _circuit()
    return keygen(srs_for(K), cs, fixed)


def test_constraint_system_records_phases_and_challenges(keys):
    _, vk = keys
    again = vk_from_bytes(vk_to_bytes(vk))
    assert again.cs.advice_phase == [0, 0, 1]
    assert again.cs.challenge_names == ["r"]
    assert again.digest == vk.digest


def test_equal_vectors_prove_and_verify(keys):
    pk, vk = keys
    x = np.arange(1, M + 1)
    seen = []

    def late(ch):
        seen.append(ch)
        return [_acc(x, x, ch[0])]

    proof = prove(pk, _advice(x, x.copy()), late_advice=late)
    assert verify(vk, [], proof, allow_insecure_srs=True)
    assert len(seen) == 1 and 0 <= seen[0][0] < F.P


def test_unequal_vectors_are_caught_by_the_prover_check_and_the_verifier(keys):
    pk, vk = keys
    x = np.arange(1, M + 1)
    z = x.copy()
    z[3] += 1  # the false claim
    late = lambda ch: [_acc(x, z, ch[0])]  # noqa: E731
    with pytest.raises(SynthesisError, match="rlc"):
        prove(pk, _advice(x, z), late_advice=late)
    proof = prove(pk, _advice(x, z), late_advice=late, check=False)
    with pytest.raises(VerificationError):
        verify(vk, [], proof, allow_insecure_srs=True)


def test_a_prover_that_knew_the_challenge_could_cheat_so_it_must_come_from_phase_0(keys):
    """With r known in advance, a false claim passes the check: choose the last
    z so that the combination vanishes. The mock prover confirms the forged
    witness satisfies every gate for that r, so only the transcript order (r
    drawn after x and z are committed) stops it; and the drawn r differs."""
    cs, fixed = _circuit()
    x = np.arange(1, M + 1)
    r = 5
    z = x.copy()
    z[2] += 1  # a false claim: (x - z)_2 = -1 contributes -r^(M-1-2)
    z[M - 1] -= pow(r, M - 1 - 2)  # cancelled by the last row for this r
    mp = MockProver(cs, K, [x, z, _acc(x, z, r)], fixed, challenges=[r])
    assert mp.verify() == []
    pk, vk = keys
    proof = prove(pk, _advice(x, z), late_advice=lambda ch: [_acc(x, z, ch[0])], check=False)
    with pytest.raises(VerificationError):
        verify(vk, [], proof, allow_insecure_srs=True)


def test_the_challenge_depends_on_phase_0_advice(keys):
    pk, _ = keys
    x = np.arange(1, M + 1)
    drawn = {}
    for name, adv in (("a", x), ("a again", x), ("b", x + 1)):
        prove(pk, _advice(adv, adv.copy()), seed=3,
              late_advice=lambda ch, name=name, adv=adv: drawn.setdefault(name, ch) and [_acc(adv, adv, ch[0])])
    assert drawn["a"] == drawn["a again"]
    assert drawn["a"] != drawn["b"]


def test_a_tampered_phase_1_commitment_is_rejected(keys):
    pk, vk = keys
    x = np.arange(1, M + 1)
    proof = bytearray(prove(pk, _advice(x, x.copy()), late_advice=lambda ch: [_acc(x, x, ch[0])]))
    # header (8 bytes), two phase-0 points, then the phase-1 point: swap it for the first one
    third = 8 + 2 * 48
    proof[third:third + 48] = proof[8:8 + 48]
    with pytest.raises(VerificationError):
        verify(vk, [], bytes(proof), allow_insecure_srs=True)


def test_phase_1_columns_need_late_advice_and_pins_must_be_phase_0(keys):
    pk, _ = keys
    x = np.arange(1, M + 1)
    with pytest.raises(CircuitError, match="late_advice"):
        prove(pk, _advice(x, x))
    cs, fixed = _circuit()
    with pytest.raises(CircuitError, match="phase-0"):
        keygen(srs_for(K), cs, fixed, pinned={2: np.zeros(4, np.int64)})
    with pytest.raises(CircuitError, match="challenges"):
        MockProver(cs, K, [x, x, x], fixed)


def test_mock_challenges_are_random():
    cs, _ = _circuit()
    a, b = random_challenges(cs), random_challenges(cs)
    assert len(a) == 1 and a != b
