"""The review's findings against the shipped digits MLP, each as an attack that must fail.

1 a forgery with the public test tau; 2 public weights swapped; 5 a proof on
another input; 6 the mock prover and other private weights; 8 what verify says
a proof shows (settings.json edits, stale keys). Findings 3 (table identities)
and 7 (unwired cells) are tested with the lowering and the circuit plan; 4
(weights recovered by interpolation) in test_private_weights.py.
"""

import json
import random
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import DictionaryAttr

from zkir import workflow as W
from zkir.backend_halo2.witness import compute_witness
from zkir.dialects.resources import dense_attr, to_numpy
from zkir.prover import SRS, pk_from_bytes, vk_from_bytes
from zkir.prover import prove as prove_circuit
from zkir.tools.cli import main as zkir_main

from attacks import forge_openings, seeded_tau

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MLP = EXAMPLES / "digits_mlp"
CNN = EXAMPLES / "digits_cnn"


def _input():
    return json.loads((MLP / "input.json").read_text())


def _compile(build: Path, **options) -> Path:
    # the fixed layout compiles in a fraction of the search's time; the attacks do not depend on it
    W.compile_model(MLP / "model.onnx", build, W.CompileOptions(input_shapes=[1, 64], layout_search=False, **options))
    return build


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    return _compile(tmp_path_factory.mktemp("compiled"))


@pytest.fixture(scope="module")
def build(compiled, tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("trust") / "b"
    shutil.copytree(compiled, build)
    W.setup(build)
    W.prove(build, _input(), build / "proof.bin")
    return build


@pytest.fixture(scope="module")
def insecure_build(compiled, tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("insecure") / "b"
    shutil.copytree(compiled, build)
    W.setup(build, insecure_test_srs=True)
    W.prove(build, _input(), build / "proof.bin")
    return build


def _keys(build: Path):
    pk = pk_from_bytes((build / "pk.bin").read_bytes(), SRS.load(build / "srs.bin", check=False))
    return pk, pk.vk


def _rewrite_proof(src: Path, dst: Path, instance: list[np.ndarray], proof: bytes) -> None:
    data = src.read_bytes()
    (size,) = struct.unpack_from("<I", data, len(W.PROOF_MAGIC))
    header = json.loads(data[len(W.PROOF_MAGIC) + 4 : len(W.PROOF_MAGIC) + 4 + size])
    dst.write_bytes(W.proof_file_bytes(bytes.fromhex(header["vk"]), instance, proof))


def _forged_class(build: Path, out: Path) -> tuple[int, int]:
    """A cheating prover who knows tau claims the logits of another class: it swaps
    the two largest logits in the public output, runs the prover on the honest
    witness with that false instance (the quotient then does not vanish), and
    forges every opening with tau."""
    pk, vk = _keys(build)
    witness = compute_witness(W._plan(build), W.quantize_inputs(W.Settings.load(build), _input()))
    instance = [c.copy() for c in witness.instance]
    rows = W.Settings.load(build).outputs[0].rows
    logits = instance[0][rows[0] : rows[1]]
    first, second = np.argsort(logits)[-1], np.argsort(logits)[-2]
    logits[[first, second]] = logits[[second, first]]
    instance[0][rows[0] : rows[1]] = logits
    proof = prove_circuit(pk, witness.advice, instance, check=False)
    forged = forge_openings(vk, instance, proof, seeded_tau())
    out.write_bytes(W.proof_file_bytes(vk.digest, instance, forged))
    return int(first), int(second)


# -- finding 1: the default setup is not forgeable ---------------------------------------


def test_the_forger_works_against_the_insecure_test_srs(insecure_build, tmp_path):
    """Against keys from the seeded SRS the forgery verifies (when insecure keys are
    allowed): the attack is real, which is why such keys are refused by default."""
    build = insecure_build
    honest, claimed = _forged_class(build, tmp_path / "forged.bin")
    v = W.verify(build, tmp_path / "forged.bin", allow_insecure_srs=True)
    assert v.verified
    assert int(np.argmax(v.outputs["logits"]["raw"])) == claimed != honest
    refused = W.verify(build, build / "proof.bin")
    assert not refused.verified and "INSECURE test SRS" in refused.failed_check


def test_the_default_setup_resists_the_forgery(build, tmp_path):
    _forged_class(build, tmp_path / "forged.bin")
    v = W.verify(build, tmp_path / "forged.bin")
    assert not v.verified and "pairing check failed" in v.failed_check
    assert W.verify(build, build / "proof.bin").verified


def test_an_insecure_key_stays_refused_when_its_mark_is_stripped(insecure_build, tmp_path):
    """A cheater clears the mark and makes proofs with the unmarked key: the verifier
    still recognises the public seed's tau in the key and refuses it."""
    from dataclasses import replace

    from zkir.prover import InsecureSetupError, verify as verify_proof

    pk, vk = _keys(insecure_build)
    assert vk.insecure_srs and SRS.load(insecure_build / "srs.bin").insecure
    stripped = replace(vk, insecure_srs=False, digest=b"")  # a new digest for the unmarked key
    assert not stripped.insecure_srs and stripped.digest != vk.digest
    pk.vk = stripped
    witness = compute_witness(W._plan(insecure_build), W.quantize_inputs(W.Settings.load(insecure_build), _input()))
    proof = prove_circuit(pk, witness.advice, witness.instance)
    with pytest.raises(InsecureSetupError, match="INSECURE test SRS"):
        verify_proof(vk_from_bytes(stripped.to_bytes()), witness.instance, proof)
    assert verify_proof(stripped, witness.instance, proof, allow_insecure_srs=True)


def test_setup_cli_marks_and_verify_cli_refuses_insecure_keys(compiled, tmp_path, capsys):
    build = tmp_path / "b"
    shutil.copytree(compiled, build)
    assert zkir_main(["setup", str(build), "--insecure-test-srs", "-q"]) == 0
    assert zkir_main(["prove", str(build), "--input", str(MLP / "input.json"), "-o", str(tmp_path / "p.bin"), "-q"]) == 0
    capsys.readouterr()
    assert zkir_main(["verify", str(build), str(tmp_path / "p.bin")]) == 1
    assert "INSECURE test SRS" in capsys.readouterr().out
    assert zkir_main(["verify", str(build), str(tmp_path / "p.bin"), "--allow-insecure-srs"]) == 0


# -- finding 2: public weights are bound to the model ------------------------------------


def _witness_with(plan, placement: str, change, inputs):
    """The witness of the same circuit with one constant's values changed (what a
    cheating prover computes), the plan left as it was."""
    op = plan.places[placement].op
    old = op.params
    values = to_numpy(op.param("value")).copy()
    change(values)
    op.params = DictionaryAttr({**old.data, "value": dense_attr(values)})
    try:
        return compute_witness(plan, inputs)
    finally:
        op.params = old


def _first_constant(plan, column_kind: str) -> str:
    for name, placed in plan.places.items():
        if placed.kind == "constant" and placed.columns[0].kind == column_kind:
            return name
    raise AssertionError(f"no constant in {column_kind} columns")


def test_a_proof_with_other_public_weights_is_rejected_naming_the_tensor(tmp_path):
    build = _compile(tmp_path / "pub", weights="public")
    W.setup(build)
    W.prove(build, _input(), build / "proof.bin")
    plan = W._plan(build)
    name = _first_constant(plan, "instance")

    def bump(values):
        values.flat[0] += 37

    witness = _witness_with(plan, name, bump, W.quantize_inputs(W.Settings.load(build), _input()))
    pk, vk = _keys(build)
    proof = prove_circuit(pk, witness.advice, witness.instance)  # every constraint holds
    _rewrite_proof(build / "proof.bin", tmp_path / "other.bin", witness.instance, proof)
    v = W.verify(build, tmp_path / "other.bin")
    assert not v.verified
    assert f"public weights '{name}'" in v.failed_check
    assert W.verify(build, build / "proof.bin").verified


# -- finding 5: the public input is shown and can be checked ---------------------------


def test_verify_shows_the_input_and_rejects_another_one(build, tmp_path, capsys):
    other = np.asarray(_input(), dtype=np.float64)
    other.flat[3] += 1.0
    v = W.verify(build, build / "proof.bin", inputs=_input())
    assert v.verified and "pixels" in v.inputs
    bad = W.verify(build, build / "proof.bin", inputs=other.tolist())
    assert not bad.verified and "public input 'pixels'" in bad.failed_check and "1 of 64" in bad.failed_check
    (tmp_path / "other.json").write_text(json.dumps(other.tolist()))
    assert zkir_main(["verify", str(build), str(build / "proof.bin"), "--input", str(tmp_path / "other.json")]) == 1
    assert zkir_main(["verify", str(build), str(build / "proof.bin")]) == 0
    out = capsys.readouterr().out
    assert "pixels: shape [1, 64]" in out and "digest" in out and "logits" in out


# -- finding 6: the mock prover checks private weights -----------------------------------


def test_mock_rejects_other_private_weights(build):
    plan = W._plan(build)
    name = _first_constant(plan, "advice")
    settings = W.Settings.load(build)

    def bump(values):
        values.flat[0] += 1

    other = _witness_with(plan, name, bump, W.quantize_inputs(settings, _input()))

    def use_other_weights(witness):
        witness.advice[:] = other.advice
        witness.instance[:] = other.instance

    failures = W.mock(build, _input(), use_other_weights)
    assert [f.kind for f in failures] == ["pinned"]
    assert failures[0].placement == name
    assert W.mock(build, _input()) == []


# -- finding 8: what verify says is bound to the key --------------------------------------


def test_settings_edits_change_nothing_verify_reports(build, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(build, copy)
    honest = W.verify(build, build / "proof.bin")
    settings = json.loads((copy / "settings.json").read_text())
    settings["outputs"][0]["rows"] = [0, 10]
    settings["outputs"][0]["scale"] = 4
    settings["outputs"][0]["name"] = "not_logits"
    (copy / "settings.json").write_text(json.dumps(settings))
    edited = W.verify(copy, copy / "proof.bin")
    assert edited.verified and edited.outputs == honest.outputs and edited.inputs == honest.inputs
    # every single-bit flip of settings.json, sampled: verify either says the same or nothing
    text = (build / "settings.json").read_bytes()
    rng = random.Random(1)
    for _ in range(40):
        data = bytearray(text)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        (copy / "settings.json").write_bytes(bytes(data))
        v = W.verify(copy, copy / "proof.bin")
        assert v.verified and v.outputs == honest.outputs


def test_prove_refuses_settings_that_no_longer_match_the_keys(build, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(build, copy)
    settings = json.loads((copy / "settings.json").read_text())
    settings["outputs"][0]["scale"] = 4
    (copy / "settings.json").write_text(json.dumps(settings))
    with pytest.raises(W.WorkflowError, match="changed since zkir setup"):
        W.prove(copy, _input(), copy / "p.bin")


def test_compiling_another_model_into_a_build_removes_its_keys(build, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(build, copy)
    messages: list[str] = []
    W.compile_model(CNN / "model.onnx", copy, W.CompileOptions(input_shapes=[1, 1, 8, 8], layout_search=False), messages.append)
    assert not (copy / "vk.bin").exists() and not (copy / "pk.bin").exists()
    assert any("removing the keys" in m for m in messages)
    with pytest.raises(W.WorkflowError, match="no verifying key"):
        W.verify(copy, copy / "proof.bin")


def test_a_key_for_another_circuit_is_named_as_such(build, tmp_path):
    """Someone copies the MLP's vk.bin beside another circuit's IR: verify says so."""
    other = tmp_path / "cnn"
    W.compile_model(CNN / "model.onnx", other, W.CompileOptions(input_shapes=[1, 1, 8, 8], layout_search=False))
    shutil.copy(build / "vk.bin", other / "vk.bin")
    with pytest.raises(W.WorkflowError, match="made for another circuit"):
        W.verify(other, build / "proof.bin")
    # the key file alone still verifies its own proofs
    assert W.verify(build / "vk.bin", build / "proof.bin").verified
    _, vk = _keys(build)
    assert vk_from_bytes((build / "vk.bin").read_bytes()).statement == vk.statement


def test_an_exported_verifier_holds_nothing_private_and_verifies_alone(build, tmp_path):
    out = tmp_path / "verifier"
    assert zkir_main(["export-verifier", str(build), "-o", str(out), "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["verifier.json", "vk.bin"]
    summary = json.loads((out / "verifier.json").read_text())
    assert [t["name"] for t in summary["public"]] == ["pixels", "logits"] and not summary["insecure_test_srs"]
    shutil.copy(build / "proof.bin", tmp_path / "proof.bin")
    v = W.verify(out, tmp_path / "proof.bin", inputs=_input())
    assert v.verified and v.outputs == W.verify(build, build / "proof.bin").outputs
