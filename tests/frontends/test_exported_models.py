"""Whole Keras models exported by TFLiteConverter and by tf2onnx compile and hold
under the mock prover, close to the exporters' own runtimes
(benchmarks/exported_models.py prints the table for every model)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_path = Path(__file__).parents[2] / "benchmarks" / "exported_models.py"
_spec = importlib.util.spec_from_file_location("exported_models", _path)
em = importlib.util.module_from_spec(_spec)
sys.modules["exported_models"] = em
_spec.loader.exec_module(em)

pytestmark = pytest.mark.tf

# Largest absolute error against onnxruntime / the TFLite interpreter at scale 8.
TOLERANCE = {"mlp": 0.05, "dlrm": 0.05, "lenet5": 0.05, "resnet": 0.05, "transformer": 0.25, "mobilenet": 0.5}


def _check(key: str, fmt: str, tmp_path: Path) -> None:
    r = em.run_one(em.MODELS[key](), fmt, tmp_path)
    assert (r.imported, r.compiled, r.mock) == ("pass", "pass", "pass"), em._row(r)
    assert float(r.error) < TOLERANCE[key], em._row(r)


@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
@pytest.mark.parametrize("key", em.SMALL)
def test_small_exported_models_compile_and_hold(key, fmt, tmp_path):
    """The DLRM-shaped model's ONNX export holds the index guard Keras's
    Embedding writes (Cast, Less, Not, casts of booleans, integer Mul/Add)."""
    _check(key, fmt, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
@pytest.mark.parametrize("key", [k for k in em.MODELS if k not in em.SMALL])
def test_larger_exported_models_compile_and_hold(key, fmt, tmp_path):
    _check(key, fmt, tmp_path)
