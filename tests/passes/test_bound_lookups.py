"""gadget-bound-lookups: tables sized to what their inputs can be, same integers.

The rewrites must not change what the circuit computes (checked on inputs far
beyond every clamp), must leave a prover no freedom (a wrong clamped value or a
wrong table output fails the mock prover), and with calibration an input outside
the table must fail naming the layer, not prove something else.
"""

import numpy as np
import pytest

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import OutOfRangeError, compute_witness
from zkir.dialects import gadget
from zkir.gadgets.interpret import run_gadget
from zkir.interpreter.nonlinear import NONLINEARITIES, clamp_range
from zkir.passes.bound_lookups import table_bits_for, widened
from zkir.prover import MockProver

SHAPE = "tensor<4x6x!gadget.felt>"


def _module(fn: str, extra: str = ""):
    return zkir.parse_module(
        f"""
func.func @main(%x: {SHAPE}) -> {SHAPE} {{
  %y = gadget.lookup "{fn}" %x {{table_bits = 16 : i64, in_scale = 8 : i64, out_scale = 8 : i64{extra}}} : {SHAPE} -> {SHAPE}
  func.return %y : {SHAPE}
}}"""
    )


def _mock(plan: CircuitPlan, witness):
    return MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()


def _lookups(module):
    return [op for op in module.walk() if isinstance(op, gadget.LookupOp)]


@pytest.mark.parametrize("fn", ["sigmoid", "tanh", "erf", "gelu", "relu"])
def test_the_rewrite_keeps_every_integer_and_shrinks_the_table(fn):
    rng = np.random.default_rng(3)
    x = rng.integers(-30000, 30000, (4, 6))
    x[0, :3] = [-30000, 0, 29999]
    before = run_gadget(_module(fn), [x])[0]
    np.testing.assert_array_equal(before, NONLINEARITIES[fn](x, scale=8))
    module = _module(fn)
    zkir.pipeline("gadget-bound-lookups").run(module)
    np.testing.assert_array_equal(run_gadget(module, [x])[0], before)
    tables = _lookups(module)
    if fn == "relu":
        assert tables == []  # a comparison, no table
    else:
        (table,) = tables
        lo, hi = table.get_table_range()
        assert (lo, hi) == clamp_range(fn, 8) and hi - lo + 1 < 1 << 12


def test_the_circuit_is_small_and_holds_on_any_input_and_a_wrong_clamp_fails():
    module = _module("tanh")
    zkir.pipeline("gadget-bound-lookups,convert-gadget-to-plonk{columns=8},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    plan.check_wiring()
    assert plan.k <= 11  # a 16-bit table alone needed k = 17
    x = np.linspace(-30000, 30000, 24).astype(np.int64).reshape(4, 6)
    witness = compute_witness(plan, [x])
    np.testing.assert_array_equal(witness.outputs[0], NONLINEARITIES["tanh"](x, scale=8))
    assert _mock(plan, witness) == []
    # A prover claiming another clamped value (the lookup input): its cell no
    # longer equals the clamp's output, which the copy and the gates pin down.
    (lookup,) = [p for p in plan.places.values() if p.kind == "lookup"]
    witness.advice[lookup.columns[0].index][lookup.row] += 1
    failures = _mock(plan, witness)
    assert failures, "a changed clamp output went unnoticed"


def test_calibrated_tables_cover_the_samples_and_refuse_what_lies_beyond():
    module = _module("sigmoid", ", input_range = array<i64: -100, 300>")
    zkir.pipeline("gadget-bound-lookups{margin=0.5},convert-gadget-to-plonk{columns=8},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    (table,) = [t for t in plan.tables if t.fn.data == "sigmoid"]
    assert table.get_input_range() == widened(-100, 300, 0.5) == (-250, 450)
    assert not any(p.kind == "maximum" for p in plan.places.values())  # inside the clamp: none needed
    inside = np.full((4, 6), 440)
    witness = compute_witness(plan, [inside])
    assert _mock(plan, witness) == []
    with pytest.raises(OutOfRangeError, match=r"layer 'y' \(lookup\): lookup 'sigmoid': input range \[451, 451\]"):
        compute_witness(plan, [np.full((4, 6), 451)])


def test_a_table_output_cell_cannot_be_changed():
    module = _module("erf", ", input_range = array<i64: -50, 50>")
    zkir.pipeline("gadget-bound-lookups,convert-gadget-to-plonk{columns=8},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    witness = compute_witness(plan, [np.arange(-12, 12).reshape(4, 6)])
    (lookup,) = [p for p in plan.places.values() if p.kind == "lookup"]
    witness.advice[lookup.columns[1].index][lookup.row] += 1
    failures = _mock(plan, witness)
    assert failures and {f.kind for f in failures} >= {"lookup"}


@pytest.mark.parametrize("lo, hi, bits", [(-888, 888, 11), (-1024, 1023, 11), (-1025, 0, 12), (0, 0, 1)])
def test_table_bits_hold_the_range(lo, hi, bits):
    assert table_bits_for(lo, hi) == bits


def test_a_table_narrower_than_its_clamp_on_one_side_refuses_rather_than_clamps():
    """Samples in [-100, 1000] with tanh's clamp at +-888: the high side is
    clamped (a saturated tanh is exact), the low side only tabulated down to
    the margin. An input below it must fail, not read tanh at the table's edge."""
    module = _module("tanh", ", input_range = array<i64: -100, 1000>")
    zkir.pipeline("gadget-bound-lookups,convert-gadget-to-plonk{columns=8},plonk-verify-layout").run(module)
    plan = CircuitPlan(find_circuit(module))
    (table,) = [t for t in plan.tables if t.fn.data == "tanh"]
    assert table.get_input_range() == (-600, 888)
    high = np.full((4, 6), 20000)
    witness = compute_witness(plan, [high])
    np.testing.assert_array_equal(witness.outputs[0], NONLINEARITIES["tanh"](high, scale=8))
    assert _mock(plan, witness) == []
    with pytest.raises(OutOfRangeError, match=r"input range \[-700, -700\]"):
        compute_witness(plan, [np.full((4, 6), -700)])
