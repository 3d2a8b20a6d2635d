"""Bad IR text fails fast, in one line: xDSL's string-literal regex backtracks
exponentially on an unterminated string (issue 15, point 7); zkir.ir_io checks
string literals in linear time first, and swaps in an equivalent pattern."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from xdsl.parser import Parser
from xdsl.utils.exceptions import ParseError

from zkir.context import make_context
from zkir.ir_io import _LINEAR_STRING, _XDSL_STRING, IRTextError, check_strings, parse_module, read_module

# 83 bytes; xDSL 0.74 alone takes minutes on it (4x longer every 2 characters)
BAD_83 = 'builtin.module {\n  plonk.circuit @main k = 9 {\n    plonk.column @a0 "advice_\n  }\n}\n'
FAST = 1.0  # seconds; well under it in practice (milliseconds)


def _one_line_error(fn, *args) -> IRTextError:
    t = time.perf_counter()
    with pytest.raises(IRTextError) as info:
        fn(*args)
    assert time.perf_counter() - t < FAST
    text = str(info.value)
    assert "\n" not in text and "\n" not in info.value.msg
    return info.value


def test_the_83_byte_file_fails_fast_naming_file_and_line(tmp_path):
    assert len(BAD_83) == 83
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_83)
    e = _one_line_error(read_module, path)
    assert str(e) == f"{path}:3:22: unterminated string literal: no closing quote before the end of its line"
    assert e.msg.startswith("line 3, column 22: ")  # callers that print only msg still name the line


def test_a_module_cut_inside_a_weight_blob_fails_fast(tmp_path):
    from zkir.frontends.onnx import import_onnx
    from zkir.ir_io import print_module

    mlp = Path(__file__).parents[2] / "examples" / "digits_mlp" / "model.onnx"
    text = print_module(import_onnx(mlp, [1, 64]))
    blob = text.index('"0x', text.index("dialect_resources"))
    for cut in (blob + 3, blob + 40, blob + 2000):
        line = text.count("\n", 0, blob) + 1
        e = _one_line_error(parse_module, text[:cut], "cut.mlir")
        assert str(e).startswith(f"cut.mlir:{line}:") and "end of the file" in str(e)
        # cut just before the closing quote, with lines after it
        e = _one_line_error(parse_module, text[:cut] + "\n  }\n}\n", "cut.mlir")
        assert "end of its line" in str(e)


def test_valid_strings_and_comments_pass():
    check_strings('"a" "\\n\\t\\\\\\"\\41" // "not a string\n"x // y" "" @"sym"')
    with pytest.raises(IRTextError, match="bad escape '\\\\\\\\q'"):
        check_strings('"ok" "bad \\q"')
    with pytest.raises(IRTextError, match="end of the file"):
        check_strings('"escaped quote at the end \\"')


def test_line_offset_counts_earlier_chunks():
    with pytest.raises(IRTextError) as info:
        check_strings('\n"x', "f.mlir", line_offset=10)
    assert str(info.value) == "f.mlir:12:1: unterminated string literal: no closing quote before the end of the file"


def test_linear_pattern_is_xdsls_language():
    """Same match (and match end) as xDSL's pattern on every string of up to 6
    characters over the characters that matter and on random longer ones, and
    linear where xDSL's is exponential."""
    slow, fast = re.compile(_XDSL_STRING), _LINEAR_STRING
    alphabet = ['"', "\\", "a", "n", "t", "0", "F", "\n", "\f"]
    rng = np.random.default_rng(15)
    short = (t for n in range(6) for t in itertools.product(alphabet, repeat=n))
    longer = (rng.choice(alphabet, size=int(rng.integers(6, 14))) for _ in range(3000))
    for tail in itertools.chain(short, longer):
        s = '"' + "".join(tail)
        a, b = slow.match(s), fast.match(s)
        assert (a and a.end()) == (b and b.end()), repr(s)
    t = time.perf_counter()
    assert fast.match('"' + "a" * 100_000) is None
    assert time.perf_counter() - t < 0.1


def test_xdsl_parser_built_elsewhere_is_bounded_too():
    from xdsl.utils.mlir_lexer import MLIRLexer

    assert MLIRLexer._unescaped_characters_regex is _LINEAR_STRING
    t = time.perf_counter()
    with pytest.raises(ParseError):
        Parser(make_context(), BAD_83 + '"' + "x" * 5000, "raw").parse_module()
    assert time.perf_counter() - t < FAST


def test_zkir_opt_one_line(tmp_path, capsys):
    from zkir.tools.zkir_opt import main

    path = tmp_path / "bad.mlir"
    path.write_text("builtin.module {}\n")
    assert main([str(path)]) == 0  # imports zkir-opt's passes, outside the timing
    capsys.readouterr()
    path.write_text(BAD_83)
    t = time.perf_counter()
    assert main([str(path)]) == 1
    assert time.perf_counter() - t < FAST
    err = capsys.readouterr().err
    assert err == f"zkir-opt: error: {path}:3:22: unterminated string literal: no closing quote before the end of its line\n"
    # --split-input-file: the line is the file's, not the chunk's
    path.write_text("builtin.module {}\n// -----\n" + BAD_83)
    assert main([str(path), "--split-input-file"]) == 1
    assert f"{path}:5:22: unterminated" in capsys.readouterr().err


def test_zkir_opt_still_reads_valid_ir(tmp_path, capsys):
    from zkir.tools.zkir_opt import main

    path = tmp_path / "ok.mlir"
    path.write_text('builtin.module {\n  plonk.circuit @main k = 9 {\n    plonk.column @a0 "advice" equality\n  }\n}\n')
    assert main([str(path)]) == 0
    assert 'plonk.column @a0 "advice" equality' in capsys.readouterr().out


# ---------------------------------------------------------------------------
# The commands that read IR: compile (.mlir input), report and prove (4_plonk.mlir)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    """A compiled build of a one-Gemm model (about 2 s). Its key files are
    placeholders: prove reads 4_plonk.mlir (for the witness) before the keys,
    and a real setup would double the time."""
    import onnx
    from onnx import helper

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "frontends"))
    from onnx_helpers import make_model

    from zkir.tools.cli import main

    rng = np.random.default_rng(0)
    model = make_model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc")],
        [("x", [1, 8])],
        [("y", [1, 4])],
        {"w": rng.normal(size=(8, 4)).astype(np.float32), "b": rng.normal(size=4).astype(np.float32)},
    )
    root = tmp_path_factory.mktemp("tiny")
    onnx.save(model, root / "tiny.onnx")
    out = root / "build"
    assert main(["compile", str(root / "tiny.onnx"), "-o", str(out), "-q"]) == 0
    for name in ("pk.bin", "vk.bin", "srs.bin"):
        (out / name).write_bytes(b"")
    (root / "input.json").write_text(json.dumps({"x": [[0.5] * 8]}))
    return out


def _cut_build(build: Path, tmp_path: Path) -> Path:
    cut = tmp_path / "cut"
    shutil.copytree(build, cut)
    text = (cut / "4_plonk.mlir").read_text()
    blob = text.index('"0x', text.index("dialect_resources"))
    (cut / "4_plonk.mlir").write_text(text[: blob + 21])
    return cut


def _one_line_cli(capsys, *argv) -> str:
    from zkir.tools.cli import main

    capsys.readouterr()
    t = time.perf_counter()
    assert main(list(argv)) == 2
    assert time.perf_counter() - t < FAST
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("command", ["report", "prove"])
def test_report_and_prove_on_a_build_cut_inside_a_blob(build, tmp_path, capsys, command):
    cut = _cut_build(build, tmp_path)
    argv = [command, str(cut)]
    if command == "prove":
        argv += ["--input", str(build.parent / "input.json"), "-o", str(tmp_path / "p.bin"), "-q"]
    err = _one_line_cli(capsys, *argv)
    assert "4_plonk.mlir" in err and "line " in err and "unterminated string literal" in err


def test_compile_of_a_bad_mlir(tmp_path, capsys):
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_83)
    err = _one_line_cli(capsys, "compile", str(path), "-o", str(tmp_path / "b"), "-q")
    assert f"{path}:3:22:" in err and "unterminated string literal" in err


def test_deep_nesting_is_one_line_not_a_recursion_error():
    e = _one_line_error(parse_module, "builtin.module {\n" * 3000, "deep.mlir")
    assert str(e).startswith("deep.mlir:") and str(e).endswith("nested too deeply to parse")
