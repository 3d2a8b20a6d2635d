"""The parts of the protocol prover and verifier must agree on exactly.

Why: the list of constraints (in y-power order) and the list of openings
(polynomial, rotation) are defined once here; the prover evaluates them on
coset vectors, the verifier on the evaluations at the challenge x.
"""

from __future__ import annotations

from typing import Callable, Iterator

from . import lookup as lk
from . import permutation as perm
from .algebra import V, Getter
from .constraint_system import ConstraintSystem
from .expression import Expression

PROOF_MAGIC = b"ZKIRPRF"
PROOF_VERSION = 1


def num_chunks(cs: ConstraintSystem) -> int:
    return len(perm.chunks(len(cs.equality), cs.permutation_chunk()))


def num_quotient_pieces(cs: ConstraintSystem) -> int:
    return cs.degree() - 1


def opening_plan(cs: ConstraintSystem, usable: int) -> list[tuple[tuple, int]]:
    """Every (polynomial key, rotation) the proof opens, in transcript order.
    Instance columns are not opened: the verifier evaluates them itself."""
    plan: list[tuple[tuple, int]] = []
    qs = {(q.column.kind, q.column.index, q.rotation) for q in cs.queries()}
    qs |= {(c.kind, c.index, 0) for c in cs.equality}  # the permutation reads them at x
    order = {"advice": 0, "fixed": 1, "instance": 2}
    for kind, idx, rot in sorted(qs, key=lambda t: (order[t[0]], t[1], t[2])):
        if kind != "instance":
            plan.append(((kind, idx), rot))
    for j in range(len(cs.equality)):
        plan.append((("sigma", j), 0))
    nc = num_chunks(cs)
    for c in range(nc):
        plan.append((("z", c), 0))
        plan.append((("z", c), 1))
        if c < nc - 1:
            plan.append((("z", c), usable))
    for i in range(len(cs.lookups)):
        plan.append((("m", i), 0))
        plan.append((("phi", i), 0))
        plan.append((("phi", i), 1))
    # the quotient pieces are opened as one combination sum_i x^(n i) h_i whose
    # value the verifier derives itself (halo2's vanishing argument): no h_i(x)
    # is revealed
    plan.append((RANDOM, 0))
    plan.append((HCOMB, 0))
    return plan


HCOMB = ("hcomb", 0)
RANDOM = ("random", 0)


def is_sent(key: tuple) -> bool:
    """Evaluations the proof carries (the combined quotient's is implied)."""
    return key != HCOMB


def constraints(cs: ConstraintSystem, get: Getter[V], evalexpr: Callable[[Expression], V], theta: int, beta: int,
                gamma: int) -> Iterator[V]:
    """Yield every constraint value (vector or point), in the fixed order:
    gate polynomials, permutation, lookups."""
    for g in cs.gates:
        for p in g.polys:
            yield evalexpr(p)
    yield from perm.constraints(get, len(cs.equality), cs.permutation_chunk(), beta, gamma)
    for i in range(len(cs.lookups)):
        yield from lk.constraints(get, i, beta)


def lookup_compressed(cs: ConstraintSystem, i: int, evalexpr: Callable[[Expression], V], theta: int) -> tuple[V, V]:
    lkp = cs.lookups[i]
    f = lk.compress([evalexpr(e) for e in lkp.inputs], theta)
    t = lk.compress([evalexpr(e) for e in lkp.table], theta)
    return f, t
