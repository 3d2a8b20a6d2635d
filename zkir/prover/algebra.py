"""Arithmetic on values that are either field vectors or single field elements.

Why: the argument constraints (permutation, lookup, vanishing) are written once
and evaluated by the prover on coset vectors and by the verifier on the opened
evaluations at x; these helpers dispatch on int vs vector.
"""

from __future__ import annotations

import numpy as np

from . import field as F

P = F.P


def add(a, b):
    if isinstance(a, int):
        return (a + b) % P if isinstance(b, int) else F.add_scalar(b, a)
    return F.add_scalar(a, b) if isinstance(b, int) else F.add(a, b)


def sub(a, b):
    if isinstance(b, int):
        return (a - b) % P if isinstance(a, int) else F.add_scalar(a, -b)
    if isinstance(a, int):
        return F.add_scalar(F.neg(b), a)
    return F.sub(a, b)


def mul(a, b):
    if isinstance(a, int):
        return a * b % P if isinstance(b, int) else F.mul_scalar(b, a)
    return F.mul_scalar(a, b) if isinstance(b, int) else F.mul(a, b)


def one_minus(a):
    return sub(1, a)


def is_vec(a) -> bool:
    return isinstance(a, np.ndarray)
