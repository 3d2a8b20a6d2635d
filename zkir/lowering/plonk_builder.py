"""Gate polynomials written with Python operators, emitted as plonk-dialect ops.

The gadget library writes each gate once over an abstract algebra; this is the
algebra whose values are SSA values of `!plonk.expr`, so `cell(0, 0) * q - 3`
appends plonk.query / plonk.mul / plonk.const / plonk.sub ops to a block.
"""

from __future__ import annotations

from typing import Any

from xdsl.ir import Block, SSAValue

from zkir.dialects import plonk


class PlonkExpr:
    def __init__(self, builder: ExprBuilder, value: SSAValue):
        self.builder = builder
        self.value = value

    def _lift(self, other: Any) -> PlonkExpr:
        return other if isinstance(other, PlonkExpr) else self.builder.const(int(other))

    def __add__(self, other: Any) -> PlonkExpr:
        return self.builder.emit(plonk.AddOp(self.value, self._lift(other).value))

    def __radd__(self, other: Any) -> PlonkExpr:
        return self._lift(other) + self

    def __sub__(self, other: Any) -> PlonkExpr:
        return self.builder.emit(plonk.SubOp(self.value, self._lift(other).value))

    def __rsub__(self, other: Any) -> PlonkExpr:
        return self._lift(other) - self

    def __mul__(self, other: Any) -> PlonkExpr:
        return self.builder.emit(plonk.MulOp(self.value, self._lift(other).value))

    def __rmul__(self, other: Any) -> PlonkExpr:
        return self._lift(other) * self

    def __neg__(self) -> PlonkExpr:
        return self.builder.const(0) - self

    def __pow__(self, exponent: int) -> Any:
        """self^exponent: a challenge's power is one plonk.challenge op (a leaf
        for the prover), anything else repeated products."""
        if exponent == 0:
            return 1
        owner = self.value.owner
        if isinstance(owner, plonk.ChallengeOp):
            return self.builder.emit(plonk.ChallengeOp(owner.index.data, owner.power.data * exponent))
        result = self
        for _ in range(exponent - 1):
            result = result * self
        return result


class ExprBuilder:
    """Appends expression ops to `block`, sharing queries and constants."""

    def __init__(self, block: Block):
        self.block = block
        self._queries: dict[tuple[str, int], PlonkExpr] = {}
        self._consts: dict[int, PlonkExpr] = {}

    def emit(self, op: Any) -> PlonkExpr:
        self.block.add_op(op)
        return PlonkExpr(self, op.results[0])

    def query(self, column: str, rotation: int = 0) -> PlonkExpr:
        key = (column, rotation)
        if key not in self._queries:
            self._queries[key] = self.emit(plonk.QueryOp(column, rotation))
        return self._queries[key]

    def const(self, value: int) -> PlonkExpr:
        if value not in self._consts:
            self._consts[value] = self.emit(plonk.ConstOp(value))
        return self._consts[value]

    def constrain(self, exprs: list[Any]) -> None:
        self.block.add_op(plonk.ConstrainOp([self._lift(e).value for e in exprs]))

    def _lift(self, e: Any) -> PlonkExpr:
        return e if isinstance(e, PlonkExpr) else self.const(int(e))
