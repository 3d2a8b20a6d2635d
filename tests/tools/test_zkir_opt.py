"""zkir-opt's command line: exit codes and one-line errors without tracebacks."""

from pathlib import Path

import pytest

from zkir.tools.zkir_opt import main

GOOD = """
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = ml.reshape %x : tensor<4xf32> -> tensor<2x2xf32>
  %b = ml.reshape %a : tensor<2x2xf32> -> tensor<4xf32>
  func.return %b : tensor<4xf32>
}
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.mlir"
    path.write_text(GOOD)
    return path


def test_runs_pipeline_in_both_spellings(good, capsys):
    for args in (["-p", "ml-canonicalize"], ["--pass-pipeline=builtin.module(ml-canonicalize)"]):
        assert main([str(good), *args]) == 0
        out = capsys.readouterr().out
        assert "ml.reshape" not in out and "func.return %x" in out


def test_writes_output_file(good, tmp_path):
    out = tmp_path / "out.mlir"
    assert main([str(good), "-p", "ml-canonicalize", "-o", str(out)]) == 0
    assert "func.return %x" in out.read_text()


@pytest.mark.parametrize(
    "text, args, expected",
    [
        ("func.func @f() {\n  %x = ml.nope : i32\n}", [], ":2:"),
        ("func.func @f() {\n  %x = nodialect.op : i32\n}", [], "nodialect.op"),
        (GOOD, ["-p", "nope"], "Unrecognized passes: ['nope']"),
        (GOOD, ["-p", "ml-canonicalize{x=2}"], 'Provided arguments ["x"]'),
        (
            "func.func @f(%x: tensor<4xf32>) {\n"
            "  %a = ml.reshape %x : tensor<4xf32> -> tensor<3xf32>\n  func.return\n}",
            [],
            "ml.reshape: cannot reshape [4]",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr(tmp_path, capsys, text, args, expected):
    path = tmp_path / "bad.mlir"
    path.write_text(text)
    assert main([str(path), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("zkir-opt: error: ")
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text("func.func @f() {\n  %x = ml.nope : i32\n}")
    with pytest.raises(Exception):
        main([str(path), "--debug"])
