"""ONNX's backend node tests for every op zkir imports: nothing may be wrong."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_path = Path(__file__).parents[2] / "benchmarks" / "onnx_conformance.py"
_spec = importlib.util.spec_from_file_location("onnx_conformance", _path)
oc = importlib.util.module_from_spec(_spec)
sys.modules["onnx_conformance"] = oc
_spec.loader.exec_module(oc)


def test_onnx_node_tests_have_no_wrong_answers():
    table = oc.conformance()
    print("\n" + oc.format_table(table))
    wrong = [w for row in table.values() for w in row.wrong]
    assert wrong == []
    passed = sum(r.passed for r in table.values())
    assert passed >= 300, passed
    for op in ("Conv", "Gemm", "MatMul", "Softmax", "MaxPool", "LayerNormalization", "Gather"):
        assert table[op].passed > 0, op
