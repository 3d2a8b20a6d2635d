"""What a gadget is: gates over a band of advice columns, its cost, its witness.

A gadget instance fills a rectangle of `rows x columns` advice cells. Its gates
are written once, as Python functions over an abstract algebra: `cell(slot,
rotation)` and `selector(name)` return values supporting `+ - *` and ints. The
same function then builds plonk-dialect ops (convert-gadget-to-plonk), evaluates
on numpy integer columns (the gadget tests and the cell checker), and, through
the plonk dialect, becomes the prover's constraint system.

Tensors enter and leave a gadget through *ports*: for every element of a port's
tensor, the cells (slot, row offset) that hold it. Wiring between gadgets is a
copy constraint between port cells, so a reshape or transpose costs nothing.
"""

from __future__ import annotations

import functools
import types
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self, get_type_hints

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, StringAttr, i64
from xdsl.ir import Attribute

from zkir.dialects.gadget import LayoutChoice
from zkir.gadgets.tables import Table, TableSpec

CellFn = Callable[[int, int], Any]
"""cell(slot, rotation) -> an algebra value for advice slot `slot` of the band
(slots past `columns` are the gadget's `late_slots`, in the phase-1 band)."""
LateCells = Callable[[np.ndarray, int], np.ndarray]
"""(the phase-0 cells as committed, the challenge) -> the (rows, late_slots, 4)
field cells (zkir.prover.field vectors, Montgomery form) of a gadget's phase-1 slots."""
SelectorFn = Callable[[str], Any]
"""selector(role) -> the algebra value of the gadget's selector column `role`."""


@dataclass(frozen=True)
class PortCells:
    """Cells holding a tensor: element `elem[i]` sits at (`slot[i]`, `row[i]`).

    An element may sit in several cells (a dot product reuses each input once per
    output); every one of them is wired to the producer's cell.
    """

    shape: tuple[int, ...]
    elem: np.ndarray
    slot: np.ndarray
    row: np.ndarray

    def __post_init__(self) -> None:
        n = int(np.prod(self.shape, dtype=np.int64))
        if not (len(self.elem) == len(self.slot) == len(self.row)):
            raise ValueError("port cell arrays differ in length")
        if len(self.elem) and (self.elem.min() < 0 or self.elem.max() >= n):
            raise ValueError(f"port cells name elements outside a tensor of {n}")

    @staticmethod
    def dense(shape: Sequence[int], slot: np.ndarray, row: np.ndarray) -> PortCells:
        """One cell per element, in row-major element order."""
        n = int(np.prod(shape, dtype=np.int64))
        return PortCells(tuple(shape), np.arange(n, dtype=np.int64), slot.ravel(), row.ravel())

    def first_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """(slot, row) of one cell per element, in element order: the canonical copy."""
        n = int(np.prod(self.shape, dtype=np.int64))
        order = np.argsort(self.elem, kind="stable")
        firsts = order[np.r_[True, np.diff(self.elem[order]) != 0]]
        if len(firsts) != n:
            raise ValueError("a port leaves some of its tensor's elements in no cell")
        return self.slot[firsts], self.row[firsts]


@dataclass
class Assignment:
    """A gadget instance's witness: its rectangle, selector pattern and ports."""

    cells: np.ndarray
    """(rows, columns) int64 cell values of the band."""
    selectors: dict[str, np.ndarray]
    """role -> (rows,) 0/1 (or small int) values of that selector column."""
    ports: dict[str, PortCells]
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    """Output tensors the gadget computed (also readable from the cells)."""
    late: LateCells | None = None
    """The phase-1 cells, computed once the challenge is drawn (gadgets with
    `late_slots` only): they may depend on it, the phase-0 `cells` may not."""

    @property
    def rows(self) -> int:
        return self.cells.shape[0]


@dataclass(frozen=True)
class LookupSpec:
    """Every row's `inputs` tuple must be a row of table `table`."""

    name: str
    inputs: list[Any]
    table: str


def from_layout(choice_field: str) -> Any:
    """A Params field the layout fills (from LayoutChoice.`choice_field`), not the
    op: 0 until laid out, which the semantics never reads."""
    return field(default=0, metadata={"layout": choice_field})


@dataclass(frozen=True)
class GadgetParams:
    """A gadget's parameters: built from its op (and the layout), recorded on its
    plonk.place, and read back by the backend to rebuild the very same gadget."""

    @classmethod
    def of_op(cls, values: Mapping[str, Any], layout: LayoutChoice | None = None) -> Self:
        """From an op's gadget_params() and, for fields `from_layout`, the layout."""
        merged = dict(values)
        for f in fields(cls):
            source = f.metadata.get("layout")
            if source and layout is not None and f.name not in merged:
                value = getattr(layout, source)
                merged[f.name] = value() if callable(value) else value  # a field, or a rule over fields
        return cls.from_values(merged)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Self:
        """From Python values or IR attributes, converted to each field's type;
        keys that are no field of this gadget are an error, not ignored."""
        hints = get_type_hints(cls)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{cls.__qualname__}: no parameter {', '.join(map(repr, unknown))}")
        return cls(**{name: _coerce(value, hints[name], name) for name, value in values.items()})

    def to_attrs(self) -> dict[str, Attribute]:
        """The plonk.place params: absent (None) and false fields are left out."""
        out: dict[str, Attribute] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value is False:
                continue
            if isinstance(value, Attribute):
                out[f.name] = value
            elif isinstance(value, bool | int | np.integer):
                out[f.name] = IntegerAttr(int(value), i64)
            else:
                out[f.name] = StringAttr(str(value))
        return out


def _coerce(value: Any, hint: Any, name: str) -> Any:
    if isinstance(value, IntegerAttr):
        value = value.value.data
    elif isinstance(value, StringAttr):
        value = value.data
    if value is None or hint is Attribute:
        return value
    options = hint.__args__ if isinstance(hint, types.UnionType) else (hint,)
    for ty in (bool, int, str):
        if ty in options:
            return ty(value)
    raise TypeError(f"parameter '{name}': cannot read {value!r} as {hint}")


@dataclass(frozen=True)
class NoParams(GadgetParams):
    """A gadget whose gates depend on nothing but the band's width."""


GADGETS: dict[str, type[Gadget]] = {}
"""Every gadget class by its kind: a class registers itself by defining `kind`
(zkir.gadgets.registry imports every module of this package)."""


class Gadget(ABC):
    """One kind of gadget, configured for a band of `columns` advice columns."""

    kind: ClassVar[str]
    """The gadget dialect op it implements (its GadgetOpInterface.GADGET_KIND)."""
    Params: ClassVar[type[GadgetParams]] = NoParams
    """Its parameters; `build` passes their fields to the constructor by name."""
    selector_roles: tuple[str, ...] = ("q",)
    """Its selector columns (a class default; a gadget may have one per slot)."""
    padding_ports: ClassVar[tuple[str, ...]] = ()
    """Ports of cells that must hold zero (padding), wired to the zero cell."""
    internal_wires: ClassVar[Mapping[str, str]] = {}
    """use port -> defining port of the same gadget: the lowering wires each use
    cell to its defining cell (a value a gadget computes and reads again)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None:
            held = GADGETS.get(kind)
            if held is not None and held.__qualname__ != cls.__qualname__:
                raise TypeError(f"gadget kind '{kind}' is defined twice ({held.__qualname__}, {cls.__qualname__})")
            GADGETS[kind] = cls

    @classmethod
    def build(cls, columns: int, params: GadgetParams) -> Self:
        """The gadget for a band of `columns` with these parameters."""
        return cls(columns, **{f.name: getattr(params, f.name) for f in fields(params)})

    @classmethod
    def evaluate(cls, params: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray | None:
        """What the gadget computes, from whole port tensors (the gadget dialect's
        integer semantics, zkir.gadgets.interpret): its `out` port, or None for a
        gadget that only constrains. `assign` must agree (the gadget tests check)."""
        raise NotImplementedError(f"gadget '{cls.kind}' has no reference semantics")

    def __init__(self, columns: int):
        if columns < self.min_columns():
            raise ValueError(
                f"gadget '{self.kind}' needs at least {self.min_columns()} advice "
                f"columns, got {columns}"
            )
        self.columns = columns

    @classmethod
    def min_columns(cls) -> int:
        return 3

    def item_cells(self) -> int | None:
        """Cells of one item, for a gadget that packs items side by side and looks
        each up (a layout may cap items a row to cut lookup arguments); else None."""
        return None

    @property
    def key(self) -> str:
        """Distinguishes gadgets whose gates differ (e.g. by divisor)."""
        return self.kind

    @abstractmethod
    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        """(gate name, polynomials that vanish on every row)."""

    @property
    def late_slots(self) -> int:
        """Slots in the phase-1 band (committed after the challenge), past `columns`."""
        return 0

    def late_gates(self, cell: CellFn, selector: SelectorFn, challenge: Any) -> list[tuple[str, list[Any]]]:
        """Gates that read the circuit's challenge (an algebra value; write its
        powers as `challenge ** k`, one leaf each), as `gates`."""
        return []

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        return []

    def tables(self) -> dict[str, Table]:
        """Lookup tables this gadget needs, by name."""
        return {}

    @abstractmethod
    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        """Rows one instance takes for input tensors of these shapes (its cost)."""

    @abstractmethod
    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        """Fill the rectangle from whole input tensors (numpy, no loop per cell)."""

    def structure_inputs(self, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
        """Valid inputs of these shapes: keygen lays a gadget out on them, since
        where cells and selectors go depends on shapes only."""
        return {port: np.zeros(shape, dtype=np.int64) for port, shape in shapes.items()}

    def degree(self) -> int:
        """The highest degree of its gates (counted with the numpy algebra)."""
        degrees = _DegreeCounter.of_gates(self)
        return max(degrees, default=1)


def packed_rows(shape: Sequence[int], per_row: int) -> int:
    """Rows for one item per element of a tensor of `shape`, `per_row` items a row."""
    n = int(np.prod(shape, dtype=np.int64))
    return max(1, -(-n // per_row))


def packed_items(n_items: int, per_row: int, width: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Rows, slot and row of item i when `per_row` items of `width` cells share a row.

    Item i's j-th cell is at slot `width * (i % per_row) + j`, row `i // per_row`.
    """
    rows = max(1, -(-n_items // per_row))
    i = np.arange(n_items, dtype=np.int64)
    return rows, width * (i % per_row), i // per_row


def fill_unused(cells: np.ndarray, n_items: int, per_row: int, width: int, item: Mapping[int, int]) -> None:
    """Give every item slot past the first `n_items` the cells of one valid item
    (offset -> value): the gates are on for the whole row, so empty slots must
    satisfy them too."""
    used = np.zeros((cells.shape[0], per_row), dtype=bool)
    used.ravel()[:n_items] = True
    free_row, free_item = np.nonzero(~used)
    for offset, value in item.items():
        cells[free_row, width * free_item + offset] = value


class _Degree:
    """The algebra of polynomial degrees, to read a gate's degree off its definition."""

    def __init__(self, d: int):
        self.d = d

    def __add__(self, o: Any) -> _Degree:
        return _Degree(max(self.d, o.d if isinstance(o, _Degree) else 0))

    __radd__ = __add__
    __sub__ = __add__
    __rsub__ = __add__

    def __neg__(self) -> _Degree:
        return self

    def __mul__(self, o: Any) -> _Degree:
        return _Degree(self.d + (o.d if isinstance(o, _Degree) else 0))

    __rmul__ = __mul__

    def __pow__(self, exponent: int) -> _Degree:
        return _Degree(self.d * exponent)


class _DegreeCounter:
    @staticmethod
    def of_gates(gadget: Gadget) -> list[int]:
        cell, selector = (lambda s, r: _Degree(1)), (lambda n: _Degree(1))
        gates = gadget.gates(cell, selector) + gadget.late_gates(cell, selector, _Degree(0))
        polys = [p for _, ps in gates for p in ps]
        return [p.d if isinstance(p, _Degree) else 0 for p in polys]


@dataclass(frozen=True)
class RangeTableParams(GadgetParams):
    """A range-checked gadget's one parameter: its range table's bits (the layout's)."""

    table_bits: int = from_layout("range_bits")


class RangeCheckedGadget(Gadget):
    """Items of `width` cells side by side, bounded through one t-bit range table.

    Rescale, maximum and variable division all prove inequalities the same way:
    a value v in [0, 2^(2t)) is two cells l0 + 2^t l1, each looked up in the
    range table, so one small table serves every bound in the circuit.
    """

    width: int

    def __init__(self, columns: int, table_bits: int):
        self.table = TableSpec("range", table_bits)
        super().__init__(columns)

    def min_columns(self) -> int:  # type: ignore[override]
        return self.width

    def item_cells(self) -> int:
        return self.width

    @property
    def per_row(self) -> int:
        return self.columns // self.width

    @property
    def limb_bound(self) -> int:
        """Two limbs hold values in [0, limb_bound)."""
        return 1 << (2 * self.table.bits)

    @property
    def out_bound(self) -> int:
        """A signed output o lies in [-out_bound, out_bound): o + out_bound fits two limbs."""
        return self.limb_bound // 2

    def items(self, cell: CellFn) -> Iterator[Callable[[int], Any]]:
        """For each item of a row, in slot order: k -> the item's cell k at rotation 0."""
        for j in range(self.per_row):
            yield functools.partial(self._item_cell, cell, self.width * j)

    @staticmethod
    def _item_cell(cell: CellFn, first: int, k: int) -> Any:
        return cell(first + k, 0)

    def lay_out(self, n_items: int, values: Mapping[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cells holding values[k] in cell k of each item, packed per_row items a
        row; also each item's first slot and row, for the ports."""
        rows, slot, row = self.packed(n_items)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        for k, v in values.items():
            cells[row, slot + k] = np.asarray(v).ravel()
        return cells, slot, row

    def tables(self) -> dict[str, Any]:
        return {self.table.name: self.table}

    def limbs(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) t-bit limbs of values in [0, 2^(2t))."""
        high, low = np.divmod(values, 1 << self.table.bits)
        return low, high

    def range_lookups(self, cell: CellFn, selector: SelectorFn, slots: dict[str, int]) -> list[LookupSpec]:
        """One lookup per named cell of every item: (q, q * cell) into the range table."""
        q = selector("q")
        return [
            LookupSpec(f"{self.key}_{name}{j}", [q, q * c(k)], self.table.name)
            for j, c in enumerate(self.items(cell))
            for name, k in slots.items()
        ]

    def packed(self, n_items: int) -> tuple[int, np.ndarray, np.ndarray]:
        return packed_items(n_items, self.per_row, self.width)


class PairGadget(Gadget):
    """Items of two cells (an input, its output) side by side, `columns // 2` a row."""

    input_port: ClassVar[str] = "input"

    @classmethod
    def min_columns(cls) -> int:
        return 2

    @property
    def per_row(self) -> int:
        return self.columns // 2

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes[self.input_port], self.per_row)

    def pairs(self, keys: np.ndarray, values: np.ndarray, filler: int) -> Assignment:
        """The cells of (input, output) items, the free slots holding (0, filler):
        a pair every gate or lookup of the row accepts."""
        rows, slot, row = packed_items(keys.size, self.per_row, 2)
        cells = np.zeros((rows, self.columns), dtype=np.int64)
        cells[row, slot] = keys.ravel()
        cells[row, slot + 1] = values.ravel()
        fill_unused(cells, keys.size, self.per_row, 2, {1: filler})
        return Assignment(
            cells,
            {"q": np.ones(rows, dtype=np.int64)},
            {self.input_port: PortCells.dense(keys.shape, slot, row), "out": PortCells.dense(keys.shape, slot + 1, row)},
            {"out": values},
        )


class TableLookupGadget(PairGadget):
    """Pairs (a key, its value) each one row of a lookup table: a nonlinearity's
    (x, fn(x)), an embedding's (index, entry).

    Every item slot of a row is looked up, so unused slots hold a pair that is in
    the table (`filler`): the first table row the gadget's keys can reach.
    """

    table: Table
    """The table the pairs are looked up in (a TableSpec or an EmbeddingTable)."""

    def tables(self) -> dict[str, Table]:
        return {self.table.name: self.table}

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        return []

    def lookup_inputs(self, j: int, cell: CellFn, selector: SelectorFn) -> list[Any]:
        """The tuple item slot j sends to the table: (q, q key, q value)."""
        q = selector("q")
        return [q, q * cell(2 * j, 0), q * cell(2 * j + 1, 0)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        return [
            LookupSpec(f"{self.key}_{j}", self.lookup_inputs(j, cell, selector), self.table.name)
            for j in range(self.per_row)
        ]
