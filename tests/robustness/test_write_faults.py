"""A write fault (full disk, a file size limit) or a kill while zkir writes leaves
the old files whole; the files of a build directory belong together, and prove
refuses keys, SRS or settings of another setup with one line."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from zkir import files as zkir_files
from zkir.files import staged_writes, write_atomic

from robustness_cli import verify_args, zkir

BUILD_FILES = ("srs.bin", "pk.bin", "vk.bin", "settings.json", "proof.bin")


class _FullDisk:
    """A file whose write stores half of the data, then fails as a full disk does."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data: bytes) -> int:
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.f.name)

    def __getattr__(self, name):
        return getattr(self.f, name)


def _fail_writes_of(monkeypatch, name: str) -> None:
    """zkir.files' writes of the file `name` (its temporary file) fail half-way."""
    real = open

    def faulty_open(path, mode="r", *args, **kwargs):
        f = real(path, mode, *args, **kwargs)
        if "w" in mode and Path(path).name.startswith(f".{name}.tmp"):
            return _FullDisk(f)
        return f

    monkeypatch.setattr(zkir_files, "open", faulty_open, raising=False)


def _contents(build: Path) -> dict[str, bytes]:
    return {name: (build / name).read_bytes() for name in BUILD_FILES}


def _no_temporary_files(build: Path) -> None:
    assert [p.name for p in build.iterdir() if ".tmp" in p.name] == []


def test_write_atomic_keeps_the_old_file_on_a_fault(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    write_atomic(path, b"old")
    _fail_writes_of(monkeypatch, "f.bin")
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new contents")
    assert path.read_bytes() == b"old"
    _no_temporary_files(tmp_path)


def test_staged_writes_rename_all_or_none(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    with staged_writes() as files:
        files.write(a, b"a1")
        files.write(b, "b1")
    assert (a.read_bytes(), b.read_bytes()) == (b"a1", b"b1")
    _fail_writes_of(monkeypatch, "b")
    with pytest.raises(OSError):
        with staged_writes() as files:
            files.write(a, b"a2")
            files.write(b, b"b2")
    assert (a.read_bytes(), b.read_bytes()) == (b"a1", b"b1")
    _no_temporary_files(tmp_path)


def test_a_write_fault_during_prove_leaves_the_old_proof(build, tiny_model, monkeypatch):
    old = _contents(build)
    _fail_writes_of(monkeypatch, "proof.bin")
    line = zkir("prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "proof.bin")).one_line_error()
    assert "No space left on device" in line
    assert _contents(build) == old
    _no_temporary_files(build)
    assert zkir(*verify_args(build)).code == 0


@pytest.mark.parametrize("name", ["srs.bin", "pk.bin", "vk.bin"])
def test_a_write_fault_during_setup_leaves_the_old_srs_and_keys(build, tiny_model, monkeypatch, name):
    old = _contents(build)
    _fail_writes_of(monkeypatch, name)
    assert "No space left on device" in zkir("setup", str(build), "--insecure-test-srs").one_line_error()
    assert _contents(build) == old
    _no_temporary_files(build)
    monkeypatch.undo()
    assert zkir("prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "p2.bin")).code == 0
    assert zkir(*verify_args(build)).code == 0 and zkir(*verify_args(build, build / "p2.bin")).code == 0


def test_prove_refuses_the_keys_a_kill_between_renames_leaves(build, tiny_model, monkeypatch):
    """setup renames srs.bin, pk.bin, vk.bin in turn: killed before the last one,
    the build holds a new pk.bin beside the old vk.bin, which prove refuses."""
    real = os.replace
    renamed: list[str] = []

    def replace(src, dst):
        if Path(dst).name == "vk.bin":
            raise OSError(errno.EIO, "killed", str(dst))
        renamed.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert zkir("setup", str(build), "--insecure-test-srs").code == 2
    monkeypatch.undo()
    assert renamed == ["srs.bin", "pk.bin"]
    _no_temporary_files(build)
    prove = ["prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "p2.bin")]
    assert "pk.bin and vk.bin come from different setups" in zkir(*prove).one_line_error()
    assert not (build / "p2.bin").exists()
    assert zkir("setup", str(build), "--insecure-test-srs").code == 0
    assert zkir(*prove).code == 0


def test_prove_refuses_files_of_another_setup(build, tiny_model, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(build, other)
    assert zkir("setup", str(other)).code == 0  # a fresh SRS (OS CSPRNG), new keys
    prove = ["prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "p2.bin")]
    for name, says in (("vk.bin", "pk.bin and vk.bin come from different setups"),
                       ("pk.bin", "pk.bin and vk.bin come from different setups"),
                       ("srs.bin", "srs.bin is not the SRS pk.bin was made from")):
        keep = (build / name).read_bytes()
        shutil.copy(other / name, build / name)
        assert says in zkir(*prove).one_line_error()
        (build / name).write_bytes(keep)
    assert zkir(*prove).code == 0


def test_prove_refuses_settings_of_another_compile(build, tiny_model, tmp_path):
    other = tmp_path / "other"
    assert zkir("compile", str(tiny_model[0]), "-o", str(other), "--no-layout-search", "--scale-bits", "7").code == 0
    prove = ["prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "p2.bin")]
    for name in ("settings.json", "4_plonk.mlir"):
        keep = (build / name).read_bytes()
        shutil.copy(other / name, build / name)
        line = zkir(*prove).one_line_error()
        assert "since zkir setup" in line or "does not match the compiled circuit" in line, line
        (build / name).write_bytes(keep)


# -- a real size limit (RLIMIT_FSIZE) in a child process ----------------------------------


def _zkir_child(limit: int, ignore_sigxfsz: bool, *argv: str) -> subprocess.CompletedProcess:
    """`zkir ARGV` in a child whose files may not grow beyond `limit` bytes: past
    it the OS kills the child (SIGXFSZ), or with the signal ignored the write fails (EFBIG)."""

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    # Python ignores SIGXFSZ: the child restores the OS's default (kill) unless told not to
    action = "signal.SIG_IGN" if ignore_sigxfsz else "signal.SIG_DFL"
    script = (f"import signal, sys; signal.signal(signal.SIGXFSZ, {action}); "
              "from zkir.tools.cli import main; sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", script, *argv, "-q"], capture_output=True, text=True,
                          preexec_fn=limit_files, env=env, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("ignore_sigxfsz", [False, True], ids=["killed", "write-fails"])
def test_a_size_limit_during_prove_and_setup_leaves_the_old_files(build, tiny_model, ignore_sigxfsz):
    old = _contents(build)
    proof_size, pk_size = len(old["proof.bin"]), len(old["pk.bin"])
    # the proof (5.7 kB) may not be written whole
    r = _zkir_child(proof_size // 2, ignore_sigxfsz, "prove", str(build), "--input", str(tiny_model[1]),
                    "-o", str(build / "proof.bin"))
    # setup: no key file may be written whole (the compact pk is smaller than the SRS, so
    # whichever of them setup writes first is cut)
    limit = min(pk_size, len(old["srs.bin"])) // 2
    s = _zkir_child(limit, ignore_sigxfsz, "setup", str(build), "--insecure-test-srs")
    for child in (r, s):
        if ignore_sigxfsz:
            assert child.returncode == 2 and "Traceback" not in child.stderr
            assert len(child.stderr.splitlines()) == 1 and "File too large" in child.stderr, child.stderr
        else:
            assert child.returncode == -signal.SIGXFSZ, child.stderr
    assert _contents(build) == old
    if ignore_sigxfsz:
        _no_temporary_files(build)
    assert zkir(*verify_args(build)).code == 0
    assert zkir("prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "p2.bin")).code == 0
