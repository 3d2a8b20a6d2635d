"""Digits accuracy of the float model and of ml-quantize at several scales.

For each shipped digits model (ONNX), imports it with the whole test split as
one batch, runs the float interpreter and the fixed-point interpreter at
scale-bits 6, 8, 10, 12, and prints accuracy against the labels and argmax
agreement with the float model.

Usage: python benchmarks/quantization_accuracy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

SCALES = (6, 8, 10, 12)
MODELS = (("digits_mlp", (-1, 64)), ("digits_cnn", (-1, 1, 8, 8)))


def accuracy_table() -> list[dict]:
    from digits_data import digits_split

    from zkir.context import make_context
    from zkir.frontends.onnx import import_onnx
    from zkir.interpreter.fixed_interp import run_fixed
    from zkir.interpreter.float_interp import run_float
    from zkir.passes.quantize import MLQuantizePass

    _, _, x_test, y_test = digits_split()
    rows = []
    for name, shape in MODELS:
        x = x_test.reshape(shape)
        module = import_onnx(ROOT / "examples" / name / "model.onnx", list(x.shape))
        ref = run_float(module, x)[0].argmax(1)
        row = {"model": name, "n": len(y_test), "float": float((ref == y_test).mean())}
        for s in SCALES:
            q = module.clone()
            MLQuantizePass(scale_bits=s).apply(make_context(), q)
            pred = run_fixed(q, x)[0].value.argmax(1)
            row[f"acc{s}"] = float((pred == y_test).mean())
            row[f"agree{s}"] = float((pred == ref).mean())
        rows.append(row)
    return rows


def main() -> None:
    rows = accuracy_table()
    head = "model        n    float  " + "  ".join(f"s={s:<2} acc/agree " for s in SCALES)
    print(head)
    for r in rows:
        cells = "  ".join(f"{r[f'acc{s}']:.4f}/{r[f'agree{s}']:.4f}" for s in SCALES)
        print(f"{r['model']:<11} {r['n']:>4}  {r['float']:.4f}  {cells}")


if __name__ == "__main__":
    main()
