"""Digits accuracy of the float model and of ml-quantize at several scales.

For each shipped digits model (ONNX), imports it with the whole test split as
one batch, runs the float interpreter and the fixed-point interpreter at
scale-bits 6, 8, 10, 12, and prints accuracy against the labels and argmax
agreement with the float model.

Also, for the tiny GPT-2 (seeded random weights, so no accuracy to speak of):
argmax agreement of the next-token logits with float over 8 random sequences
(128 positions) and the largest logit error relative to the logit range.

Usage: python benchmarks/quantization_accuracy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

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


def gpt2_table(sequences: int = 8) -> dict[int, tuple[float, float]]:
    """scale -> (argmax agreement, max |fixed - float| / float logit range)."""
    import numpy as np

    from zkir.context import make_context
    from zkir.frontends.onnx import import_onnx
    from zkir.interpreter.fixed_interp import run_fixed
    from zkir.interpreter.float_interp import run_float
    from zkir.passes.quantize import MLQuantizePass

    module = import_onnx(ROOT / "examples" / "gpt2_tiny" / "model.onnx")
    rng = np.random.default_rng(0)
    batch = [rng.integers(0, 256, size=(1, 16)) for _ in range(sequences)]
    floats = [run_float(module, {"input_ids": ids})[0] for ids in batch]
    out = {}
    for s in SCALES:
        q = module.clone()
        MLQuantizePass(scale_bits=s).apply(make_context(), q)
        agree, err = [], 0.0
        for ids, ref in zip(batch, floats):
            got = run_fixed(q, {"input_ids": ids})[0].value
            agree.append(got.argmax(-1) == ref.argmax(-1))
            err = max(err, float(np.abs(got - ref).max() / (ref.max() - ref.min())))
        out[s] = (float(np.concatenate(agree).mean()), err)
    return out


def main() -> None:
    rows = accuracy_table()
    head = "model        n    float  " + "  ".join(f"s={s:<2} acc/agree " for s in SCALES)
    print(head)
    for r in rows:
        cells = "  ".join(f"{r[f'acc{s}']:.4f}/{r[f'agree{s}']:.4f}" for s in SCALES)
        print(f"{r['model']:<11} {r['n']:>4}  {r['float']:.4f}  {cells}")
    print()
    print("gpt2_tiny    next-token argmax agreement / max logit error (share of range)")
    for s, (agree, err) in gpt2_table().items():
        print(f"  s={s:<2}  {agree:.4f} / {err:.4f}")


if __name__ == "__main__":
    main()
