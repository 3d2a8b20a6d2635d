"""The user's workflow over a build directory: compile, setup, prove, verify.

`zkir compile|setup|prove|verify|mock|report` are thin wrappers over these
functions, so a Python user gets the same steps, files and errors. A build
directory holds each level's IR (1_ml.mlir .. 4_plonk.mlir), settings.json,
and after setup the SRS and keys; a proof file carries the public values it
proves next to the proof bytes.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zkir.errors import ZkirError
from zkir.files import write_atomic
from zkir.gadgets.io import IORole

if TYPE_CHECKING:
    import numpy.typing as npt
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.dialects.func import FuncOp
    from xdsl.ir import Attribute
    from xdsl.passes import ModulePass

    from zkir.backend_halo2.circuit_plan import CircuitPlan, Placed
    from zkir.backend_halo2.witness import Witness
    from zkir.prover import SRS
    from zkir.prover.keygen import VerifyingKey
    from zkir.statement import PublicTensor, Statement

SETTINGS = "settings.json"
KEY_FILES = ("pk.bin", "vk.bin")
CALIBRATION_FILE = "calibration.json"
"""The accuracy on the calibration samples and the lookup ranges they gave."""
LEVELS = ("1_ml.mlir", "2_ml_fixed.mlir", "3_gadget.mlir", "4_plonk.mlir")
PROOF_MAGIC = b"ZKIRPRF1"

Progress = Callable[[str], None]


class WorkflowError(ZkirError, ValueError):
    """Bad input to a workflow step (a missing build, a wrong input): one line."""


@dataclass
class CompileOptions:
    scale_bits: int = 8
    columns: int = 0
    """Advice columns of the layout (0: the layout search picks)."""
    layout_search: bool = True
    """Pick the layout by predicted prove time (gadget-layout-search); else
    lay out with `columns` (12 if 0), `items_per_row` and `share_lookups`."""
    items_per_row: int = 0
    share_lookups: bool = True
    memory_budget_mb: int = 0
    """The layout search's limit on predicted prover memory (0: none)."""
    table_bits: int = 16
    """Input bits of nonlinearity lookup tables (ReLU after a rescale needs none)."""
    range_bits: int | None = None
    """Limb bits of range checks (default scale_bits); bounds values to 2*range_bits
    bits. Layer norm's variances (scale 2s) want 12 at scale 8."""
    weights: str = "private"
    """private (advice), fixed (in the verifying key) or public (instance)."""
    private_input: bool = False
    input_shapes: Any = None
    calibration: str | None = None
    """A samples file (zkir.calibration.load_samples): lookup tables are sized to
    the inputs the samples give, and BUILD/calibration.json holds the accuracy."""


@dataclass
class TensorInfo:
    name: str
    shape: list[int]
    scale: int
    rows: list[int] = field(default_factory=list)
    """[first, end) rows of the instance column holding it (public tensors)."""


@dataclass
class Settings:
    model: str
    options: dict[str, Any]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    k: int
    rows: int
    advice_columns: int
    fixed_columns: int
    lookups: int
    compile_seconds: float
    range_bits: int = 0

    def save(self, build: Path) -> None:
        write_atomic(build / SETTINGS, json.dumps(asdict(self), indent=2) + "\n")

    @staticmethod
    def load(build: Path) -> Settings:
        path = Path(build) / SETTINGS
        if not path.exists():
            raise WorkflowError(f"{build}: not a zkir build directory (no {SETTINGS}; run zkir compile)")
        data = json.loads(path.read_text())
        data["inputs"] = [TensorInfo(**t) for t in data["inputs"]]
        data["outputs"] = [TensorInfo(**t) for t in data["outputs"]]
        return Settings(**data)


def _quiet(_: str) -> None:
    pass


def _scales(fn: FuncOp) -> tuple[list[int], list[int]]:
    from xdsl.dialects.builtin import TensorType

    from zkir.dialects.ml import FixedType

    def scale(ty: Attribute) -> int:
        assert isinstance(ty, TensorType)  # as input_specs/output_specs require of main's types
        el = ty.element_type
        return el.scale.data if isinstance(el, FixedType) else 0

    return (
        [scale(t) for t in fn.function_type.inputs.data],
        [scale(t) for t in fn.function_type.outputs.data],
    )


def default_range_bits(gadget_module: ModuleOp, scale_bits: int) -> int:
    """Range-check limb bits when none are asked for: the scale, or 4 more when the
    model takes square roots of variances, which sit at twice the scale.
    (A first rule; the layout search issue is where this becomes a choice.)"""
    from zkir.dialects import gadget

    if any(isinstance(op, gadget.SqrtOp) for op in gadget_module.walk()):
        return scale_bits + 4
    return scale_bits


LAYOUT_TABLE = "layout_candidates.txt"


def _layout_passes(options: CompileOptions, range_bits: int, build: Path) -> tuple[ModulePass, ...]:
    """The passes from gadgets to a verified plonk circuit, as `options` ask."""
    from zkir.lowering.gadget_to_plonk import ConvertGadgetToPlonkPass
    from zkir.passes.layout_search import GadgetLayoutSearchPass
    from zkir.passes.plonk_verify_layout import PlonkVerifyLayoutPass

    inputs = "private" if options.private_input else "public"
    if options.layout_search:
        search = GadgetLayoutSearchPass(
            columns=(options.columns,) if options.columns else (),
            range_bits=(range_bits,),
            memory_budget=options.memory_budget_mb,
            table=str(build / LAYOUT_TABLE),
            inputs=inputs,
        )
        return search, ConvertGadgetToPlonkPass(inputs=inputs), PlonkVerifyLayoutPass()
    lower = ConvertGadgetToPlonkPass(
        columns=options.columns or 12,
        range_bits=range_bits,
        inputs=inputs,
        items_per_row=options.items_per_row,
        share_lookups=options.share_lookups,
    )
    return lower, PlonkVerifyLayoutPass()


def _front_passes(options: CompileOptions) -> list[tuple[tuple[ModulePass, ...], str]]:
    """(passes, the build file they write) from the imported model to gadgets."""
    from zkir.lowering.ml_to_gadget import ConvertMLToGadgetPass
    from zkir.passes.bound_lookups import GadgetBoundLookupsPass
    from zkir.passes.gadget_canonicalize import GadgetCanonicalizePass
    from zkir.passes.ml_canonicalize import MLCanonicalizePass
    from zkir.passes.quantize import MLQuantizePass

    return [
        ((MLCanonicalizePass(),), LEVELS[0]),
        ((MLQuantizePass(scale_bits=options.scale_bits),), LEVELS[1]),
        (
            (
                ConvertMLToGadgetPass(table_bits=options.table_bits, weights=options.weights),
                GadgetCanonicalizePass(),
            ),
            LEVELS[2],
        ),
        ((GadgetBoundLookupsPass(),), LEVELS[2]),
    ]


def _calibrate(
    module: ModuleOp,
    modules: dict[str, ModuleOp],
    samples: list[dict[str, np.ndarray]],
    in_specs: list[Any],
    in_scales: list[int],
    options: CompileOptions,
    build: Path,
    progress: Progress,
) -> None:
    """Record each lookup's input range on the samples (run through the gadget
    program the circuit computes) and write the accuracy to calibration.json."""
    from zkir.calibration import CalibrationError, accuracy, record_lookup_ranges

    infos = [TensorInfo(s.name, list(s.shape), sc) for s, sc in zip(in_specs, in_scales)]
    progress(f"calibrating on {len(samples)} samples")
    try:
        quantized = [quantize_inputs(infos, sample) for sample in samples]
    except WorkflowError as e:
        raise CalibrationError(f"calibration samples: {e}") from None
    ranges = record_lookup_ranges(module, quantized)
    report = accuracy(modules["float"], modules["fixed"], samples, options.scale_bits)
    report.table_ranges = {name: [lo, hi] for name, (lo, hi) in ranges.items()}
    write_atomic(build / CALIBRATION_FILE, json.dumps(report.to_json(), indent=1))


def compile_model(
    model: str | Path, build: str | Path, options: CompileOptions | None = None, progress: Progress = _quiet
) -> Settings:
    """Model file -> every level's IR and settings.json in `build`."""
    return compile_circuit(model, build, options, progress)[0]


def compile_circuit(
    model: str | Path, build: str | Path, options: CompileOptions | None = None, progress: Progress = _quiet
) -> tuple[Settings, CircuitPlan]:
    """compile_model, also returning the plan of the circuit it wrote, so a caller
    that goes on to `setup` (zkir tune's steps) hands it down instead of
    building it again from 4_plonk.mlir."""
    from zkir.interpreter.program import input_specs, main_function, output_specs
    from zkir.ir_io import write_module
    from zkir.pass_pipeline import Pipeline
    from zkir.frontends import load_model

    options = options or CompileOptions()
    build = Path(build)
    build.mkdir(parents=True, exist_ok=True)
    stale = [name for name in KEY_FILES if (build / name).exists()]
    if stale:
        # keys of an earlier compile belong to another circuit: a verifier must never
        # read this build's statement off them
        progress(f"removing the keys of an earlier compile ({', '.join(stale)}): run zkir setup again")
        for name in stale:
            (build / name).unlink()
    start = time.perf_counter()
    progress(f"importing {model}")
    module = load_model(model, options.input_shapes)
    fn = main_function(module)
    in_specs, out_specs = input_specs(fn), output_specs(fn)

    def run(passes: tuple[ModulePass, ...], level: str, write: bool = True) -> None:
        progress(f"{passes[0].name} -> {level}")
        Pipeline(passes).run(module)
        if write:
            write_module(module, build / level)

    samples = None
    if options.calibration:
        from zkir.calibration import load_samples

        samples = load_samples(options.calibration, [s.name for s in in_specs])
    elif (build / CALIBRATION_FILE).exists():
        (build / CALIBRATION_FILE).unlink()  # an earlier compile's samples say nothing of this one
    modules: dict[str, ModuleOp] = {}
    front = _front_passes(options)
    for i, (passes, level) in enumerate(front):
        if level == LEVELS[2] and not modules.get("fixed"):
            in_scales, out_scales = _scales(main_function(module))
            modules["fixed"] = module.clone()
        last_of_level = i + 1 == len(front) or front[i + 1][1] != level
        run(passes, level, write=last_of_level)
        if level == LEVELS[0]:
            modules["float"] = module.clone()
        if samples is not None and level == LEVELS[2] and not last_of_level:
            _calibrate(module, modules, samples, in_specs, in_scales, options, build, progress)
    range_bits = options.range_bits or default_range_bits(module, options.scale_bits)
    run(_layout_passes(options, range_bits, build), LEVELS[3])
    from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit

    plan = CircuitPlan(find_circuit(module))
    inputs = [TensorInfo(s.name, list(s.shape), sc) for s, sc in zip(in_specs, in_scales)]
    outputs = [TensorInfo(s.name, list(s.shape), sc) for s, sc in zip(out_specs, out_scales)]
    for info, place in zip(inputs + outputs, plan.io_places()):
        if place.columns[0].kind == "instance":
            info.rows = [place.row, place.row + place.structure.rows]
    settings = Settings(
        model=str(model),
        options={k: v for k, v in asdict(options).items() if k != "input_shapes"},
        inputs=inputs,
        outputs=outputs,
        k=plan.k,
        rows=plan.rows_used(),
        advice_columns=plan.cs.num_advice,
        fixed_columns=plan.cs.num_fixed,
        lookups=len(plan.cs.lookups),
        compile_seconds=round(time.perf_counter() - start, 3),
        range_bits=range_bits,
    )
    settings.save(build)
    progress(f"circuit: k={plan.k}, {settings.rows} rows, {plan.cs.num_advice} advice columns")
    return settings, plan


def run_model(
    model: str | Path, inputs: Any, scale_bits: int | None = None, input_shapes: Any = None
) -> dict[str, Any]:
    """The model's outputs on `inputs`: float, or with `scale_bits` the fixed-point
    values the circuit proves (the same ml-canonicalize and ml-quantize passes as
    compile_model). A model already in fixed point (.mlir) runs as it is."""
    from zkir.dialects.ml import FixedType
    from zkir.frontends import load_model
    from zkir.interpreter.program import main_function, output_specs
    from zkir.pass_pipeline import Pipeline

    module = load_model(model, input_shapes)
    fixed = any(isinstance(getattr(r.type, "element_type", None), FixedType) for op in module.walk() for r in op.results)
    if scale_bits is not None and not fixed:
        for passes, _level in _front_passes(CompileOptions(scale_bits=scale_bits))[:2]:
            Pipeline(passes).run(module)
        fixed = True
    names = [s.name for s in output_specs(main_function(module))]
    if fixed:
        from zkir.interpreter.fixed_interp import run_fixed

        outs = run_fixed(module, inputs)
        return {n: {"value": o.value.tolist(), "raw": o.raw.tolist(), "scale": o.scale} for n, o in zip(names, outs)}
    from zkir.interpreter.float_interp import run_float

    return {n: o.tolist() for n, o in zip(names, run_float(module, inputs))}


def _plan(build: Path) -> CircuitPlan:
    from xdsl.utils.exceptions import ParseError

    from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuit
    from zkir.ir_io import read_module

    path = build / LEVELS[3]
    if not path.exists():
        raise WorkflowError(f"{build}: no {LEVELS[3]} (run zkir compile)")
    try:
        return CircuitPlan(find_circuit(read_module(path)))
    except ParseError as e:
        raise WorkflowError(f"{path}: {e.msg}") from None


def setup(
    build: str | Path,
    srs_file: str | Path | None = None,
    progress: Progress = _quiet,
    insecure_test_srs: bool = False,
    plan: CircuitPlan | None = None,
) -> dict[str, float]:
    """Keys for the compiled circuit.

    The SRS is, in order of trust: a ceremony or imported file (`srs_file`);
    else a fresh one from the OS CSPRNG whose tau is discarded (only whoever ran
    this setup could forge); or, for tests only, the seeded SRS whose tau is
    public (`insecure_test_srs`): its keys are marked and verifiers refuse them.
    `plan`: the plan of this build's circuit when the caller has it already
    (compile_circuit's); else it is built from 4_plonk.mlir."""
    from zkir.prover import SRS, keygen, pk_to_bytes, vk_to_bytes

    build = Path(build)
    settings = Settings.load(build)
    if insecure_test_srs and srs_file is not None:
        raise WorkflowError("give either an SRS file or the insecure test SRS, not both")
    times: dict[str, float] = {}
    t = time.perf_counter()
    if insecure_test_srs:
        progress(f"using the INSECURE test SRS for 2^{settings.k} rows: its tau is public, anyone can forge "
                 "proofs, and verifiers refuse these keys unless told --allow-insecure-srs")
        srs = SRS.insecure_from_seed(settings.k)
    elif srs_file is None:
        progress(f"sampling a fresh SRS for 2^{settings.k} rows from the OS CSPRNG; its secret is discarded, "
                 "but whoever runs this setup could forge proofs: for keys others can trust, use a "
                 "ceremony SRS (zkir srs new/contribute, or zkir srs import-ethereum) with --srs")
        srs = SRS.generate(settings.k)
    else:
        progress(f"loading SRS {srs_file}")
        srs = _load_srs(Path(srs_file), settings.k)
    if srs_file is None or Path(srs_file).resolve() != (build / "srs.bin").resolve():
        write_atomic(build / "srs.bin", srs.to_bytes())
    times["srs"] = time.perf_counter() - t
    t = time.perf_counter()
    progress("building the circuit")
    if plan is None:
        plan = _plan(build)
    plan.check_wiring()  # keygen refuses a gadget input cell not tied to its source
    statement = _statement(build, settings, plan)
    progress("keygen: fixed columns, permutation, commitments")
    pk, vk = keygen(
        srs, plan.cs, plan.fixed_columns(), plan.copy_constraints(), k=settings.k, pinned=plan.pinned_advice(),
        statement=statement.to_bytes(),
    )
    write_atomic(build / "pk.bin", pk_to_bytes(pk))
    write_atomic(build / "vk.bin", vk_to_bytes(vk))
    times["keygen"] = time.perf_counter() - t
    return times


def _load_srs(path: Path, k: int) -> SRS:
    from zkir.prover import ProofFormatError

    if not path.exists():
        raise WorkflowError(f"{path}: no such SRS file")
    from zkir.prover.ceremony import load_srs_file

    try:
        srs = load_srs_file(path, k)
    except ProofFormatError as e:
        raise WorkflowError(f"{path}: {e}") from None
    if srs.k < k:
        raise WorkflowError(f"{path}: the SRS has 2^{srs.k} points, the circuit needs 2^{k}")
    return srs


def _statement(build: Path, settings: Settings, plan: CircuitPlan) -> Statement:
    from zkir.statement import build_statement

    try:
        return build_statement(plan, settings.inputs, settings.outputs, Path(settings.model).name,
                               (build / LEVELS[3]).read_text())
    except ValueError as e:
        raise WorkflowError(f"{build}: settings.json does not match the compiled circuit ({e}): run zkir compile") from None


def quantize_inputs(settings: Settings | list[TensorInfo], inputs: Mapping[str, Any] | Any) -> list[np.ndarray]:
    """input.json values (reals) -> fixed-point integers at each input's scale."""
    from zkir.interpreter.rounding import quantize

    infos = settings.inputs if isinstance(settings, Settings) else settings
    if not isinstance(inputs, Mapping):
        if len(infos) != 1:
            names = ", ".join(i.name for i in infos)
            raise WorkflowError(f"the model has {len(infos)} inputs ({names}); give them by name")
        inputs = {infos[0].name: inputs}
    out = []
    for info in infos:
        if info.name not in inputs:
            raise WorkflowError(f"input '{info.name}' is missing (inputs: {', '.join(inputs)})")
        try:
            value = np.asarray(inputs[info.name], dtype=np.float64)
        except (TypeError, ValueError):
            raise WorkflowError(f"input '{info.name}' is not a nested list of numbers") from None
        if list(value.shape) == info.shape[1:] and info.shape[:1] == [1]:
            value = value.reshape(info.shape)  # a single example without its batch dimension
        if list(value.shape) != info.shape:
            raise WorkflowError(
                f"input '{info.name}' has shape {list(value.shape)}, the model expects {info.shape}"
            )
        out.append(quantize(value, info.scale))
    extra = set(inputs) - {i.name for i in infos}
    if extra:
        raise WorkflowError(f"unknown inputs: {', '.join(sorted(extra))}")
    return out


def _tensors(infos: list[TensorInfo], raws: list[np.ndarray]) -> dict[str, dict[str, Any]]:
    return {
        info.name: {
            "value": (np.asarray(raw, dtype=np.float64) / 2.0**info.scale).reshape(info.shape).tolist(),
            "raw": np.asarray(raw).reshape(info.shape).tolist(),
            "scale": info.scale,
        }
        for info, raw in zip(infos, raws)
    }


@dataclass
class ProveResult:
    proof: Path
    outputs: dict[str, dict[str, Any]]
    timings: dict[str, float]
    proof_bytes: int


def prove(
    build: str | Path,
    inputs: Mapping[str, Any] | Any,
    proof_path: str | Path,
    progress: Progress = _quiet,
    plan: CircuitPlan | None = None,
) -> ProveResult:
    """A proof of the model's output on `inputs`, written to `proof_path`.

    `plan`: the plan of this build's circuit when the caller has it already;
    else it is built from 4_plonk.mlir."""
    from zkir.backend_halo2.witness import compute_witness
    from zkir.prover import SRS, pk_from_bytes
    from zkir.prover import prove as prove_circuit

    build = Path(build)
    settings = Settings.load(build)
    if not (build / "pk.bin").exists():
        raise WorkflowError(f"{build}: no proving key (run zkir setup)")
    quantized = quantize_inputs(settings, inputs)
    timings: dict[str, float] = {}
    if plan is None:
        plan = _plan(build)
    # the witness first: an input the circuit cannot prove (a value outside a
    # table) fails in a second, before the key is read
    t = time.perf_counter()
    progress("computing the witness")
    witness = compute_witness(plan, quantized)
    timings["witness"] = time.perf_counter() - t
    t = time.perf_counter()
    progress("loading the proving key")
    # the prover skips the SRS's point checks (seconds at large k): a bad SRS can
    # only make its own proof fail, never make a false one verify
    pk = pk_from_bytes((build / "pk.bin").read_bytes(), SRS.load(build / "srs.bin", check=False))
    if _statement(build, settings, plan).to_bytes() != pk.vk.statement:
        raise WorkflowError(f"{build}: settings.json or the compiled circuit changed since zkir setup (run zkir setup)")
    timings["load"] = time.perf_counter() - t
    progress(f"proving (k={settings.k})")
    phases: dict[str, float] = {}
    t = time.perf_counter()
    proof = prove_circuit(pk, witness.advice, witness.instance, timings=phases)
    timings["prove"] = time.perf_counter() - t
    timings.update({f"prove_{k}": v for k, v in phases.items() if k != "total"})
    data = proof_file_bytes(pk.vk.digest, witness.instance, proof)
    write_atomic(proof_path, data)
    return ProveResult(Path(proof_path), _tensors(settings.outputs, witness.outputs), timings, len(data))


def proof_file_bytes(vk_digest: bytes, instance: list[np.ndarray], proof: bytes) -> bytes:
    """A proof file: magic, the public values (and the digest of the key they are
    for) as a JSON header, then the proof bytes."""
    header = json.dumps({"vk": vk_digest.hex(), "instance": [np.asarray(c).tolist() for c in instance]}).encode()
    return PROOF_MAGIC + struct.pack("<I", len(header)) + header + proof


@dataclass
class ProofFile:
    vk_digest: str
    instance: list[np.ndarray]
    proof: bytes


@dataclass
class VerifyResult:
    verified: bool
    failed_check: str | None
    outputs: dict[str, dict[str, Any]]
    inputs: dict[str, dict[str, Any]]
    timings: dict[str, float]
    model: str = ""
    private_inputs: list[str] = field(default_factory=list)
    """Inputs the circuit keeps private (nothing of them is shown or checked)."""


def read_proof_file(path: Path) -> ProofFile:
    from zkir.prover import ProofFormatError

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise WorkflowError(f"{path}: no such proof file") from None
    if data[: len(PROOF_MAGIC)] != PROOF_MAGIC:
        raise ProofFormatError(f"{path}: not a zkir proof file (bad magic)")
    if len(data) < len(PROOF_MAGIC) + 4:
        raise ProofFormatError(f"{path}: proof file truncated")
    (size,) = struct.unpack_from("<I", data, len(PROOF_MAGIC))
    start = len(PROOF_MAGIC) + 4
    if start + size > len(data):
        raise ProofFormatError(f"{path}: proof file truncated (public values cut short)")
    try:
        header = json.loads(data[start : start + size])
        digest = str(header["vk"])
        instance = [np.asarray(col, dtype=object) for col in header["instance"]]
        instance = [np.asarray([int(v) for v in col], dtype=np.int64) for col in instance]
    except (ValueError, KeyError, TypeError, OverflowError) as e:
        raise ProofFormatError(f"{path}: malformed public values ({e})") from None
    return ProofFile(digest, instance, data[start + size :])


def _verifying_key_path(build: Path) -> Path:
    return build if build.is_file() else build / "vk.bin"


def _read_verifying_key(build: Path) -> tuple[Path, bytes, VerifyingKey, Statement]:
    """(path, bytes, key, statement) of a build's vk.bin or a key file; one-line errors."""
    from zkir.prover import ProofFormatError, vk_from_bytes
    from zkir.statement import Statement

    vk_path = _verifying_key_path(build)
    if not vk_path.exists():
        raise WorkflowError(f"{build}: no verifying key (run zkir setup)")
    data = vk_path.read_bytes()
    try:
        vk = vk_from_bytes(data)
        return vk_path, data, vk, Statement.from_bytes(vk.statement)
    except (ProofFormatError, ValueError) as e:
        raise WorkflowError(f"{vk_path}: {e}") from None


def _infos(tensors: list[PublicTensor]) -> list[TensorInfo]:
    """Public tensors of a statement as the TensorInfo that quantize and display take."""
    return [TensorInfo(t.name, t.shape, t.scale or 0, t.rows) for t in tensors]


def verify(
    build: str | Path,
    proof_path: str | Path,
    *,
    allow_insecure_srs: bool = False,
    inputs: Mapping[str, Any] | Any | None = None,
) -> VerifyResult:
    """Check a proof against a verifying key (a build directory's vk.bin, or the
    key file itself); never raises on a bad proof.

    What the public values mean is read from the key's statement, never from
    settings.json. `inputs` (input.json values) must then equal the proof's
    public inputs."""
    from zkir.prover import VerificationError
    from zkir.prover import verify as verify_proof
    from zkir.statement import circuit_digest

    build = Path(build)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    vk_path, _, vk, statement = _read_verifying_key(build)
    plonk = vk_path.parent / LEVELS[3]
    if build.is_dir() and plonk.exists() and circuit_digest(plonk.read_bytes()) != statement.circuit:
        raise WorkflowError(f"{vk_path} was made for another circuit than {plonk} (run zkir setup)")
    timings["load"] = time.perf_counter() - t
    public_inputs = _infos(statement.public(IORole.INPUT))
    expected = quantize_inputs(public_inputs, inputs) if inputs is not None else None
    if inputs is not None and statement.private_inputs:
        private = ", ".join(statement.private_inputs)
        raise WorkflowError(f"the circuit keeps its input private ({private}): there is nothing to check --input against")
    outputs: dict[str, dict[str, Any]] = {}
    shown_inputs: dict[str, dict[str, Any]] = {}
    failed = None
    t = time.perf_counter()
    try:
        pf = read_proof_file(Path(proof_path))
        if pf.vk_digest != vk.digest.hex():
            raise VerificationError("this proof is for another circuit or key (its verifying-key digest differs)")
        statement.check_instance(pf.instance)
        verify_proof(vk, pf.instance, pf.proof, allow_insecure_srs=allow_insecure_srs)
        raw_outputs = statement.values(pf.instance, IORole.OUTPUT)
        raw_inputs = statement.values(pf.instance, IORole.INPUT)
        if expected is not None:
            for info, want in zip(public_inputs, expected):
                got = raw_inputs[info.name]
                if got.shape != want.shape or np.any(got != want):
                    differ = int(np.sum(got != want)) if got.shape == want.shape else got.size
                    raise VerificationError(
                        f"public input '{info.name}' of the proof is not the given input "
                        f"({differ} of {want.size} values differ)"
                    )

        def shown(role: IORole, raws: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
            infos = _infos(statement.public(role))
            return _tensors(infos, [raws[i.name] for i in infos])

        outputs, shown_inputs = shown(IORole.OUTPUT, raw_outputs), shown(IORole.INPUT, raw_inputs)
    except VerificationError as e:
        failed = str(e)
    timings["verify"] = time.perf_counter() - t
    return VerifyResult(
        failed is None, failed, outputs, shown_inputs, timings, statement.model, statement.private_inputs
    )


def export_verifier(build: str | Path, out: str | Path) -> Path:
    """A directory to hand to verifiers: the verifying key (which binds the
    statement: what the public values mean) and a readable summary of it.
    Nothing private: no proving key, SRS, settings or weights; `zkir verify OUT
    proof.bin` needs nothing else."""
    build, out = Path(build), Path(out)
    _, data, vk, statement = _read_verifying_key(build)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "vk.bin", data)
    summary = {
        "model": statement.model,
        "verifying_key_digest": vk.digest.hex(),
        "circuit_digest": statement.circuit,
        "k": vk.k,
        "insecure_test_srs": vk.insecure_srs,
        "public": [
            {"role": t.role, "name": t.name, "shape": t.shape, "scale": t.scale}
            for t in statement.tensors if t.public
        ],
        "private_inputs": statement.private_inputs,
        "verify": f"zkir verify {out} proof.bin [--input input.json]",
    }
    write_atomic(out / "verifier.json", json.dumps(summary, indent=2) + "\n")
    return out


@dataclass
class MockFailure:
    kind: str
    name: str
    row: int
    placement: str | None
    gadget: str | None
    cells: dict[str, int]

    def __str__(self) -> str:
        where = f" in @{self.placement} ({self.gadget})" if self.placement else ""
        return f"{self.kind} '{self.name}' fails at row {self.row}{where}"


def mock(
    build: str | Path, inputs: Mapping[str, Any] | Any, tamper: Callable[[Witness], None] | None = None
) -> list[MockFailure]:
    """Check every gate, lookup and copy on the witness, and the private weights
    against the model's (as the verifier does), naming the placement.

    `tamper(witness)` may change the witness first (the soundness tests use it).
    """
    from zkir.backend_halo2.witness import compute_witness
    from zkir.prover import MockProver

    build = Path(build)
    settings = Settings.load(build)
    plan = _plan(build)
    witness = compute_witness(plan, quantize_inputs(settings, inputs))
    if tamper is not None:
        tamper(witness)
    pinned: dict[int, npt.ArrayLike] = dict(plan.pinned_advice())  # dict is invariant: MockProver wants this type
    failures = MockProver(
        plan.cs, plan.k, witness.advice, plan.fixed_columns(), witness.instance, copies=plan.copy_constraints(),
        pinned=pinned,
    ).verify()
    out = []
    for f in failures:
        place = _weight_placement(plan, f.name, f.row) if f.kind == "pinned" else plan.placement_at(f.row)
        out.append(
            MockFailure(f.kind, f.name, f.row, place.name if place else None, place.kind if place else None, dict(f.cells))
        )
    return out


def _weight_placement(plan: CircuitPlan, column: str, row: int) -> Placed | None:
    """The constant (weights) placement holding `row` of the advice column named `column`."""
    for p in plan.places.values():
        if p.kind == IORole.CONSTANT and p.row <= row < p.row + p.structure.rows:
            if any(plan.cs.name_of(c) == column for c in p.columns):
                return p
    return None


def report(build: str | Path) -> list[dict[str, Any]]:
    """Per placement (layer): gadget, rows, lookups per row, share of the band's rows."""
    build = Path(build)
    plan = _plan(build)
    lookups_of: dict[str, int] = {}
    for lookup in plan.cs.lookups:
        key = lookup.name.rsplit("_", 1)[0]
        lookups_of[key] = lookups_of.get(key, 0) + 1
    rows_total = max(plan.rows_used(), 1)
    out = []
    for placed in plan.places.values():
        key = placed.gadget.key
        out.append(
            {
                "placement": placed.name,
                "gadget": placed.kind,
                "rows": placed.structure.rows,
                "columns": [c.kind for c in placed.columns][0],
                "lookups": sum(n for k, n in lookups_of.items() if k.startswith(key)) * placed.structure.rows
                if placed.kind not in tuple(IORole)
                else 0,
                "share": round(placed.structure.rows / rows_total, 4) if placed.columns[0].kind == "advice" else 0.0,
            }
        )
    return out
