"""Arithmetic on values that are either field vectors or single field elements.

Why: the argument constraints (permutation, lookup, vanishing) are written once
and evaluated by the prover on coset vectors and by the verifier on the opened
evaluations at x; these helpers dispatch on int vs vector.
"""

from __future__ import annotations

from typing import Literal, Protocol, TypeVar, overload

import numpy as np

from . import field as F
from .expression import Value

P = F.P

V = TypeVar("V", int, np.ndarray)
"""A constraint value: a field element at one point (verifier) or a vector (prover)."""
V_co = TypeVar("V_co", int, np.ndarray, covariant=True)


class Getter(Protocol[V_co]):
    """How the argument constraints read their inputs: get(name, index, rotation)
    (see permutation.constraints and lookup.constraints for the names)."""

    def __call__(self, name: str, idx: int = 0, rot: int | Literal["last"] = 0) -> V_co: ...


@overload
def add(a: int, b: int) -> int: ...
@overload
def add(a: np.ndarray, b: Value) -> np.ndarray: ...
@overload
def add(a: Value, b: np.ndarray) -> np.ndarray: ...
@overload
def add(a: Value, b: Value) -> Value: ...
def add(a: Value, b: Value) -> Value:
    if isinstance(a, int):
        return (a + b) % P if isinstance(b, int) else F.add_scalar(b, a)
    return F.add_scalar(a, b) if isinstance(b, int) else F.add(a, b)


@overload
def sub(a: int, b: int) -> int: ...
@overload
def sub(a: np.ndarray, b: Value) -> np.ndarray: ...
@overload
def sub(a: Value, b: np.ndarray) -> np.ndarray: ...
@overload
def sub(a: Value, b: Value) -> Value: ...
def sub(a: Value, b: Value) -> Value:
    if isinstance(b, int):
        return (a - b) % P if isinstance(a, int) else F.add_scalar(a, -b)
    if isinstance(a, int):
        return F.add_scalar(F.neg(b), a)
    return F.sub(a, b)


@overload
def mul(a: int, b: int) -> int: ...
@overload
def mul(a: np.ndarray, b: Value) -> np.ndarray: ...
@overload
def mul(a: Value, b: np.ndarray) -> np.ndarray: ...
@overload
def mul(a: Value, b: Value) -> Value: ...
def mul(a: Value, b: Value) -> Value:
    if isinstance(a, int):
        return a * b % P if isinstance(b, int) else F.mul_scalar(b, a)
    return F.mul_scalar(a, b) if isinstance(b, int) else F.mul(a, b)


@overload
def one_minus(a: int) -> int: ...
@overload
def one_minus(a: np.ndarray) -> np.ndarray: ...
@overload
def one_minus(a: Value) -> Value: ...
def one_minus(a: Value) -> Value:
    return sub(1, a)


def is_vec(a: Value) -> bool:
    return isinstance(a, np.ndarray)
