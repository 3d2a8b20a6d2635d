"""CircuitPlan.check_wiring: keygen refuses a circuit whose copy constraints leave
a gadget input free, and pinned_advice a private weight it could not bind.

The verifier only knows the permutation in the keys, never the plonk.copy ops the
witness generator reads. An input cell that no copy constraint ties to its source
is a free witness value (a forged activation, a nonzero dot padding) that every
gate and lookup still accepts.
"""

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import ArrayAttr, SymbolRefAttr

import zkir
from zkir import workflow as W
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit, input_ports
from zkir.backend_halo2.constraint_builder import BackendError
from zkir.backend_halo2.witness import compute_witness
from zkir.dialects import plonk
from zkir.dialects.resources import to_numpy
from zkir.ir_io import read_module
from zkir.prover.errors import CircuitError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MLP = EXAMPLES / "digits_mlp" / "model.onnx"


@pytest.fixture(scope="module")
def mlp_build(tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("mlp")
    W.compile_model(MLP, build, W.CompileOptions(input_shapes=[1, 64]))
    return build


def _circuit(build: Path) -> plonk.CircuitOp:
    return find_circuit(read_module(build / W.LEVELS[3]))


def _cell(placed, port: str, k: int) -> tuple[str, int]:
    """(column name, row) of cell k of a placement's port."""
    cells = placed.structure.ports[port]
    return placed.op.column_names[int(cells.slot[k])], placed.row + int(cells.row[k])


def test_an_intact_plan_passes(mlp_build):
    plan = CircuitPlan(_circuit(mlp_build))
    plan.check_wiring()
    plan.check_wiring(plan.copy_constraints())


def test_a_removed_copy_constraint_is_named(mlp_build):
    plan = CircuitPlan(_circuit(mlp_build))
    dense1 = plan.places["dense1"]
    column, row = _cell(dense1, "lhs", 5)
    groups, removed = [], 0
    for ca, ra, cb, rb in plan.copy_constraints():
        keep = ~((plan.column(column) == cb) & (rb == row))
        removed += int((~keep).sum())
        groups.append((ca, ra[keep], cb, rb[keep]))
    assert removed == 1
    message = f"@dense1 (dot) input port 'lhs': cell (row {row}, column {column}) is not copy-constrained to its source @relu0['out']"
    with pytest.raises(CircuitError, match=re.escape(message)) as info:
        plan.check_wiring(groups)
    assert "\n" not in str(info.value)


def test_a_cell_tied_to_another_element_is_named(mlp_build):
    """A constraint that ties a cell to the wrong source cell is no better than none."""
    plan = CircuitPlan(_circuit(mlp_build))
    dense0 = plan.places["dense0"]
    column, row = _cell(dense0, "lhs", 0)
    groups = []
    for ca, ra, cb, rb in plan.copy_constraints():
        hit = (plan.column(column) == cb) & (rb == row)
        groups.append((ca, np.where(hit, ra + 1, ra), cb, rb))  # pixel 1 instead of pixel 0
    message = f"@dense0 (dot) input port 'lhs': cell (row {row}, column {column}) is not copy-constrained to its source @pixels['out']"
    with pytest.raises(CircuitError, match=re.escape(message)):
        plan.check_wiring(groups)


@pytest.mark.parametrize(
    "dst, port, kind",
    [("output0", "in", "output"), ("relu1", "bias", "rescale"), ("dense2", "zeros", "dot")],
)
def test_a_removed_plonk_copy_is_named(mlp_build, dst, port, kind):
    circuit = _circuit(mlp_build)
    (copy,) = [
        op for op in circuit.body.ops
        if isinstance(op, plonk.CopyOp) and op.dst.root_reference.data == dst and op.dst_port.data == port
    ]
    copy.detach()
    plan = CircuitPlan(circuit)
    column, row = _cell(plan.places[dst], port, 0)
    message = f"@{dst} ({kind}) input port '{port}': cell (row {row}, column {column}) is wired to no source"
    with pytest.raises(CircuitError, match=re.escape(message)):
        plan.check_wiring()
    inputs = W.quantize_inputs(W.Settings.load(mlp_build), np.zeros((1, 64)))
    if port == "zeros":
        compute_witness(plan, inputs)  # padding is never gathered: only the check sees it
    else:  # the witness generator notices too, but keygen only runs the check
        with pytest.raises(BackendError, match="wired to nothing"):
            compute_witness(plan, inputs)


def test_input_ports_are_the_ports_a_gadget_does_not_compute(mlp_build):
    plan = CircuitPlan(_circuit(mlp_build))
    ports = {name: input_ports(p) for name, p in plan.places.items()}
    assert ports["dense0"] == ["lhs", "rhs", "zeros"]
    assert ports["relu0"] == ["input", "bias"]
    assert ports["output0"] == ["in"]
    assert ports["pixels"] == ports["dense0_weight"] == ports["zero_cell"] == []


# -- no false positives: every model the tests compile ------------------------------

def _compile_example(name: str, tmp_path: Path) -> plonk.CircuitOp:
    shapes = {"digits_mlp": [1, 64], "digits_cnn": [1, 1, 8, 8]}
    if name.startswith("gpt2_block"):
        sys.path.insert(0, str(EXAMPLES))
        from gpt2_blocks import block_model

        from zkir.frontends import load_model

        block_model(int(name[-1]), tmp_path / "block.onnx")
        module = load_model(tmp_path / "block.onnx")
        zkir.pipeline(
            "ml-canonicalize,ml-quantize{scale-bits=8},ml-canonicalize,convert-ml-to-gadget,gadget-canonicalize,"
            "convert-gadget-to-plonk{range-bits=12},plonk-verify-layout"
        ).run(module)
        return find_circuit(module)
    model, _, variant = name.partition(":")
    stem, fmt = model.split(".")
    options = {
        "": {},
        "fixed": {"weights": "fixed"},
        "public": {"weights": "public"},
        "private_input": {"private_input": True},
        "no_search": {"layout_search": False},
        "per_gadget": {"layout_search": False, "share_lookups": False, "items_per_row": 2},
    }[variant]
    shape = shapes.get(stem)
    if fmt == "tflite" and stem == "digits_cnn":
        shape = [1, 8, 8, 1]
    W.compile_model(EXAMPLES / stem / f"model.{fmt}", tmp_path, W.CompileOptions(input_shapes=shape, **options))
    return _circuit(tmp_path)


EXAMPLE_CIRCUITS = [
    "digits_mlp.onnx",
    "digits_mlp.tflite",
    "digits_cnn.onnx",
    "digits_cnn.tflite",
    "digits_mlp.onnx:fixed",
    "digits_mlp.onnx:public",
    "digits_mlp.onnx:private_input",
    "digits_mlp.onnx:per_gadget",
    "digits_cnn.onnx:no_search",
    "gpt2_tiny.onnx:no_search",
    "gpt2_block0",
    "gpt2_block1",
]


@pytest.mark.parametrize("name", EXAMPLE_CIRCUITS)
def test_every_shipped_example_is_fully_wired_and_its_weights_pinned(tmp_path, name):
    plan = CircuitPlan(_compile_example(name, tmp_path))
    plan.check_wiring()
    pinned = plan.pinned_advice()
    weights = [p for p in plan.places.values() if p.kind == "constant" and p.columns[0].kind == "advice"]
    assert {c.index for p in weights for c in p.columns} == set(pinned)
    for placed in weights:
        cells = placed.gadget.assign({"out": to_numpy(placed.op.param("value")).astype(np.int64)}).cells
        for slot, column in enumerate(placed.columns):
            np.testing.assert_array_equal(pinned[column.index][placed.row : placed.row + placed.structure.rows], cells[:, slot])


# -- private weights the keys could not bind ------------------------------------------

GADGETS = """
func.func @main(%x: tensor<1x4x!gadget.felt>) -> tensor<1x2x!gadget.felt> {
  %w = gadget.constant {value = dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi64>} : tensor<4x2x!gadget.felt>
  %y = gadget.dot %x, %w : (tensor<1x4x!gadget.felt>, tensor<4x2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
  %r = gadget.rescale %y {divisor = 16 : i64, relu} : tensor<1x2x!gadget.felt> -> tensor<1x2x!gadget.felt>
  func.return %r : tensor<1x2x!gadget.felt>
}
"""


def _small_circuit() -> plonk.CircuitOp:
    module = zkir.parse_module(GADGETS)
    zkir.pipeline("convert-gadget-to-plonk{columns=9 range-bits=4},plonk-verify-layout").run(module)
    return find_circuit(module)


def test_a_private_weight_in_its_own_band_is_pinned():
    plan = CircuitPlan(_small_circuit())
    weight = plan.places["w"]
    assert [c.kind for c in weight.columns] == ["advice", "advice"]
    assert {c.index for c in weight.columns} == set(plan.pinned_advice())
    plan.check_wiring()


def test_a_private_weight_in_an_advice_column_other_placements_fill_is_refused():
    """No lowering does this (weights get the w.<i> band), but a plonk circuit
    written elsewhere could: the weight would be bound by nothing."""
    circuit = _small_circuit()
    (weight,) = [op for op in circuit.body.ops if isinstance(op, plonk.PlaceOp) and op.sym_name.data == "w"]
    weight.properties["columns"] = ArrayAttr([SymbolRefAttr("a.0"), SymbolRefAttr("a.1")])
    weight.properties["row"] = type(weight.row)(8, weight.row.type)  # below the gadgets: no overlap
    plan = CircuitPlan(circuit)
    message = "constant @w is a private weight in advice column a.0, which @y also fills"
    with pytest.raises(CircuitError, match=re.escape(message)):
        plan.pinned_advice()
    with pytest.raises(CircuitError, match=re.escape(message)):
        plan.check_wiring()


def test_what_sets_k_names_the_table_or_the_gadgets():
    module = zkir.parse_module(
        """
func.func @main(%x: tensor<1x4x!gadget.felt>) -> tensor<1x4x!gadget.felt> {
  %y = gadget.lookup "tanh" %x {table_bits = 11 : i64, in_scale = 8 : i64, out_scale = 8 : i64} : tensor<1x4x!gadget.felt> -> tensor<1x4x!gadget.felt>
  func.return %y : tensor<1x4x!gadget.felt>
}"""
    )
    zkir.pipeline("convert-gadget-to-plonk").run(module)
    plan = CircuitPlan(find_circuit(module))
    assert plan.what_sets_k() == (
        "k=12: the lookup table tanh11_s8 (2048 rows) plus 6 blinding and spare rows need more than 2^11 = 2048"
    )
