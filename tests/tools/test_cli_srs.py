"""`zkir srs`: exit codes, one-line errors, --json, and the files it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkir.prover import ceremony as C
from zkir.prover import ethereum_setup as E
from zkir.prover.kzg import SRS
from zkir.tools.cli import main

K = 4


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def ceremony_file(tmp_path, capsys) -> Path:
    c0, c1, c2 = (tmp_path / f"c{i}.pot" for i in range(3))
    assert _run(capsys, "srs", "new", str(K), "-o", str(c0))[0] == 0
    assert _run(capsys, "srs", "contribute", str(c0), "-o", str(c1), "--entropy", "dice: 3 1 4 1 5")[0] == 0
    assert _run(capsys, "srs", "contribute", str(c1), "-o", str(c2), "-q")[0] == 0
    return c2


def test_new_contribute_verify(tmp_path, capsys):
    c0, c1 = tmp_path / "c0.pot", tmp_path / "c1.pot"
    rc, out, err = _run(capsys, "srs", "new", "3", "-o", str(c0), "--json")
    assert rc == 0 and json.loads(out.splitlines()[-1])["contributions"] == 0
    rc, out, err = _run(capsys, "srs", "contribute", str(c0), "-o", str(c1), "--json")
    assert rc == 0
    rec = json.loads(out.splitlines()[-1])
    assert rec["contribution"] == 1 and len(rec["receipt"]) == 64
    assert "zkir srs contribute: verifying" in err  # progress on stderr
    rc, out, err = _run(capsys, "srs", "verify", str(c1))
    assert rc == 0 and "K = 3" in out and "1 contributions" in out and rec["receipt"] in out
    rc, out, _ = _run(capsys, "srs", "verify", str(c1), "--json")
    rep = json.loads(out.splitlines()[-1])
    assert rep["valid"] and rep["k"] == 3 and rep["contributions"] == 1 and rep["receipts"] == [rec["receipt"]]
    assert "seconds" in rep


def test_verify_fresh_ceremony_warns(tmp_path, capsys):
    c0 = tmp_path / "c0.pot"
    _run(capsys, "srs", "new", "2", "-o", str(c0))
    rc, out, _ = _run(capsys, "srs", "verify", str(c0))
    assert rc == 0 and "no contributions" in out


def test_verify_rejects_a_tampered_ceremony(ceremony_file, tmp_path, capsys):
    data = bytearray(ceremony_file.read_bytes())
    c = C.Ceremony.from_bytes(bytes(data))
    off = len(data) - 2 * C.RECORD_BYTES + 384  # z of contribution 1
    data[off] ^= 1
    bad = tmp_path / "bad.pot"
    bad.write_bytes(bytes(data))
    rc, out, err = _run(capsys, "srs", "verify", str(bad))
    assert rc == 1 and out.startswith("INVALID: contribution 1:") and out.count("\n") == 1
    rc, out, _ = _run(capsys, "srs", "verify", str(bad), "--json")
    rep = json.loads(out)
    assert rc == 1 and rep["valid"] is False and "contribution 1" in rep["error"]
    # contributing on top of an invalid file is refused as bad input
    rc, out, err = _run(capsys, "srs", "contribute", str(bad), "-o", str(tmp_path / "x.pot"))
    assert rc == 2 and "not a valid ceremony" in err and not (tmp_path / "x.pot").exists()
    assert c.k == K


@pytest.mark.parametrize("argv, expected", [
    (["srs", "verify", "{missing}"], "no such file"),
    (["srs", "verify", "{garbage}"], "not a zkir ceremony file"),
    (["srs", "contribute", "{missing}", "-o", "{out}"], "no such file"),
    (["srs", "new", "0", "-o", "{out}"], "K must be between"),
    (["srs", "import-ethereum", "--from", "{missing}", "-o", "{out}"], "no such file"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, expected):
    (tmp_path / "garbage.bin").write_bytes(b"garbage" * 10)
    names = {"missing": tmp_path / "missing.pot", "garbage": tmp_path / "garbage.bin", "out": tmp_path / "o.pot"}
    rc, out, err = _run(capsys, *[a.format(**names) for a in argv])
    assert rc == 2
    assert err.startswith("zkir srs: error: ") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_to_srs_and_setup_file_loading(ceremony_file, tmp_path, capsys):
    out_srs = tmp_path / "srs.bin"
    rc, out, _ = _run(capsys, "srs", "to-srs", str(ceremony_file), "-o", str(out_srs), "-k", "3", "--json")
    assert rc == 0 and json.loads(out)["k"] == 3
    srs = SRS.load(out_srs)
    assert srs.k == 3 and not srs.insecure and "2 contributions" in srs.source
    rc, out, _ = _run(capsys, "srs", "verify", str(out_srs))
    assert rc == 0 and "valid SRS: 2^3 points" in out
    # what `zkir setup --srs` calls, with a ceremony and with the SRS file
    assert C.load_srs_file(ceremony_file, 3).g1_lagrange == srs.g1_lagrange
    assert C.load_srs_file(out_srs, 2).k == 2


def test_verify_reports_an_insecure_srs(tmp_path, capsys):
    path = tmp_path / "seeded.bin"
    SRS.insecure_from_seed(3).save(path)
    rc, out, _ = _run(capsys, "srs", "verify", str(path), "--json")
    rep = json.loads(out)
    assert rc == 0 and rep["insecure"] is True


def test_import_ethereum_from_a_file(tmp_path, capsys):
    srs = SRS.insecure_from_seed(4, b"eth")
    lines = [str(srs.n), "2"] + [p.to_compressed_bytes().hex() for p in srs.g1_lagrange]
    lines += [srs.g2.to_compressed_bytes().hex(), srs.g2_tau.to_compressed_bytes().hex()]
    lines += [p.to_compressed_bytes().hex() for p in srs.g1]
    src = tmp_path / "trusted_setup.txt"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "eth.bin"
    rc, _, err = _run(capsys, "srs", "import-ethereum", "--from", str(src), "-o", str(out))
    assert rc == 2 and "not the published ceremony file" in err and not out.exists()
    rc, stdout, _ = _run(capsys, "srs", "import-ethereum", "--from", str(src), "-o", str(out),
                         "--allow-unknown", "--json")
    assert rc == 0 and json.loads(stdout)["k"] == 4
    back = SRS.load(out)
    assert back.g1 == srs.g1 and back.g1_lagrange == srs.g1_lagrange and E.sha256_file(src) in back.source


def test_import_ethereum_published_file(tmp_path, capsys):
    candidates = [E.cache_path(), Path("/tmp/ckzg/ckzg-2.1.8/src/trusted_setup.txt")]
    src = next((p for p in candidates if p.is_file() and E.sha256_file(p) in E.KNOWN_SHA256), None)
    if src is None:
        pytest.skip("no Ethereum trusted_setup.txt cached")
    out = tmp_path / "eth.bin"
    rc, stdout, _ = _run(capsys, "srs", "import-ethereum", "--from", str(src), "-o", str(out), "-q")
    assert rc == 0 and "2^12" in stdout
    srs = SRS.load(out)
    assert srs.k == 12 and E.is_published(srs)
