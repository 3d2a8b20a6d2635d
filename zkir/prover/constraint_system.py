"""The circuit description: columns, gates, lookups, equality-enabled columns.

Why: one object every stage (keygen, prover, verifier, mock) reads, with the
degree and blinding bookkeeping (how many rows are usable, how the permutation
argument is chunked) derived in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field, replace
from typing import Iterable, Sequence

from .errors import CircuitError
from .expression import ADVICE, FIXED, INSTANCE, Challenge, Column, ExprLike, Expression, Query, _lift, bind, challenges_of


@dataclass
class Gate:
    name: str
    polys: list[Expression]


@dataclass
class Lookup:
    name: str
    inputs: list[Expression]
    table: list[Expression]


@dataclass
class ConstraintSystem:
    num_advice: int = 0
    num_fixed: int = 0
    num_instance: int = 0
    names: dict = dc_field(default_factory=dict)
    gates: list[Gate] = dc_field(default_factory=list)
    lookups: list[Lookup] = dc_field(default_factory=list)
    equality: list[Column] = dc_field(default_factory=list)
    advice_phase: list[int] = dc_field(default_factory=list)
    """Per advice column: 0, committed first, or 1, committed after the challenges."""
    challenge_names: list[str] = dc_field(default_factory=list)
    """The challenges, drawn from the transcript once phase-0 advice is committed."""
    bound: bool = False
    """True in a `with_challenges` copy: its expressions hold the drawn values."""

    # -- columns ----------------------------------------------------------------
    def advice_column(self, name: str | None = None, phase: int = 0) -> Column:
        """phase 1: the column's values may depend on the challenges (see `challenge`)."""
        if phase not in (0, 1):
            raise CircuitError(f"advice column phase must be 0 or 1, not {phase}")
        c = Column(ADVICE, self.num_advice)
        self.num_advice += 1
        self.advice_phase.append(phase)
        self.names[c] = name or f"advice{c.index}"
        return c

    def challenge(self, name: str | None = None) -> Challenge:
        """A verifier challenge for gates and lookups: drawn after every phase-0
        advice column is committed, before any phase-1 column is. A constraint
        that multiplies phase-0 values by it checks them against a random point
        the prover could not know when it committed them."""
        self.challenge_names.append(name or f"challenge{len(self.challenge_names)}")
        return Challenge(len(self.challenge_names) - 1)

    @property
    def num_challenges(self) -> int:
        return len(self.challenge_names)

    def phase_columns(self, phase: int) -> list[int]:
        """The advice column indices of one phase, in index order (commitment order)."""
        return [i for i, p in enumerate(self.advice_phase) if p == phase]

    def with_challenges(self, values: Sequence[int]) -> ConstraintSystem:
        """A copy whose gates and lookups have the challenges replaced by their
        drawn values: what the quotient, the mock prover and the verifier evaluate."""
        if len(values) != self.num_challenges:
            raise CircuitError(f"expected {self.num_challenges} challenge values, got {len(values)}")
        if not self.num_challenges or self.bound:
            return self

        def b(e: Expression) -> Expression:
            return bind(e, values) if challenges_of(e) else e

        out = replace(self, names=dict(self.names), equality=list(self.equality),
                      advice_phase=list(self.advice_phase), challenge_names=list(self.challenge_names), bound=True)
        out.gates = [Gate(g.name, [b(p) for p in g.polys]) for g in self.gates]
        out.lookups = [Lookup(lk.name, [b(e) for e in lk.inputs], [b(e) for e in lk.table]) for lk in self.lookups]
        return out

    def fixed_column(self, name: str | None = None) -> Column:
        c = Column(FIXED, self.num_fixed)
        self.num_fixed += 1
        self.names[c] = name or f"fixed{c.index}"
        return c

    def selector(self, name: str | None = None) -> Column:
        """A selector is a fixed column holding 0/1."""
        return self.fixed_column(name or f"selector{self.num_fixed}")

    def instance_column(self, name: str | None = None) -> Column:
        c = Column(INSTANCE, self.num_instance)
        self.num_instance += 1
        self.names[c] = name or f"instance{c.index}"
        return c

    def enable_equality(self, *cols: Column) -> None:
        for c in cols:
            self._check_col(c)
            if c not in self.equality:
                self.equality.append(c)

    def _check_col(self, c: Column) -> None:
        limit = {ADVICE: self.num_advice, FIXED: self.num_fixed, INSTANCE: self.num_instance}[c.kind]
        if not 0 <= c.index < limit:
            raise CircuitError(f"column {c!r} does not exist in this constraint system")

    def _check_challenges(self, e: Expression) -> None:
        for i in challenges_of(e):
            if not 0 <= i < self.num_challenges:
                raise CircuitError(f"challenge {i} does not exist in this constraint system")

    # -- constraints -------------------------------------------------------------
    def create_gate(self, name: str, polys: Expression | Iterable[ExprLike]) -> Gate:
        if isinstance(polys, Expression):
            polys = [polys]
        exprs = [_lift(p) for p in polys]
        for p in exprs:
            for q in p.queries():
                self._check_col(q.column)
            self._check_challenges(p)
        g = Gate(name, exprs)
        self.gates.append(g)
        return g

    def add_lookup(self, name: str, inputs: ExprLike | Sequence[ExprLike],
                   table: Column | ExprLike | Sequence[Column | ExprLike]) -> Lookup:
        """Every row's tuple `inputs` must appear as a row of `table`; the table
        is made of fixed-column expressions at rotation 0."""
        ins = [_lift(e) for e in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
        tab = [Query(t) if isinstance(t, Column) else _lift(t)
               for t in (table if isinstance(table, (list, tuple)) else [table])]
        if len(ins) != len(tab) or not ins:
            raise CircuitError(f"lookup {name!r}: {len(ins)} inputs for {len(tab)} table columns")
        for t in tab:
            for q in t.queries():
                if q.column.kind != FIXED or q.rotation != 0:
                    raise CircuitError(f"lookup {name!r}: table may only query fixed columns at rotation 0")
        for t in tab:
            if challenges_of(t):
                raise CircuitError(f"lookup {name!r}: a table may not depend on a challenge")
        for e in ins + tab:
            for q in e.queries():
                self._check_col(q.column)
            self._check_challenges(e)
        lk = Lookup(name, ins, tab)
        self.lookups.append(lk)
        return lk

    # -- derived quantities ----------------------------------------------------
    def lookup_degree(self, lk: Lookup) -> int:
        df = max(e.degree() for e in lk.inputs)
        dt = max(e.degree() for e in lk.table)
        # active * (dphi * (beta + f) * (beta + t) - m (beta + f) + (beta + t))
        return 2 + max(df, 1) + max(dt, 1)

    def degree(self) -> int:
        """Max degree of any constraint polynomial (at least 3)."""
        d = 3
        for g in self.gates:
            for p in g.polys:
                d = max(d, p.degree())
        for lk in self.lookups:
            d = max(d, self.lookup_degree(lk))
        return d

    def permutation_chunk(self) -> int:
        return self.degree() - 2

    def advice_queries(self) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for e in self.all_expressions():
            for q in e.queries():
                if q.column.kind == ADVICE:
                    out.setdefault(q.column.index, set()).add(q.rotation)
        return out

    def blinding_factors(self) -> int:
        """Random rows at the bottom of every advice column (halo2's rule:
        enough to hide every opening, plus two for the permutation product)."""
        qs = self.advice_queries()
        most = max((len(r) for r in qs.values()), default=1)
        return max(3, most) + 2

    def usable_rows(self, k: int) -> int:
        u = (1 << k) - self.blinding_factors() - 1
        if u < 1:
            raise CircuitError(f"2^{k} rows leave no usable rows after blinding")
        return u

    def min_k(self, rows: int) -> int:
        """Smallest k whose usable rows hold `rows` rows of witness (and tables)."""
        k = 1
        while (1 << k) - self.blinding_factors() - 1 < max(rows, 1):
            k += 1
        return k

    def all_expressions(self) -> list[Expression]:
        out = [p for g in self.gates for p in g.polys]
        for lk in self.lookups:
            out += lk.inputs + lk.table
        return out

    def queries(self) -> list[Query]:
        """Every distinct (column, rotation) query, in a deterministic order."""
        qs: set[Query] = set()
        for e in self.all_expressions():
            qs |= e.queries()
        order = {ADVICE: 0, FIXED: 1, INSTANCE: 2}
        return sorted(qs, key=lambda q: (order[q.column.kind], q.column.index, q.rotation))

    def name_of(self, c: Column) -> str:
        return self.names.get(c, repr(c))
