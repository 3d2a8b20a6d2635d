"""Fit the cost model's constants to measured proofs on this machine.

The measuring (proving seeded MLPs, each step in a fresh process) is
zkir.tuning's: it runs whole workflow steps, so it sits above
zkir.workflow, while this fit needs only the cost model and stays beside it.
Per prover phase, the measured seconds are fitted by non-negative least
squares to that phase's work terms (zkir.cost.model.CircuitFeatures.phase_features).

`zkir tune` measures, fits and saves the constants; `benchmarks/prover.py
--tune` prints the same fit.
"""

from __future__ import annotations

import itertools

import numpy as np

from zkir.cost.model import PHASES, CircuitFeatures, CostModel


def _nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Non-negative least squares for a handful of columns: the best
    unconstrained fit over every subset of columns whose solution is >= 0."""
    best, best_err = np.zeros(a.shape[1]), float(np.sum(b**2))
    scale = np.maximum(np.abs(a).max(axis=0), 1e-300)
    an = a / scale
    for r in range(1, a.shape[1] + 1):
        for cols in itertools.combinations(range(a.shape[1]), r):
            sol, *_ = np.linalg.lstsq(an[:, cols], b, rcond=None)
            if (sol < 0).any():
                continue
            err = float(np.sum((an[:, cols] @ sol - b) ** 2))
            if err < best_err:
                best_err, best = err, np.zeros(a.shape[1])
                best[list(cols)] = sol
    return best / scale


def fit(samples: list[dict]) -> CostModel:
    """Constants from measured samples (relative error weighted, so small and
    large circuits count alike)."""
    feats = [CircuitFeatures(**s["features"]) for s in samples]
    time: dict[str, float] = {}
    for phase in PHASES:
        names = list(feats[0].phase_features()[phase])
        a = np.array([[f.phase_features()[phase][n] for n in names] for f in feats], dtype=np.float64)
        b = np.array([s["phases"][phase] for s in samples], dtype=np.float64)
        w = 1.0 / np.maximum(b, 1e-3)
        coef = _nnls(a * w[:, None], b * w)
        time.update({f"{phase}.{n}": float(c) for n, c in zip(names, coef)})
    names = ["base", *feats[0].memory_terms()]
    a = np.array([[1.0, *f.memory_terms().values()] for f in feats])
    b = np.array([float(s["rss"]) for s in samples])
    w = 1.0 / np.maximum(b, 1.0)
    memory = dict(zip(names, map(float, _nnls(a * w[:, None], b * w))))
    return CostModel(time, memory, "calibrated")


def report(model: CostModel, samples: list[dict]) -> str:
    """Measured vs predicted prove seconds and memory of every sample."""
    lines = [f"{'k':>3} {'advice':>6} {'lookups':>7} {'measured s':>10} {'predicted s':>11} "
             f"{'ratio':>6} {'RSS MB':>7} {'pred MB':>7}"]
    for s in samples:
        f = CircuitFeatures(**s["features"])
        measured = sum(s["phases"].values())
        predicted = model.prove_seconds(f)
        lines.append(
            f"{f.k:>3} {f.advice:>6} {f.lookups:>7} {measured:>10.2f} {predicted:>11.2f} "
            f"{predicted / measured:>6.2f} {s['rss'] / 2**20:>7.0f} {model.memory_bytes(f) / 2**20:>7.0f}"
        )
    return "\n".join(lines)
