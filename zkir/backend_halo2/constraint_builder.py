"""The prover's constraint system from a plonk.circuit: columns, gates, lookups.

A gate or lookup body is a small dataflow region (query/const/add/sub/mul);
walking it once turns each SSA value into a prover Expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.ir import Block, SSAValue

from zkir.dialects import plonk
from zkir.errors import ZkirError
from zkir.prover import Column, ConstraintSystem, Expression
from zkir.prover.expression import Challenge, Constant


class BackendError(ZkirError, ValueError):
    """A plonk circuit the backend cannot build."""


@dataclass
class BuiltCircuit:
    cs: ConstraintSystem
    columns: dict[str, Column]
    """plonk column name -> prover column."""


def _expressions(block: Block, columns: dict[str, Column]) -> list[Expression]:
    """The constrained expressions of a gate or lookup body."""
    values: dict[SSAValue, Expression] = {}
    for op in block.ops:
        if isinstance(op, plonk.QueryOp):
            values[op.result] = columns[op.column.root_reference.data].query(op.rotation.data)
        elif isinstance(op, plonk.ConstOp):
            values[op.result] = Constant(op.value.data)
        elif isinstance(op, plonk.ChallengeOp):
            values[op.result] = Challenge(op.index.data, op.power.data)
        elif isinstance(op, plonk.AddOp):
            values[op.result] = values[op.lhs] + values[op.rhs]
        elif isinstance(op, plonk.SubOp):
            values[op.result] = values[op.lhs] - values[op.rhs]
        elif isinstance(op, plonk.MulOp):
            values[op.result] = values[op.lhs] * values[op.rhs]
        elif isinstance(op, plonk.ConstrainOp):
            return [values[v] for v in op.exprs]
        else:
            raise BackendError(f"{op.name} cannot appear in a gate or lookup body")
    raise BackendError("a gate or lookup body does not end in plonk.constrain")


def build_constraint_system(circuit: plonk.CircuitOp) -> BuiltCircuit:
    cs = ConstraintSystem()
    columns: dict[str, Column] = {}
    makers = {"advice": cs.advice_column, "fixed": cs.fixed_column, "instance": cs.instance_column}
    for col in circuit.columns():
        name = col.sym_name.data
        columns[name] = cs.advice_column(name, col.get_phase()) if col.kind.data == "advice" else makers[col.kind.data](name)
    used = [op.index.data for op in circuit.walk() if isinstance(op, plonk.ChallengeOp)]
    for i in range(max(used, default=-1) + 1):
        cs.challenge(f"challenge{i}")
    cs.enable_equality(*[columns[c.sym_name.data] for c in circuit.columns() if c.equality is not None])
    tables = {op.sym_name.data: op for op in circuit.body.ops if isinstance(op, plonk.LookupTableOp)}
    for op in circuit.body.ops:
        if isinstance(op, plonk.GateOp):
            cs.create_gate(op.gate_name.data, _expressions(op.body.block, columns))
        elif isinstance(op, plonk.LookupOp):
            table = tables[op.table.root_reference.data]
            table_columns = [columns[ref.root_reference.data] for ref in table.columns.data]
            cs.add_lookup(op.lookup_name.data, _expressions(op.body.block, columns), table_columns)
    needed = cs.blinding_factors()
    if needed > circuit.get_blinding_rows():
        raise BackendError(
            f"the prover needs {needed} blinding rows but the circuit reserves "
            f"{circuit.get_blinding_rows()}: lay it out again with more"
        )
    return BuiltCircuit(cs, columns)
