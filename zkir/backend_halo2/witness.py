"""The witness: every placement's cells, computed from the model input in order.

Placements come in program order, so a gadget's input ports are complete when it
is reached: each is gathered, as a whole tensor, from the ports its plonk.copy
ops read, and the gadget lays out its own cells (numpy, no loop per cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from zkir.backend_halo2.circuit_plan import CircuitPlan, Placed
from zkir.backend_halo2.constraint_builder import BackendError
from zkir.gadgets.base import Assignment
from zkir.gadgets.io import IORole
from zkir.prover import MockProver
from zkir.prover import field as F
from zkir.prover.mock import random_challenges


class OutOfRangeError(BackendError, OverflowError):
    """An input the circuit cannot prove: a value outside a table or a range
    check's bound. Never a wrong proof: no witness exists, so none is made."""


@dataclass
class Witness:
    advice: list[np.ndarray]
    """Every advice column's phase-0 values (phase-1 columns: zeros, see late_advice)."""
    instance: list[np.ndarray]
    outputs: list[np.ndarray]
    """The model's outputs (fixed-point integers), in output order."""
    ports: dict[str, dict[str, np.ndarray]]
    """Placement -> port -> tensor, for debugging and reports."""
    late: list[tuple[Placed, Assignment]] = field(default_factory=list)
    """The placements with phase-1 cells, whose values wait for the challenge."""
    late_columns: list[int] = field(default_factory=list)
    """The phase-1 advice column indices, in index order."""
    usable: int = 0

    def late_advice(self, challenges: Sequence[int]) -> list[np.ndarray]:
        """The phase-1 columns (field vectors, in index order) for these challenges:
        what the prover commits after drawing them (zkir.prover.prove's late_advice),
        computed from the phase-0 cells as they stand in `advice`."""
        position = {index: i for i, index in enumerate(self.late_columns)}
        columns = [F.zeros(self.usable) for _ in self.late_columns]
        for placed, assignment in self.late:
            assert assignment.late is not None
            width = assignment.cells.shape[1]
            rows = slice(placed.row, placed.row + assignment.rows)
            committed = np.stack([self.advice[c.index][rows] for c in placed.columns[:width]], axis=1)
            cells = assignment.late(committed, challenges[0])
            for slot, column in enumerate(placed.columns[width:]):
                columns[position[column.index]][placed.row : placed.row + cells.shape[0]] = cells[:, slot]
        return columns


def _gather(plan: CircuitPlan, ports: dict[str, dict[str, np.ndarray]], place: str, port: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    wired = np.zeros(out.shape, dtype=bool)
    for copy in plan.copies_into.get((place, port), []):
        src = ports[copy.src.root_reference.data][copy.src_port.data].ravel()
        index = copy.index_map(len(out), len(src))
        keep = index >= 0
        out[keep] = src[index[keep]]
        wired |= keep
    if not wired.all():
        raise BackendError(f"port '{port}' of @{place}: {int((~wired).sum())} elements are wired to nothing")
    return out.reshape(shape)


def compute_witness(plan: CircuitPlan, inputs: Sequence[np.ndarray]) -> Witness:
    """inputs: the model's inputs as fixed-point integers, in argument order."""
    cs = plan.cs
    advice = [np.zeros(plan.usable, dtype=np.int64) for _ in range(cs.num_advice)]
    instance = [np.zeros(plan.usable, dtype=np.int64) for _ in range(cs.num_instance)]
    instance_rows = 0
    ports: dict[str, dict[str, np.ndarray]] = {}
    remaining = list(inputs)
    outputs: list[np.ndarray] = []
    late: list[tuple[Placed, Assignment]] = []
    # Constants and the zero cell read nothing, so they go first; the others in
    # program order, which places every producer before its consumers.
    order = sorted(plan.places.items(), key=lambda item: item[1].kind not in (IORole.CONSTANT, IORole.ZERO))
    for name, placed in order:
        shapes = placed.op.port_shapes()
        kind = placed.kind
        if kind == IORole.INPUT:
            if not remaining:
                raise BackendError("fewer inputs given than the circuit has")
            value = np.asarray(remaining.pop(0), dtype=np.int64)
            if value.shape != shapes["out"]:
                raise BackendError(f"input @{name} has shape {list(value.shape)}, the circuit expects {list(shapes['out'])}")
            given = {"out": value}
        elif kind == IORole.CONSTANT:
            given = {"out": placed.constant_values().reshape(shapes["out"])}
        elif kind == IORole.ZERO:
            given = {"out": np.zeros(shapes["out"], dtype=np.int64)}
        elif kind == IORole.OUTPUT:
            given = {"in": _gather(plan, ports, name, "in", shapes["in"])}
        else:
            internal = placed.gadget.internal_wires
            skip = {"out", *placed.gadget.padding_ports, *internal.keys(), *internal.values()}
            given = {port: _gather(plan, ports, name, port, shape) for port, shape in shapes.items() if port not in skip}
        try:
            assignment = placed.gadget.assign(given)
        except OverflowError as e:
            raise OutOfRangeError(f"layer '{name}' ({kind}): {e}") from None
        ports[name] = {**given, **assignment.outputs}
        if kind == IORole.OUTPUT:
            outputs.append(given["in"])
        if assignment.late is not None:
            late.append((placed, assignment))
        rows = slice(placed.row, placed.row + assignment.rows)
        for slot, column in enumerate(placed.columns[: assignment.cells.shape[1]]):
            if column.kind == "advice":
                advice[column.index][rows] = assignment.cells[:, slot]
            elif column.kind == "instance":
                instance[column.index][rows] = assignment.cells[:, slot]
                instance_rows = max(instance_rows, rows.stop)
    if remaining:
        raise BackendError(f"{len(remaining)} more inputs given than the circuit has")
    return Witness(advice, [col[:instance_rows] for col in instance], outputs, ports, late, cs.phase_columns(1), plan.usable)


def mock_prover(plan: CircuitPlan, witness: Witness, pinned: dict[int, np.ndarray] | None = None,
                challenges: Sequence[int] | None = None) -> MockProver:
    """The mock prover on a witness, its phase-1 columns computed for challenges
    drawn as a verifier would (or the given ones, for tests)."""
    if challenges is None:
        challenges = random_challenges(plan.cs)
    advice: list[np.ndarray] = list(witness.advice)
    if witness.late_columns:
        for index, column in zip(witness.late_columns, witness.late_advice(challenges)):
            advice[index] = column
    return MockProver(
        plan.cs, plan.k, advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints(),
        pinned=dict[int, npt.ArrayLike](pinned or {}), challenges=challenges,
    )
