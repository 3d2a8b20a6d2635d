"""A seeded fuzzer over the files of a build: bit flips, overwritten and inserted
bytes, truncations and random files in place of proof.bin, vk.bin, pk.bin,
srs.bin and settings.json, each run through the command line in this process.

Every case must end in exit code 1 (a proof rejected, its reason the one line on
stdout) or 2 (bad input, one line on stderr), never a traceback. The exceptions
are exact: a proof file whose header says the same in other whitespace, and a
settings.json or srs.bin edited where prove does not look (then the proof must
verify)."""

from __future__ import annotations

import json
import random
import struct

import pytest

from zkir import workflow as W

from robustness_cli import verify_args, zkir

CASES = {"proof.bin": 110, "vk.bin": 60, "pk.bin": 30, "srs.bin": 20, "settings.json": 50, "4_plonk.mlir": 40}
"""Cases per file: 270 in all, some 10 s."""


def _mutations(data: bytes, n: int, rng: random.Random, focus: int = 0):
    """n (description, damaged bytes) pairs, none equal to `data`; with `focus`,
    half of them within its first `focus` bytes."""
    made = 0
    while made < n:
        kind = rng.choice(["flip", "flip", "flip", "byte", "insert", "cut", "random"])
        p = rng.randrange(focus if focus and rng.random() < 0.5 else len(data))
        if kind == "flip":
            bit = rng.randrange(8)
            out, what = data[:p] + bytes([data[p] ^ (1 << bit)]) + data[p + 1 :], f"bit {bit} of byte {p} flipped"
        elif kind == "byte":
            v = rng.randrange(256)
            out, what = data[:p] + bytes([v]) + data[p + 1 :], f"byte {p} set to {v}"
        elif kind == "insert":
            blob = rng.randbytes(rng.randrange(1, 9))
            out, what = data[:p] + blob + data[p:], f"{len(blob)} bytes inserted at {p}"
        elif kind == "cut":
            out, what = data[:p], f"cut to {p} bytes"
        else:
            size = rng.choice([0, 1, 8, 64, len(data)])
            out, what = (bytes(size) if rng.random() < 0.3 else rng.randbytes(size)), f"{size} random bytes"
        if out != data:
            made += 1
            yield what, out


def _same_claim(data: bytes, original: bytes) -> bool:
    """A proof file that says what the original says (the same header value and
    proof bytes), e.g. with a space turned into a tab."""

    def parts(d: bytes):
        (size,) = struct.unpack_from("<I", d, len(W.PROOF_MAGIC))
        start = len(W.PROOF_MAGIC) + 4
        return json.loads(d[start : start + size]), d[start + size :]

    try:
        return data[: len(W.PROOF_MAGIC)] == W.PROOF_MAGIC and parts(data) == parts(original)
    except (ValueError, struct.error, UnicodeDecodeError):
        return False


@pytest.mark.parametrize("name", list(CASES))
def test_damaged_build_files_end_in_one_line_and_exit_1_or_2(build, tiny_model, name):
    rng = random.Random(f"issue-15 {name}")
    path = build / name
    original = path.read_bytes()
    new_proof = build / "fuzz_proof.bin"
    if name in ("proof.bin", "vk.bin"):
        argv = verify_args(build)
    else:
        argv = ["prove", str(build), "--input", str(tiny_model[1]), "-o", str(new_proof)]
    codes = {0: 0, 1: 0, 2: 0}
    # a proof file is mostly proof bytes: aim half of the cases at its header
    focus = len(W.PROOF_MAGIC) + 4 + struct.unpack_from("<I", original, 8)[0] if name == "proof.bin" else 0
    for what, data in _mutations(original, CASES[name], rng, focus):
        path.write_bytes(data)
        run = zkir(*argv)
        case = f"{name}, {what}: exit {run.code}, stdout {run.out!r}, stderr {run.err!r}"
        assert "Traceback" not in run.out + run.err, case
        codes[run.code] = codes.get(run.code, 0) + 1
        if run.code == 2:
            assert len(run.err.splitlines()) == 1 and run.err.startswith("zkir "), case
        elif run.code == 1:
            assert name == "proof.bin", case  # only a proof is "rejected"; a damaged key is bad input
            assert run.err == "" and len(run.out.splitlines()) == 1 and run.out.startswith("REJECTED: "), case
        else:
            assert run.code == 0, case
            if name == "proof.bin":
                assert _same_claim(data, original), case
            else:  # prove took the file as it is (a byte of the SRS's source string): the proof must hold
                assert name in ("settings.json", "srs.bin"), case  # any IR byte changes the statement's digest
                assert zkir(*verify_args(build, new_proof)).code == 0, case
                new_proof.unlink()
    path.write_bytes(original)
    assert zkir(*verify_args(build)).code == 0
    if name == "proof.bin":
        assert codes[1] > 10 and codes[2] > 10, codes  # both kinds of failure were reached
