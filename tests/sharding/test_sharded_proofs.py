"""A model proven as three linked shards: it verifies, gives the unsharded output,
and every way of putting a bundle together from the wrong parts is rejected."""

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from zkir import sharding as S
from zkir import workflow as W
from zkir.prover.links import phase0_commitments

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MLP = EXAMPLES / "digits_mlp"


def _input(shift: float = 0.0):
    return (np.asarray(json.loads((MLP / "input.json").read_text())) + shift).tolist()


def _compile(path: Path, shards: int, scale_bits: int = 8) -> Path:
    W.compile_model(MLP / "model.onnx", path, W.CompileOptions(shards=shards, columns=12, scale_bits=scale_bits,
                                                               input_shapes=[1, 64]))
    return path


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    path = _compile(tmp_path_factory.mktemp("sharded"), 3)
    S.setup(path, insecure_test_srs=True)
    return path


@pytest.fixture(scope="module")
def proofs(build) -> dict[str, Path]:
    """A bundle for the input, and one for another input."""
    out = {}
    for name, shift in (("a", 0.0), ("b", 0.25)):
        S.prove(build, _input(shift), build / f"{name}.bin")
        out[name] = build / f"{name}.bin"
    return out


def _parts(path: Path) -> tuple[dict, list[bytes]]:
    data = path.read_bytes()
    (size,) = struct.unpack_from("<I", data, len(S.PROOF_BUNDLE_MAGIC))
    start = len(S.PROOF_BUNDLE_MAGIC) + 4
    header = json.loads(data[start : start + size])
    body, parts, at = data[start + size :], [], 0
    for s in header["sizes"]:
        parts.append(body[at : at + s])
        at += s
    return header, parts


def _bundle(path: Path, digest: str, parts: list[bytes]) -> Path:
    header = json.dumps({"bundle": digest, "sizes": [len(p) for p in parts]}).encode()
    path.write_bytes(S.PROOF_BUNDLE_MAGIC + struct.pack("<I", len(header)) + header + b"".join(parts))
    return path


def _verify(build: Path, proof: Path) -> W.VerifyResult:
    return S.verify(build, proof, allow_insecure_srs=True)


def test_three_shards_with_links_between_neighbours_only(build):
    settings = W.Settings.load(build)
    assert len(settings.shards) == 3
    assert settings.shards[0]["links_in"] == [] and settings.shards[-1]["links_out"] == []
    for before, after in zip(settings.shards, settings.shards[1:]):
        assert before["links_out"] == after["links_in"] and before["links_out"]
    assert len({s["k"] for s in settings.shards}) == 1  # linked commitments need one k
    assert all((build / "shards" / str(i) / "pk.bin").exists() for i in range(3))


def test_bundle_verifies_and_proves_the_unsharded_output(build, proofs, tmp_path):
    v = _verify(build, proofs["a"])
    assert v.verified, v.failed_check
    one = tmp_path / "one"
    W.compile_model(MLP / "model.onnx", one, W.CompileOptions(shards=1, columns=12, input_shapes=[1, 64]))
    outputs: dict = {}
    assert W.mock(one, _input(), outputs=outputs) == []
    assert v.outputs == outputs
    assert S.verify(build, proofs["a"], allow_insecure_srs=True, inputs=_input()).verified
    assert not S.verify(build, proofs["a"], allow_insecure_srs=True, inputs=_input(0.25)).verified


def test_one_shard_is_the_circuit_without_sharding(tmp_path):
    default = tmp_path / "default"
    W.compile_model(MLP / "model.onnx", default, W.CompileOptions(columns=12, input_shapes=[1, 64]))
    one = _compile(tmp_path / "one", 1)
    assert (one / W.LEVELS[3]).read_text() == (default / W.LEVELS[3]).read_text()
    assert W.Settings.load(one).shards == [] and not (one / "shards").exists()


def test_the_link_columns_are_committed_identically_in_both_proofs(build, proofs):
    bundle = S.read_key_bundle(build / "vk.bin")
    _, parts = _parts(proofs["a"])
    files = [W.parse_proof_file(p, "shard") for p in parts]
    for cut, columns in enumerate(bundle.links):
        assert columns
        before = phase0_commitments(bundle.keys[cut], files[cut].proof)
        after = phase0_commitments(bundle.keys[cut + 1], files[cut + 1].proof)
        for a, b in columns.values():
            assert before[a] == after[b]
    # another proof of the same input commits other tails: nothing links two proofs but the bundle
    again = [W.parse_proof_file(p, "shard") for p in _parts(proofs["b"])[1]]
    a, _ = next(iter(bundle.links[0].values()))
    assert phase0_commitments(bundle.keys[0], again[0].proof)[a] != phase0_commitments(bundle.keys[0], files[0].proof)[a]


def test_a_tampered_shard_proof_is_rejected(build, proofs, tmp_path):
    header, parts = _parts(proofs["a"])
    broken = bytearray(parts[1])
    broken[-40] ^= 1  # inside the last opening of shard 1
    v = _verify(build, _bundle(tmp_path / "p.bin", header["bundle"], [parts[0], bytes(broken), parts[2]]))
    assert not v.verified and v.failed_check.startswith("shard 1:")


def test_swapped_shards_are_rejected(build, proofs, tmp_path):
    header, parts = _parts(proofs["a"])
    v = _verify(build, _bundle(tmp_path / "p.bin", header["bundle"], [parts[1], parts[0], parts[2]]))
    assert not v.verified and "another circuit or key" in v.failed_check


def test_a_shard_proof_of_another_input_breaks_its_links(build, proofs, tmp_path):
    header, parts = _parts(proofs["a"])
    _, other = _parts(proofs["b"])
    v = _verify(build, _bundle(tmp_path / "p.bin", header["bundle"], [parts[0], other[1], parts[2]]))
    assert not v.verified
    assert v.failed_check.startswith("link c0_0") and "shards 0 and 1" in v.failed_check


def test_a_shard_proof_of_another_model_is_rejected(build, proofs, tmp_path):
    other = _compile(tmp_path / "other", 3, scale_bits=6)
    S.setup(other, insecure_test_srs=True)
    S.prove(other, _input(), other / "p.bin")
    assert _verify(other, other / "p.bin").verified
    v = _verify(build, other / "p.bin")  # the whole bundle: for other keys
    assert not v.verified and "another model or keys" in v.failed_check
    header, parts = _parts(proofs["a"])
    _, foreign = _parts(other / "p.bin")
    v = _verify(build, _bundle(tmp_path / "mixed.bin", header["bundle"], [parts[0], foreign[1], parts[2]]))
    assert not v.verified and v.failed_check.startswith("shard 1:")


def test_a_changed_link_commitment_is_rejected(build, proofs, tmp_path):
    bundle = S.read_key_bundle(build / "vk.bin")
    header, parts = _parts(proofs["a"])
    _, other = _parts(proofs["b"])
    name, (_, b) = next(iter(bundle.links[0].items()))
    # shard 1's commitment to the link replaced by a valid point: that of the other input's proof
    pf, pf_other = W.parse_proof_file(parts[1], "s"), W.parse_proof_file(other[1], "s")
    at = pf.proof.index(phase0_commitments(bundle.keys[1], pf.proof)[b])
    changed = pf.proof[:at] + phase0_commitments(bundle.keys[1], pf_other.proof)[b] + pf.proof[at + 48 :]
    new = W.proof_file_bytes(bundle.keys[1].digest, pf.instance, changed)
    v = _verify(build, _bundle(tmp_path / "p.bin", header["bundle"], [parts[0], new, parts[2]]))
    assert not v.verified and v.failed_check.startswith("shard 1:")


@pytest.mark.parametrize("cut", [0, 1])
def test_a_bundle_short_of_a_shard_or_with_a_stray_one_is_rejected(build, proofs, tmp_path, cut):
    header, parts = _parts(proofs["a"])
    shorter = parts[:cut] + parts[cut + 1 :]
    v = _verify(build, _bundle(tmp_path / "p.bin", header["bundle"], shorter))
    assert not v.verified and "holds 2 shard proofs" in v.failed_check
    v = _verify(build, _bundle(tmp_path / "q.bin", header["bundle"], parts + [parts[cut]]))
    assert not v.verified


def test_malformed_bundles_are_bad_input(build, proofs, tmp_path):
    data = proofs["a"].read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-10])
    with pytest.raises(W.WorkflowError, match="truncated"):
        _verify(build, tmp_path / "cut.bin")
    (tmp_path / "magic.bin").write_bytes(b"NOTZKIR!" + data[8:])
    with pytest.raises(W.WorkflowError, match="bad magic"):
        _verify(build, tmp_path / "magic.bin")


def test_a_key_bundle_with_shards_out_of_order_is_refused(build, tmp_path):
    vks = [(build / "shards" / str(i) / "vk.bin").read_bytes() for i in range(3)]
    (tmp_path / "vk.bin").write_bytes(S.key_bundle_bytes("m", [vks[1], vks[0], vks[2]]))
    with pytest.raises(W.WorkflowError, match="does not compute the links of cut 0"):
        S.read_key_bundle(tmp_path / "vk.bin")
    (tmp_path / "vk2.bin").write_bytes(S.key_bundle_bytes("m", [vks[0], vks[2]]))
    with pytest.raises(W.WorkflowError, match="link column"):
        S.read_key_bundle(tmp_path / "vk2.bin")


def test_mock_checks_every_shard_and_names_it(build):
    outputs: dict = {}
    assert S.mock(build, _input(), outputs=outputs) == []
    assert outputs


def test_the_single_circuit_steps_refuse_a_sharded_build(build, tmp_path):
    with pytest.raises(W.WorkflowError, match="holds 3 shards"):
        W.prove(build, _input(), tmp_path / "p.bin")
    with pytest.raises(W.WorkflowError, match="holds 3 shards"):
        W.setup(build)


def test_a_model_no_layout_fits_the_budget_is_cut_into_shards_that_fit(tmp_path):
    from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
    from zkir.ir_io import read_module

    def predicted_mb(build: Path) -> float:
        return W.predicted_peak_memory(CircuitPlan(find_circuit(read_module(build / W.LEVELS[3])))) / 2**20

    whole = predicted_mb(_compile(tmp_path / "whole", 1))
    budget = int(whole) - 1
    options = W.CompileOptions(columns=12, memory_budget_mb=budget, input_shapes=[1, 64])
    settings = W.compile_model(MLP / "model.onnx", tmp_path / "cut", options)
    assert len(settings.shards) >= 2
    assert all(predicted_mb(tmp_path / "cut" / "shards" / str(i)) <= budget for i in range(len(settings.shards)))
    least = min(predicted_mb(tmp_path / "cut" / "shards" / str(i)) for i in range(len(settings.shards)))
    with pytest.raises(W.WorkflowError, match="even one gadget op a shard needs more than"):
        W.compile_model(MLP / "model.onnx", tmp_path / "tiny",
                        W.CompileOptions(columns=12, memory_budget_mb=int(least) - 2, input_shapes=[1, 64]))


def test_the_memory_floor_is_below_every_layout_and_skips_a_futile_search(tmp_path):
    from zkir.cost.model import CostModel
    from zkir.interpreter.program import main_function
    from zkir.ir_io import read_module
    from zkir.passes.shard import memory_floor_mb

    from zkir.passes.layout_search import COLUMNS, enumerate_choices, search

    build = tmp_path / "b"
    W.compile_model(MLP / "model.onnx", build, W.CompileOptions(columns=12, input_shapes=[1, 64]))
    fn = main_function(read_module(build / W.LEVELS[2]))
    floor = memory_floor_mb(fn, CostModel.load(), 8)
    _, candidates = search(fn, enumerate_choices(COLUMNS, (8,), fn=fn), CostModel.load())
    assert floor <= min(c.memory_mb for c in candidates if c.fits)
    said: list[str] = []
    with pytest.raises(W.WorkflowError, match="even one gadget op"):
        W.compile_model(MLP / "model.onnx", tmp_path / "c", W.CompileOptions(
            columns=12, memory_budget_mb=int(floor) - 1, input_shapes=[1, 64]), said.append)
    assert any("one circuit would need more than" in line for line in said)
    assert not any(line.startswith("gadget-layout-search") for line in said)


def test_compiling_again_without_shards_drops_the_old_shards(tmp_path):
    build = _compile(tmp_path / "b", 2)
    assert (build / "shards" / "1").is_dir()
    _compile(build, 1)
    assert not (build / "shards").exists() and W.Settings.load(build).shards == []
