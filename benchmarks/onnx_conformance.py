"""Run ONNX's own backend node tests through import + the float interpreter.

The `onnx` wheel does not ship onnx/backend/test/data/node/*, but it ships the
generators of those files (onnx.backend.test.case.node): the same models and
input/output tensors, built in memory. For every op zkir imports, every case of
that op is run; a case must pass, or fail with the clear UnsupportedModel
message. Integer and boolean graph inputs (shapes, axes, masks, indices) are
frozen as constants, because zkir's IR has static shapes.

Usage: python benchmarks/onnx_conformance.py [-v]
"""

from __future__ import annotations

import re
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Row:
    cases: int = 0
    passed: int = 0
    unsupported: int = 0
    wrong: list[str] = field(default_factory=list)


def _snake(op: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", op).lower()


def _group(case, supported: set[str]) -> str | None:
    ops = [n.op_type for n in case.model.graph.node]
    if len(ops) == 1:
        return ops[0] if ops[0] in supported else None
    name = case.name.removeprefix("test_")
    best = [op for op in supported if name.startswith(_snake(op) + "_") or name == _snake(op)]
    return max(best, key=len) if best else None


def run_case(case, tolerance: float = 1e-4) -> tuple[str, str]:
    """('pass' | 'unsupported' | 'wrong', detail)."""
    from zkir.frontends.errors import ModelError, UnsupportedModel
    from zkir.frontends.onnx import import_onnx
    from zkir.interpreter.float_interp import run_float

    from onnx import TensorProto, numpy_helper

    def as_array(v):
        return numpy_helper.to_array(v) if isinstance(v, TensorProto) else v

    inputs, expected = case.data_sets[0]
    inputs = [as_array(v) for v in inputs]
    expected = [as_array(v) for v in expected]
    graph_inputs = [
        i.name for i in case.model.graph.input
        if i.name not in {t.name for t in case.model.graph.initializer}
    ]
    feeds = dict(zip(graph_inputs, inputs))
    frozen = {k: v for k, v in feeds.items() if np.asarray(v).dtype.kind in "iub"}
    live = {k: np.asarray(v) for k, v in feeds.items() if k not in frozen}
    try:
        module = import_onnx(
            case.model, {k: v.shape for k, v in live.items()}, frozen_inputs=frozen
        )
    except UnsupportedModel as e:
        return "unsupported", str(e)
    except ModelError as e:
        if re.match(r"ONNX opset \d+ is not supported", str(e)):
            return "unsupported", str(e)  # refused up front, with one line (e.g. opset 1's Not cases)
        return "wrong", f"import error: {e}"
    except Exception as e:  # noqa: BLE001 - a crash is a wrong answer
        return "wrong", f"import crash: {type(e).__name__}: {e}"
    try:
        outs = run_float(module, live)
    except Exception as e:  # noqa: BLE001
        return "wrong", f"run crash: {type(e).__name__}: {e}"
    expected = [np.asarray(e) for e in expected]
    if len(outs) < len(expected):
        return "wrong", "too few outputs"
    for got, exp in zip(outs, expected):
        if got.shape != exp.shape:
            return "wrong", f"shape {got.shape} != {exp.shape}"
        exp64 = exp.astype(np.float64)
        got64 = got.astype(np.float64)
        finite = np.isfinite(exp64)
        if not np.array_equal(np.isnan(exp64), np.isnan(got64)) or not np.array_equal(
            exp64[~finite & ~np.isnan(exp64)], got64[~finite & ~np.isnan(exp64)]
        ):
            return "wrong", "non-finite values differ"
        if finite.any():
            scale = max(1.0, float(np.abs(exp64[finite]).max()))
            err = float(np.abs(exp64[finite] - got64[finite]).max())
            if err > tolerance * scale:
                return "wrong", f"max abs error {err:.3g} (allowed {tolerance * scale:.3g})"
    return "pass", ""


def conformance() -> dict[str, Row]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases

        cases = collect_testcases(None)
    from zkir.frontends.onnx import HANDLERS

    supported = set(HANDLERS)
    table: dict[str, Row] = {}
    for case in cases:
        op = _group(case, supported)
        if op is None:
            continue
        row = table.setdefault(op, Row())
        row.cases += 1
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            outcome, detail = run_case(case)
        if outcome == "pass":
            row.passed += 1
        elif outcome == "unsupported":
            row.unsupported += 1
        else:
            row.wrong.append(f"{case.name}: {detail}")
    return dict(sorted(table.items()))


def format_table(table: dict[str, Row]) -> str:
    lines = [f"{'op':<22} {'cases':>5} {'pass':>5} {'unsup':>5} {'wrong':>5}"]
    for op, r in table.items():
        lines.append(f"{op:<22} {r.cases:>5} {r.passed:>5} {r.unsupported:>5} {len(r.wrong):>5}")
    tot = Row(
        sum(r.cases for r in table.values()),
        sum(r.passed for r in table.values()),
        sum(r.unsupported for r in table.values()),
        [w for r in table.values() for w in r.wrong],
    )
    lines.append(f"{'TOTAL':<22} {tot.cases:>5} {tot.passed:>5} {tot.unsupported:>5} {len(tot.wrong):>5}")
    return "\n".join(lines)


if __name__ == "__main__":
    t = conformance()
    print(format_table(t))
    if "-v" in sys.argv:
        for r in t.values():
            for w in r.wrong:
                print("WRONG", w)
