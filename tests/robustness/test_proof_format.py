"""The proof file's header is strict: exactly the keys "vk" and "instance", the
public values integers in canonical form (signed 64-bit, as zkir writes field
values). Anything else is bad input (exit 2, one line); a header in the right
form with a wrong value is a proof that is rejected (exit 1, with a reason)."""

from __future__ import annotations

import json
import struct

import pytest

from zkir import workflow as W
from zkir.prover.field import P

from robustness_cli import verify_args, zkir

START = len(W.PROOF_MAGIC) + 4


def _split(data: bytes) -> tuple[bytes, bytes]:
    (size,) = struct.unpack_from("<I", data, len(W.PROOF_MAGIC))
    return data[START : START + size], data[START + size :]


def _with_header(build, header: bytes | str) -> None:
    """Replace the header of build/proof.bin by `header` (JSON text), keeping the proof bytes."""
    path = build / "proof.bin"
    _, proof = _split(path.read_bytes())
    raw = header.encode() if isinstance(header, str) else header
    path.write_bytes(W.PROOF_MAGIC + struct.pack("<I", len(raw)) + raw + proof)


def _header(build) -> dict:
    return json.loads(_split((build / "proof.bin").read_bytes())[0])


def _set_value(value: str):
    """The header text with the first public value written as `value`."""

    def edit(h: dict) -> str:
        h["instance"][0][0] = "@@"
        return json.dumps(h).replace('"@@"', value)

    return edit


def test_the_header_zkir_writes_is_read_back_and_verifies(build):
    header = _header(build)
    _with_header(build, json.dumps(header))
    assert zkir(*verify_args(build)).code == 0
    pf = W.read_proof_file(build / "proof.bin")
    assert pf.vk_digest == header["vk"] and [c.tolist() for c in pf.instance] == header["instance"]


@pytest.mark.parametrize(
    "edit, says",
    [
        (lambda h: json.dumps({**h, "outputs": [[1, 2, 3]]}), "unknown key 'outputs'"),
        (lambda h: json.dumps({"vk": h["vk"]}), "no 'instance'"),
        (lambda h: json.dumps({"instance": h["instance"]}), "no 'vk'"),
        (lambda h: json.dumps([h]), "not a JSON object"),
        (_set_value("1.0"), "1.0 is not an integer"),
        (_set_value("1e2"), "1e2 is not an integer"),
        (_set_value("-0"), "-0 is not an integer in canonical form"),
        (_set_value('"5"'), 'public value "5" (column 0, row 0) is not an integer'),
        (_set_value("true"), "public value true (column 0, row 0) is not an integer"),
        (_set_value("null"), "public value null (column 0, row 0) is not an integer"),
        (_set_value("[1]"), "public value [1] (column 0, row 0) is not an integer"),
        (_set_value("NaN"), "NaN is not a JSON number"),
        (_set_value(str(2**63)), "not in canonical form"),
        (_set_value(str(-(2**63) - 1)), "not in canonical form"),
        # the same field element as a small value, written the other way round
        (_set_value(str(P - 1)), "not in canonical form"),
        (_set_value("1" * 5000), "digits"),
        (lambda h: json.dumps({**h, "vk": h["vk"].upper()}), "64 lowercase hex digits"),
        (lambda h: json.dumps({**h, "vk": 7}), "64 lowercase hex digits"),
        (lambda h: json.dumps({**h, "instance": {"0": h["instance"][0]}}), "'instance' is not a list of columns"),
        (lambda h: json.dumps({**h, "instance": [5]}), "'instance' is not a list of columns"),
        (lambda h: json.dumps(h).replace('"vk"', '"vk": "00", "vk"', 1), 'duplicate key "vk"'),
        (lambda h: "[" * 50_000 + "]" * 50_000, "nested too deeply"),
        (lambda h: json.dumps(h)[:-1], "not valid JSON"),
        (lambda h: b"\xff" + json.dumps(h).encode(), "not UTF-8"),
    ],
)
def test_a_malformed_header_is_bad_input(build, edit, says):
    _with_header(build, edit(_header(build)))
    line = zkir(*verify_args(build)).one_line_error()
    assert "proof.bin: malformed proof header" in line and says in line, line
    with pytest.raises(W.WorkflowError, match="malformed proof header"):
        W.verify(build, build / "proof.bin", allow_insecure_srs=True)


def test_a_canonical_but_false_public_value_is_rejected(build):
    """Soundness: a claimed output changed by one, in the right form, is a proof
    that does not verify (exit 1 and the failed check), not bad input."""
    header = _header(build)
    header["instance"][0][-1] += 1
    _with_header(build, json.dumps(header))
    run = zkir(*verify_args(build))
    assert run.code == 1 and run.out.startswith("REJECTED:") and run.err == ""
    v = W.verify(build, build / "proof.bin", allow_insecure_srs=True)
    assert not v.verified and v.failed_check


def test_a_proof_for_another_key_is_rejected(build):
    header = _header(build)
    header["vk"] = "0" * 64
    _with_header(build, json.dumps(header))
    run = zkir(*verify_args(build))
    assert run.code == 1 and "another circuit or key" in run.out


@pytest.mark.parametrize(
    "damage, says",
    [
        (lambda d: b"XKIR" + d[4:], "not a zkir proof file (bad magic)"),
        (lambda d: b"not a proof at all", "bad magic"),
        (lambda d: b"", "bad magic"),
        (lambda d: d[: len(W.PROOF_MAGIC) + 2], "truncated (in its header)"),
        (lambda d: d[: START + 10], "truncated (public values cut short)"),
    ],
    ids=["magic", "junk", "empty", "size-cut", "values-cut"],
)
def test_a_file_that_is_no_proof_file_is_bad_input(build, damage, says):
    """Bad magic or a header cut short: exit 2 with one line, never exit 1,
    which says a proof was read and rejected."""
    path = build / "proof.bin"
    path.write_bytes(damage(path.read_bytes()))
    line = zkir(*verify_args(build)).one_line_error()
    assert says in line, line


def test_proof_bytes_cut_after_an_intact_header_are_a_rejected_proof(build):
    path = build / "proof.bin"
    header, proof = _split(path.read_bytes())
    path.write_bytes(W.PROOF_MAGIC + struct.pack("<I", len(header)) + header + proof[: len(proof) // 2])
    run = zkir(*verify_args(build))
    assert run.code == 1 and run.out.startswith("REJECTED:"), (run.code, run.out, run.err)
