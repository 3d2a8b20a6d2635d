"""The `plonk` dialect: a PLONKish circuit as the prover will see it.

A `plonk.circuit` holds 2^k rows and named columns (advice: the prover's private
witness; fixed: part of the verifying key; instance: public values). Constraints:
- `plonk.gate`: polynomial identities over cells queried at rotations, written
  as a region of `plonk.query`/`plonk.add`/`plonk.mul`... ending in
  `plonk.constrain`, which must vanish on every row;
- `plonk.lookup`: tuples of expressions that must appear in a `plonk.lookup_table`
  (fixed columns filled from a named integer reference function);
- `plonk.copy`: equalities between cell ranges (the permutation argument).
Where the witness goes is tensor-granular: one `plonk.place` is a rectangle of
rows x columns holding one gadget instance with named tensor ports, and one
`plonk.copy` wires a whole tensor from one port to another. The last `blinding_rows + 1` rows belong to the
prover's zero-knowledge blinding and hold no placement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, cast

import numpy as np

from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, Region, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    base,
    ParametrizedAttribute,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsTerminator,
    NoTerminator,
    Pure,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

from zkir.dialects.nonlinearities import NONLINEARITY_NAMES
from zkir.dialects.resources import to_numpy

COLUMN_KINDS = ("advice", "fixed", "instance")
MAX_K = 28
MAX_CHALLENGES = 4
DEFAULT_BLINDING_ROWS = 5


@irdl_attr_definition
class ExprType(ParametrizedAttribute, TypeAttribute):
    """A polynomial expression over queried cells, evaluated row by row."""

    name = "plonk.expr"


def _i64(value: int) -> IntegerAttr:
    return IntegerAttr(value, i64)


def _symbols(names: Sequence[str]) -> ArrayAttr[SymbolRefAttr]:
    return ArrayAttr([SymbolRefAttr(n) for n in names])


def enclosing_circuit(op: Operation) -> CircuitOp:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, CircuitOp):
        parent = parent.parent_op()
    if parent is None:
        raise VerifyException(f"{op.name}: must be nested in a plonk.circuit")
    return parent


_Op = TypeVar("_Op", bound=Operation)


def _resolve(op: Operation, ref: SymbolRefAttr, cls: type[_Op], what: str) -> _Op:
    found = SymbolTable.lookup_symbol(enclosing_circuit(op), ref)
    if not isinstance(found, cls):
        raise VerifyException(
            f"{op.name}: @{ref.root_reference.data} is not a {what} of the circuit"
        )
    return found


# ---------------------------------------------------------------------------
# Circuit structure
# ---------------------------------------------------------------------------


@irdl_op_definition
class CircuitOp(IRDLOperation):
    """2^k rows, its columns, constraints and the placement of every gadget."""

    name = "plonk.circuit"

    sym_name = prop_def(SymbolNameConstraint())
    k = prop_def(IntegerAttr[I64])
    blinding_rows = prop_def(IntegerAttr[I64], default_value=_i64(DEFAULT_BLINDING_ROWS))
    body = region_def("single_block")

    assembly_format = "$sym_name `k` `=` $k attr-dict-with-keyword $body"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(SymbolOpInterface(), SymbolTable(), NoTerminator())

    def __init__(
        self, sym_name: str, k: int, body: Region, blinding_rows: int = DEFAULT_BLINDING_ROWS
    ):
        super().__init__(
            properties={
                "sym_name": StringAttr(sym_name),
                "k": _i64(k),
                "blinding_rows": _i64(blinding_rows),
            },
            regions=[body],
        )

    def get_k(self) -> int:
        return self.k.value.data

    def get_blinding_rows(self) -> int:
        return self.blinding_rows.value.data

    @property
    def rows(self) -> int:
        return 1 << self.get_k()

    @property
    def usable_rows(self) -> int:
        """Rows a placement may use: all but the blinding rows and the last row."""
        return self.rows - self.get_blinding_rows() - 1

    def columns(self, kind: str | None = None) -> list[ColumnOp]:
        return [
            op
            for op in self.body.ops
            if isinstance(op, ColumnOp) and (kind is None or op.kind.data == kind)
        ]

    def verify_(self) -> None:
        k = self.get_k()
        if not 1 <= k <= MAX_K:
            raise VerifyException(f"{self.name}: k must be in [1, {MAX_K}], got {k}")
        if self.get_blinding_rows() < 0 or self.usable_rows < 1:
            raise VerifyException(
                f"{self.name}: {self.get_blinding_rows()} blinding rows leave no "
                f"usable row of the {self.rows}"
            )


@irdl_op_definition
class ColumnOp(IRDLOperation):
    """A column; `equality` enables copy constraints on it."""

    name = "plonk.column"

    sym_name = prop_def(SymbolNameConstraint())
    kind = prop_def(StringAttr)
    equality = opt_prop_def(UnitAttr)
    phase = opt_prop_def(IntegerAttr[I64])
    """Advice only: 1 for a column the prover commits after the challenges are
    drawn (its values may depend on them); absent for phase 0."""

    assembly_format = "$sym_name $kind (`equality` $equality^)? (`phase` $phase^)? attr-dict"
    traits = lazy_traits_def(lambda: (SymbolOpInterface(), HasParent(CircuitOp)))

    def __init__(self, sym_name: str, kind: str, equality: bool = False, phase: int = 0):
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(sym_name),
            "kind": StringAttr(kind),
        }
        if equality:
            props["equality"] = UnitAttr()
        if phase:
            props["phase"] = _i64(phase)
        super().__init__(properties=props)

    def get_phase(self) -> int:
        return 0 if self.phase is None else self.phase.value.data

    def verify_(self) -> None:
        if self.kind.data not in COLUMN_KINDS:
            raise VerifyException(
                f"{self.name}: column @{self.sym_name.data} has kind "
                f"'{self.kind.data}', expected one of {', '.join(COLUMN_KINDS)}"
            )
        if self.phase is not None and (self.kind.data != "advice" or self.get_phase() != 1):
            raise VerifyException(
                f"{self.name}: column @{self.sym_name.data}: only advice columns have a phase, "
                f"and it is 1 (absent: 0), got {self.kind.data} phase {self.get_phase()}"
            )


# ---------------------------------------------------------------------------
# Polynomial expressions (bodies of gates and lookups)
# ---------------------------------------------------------------------------


class _ConstraintBodyOp(IRDLOperation):
    """Ops that hold a polynomial body: gates and lookups."""

    body = region_def("single_block")

    def constrained(self) -> ConstrainOp:
        last = self.body.block.last_op
        if not isinstance(last, ConstrainOp):
            raise VerifyException(f"{self.name}: body must end in plonk.constrain")
        return last


@irdl_op_definition
class QueryOp(IRDLOperation):
    """The cell of `column` at the current row plus `rotation`."""

    name = "plonk.query"

    column = prop_def(SymbolRefAttr)
    rotation = prop_def(IntAttr)
    result = result_def(ExprType)

    traits = traits_def(Pure())

    def __init__(self, column: str, rotation: int = 0):
        super().__init__(
            properties={"column": SymbolRefAttr(column), "rotation": IntAttr(rotation)},
            result_types=[ExprType()],
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.column.root_reference.data)
        printer.print_string(f"[{self.rotation.data}]")

    @classmethod
    def parse(cls, parser: Parser) -> QueryOp:
        column = parser.parse_symbol_name()
        parser.parse_punctuation("[")
        rotation = parser.parse_integer(allow_boolean=False)
        parser.parse_punctuation("]")
        return cls(column.data, rotation)

    def verify_(self) -> None:
        column = _resolve(self, self.column, ColumnOp, "column")
        circuit = enclosing_circuit(self)
        rotation = self.rotation.data
        if abs(rotation) >= circuit.usable_rows:
            raise VerifyException(
                f"{self.name}: rotation {rotation} of @{column.sym_name.data} is out "
                f"of range for {circuit.usable_rows} usable rows"
            )


@irdl_op_definition
class ConstOp(IRDLOperation):
    """A field constant (an integer; negatives mean p - |v|)."""

    name = "plonk.const"

    value = prop_def(IntAttr)
    result = result_def(ExprType)

    traits = traits_def(Pure())

    def __init__(self, value: int):
        super().__init__(properties={"value": IntAttr(value)}, result_types=[ExprType()])

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.value.data}")

    @classmethod
    def parse(cls, parser: Parser) -> ConstOp:
        return cls(parser.parse_integer(allow_boolean=False))


@irdl_op_definition
class ChallengeOp(IRDLOperation):
    """The value of the circuit's challenge `index`: drawn from the transcript
    after every phase-0 advice column is committed (zkir/prover/PROTOCOL.md), so
    a gate may check phase-0 values against it and phase-1 columns may hold
    values computed from it."""

    name = "plonk.challenge"

    index = prop_def(IntAttr)
    power = prop_def(IntAttr)
    """The value is the challenge to this power (one leaf, not a product tree)."""
    result = result_def(ExprType)

    traits = traits_def(Pure())

    def __init__(self, index: int, power: int = 1):
        super().__init__(properties={"index": IntAttr(index), "power": IntAttr(power)}, result_types=[ExprType()])

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.index.data}" + (f" power {self.power.data}" if self.power.data != 1 else ""))

    @classmethod
    def parse(cls, parser: Parser) -> ChallengeOp:
        index = parser.parse_integer(allow_boolean=False)
        power = 1
        if parser.parse_optional_keyword("power") is not None:
            power = parser.parse_integer(allow_boolean=False, allow_negative=False)
        return cls(index, power)

    def verify_(self) -> None:
        if not 0 <= self.index.data < MAX_CHALLENGES:
            raise VerifyException(f"{self.name}: index must be in [0, {MAX_CHALLENGES}), got {self.index.data}")
        if not 1 <= self.power.data < 1 << 32:
            raise VerifyException(f"{self.name}: power must be in [1, 2^32), got {self.power.data}")


class _ExprBinaryOp(IRDLOperation):
    lhs = operand_def(ExprType)
    rhs = operand_def(ExprType)
    result = result_def(ExprType)

    assembly_format = "$lhs `,` $rhs attr-dict"
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[ExprType()])


@irdl_op_definition
class AddOp(_ExprBinaryOp):
    name = "plonk.add"


@irdl_op_definition
class SubOp(_ExprBinaryOp):
    name = "plonk.sub"


@irdl_op_definition
class MulOp(_ExprBinaryOp):
    name = "plonk.mul"


@irdl_op_definition
class ConstrainOp(IRDLOperation):
    """Ends a gate (each operand must vanish) or a lookup (the looked-up tuple)."""

    name = "plonk.constrain"

    exprs = var_operand_def(ExprType)

    assembly_format = "$exprs attr-dict"
    traits = traits_def(IsTerminator())

    def __init__(self, exprs: Sequence[SSAValue]):
        super().__init__(operands=[exprs])

    def verify_(self) -> None:
        if not self.exprs:
            raise VerifyException(f"{self.name}: needs at least one expression")


@irdl_op_definition
class GateOp(_ConstraintBodyOp):
    """A custom gate: every constrained expression is zero on every row."""

    name = "plonk.gate"

    gate_name = prop_def(StringAttr)

    assembly_format = "$gate_name attr-dict-with-keyword $body"
    traits = lazy_traits_def(lambda: (HasParent(CircuitOp),))

    def __init__(self, gate_name: str, body: Region):
        super().__init__(properties={"gate_name": StringAttr(gate_name)}, regions=[body])

    def verify_(self) -> None:
        if not self.gate_name.data:
            raise VerifyException(f"{self.name}: gate name must not be empty")
        self.constrained()


@irdl_op_definition
class LookupTableOp(IRDLOperation):
    """Fixed columns tabulating `fn` over a `bits`-bit signed input range.

    The first column is a tag (1 on table rows); then `fn = "range"` has one value
    column; `fn = "embedding"` row, column and value columns tabulating the
    matrix in `data`; any other name (an integer reference nonlinearity at
    fixed-point `scale`) an input and an output column.
    """

    name = "plonk.lookup_table"

    sym_name = prop_def(SymbolNameConstraint())
    fn = prop_def(StringAttr)
    bits = prop_def(IntegerAttr[IntegerType])
    scale = prop_def(IntegerAttr[IntegerType], default_value=_i64(0))
    in_scale = opt_prop_def(IntegerAttr[IntegerType])
    data = opt_prop_def(base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr))
    columns = prop_def(ArrayAttr[SymbolRefAttr])
    input_range = opt_prop_def(DenseArrayBase.constr(i64))
    """[lo, hi]: a function table holding exactly the inputs lo..hi (else the
    signed `bits`-bit range)."""
    segments = opt_prop_def(DenseArrayBase.constr(i64))
    """[low_bits, frac_bits]: instead of (input, output), one row (h, T, a, B) per
    segment of 2^low_bits inputs of input_range (zkir.gadgets.segments)."""

    assembly_format = "$sym_name attr-dict"
    irdl_options = (ParsePropInAttrDict(),)
    traits = lazy_traits_def(lambda: (SymbolOpInterface(), HasParent(CircuitOp)))

    def __init__(
        self,
        sym_name: str,
        fn: str,
        bits: int,
        columns: Sequence[str],
        scale: int = 0,
        in_scale: int | None = None,
        data: Attribute | None = None,
        input_range: tuple[int, int] | None = None,
        segments: tuple[int, int] | None = None,
    ):
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(sym_name),
            "fn": StringAttr(fn),
            "bits": _i64(bits),
            "scale": _i64(scale),
            "columns": _symbols(columns),
        }
        if in_scale is not None and in_scale != scale:
            props["in_scale"] = _i64(in_scale)
        if data is not None:
            props["data"] = data
        if input_range is not None:
            props["input_range"] = DenseArrayBase.from_list(i64, list(input_range))
        if segments is not None:
            props["segments"] = DenseArrayBase.from_list(i64, list(segments))
        super().__init__(properties=props)

    @property
    def arity(self) -> int:
        return len(self.columns.data)

    def get_bits(self) -> int:
        return self.bits.value.data

    def get_scale(self) -> int:
        return self.scale.value.data

    def get_in_scale(self) -> int | None:
        return None if self.in_scale is None else self.in_scale.value.data

    def get_input_range(self) -> tuple[int, int] | None:
        if self.input_range is None:
            return None
        values = tuple(int(v) for v in cast(DenseArrayBase[IntegerType], self.input_range).get_values())
        if len(values) != 2:
            raise VerifyException(f"{self.name}: input_range must be [lo, hi], got {list(values)}")
        return values[0], values[1]

    def get_segments(self) -> tuple[int, int] | None:
        """(low_bits, frac_bits) of a segment table, else None."""
        if self.segments is None:
            return None
        values = tuple(int(v) for v in cast(DenseArrayBase[IntegerType], self.segments).get_values())
        if len(values) != 2 or not 1 <= values[0] <= 24 or not 0 <= values[1] <= 24:
            raise VerifyException(f"{self.name}: segments must be [low_bits, frac_bits] in [1, 24], got {list(values)}")
        return values[0], values[1]

    def get_size(self) -> int:
        """Rows the table fills: an embedding's entries, a ranged table's
        hi - lo + 1 inputs (a segment table's one row per 2^low_bits of them),
        else 2^bits."""
        ranged = self.get_input_range()
        segments = self.get_segments()
        if ranged is not None and segments is not None:  # from lo rounded down to 2^low_bits
            origin = (ranged[0] >> segments[0]) << segments[0]
            return -(-(ranged[1] - origin + 1) // (1 << segments[0]))
        if ranged is not None:
            return ranged[1] - ranged[0] + 1
        if self.data is None:
            return 1 << self.get_bits()
        ty = self.data.get_type()  # pyright: ignore[reportAttributeAccessIssue]
        assert isinstance(ty, TensorType)
        return ty.element_count()

    def verify_(self) -> None:
        fn = self.fn.data
        expected = {"range": 2, "embedding": 4}.get(fn, 3)
        if self.get_segments() is not None:
            expected = 5
            if self.get_input_range() is None:
                raise VerifyException(f"{self.name}: a segment table needs the input_range it covers")
        if (fn == "embedding") != (self.data is not None):
            raise VerifyException(f"{self.name}: an 'embedding' table, and only it, holds data")
        if fn not in ("range", "embedding") and fn not in NONLINEARITY_NAMES:
            raise VerifyException(
                f"{self.name}: unknown table function '{fn}' (known: range, "
                f"{', '.join(sorted(NONLINEARITY_NAMES))})"
            )
        if self.arity != expected:
            raise VerifyException(
                f"{self.name}: a '{fn}' table has {expected} columns (tag first), "
                f"got {self.arity}"
            )
        ranged = self.get_input_range()
        if ranged is not None and (fn in ("range", "embedding") or ranged[0] > ranged[1]):
            raise VerifyException(f"{self.name}: input_range [lo, hi] (lo <= hi) is for function tables only")
        circuit = enclosing_circuit(self)
        size = self.get_size()
        if size >= circuit.usable_rows:  # switched-off lookups need one all-zero row
            raise VerifyException(
                f"{self.name}: a table of {size} rows needs {size + 1} usable rows "
                f"(one stays all zero), the circuit has {circuit.usable_rows}"
            )
        for ref in self.columns.data:
            column = _resolve(self, ref, ColumnOp, "column")
            if column.kind.data != "fixed":
                raise VerifyException(
                    f"{self.name}: table column @{column.sym_name.data} must be fixed"
                )


@irdl_op_definition
class LookupOp(_ConstraintBodyOp):
    """On every row, the constrained tuple of expressions is a row of `table`."""

    name = "plonk.lookup"

    lookup_name = prop_def(StringAttr)
    table = prop_def(SymbolRefAttr)

    assembly_format = "$lookup_name $table attr-dict-with-keyword $body"
    traits = lazy_traits_def(lambda: (HasParent(CircuitOp),))

    def __init__(self, lookup_name: str, table: str, body: Region):
        super().__init__(
            properties={"lookup_name": StringAttr(lookup_name), "table": SymbolRefAttr(table)},
            regions=[body],
        )

    def verify_(self) -> None:
        table = _resolve(self, self.table, LookupTableOp, "lookup table")
        n = len(self.constrained().exprs)
        if n != table.arity:
            raise VerifyException(
                f"{self.name} '{self.lookup_name.data}': looks up {n} expression(s) "
                f"in @{table.sym_name.data}, which has {table.arity} column(s)"
            )


# ---------------------------------------------------------------------------
# Tensor-level placement and wiring
# ---------------------------------------------------------------------------


@irdl_op_definition
class PlaceOp(IRDLOperation):
    """One gadget instance occupying rows [row, row + rows) of `columns`.

    `shapes` gives the tensor shape of each port (how its elements map to cells is
    the gadget's own rule, zkir.gadgets); `params` its parameters (divisor,
    table, constant values); `selectors` the fixed column of each selector role.
    """

    name = "plonk.place"

    sym_name = prop_def(SymbolNameConstraint())
    gadget = prop_def(StringAttr)
    row = prop_def(IntegerAttr[IntegerType])
    rows = prop_def(IntegerAttr[IntegerType])
    columns = prop_def(ArrayAttr[SymbolRefAttr])
    shapes = opt_prop_def(DictionaryAttr)
    params = opt_prop_def(DictionaryAttr)
    selectors = opt_prop_def(DictionaryAttr)

    assembly_format = "$sym_name attr-dict"
    irdl_options = (ParsePropInAttrDict(),)
    traits = lazy_traits_def(lambda: (SymbolOpInterface(), HasParent(CircuitOp)))

    def __init__(
        self,
        sym_name: str,
        gadget: str,
        row: int,
        rows: int,
        columns: Sequence[str],
        shapes: Mapping[str, Sequence[int]] | None = None,
        params: Mapping[str, Attribute] | None = None,
        selectors: Mapping[str, str] | None = None,
    ):
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(sym_name),
            "gadget": StringAttr(gadget),
            "row": _i64(row),
            "rows": _i64(rows),
            "columns": _symbols(columns),
        }
        if shapes:
            props["shapes"] = DictionaryAttr(
                {k: DenseArrayBase.from_list(i64, list(v)) for k, v in shapes.items()}
            )
        if params:
            props["params"] = DictionaryAttr(dict(params))
        if selectors:
            props["selectors"] = DictionaryAttr(
                {k: SymbolRefAttr(v) for k, v in selectors.items()}
            )
        super().__init__(properties=props)

    def get_row(self) -> int:
        return self.row.value.data

    def get_rows(self) -> int:
        return self.rows.value.data

    @property
    def row_range(self) -> range:
        start = self.get_row()
        return range(start, start + self.get_rows())

    @property
    def column_names(self) -> list[str]:
        return [ref.root_reference.data for ref in self.columns.data]

    def port_shapes(self) -> dict[str, tuple[int, ...]]:
        if self.shapes is None:
            return {}
        return {
            k: tuple(int(x) for x in cast(DenseArrayBase[IntegerType], v).get_values())
            for k, v in self.shapes.data.items()
        }

    def param(self, key: str) -> Attribute | None:
        return None if self.params is None else self.params.data.get(key)

    def selector_columns(self) -> dict[str, str]:
        if self.selectors is None:
            return {}
        return {
            k: cast(SymbolRefAttr, v).root_reference.data
            for k, v in self.selectors.data.items()
        }

    def verify_(self) -> None:
        start, count = self.get_row(), self.get_rows()
        if start < 0 or count < 1:
            raise VerifyException(
                f"{self.name} @{self.sym_name.data}: needs row >= 0 and rows >= 1, "
                f"got row={start}, rows={count}"
            )
        if not self.columns.data:
            raise VerifyException(f"{self.name} @{self.sym_name.data}: no columns")
        names = self.column_names
        if len(set(names)) != len(names):
            raise VerifyException(f"{self.name} @{self.sym_name.data}: repeated column")
        for ref in self.columns.data:
            _resolve(self, ref, ColumnOp, "column")
        for role, column in self.selector_columns().items():
            sel = _resolve(self, SymbolRefAttr(column), ColumnOp, "column")
            if sel.kind.data != "fixed":
                raise VerifyException(
                    f"{self.name} @{self.sym_name.data}: selector '{role}' column "
                    f"@{column} must be fixed"
                )
        if self.shapes is not None:
            for port, shape in self.shapes.data.items():
                if not isinstance(shape, DenseArrayBase):
                    raise VerifyException(
                        f"{self.name} @{self.sym_name.data}: shape of port '{port}' "
                        "must be an array<i64>"
                    )
        usable = enclosing_circuit(self).usable_rows
        if start + count > usable:
            raise VerifyException(
                f"{self.name} @{self.sym_name.data}: rows [{start}, {start + count}) "
                f"exceed the {usable} usable rows"
            )


@irdl_op_definition
class CopyOp(IRDLOperation):
    """Tensor-level wiring: element i of `dst`'s port equals element map[i] of
    `src`'s port, for every i with map[i] >= 0.

    Without a map the copy is the identity (ports of one size) or, from a port of
    one element, a broadcast. One op wires a whole tensor, however many cells.
    """

    name = "plonk.copy"

    src = prop_def(SymbolRefAttr)
    src_port = prop_def(StringAttr)
    dst = prop_def(SymbolRefAttr)
    dst_port = prop_def(StringAttr)
    map = opt_prop_def(base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr))

    assembly_format = "$src `[` $src_port `]` `to` $dst `[` $dst_port `]` attr-dict"
    irdl_options = (ParsePropInAttrDict(),)
    traits = lazy_traits_def(lambda: (HasParent(CircuitOp),))

    def __init__(
        self, src: str, src_port: str, dst: str, dst_port: str, map: Attribute | None = None
    ):
        props: dict[str, Attribute] = {
            "src": SymbolRefAttr(src),
            "src_port": StringAttr(src_port),
            "dst": SymbolRefAttr(dst),
            "dst_port": StringAttr(dst_port),
        }
        if map is not None:
            props["map"] = map
        super().__init__(properties=props)

    def index_map(self, dst_size: int, src_size: int) -> np.ndarray:
        """Source element per destination element (-1: not wired here), numpy."""
        if self.map is not None:
            return to_numpy(self.map).astype(np.int64).ravel()
        if src_size == 1:
            return np.zeros(dst_size, dtype=np.int64)
        return np.arange(dst_size, dtype=np.int64)

    def _port(self, ref: SymbolRefAttr, port: StringAttr) -> tuple[PlaceOp, tuple[int, ...]]:
        place = _resolve(self, ref, PlaceOp, "placement")
        shapes = place.port_shapes()
        if port.data not in shapes:
            raise VerifyException(
                f"{self.name}: placement @{place.sym_name.data} has no port "
                f"'{port.data}' (ports: {', '.join(sorted(shapes)) or 'none'})"
            )
        circuit = enclosing_circuit(self)
        columns = {c.sym_name.data: c for c in circuit.columns()}
        for name in place.column_names:
            if columns[name].equality is None:
                raise VerifyException(
                    f"{self.name}: column @{name} of placement @{place.sym_name.data} "
                    "is not equality-enabled"
                )
        return place, shapes[port.data]

    def verify_(self) -> None:
        import numpy as np

        _, src_shape = self._port(self.src, self.src_port)
        _, dst_shape = self._port(self.dst, self.dst_port)
        src_size = int(np.prod(src_shape, dtype=np.int64))
        dst_size = int(np.prod(dst_shape, dtype=np.int64))
        if self.map is None:
            if src_size not in (1, dst_size):
                raise VerifyException(
                    f"{self.name}: without a map, port '{self.src_port.data}' "
                    f"({src_size} elements) must match '{self.dst_port.data}' "
                    f"({dst_size}) or have one element"
                )
            return
        index = self.index_map(dst_size, src_size)
        if len(index) != dst_size:
            raise VerifyException(
                f"{self.name}: map has {len(index)} entries for a destination port of "
                f"{dst_size} elements"
            )
        if dst_size and (index.min() < -1 or index.max() >= src_size):
            raise VerifyException(
                f"{self.name}: map entries must be in [-1, {src_size})"
            )


PlonkDialect = Dialect(
    "plonk",
    [
        CircuitOp,
        ColumnOp,
        QueryOp,
        ConstOp,
        ChallengeOp,
        AddOp,
        SubOp,
        MulOp,
        ConstrainOp,
        GateOp,
        LookupTableOp,
        LookupOp,
        PlaceOp,
        CopyOp,
    ],
    [ExprType],
)
