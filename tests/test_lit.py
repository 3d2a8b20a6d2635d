"""Runs the lit/FileCheck suite so one `pytest` covers both."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

LIT_DIR = Path(__file__).resolve().parent.parent / "lit_tests"


def test_lit_suite() -> None:
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    lit = shutil.which("lit", path=env["PATH"])
    assert lit, "lit is not installed (pip install -e '.[test]')"
    assert shutil.which("zkir-opt", path=env["PATH"]), "zkir-opt is not installed"
    result = subprocess.run(
        [lit, "-q", "-j", str(os.cpu_count() or 2), str(LIT_DIR)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
