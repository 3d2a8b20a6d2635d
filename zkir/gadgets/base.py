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

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

CellFn = Callable[[int, int], Any]
"""cell(slot, rotation) -> an algebra value for advice slot `slot` of the band."""
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

    @property
    def rows(self) -> int:
        return self.cells.shape[0]


@dataclass(frozen=True)
class LookupSpec:
    """Every row's `inputs` tuple must be a row of table `table`."""

    name: str
    inputs: list[Any]
    table: str


class Gadget(ABC):
    """One kind of gadget, configured for a band of `columns` advice columns."""

    kind: ClassVar[str]
    """The gadget dialect op it implements (without the dialect prefix)."""
    selector_roles: ClassVar[tuple[str, ...]] = ("q",)

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

    @property
    def key(self) -> str:
        """Distinguishes gadgets whose gates differ (e.g. by divisor)."""
        return self.kind

    @abstractmethod
    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        """(gate name, polynomials that vanish on every row)."""

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        return []

    def tables(self) -> dict[str, Mapping[str, int]]:
        """Lookup tables this gadget needs: name -> {fn, bits}."""
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


class _DegreeCounter:
    @staticmethod
    def of_gates(gadget: Gadget) -> list[int]:
        polys = [
            p
            for _, ps in gadget.gates(lambda s, r: _Degree(1), lambda n: _Degree(1))
            for p in ps
        ]
        return [p.d if isinstance(p, _Degree) else 0 for p in polys]


class RangeCheckedGadget(Gadget):
    """Items of `width` cells side by side, bounded through one t-bit range table.

    Rescale, maximum and variable division all prove inequalities the same way:
    a value v in [0, 2^(2t)) is two cells l0 + 2^t l1, each looked up in the
    range table, so one small table serves every bound in the circuit.
    """

    width: int

    def __init__(self, columns: int, table_bits: int):
        from zkir.gadgets.tables import TableSpec

        self.table = TableSpec("range", table_bits)
        super().__init__(columns)

    def min_columns(self) -> int:  # type: ignore[override]
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
            yield lambda k, j=j: cell(self.width * j + k, 0)

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
