"""`zkir compile --shards`, `setup|prove --workers`, `verify` on a bundle, from the command line."""

import json
from pathlib import Path

import pytest

from zkir.tools.cli import main as zkir_main

MLP = Path(__file__).resolve().parents[2] / "examples" / "digits_mlp"


def _run(args: list[str], capsys) -> tuple[int, dict]:
    code = zkir_main([*args, "--json", "-q"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else {}


def _compile_and_setup(build: Path, capsys, *workers: str) -> None:
    code, data = _run(["compile", str(MLP / "model.onnx"), "-o", str(build), "--shards", "2", "--columns", "12"], capsys)
    assert code == 0 and len(data["shards"]) == 2
    assert _run(["setup", str(build), "--insecure-test-srs", *workers], capsys)[0] == 0


def test_sharded_build_from_the_command_line(tmp_path, capsys):
    build = tmp_path / "b"
    _compile_and_setup(build, capsys, "--workers", "2")  # two local workers (Ray, else processes)
    code, data = _run(["prove", str(build), "--input", str(MLP / "input.json"), "-o", str(tmp_path / "p.bin")], capsys)
    assert code == 0 and data["outputs"] and len(data["timings"]["shards"]) == 2
    code, data = _run(["verify", str(build), str(tmp_path / "p.bin"), "--allow-insecure-srs"], capsys)
    assert code == 0 and data["verified"]
    assert _run(["verify", str(build), str(tmp_path / "p.bin")], capsys)[0] != 0  # insecure keys refused
    out = tmp_path / "verifier"
    assert _run(["export-verifier", str(build), "-o", str(out)], capsys)[0] == 0
    assert json.loads((out / "verifier.json").read_text())["shards"] == 2
    assert _run(["verify", str(out), str(tmp_path / "p.bin"), "--allow-insecure-srs"], capsys)[0] == 0
    assert _run(["mock", str(build), "--input", str(MLP / "input.json")], capsys)[0] == 0
    code, data = _run(["report", str(build)], capsys)
    assert code == 0 and [s["links_out"] for s in data["shards"]] == [["c0_0"], []]
    data = bytearray((tmp_path / "p.bin").read_bytes())
    data[-50] ^= 1
    (tmp_path / "bad.bin").write_bytes(bytes(data))
    code, result = _run(["verify", str(build), str(tmp_path / "bad.bin"), "--allow-insecure-srs"], capsys)
    assert code == 1 and result["failed_check"].startswith("shard 1:")


@pytest.mark.slow
def test_two_shards_proven_on_a_local_ray_instance(tmp_path, capsys):
    import ray  # noqa: F401  (the test extra installs it: no Ray is a failure, not a skip)

    from zkir import sharding as S

    build = tmp_path / "b"
    _compile_and_setup(build, capsys)
    lines: list[str] = []
    r = S.prove(build, json.loads((MLP / "input.json").read_text()), tmp_path / "p.bin", lines.append, workers=2)
    assert any("local Ray workers" in line for line in lines), lines
    assert {s["worker"].split()[0] for s in r.timings["shards"]} == {"ray"}
    assert S.verify(build, tmp_path / "p.bin", allow_insecure_srs=True).verified
