"""One transformer block of the tiny GPT-2, cut out of the shipped ONNX model.

Block 0 uses the native LayerNormalization and Gelu ops, block 1 their
decompositions (ReduceMean/Sub/Pow/Sqrt/Div and tanh-GELU); both have causal
attention through a constant mask and softmax. The block's input is the real
residual stream of examples/gpt2_tiny/input.json.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import zkir
from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
from zkir.backend_halo2.witness import compute_witness
from zkir.frontends import load_model
from zkir.interpreter.fixed_interp import run_fixed
from zkir.interpreter.float_interp import run_float
from zkir.gadgets.interpret import run_gadget
from zkir.interpreter.rounding import quantize
from zkir.prover import MockProver

ROOT = Path(__file__).resolve().parents[2]
GPT2 = ROOT / "examples" / "gpt2_tiny"
sys.path.insert(0, str(ROOT / "examples"))
from gpt2_blocks import block_model  # noqa: E402


def _block(tmp_path: Path, index: int):
    """(ml module of block `index`, its input hidden states)."""
    hidden = block_model(index, tmp_path / f"block{index}.onnx")
    return load_model(tmp_path / f"block{index}.onnx"), hidden


def _fixed(module, hidden):
    floats = run_float(module, hidden)[0]
    zkir.pipeline("ml-canonicalize,ml-quantize{scale-bits=8},ml-canonicalize").run(module)
    fixed = run_fixed(module, hidden)[0]
    assert np.abs(fixed.value - floats).max() < 0.05  # s = 8: about 13 units of 2^-8
    return fixed


@pytest.mark.parametrize("index", [0, 1])
def test_block_lowering_is_exact(tmp_path, index):
    module, hidden = _block(tmp_path, index)
    fixed = _fixed(module, hidden)
    zkir.pipeline("convert-ml-to-gadget,gadget-canonicalize").run(module)
    np.testing.assert_array_equal(run_gadget(module, [quantize(hidden, 8)])[0], fixed.raw)


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1])
def test_block_passes_the_mock_prover(tmp_path, index):
    module, hidden = _block(tmp_path, index)
    fixed = _fixed(module, hidden)
    # Variances sit at scale 2s: their bounds need 12-bit range limbs.
    zkir.pipeline(
        "convert-ml-to-gadget,gadget-canonicalize,convert-gadget-to-plonk{range-bits=12},plonk-verify-layout"
    ).run(module)
    plan = CircuitPlan(find_circuit(module))
    witness = compute_witness(plan, [quantize(hidden, 8)])
    np.testing.assert_array_equal(witness.outputs[0], fixed.raw)
    failures = MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()
    assert failures == []


def _whole_model():
    ids = np.asarray(json.loads((GPT2 / "input.json").read_text())["input_ids"])
    module = load_model(GPT2 / "model.onnx")
    floats = run_float(module, ids)[0]
    zkir.pipeline("ml-canonicalize,ml-quantize{scale-bits=8},ml-canonicalize").run(module)
    fixed = run_fixed(module, ids)[0]
    assert (fixed.value.argmax(-1) == floats.argmax(-1)).all()
    return module, ids, fixed


def test_whole_model_lowering_is_exact():
    """Token ids select embedding rows by lookup; everything after is as in a block."""
    module, ids, fixed = _whole_model()
    zkir.pipeline("convert-ml-to-gadget,gadget-canonicalize").run(module)
    np.testing.assert_array_equal(run_gadget(module, [ids])[0], fixed.raw)


@pytest.mark.slow
def test_whole_model_passes_the_mock_prover():
    module, ids, fixed = _whole_model()
    zkir.pipeline(
        "convert-ml-to-gadget,gadget-canonicalize,convert-gadget-to-plonk{range-bits=12},plonk-verify-layout"
    ).run(module)
    plan = CircuitPlan(find_circuit(module))
    witness = compute_witness(plan, [ids])
    np.testing.assert_array_equal(witness.outputs[0], fixed.raw)
    failures = MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints()
    ).verify()
    assert failures == []


def test_compile_picks_wider_range_checks_for_layer_norm(tmp_path):
    from zkir import workflow as W

    gpt2 = W.compile_model(GPT2 / "model.onnx", tmp_path / "gpt2", W.CompileOptions(layout_search=False))
    assert gpt2.range_bits == 12 and gpt2.k == 19
    mlp = W.compile_model(ROOT / "examples" / "digits_mlp" / "model.onnx", tmp_path / "mlp", W.CompileOptions(input_shapes=[1, 64]))
    assert mlp.range_bits == 8
