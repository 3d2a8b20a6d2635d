"""One transformer block of examples/gpt2_tiny/model.onnx as a model of its own.

Block 0 uses the native LayerNormalization and Gelu ops, block 1 their
decompositions; the block's input is the real residual stream of
gpt2_tiny/input.json (computed with onnxruntime through the blocks before).
Used by tests/e2e/test_gpt2_block.py and benchmarks/gpt2_block.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

GPT2 = Path(__file__).resolve().parent / "gpt2_tiny"
BLOCKS = {0: ("add_3", "add_31"), 1: ("add_31", "add_82")}
"""Residual-stream tensors at each block's input and output."""


def block_model(index: int, path: Path) -> np.ndarray:
    """Write block `index` as an ONNX file at `path`; return its input hidden states."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    from onnx.utils import Extractor

    model = onnx.shape_inference.infer_shapes(onnx.load(GPT2 / "model.onnx"))
    extractor = Extractor(model)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    ids = np.asarray(json.loads((GPT2 / "input.json").read_text())["input_ids"])
    hidden = (weights["wte"][ids] + weights["wpe"][np.arange(ids.shape[1])][None]).astype(np.float32)
    for i in range(index):
        earlier = extractor.extract_model([BLOCKS[i][0]], [BLOCKS[i][1]])
        hidden = ort.InferenceSession(earlier.SerializeToString()).run(None, {BLOCKS[i][0]: hidden})[0]
    onnx.save(extractor.extract_model([BLOCKS[index][0]], [BLOCKS[index][1]]), path)
    return hidden
