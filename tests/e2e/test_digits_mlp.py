"""The digits MLP end to end: compile, setup, prove, verify, and what must fail."""

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from zkir import workflow as W
from zkir.interpreter.fixed_interp import run_fixed
from zkir.tools.cli import main as zkir_main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MLP = EXAMPLES / "digits_mlp"


def _input():
    return json.loads((MLP / "input.json").read_text())


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("mlp")
    W.compile_model(MLP / "model.onnx", build, W.CompileOptions(input_shapes=[1, 64]))
    W.setup(build)
    return build


@pytest.fixture(scope="module")
def proof(build) -> tuple[Path, W.ProveResult]:
    result = W.prove(build, _input(), build / "proof.bin")
    return build / "proof.bin", result


def test_proof_verifies_and_reveals_the_fixed_point_output_exactly(build, proof):
    path, result = proof
    from zkir.ir_io import read_module

    expected = run_fixed(read_module(build / W.LEVELS[1]), np.asarray(_input(), dtype=np.float32))[0]
    assert result.outputs["logits"]["raw"] == expected.raw.tolist()
    v = W.verify(build, path)
    assert v.verified, v.failed_check
    assert v.outputs["logits"]["raw"] == expected.raw.tolist()
    # the public input the verifier sees is the quantized image
    pixels = np.asarray(v.inputs["pixels"]["raw"])
    assert pixels.tolist() == np.floor(np.asarray(_input()) * 256 + 0.5).astype(int).tolist()


def _rewrite_public(path: Path, out: Path, change) -> None:
    data = path.read_bytes()
    (size,) = struct.unpack_from("<I", data, 8)
    header = json.loads(data[12 : 12 + size])
    change(header["instance"][0])
    new = json.dumps(header).encode()
    out.write_bytes(data[:8] + struct.pack("<I", len(new)) + new + data[12 + size :])


def test_a_claimed_output_changed_by_one_unit_is_rejected(build, proof, tmp_path):
    path, _ = proof
    settings = W.Settings.load(build)
    last_output_row = settings.outputs[0].rows[1] - 1
    forged = tmp_path / "forged.bin"

    def bump(column):
        column[last_output_row] += 1

    _rewrite_public(path, forged, bump)
    v = W.verify(build, forged)
    assert not v.verified
    assert "pairing check failed" in v.failed_check


def test_a_changed_public_input_is_rejected(build, proof, tmp_path):
    path, _ = proof
    forged = tmp_path / "forged_input.bin"

    def bump(column):
        column[0] += 1

    _rewrite_public(path, forged, bump)
    assert not W.verify(build, forged).verified


def test_flipped_and_truncated_proofs_are_rejected_with_a_reason(build, proof, tmp_path):
    path, _ = proof
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01
    (tmp_path / "flip.bin").write_bytes(bytes(data))
    (tmp_path / "short.bin").write_bytes(path.read_bytes()[:-50])
    for name in ("flip.bin", "short.bin"):
        v = W.verify(build, tmp_path / name)
        assert not v.verified and v.failed_check


def test_a_wrong_cell_fails_the_mock_prover_naming_the_gadget_and_layer(build):
    assert W.mock(build, _input()) == []
    plan = W._plan(build)
    dense1 = plan.places["dense1"]
    accumulator_row = dense1.row + 3
    accumulator_column = dense1.columns[-1].index

    def tamper(witness):
        witness.advice[accumulator_column][accumulator_row] += 1

    failures = W.mock(build, _input(), tamper)
    gate = [f for f in failures if f.kind == "gate"]
    assert gate and gate[0].name == "dot" and gate[0].placement == "dense1"
    assert "dot" in str(gate[0]) and "@dense1" in str(gate[0])


def test_a_proof_with_other_private_weights_is_rejected(build, tmp_path):
    """Weights are private but pinned by the key: a proof made with a changed weight
    is rejected at the pinned commitments, before any other check (the prover
    tests show this also for witnesses that satisfy every gate)."""
    from zkir.backend_halo2.witness import compute_witness
    from zkir.prover import SRS, pk_from_bytes, vk_from_bytes
    from zkir.prover import prove as prove_circuit
    from zkir.prover import verify as verify_proof

    plan = W._plan(build)
    settings = W.Settings.load(build)
    weights = plan.places["dense2_weight"]
    pinned = plan.pinned_advice()
    assert {c.index for c in weights.columns} <= set(pinned)
    witness = compute_witness(plan, W.quantize_inputs(settings, _input()))
    column, row = weights.columns[0].index, weights.row
    witness.advice[column][row] += 1  # a different weight
    pk = pk_from_bytes((build / "pk.bin").read_bytes(), SRS.load(build / "srs.bin"))
    proof = prove_circuit(pk, witness.advice, witness.instance, check=False)
    vk = vk_from_bytes((build / "vk.bin").read_bytes())
    with pytest.raises(Exception, match="pins"):
        verify_proof(vk, witness.instance, proof)


def test_inputs_of_the_wrong_shape_are_refused(build):
    with pytest.raises(W.WorkflowError, match=r"has shape \[3\], the model expects \[1, 64\]"):
        W.prove(build, [1.0, 2.0, 3.0], build / "never.bin")


@pytest.mark.parametrize("options", [{"weights": "fixed"}, {"private_input": True}, {"weights": "public"}])
def test_visibility_modes_prove_and_verify(tmp_path, options):
    W.compile_model(MLP / "model.onnx", tmp_path, W.CompileOptions(input_shapes=[1, 64], **options))
    W.setup(tmp_path)
    r = W.prove(tmp_path, _input(), tmp_path / "p.bin")
    v = W.verify(tmp_path, tmp_path / "p.bin")
    assert v.verified, v.failed_check
    assert v.outputs["logits"]["raw"] == r.outputs["logits"]["raw"]
    if options.get("private_input"):
        assert v.inputs == {}  # the verifier learns no input


def test_cli_exit_codes_and_json(build, proof, tmp_path, capsys):
    path, _ = proof
    assert zkir_main(["verify", str(build), str(path), "--json", "-q"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["verified"] is True and record["outputs"]["logits"]["scale"] == 8
    (tmp_path / "junk.bin").write_bytes(b"not a proof at all")
    assert zkir_main(["verify", str(build), str(tmp_path / "junk.bin"), "--json", "-q"]) == 2  # bad input
    err = capsys.readouterr().err
    assert "bad magic" in err and len(err.splitlines()) == 1
    assert zkir_main(["prove", str(tmp_path), "--input", str(MLP / "input.json"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "not a zkir build directory" in err and "Traceback" not in err


def test_a_limb_outside_the_range_table_fails_the_shared_lookup(build):
    """A rescale's bound limbs rewritten as (l0 + 2^t, l1 - 1) still satisfy its
    gate; only the lookup argument, shared by every range-checked gadget, stops it."""
    plan = W._plan(build)
    rescale = next(p for p in plan.places.values() if p.kind == "rescale" and not p.param("relu"))
    t = int(rescale.param("table_bits"))
    l0, l1 = rescale.columns[4].index, rescale.columns[5].index  # cells X, B, Q, R, L0, L1 of item 0

    def tamper(witness):
        if witness.advice[l1][rescale.row] == 0:  # keep l1 - 1 >= 0 for the attack
            witness.advice[l1][rescale.row] += 1
            witness.advice[l0][rescale.row] -= 1 << t
        witness.advice[l0][rescale.row] += 1 << t
        witness.advice[l1][rescale.row] -= 1

    failures = W.mock(build, _input(), tamper)
    assert failures and all(f.kind == "lookup" for f in failures), failures
    assert failures[0].name.startswith(f"range{t}_") and failures[0].placement == rescale.name
