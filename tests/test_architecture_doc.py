"""ARCHITECTURE.md's generated section ("One model at every level") is up to date.

The section is the output of scripts/architecture_ir.py; when a pass, a dialect's
printer, a gadget or the cost model changes what some level looks like, this
fails until the script is rerun.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "architecture_ir.py"


def _script():
    name = "architecture_ir"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_ir_is_up_to_date():
    problem = _script().check()
    assert problem is None, f"{problem} (then commit ARCHITECTURE.md)"


def test_render_replaces_only_the_marked_section():
    s = _script()
    doc = f"head\n{s.BEGIN}\nold\n{s.END}\ntail\n"
    assert s.render(doc, "new\n") == f"head\n{s.BEGIN}\nnew\n{s.END}\ntail\n"
    with pytest.raises(ValueError):
        s.render("no markers here\n", "new\n")


def test_long_blob_trailers_are_cut():
    s = _script()
    blob = "{-#\n" + "".join(f"  line{i}\n" for i in range(s.BLOB_LINES + 5)) + "#-}\n"
    out = s.trim_blobs("builtin.module {\n}\n" + blob)
    assert out.startswith("builtin.module {\n}\n") and "lines of weight blobs cut" in out
    assert s.trim_blobs("builtin.module {\n}\n") == "builtin.module {\n}"


@pytest.mark.slow
def test_predicted_proof_size_is_the_real_one(tmp_path):
    """The doc counts a proof's points and scalars from zkir.prover.protocol;
    a real proof of the same circuit has exactly that many bytes."""
    import re

    from zkir import workflow

    s = _script()
    s.build_model(tmp_path / s.MODEL_NAME)
    build = tmp_path / "build"
    workflow.compile_model(
        tmp_path / s.MODEL_NAME,
        build,
        workflow.CompileOptions(input_shapes=[1, 4], layout_search=False, columns=s.COLUMNS),
    )
    workflow.setup(build, insecure_test_srs=True)
    workflow.prove(build, {"x": [s.INPUT]}, tmp_path / "proof.bin")
    real = len(workflow.read_proof_file(tmp_path / "proof.bin").proof)
    doc = s.DOC.read_text()
    predicted = int(re.search(r"= (\d+) bytes", doc).group(1))
    assert real == predicted
