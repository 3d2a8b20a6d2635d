"""Gates and lookup arguments, written once per gadget key.

A gadget's gates and lookups are Python functions over an abstract algebra
(zkir.gadgets.base); here they are evaluated over ExprBuilder values, so they
become the bodies of plonk.gate and plonk.lookup, written over the gadget
band's cells and that gadget's own selector columns.

Shared lookups: slot j of table T is the sum over gadgets of their j-th lookup
into T. Each gadget's tuple is scaled by its own selector and no two gadgets
share a row, so on every row the sum is the one active tuple (or zeros).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import Block, Operation, Region
from xdsl.transforms.dead_code_elimination import region_dce

from zkir.dialects import plonk
from zkir.gadgets.base import Gadget
from zkir.lowering.gadget_to_plonk.columns import selector_column, slot_column
from zkir.lowering.plonk_builder import ExprBuilder

ExpressionsFn = Callable[[Callable[[int, int], Any], Callable[[str], Any], Any], list[Any]]
"""(cell, selector, challenge) -> the expressions a body constrains."""


def _nothing(slot: int, rotation: int) -> int:
    return 0


def _no_selector(role: str) -> int:
    return 0


@dataclass
class Constraints:
    share_lookups: bool
    ops: list[Operation] = field(default_factory=list)
    selector_columns: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    lookup_users: list[Gadget] = field(default_factory=list)

    def add(self, g: Gadget) -> None:
        """The gadget's gates and lookups, unless a gadget of its key has them already."""
        if g.key in self.keys:
            return
        self.keys.add(g.key)
        for role in g.selector_roles:
            self.selector_columns.append(selector_column(g.key, role))
        if any(polys for _, polys in g.gates(_nothing, _no_selector) + g.late_gates(_nothing, _no_selector, 0)):
            body = _constraint_region([(g, lambda cell, sel, r: [p for _, ps in g.gates(cell, sel) + g.late_gates(cell, sel, r) for p in ps])])
            self.ops.append(plonk.GateOp(g.key, body))
        if self.share_lookups:
            self.lookup_users.append(g)
            return
        for index, spec in enumerate(g.lookups(_nothing, _no_selector)):
            self.ops.append(plonk.LookupOp(spec.name, spec.table, _constraint_region([(g, _lookup_inputs(g, index))])))

    def finish(self) -> None:
        """The shared lookup arguments, once every gadget is known."""
        per_table: dict[str, list[list[tuple[Gadget, int]]]] = {}
        for g in self.lookup_users:
            mine: dict[str, int] = {}
            for index, spec in enumerate(g.lookups(_nothing, _no_selector)):
                slot = mine.get(spec.table, 0)
                mine[spec.table] = slot + 1
                slots = per_table.setdefault(spec.table, [])
                if slot == len(slots):
                    slots.append([])
                slots[slot].append((g, index))
        for table, slots in per_table.items():
            for j, users in enumerate(slots):
                body = _constraint_region([(g, _lookup_inputs(g, index)) for g, index in users])
                self.ops.append(plonk.LookupOp(f"{table}_{j}", table, body))


def _selector(b: ExprBuilder, key: str, role: str) -> Any:
    return b.query(selector_column(key, role), 0)


def _lookup_inputs(g: Gadget, index: int) -> ExpressionsFn:
    return lambda cell, selector, challenge: g.lookups(cell, selector)[index].inputs


def _constraint_region(terms: list[tuple[Gadget, ExpressionsFn]]) -> Region:
    """A gate or lookup body constraining the elementwise sum of each gadget's
    expressions, written over the band's cells and that gadget's own selectors."""
    block = Block()
    b = ExprBuilder(block)
    total: list[Any] = []
    challenge = b.emit(plonk.ChallengeOp(0))  # dead-code eliminated below unless read
    for g, expressions in terms:
        def cell(slot: int, rotation: int, g: Gadget = g) -> Any:
            return b.query(slot_column(g.columns, slot), rotation)

        exprs = expressions(cell, functools.partial(_selector, b, g.key), challenge)
        total = list(exprs) if not total else [t + e for t, e in zip(total, exprs)]
    b.constrain(total)
    body = Region(block)
    region_dce(body)  # keeps only the expressions this body constrains
    return body
