"""Mock prover: check every gate, lookup and copy constraint without crypto.

Why: it is the circuit writer's debugger.  All checks are exact arithmetic mod
p with the compiled field kernels over whole columns (no per-row Python), and
each failure names the gate/lookup, the row and the cells involved.  Advice
rows past the usable region are filled with random values exactly as the real
prover does, so a gate that is not switched off on the blinding rows fails
here too instead of only in `verify`.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Iterable, Sequence, cast

import numpy as np
import numpy.typing as npt

from . import field as F
from . import lookup as lk
from . import permutation as perm
from .constraint_system import ConstraintSystem
from .errors import CircuitError
from .expression import Column, Expression, Query, evaluate_vec
from .keygen import as_field_column
from .permutation import Copy

P = F.P
MAX_ROWS_PER_CONSTRAINT = 64


def random_challenges(cs: ConstraintSystem) -> list[int]:
    """Challenge values as a verifier draws them: uniform in the field, from the
    OS CSPRNG, so a witness that only holds for some challenges is caught."""
    import secrets

    return [secrets.randbelow(P) for _ in range(cs.num_challenges)]


def _signed(x: int) -> int:
    return x - P if x > P // 2 else x


@dataclass
class Failure:
    kind: str  # "gate", "lookup", "copy" or "pinned" (a weight other than the key's)
    name: str  # gate name (with polynomial index) / lookup name / "copy"
    row: int
    cells: dict = dc_field(default_factory=dict)

    def __str__(self) -> str:
        cells = ", ".join(f"{k}={v}" for k, v in self.cells.items())
        return f"{self.kind} '{self.name}' failed at row {self.row} ({cells})"


class MockProver:
    def __init__(self, cs: ConstraintSystem, k: int, advice: Sequence[npt.ArrayLike], fixed: Sequence[npt.ArrayLike],
                 instance: Sequence[npt.ArrayLike] = (), permutation: np.ndarray | None = None,
                 copies: Iterable[Copy] = (), field_input: bool = False, seed: int = 0,
                 pinned: dict[int, npt.ArrayLike] | None = None, challenges: Sequence[int] | None = None) -> None:
        """pinned: advice column -> the values the verifying key pins there (the
        model's private weights); other values are failures, as the verifier says.
        challenges: the values of the circuit's challenges, which the phase-1
        advice was computed from (`random_challenges` draws them as a verifier
        would); needed when the circuit has challenges, and already bound when
        `cs` comes from the prover."""
        if cs.num_challenges and not cs.bound and challenges is None:
            raise CircuitError(f"the circuit has {cs.num_challenges} challenges: pass their values")
        if challenges is not None and not cs.bound:
            cs = cs.with_challenges(challenges)
        self.cs = cs
        self.k = k
        n = self.n = 1 << k
        u = self.u = cs.usable_rows(k)
        rng = np.random.default_rng(seed)
        self.advice: list[np.ndarray]
        self.fixed: list[np.ndarray]
        self.instance: list[np.ndarray]
        if field_input:
            # field_input: the caller (the prover) passes columns that already are field vectors
            self.advice = cast("list[np.ndarray]", list(advice))
            self.fixed = cast("list[np.ndarray]", list(fixed))
            self.instance = cast("list[np.ndarray]", list(instance))
        else:
            if len(advice) != cs.num_advice or len(fixed) != cs.num_fixed or len(instance) != cs.num_instance:
                raise CircuitError(f"expected {cs.num_advice} advice, {cs.num_fixed} fixed and "
                                   f"{cs.num_instance} instance columns, got {len(advice)}, {len(fixed)}, {len(instance)}")
            self.advice = []
            for i, v in enumerate(advice):
                col = as_field_column(v, n, u, f"advice column {i}")
                col[u:] = perm.random_field(n - u, rng)
                self.advice.append(col)
            self.fixed = [as_field_column(v, n, n, f"fixed column {i}") for i, v in enumerate(fixed)]
            self.instance = [as_field_column(v, n, u, f"instance column {i}") for i, v in enumerate(instance)]
        if permutation is None:
            pa, pb = perm.normalize_copies(list(copies), cs.equality, u)
            permutation = perm.build_sigma(len(cs.equality), n, u, pa, pb)
        self.permutation = permutation
        self.pinned = {i: as_field_column(v, n, u, f"pinned column {i}")[:u] for i, v in (pinned or {}).items()}

    def _col(self, c: Column) -> np.ndarray:
        return {"advice": self.advice, "fixed": self.fixed, "instance": self.instance}[c.kind][c.index]

    def _resolve(self, q: Query) -> np.ndarray:
        v = self._col(q.column)
        return np.roll(v, -q.rotation, axis=0) if q.rotation else v

    def _cells(self, expr: Expression, row: int) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        for q in sorted(expr.queries(), key=lambda q: (q.column.kind, q.column.index, q.rotation)):
            r = (row + q.rotation) % self.n
            name = self.cs.name_of(q.column) + (f"@{q.rotation:+d}" if q.rotation else "")
            out[f"{name}[{r}]"] = _signed(F.to_ints(self._col(q.column)[r:r + 1])[0])
        return out

    def verify(self) -> list[Failure]:
        """All failures (at most MAX_ROWS_PER_CONSTRAINT rows per constraint)."""
        cs, n, u = self.cs, self.n, self.u
        fails: list[Failure] = []
        for g in cs.gates:
            for pi, p in enumerate(g.polys):
                val = evaluate_vec(p, self._resolve, n)
                bad = np.flatnonzero(~F.is_zero(val))
                name = g.name if len(g.polys) == 1 else f"{g.name}[{pi}]"
                for r in bad[:MAX_ROWS_PER_CONSTRAINT].tolist():
                    cells = self._cells(p, r)
                    if r >= u:
                        cells["note"] = "row is in the blinding region: gate must be disabled there"
                    fails.append(Failure("gate", name, r, cells))
        for lkp in cs.lookups:
            ins = [evaluate_vec(e, self._resolve, n)[:u] for e in lkp.inputs]
            tab = [evaluate_vec(e, self._resolve, n)[:u] for e in lkp.table]
            _m, missing = lk.multiplicities(ins, tab)
            for r in missing[:MAX_ROWS_PER_CONSTRAINT].tolist():
                cells = {f"input{j}": _signed(F.to_ints(ins[j][r:r + 1])[0]) for j in range(len(ins))}
                fails.append(Failure("lookup", lkp.name, r, cells))
        for index, expected in sorted(self.pinned.items()):
            got = self.advice[index][:u]
            bad = np.flatnonzero(np.any(got != expected, axis=1))
            if bad.size:
                r = int(bad[0])
                name = self.cs.name_of(Column("advice", index))
                fails.append(Failure("pinned", name, r, {
                    f"{name}[{r}]": _signed(F.to_ints(got[r:r + 1])[0]),
                    "pinned": _signed(F.to_ints(expected[r:r + 1])[0]),
                    "rows differing": int(bad.size)}))
        if cs.equality:
            vals = np.concatenate([self._col(c) for c in cs.equality])
            other = vals[self.permutation]
            bad = np.flatnonzero(np.any(vals != other, axis=1))
            for pos in bad[:MAX_ROWS_PER_CONSTRAINT].tolist():
                tgt = int(self.permutation[pos])
                ca, ra = cs.equality[pos // n], pos % n
                cb, rb = cs.equality[tgt // n], tgt % n
                cells = {f"{cs.name_of(ca)}[{ra}]": _signed(F.to_ints(vals[pos:pos + 1])[0]),
                         f"{cs.name_of(cb)}[{rb}]": _signed(F.to_ints(other[pos:pos + 1])[0])}
                fails.append(Failure("copy", "copy", ra, cells))
        return fails

    def assert_satisfied(self) -> None:
        fails = self.verify()
        if fails:
            from .errors import SynthesisError

            raise SynthesisError("; ".join(str(f) for f in fails[:5])
                                 + (f" (and {len(fails) - 5} more)" if len(fails) > 5 else ""))
