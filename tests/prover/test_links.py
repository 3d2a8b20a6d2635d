"""Linked commitments (zkir.prover.links): two proofs of different circuits that
share a column's values and tail commit it identically; anything else does not."""

import numpy as np
import pytest

from zkir.prover import SRS, CircuitError, ConstraintSystem, keygen, prove, verify
from zkir.prover.links import fresh_tail, phase0_commitments

K = 5


def _circuit(extra: bool):
    """A link column `l` copied into `a`; the second circuit also squares `a` into `b`."""
    cs = ConstraintSystem()
    link = cs.advice_column("link_c0_0.0")
    a = cs.advice_column("a")
    cols = [link, a]
    if extra:
        b = cs.advice_column("b")
        q = cs.selector("q")
        cs.create_gate("square", q.cur() * (a.cur() * a.cur() - b.cur()))
        cols.append(b)
    cs.enable_equality(link, a)
    n, u = 1 << K, cs.usable_rows(K)
    fixed = []
    if extra:
        qv = np.zeros(n, np.int64)
        qv[:4] = 1
        fixed = [qv]
    pk, vk = keygen(SRS.insecure_from_seed(K), cs, fixed, [((link, r), (a, r)) for r in range(4)], k=K)
    return cs, pk, vk, u


def _advice(values: np.ndarray, extra: bool, u: int) -> list[np.ndarray]:
    column = np.zeros(u, np.int64)
    column[:4] = values
    out = [column, column.copy()]
    if extra:
        out.append(column * column)
    return out


def test_shared_values_and_tail_give_one_commitment_in_two_circuits():
    (_, pk1, vk1, u1), (_, pk2, vk2, u2) = _circuit(False), _circuit(True)
    values = np.array([3, -1, 4, 1])
    tail = fresh_tail((1 << K) - min(u1, u2))
    p1 = prove(pk1, _advice(values, False, u1), shared_tails={0: tail})
    p2 = prove(pk2, _advice(values, True, u2), shared_tails={0: tail})
    assert verify(vk1, [], p1, allow_insecure_srs=True) and verify(vk2, [], p2, allow_insecure_srs=True)
    assert phase0_commitments(vk1, p1)[0] == phase0_commitments(vk2, p2)[0]
    # the other columns keep their own fresh blinding
    assert phase0_commitments(vk1, p1)[1] != phase0_commitments(vk2, p2)[1]
    # another value, or another tail, is another commitment
    other = prove(pk2, _advice(values + np.array([0, 0, 1, 0]), True, u2), shared_tails={0: tail})
    assert phase0_commitments(vk2, other)[0] != phase0_commitments(vk1, p1)[0]
    fresh = prove(pk2, _advice(values, True, u2), shared_tails={0: fresh_tail((1 << K) - min(u1, u2))})
    assert phase0_commitments(vk2, fresh)[0] != phase0_commitments(vk1, p1)[0]


def test_a_tail_must_cover_the_blinding_rows():
    _, pk, _, u = _circuit(False)
    with pytest.raises(CircuitError, match="must cover"):
        prove(pk, _advice(np.arange(4), False, u), shared_tails={0: fresh_tail((1 << K) - u - 1)})
