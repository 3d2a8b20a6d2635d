"""Ops real exports apply to run-time values: comparisons, booleans, Where, Cast,
Clip of indices, Expand, Tile and a Reshape whose shape comes from Shape.

ONNX's own node tests (benchmarks/onnx_conformance.py) freeze integer and boolean
inputs as constants, so those cases only exercise folding; the cases here keep
every input live. Each case is checked four ways: float import against
onnxruntime, fixed point against float, the gadget program (convert-ml-to-gadget)
against the fixed-point interpreter bit for bit, and for the cases with real
outputs the compiled circuit under the mock prover, with a flipped comparison bit
refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from onnx_helpers import ort_run
from zkir import workflow
from zkir.context import make_context
from zkir.frontends.onnx import import_onnx
from zkir.gadgets.interpret import run_gadget
from zkir.interpreter.fixed_interp import run_fixed
from zkir.interpreter.float_interp import run_float
from zkir.interpreter.rounding import quantize
from zkir.lowering.ml_to_gadget import ConvertMLToGadgetPass
from zkir.passes.quantize import MLQuantizePass

S = 8
F, I, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
rng = np.random.default_rng(11)


def _reals(*shape: int) -> np.ndarray:
    """Values on the 2^-8 grid and 1/8 away from every integer, so fixed point
    at scale 8 represents them exactly and truncation cannot flip."""
    whole = rng.integers(-6, 6, shape)
    frac = rng.integers(32, 224, shape) / 256.0
    return (whole + frac).astype(np.float32)


@dataclass
class Case:
    name: str
    nodes: list
    inputs: dict[str, tuple[int, tuple[int, ...], np.ndarray]]
    outputs: list[tuple[str, int, tuple[int, ...]]]
    inits: dict[str, np.ndarray] = field(default_factory=dict)
    mock: bool = False
    """Compile it and run the mock prover (cases with real outputs)."""
    flips: bool = False
    """Its circuit holds a less-than gadget whose bit the mock test flips."""

    def model(self) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes,
            self.name,
            [helper.make_tensor_value_info(n, t, s) for n, (t, s, _) in self.inputs.items()],
            [helper.make_tensor_value_info(n, t, s) for n, t, s in self.outputs],
            [numpy_helper.from_array(np.asarray(v), k) for k, v in self.inits.items()],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        return model

    def feeds(self) -> dict[str, np.ndarray]:
        return {n: v for n, (_, _, v) in self.inputs.items()}


h = helper.make_node
x23, y23 = _reals(2, 3), _reals(2, 3)
y23[0, 0] = x23[0, 0]  # a tie for the equalities

CASES = [
    Case("less", [h("Less", ["x", "y"], ["o"])], {"x": (F, (2, 3), x23), "y": (F, (2, 3), y23)}, [("o", BOOL, (2, 3))]),
    Case("greater_int", [h("Greater", ["i", "j"], ["o"])],
         {"i": (I, (5,), np.array([1, -4, 7, 0, 3])), "j": (I, (5,), np.array([1, 2, -7, 0, 9]))}, [("o", BOOL, (5,))]),
    Case("equal", [h("Equal", ["x", "y"], ["o"])], {"x": (F, (2, 3), x23), "y": (F, (2, 3), y23)}, [("o", BOOL, (2, 3))]),
    Case("le_ge_const", [h("LessOrEqual", ["x", "c"], ["a"]), h("GreaterOrEqual", ["x", "c"], ["b"])],
         {"x": (F, (2, 3), x23)}, [("a", BOOL, (2, 3)), ("b", BOOL, (2, 3))], {"c": np.array(x23[0, 1], np.float32)}),
    Case("logic", [h("Less", ["x", "y"], ["l"]), h("Greater", ["x", "zero"], ["g"]), h("Not", ["g"], ["ng"]),
                   h("And", ["l", "ng"], ["a"]), h("Or", ["l", "g"], ["o"]), h("Xor", ["l", "g"], ["e"]),
                   h("Equal", ["a", "o"], ["q"])],
         {"x": (F, (2, 3), x23), "y": (F, (2, 3), y23)},
         [("a", BOOL, (2, 3)), ("o", BOOL, (2, 3)), ("e", BOOL, (2, 3)), ("q", BOOL, (2, 3))],
         {"zero": np.array(0.0, np.float32)}),
    Case("where_min", [h("Less", ["x", "y"], ["l"]), h("Where", ["l", "x", "y"], ["o"])],
         {"x": (F, (2, 3), x23), "y": (F, (2, 3), y23)}, [("o", F, (2, 3))], mock=True, flips=True),
    Case("where_broadcast", [h("Greater", ["x", "zero"], ["g"]), h("Where", ["g", "x", "neg"], ["o"])],
         {"x": (F, (2, 3), x23)}, [("o", F, (2, 3))], {"zero": np.array(0.0, np.float32), "neg": np.array([-1.0, 0.5, 2.0], np.float32)}),
    Case("cast_int_to_float", [h("Cast", ["i"], ["f"], to=F), h("Mul", ["f", "x"], ["o"])],
         {"i": (I, (3,), np.array([2, -1, 3])), "x": (F, (2, 3), x23)}, [("o", F, (2, 3))], mock=True),
    Case("cast_float_to_int", [h("Cast", ["x"], ["o"], to=TensorProto.INT32)], {"x": (F, (2, 3), x23)}, [("o", TensorProto.INT32, (2, 3))]),
    Case("cast_trunc_roundtrip", [h("Cast", ["x"], ["i"], to=I), h("Cast", ["i"], ["o"], to=F)],
         {"x": (F, (2, 3), x23)}, [("o", F, (2, 3))], mock=True, flips=True),
    Case("cast_bools", [h("Cast", ["x"], ["b"], to=BOOL), h("Cast", ["b"], ["i"], to=I), h("Cast", ["i"], ["o"], to=F)],
         {"x": (F, (2, 3), np.where(x23 > 0, x23, 0).astype(np.float32))}, [("o", F, (2, 3))]),
    Case("clip_indices_gather", [h("Clip", ["i", "lo", "hi"], ["c"]), h("Gather", ["table", "c"], ["o"], axis=0)],
         {"i": (I, (4,), np.array([-3, 0, 2, 9]))}, [("o", F, (4, 3))],
         {"lo": np.array(0, np.int64), "hi": np.array(4, np.int64), "table": _reals(5, 3)}, mock=True),
    Case("expand", [h("Expand", ["x", "shape"], ["o"])], {"x": (F, (3, 1), _reals(3, 1))}, [("o", F, (2, 3, 4))],
         {"shape": np.array([2, 1, 4], np.int64)}),
    Case("tile", [h("Tile", ["x", "reps"], ["o"])], {"x": (F, (2, 3), x23)}, [("o", F, (4, 9))], {"reps": np.array([2, 3], np.int64)}),
    Case("reshape_from_shape", [h("Shape", ["x"], ["s"]), h("Slice", ["s", "zero", "one"], ["n"]),
                                h("Concat", ["n", "minus1"], ["t"], axis=0), h("Reshape", ["x", "t"], ["o"])],
         {"x": (F, (2, 3, 2), _reals(2, 3, 2))}, [("o", F, (2, 6))],
         {"zero": np.array([0], np.int64), "one": np.array([1], np.int64), "minus1": np.array([-1], np.int64)}),
    # tf2onnx's Keras Embedding: negative indices wrap by the table size, as a
    # cast, a comparison, a negation and casts of booleans to integers
    Case("keras_embedding_guard",
         [h("Cast", ["i"], ["fi"], to=F), h("Less", ["fi", "fzero"], ["neg"]), h("Not", ["neg"], ["pos"]),
          h("Cast", ["neg"], ["ni"], to=I), h("Cast", ["pos"], ["pi"], to=I), h("Add", ["i", "rows"], ["wrapped"]),
          h("Mul", ["ni", "wrapped"], ["a"]), h("Mul", ["i", "pi"], ["b"]), h("Add", ["a", "b"], ["idx"]),
          h("Gather", ["table", "idx"], ["o"], axis=0)],
         {"i": (I, (4,), np.array([3, -1, 0, -5]))}, [("o", F, (4, 3))],
         {"fzero": np.array(0.0, np.float32), "rows": np.array(6, np.int64), "table": _reals(6, 3)}, mock=True, flips=True),
]


def _as_reference(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64) if a.dtype.kind == "f" else a.astype(np.int64)


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def case(request):
    return request.param


def test_float_import_matches_onnxruntime(case):
    feeds = case.feeds()
    refs = ort_run(case.model(), feeds)
    got = run_float(import_onnx(case.model()), feeds)
    for g, r in zip(got, refs):
        assert g.shape == r.shape
        np.testing.assert_allclose(_as_reference(g), _as_reference(r), rtol=1e-6, atol=1e-6)


def _quantized(case):
    module = import_onnx(case.model())
    fixed = module.clone()
    MLQuantizePass(scale_bits=S).apply(make_context(), fixed)
    fixed.verify()
    return module, fixed


def test_fixed_point_matches_float(case):
    """Inputs on the 2^-8 grid: comparisons, casts and selections are exact."""
    module, fixed = _quantized(case)
    floats = run_float(module, case.feeds())
    for f, q in zip(floats, run_fixed(fixed, case.feeds())):
        np.testing.assert_allclose(_as_reference(q.value if f.dtype.kind == "f" else q.raw), _as_reference(f), atol=2**-S)


def test_gadget_program_equals_fixed_point(case):
    _, fixed = _quantized(case)
    expected = [o.raw.astype(np.int64) for o in run_fixed(fixed, case.feeds())]
    lowered = fixed.clone()
    ConvertMLToGadgetPass().apply(make_context(), lowered)
    lowered.verify()
    ints = [quantize(v, S) if v.dtype.kind == "f" else np.asarray(v, np.int64) for v in case.feeds().values()]
    for got, want in zip(run_gadget(lowered, ints), expected):
        np.testing.assert_array_equal(got.reshape(want.shape), want)


MOCKED = [c for c in CASES if c.mock]


@pytest.mark.parametrize("case", MOCKED, ids=[c.name for c in MOCKED])
def test_the_circuit_holds_and_a_flipped_comparison_bit_is_refused(case, tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(case.model(), str(path))
    build = tmp_path / "build"
    workflow.compile_model(path, build, workflow.CompileOptions(layout_search=False, scale_bits=S))
    assert workflow.mock(build, case.feeds()) == []
    plan = workflow._plan(build)
    less = [p for p in plan.places.values() if p.kind == "less"]
    assert bool(less) == case.flips
    if not less:
        return
    place = less[0]
    column = place.columns[2].index  # item 0's bit (zkir.gadgets.compare: a, b, c, l0, l1)

    def flip(witness):
        witness.advice[column][place.row] = 1 - int(witness.advice[column][place.row])

    failures = workflow.mock(build, case.feeds(), tamper=flip)
    assert failures and any(f.gadget == "less" for f in failures), failures
