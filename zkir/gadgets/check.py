"""Check a gadget's gates and lookups on its own witness, with numpy integers.

This is the gadget author's first test: the same gate definitions the circuit
uses, evaluated exactly over whole columns (int64; witness values of a gadget
stay far below 2^63), before any cryptography.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkir.gadgets.base import Assignment, Gadget


@dataclass(frozen=True)
class CellFailure:
    constraint: str
    row: int


def _shifted(column: np.ndarray, rotation: int) -> np.ndarray:
    """column[r + rotation], zero outside the rectangle."""
    out = np.zeros_like(column)
    n = len(column)
    if rotation >= 0:
        out[: n - rotation] = column[rotation:]
    else:
        out[-rotation:] = column[: n + rotation]
    return out


def check_assignment(gadget: Gadget, assignment: Assignment, limit: int = 10) -> list[CellFailure]:
    """Failing (gate or lookup, row) pairs, at most `limit` of them.

    Phase-0 gadgets only: cells that depend on the challenge are field elements,
    checked by the mock prover (which draws one)."""
    if gadget.late_slots:
        raise ValueError(f"gadget '{gadget.kind}' has phase-1 cells: check it with the mock prover")
    cells = assignment.cells

    def cell(slot: int, rotation: int) -> np.ndarray:
        return _shifted(cells[:, slot], rotation)

    def selector(role: str) -> np.ndarray:
        return assignment.selectors[role]

    failures: list[CellFailure] = []
    for name, polys in gadget.gates(cell, selector):
        for i, poly in enumerate(polys):
            values = np.broadcast_to(np.asarray(poly, dtype=np.int64), (assignment.rows,))
            for row in np.flatnonzero(values)[:limit]:
                failures.append(CellFailure(f"{name}[{i}]", int(row)))
    tables = gadget.tables()
    for spec in gadget.lookups(cell, selector):
        table = np.stack(tables[spec.table].contents(), axis=1)
        inputs = np.stack(
            [np.broadcast_to(np.asarray(v, dtype=np.int64), (assignment.rows,)) for v in spec.inputs],
            axis=1,
        )
        allowed = np.concatenate([table, np.zeros((1, table.shape[1]), dtype=np.int64)])
        found = _rows_in(inputs, allowed)
        for row in np.flatnonzero(~found)[:limit]:
            failures.append(CellFailure(spec.name, int(row)))
    return failures[:limit]


def _rows_in(rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which rows of `rows` occur in `table` (both 2-D int64), vectorised."""
    as_void = lambda a: np.ascontiguousarray(a).view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()  # noqa: E731
    return np.isin(as_void(rows), as_void(table))
