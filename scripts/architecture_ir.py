"""Regenerate the "one model at every level" section of ARCHITECTURE.md.

    python scripts/architecture_ir.py            # rewrite ARCHITECTURE.md in place
    python scripts/architecture_ir.py --check    # exit 1 if the file is stale

A tiny ONNX model (a 4-input, 3-output dense layer and a ReLU) is built in
memory with onnx.helper, compiled by `zkir.workflow.compile_model` exactly as
`zkir compile --no-layout-search --columns 9` would, and every level the build
directory holds is copied into the document between the markers below. The
levels without a text form (gadget-layout-search's annotation, the backend's
constraint system, the witness, the statement and the proof's shape) are
printed from the same objects `zkir setup` / `zkir prove` use, without any
cryptography, so the check stays fast. Nothing here depends on the machine: no
timestamps, no temporary paths, the shipped cost-model constants (never this
machine's tuned constants), and a fixed input.

tests/test_architecture_doc.py runs `check()` so CI fails when the IR drifts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "ARCHITECTURE.md"
BEGIN = "<!-- BEGIN GENERATED IR -->"
END = "<!-- END GENERATED IR -->"
COMMAND = "python scripts/architecture_ir.py"

MODEL_NAME = "tiny.onnx"
COLUMNS = 9
"""Band width of the shown layout: the rescale gadget's item is 9 cells wide."""
SEARCH_COLUMNS = (9, 12, 16)
INPUT = [0.5, -1.0, 0.25, 1.0]
WEIGHT = [
    [0.5, -0.7, 0.3],
    [0.8, 0.5, -0.5],
    [-0.25, 1.0, 0.6],
    [1.0, -0.4, -0.9],
]
BIAS = [0.1, -0.2, 0.5]
BLOB_LINES = 6
"""A `{-# dialect_resources #-}` trailer longer than this is cut (weights of a
larger model); the tiny model's weights are printed inline anyway."""


def build_model(path: Path) -> None:
    """y = relu(x @ W + b): one Gemm and one Relu, x of shape 1x4."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W", "b"], ["h"], name="dense"),
            helper.make_node("Relu", ["h"], ["y"], name="relu"),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        [
            numpy_helper.from_array(np.array(WEIGHT, dtype=np.float32), "W"),
            numpy_helper.from_array(np.array(BIAS, dtype=np.float32), "b"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="zkir-architecture")
    onnx.save(model, path)


def trim_blobs(text: str) -> str:
    """Cut a long weight-blob trailer down to a note of how many lines it had."""
    start = text.find("{-#")
    if start < 0:
        return text.rstrip("\n")
    trailer = text[start:].rstrip("\n").splitlines()
    if len(trailer) <= BLOB_LINES:
        return text.rstrip("\n")
    return text[:start] + f"{{-# dialect_resources: {len(trailer)} lines of weight blobs cut #-}}"


def _fence(text: str, lang: str = "mlir") -> str:
    return f"```{lang}\n{text.rstrip()}\n```"


def _fmt(values) -> str:
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        return "[" + ", ".join(f"{v:.4f}".rstrip("0").rstrip(".") if v != 0 else "0" for v in arr.ravel()) + "]"
    return "[" + ", ".join(str(int(v)) for v in arr.ravel()) + "]"


def _layout_level(gadget_text: str, tmp: Path) -> tuple[str, str, str]:
    """gadget-layout-search on 3_gadget.mlir with the shipped constants: the
    annotated module, its candidate table, and that module laid out as the
    annotation says (to compare with 4_plonk.mlir)."""
    from xdsl.dialects import func

    from zkir.cost.model import SHIPPED
    from zkir.ir_io import parse_module, print_module
    from zkir.dialects.gadget import LAYOUT_ATTR
    from zkir.pass_pipeline import pipeline

    module = parse_module(gadget_text)
    table = tmp / "candidates.txt"
    columns = ",".join(str(c) for c in SEARCH_COLUMNS)
    pipeline(f'gadget-layout-search{{columns={columns} range-bits=8 cost-model="{SHIPPED}" table="{table}"}}').run(
        module
    )
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    assert LAYOUT_ATTR in fn.attributes, "gadget-layout-search wrote no gadget.layout"
    annotated = print_module(module)
    pipeline("convert-gadget-to-plonk{inputs=public},plonk-verify-layout").run(module)
    return annotated, table.read_text(), print_module(module)


def _backend_level(plan, circuit) -> str:
    """The prover's constraint system as zkir.backend_halo2 builds it."""
    from zkir.dialects import plonk
    from zkir.prover.keygen import ext_log_for

    cs = plan.cs
    k = plan.k
    lines = [f"k = {k}: n = {1 << k} rows, {plan.usable} usable (blinding factors {cs.blinding_factors()}, "
             f"and the last row), {plan.rows_used()} filled"]

    def names(kind: str) -> str:
        cols = [c for c in cs.names if c.kind == kind]
        return ", ".join(cs.name_of(c) for c in sorted(cols, key=lambda c: c.index))

    lines.append(f"advice   {cs.num_advice:2d}: {names('advice')}")
    lines.append(f"fixed    {cs.num_fixed:2d}: {names('fixed')}")
    lines.append(f"instance {cs.num_instance:2d}: {names('instance')}")
    lines.append(f"equality-enabled columns: {len(cs.equality)}")
    pinned = [cs.name_of(c) for c in sorted(cs.names, key=lambda c: (c.kind, c.index))
              if c.kind == "advice" and c.index in plan.pinned_advice()]
    lines.append(f"pinned advice (private weights bound by the vk): {', '.join(pinned) or 'none'}")
    for g in cs.gates:
        degrees = [p.degree() for p in g.polys]
        lines.append(f"gate   {g.name!r}: {len(g.polys)} polynomials, degrees {degrees}")
    tables = {op.lookup_name.data: op.table.root_reference.data for op in circuit.body.ops if isinstance(op, plonk.LookupOp)}
    for lk in cs.lookups:
        lines.append(f"lookup {lk.name!r} into @{tables.get(lk.name, '?')}: {len(lk.inputs)} expressions, "
                     f"degree {cs.lookup_degree(lk)}")
    copies = plan.copy_constraints()
    cells = sum(len(rows) for _, rows, _, _ in copies)
    lines.append(f"copy constraints: {len(copies)} column pairs, {cells} cell equalities")
    d = cs.degree()
    lines.append(f"degree D = {d}: quotient on a 2^{ext_log_for(d)} x larger coset, {d - 1} quotient pieces, "
                 f"permutation chunks of {cs.permutation_chunk()} columns")
    return "\n".join(lines)


def _prover_level(plan) -> str:
    """What one proof of this circuit holds, counted from zkir.prover.protocol."""
    from zkir.prover import protocol

    cs = plan.cs
    n, u = 1 << plan.k, plan.usable
    pinned = len(plan.pinned_advice())
    plan_ = protocol.opening_plan(cs, u)
    evaluations = sum(1 for key, _ in plan_ if protocol.is_sent(key))
    rotations = len({rot for _, rot in plan_})
    chunks = protocol.num_chunks(cs)
    lookups = len(cs.lookups)
    pieces = protocol.num_quotient_pieces(cs)
    points = cs.num_advice + pinned + lookups + chunks + lookups + 1 + pieces + rotations
    scalars = pinned * (n - u) + evaluations
    size = len(protocol.PROOF_MAGIC) + 1 + 48 * points + 32 * scalars
    rows = [
        ("advice commitments", cs.num_advice),
        ("pinned-column links R_j (and n - u = %d scalars each)" % (n - u), pinned),
        ("lookup multiplicities m_i", lookups),
        ("permutation products z_c", chunks),
        ("lookup running sums phi_i", lookups),
        ("random polynomial r", 1),
        ("quotient pieces h_i", pieces),
        ("opening witnesses W_j (one per distinct rotation)", rotations),
    ]
    lines = [f"{what:55s} {count:3d} G1 points" for what, count in rows]
    lines.append(f"{'evaluations at the challenge x (and its rotations)':55s} {evaluations:3d} scalars")
    lines.append(f"proof: {points} G1 points x 48 B + {scalars} scalars x 32 B + 8 B header = {size} bytes")
    return "\n".join(lines)


def _values_level(build: Path, plan, levels: dict[str, str]) -> str:
    """The sample input through the float, fixed-point, gadget and circuit semantics."""
    from zkir.backend_halo2.witness import compute_witness
    from zkir.interpreter.float_interp import run_float
    from zkir.interpreter.fixed_interp import run_fixed
    from zkir.gadgets.interpret import run_gadget
    from zkir.ir_io import parse_module
    from zkir.prover import MockProver
    from zkir.workflow import Settings, quantize_inputs

    settings = Settings.load(build)
    x = np.array([INPUT], dtype=np.float64)
    (q,) = quantize_inputs(settings, {"x": x})
    (flt,) = run_float(parse_module(levels["1_ml.mlir"]), {"x": x.astype(np.float32)})
    (fixed,) = run_fixed(parse_module(levels["2_ml_fixed.mlir"]), {"x": x})
    (gad,) = run_gadget(parse_module(levels["3_gadget.mlir"]), [q])
    witness = compute_witness(plan, [q])
    failures = MockProver(plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance,
                          copies=plan.copy_constraints(), pinned=plan.pinned_advice()).verify()
    scale = settings.outputs[0].scale
    err = float(np.max(np.abs(fixed.value - flt)))
    rows = [
        ("input x", _fmt(x)),
        (f"x at scale {settings.inputs[0].scale} (round(x * 2^s))", _fmt(q)),
        ("1_ml       run_float", _fmt(flt)),
        ("2_ml_fixed run_fixed (raw)", _fmt(fixed.raw)),
        ("3_gadget   run_gadget", _fmt(gad)),
        ("4_plonk    compute_witness, output", _fmt(witness.outputs[0])),
        ("           ... dequantized (/ 2^%d)" % scale, _fmt(witness.outputs[0] / 2.0**scale)),
        ("           ... dense's out port", _fmt(witness.ports["dense"]["out"])),
        ("max |fixed - float|", f"{err:.4f}"),
        ("MockProver failures", str(len(failures))),
    ]
    return "\n".join(f"{a:40s} {b}" for a, b in rows)


def _statement_level(build: Path, plan) -> str:
    """The statement the verifying key binds (what `zkir verify` reads)."""
    from zkir.statement import build_statement
    from zkir.workflow import LEVELS, Settings

    settings = Settings.load(build)
    statement = build_statement(plan, settings.inputs, settings.outputs, MODEL_NAME, (build / LEVELS[3]).read_text())
    body = json.loads(statement.to_bytes())
    tensors = body.pop("tensors")
    lines = ["{"] + [f" {json.dumps(key)}: {json.dumps(value)}," for key, value in sorted(body.items())]
    lines.append(' "tensors": [')
    lines += [f"  {json.dumps(t, sort_keys=True)}," for t in tensors]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" ]", "}"]
    return "\n".join(lines)


def generate() -> str:
    """The text between the markers, the markers excluded."""
    from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
    from zkir.ir_io import parse_module
    from zkir.workflow import LEVELS, CompileOptions, compile_model

    with tempfile.TemporaryDirectory(prefix="zkir-architecture-") as tmp_name:
        tmp = Path(tmp_name)
        model = tmp / MODEL_NAME
        build = tmp / "build"
        build_model(model)
        options = CompileOptions(input_shapes=[1, 4], layout_search=False, columns=COLUMNS)
        settings = compile_model(model, build, options)
        levels = {name: (build / name).read_text() for name in LEVELS}
        _claims(levels)
        layout_text, candidates, searched_plonk = _layout_level(levels["3_gadget.mlir"], tmp)
        module = parse_module(levels["4_plonk.mlir"])
        circuit = find_circuit(module)
        plan = CircuitPlan(circuit)
        backend = _backend_level(plan, circuit)
        table_rows = max((1 << t.get_bits() for t in plan.tables if t.data is None), default=0)
        prover = _prover_level(plan)
        values = _values_level(build, plan, levels)
        statement = _statement_level(build, plan)
        candidates = candidates.replace(str(tmp), "TMP")

    agree = (
        "Laid out as it says, the function becomes exactly the `4_plonk.mlir` below (the fixed\n"
        "choices happen to be the search's pick for this model)."
        if searched_plonk == levels["4_plonk.mlir"]
        else "Laid out as it says, the function becomes another circuit than the `4_plonk.mlir`\n"
        "below, which the fixed choices laid out."
    )
    layout_line = next(line for line in layout_text.splitlines() if "gadget.layout" in line).strip()
    out = [
        "_Generated by `" + COMMAND + "` from the model it builds; do not edit by hand._",
        "",
        "The model: `y = relu(x @ W + b)`, `x` of shape 1x4, `W` 4x3, `b` 3, one ONNX `Gemm`",
        "node named `dense` and one `Relu` named `relu`, built with `onnx.helper` and compiled by",
        "`zkir.workflow.compile_model` with",
        f"`CompileOptions(input_shapes=[1, 4], layout_search=False, columns={COLUMNS})`, that is",
        f"`zkir compile tiny.onnx --input-shape 1,4 --no-layout-search --columns {COLUMNS}`.",
        "Weights of more than 16 values would print as `dense_resource` blobs with a",
        "`{-# dialect_resources #-}` trailer, which this script cuts when it is long; these",
        "are small enough to print inline.",
        "",
        "### Level 1: `ml`, float (`1_ml.mlir`: the importer, then `ml-canonicalize`)",
        "",
        "The Gemm became `ml.matmul` plus an `ml.add` of the bias; node names became SSA names.",
        "",
        _fence(trim_blobs(levels["1_ml.mlir"])),
        "",
        f"### Level 2: `ml`, fixed point (`2_ml_fixed.mlir`: `ml-quantize{{scale-bits={settings.options['scale_bits']}}}`)",
        "",
        "Weights are integers at scale 8; the product has scale 16, so the bias is quantized at 16",
        "and added before the inserted `ml.rescale` brings the sum back to scale 8.",
        "",
        _fence(trim_blobs(levels["2_ml_fixed.mlir"])),
        "",
        "### Level 3: `gadget` (`3_gadget.mlir`: `convert-ml-to-gadget`, then `gadget-canonicalize`)",
        "",
        "The matmul is one `gadget.dot`; the bias broadcast is free wiring (`gadget.rewire`);",
        "`gadget-canonicalize` folded the add into the rescale's bias and the ReLU into the",
        "rescale (`relu`), so ReLU costs no lookup table here.",
        "",
        _fence(trim_blobs(levels["3_gadget.mlir"])),
        "",
        "### Level 3b: `gadget` + layout (`gadget-layout-search`)",
        "",
        f"Run here as `gadget-layout-search{{columns={','.join(map(str, SEARCH_COLUMNS))} range-bits=8}}` "
        "with the shipped cost-model",
        "constants (`zkir compile` writes the same table to `BUILD/layout_candidates.txt`). The",
        "pass only adds one attribute to the function:",
        "",
        _fence(layout_line),
        "",
        agree,
        "Every candidate, lowered for real and costed by `zkir/cost/model.py`:",
        "",
        _fence(candidates, "text"),
        "",
        "### Level 4: `plonk` (`4_plonk.mlir`: `convert-gadget-to-plonk`, then `plonk-verify-layout`)",
        "",
        "Columns, one gate per gadget key (kind and parameters, written once in `zkir/gadgets/`), the",
        "range table behind the rescale and its lookups, one `plonk.place` per gadget instance and one",
        "`plonk.copy` per tensor wire. Every column is named `<owner>.<member>` (band `a.<i>`, weights `w.<i>`,", "selectors `<gadget key>.<role>`, tables `<table>.<part>`). The private weights sit in their own advice band (`w.*`) so the",
        f"keys can pin them. k = {plan.k} although {plan.rows_used()} rows are filled: the largest table "
        f"has {table_rows} rows,",
        "and a table needs one all-zero row more plus the blinding rows.",
        "",
        _fence(trim_blobs(levels["4_plonk.mlir"])),
        "",
        "### Level 5: the backend's constraint system (`zkir.backend_halo2.circuit_plan.CircuitPlan`)",
        "",
        "No text form: this is what `zkir setup` hands to `keygen` (`plan.cs`, `plan.fixed_columns()`,",
        "`plan.copy_constraints()`, `plan.pinned_advice()`).",
        "",
        _fence(backend, "text"),
        "",
        "### Level 6: witness, statement and proof (`backend_halo2.witness`, `zkir.statement`, `zkir.prover`)",
        "",
        f"The input `{_fmt(INPUT)}` through every semantics: the three interpreters and the circuit's",
        "witness agree bit for bit; only the float model differs (by the quantization error).",
        "",
        _fence(values, "text"),
        "",
        "The statement `zkir setup` serialises into `vk.bin` (the vk digest covers it, every",
        "transcript absorbs it; `circuit` is the digest of `4_plonk.mlir`):",
        "",
        _fence(statement, "json"),
        "",
        "What one proof holds (PROTOCOL.md's steps 1-6, counted from `zkir.prover.protocol`; the",
        "proof file adds the public values as a JSON header):",
        "",
        _fence(prover, "text"),
    ]
    return "\n".join(out) + "\n"


def _claims(levels: dict[str, str]) -> None:
    """The prose around the IR says these things: stop rather than print a false one."""
    claims = [
        ("1_ml.mlir", "ml.matmul", True, "the Gemm became ml.matmul plus ml.add"),
        ("1_ml.mlir", "ml.add", True, "the Gemm became ml.matmul plus ml.add"),
        ("2_ml_fixed.mlir", "ml.rescale", True, "ml-quantize inserted an ml.rescale"),
        ("2_ml_fixed.mlir", "!ml.fixed<64, 16>", True, "the product has scale 16"),
        ("3_gadget.mlir", "gadget.dot", True, "the matmul is one gadget.dot"),
        ("3_gadget.mlir", "gadget.rewire", True, "the bias broadcast is a gadget.rewire"),
        ("3_gadget.mlir", "relu}", True, "the ReLU is fused into the rescale"),
        ("3_gadget.mlir", "gadget.lookup", False, "the ReLU costs no lookup table"),
        ("4_plonk.mlir", "@w.0", True, "the weights sit in their own w.* band"),
    ]
    for level, text, present, what in claims:
        if (text in levels[level]) != present:
            raise RuntimeError(f"{level} no longer fits the prose of {COMMAND} ({what}): update the script's text")


def render(doc: str, generated: str) -> str:
    """`doc` with the text between the markers replaced by `generated`."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if len(pattern.findall(doc)) != 1:
        raise ValueError(f"{DOC.name}: expected exactly one {BEGIN} ... {END} section")
    return pattern.sub(lambda _: f"{BEGIN}\n{generated}{END}", doc)


def check(doc_path: Path = DOC) -> str | None:
    """None when the document is up to date, else a one-line message."""
    if not doc_path.exists():
        return f"{doc_path.name} is missing: run {COMMAND}"
    current = doc_path.read_text()
    try:
        wanted = render(current, generate())
    except ValueError as e:
        return str(e)
    if wanted != current:
        return f"{doc_path.name} is stale (the IR of some level changed): run {COMMAND}"
    return None


def write(doc_path: Path = DOC) -> bool:
    """Rewrite the generated section atomically; True when the file changed."""
    from zkir.files import write_atomic

    current = doc_path.read_text()
    wanted = render(current, generate())
    if wanted == current:
        return False
    write_atomic(doc_path, wanted)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if ARCHITECTURE.md is stale, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        problem = check()
        if problem:
            print(problem, file=sys.stderr)
            return 1
        return 0
    try:
        changed = write()
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{DOC.name}: {'rewritten' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
