"""pk.bin damage and old formats through the command line, the memory guard of
compile / setup / prove (on a machine monkeypatched to be small), and the
progress lines of setup and prove."""

from __future__ import annotations

import contextlib
import io

import pytest

import zkir.workflow as W
from zkir.prover.serialize import CHECKSUM_BYTES, file_checksum
from zkir.tools.cli import main
from zkir.tools.cli_common import PhaseProgress

from robustness_cli import verify_args, zkir


def _prove_args(build, tiny_model) -> list[str]:
    return ["prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "new_proof.bin")]


@pytest.mark.parametrize("at", [8, 60, 0.5, -CHECKSUM_BYTES - 1, -1])
def test_a_bit_flipped_pk_is_one_line(build, tiny_model, at):
    pk = build / "pk.bin"
    data = bytearray(pk.read_bytes())
    i = int(at * len(data)) if isinstance(at, float) else at
    data[i] ^= 0x04
    pk.write_bytes(bytes(data))
    line = zkir(*_prove_args(build, tiny_model)).one_line_error()
    assert "pk.bin" in line and "corrupt or truncated" in line
    assert not (build / "new_proof.bin").exists()


def test_a_pk_of_an_older_zkir_says_run_setup_again(build, tiny_model):
    pk = build / "pk.bin"
    body = bytearray(pk.read_bytes()[:-CHECKSUM_BYTES])
    body[7] = 3  # version 3: canonical limbs, int64 permutation
    pk.write_bytes(bytes(body) + file_checksum(bytes(body)))
    line = zkir(*_prove_args(build, tiny_model)).one_line_error()
    assert "pk.bin" in line and "made by an older zkir" in line and "run zkir setup again" in line


@pytest.fixture
def small_machine(monkeypatch):
    """This machine, with 1 MiB of memory."""
    monkeypatch.setattr(W, "machine_memory", lambda: (2**20, "MemAvailable in /proc/meminfo"))


def test_the_memory_guard_warns_at_compile_and_refuses_setup_and_prove(build, tiny_model, small_machine, tmp_path):
    model, inputs = tiny_model
    out = tmp_path / "again"
    run = zkir("compile", str(model), "-o", str(out), "--no-layout-search")
    assert run.code == 0
    (warning,) = [line for line in run.err_lines if "warning" in line]  # shown even with -q
    assert "predicted to need" in warning and "MemAvailable" in warning and "--force" in warning
    line = zkir("setup", str(out), "--insecure-test-srs").one_line_error()
    assert "predicted to need" in line and "GiB" in line and "--table-bits" in line and "--force" in line
    assert not (out / "pk.bin").exists()
    assert zkir("setup", str(out), "--insecure-test-srs", "--force").code == 0
    line = zkir(*_prove_args(build, tiny_model)).one_line_error()
    assert "predicted to need" in line and "--force" in line
    assert not (build / "new_proof.bin").exists()
    assert zkir(*_prove_args(build, tiny_model), "--force").code == 0
    assert zkir(*verify_args(build, build / "new_proof.bin")).code == 0


def test_machine_memory_names_its_source():
    have, source = W.machine_memory()
    assert have > 0 and source in ("MemAvailable in /proc/meminfo", "physical memory")


def _stderr_of(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


def test_setup_and_prove_show_phases_with_counts_and_times(build, tiny_model):
    code, err = _stderr_of("setup", str(build), "--insecure-test-srs")
    assert code == 0
    for phase in ("keygen: fixed columns:", "keygen: permutation:", "keygen: commitments:"):
        (line,) = [x for x in err.splitlines() if phase in x]
        assert line.startswith("zkir setup: ") and line.endswith(" s]")
    code, err = _stderr_of(*_prove_args(build, tiny_model))
    assert code == 0
    phases = [x.split(": ")[1] for x in err.splitlines()]
    want = ["load key", "witness", "commitments", "lookups", "permutation", "quotient", "openings"]
    assert [p for p in phases if p in want] == want
    assert any("commitments: 16 advice columns" in x for x in err.splitlines())
    assert _stderr_of(*_prove_args(build, tiny_model), "-q") == (0, "")


def test_the_terminal_display_shows_each_phase():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        progress = PhaseProgress("prove", terminal=True)
        progress("commitments: 3 advice columns")
        progress("quotient: 5 columns")
        progress.close()
        quiet = PhaseProgress("prove", quiet=True, terminal=True)
        quiet("commitments: 3 advice columns")
        quiet.close()
    assert "commitments: 3 advice columns" in err.getvalue() and "quotient: 5 columns" in err.getvalue()
    assert err.getvalue().count("commitments") == 1
