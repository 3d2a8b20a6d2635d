"""Fixtures of the robustness tests: a tiny compiled model (an 8-4-10 MLP:
compile, setup and prove in about two seconds) and fresh copies of its build to
damage. The in-process command line runner is robustness_cli.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from zkir import tuning

from robustness_cli import zkir


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> tuple[Path, Path]:
    """(model.onnx, input.json) of the tuning MLP with 8 inputs, 4 hidden units."""
    root = tmp_path_factory.mktemp("tiny_model")
    model, inputs = root / "model.onnx", root / "input.json"
    tuning._mlp(model, 8, 4, seed=0)
    inputs.write_text(json.dumps(np.random.default_rng(0).random((1, 8)).round(3).tolist()))
    return model, inputs


@pytest.fixture(scope="session")
def tiny_build(tiny_model, tmp_path_factory) -> Path:
    """A build directory of the tiny model after compile, setup (insecure test SRS:
    fast) and prove: settings.json, the IR, srs.bin, pk.bin, vk.bin and proof.bin."""
    model, inputs = tiny_model
    build = tmp_path_factory.mktemp("tiny") / "build"
    assert zkir("compile", str(model), "-o", str(build), "--no-layout-search").code == 0
    assert zkir("setup", str(build), "--insecure-test-srs").code == 0
    assert zkir("prove", str(build), "--input", str(inputs), "-o", str(build / "proof.bin")).code == 0
    return build


@pytest.fixture
def build(tiny_build, tmp_path) -> Path:
    """A fresh copy of the tiny build, to damage."""
    copy = tmp_path / "build"
    shutil.copytree(tiny_build, copy)
    return copy
