"""The cost model: features count the prover's work, the fit recovers constants."""

from dataclasses import replace

import numpy as np
import pytest

from zkir.cost import fit
from zkir.cost.model import SHIPPED, CircuitFeatures, CostModel
from zkir.prover import ConstraintSystem


def _cs(lookups: int) -> ConstraintSystem:
    cs = ConstraintSystem()
    a = [cs.advice_column(f"a{i}") for i in range(4)]
    q = cs.selector("q")
    t = cs.fixed_column("t")
    cs.create_gate("mul", [q.cur() * (a[0].cur() * a[1].cur() - a[2].cur())])
    for i in range(lookups):
        cs.add_lookup(f"l{i}", [q.cur() * a[3].cur()], [t.cur()])
    cs.enable_equality(*a)
    return cs


def test_features_count_columns_lookups_and_chunks():
    f = CircuitFeatures.of(_cs(3), 10)
    assert (f.k, f.advice, f.lookups, f.equality) == (10, 4, 3, 4)
    assert f.n == 1024 and f.ext_n == 1024 << f.ext_log
    chunk = f.pieces + 1 - 2  # columns per permutation product: degree - 2
    assert f.chunks == -(-f.equality // chunk)
    assert f.gate_ops >= 3  # q * (a0 * a1 - a2): three vector ops


def test_more_lookups_or_rows_predict_more_time_and_memory():
    model = CostModel.load(SHIPPED)
    small, more_lookups = CircuitFeatures.of(_cs(1), 12), CircuitFeatures.of(_cs(6), 12)
    bigger = CircuitFeatures.of(_cs(1), 14)
    assert model.prove_seconds(small) < model.prove_seconds(more_lookups) < model.prove_seconds(
        replace(more_lookups, k=15)
    )
    assert model.prove_seconds(small) < model.prove_seconds(bigger)
    assert model.memory_bytes(small) < model.memory_bytes(bigger)


def test_fit_recovers_the_constants_that_generated_the_samples():
    truth = CostModel.load(SHIPPED)
    rng = np.random.default_rng(1)
    samples = []
    for lookups, k in [(1, 10), (3, 11), (6, 12), (2, 13), (8, 12), (4, 14), (1, 15)]:
        f = CircuitFeatures.of(_cs(lookups), k)
        phases = {p: s * (1 + 0.01 * rng.standard_normal()) for p, s in truth.phases(f).items()}
        samples.append({"features": f.__dict__, "phases": phases, "rss": truth.memory_bytes(f)})
    fitted = fit.fit(samples)
    for s in samples:
        f = CircuitFeatures(**s["features"])
        assert fitted.prove_seconds(f) == pytest.approx(truth.prove_seconds(f), rel=0.05)
        assert fitted.memory_bytes(f) == pytest.approx(truth.memory_bytes(f), rel=0.05)
    assert "measured s" in fit.report(fitted, samples)


def test_nnls_never_returns_negative_constants():
    a = np.array([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0]])
    b = np.array([1.0, 0.5, 0.0])  # a negative slope fits best unconstrained
    coef = fit._nnls(a, b)
    assert (coef >= 0).all()


def test_saved_constants_load_back(tmp_path):
    model = CostModel.load(SHIPPED)
    model.save(tmp_path / "c.json")
    again = CostModel.load(tmp_path / "c.json")
    assert again.time == model.time and again.source.endswith("c.json")
    with pytest.raises(FileNotFoundError):
        CostModel.load(tmp_path / "missing.json")
