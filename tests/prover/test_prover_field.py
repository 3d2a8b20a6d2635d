import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from zkir.prover import field as F

P = F.P
EDGE = [0, 1, 2, P - 1, P - 2, (P - 1) // 2, (P + 1) // 2, 2**64 - 1, 2**64, 2**128 + 5, 2**255 % P]


def _rand(n, seed):
    r = random.Random(seed)
    return EDGE + [r.randrange(P) for _ in range(n)]


def test_roundtrip_ints():
    xs = _rand(200, 1)
    assert F.to_ints(F.from_ints(xs)) == xs


@pytest.mark.parametrize("op,ref", [
    (F.mul, lambda a, b: a * b % P),
    (F.add, lambda a, b: (a + b) % P),
    (F.sub, lambda a, b: (a - b) % P),
])
def test_binary_ops_against_python_ints(op, ref):
    xs = _rand(500, 2)
    ys = list(reversed(_rand(500, 3)))
    got = F.to_ints(op(F.from_ints(xs), F.from_ints(ys)))
    assert got == [ref(a, b) for a, b in zip(xs, ys)]
    # all edge pairs
    ex = [a for a in EDGE for _ in EDGE]
    ey = [b for _ in EDGE for b in EDGE]
    assert F.to_ints(op(F.from_ints(ex), F.from_ints(ey))) == [ref(a, b) for a, b in zip(ex, ey)]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=P - 1), min_size=1, max_size=20),
       st.integers(min_value=0, max_value=P - 1))
def test_scalar_ops_hypothesis(xs, s):
    a = F.from_ints(xs)
    assert F.to_ints(F.mul_scalar(a, s)) == [x * s % P for x in xs]
    assert F.to_ints(F.add_scalar(a, s)) == [(x + s) % P for x in xs]
    assert F.to_ints(F.neg(a)) == [(-x) % P for x in xs]
    assert F.vsum(a) == sum(xs) % P
    assert F.horner(a, s) == sum(x * pow(s, i, P) for i, x in enumerate(xs)) % P


def test_batch_inverse_and_zero():
    xs = [x for x in _rand(300, 4) if x]
    inv = F.to_ints(F.batch_inv(F.from_ints(xs)))
    assert inv == [pow(x, P - 2, P) for x in xs]
    with pytest.raises(ZeroDivisionError):
        F.batch_inv(F.from_ints([3, 0, 5]))


def test_powers_prefix():
    assert F.to_ints(F.powers(5, 10, start=3)) == [3 * pow(5, i, P) % P for i in range(10)]
    xs = _rand(50, 5)
    pp = F.to_ints(F.prefix_product(F.from_ints(xs)))
    acc = 1
    for x, got in zip(xs, pp):
        acc = acc * x % P
        assert got == acc
    ps = F.to_ints(F.prefix_sum(F.from_ints(xs)))
    assert ps[-1] == sum(xs) % P


def test_int64_conversion_signed():
    v = np.array([0, 1, -1, 7, -7, 2**62, -(2**62), 2**63 - 1, -(2**63)], np.int64)
    f = F.from_int64(v)
    assert F.to_ints(f) == [int(x) % P for x in v]
    assert F.to_ints(f)[2] == P - 1
    assert np.array_equal(F.to_int64(f), v)
    with pytest.raises(OverflowError):
        F.to_int64(F.from_ints([2**70]))


def test_div_linear_exact():
    r = random.Random(9)
    coeffs = [r.randrange(P) for _ in range(17)]
    z = r.randrange(P)
    a = F.from_ints(coeffs)
    q = F.div_linear(a, z)
    # q(X) (X - z) + a(z) == a(X)
    qi = F.to_ints(q)
    az = F.horner(a, z)
    recon = [0] * 17
    for i, c in enumerate(qi):
        recon[i + 1] = (recon[i + 1] + c) % P
        recon[i] = (recon[i] - z * c) % P
    recon[0] = (recon[0] + az) % P
    assert recon == coeffs


def test_le_bytes():
    xs = _rand(20, 6)
    b = F.to_le_bytes(F.from_ints(xs))
    assert [int.from_bytes(bytes(row), "little") for row in b] == xs


def test_shape_errors():
    with pytest.raises(ValueError):
        F.mul(F.zeros(3), F.zeros(4))
    with pytest.raises(TypeError):
        F.mul(np.zeros((3, 4), np.int64), F.zeros(3))


def test_random_field_is_reduced_and_spread():
    from zkir.prover.permutation import random_field

    rng = np.random.default_rng(5)
    r = random_field(4000, rng)
    ints = F.to_ints(r)
    assert all(0 <= x < P for x in ints)
    assert len(set(ints)) == 4000
    # top bits spread over the whole field (not just [0, 2^254))
    assert max(ints) > P * 9 // 10 and min(ints) < P // 10
    assert random_field(0, rng).shape == (0, 4)


@pytest.mark.parametrize("n", [1, 7, F.SMALL - 1, F.SMALL, F.SMALL + 3])
def test_small_conversions_agree_with_the_kernels(n):
    """Below F.SMALL values, conversions take a Python-int path (no numba start-up
    for a verifier); both paths must give the same limbs."""
    v = np.random.default_rng(n).integers(-(2**62), 2**62, n)
    kernel = np.empty((n, 4), np.uint64)
    F._from_int64(v, kernel)
    assert np.array_equal(F.from_int64(v), kernel)
    canonical = np.empty_like(kernel)
    F._to_canonical(kernel, canonical)
    assert np.array_equal(F.to_canonical(kernel), canonical)


def test_instance_evaluation_small_path_matches_the_vector_path(monkeypatch):
    from zkir.prover import verifier
    from zkir.prover.poly import Domain

    dom = Domain(6, 2)
    vals = F.from_int64(np.random.default_rng(1).integers(-1000, 1000, 40))
    point = 123456789
    small = verifier._instance_at(dom, vals, point)
    monkeypatch.setattr(F, "SMALL", 0)
    assert verifier._instance_at(dom, vals, point) == small
