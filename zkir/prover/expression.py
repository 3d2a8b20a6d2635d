"""Polynomial expressions over (column, rotation) queries.

Why: gates and lookup inputs are written once as expression trees and then
evaluated three ways — over whole coset-domain vectors (prover quotient), over
whole row vectors (mock prover, lookup witnesses) and at a single point
(verifier) — by one evaluator parameterised by how a query is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, Sequence, Union

import numpy as np

from . import field as F

P = F.P

ADVICE, FIXED, INSTANCE = "advice", "fixed", "instance"
_KINDS = (ADVICE, FIXED, INSTANCE)


@dataclass(frozen=True)
class Column:
    kind: str
    index: int

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    def query(self, rotation: int = 0) -> "Query":
        return Query(self, rotation)

    def cur(self) -> "Query":
        return Query(self, 0)

    def next(self) -> "Query":
        return Query(self, 1)

    def prev(self) -> "Query":
        return Query(self, -1)

    def __repr__(self) -> str:
        return f"{self.kind}[{self.index}]"


class Expression:
    """Base class; supports +, -, * with expressions and ints."""

    def degree(self) -> int:
        raise NotImplementedError

    def __add__(self, o: ExprLike) -> Sum: return Sum(self, _lift(o))
    def __radd__(self, o: ExprLike) -> Sum: return Sum(_lift(o), self)
    def __sub__(self, o: ExprLike) -> Sum: return Sum(self, Neg(_lift(o)))
    def __rsub__(self, o: ExprLike) -> Sum: return Sum(_lift(o), Neg(self))
    def __neg__(self) -> Neg: return Neg(self)

    def __mul__(self, o: ExprLike) -> Scaled | Product:
        if isinstance(o, int):
            return Scaled(self, o)
        return Product(self, _lift(o))

    def __rmul__(self, o: ExprLike) -> Scaled | Product:
        if isinstance(o, int):
            return Scaled(self, o)
        return Product(_lift(o), self)

    def queries(self) -> set["Query"]:
        out: set[Query] = set()
        _collect(self, out)
        return out


ExprLike = Union[Expression, int, np.integer]
"""What circuit expressions combine with: expressions and integer constants."""


def _lift(x: object) -> Expression:
    """x as an expression (circuit writers' inputs are checked here, at run time)."""
    if isinstance(x, Expression):
        return x
    if isinstance(x, (int, np.integer)):
        return Constant(int(x))
    raise TypeError(f"cannot use {type(x).__name__} in a circuit expression")


@dataclass(frozen=True, eq=True)
class Constant(Expression):
    value: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", int(self.value) % P)

    def degree(self) -> int:
        return 0


@dataclass(frozen=True, eq=True)
class Query(Expression):
    column: Column
    rotation: int = 0

    def degree(self) -> int:
        return 1

    def __repr__(self) -> str:
        return f"{self.column!r}@{self.rotation}"


@dataclass(frozen=True, eq=True)
class Challenge(Expression):
    """A verifier challenge drawn after the first phase's advice is committed
    (halo2's challenge API): a constant of the proof, unknown to the prover when
    it commits phase-0 advice. Expressions holding one are evaluated only after
    `bind` replaces it by its value, so no evaluator can read a stale one."""

    index: int
    power: int = 1
    """The leaf is the challenge to this power (a power is one leaf, not a product tree)."""

    def degree(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"challenge[{self.index}]" + (f"^{self.power}" if self.power != 1 else "")


@dataclass(frozen=True, eq=False)
class Sum(Expression):
    a: Expression
    b: Expression

    def degree(self) -> int:
        return max(self.a.degree(), self.b.degree())


@dataclass(frozen=True, eq=False)
class Product(Expression):
    a: Expression
    b: Expression

    def degree(self) -> int:
        return self.a.degree() + self.b.degree()


@dataclass(frozen=True, eq=False)
class Scaled(Expression):
    a: Expression
    factor: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "factor", int(self.factor) % P)

    def degree(self) -> int:
        return self.a.degree()


@dataclass(frozen=True, eq=False)
class Neg(Expression):
    a: Expression

    def degree(self) -> int:
        return self.a.degree()


def challenges_of(e: Expression) -> set[int]:
    """The challenge indices an expression reads."""
    return {x.index for x in _leaves(e) if isinstance(x, Challenge)}


def bind(e: Expression, values: Sequence[int]) -> Expression:
    """e with every Challenge replaced by its value (a Constant)."""
    if isinstance(e, Challenge):
        if not 0 <= e.index < len(values):
            raise ValueError(f"challenge {e.index} has no value ({len(values)} drawn)")
        return Constant(pow(int(values[e.index]), e.power, P))
    # constants are folded as the challenges are bound: a power of a challenge
    # becomes one Constant, not a product evaluated on every row
    if isinstance(e, Sum | Product):
        a, b = bind(e.a, values), bind(e.b, values)
        if isinstance(a, Constant) and isinstance(b, Constant):
            return Constant(a.value + b.value if isinstance(e, Sum) else a.value * b.value)
        if isinstance(e, Product) and isinstance(a, Constant):
            return Scaled(b, a.value)
        if isinstance(e, Product) and isinstance(b, Constant):
            return Scaled(a, b.value)
        return Sum(a, b) if isinstance(e, Sum) else Product(a, b)
    if isinstance(e, Scaled):
        a = bind(e.a, values)
        return Constant(a.value * e.factor) if isinstance(a, Constant) else Scaled(a, e.factor)
    if isinstance(e, Neg):
        a = bind(e.a, values)
        return Constant(-a.value) if isinstance(a, Constant) else Neg(a)
    return e


def _leaves(e: Expression) -> Iterator[Expression]:
    """Every leaf (query, challenge, constant) of an expression tree."""
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, (Sum, Product)):
            stack += [x.a, x.b]
        elif isinstance(x, (Scaled, Neg)):
            stack.append(x.a)
        else:
            yield x


def _collect(e: Expression, out: set[Query]) -> None:
    out.update(x for x in _leaves(e) if isinstance(x, Query))


# ---------------------------------------------------------------- evaluation
# A value is either an int (a constant, broadcast lazily) or a field vector.
Value = Union[int, np.ndarray]


def evaluate_vec(e: Expression, resolve: Callable[[Query], np.ndarray], n: int) -> np.ndarray:
    """Evaluate over whole vectors of length n; resolve(query) gives a field vector."""
    cache: dict[Query, np.ndarray] = {}
    v = _ev(e, resolve, cache)
    if isinstance(v, int):
        out = F.zeros(n)
        if v:
            out[:] = F.scalar(v)
        return out
    return v


def _ev(e: Expression, resolve: Callable[[Query], np.ndarray], cache: dict[Query, np.ndarray]) -> Value:
    if isinstance(e, Constant):
        return e.value
    if isinstance(e, Query):
        if e not in cache:
            cache[e] = resolve(e)
        return cache[e]
    if isinstance(e, Sum):
        a = _ev(e.a, resolve, cache)
        b = _ev(e.b, resolve, cache)
        if isinstance(a, int):
            return (a + b) % P if isinstance(b, int) else F.add_scalar(b, a)
        if isinstance(b, int):
            return F.add_scalar(a, b)
        return F.add(a, b)
    if isinstance(e, Product):
        a = _ev(e.a, resolve, cache)
        b = _ev(e.b, resolve, cache)
        if isinstance(a, int):
            return a * b % P if isinstance(b, int) else F.mul_scalar(b, a)
        if isinstance(b, int):
            return F.mul_scalar(a, b)
        return F.mul(a, b)
    if isinstance(e, Scaled):
        a = _ev(e.a, resolve, cache)
        if isinstance(a, int):
            return a * e.factor % P
        return F.mul_scalar(a, e.factor)
    if isinstance(e, Neg):
        a = _ev(e.a, resolve, cache)
        if isinstance(a, int):
            return (-a) % P
        return F.neg(a)
    if isinstance(e, Challenge):
        raise ValueError(f"{e!r} is not bound: bind the drawn challenges first")
    raise TypeError(f"not an expression: {e!r}")


def evaluate_point(e: Expression, resolve: Callable[[Query], int]) -> int:
    """Evaluate with every query resolved to a field element (Python int)."""
    if isinstance(e, Constant):
        return e.value
    if isinstance(e, Query):
        return resolve(e) % P
    if isinstance(e, Sum):
        return (evaluate_point(e.a, resolve) + evaluate_point(e.b, resolve)) % P
    if isinstance(e, Product):
        return evaluate_point(e.a, resolve) * evaluate_point(e.b, resolve) % P
    if isinstance(e, Scaled):
        return evaluate_point(e.a, resolve) * e.factor % P
    if isinstance(e, Neg):
        return (-evaluate_point(e.a, resolve)) % P
    if isinstance(e, Challenge):
        raise ValueError(f"{e!r} is not bound: bind the drawn challenges first")
    raise TypeError(f"not an expression: {e!r}")


# ---------------------------------------------------------------- encoding
_T_CONST, _T_QUERY, _T_SUM, _T_PROD, _T_SCALED, _T_NEG, _T_CHALLENGE = range(1, 8)
_KIND_CODE = {ADVICE: 0, FIXED: 1, INSTANCE: 2}
_CODE_KIND = {v: k for k, v in _KIND_CODE.items()}


def encode(e: Expression, out: bytearray) -> None:
    if isinstance(e, Constant):
        out.append(_T_CONST)
        out += e.value.to_bytes(32, "little")
    elif isinstance(e, Query):
        out.append(_T_QUERY)
        out.append(_KIND_CODE[e.column.kind])
        out += e.column.index.to_bytes(4, "little")
        out += int(e.rotation).to_bytes(4, "little", signed=True)
    elif isinstance(e, (Sum, Product)):
        out.append(_T_SUM if isinstance(e, Sum) else _T_PROD)
        encode(e.a, out)
        encode(e.b, out)
    elif isinstance(e, Scaled):
        out.append(_T_SCALED)
        out += e.factor.to_bytes(32, "little")
        encode(e.a, out)
    elif isinstance(e, Neg):
        out.append(_T_NEG)
        encode(e.a, out)
    elif isinstance(e, Challenge):
        out.append(_T_CHALLENGE)
        out += e.index.to_bytes(4, "little") + e.power.to_bytes(4, "little")
    else:
        raise TypeError(f"not an expression: {e!r}")


class ExprReader(Protocol):
    """What decode reads from (serialize.Reader): little-endian fields, one at a time."""

    def u8(self) -> int: ...
    def u32(self) -> int: ...
    def i32(self) -> int: ...
    def fe(self) -> int: ...


def decode(r: ExprReader, depth: int = 0) -> Expression:
    """Decode from a reader with .u8(), .u32(), .i32(), .fe() methods."""
    from .errors import ProofFormatError

    if depth > 256:
        raise ProofFormatError("expression nested too deeply")
    t = r.u8()
    if t == _T_CONST:
        return Constant(r.fe())
    if t == _T_QUERY:
        kind = r.u8()
        if kind not in _CODE_KIND:
            raise ProofFormatError(f"bad column kind {kind}")
        idx = r.u32()
        rot = r.i32()
        return Query(Column(_CODE_KIND[kind], idx), rot)
    if t == _T_SUM:
        return Sum(decode(r, depth + 1), decode(r, depth + 1))
    if t == _T_PROD:
        return Product(decode(r, depth + 1), decode(r, depth + 1))
    if t == _T_SCALED:
        f = r.fe()
        return Scaled(decode(r, depth + 1), f)
    if t == _T_NEG:
        return Neg(decode(r, depth + 1))
    if t == _T_CHALLENGE:
        index, power = r.u32(), r.u32()
        if power < 1:
            raise ProofFormatError("challenge power 0")
        return Challenge(index, power)
    raise ProofFormatError(f"bad expression tag {t}")
