"""A model file cut anywhere is reported as a ModelError, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkir.frontends.errors import ModelError
from zkir.frontends.onnx import import_onnx

EXAMPLES = Path(__file__).parents[2] / "examples"


def _cuts(data: bytes, n: int = 30):
    return [data[: len(data) * i // n] for i in range(n)]


@pytest.mark.parametrize("name,shape", [("digits_cnn", [1, 1, 8, 8]), ("digits_mlp", [1, 64])])
def test_truncated_onnx(tmp_path, name, shape):
    path = tmp_path / "cut.onnx"
    for cut in _cuts((EXAMPLES / name / "model.onnx").read_bytes()):
        path.write_bytes(cut)
        with pytest.raises(ModelError):
            import_onnx(path, shape)


@pytest.mark.tf
@pytest.mark.parametrize("name,shape", [("digits_cnn", [1, 8, 8, 1]), ("digits_mlp", [1, 64])])
def test_truncated_tflite(tmp_path, name, shape):
    from zkir.frontends.tflite import import_tflite

    path = tmp_path / "cut.tflite"
    for cut in _cuts((EXAMPLES / name / "model.tflite").read_bytes()):
        path.write_bytes(cut)
        with pytest.raises(ModelError):
            import_tflite(path, shape)
