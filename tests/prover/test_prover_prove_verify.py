import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from zkir.prover import (ConstraintSystem, MockProver, ProofFormatError, SynthesisError,
                         VerificationError, keygen, prove, verify, vk_from_bytes, vk_to_bytes)

from prover_circuits import fib_circuit, mul_lookup_circuit, srs_for, wide_circuit


def _keys(c):
    return keygen(srs_for(c.k), c.cs, c.fixed, c.copies)


def _mock(c, advice=None, instance=None):
    return MockProver(c.cs, c.k, advice if advice is not None else c.advice, c.fixed,
                      instance if instance is not None else c.instance, copies=c.copies).verify()


@pytest.mark.parametrize("make", [mul_lookup_circuit, fib_circuit, wide_circuit])
def test_completeness(make):
    c = make()
    assert _mock(c) == []
    pk, vk = _keys(c)
    proof = prove(pk, c.advice, c.instance)
    assert verify(vk, c.instance, proof) is True


def test_proofs_are_randomised_but_both_verify():
    c = mul_lookup_circuit()
    pk, vk = _keys(c)
    p1 = prove(pk, c.advice, c.instance)
    p2 = prove(pk, c.advice, c.instance)
    assert p1 != p2
    assert verify(vk, c.instance, p1) and verify(vk, c.instance, p2)
    # a fixed seed makes the blinding, hence the proof, reproducible
    assert prove(pk, c.advice, c.instance, seed=7) == prove(pk, c.advice, c.instance, seed=7)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(4, 6), st.integers(1, 4), st.integers(0, 2**32 - 1), st.booleans())
def test_random_circuits_complete(k, ncols, seed, with_lookup):
    """Random linear-combination + product gates over random columns, a random
    copy structure among equal cells, optional lookup."""
    rng = np.random.default_rng(seed)
    cs = ConstraintSystem()
    xs = [cs.advice_column() for _ in range(ncols)]
    out = cs.advice_column("out")
    q = cs.selector("q")
    coefs = [int(v) for v in rng.integers(-5, 6, ncols)]
    rot = int(rng.integers(0, 2))
    expr = out.cur()
    for cf, x in zip(coefs, xs):
        expr = expr - cf * x.query(rot)
    expr = expr - xs[0].cur() * xs[-1].cur()
    cs.create_gate("rand", q.cur() * expr)
    if with_lookup:
        t = cs.fixed_column("t")
        cs.add_lookup("lk", [xs[0].cur()], [t])
    cs.enable_equality(*xs, out)
    n, u = 1 << k, cs.usable_rows(k)
    vals = [rng.integers(-4, 4, u) for _ in range(ncols)]  # the 8-entry table fits in u rows
    qv = np.zeros(n, np.int64)
    qv[: u - 1] = 1
    o = np.zeros(u, np.int64)
    for cf, v in zip(coefs, vals):
        o[: u - 1] += cf * (v[rot: rot + u - 1])
    o[: u - 1] += vals[0][: u - 1] * vals[-1][: u - 1]
    fixed = [qv]
    if with_lookup:
        tv = np.zeros(n, np.int64)
        tv[:8] = np.arange(-4, 4)
        fixed.append(tv)
    # copies between every pair of equal cells in column 0 / out
    copies = []
    allcols = xs + [out]
    allvals = vals + [o]
    for _ in range(5):
        i, j = rng.integers(0, len(allcols), 2)
        r1, r2 = rng.integers(0, u, 2)
        if allvals[i][r1] == allvals[j][r2]:
            copies.append(((allcols[i], int(r1)), (allcols[j], int(r2))))
    assert MockProver(cs, k, allvals, fixed, [], copies=copies).verify() == []
    pk, vk = keygen(srs_for(k), cs, fixed, copies)
    assert verify(vk, [], prove(pk, allvals, []))


# ------------------------------------------------------------------ soundness
def test_wrong_gate_cell_rejected_and_named():
    c = mul_lookup_circuit()
    bad = [v.copy() for v in c.advice]
    bad[1][6] += 1  # b at row 6: c != a * b there (a[6] != 0 ensured below)
    bad[0][6] = 3
    bad[2][6] = 3 * c.advice[1][6]
    fails = _mock(c, bad)
    assert [(f.kind, f.name, f.row) for f in fails] == [("gate", "mul", 6)]
    assert "b[6]" in fails[0].cells
    pk, vk = _keys(c)
    with pytest.raises(SynthesisError, match="mul"):
        prove(pk, bad, c.instance)
    proof = prove(pk, bad, c.instance, check=False)
    with pytest.raises(VerificationError, match="pairing check failed"):
        verify(vk, c.instance, proof)


def test_broken_copy_rejected_and_named():
    c = mul_lookup_circuit()
    bad = [v.copy() for v in c.advice]
    bad[0][0] = 1  # copy a[0] == c[0] broken; keep gate true: c[0] = a[0]*b[0] would change
    bad[2][0] = bad[1][0]  # c = 1 * b ; so c[0] = b[0] != a[0] = 1 unless b[0] == 1
    if bad[1][0] == 1:
        bad[1][0] = 2
        bad[2][0] = 2
    fails = _mock(c, bad)
    assert fails and all(f.kind == "copy" for f in fails)
    assert {f.row for f in fails} == {0}
    assert any("a[0]" in f.cells for f in fails)
    pk, vk = _keys(c)
    proof = prove(pk, bad, c.instance, check=False)
    with pytest.raises(VerificationError):
        verify(vk, c.instance, proof)


def test_missing_lookup_value_rejected_and_named():
    c = mul_lookup_circuit()
    bad = [v.copy() for v in c.advice]
    bad[0][9] = 16  # not in range16 table
    bad[2][9] = 16 * bad[1][9]
    fails = _mock(c, bad)
    assert [(f.kind, f.name, f.row) for f in fails] == [("lookup", "range16", 9)]
    assert fails[0].cells == {"input0": 16}
    pk, vk = _keys(c)
    proof = prove(pk, bad, c.instance, check=False)
    with pytest.raises(VerificationError, match="pairing check failed"):
        verify(vk, c.instance, proof)


def test_altered_instance_rejected():
    c = mul_lookup_circuit()
    pk, vk = _keys(c)
    proof = prove(pk, c.advice, c.instance)
    with pytest.raises(VerificationError):
        verify(vk, [c.instance[0] + 1], proof)
    with pytest.raises(VerificationError):
        verify(vk, [np.array([c.instance[0][0], 0])], proof)


def test_flipped_byte_rejected():
    c = mul_lookup_circuit()
    pk, vk = _keys(c)
    proof = bytearray(prove(pk, c.advice, c.instance))
    rng = np.random.default_rng(0)
    for pos in list(rng.integers(8, len(proof), 6)) + [8, len(proof) - 1]:
        bad = bytearray(proof)
        bad[pos] ^= 0x01
        with pytest.raises(VerificationError):
            verify(vk, c.instance, bytes(bad))


def test_truncated_and_extended_proof_rejected():
    c = mul_lookup_circuit()
    pk, vk = _keys(c)
    proof = prove(pk, c.advice, c.instance)
    for cut in (0, 5, 8, 100, len(proof) - 1):
        with pytest.raises(ProofFormatError, match="truncated"):
            verify(vk, c.instance, proof[:cut])
    with pytest.raises(ProofFormatError, match="trailing"):
        verify(vk, c.instance, proof + b"\0")


def test_proof_against_other_circuit_vk_rejected():
    c1 = mul_lookup_circuit(seed=0)
    pk1, vk1 = _keys(c1)
    proof = prove(pk1, c1.advice, c1.instance)
    # same shape, different fixed table: different vk
    c2 = mul_lookup_circuit(seed=0)
    c2.fixed[1] = c2.fixed[1].copy()
    c2.fixed[1][20] = 99
    _, vk2 = _keys(c2)
    with pytest.raises(VerificationError):
        verify(vk2, c1.instance, proof)
    # a completely different circuit
    c3 = fib_circuit()
    _, vk3 = _keys(c3)
    with pytest.raises(VerificationError):
        verify(vk3, c3.instance, proof)


def test_gate_active_on_blinding_rows_is_reported():
    cs = ConstraintSystem()
    a = cs.advice_column("a")
    cs.create_gate("always", a.cur() * a.cur() - a.cur())  # no selector
    k = 4
    u = cs.usable_rows(k)
    fails = MockProver(cs, k, [np.ones(u, np.int64)], []).verify()
    assert fails and all(f.row >= u for f in fails) and "blinding" in fails[0].cells["note"]


def test_bad_inputs_clear_errors():
    c = mul_lookup_circuit()
    pk, vk = _keys(c)
    from zkir.prover import CircuitError

    with pytest.raises(CircuitError, match="expected 3 advice"):
        prove(pk, c.advice[:2], c.instance)
    with pytest.raises(CircuitError, match="usable rows"):
        prove(pk, [np.zeros(1 << c.k, np.int64)] * 3, c.instance)
    with pytest.raises(CircuitError, match="not equality-enabled"):
        keygen(srs_for(c.k), c.cs, c.fixed, [((c.cols["b"], 0), (c.cols["a"], 1))])
    with pytest.raises(CircuitError, match="integers"):
        prove(pk, [np.zeros(3, np.float64)] * 3, c.instance)


def _bench_module():
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "prover.py")
    spec = importlib.util.spec_from_file_location("zkir_bench_prover", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_circuit_small_with_phase_timings():
    bench = _bench_module()
    pk, vk, advice, _ = bench.synthetic(9, srs_for(9))  # the 256-row table needs more than 2^8 rows
    tm = {}
    proof = prove(pk, advice, [], timings=tm)
    assert verify(vk, [], proof)
    assert {"commitments", "lookups", "permutation", "quotient", "openings"} <= set(tm)
    assert tm["total"] >= tm["quotient"] > 0


@pytest.mark.slow
def test_benchmark_circuit_k14():
    bench = _bench_module()
    pk, vk, advice, _ = bench.synthetic(14, srs_for(14))
    proof = prove(pk, advice, [])
    assert verify(vk, [], proof)
    bad = [a.copy() for a in advice]
    bad[7][100] += 1
    with pytest.raises(VerificationError):
        verify(vk, [], prove(pk, bad, [], check=False))


def test_whole_column_instance_with_tensor_copy():
    """Public outputs: every c[i] = a[i]^2 is copied to instance row i (tensor-form copy)."""
    cs = ConstraintSystem()
    a, c = cs.advice_column("a"), cs.advice_column("c")
    q = cs.selector("q")
    out = cs.instance_column("out")
    cs.create_gate("square", q.cur() * (a.cur() * a.cur() - c.cur()))
    cs.enable_equality(c, out)
    k = 7
    n, u = 1 << k, cs.usable_rows(k)
    qv = np.zeros(n, np.int64)
    qv[:u] = 1
    av = np.arange(u) - 60
    cv = av * av
    rows = np.arange(u)
    pk, vk = keygen(srs_for(k), cs, [qv], [(c, rows, out, rows)])
    proof = prove(pk, [av, cv], [cv])
    assert verify(vk, [cv], proof)
    wrong = cv.copy()
    wrong[u // 2] += 1
    with pytest.raises(VerificationError):
        verify(vk, [wrong], proof)
    fails = MockProver(cs, k, [av, cv], [qv], [wrong], copies=[(c, rows, out, rows)]).verify()
    assert fails and {f.kind for f in fails} == {"copy"} and {f.row for f in fails} == {u // 2}


def test_instance_and_fixed_queried_in_gates_with_rotations():
    """No equality, no lookup: the verifier evaluates instance columns itself,
    also at rotated points; a fixed column is read at rotation -1."""
    cs = ConstraintSystem()
    a = cs.advice_column("a")
    q = cs.selector("q")
    f = cs.fixed_column("f")
    pub = cs.instance_column("pub")
    # a[i] = pub[i] + pub[i+1] * f[i-1]
    cs.create_gate("mix", q.cur() * (a.cur() - pub.cur() - pub.next() * f.prev()))
    k = 5
    n, u = 1 << k, cs.usable_rows(k)
    rng = np.random.default_rng(3)
    qv = np.zeros(n, np.int64)
    qv[1: u - 1] = 1
    fv = rng.integers(-9, 9, n)
    pv = rng.integers(-100, 100, u)
    av = np.zeros(u, np.int64)
    av[1: u - 1] = pv[1: u - 1] + pv[2:u] * fv[0: u - 2]
    assert MockProver(cs, k, [av], [qv, fv], [pv]).verify() == []
    pk, vk = keygen(srs_for(k), cs, [qv, fv], [])
    proof = prove(pk, [av], [pv])
    assert verify(vk, [pv], proof)
    p2 = pv.copy()
    p2[5] += 1
    with pytest.raises(VerificationError):
        verify(vk, [p2], proof)
    fails = MockProver(cs, k, [av], [qv, fv], [p2]).verify()
    assert {(f.name, f.row) for f in fails} == {("mix", 4), ("mix", 5)}


def test_threading_does_not_change_the_proof(monkeypatch):
    """Blocked/threaded quotient and MSM batches give bit-identical proofs."""
    bench = _bench_module()
    pk, vk, advice, _ = bench.synthetic(9, srs_for(9))
    monkeypatch.setenv("ZKIR_PROVER_THREADS", "1")
    p1 = prove(pk, advice, [], seed=11)
    monkeypatch.setenv("ZKIR_PROVER_THREADS", "3")
    p3 = prove(pk, advice, [], seed=11)
    assert p1 == p3 and verify(vk, [], p1)


@pytest.mark.parametrize("gate_degree", [2, 5, 6])
def test_degrees_and_selected_lookup(gate_degree):
    """Lookup of q * a (degree 5 argument) next to gates of several degrees:
    exercises extension factors 4 and 8 and permutation chunks of 3 and 4."""
    cs = ConstraintSystem()
    a, b, c = cs.advice_column("a"), cs.advice_column("b"), cs.advice_column("c")
    q = cs.selector("q")
    t = cs.fixed_column("t")
    # c = a * b^(gate_degree - 2)  (degree gate_degree with the selector)
    prod = a.cur()
    for _ in range(gate_degree - 2):
        prod = prod * b.cur()
    cs.create_gate("pow", q.cur() * (prod - c.cur()) if gate_degree > 2 else q.cur() * (a.cur() - c.cur()))
    cs.add_lookup("small", [q.cur() * a.cur()], [t])
    cs.enable_equality(a, b, c)
    assert cs.degree() == max(5, gate_degree)
    k = 6
    n, u = 1 << k, cs.usable_rows(k)
    rng = np.random.default_rng(gate_degree)
    qv = np.zeros(n, np.int64)
    qv[: u - 3] = 1
    tv = np.zeros(n, np.int64)
    tv[:20] = np.arange(20)
    av = rng.integers(0, 20, u)
    bv = rng.integers(-3, 4, u)
    cv = av * bv ** (gate_degree - 2) if gate_degree > 2 else av.copy()
    cv[u - 3:] = 0
    av[u - 3:] = 999  # unselected rows: q * a = 0, which is in the table
    copies = [((a, 0), (c, 0)) if cv[0] == av[0] else ((b, 1), (b, 1))]
    assert MockProver(cs, k, [av, bv, cv], [qv, tv], copies=copies).verify() == []
    pk, vk = keygen(srs_for(k), cs, [qv, tv], copies)
    assert verify(vk, [], prove(pk, [av, bv, cv], []))
    bad = av.copy()
    bad[2] = 25
    badc = cv.copy()
    badc[2] = 25 * bv[2] ** (gate_degree - 2) if gate_degree > 2 else 25
    fails = MockProver(cs, k, [bad, bv, badc], [qv, tv], copies=copies).verify()
    assert [(f.kind, f.row) for f in fails if f.kind == "lookup"] == [("lookup", 2)]
    with pytest.raises(VerificationError):
        verify(vk, [], prove(pk, [bad, bv, badc], [], check=False))


def test_verify_rejects_malformed_instance_arguments():
    c = mul_lookup_circuit()
    pk, vk = _keys(c)
    proof = prove(pk, c.advice, c.instance)
    for bad in (None, [], [np.zeros((2, 2))], [np.array([1.5])], [np.zeros(10**4, np.int64)], 5):
        with pytest.raises(VerificationError, match="bad instance"):
            verify(vk, bad, proof)
    with pytest.raises(ProofFormatError):
        verify(vk, c.instance, "not bytes")


def test_copy_to_fixed_constant_cell():
    """Constants are wired in by copying advice cells to a fixed column."""
    cs = ConstraintSystem()
    a = cs.advice_column("a")
    const = cs.fixed_column("const")
    cs.enable_equality(a, const)
    k = 4
    n, u = 1 << k, cs.usable_rows(k)
    cv = np.zeros(n, np.int64)
    cv[0], cv[1] = 42, -7
    av = np.zeros(u, np.int64)
    av[3], av[5] = 42, -7
    copies = [((a, 3), (const, 0)), ((a, 5), (const, 1))]
    assert MockProver(cs, k, [av], [cv], copies=copies).verify() == []
    pk, vk = keygen(srs_for(k), cs, [cv], copies)
    assert verify(vk, [], prove(pk, [av], []))
    av2 = av.copy()
    av2[5] = 7
    fails = MockProver(cs, k, [av2], [cv], copies=copies).verify()
    assert fails and all(f.kind == "copy" for f in fails) and any("a[5]" in f.cells for f in fails)
    with pytest.raises(VerificationError):
        verify(vk, [], prove(pk, [av2], [], check=False))


def test_circuit_smaller_than_srs():
    c = mul_lookup_circuit(k=5)
    pk, vk = keygen(srs_for(7), c.cs, c.fixed, c.copies, k=5)
    assert vk.k == 5
    proof = prove(pk, c.advice, c.instance)
    assert verify(vk, c.instance, proof)
    # same seed, hence the same tau: the G1-iNTT Lagrange points reproduce the
    # directly generated ones, so the keys are identical
    _, vk_exact = _keys(c)
    assert vk_exact.to_bytes() == vk.to_bytes()
    from zkir.prover import SRS

    _, vk_other = keygen(SRS.generate(5), c.cs, c.fixed, c.copies)
    with pytest.raises(VerificationError):
        verify(vk_other, c.instance, proof)


_AGREE = {}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2), st.integers(0, 10**6), st.integers(-3, 3).filter(lambda d: d != 0))
def test_mock_and_verifier_agree_on_single_cell_changes(col, row_seed, delta):
    """Changing one advice cell: the proof verifies exactly when the mock
    prover finds no failure (e.g. b may change freely where a = 0)."""
    if not _AGREE:
        c = mul_lookup_circuit()
        _AGREE["c"] = c
        _AGREE["keys"] = _keys(c)
    c = _AGREE["c"]
    pk, vk = _AGREE["keys"]
    u = c.cs.usable_rows(c.k)
    row = row_seed % u
    adv = [v.copy() for v in c.advice]
    adv[col][row] += delta
    ok_mock = not _mock(c, adv)
    proof = prove(pk, adv, c.instance, check=False)
    try:
        ok_verify = verify(vk, c.instance, proof)
    except VerificationError:
        ok_verify = False
    assert ok_mock == ok_verify


def test_pinned_advice_binds_the_values_to_the_key():
    """A pinned column (a model's private weights) verifies with the pinned values,
    and any other values, even ones satisfying every gate, are rejected."""
    c = mul_lookup_circuit()
    b_index = c.cols["b"].index
    pk, vk = keygen(srs_for(c.k), c.cs, c.fixed, c.copies, pinned={b_index: c.advice[1]})
    assert verify(vk, c.instance, prove(pk, c.advice, c.instance))
    # same pinned commitment after a round trip of the key
    assert verify(vk_from_bytes(vk_to_bytes(vk)), c.instance, prove(pk, c.advice, c.instance))
    other = [col.copy() for col in c.advice]
    other[1][5] += 1  # another "weight"
    other[2][5] = other[0][5] * other[1][5]  # the gate still holds
    assert MockProver(c.cs, c.k, other, c.fixed, c.instance, copies=c.copies).verify() == []
    with pytest.raises(VerificationError, match="does not hold the values the verifying key pins"):
        verify(vk, c.instance, prove(pk, other, c.instance))
