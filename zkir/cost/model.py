"""Predicted prove time and peak memory of zkir's prover on one plonk circuit.

Why a model of *our* prover rather than a row count: two layouts with the same
rows can differ several-fold in time (full-size vs small-value commitments,
lookup arguments, permutation chunks, the extended domain of the quotient). The
features below count exactly the work each prover phase does (zkir/prover/
prover.py); the constants turn them into seconds and bytes and are fitted on
the machine that proves (`zkir tune`), with shipped defaults.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from zkir.files import write_atomic
from zkir.prover import protocol
from zkir.prover.constraint_system import ConstraintSystem
from zkir.prover.expression import Constant, Expression, Neg, Product, Query, Scaled, Sum
from zkir.prover.keygen import ext_log_for

PHASES = ("witness", "commitments", "lookups", "permutation", "quotient", "openings")
SHIPPED = Path(__file__).with_name("default_constants.json")
"""Constants fitted on the reference machine kind (2 cores), shipped with zkir."""


def calibrated_path() -> Path:
    """Where `zkir tune` saves this machine's constants."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "zkir" / "cost_model.json"


def _ops(e: Expression) -> int:
    """Vector operations one evaluation of e costs (leaves are free)."""
    if isinstance(e, Constant | Query):
        return 0
    if isinstance(e, Sum | Product):
        return 1 + _ops(e.a) + _ops(e.b)
    if isinstance(e, Scaled | Neg):
        return 1 + _ops(e.a)
    return 1


@dataclass(frozen=True)
class CircuitFeatures:
    """The counts of one circuit at one k that the prover's work depends on."""

    k: int
    ext_log: int
    advice: int
    fixed: int
    instance: int
    equality: int
    lookups: int
    chunks: int
    pieces: int
    opening_points: int
    openings: int
    gate_ops: int
    lookup_ops: int
    late_advice: int = 0
    """Of `advice`, the phase-1 columns: their cells are full-size field elements
    (computed from a challenge), committed at a full MSM's cost."""

    @classmethod
    def of(cls, cs: ConstraintSystem, k: int) -> CircuitFeatures:
        u = cs.usable_rows(k)
        plan = protocol.opening_plan(cs, u)
        # challenges are constants to the prover: count the ops left once they are folded in
        cs = cs.with_challenges([2] * cs.num_challenges)
        return cls(
            k=k,
            ext_log=ext_log_for(cs.degree()),
            advice=cs.num_advice,
            fixed=cs.num_fixed,
            instance=cs.num_instance,
            equality=len(cs.equality),
            lookups=len(cs.lookups),
            chunks=protocol.num_chunks(cs),
            pieces=protocol.num_quotient_pieces(cs),
            opening_points=len({rot for _, rot in plan}),
            openings=len(plan),
            gate_ops=sum(_ops(p) for g in cs.gates for p in g.polys),
            lookup_ops=sum(_ops(e) for lk in cs.lookups for e in [*lk.inputs, *lk.table]),
            late_advice=len(cs.phase_columns(1)),
        )

    # -- derived work counts ------------------------------------------------------
    @property
    def n(self) -> int:
        return 1 << self.k

    @property
    def ext_n(self) -> int:
        return self.n << self.ext_log

    def msm(self, count: int) -> float:
        """Work of `count` full-size MSMs of n points (Pippenger: n / log n)."""
        return count * self.n * 16.0 / self.k

    def phase_features(self) -> dict[str, dict[str, float]]:
        """Per prover phase, the work terms whose weighted sum is its time."""
        n, N = self.n, self.ext_n
        converted = self.advice + self.instance + self.chunks + 2 * self.lookups
        logn, logN = math.log2(n), math.log2(N)
        # permutation and lookup constraints: a handful of vector ops each
        constraint_ops = self.gate_ops + self.lookup_ops + 8 * self.lookups + 4 * self.equality + 6 * self.chunks
        return {
            "witness": {"check": n * (self.gate_ops + self.lookup_ops + self.advice)},
            "commitments": {
                "small_msm": self.msm(self.advice - self.late_advice + self.lookups),
                "full_msm": self.msm(self.chunks + self.lookups + 1 + self.pieces + self.late_advice),
            },
            "lookups": {"lookup_rows": n * self.lookups, "lookup_ops": n * self.lookup_ops},
            "permutation": {"perm_rows": n * (self.equality + self.chunks)},
            "quotient": {
                "ntt": converted * (n * logn + N * logN) + N * logN * (1 + self.pieces / (1 << self.ext_log)),
                "eval": N * constraint_ops,
            },
            "openings": {
                "open_msm": self.msm(self.opening_points),
                "open_evals": n * self.openings,
            },
        }

    def memory_terms(self) -> dict[str, float]:
        """Bytes-proportional terms of peak memory in the prove step."""
        n, N = self.n, self.ext_n
        ext_columns = self.advice + self.instance + self.chunks + 2 * self.lookups  # prover
        ext_columns += self.fixed + self.equality + 4  # proving key (fixed, sigma, l0/llast/lactive/X)
        return {
            "ext_bytes": 32.0 * N * (ext_columns + 2),  # + quotient numerator and h
            "row_bytes": 32.0 * n * (2 * ext_columns + self.openings),
            "points": 2.0 * n,  # Lagrange and monomial SRS points as Python objects
        }


@dataclass
class CostModel:
    """Seconds per unit of each work term, and bytes per memory term."""

    time: dict[str, float]
    memory: dict[str, float]
    source: str = "shipped"

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> CostModel:
        """The given file, else this machine's tuned constants, else the shipped one."""
        candidates = [Path(path)] if path else [calibrated_path(), SHIPPED]
        for p in candidates:
            if p.is_file():
                data = json.loads(p.read_text())
                return cls(data["time"], data["memory"], str(p) if p != SHIPPED else "shipped")
        raise FileNotFoundError(f"no cost model at {candidates[0]}")

    def save(self, path: str | os.PathLike) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"time": self.time, "memory": self.memory}, indent=1) + "\n")

    def phases(self, f: CircuitFeatures) -> dict[str, float]:
        """Predicted seconds of each prover phase."""
        out = {}
        for phase, terms in f.phase_features().items():
            out[phase] = self.time.get(f"{phase}.base", 0.0) + sum(
                self.time.get(f"{phase}.{name}", 0.0) * value for name, value in terms.items()
            )
        return out

    def prove_seconds(self, f: CircuitFeatures) -> float:
        return sum(self.phases(f).values())

    def memory_bytes(self, f: CircuitFeatures) -> float:
        return self.memory.get("base", 0.0) + sum(
            self.memory.get(name, 0.0) * value for name, value in f.memory_terms().items()
        )
