import numpy as np
import pytest

from zkir.prover import CircuitError, ConstraintSystem, MockProver
from zkir.prover import field as F
from zkir.prover.expression import Constant, Neg, Product, Scaled, Sum, evaluate_point, evaluate_vec

P = F.P


def test_operator_overloading_and_degree():
    cs = ConstraintSystem()
    a, b = cs.advice_column(), cs.advice_column()
    q = cs.selector()
    e = q.cur() * (a.cur() * b.next() - 3 * a.prev() + 5) - b.cur()
    assert e.degree() == 3
    assert isinstance(3 * a.cur(), Scaled) and isinstance(-a.cur(), Neg)
    assert isinstance(a.cur() + 1, Sum) and isinstance(a.cur() * b.cur(), Product)
    assert Constant(-1).value == P - 1
    assert {(x.column, x.rotation) for x in e.queries()} == {(q, 0), (a, 0), (b, 1), (a, -1), (b, 0)}
    with pytest.raises(TypeError):
        a.cur() + 1.5


def test_vector_and_point_evaluation_agree():
    cs = ConstraintSystem()
    a, b = cs.advice_column(), cs.advice_column()
    e = (a.cur() - 7) * b.next() * 2 + Neg(a.cur()) * a.cur() + 11
    rng = np.random.default_rng(0)
    av = rng.integers(-1000, 1000, 8)
    bv = rng.integers(-1000, 1000, 8)
    cols = {a: F.from_int64(av), b: F.from_int64(bv)}
    vec = evaluate_vec(e, lambda q: np.roll(cols[q.column], -q.rotation, axis=0), 8)
    got = F.to_ints(vec)
    for i in range(8):
        want = ((int(av[i]) - 7) * int(bv[(i + 1) % 8]) * 2 - int(av[i]) ** 2 + 11) % P
        assert got[i] == want
        pt = evaluate_point(e, lambda q: int(({a: av, b: bv}[q.column])[(i + q.rotation) % 8]) % P)
        assert pt == want
    const = evaluate_vec(Constant(5) * Constant(3), lambda q: None, 4)
    assert F.to_ints(const) == [15] * 4


def test_degree_bookkeeping():
    cs = ConstraintSystem()
    a = cs.advice_column()
    t = cs.fixed_column()
    assert cs.degree() == 3 and cs.permutation_chunk() == 1
    cs.add_lookup("lk", [a.cur() * a.cur()], [t])
    assert cs.degree() == 5  # 2 + deg(f)=2 + deg(t)=1
    cs.create_gate("g", a.cur() * a.cur() * a.cur() * a.next() * a.prev() * a.cur())
    assert cs.degree() == 6
    assert cs.blinding_factors() == 5
    assert cs.usable_rows(4) == 16 - 5 - 1


def test_cs_errors():
    cs = ConstraintSystem()
    a = cs.advice_column()
    other = ConstraintSystem()
    b = other.advice_column()
    other.advice_column()
    with pytest.raises(CircuitError):
        cs.create_gate("bad", other.advice_column().cur())
    with pytest.raises(CircuitError, match="fixed columns"):
        cs.add_lookup("lk", [a.cur()], [a.cur()])
    with pytest.raises(CircuitError, match="inputs"):
        cs.add_lookup("lk", [a.cur(), a.cur()], [cs.fixed_column()])
    with pytest.raises(CircuitError, match="no usable rows"):
        cs.usable_rows(2)


def test_mock_multi_column_lookup_and_copy_names():
    cs = ConstraintSystem()
    x, y = cs.advice_column("x"), cs.advice_column("y")
    tx, ty = cs.fixed_column("tx"), cs.fixed_column("ty")
    cs.add_lookup("square", [x.cur(), y.cur()], [tx.cur(), ty.cur()])
    cs.enable_equality(x, y)
    k = 5
    n, u = 1 << k, cs.usable_rows(k)
    tv = np.zeros(n, np.int64)
    tv[:10] = np.arange(-5, 5)
    sq = tv * tv
    xv = np.arange(u) % 10 - 5
    yv = xv * xv
    assert MockProver(cs, k, [xv, yv], [tv, sq]).verify() == []
    yb = yv.copy()
    yb[4] = yb[4] + 1  # (x, y) pair not in the table although y alone may be
    fails = MockProver(cs, k, [xv, yb], [tv, sq]).verify()
    assert [(f.kind, f.name, f.row) for f in fails] == [("lookup", "square", 4)]
    # copy constraint x[1] == y[2] fails with both cells named
    fails = MockProver(cs, k, [xv, yv], [tv, sq], copies=[((x, 1), (y, 2))]).verify()
    assert fails and fails[0].kind == "copy"
    assert set(fails[0].cells) == {"x[1]", "y[2]"}
    assert "copy 'copy' failed" in str(fails[0])


def test_big_python_ints_as_witness():
    cs = ConstraintSystem()
    a = cs.advice_column()
    q = cs.selector()
    cs.create_gate("sq", q.cur() * (a.cur() * a.cur() - a.next()))
    k = 4
    n, u = 1 << k, cs.usable_rows(k)
    vals = [3]
    for _ in range(u - 1):
        vals.append(vals[-1] ** 2)  # exceeds int64 quickly: reduced mod p
    qv = np.zeros(n, np.int64)
    qv[: u - 1] = 1
    adv = np.array(vals, dtype=object)
    assert MockProver(cs, k, [adv], [qv]).verify() == []


def test_min_k():
    cs = ConstraintSystem()
    cs.advice_column()
    bf = cs.blinding_factors()
    for rows in (1, 10, 26, 27, 1000, 65000):
        k = cs.min_k(rows)
        assert cs.usable_rows(k) >= rows
        assert k == 1 or (1 << (k - 1)) - bf - 1 < rows
