"""Model files -> the `ml` dialect: ONNX (onnx.py), TFLite / Keras / SavedModel
(tflite.py), both through the shared MLBuilder (builder.py).

`load_model` picks the importer from the path; importers are imported lazily so
that `import zkir` stays fast and works without TensorFlow.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zkir.frontends.errors import ModelError
from zkir.frontends.shapes import Notice

if TYPE_CHECKING:  # the importers (and xdsl, onnx) load lazily
    from onnx import ModelProto
    from xdsl.dialects.builtin import ModuleOp

    from zkir.frontends.builder import InputShapes

__all__ = ["ModelError", "load_model", "parse_mlir", "simplify_onnx"]


def load_model(path: str | Path, input_shapes: InputShapes = None, notice: Notice | None = None) -> ModuleOp:
    """Any supported model (.onnx, .tflite, .keras/.h5, a SavedModel directory,
    or ml-dialect .mlir) -> ModuleOp. input_shapes fills dynamic dimensions:
    a list for a single input, or {input name: list}; a dynamic batch alone
    defaults to 1, said through `notice` (zkir.frontends.shapes), and other
    dynamic dimensions are one error naming every such input."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if path.is_dir():
        if (path / "saved_model.pb").exists():
            from zkir.frontends.tflite import import_keras

            return import_keras(path, input_shapes, notice)
        raise ModelError(f"{path}: a directory that is not a SavedModel")
    if suffix == ".mlir":
        return parse_mlir(path)
    if suffix in (".keras", ".h5"):
        from zkir.frontends.tflite import import_keras, import_tensorflow

        import_tensorflow()
        import keras

        try:
            model = keras.models.load_model(path)
        except Exception as e:  # noqa: BLE001 - Keras raises many types on bad files
            raise ModelError(f"{path}: not a readable Keras model ({type(e).__name__})") from None
        return import_keras(model, input_shapes, notice)
    head = path.read_bytes()[:8]
    if suffix == ".tflite" or head[4:8] == b"TFL3":
        from zkir.frontends.tflite import import_tflite

        return import_tflite(path, input_shapes, notice)
    if suffix in (".onnx", ".pb", ""):
        from zkir.frontends.onnx import import_onnx

        return import_onnx(path, input_shapes, notice=notice)
    raise ModelError(
        f"{path}: not a model file zkir reads (.onnx, .tflite, .keras, SavedModel, .mlir)"
    )


def simplify_onnx(path: str | Path, input_shapes: InputShapes = None, notice: Notice | None = None) -> ModelProto:
    """The ONNX model at `path` with static inputs (a dynamic batch alone set to
    1, said through `notice`) and every subgraph that does not depend on a
    run-time value folded (zkir.frontends.onnx_simplify), or a one-line
    ModelError (SimplifierMissing names the extra to install)."""
    from zkir.frontends.onnx import declared_inputs, load_onnx
    from zkir.frontends.onnx_simplify import simplified_model
    from zkir.frontends.shapes import resolve_input_shapes

    path = Path(path)
    if path.is_dir() or path.suffix.lower() not in (".onnx", ".pb", ""):
        raise ModelError(f"{path}: --simplified reads ONNX models (.onnx) only")
    model = load_onnx(path)
    return simplified_model(model, resolve_input_shapes(declared_inputs(model), input_shapes, notice))


def parse_mlir(path: str | Path) -> ModuleOp:
    """A verified ml-dialect module from a .mlir file, or a one-line ModelError."""
    from xdsl.utils.exceptions import DiagnosticException, ParseError

    from zkir.ir_io import read_module

    path = Path(path)
    try:
        return read_module(path)
    except ParseError as e:
        # e.msg, not str(e): str() quotes the whole source line (maybe a weight blob)
        loc = e.span.get_location()
        reason = getattr(e, "reason", e.msg)  # IRTextError's msg repeats the line
        raise ModelError(f"{path}:{loc.line}:{loc.col}: not valid MLIR: {reason}") from None
    except DiagnosticException as e:
        raise ModelError(f"{path}: {' '.join(str(e).split())[:300]}") from None
    except UnicodeDecodeError:
        raise ModelError(f"{path}: not a text .mlir file") from None
