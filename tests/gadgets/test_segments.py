"""The split lookup: a nonlinearity read through a table of segments, exactly.

Its witness against the direct table on every input of the range, its
constraints, the tamper cases of its soundness argument (wrong output, a
shifted (h, l) split, a remainder out of range), and the op with a
`#gadget.split` through the interpreter, the lowering and the mock prover.
"""

import numpy as np
import pytest
from xdsl.utils.exceptions import VerifyException

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import OutOfRangeError, compute_witness
from zkir.dialects import gadget
from zkir.gadgets.check import check_assignment
from zkir.gadgets.interpret import run_gadget
from zkir.gadgets.segments import H, L, OUT, R, C, SplitLookupGadget, SplitLookupParams, fit_segments, segment_fit
from zkir.gadgets.tables import TableSpec
from zkir.interpreter.nonlinear import clamp_range
from zkir.ir_io import parse_module, print_module
from zkir.prover import MockProver

from gadget_checks import assert_ports_hold

rng = np.random.default_rng(11)

LO, HI = clamp_range("tanh", 10)
SPLIT = dict(fn="tanh", table_lo=LO, table_hi=HI, low_bits=4, frac_bits=10, scale=10)


def _gadget(columns: int = 24, table_bits: int = 10) -> SplitLookupGadget:
    return SplitLookupGadget(columns, table_bits=table_bits, **SPLIT)  # type: ignore[arg-type]


def test_the_segments_give_the_exact_table_on_every_input():
    g = _gadget()
    x = np.arange(LO, HI + 1)
    a = g.assign({"input": x})
    want = TableSpec("tanh", 16, 10).apply(x)
    np.testing.assert_array_equal(a.outputs["out"], want)
    np.testing.assert_array_equal(SplitLookupGadget.evaluate(SplitLookupParams(**SPLIT), {"input": x}), want)
    assert check_assignment(g, a) == []
    assert_ports_hold(a, {"input": x, "out": want})
    assert g.segments.size == -(-(HI - (LO >> 4 << 4) + 1) // 16)  # 16x fewer rows than the direct table


def test_an_input_outside_the_range_has_no_witness():
    with pytest.raises(OverflowError, match="exceeds the table of inputs"):
        _gadget().assign({"input": np.array([HI + 1])})


def test_no_exact_split_is_none():
    noisy = rng.integers(-1000, 1000, 64)
    assert fit_segments(noisy, 3, 8) is None
    straight = 3 * np.arange(64) + 5
    assert fit_segments(straight, 3, 8) is not None
    # tanh at scale 12 has no exact segments of 256 inputs at an 8-bit fraction
    lo, hi = clamp_range("tanh", 12)
    assert segment_fit("tanh", 12, None, lo, hi, 8, 8) is None


def _tampered(change) -> list:
    g = _gadget()
    a = g.assign({"input": rng.integers(LO, HI + 1, (30,))})
    change(a.cells)
    return [f.constraint for f in check_assignment(g, a)]


def test_a_wrong_output_is_caught():
    failures = _tampered(lambda cells: cells.__setitem__((0, OUT), cells[0, OUT] + 1))
    assert failures and "_seg0" in failures[0]


def test_a_shifted_split_is_caught():
    """h - 1 and l + 2^b satisfy the first gate, and the cheater fills in the
    previous segment's row and its c, r: only l's range check stops it."""
    g = _gadget()
    x = np.array([100, 200, 300])
    a = g.assign({"input": x})
    fit = g.fit
    cells = a.cells
    h, l = cells[0, H] - 1, cells[0, L] + 16
    v = fit.offset[h] + fit.slope[h] * l
    c, r = v >> fit.frac_bits, v & ((1 << fit.frac_bits) - 1)
    cells[0, H], cells[0, L], cells[0, 3], cells[0, 4] = h, l, fit.offset[h], fit.slope[h]
    cells[0, C], cells[0, R], cells[0, OUT] = c, r, fit.base[h] + c
    failures = [f.constraint for f in check_assignment(g, a)]
    assert failures and all("_l_hi0" in f for f in failures), failures


def test_a_remainder_out_of_range_is_caught():
    """c - 1 and r + 2^e satisfy the second gate and give out - 1: r's range check stops it."""

    def cheat(cells):
        cells[0, C] -= 1
        cells[0, R] += 1 << 10
        cells[0, OUT] -= 1

    failures = _tampered(cheat)
    # the gates and the segment lookup hold; r (and, if c fell below c_min, c) does not
    assert "_r0" in " ".join(failures) and all("_r0" in f or "_c0" in f for f in failures), failures


MODULE = """
func.func @main(%x: tensor<3x7x!gadget.felt>) -> tensor<3x7x!gadget.felt> {
  %y = gadget.lookup "tanh" %x {table_bits = 14 : i64, in_scale = 10 : i64, out_scale = 10 : i64,
        table_range = array<i64: LO, HI>, split = #gadget.split<low_bits = 4, frac_bits = 10>}
        : tensor<3x7x!gadget.felt> -> tensor<3x7x!gadget.felt>
  func.return %y : tensor<3x7x!gadget.felt>
}
""".replace("LO", str(LO)).replace("HI", str(HI))


def _mock(plan: CircuitPlan, witness):
    return MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()


def test_the_split_op_prints_parses_and_needs_a_table_range():
    module = parse_module(MODULE)
    (op,) = [o for o in module.walk() if isinstance(o, gadget.LookupOp)]
    assert op.get_split() == (4, 10) and op.gadget_kind() == "split_lookup"
    assert "#gadget.split<low_bits = 4, frac_bits = 10>" in print_module(module)
    op.properties.pop("table_range")
    with pytest.raises(VerifyException, match="needs a table_range"):
        op.verify()
    with pytest.raises(VerifyException, match="low_bits must be in"):
        gadget.SplitAttr(0, 10).verify()


def test_the_split_op_through_the_interpreter_lowering_and_mock_prover():
    module = parse_module(MODULE)
    x = rng.integers(LO, HI + 1, (3, 7))
    want = TableSpec("tanh", 16, 10).apply(x)
    np.testing.assert_array_equal(run_gadget(module, [x])[0], want)
    zkir.pipeline("convert-gadget-to-plonk{columns=16 range-bits=10},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    sizes = {t.sym_name.data: t.get_size() for t in plan.tables}
    assert max(sizes.values()) == 1024 and any(name.endswith("_seg4f10") for name in sizes), sizes
    plan.check_wiring()
    witness = compute_witness(plan, [x])
    np.testing.assert_array_equal(witness.outputs[0], want)
    assert _mock(plan, witness) == []

    (split,) = [p for p in plan.places.values() if p.kind == "split_lookup"]
    witness.advice[split.columns[OUT].index][split.row] += 1
    failures = _mock(plan, witness)
    assert failures and any("_seg" in f.name for f in failures), failures

    with pytest.raises(OutOfRangeError, match="exceeds the table of inputs"):
        compute_witness(plan, [np.full((3, 7), HI + 1)])
