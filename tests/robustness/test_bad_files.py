"""Damaged build files get one line on stderr and exit code 2 (bad input), never a
traceback and never exit 1, which means "proof rejected"."""

from __future__ import annotations

import json

import pytest

from robustness_cli import verify_args, zkir


def _prove_args(build, tiny_model) -> list[str]:
    return ["prove", str(build), "--input", str(tiny_model[1]), "-o", str(build / "new_proof.bin")]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: b"", id="empty"),
        pytest.param(lambda d: bytes(len(d)), id="all-zero"),
        pytest.param(lambda d: d[: len(d) // 2], id="truncated"),
        pytest.param(lambda d: d[:-1], id="last-byte-cut"),
        pytest.param(lambda d: d + b"\0", id="trailing-byte"),
        pytest.param(lambda d: d[:200] + bytes([d[200] ^ 0x10]) + d[201:], id="bit-flip"),
        pytest.param(lambda d: d[:7] + b"\x09" + d[8:], id="other-version"),
    ],
)
def test_a_damaged_vk_is_bad_input(build, damage):
    vk = build / "vk.bin"
    vk.write_bytes(damage(vk.read_bytes()))
    line = zkir(*verify_args(build)).one_line_error()
    assert "vk.bin" in line and "verifying key" in line
    line = zkir("export-verifier", str(build), "-o", str(build / "out")).one_line_error()
    assert "vk.bin" in line


@pytest.mark.parametrize("name", ["pk.bin", "srs.bin", "vk.bin"])
@pytest.mark.parametrize("cut", [0, 9, 100, -33, -1])
def test_a_truncated_key_or_srs_is_bad_input_to_prove(build, tiny_model, name, cut):
    path = build / name
    path.write_bytes(path.read_bytes()[:cut])
    line = zkir(*_prove_args(build, tiny_model)).one_line_error()
    assert name in line
    assert not (build / "new_proof.bin").exists()


def test_a_missing_key_is_named(build, tiny_model):
    (build / "vk.bin").unlink()
    assert "no verifying key vk.bin beside pk.bin" in zkir(*_prove_args(build, tiny_model)).one_line_error()


def _settings(build):
    return json.loads((build / "settings.json").read_text())


@pytest.mark.parametrize(
    "edit, says",
    [
        (lambda s: {k: v for k, v in s.items() if k != "outputs"}, "no 'outputs'"),
        (lambda s: [s], "not an object"),
        (lambda s: {**s, "k": "9"}, "'k'"),
        (lambda s: {**s, "k": 99}, "'k'"),
        (lambda s: {**s, "inputs": {"x": 1}}, "'inputs'"),
        (lambda s: {**s, "inputs": [{"shape": [1, 8], "scale": 8}]}, "missing field 'name'"),
        (lambda s: {**s, "outputs": [{**s["outputs"][0], "shape": [1, "10"]}]}, "'shape'"),
        (lambda s: {**s, "outputs": [{**s["outputs"][0], "rows": [1]}]}, "'rows'"),
        (lambda s: {**s, "outputs": [{**s["outputs"][0], "scale": True}]}, "'scale'"),
        (lambda s: {**s, "extra": 1}, "unknown field 'extra'"),
        (lambda s: {**s, "options": {**s["options"], "weights": 3}}, "option 'weights'"),
        (lambda s: {**s, "options": {**s["options"], "nosuch": 3}}, "unknown option 'nosuch'"),
    ],
)
def test_settings_of_the_wrong_structure_are_bad_input(build, tiny_model, edit, says):
    (build / "settings.json").write_text(json.dumps(edit(_settings(build))))
    for argv in (_prove_args(build, tiny_model), ["mock", str(build), "--input", str(tiny_model[1])],
                 ["setup", str(build), "--insecure-test-srs"]):
        line = zkir(*argv).one_line_error()
        assert "settings.json" in line and "not a zkir settings file" in line and says in line, line


@pytest.mark.parametrize("text", ["", "{", '{"model": }', "\xff\xfe", '{"k": NaN}', '{"k": 1, "k": 2}'])
def test_a_settings_parse_error_names_the_file(build, tiny_model, text):
    (build / "settings.json").write_bytes(text.encode("latin-1"))
    line = zkir(*_prove_args(build, tiny_model)).one_line_error()
    assert str(build / "settings.json") in line and "not valid JSON" in line


def test_deeply_nested_json_is_one_line_everywhere(build, tiny_model):
    deep = "[" * 100_000 + "]" * 100_000
    inputs = build / "deep.json"
    inputs.write_text(deep)
    for argv in (["prove", str(build), "--input", str(inputs)], ["mock", str(build), "--input", str(inputs)],
                 [*verify_args(build), "--input", str(inputs)]):
        assert "deep.json: not valid JSON (nested too deeply)" in zkir(*argv).one_line_error()
    # nested, but not too deeply for the parser: too deeply for an array
    inputs.write_text("[" * 500 + "1" + "]" * 500)
    assert "nested more deeply" in zkir("prove", str(build), "--input", str(inputs)).one_line_error()
    (build / "settings.json").write_text('{"inputs": ' + deep + "}")
    assert "settings.json: not valid JSON (nested too deeply)" in zkir(*_prove_args(build, tiny_model)).one_line_error()


def test_a_damaged_calibration_file_is_named_by_report(build):
    (build / "calibration.json").write_text("{")
    line = zkir("report", str(build)).one_line_error()
    assert "calibration.json" in line and "not valid JSON" in line
