import random

import numpy as np
import pytest

from zkir.prover import field as F
from zkir.prover.ntt import intt, ntt
from zkir.prover.poly import Domain, evaluate, evaluate_lagrange

P = F.P


def test_ntt_matches_naive_dft():
    n = 32
    r = random.Random(1)
    xs = [r.randrange(P) for _ in range(n)]
    w = F.root_of_unity(5)
    want = [sum(c * pow(w, i * j, P) for j, c in enumerate(xs)) % P for i in range(n)]
    assert F.to_ints(ntt(F.from_ints(xs))) == want


@pytest.mark.parametrize("logn", [0, 1, 2, 7, 12])
def test_ntt_roundtrip(logn):
    rng = np.random.default_rng(logn)
    a = F.from_int64(rng.integers(-2**40, 2**40, 1 << logn))
    assert np.array_equal(intt(ntt(a)), a)
    assert np.array_equal(ntt(intt(a)), a)


def test_ntt_rejects_non_power_of_two():
    with pytest.raises(ValueError):
        ntt(F.zeros(6))


def test_root_of_unity_order():
    w = F.root_of_unity(10)
    assert pow(w, 1 << 10, P) == 1 and pow(w, 1 << 9, P) != 1
    with pytest.raises(ValueError):
        F.root_of_unity(33)


def test_extended_coset_and_vanishing_division():
    k = 4
    d = Domain(k, ext_log=2)
    n = d.n
    r = random.Random(3)
    # q has degree < 3n, then a = q * Z_H exactly
    q = [r.randrange(P) for _ in range(3 * n)]
    a = [0] * (4 * n)
    for i, c in enumerate(q):
        a[i + n] = (a[i + n] + c) % P
        a[i] = (a[i] - c) % P
    ext = d.coeff_to_extended(F.from_ints(a))
    # values on the coset are the polynomial at g * w_ext^i
    we = F.root_of_unity(d.ext_k)
    xs = [d.g * pow(we, i, P) % P for i in range(3)]
    av = F.to_ints(ext[:3])
    for x, v in zip(xs, av):
        assert v == sum(c * pow(x, j, P) for j, c in enumerate(a)) % P
    qc = d.extended_to_coeff(d.divide_by_vanishing(ext))
    assert F.to_ints(qc) == q + [0] * n


def test_rotation_on_extended_domain():
    d = Domain(3, ext_log=1)
    r = random.Random(4)
    vals = F.from_ints([r.randrange(P) for _ in range(d.n)])
    coeffs = d.lagrange_to_coeff(vals)
    ext = d.coeff_to_extended(coeffs)
    rot = d.rotate_extended(ext, 1)
    # p(w X): coefficients scaled by w^i
    shifted = F.mul(coeffs, F.powers(d.omega, d.n))
    assert np.array_equal(rot, d.coeff_to_extended(shifted))


def test_lagrange_evaluation():
    d = Domain(4)
    r = random.Random(5)
    vals = [r.randrange(P) for _ in range(d.n)]
    v = F.from_ints(vals)
    x = r.randrange(P)
    c = d.lagrange_to_coeff(v)
    assert evaluate(c, x) == evaluate_lagrange(v, d, x)
    ls = d.lagrange_at(x, list(range(d.n)))
    assert sum(a * b for a, b in zip(ls, vals)) % P == evaluate(c, x)
    assert sum(ls) % P == 1
    with pytest.raises(ValueError):
        d.lagrange_at(1, [0])
