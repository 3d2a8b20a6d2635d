"""The user's workflow over a build directory: compile, setup, prove, verify.

`zkir compile|setup|prove|verify|mock|report` are thin wrappers over these
functions, so a Python user gets the same steps, files and errors. A build
directory holds each level's IR (1_ml.mlir .. 4_plonk.mlir), settings.json,
and after setup the SRS and keys; a proof file carries the public values it
proves next to the proof bytes.
"""

from __future__ import annotations

import json
import math
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zkir.errors import ZkirError
from zkir.files import FileFormatError, parse_json, read_json, staged_writes, write_atomic
from zkir.gadgets.io import IO_KINDS, IORole

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.dialects.func import FuncOp
    from xdsl.ir import Attribute
    from xdsl.passes import ModulePass

    from zkir.backend_halo2.circuit_plan import CircuitPlan, Placed
    from zkir.backend_halo2.witness import Witness
    from zkir.calibration import Accuracy
    from zkir.dialects import plonk
    from zkir.prover import SRS
    from zkir.prover.keygen import ProvingKey, VerifyingKey
    from zkir.statement import PublicTensor, Statement

SETTINGS = "settings.json"
KEY_FILES = ("pk.bin", "vk.bin")
CALIBRATION_FILE = "calibration.json"
"""The accuracy on the calibration samples and the lookup ranges they gave."""
LEVELS = ("1_ml.mlir", "2_ml_fixed.mlir", "3_gadget.mlir", "4_plonk.mlir")
PROOF_MAGIC = b"ZKIRPRF1"
SHARDS_DIR = "shards"
"""A sharded build's shards, each a build of its own: BUILD/shards/<i>/ (zkir.sharding)."""
LINK_TENSOR = "link "
"""A link's name as a shard's settings and statement name it: 'link c<cut>_<j>'."""

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
    """Predicted prover memory allowed per circuit, in MB: the layout search keeps
    under it and a model that no layout fits is cut into shards that do
    (0: default_memory_budget_mb(), a quarter of this machine's RAM)."""
    shards: int = 0
    """Circuits to cut the model into (gadget-shard): 0 as few as the memory budget
    needs (one when the whole model fits), 1 never cut, N exactly N."""
    randomize: bool = True
    """Let the layout search prove matrix products by a random linear combination
    (gadget.randomized_dot, a second prover phase) where that is cheaper."""
    table_bits: int = 16
    """Input bits of nonlinearity lookup tables (ReLU after a rescale needs none)."""
    range_bits: int | None = None
    """Limb bits of range checks (default scale_bits, or the largest rescale's
    shift); bounds values to 2*range_bits bits. Layer norm's variances (scale 2s)
    want 12 at scale 8. When given, ml-quantize reads an average pool's window
    sums at a finer scale only where the rescale after them fits these bits."""
    weights: str = "private"
    """private (advice), fixed (in the verifying key) or public (instance)."""
    private_input: bool = False
    input_shapes: Any = None
    calibration: str | None = None
    """A samples file (zkir.calibration.load_samples): lookup tables are sized to
    the inputs the samples give, and BUILD/calibration.json holds the accuracy.
    Unless `range_bits` is given, the samples also choose the range-check limb
    bits (zkir.calibration.range_bits_needed)."""
    scale_candidates: tuple[int, ...] = ()
    """With `calibration`: compile at each of these scales and keep the one
    zkir.calibration.choose_scale picks (`scale_bits` is then ignored); `zkir
    compile --calibration` without --scale-bits passes SCALE_CANDIDATES."""


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
    shards: list[dict[str, Any]] = field(default_factory=list)
    """A sharded build's circuits, in order (empty: one circuit): each one's k,
    rows, advice columns and the links it reads and writes; each is a build of
    its own in BUILD/shards/<i>/ (zkir.sharding)."""

    def save(self, build: Path) -> None:
        write_atomic(build / SETTINGS, json.dumps(asdict(self), indent=2) + "\n")

    @staticmethod
    def load(build: Path) -> Settings:
        path = Path(build) / SETTINGS
        if not path.exists():
            raise WorkflowError(f"{build}: not a zkir build directory (no {SETTINGS}; run zkir compile)")
        try:
            data = read_json(path)
        except FileFormatError as e:
            raise WorkflowError(str(e)) from None
        try:
            return Settings.from_json(data)
        except ValueError as e:
            raise WorkflowError(f"{path}: {e}") from None

    @staticmethod
    def from_json(data: Any) -> Settings:
        """settings.json's value -> Settings; a ValueError naming the first field
        that is missing, unknown or of the wrong type."""
        problem = _settings_problem(data)
        if problem:
            raise ValueError(f"not a zkir settings file ({problem}): run zkir compile")
        data = dict(data)
        data["inputs"] = [TensorInfo(**t) for t in data["inputs"]]
        data["outputs"] = [TensorInfo(**t) for t in data["outputs"]]
        return Settings(**data)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


_SETTINGS_FIELDS: dict[str, Callable[[Any], bool]] = {
    "model": lambda v: isinstance(v, str),
    "options": lambda v: isinstance(v, dict),
    "inputs": lambda v: isinstance(v, list),
    "outputs": lambda v: isinstance(v, list),
    "k": lambda v: _is_int(v) and 1 <= v <= 28,  # zkir.dialects.plonk.MAX_K
    "rows": lambda v: _is_int(v) and v >= 0,
    "advice_columns": lambda v: _is_int(v) and v >= 0,
    "fixed_columns": lambda v: _is_int(v) and v >= 0,
    "lookups": lambda v: _is_int(v) and v >= 0,
    "compile_seconds": lambda v: (_is_int(v) or isinstance(v, float)) and v >= 0,
    "range_bits": lambda v: _is_int(v) and v >= 0,
    "shards": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}
_OPTIONAL_SETTINGS = {"range_bits", "shards"}
_OPTION_TYPES: dict[str, Callable[[Any], bool]] = {
    "scale_bits": _is_int,
    "columns": _is_int,
    "layout_search": lambda v: isinstance(v, bool),
    "items_per_row": _is_int,
    "share_lookups": lambda v: isinstance(v, bool),
    "memory_budget_mb": _is_int,
    "shards": lambda v: _is_int(v) and v >= 0,
    "randomize": lambda v: isinstance(v, bool),
    "table_bits": _is_int,
    "range_bits": lambda v: v is None or _is_int(v),
    "weights": lambda v: v in ("private", "fixed", "public"),
    "private_input": lambda v: isinstance(v, bool),
    "calibration": lambda v: v is None or isinstance(v, str),
    "scale_candidates": lambda v: isinstance(v, (list, tuple)) and all(_is_int(x) for x in v),
}
"""The types of CompileOptions' fields as settings.json holds them."""


def _tensor_info_problem(t: Any, where: str) -> str:
    if not isinstance(t, dict):
        return f"{where} is not an object"
    missing = {"name", "shape", "scale"} - set(t)
    extra = set(t) - {"name", "shape", "scale", "rows"}
    if missing or extra:
        return f"{where}: {'missing' if missing else 'unknown'} field '{sorted(missing or extra)[0]}'"
    if not isinstance(t["name"], str):
        return f"{where}: 'name' is not a string"
    if not isinstance(t["shape"], list) or not all(_is_int(d) and d >= 1 for d in t["shape"]):
        return f"{where}: 'shape' is not a list of positive integers"
    if not _is_int(t["scale"]) or not 0 <= t["scale"] <= 64:
        return f"{where}: 'scale' is not an integer from 0 to 64"
    rows = t.get("rows", [])
    if not (isinstance(rows, list) and len(rows) in (0, 2) and all(_is_int(r) and r >= 0 for r in rows)):
        return f"{where}: 'rows' is not [first, end] or []"
    return ""


def _settings_problem(data: Any) -> str:
    """What is wrong with the value of a settings.json ("" when nothing is)."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    for key, ok in _SETTINGS_FIELDS.items():
        if key not in data:
            if key not in _OPTIONAL_SETTINGS:
                return f"no '{key}'"
        elif not ok(data[key]):
            return f"'{key}' has the wrong type or value"
    extra = sorted(set(data) - set(_SETTINGS_FIELDS))
    if extra:
        return f"unknown field '{extra[0]}'"
    known = {f.name for f in fields(CompileOptions)}
    for key, value in data["options"].items():
        if key not in known:
            return f"unknown option '{key}'"
        if not _OPTION_TYPES.get(key, lambda _: True)(value):
            return f"option '{key}' has the wrong type"
    for role in ("inputs", "outputs"):
        for i, t in enumerate(data[role]):
            problem = _tensor_info_problem(t, f"{role}[{i}]")
            if problem:
                return problem
    return ""


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
    model takes square roots of variances, which sit at twice the scale; and no
    fewer than the largest rescale's shift, whose remainder is one limb (a product
    of an average pool's window sums, 2^k finer, rescales by 2^(s+k)).
    (A first rule; the layout search issue is where this becomes a choice.)"""
    from zkir.dialects import gadget

    ops = list(gadget_module.walk())
    bits = scale_bits + 4 if any(isinstance(op, gadget.SqrtOp) for op in ops) else scale_bits
    shifts = [op.get_divisor().bit_length() - 1 for op in ops if isinstance(op, gadget.RescaleOp)]
    return max([bits, *shifts])


LAYOUT_TABLE = "layout_candidates.txt"


SHARD_COLUMNS = (16, 32, 64)
"""The band widths the layout search tries per shard (one circuit: all of
layout_search.COLUMNS): a sharded model is large, and every width is a lowering
of every shard."""


def default_memory_budget_mb() -> int:
    """A quarter of this machine's RAM (6 GiB of 24): what one circuit's prover
    may take when --memory-budget is not given (4 GiB if the OS does not say).
    A quarter, not all: the cost model's prediction is an estimate, and keys,
    witness and the other steps' processes take their share."""
    return _physical_memory() // 4 // 2**20 or 4096


def _layout_passes(options: CompileOptions, range_bits: int, build: Path, shards: int = 1) -> tuple[ModulePass, ...]:
    """The passes from gadgets to verified plonk circuits (`shards` of them), as `options` ask."""
    from zkir.lowering.gadget_to_plonk import ConvertGadgetToPlonkPass
    from zkir.passes.layout_search import GadgetLayoutSearchPass
    from zkir.passes.plonk_verify_layout import PlonkVerifyLayoutPass
    from zkir.passes.shard import GadgetShardPass

    inputs = "private" if options.private_input else "public"
    if options.layout_search:
        widths = (options.columns,) if options.columns else SHARD_COLUMNS if shards > 1 else ()
        search = GadgetLayoutSearchPass(
            columns=widths,
            range_bits=(range_bits,),
            memory_budget=options.memory_budget_mb or default_memory_budget_mb(),
            table=str(build / LAYOUT_TABLE),
            inputs=inputs,
            randomize=options.randomize,
        )
        cut: tuple[ModulePass, ...] = ()
        if shards > 1:
            cut = (GadgetShardPass(shards=shards, range_bits=range_bits, inputs=inputs),)
        return *cut, search, ConvertGadgetToPlonkPass(inputs=inputs), PlonkVerifyLayoutPass()
    if shards > 1:
        raise WorkflowError("sharding needs the layout search (drop --no-layout-search)")
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
        ((MLQuantizePass(scale_bits=options.scale_bits, rescale_bits=options.range_bits or 0),), LEVELS[1]),
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
    float_module: ModuleOp,
    fixed_module: ModuleOp,
    samples: list[dict[str, np.ndarray]],
    in_specs: list[Any],
    in_scales: list[int],
    options: CompileOptions,
    progress: Progress,
) -> tuple[Accuracy, list[list[np.ndarray]]]:
    """Record each lookup's input range on the samples (run through the gadget
    program the circuit computes); the accuracy on them, and the samples quantized."""
    from zkir.calibration import CalibrationError, accuracy, record_lookup_ranges

    infos = [TensorInfo(s.name, list(s.shape), sc) for s, sc in zip(in_specs, in_scales)]
    progress(f"calibrating on {len(samples)} samples")
    try:
        quantized = [quantize_inputs(infos, sample) for sample in samples]
    except WorkflowError as e:
        raise CalibrationError(f"calibration samples: {e}") from None
    ranges = record_lookup_ranges(module, quantized)
    report = accuracy(float_module, fixed_module, samples, options.scale_bits)
    report.table_ranges = {name: [lo, hi] for name, (lo, hi) in ranges.items()}
    return report, quantized


def _choose_scale(model: str | Path, options: CompileOptions, progress: Progress) -> dict[str, Any]:
    """Compile `model` at every scale of `options.scale_candidates` (in scratch
    directories, the real compile_circuit) and pick one by
    zkir.calibration.choose_scale; the choice for calibration.json.

    The candidates are laid out without the layout search (with --columns, or 12),
    which costs seconds where the search costs a minute or more a candidate; the
    chosen scale is then compiled with the search. Every candidate is predicted on
    the same kind of layout, so their order is the search's up to its gains."""
    import tempfile
    from dataclasses import replace

    from zkir.calibration import Accuracy, ScaleCandidate, choose_scale

    tried: list[ScaleCandidate] = []
    failed: dict[str, str] = {}
    columns = options.columns or 12
    with tempfile.TemporaryDirectory(prefix="zkir-scale-") as scratch:
        for s in dict.fromkeys(options.scale_candidates):
            progress(f"trying --scale-bits {s} on the samples")
            where = Path(scratch) / str(s)
            try:
                fixed_layout = replace(
                    options, scale_bits=s, scale_candidates=(), layout_search=False, columns=columns
                )
                _, plan = compile_circuit(model, where, fixed_layout, _quiet)
            except (ZkirError, OverflowError, ValueError) as e:
                failed[str(s)] = str(e).splitlines()[0] if str(e) else type(e).__name__
                continue
            report = Accuracy.from_json(read_json(where / CALIBRATION_FILE))
            tried.append(ScaleCandidate.of(s, plan.k, plan.rows_used(), Prediction.of(plan).prove_seconds, report))
    if not tried:
        first = next(iter(failed.items()), ("?", "no candidates"))
        raise WorkflowError(f"no candidate scale compiles (--scale-bits {first[0]}: {first[1]})")
    best, why = choose_scale(tried, layout=f" predicted on {columns} columns" if options.layout_search else "")
    return {
        "scale_bits": best.scale_bits,
        "scale_why": why,
        "scale_candidates": [asdict(c) for c in sorted(tried, key=lambda c: c.scale_bits)],
        "scale_failed": failed,
    }


def import_model(model: str | Path, input_shapes: Any = None, notice: Progress | None = None) -> ModuleOp:
    """zkir.frontends.load_model (a dynamic batch alone set to 1, said through
    `notice`), refusing input shapes given for names the model does not have
    (one line naming them and the model's inputs; the importers check that
    first, this covers .mlir files)."""
    from zkir.frontends import load_model
    from zkir.interpreter.program import input_specs, main_function

    named = dict(input_shapes) if isinstance(input_shapes, Mapping) else {}
    module = load_model(model, input_shapes, notice)
    _check_shape_names(named, [s.name for s in input_specs(main_function(module))])
    return module


def _check_shape_names(named: Mapping[str, Any], names: list[str]) -> None:
    unknown = [n for n in named if n not in names]
    if names and unknown:
        raise WorkflowError(
            f"--input-shape {unknown[0]}=...: the model has no input named '{unknown[0]}' (its inputs: {', '.join(names)})"
        )


def _physical_memory() -> int:
    """Bytes of RAM of this machine (0 if the OS does not say)."""
    import os

    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return 0


def machine_memory() -> tuple[int, str]:
    """(bytes, where the figure comes from) of the memory a prover here can use:
    MemAvailable of /proc/meminfo (free memory plus what the kernel can reclaim,
    so other programs' use counts), else the physical memory (os.sysconf); 0 if
    the OS says neither."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "MemAvailable in /proc/meminfo"
    except (OSError, ValueError, IndexError):
        pass
    return _physical_memory(), "physical memory"


def predicted_peak_memory(plan: CircuitPlan) -> float:
    """Bytes the cost model (zkir/cost, fitted by `zkir tune`) predicts proving
    this circuit needs at its peak; 0 if there is no cost model."""
    from zkir.cost.model import CircuitFeatures, CostModel

    try:
        model = CostModel.load()
    except (OSError, ValueError, KeyError):
        return 0.0
    return model.memory_bytes(CircuitFeatures.of(plan.cs, plan.k))


MEMORY_ADVICE = ("compile with a --memory-budget this machine has (the model is then cut into shards that fit) "
                 "or more --shards, or a smaller --table-bits or --scale-bits")


def memory_shortfall(plan: CircuitPlan) -> str:
    """'' when the predicted peak fits this machine's memory, else why not (one line)."""
    need = predicted_peak_memory(plan)
    have, source = machine_memory()
    if not have or need <= have:
        return ""
    return (f"proving this circuit (k={plan.k}) is predicted to need {need / 2**30:.1f} GiB, more than "
            f"the {have / 2**30:.1f} GiB this machine has ({source})")


def refuse_sharded(settings: Settings, build: Path, command: str) -> None:
    """A sharded build's steps are zkir.sharding's (`zkir setup|prove|verify` call them)."""
    if settings.shards:
        raise WorkflowError(f"{build} holds {len(settings.shards)} shards: use zkir.sharding.{command} "
                            f"(as zkir {command} does)")


def refuse_without_memory(plan: CircuitPlan, force: bool, command: str) -> None:
    """The memory guard of setup and prove: refuse to start (WorkflowError) a
    circuit predicted not to fit, unless forced."""
    short = "" if force else memory_shortfall(plan)
    if short:
        raise WorkflowError(f"{short}: {MEMORY_ADVICE}, or pass --force to {command} anyway")


def minimum_prover_memory(k: int) -> float:
    """Bytes the prover needs at 2^k rows for the smallest circuit there is
    (one column of each kind): the cost model's memory terms (the SRS points,
    the row vectors) at their least."""
    from zkir.cost.model import CircuitFeatures, CostModel

    least = CircuitFeatures(
        k=k, ext_log=1, advice=1, fixed=1, instance=1, equality=1, lookups=0, chunks=1, pieces=1,
        opening_points=1, openings=1, gate_ops=0, lookup_ops=0,
    )
    try:
        model = CostModel.load()
    except (OSError, ValueError, KeyError):
        return 0.0
    return model.memory_bytes(least)


def refuse_what_cannot_fit(inputs: list[Any], outputs: list[Any], options: CompileOptions) -> None:
    """Refuse, before any pass allocates them, tensors no circuit zkir can prove holds.

    A lower bound on the rows: the public values (the outputs, and the inputs
    unless --private-input) sit in the one instance column, one a row, and
    every input and output value needs a cell of the widest band the layout may
    use. Refused when that many rows exceed 2^MAX_K, or when proving even the
    smallest circuit of that size needs more memory than --memory-budget (by
    default this machine's RAM)."""
    from zkir.dialects.plonk import MAX_K
    from zkir.passes.layout_search import COLUMNS

    def size(spec: Any) -> int:
        return math.prod(int(d) for d in spec.shape)

    public = ([] if options.private_input else list(inputs)) + list(outputs)
    public_rows = sum(size(s) for s in public)
    widest = options.columns or (max(COLUMNS) if options.layout_search else 12)
    largest = max(inputs + outputs, key=size, default=None)
    cell_rows = -(-size(largest) // widest) if largest is not None else 0
    rows = max(public_rows, cell_rows)
    if rows == public_rows and public:
        why = (f"{public_rows} public values ({', '.join(f'{s.name} {list(s.shape)}' for s in public)}) "
               "fill as many rows of the instance column")
    elif largest is not None:
        why = f"the {size(largest)} values of '{largest.name}' {list(largest.shape)} need {cell_rows} rows of {widest} columns"
    else:
        return
    k = max(rows, 1).bit_length()  # 2^k > rows: a circuit also has blinding rows
    if k > MAX_K:
        raise WorkflowError(f"too large to prove: {why}, more than a circuit of 2^{MAX_K} rows holds")
    budget = options.memory_budget_mb * 2**20 or _physical_memory()
    need = minimum_prover_memory(k)
    if budget and need > budget:
        source = "--memory-budget" if options.memory_budget_mb else "this machine's memory; --memory-budget MB for a larger prover"
        raise WorkflowError(
            f"too large to prove: {why}, so the circuit has 2^{k} rows or more, and proving it needs at least "
            f"{need / 2**30:.1f} GiB (limit {budget / 2**30:.1f} GiB, {source})"
        )


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
    from zkir.ir_io import print_module
    from zkir.pass_pipeline import Pipeline

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
    module = import_model(model, options.input_shapes, progress)
    fn = main_function(module)
    in_specs, out_specs = input_specs(fn), output_specs(fn)
    refuse_what_cannot_fit(in_specs, out_specs, options)

    def run(passes: tuple[ModulePass, ...], level: str, write: bool = True) -> None:
        progress(f"{passes[0].name} -> {level}")
        Pipeline(passes).run(module)
        if write:
            write_atomic(build / level, print_module(module))

    samples = None
    choice: dict[str, Any] = {}
    if options.calibration:
        from dataclasses import replace

        from zkir.calibration import load_samples

        samples = load_samples(options.calibration, [s.name for s in in_specs])
        if options.scale_candidates:
            choice = _choose_scale(model, options, progress)
            options = replace(options, scale_bits=choice["scale_bits"], scale_candidates=())
    elif (build / CALIBRATION_FILE).exists():
        (build / CALIBRATION_FILE).unlink()  # an earlier compile's samples say nothing of this one
    # the last step sizes the tables, so calibration runs just before it
    *to_gadgets, (bound_lookups, gadget_level) = _front_passes(options)
    references: list[ModuleOp] = []  # float, then fixed point: calibration's accuracy compares them
    for passes, level in to_gadgets:
        if level == gadget_level:
            in_scales, out_scales = _scales(main_function(module))
        run(passes, level, write=level != gadget_level)
        if samples is not None and level != gadget_level:
            references.append(module.clone())
    calibrated = None
    if samples is not None:
        float_module, fixed_module = references
        calibrated = _calibrate(module, float_module, fixed_module, samples, in_specs, in_scales, options, progress)
    run(bound_lookups, gadget_level)
    range_bits = options.range_bits or default_range_bits(module, options.scale_bits)
    if calibrated is not None:
        from zkir.calibration import range_bits_needed
        from zkir.passes.bound_lookups import GadgetBoundLookupsPass

        report, quantized = calibrated
        if not options.range_bits:
            default = range_bits
            bound = bound_lookups[0]
            assert isinstance(bound, GadgetBoundLookupsPass)  # as _front_passes lists it
            range_bits, why = range_bits_needed(module, quantized, bound.margin)
            choice |= {"range_bits": range_bits, "range_why": f"{why} (without samples: {default})"}
        report.choice = choice
        write_atomic(build / CALIBRATION_FILE, json.dumps(report.to_json(), indent=1))
        if choice:
            progress(report.choice_line())
    from zkir.passes.layout_search import LayoutSearchError

    auto = not options.shards and options.layout_search
    floor = _memory_floor(module, options, range_bits) if auto else 0.0
    budget = options.memory_budget_mb or default_memory_budget_mb()
    if floor > budget:
        progress(f"one circuit would need more than {floor:.0f} MB, the budget is {budget} MB")
        shards = _fewest_shards(module, options, range_bits, progress, start=max(2, math.ceil(floor / budget)))
        run(_layout_passes(options, range_bits, build, shards), LEVELS[3])
    else:
        uncut = module.clone() if auto else None
        try:
            run(_layout_passes(options, range_bits, build, options.shards or 1), LEVELS[3])
        except LayoutSearchError as e:
            if uncut is None or "no layout fits in" not in str(e):
                raise
            module = uncut
            shards = _fewest_shards(module, options, range_bits, progress)
            run(_layout_passes(options, range_bits, build, shards), LEVELS[3])
    from zkir.backend_halo2.circuit_plan import CircuitPlan, find_circuits

    circuits = find_circuits(module)
    if len(circuits) > 1:
        return _write_shards(build, circuits, model, options, in_specs, out_specs, in_scales, out_scales,
                            range_bits, time.perf_counter() - start, progress)
    if (build / SHARDS_DIR).exists():
        import shutil

        shutil.rmtree(build / SHARDS_DIR)  # an earlier compile's shards and their keys
    plan = CircuitPlan(circuits[0])
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
    short = memory_shortfall(plan)
    if short:
        progress(f"warning: {short}; setup and prove will refuse it without --force: {MEMORY_ADVICE}")
    return settings, plan


def shard_dir(build: Path, index: int) -> Path:
    return Path(build) / SHARDS_DIR / str(index)


def _memory_floor(module: ModuleOp, options: CompileOptions, range_bits: int) -> float:
    """MB less than any one-circuit layout could need (zkir.passes.shard.memory_floor_mb):
    above the budget, compile cuts without searching layouts of the whole."""
    from zkir.cost.model import CostModel
    from zkir.interpreter.program import main_function
    from zkir.passes.shard import memory_floor_mb

    return memory_floor_mb(main_function(module), CostModel.load(), range_bits)


def _fewest_shards(module: ModuleOp, options: CompileOptions, range_bits: int, progress: Progress,
                   start: int = 2) -> int:
    """When no one circuit fits the memory budget: the fewest shards whose every
    shard has a layout that does (zkir.passes.shard.fewest_shards)."""
    from zkir.cost.model import CostModel
    from zkir.interpreter.program import main_function
    from zkir.passes.shard import BUDGET_COLUMNS, ShardError, fewest_shards

    budget = options.memory_budget_mb or default_memory_budget_mb()
    progress(f"no one circuit fits the memory budget ({budget} MB): cutting the model into shards")
    notes: list[str] = []
    try:
        count = fewest_shards(main_function(module), budget, CostModel.load(), range_bits, options.private_input,
                              start=start, progress=notes, columns=(options.columns,) if options.columns else BUDGET_COLUMNS)
    except ShardError as e:
        raise WorkflowError(str(e)) from None
    for note in notes:
        progress(note)
    progress(f"{count} shards")
    return count


def _link_of(placed: Placed) -> str | None:
    from xdsl.dialects.builtin import StringAttr

    attr = placed.op.param("link")
    return attr.data if isinstance(attr, StringAttr) else None


def _write_shards(
    build: Path,
    circuits: list[plonk.CircuitOp],
    model: str | Path,
    options: CompileOptions,
    in_specs: list[Any],
    out_specs: list[Any],
    in_scales: list[int],
    out_scales: list[int],
    range_bits: int,
    seconds: float,
    progress: Progress,
) -> tuple[Settings, CircuitPlan]:
    """Each circuit of a sharded compile as the build BUILD/shards/<i>/, and the
    top-level settings.json listing them; returns it and shard 0's plan."""
    import shutil

    from xdsl.dialects.builtin import ModuleOp

    from zkir.backend_halo2.circuit_plan import CircuitPlan
    from zkir.ir_io import print_module

    if (build / SHARDS_DIR).exists():
        shutil.rmtree(build / SHARDS_DIR)  # an earlier compile's shards and keys
    model_inputs = [TensorInfo(s.name, list(s.shape), sc) for s, sc in zip(in_specs, in_scales)]
    model_outputs = [TensorInfo(s.name, list(s.shape), sc) for s, sc in zip(out_specs, out_scales)]
    option_values = {k: v for k, v in asdict(options).items() if k != "input_shapes"}
    summary: list[dict[str, Any]] = []
    first: CircuitPlan | None = None
    for i, circuit in enumerate(circuits):
        sub = shard_dir(build, i)
        sub.mkdir(parents=True, exist_ok=True)
        write_atomic(sub / LEVELS[3], print_module(ModuleOp([circuit.clone()])))
        plan = CircuitPlan(circuit)
        first = first or plan
        ins, outs = [p for p in plan.io_places() if p.kind == IORole.INPUT], [p for p in plan.io_places() if p.kind == IORole.OUTPUT]
        given_in, given_out = iter(model_inputs), iter(model_outputs)

        def info(placed: Placed, role: IORole, model_infos: Any) -> TensorInfo:
            link = _link_of(placed)
            if link is None:
                t = next(model_infos)
                t = TensorInfo(t.name, list(t.shape), t.scale)
            else:
                t = TensorInfo(LINK_TENSOR + link, list(placed.op.port_shapes()[role.port]), 0)
            if placed.columns[0].kind == "instance":
                t.rows = [placed.row, placed.row + placed.structure.rows]
            return t

        inputs = [info(p, IORole.INPUT, given_in) for p in ins]
        outputs = [info(p, IORole.OUTPUT, given_out) for p in outs]
        Settings(
            model=str(model), options=option_values, inputs=inputs, outputs=outputs, k=plan.k,
            rows=plan.rows_used(), advice_columns=plan.cs.num_advice, fixed_columns=plan.cs.num_fixed,
            lookups=len(plan.cs.lookups), compile_seconds=round(seconds, 3), range_bits=range_bits,
        ).save(sub)
        summary.append({
            "k": plan.k, "rows": plan.rows_used(), "advice_columns": plan.cs.num_advice,
            "lookups": len(plan.cs.lookups),
            "links_in": [t.name[len(LINK_TENSOR):] for t in inputs if t.name.startswith(LINK_TENSOR)],
            "links_out": [t.name[len(LINK_TENSOR):] for t in outputs if t.name.startswith(LINK_TENSOR)],
            "predicted_mb": round(predicted_peak_memory(plan) / 2**20),
        })
        if i == 0:
            model_inputs = inputs
        if i == len(circuits) - 1:
            model_outputs = outputs
        progress(f"shard {i}: k={plan.k}, {plan.rows_used()} rows, {plan.cs.num_advice} advice columns, "
                 f"links in {len(summary[-1]['links_in'])}, out {len(summary[-1]['links_out'])}")
    assert first is not None
    settings = Settings(
        model=str(model), options=option_values, inputs=model_inputs, outputs=model_outputs,
        k=max(s["k"] for s in summary), rows=sum(s["rows"] for s in summary),
        advice_columns=max(s["advice_columns"] for s in summary), fixed_columns=first.cs.num_fixed,
        lookups=sum(s["lookups"] for s in summary),
        compile_seconds=round(seconds, 3), range_bits=range_bits, shards=summary,
    )
    settings.save(build)
    progress(f"{len(circuits)} shards at k={settings.k}, {settings.rows} rows in all")
    return settings, first


def run_model(
    model: str | Path,
    inputs: Any,
    scale_bits: int | None = None,
    input_shapes: Any = None,
    notice: Progress | None = None,
) -> dict[str, Any]:
    """The model's outputs on `inputs`: float, or with `scale_bits` the fixed-point
    values the circuit proves (the same ml-canonicalize and ml-quantize passes as
    compile_model). A model already in fixed point (.mlir) runs as it is."""
    from zkir.dialects.ml import FixedType
    from zkir.interpreter.program import main_function, output_specs
    from zkir.pass_pipeline import Pipeline

    module = import_model(model, input_shapes, notice)
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
    force: bool = False,
) -> dict[str, float]:
    """Keys for the compiled circuit; returns the seconds of its steps ("srs",
    "keygen") and the sizes "pk_bytes" (pk.bin) and "weight_bytes" (the
    model's constants as float32).

    The SRS is, in order of trust: a ceremony or imported file (`srs_file`);
    else a fresh one from the OS CSPRNG whose tau is discarded (only whoever ran
    this setup could forge); or, for tests only, the seeded SRS whose tau is
    public (`insecure_test_srs`): its keys are marked and verifiers refuse them.
    `plan`: the plan of this build's circuit when the caller has it already
    (compile_circuit's); else it is built from 4_plonk.mlir. Refuses a circuit
    predicted not to fit this machine's memory unless `force`."""
    from zkir.prover import keygen, pk_to_bytes, vk_to_bytes

    build = Path(build)
    settings = Settings.load(build)
    refuse_sharded(settings, build, "setup")
    if insecure_test_srs and srs_file is not None:
        raise WorkflowError("give either an SRS file or the insecure test SRS, not both")
    times: dict[str, float] = {}
    t = time.perf_counter()
    progress("building the circuit")
    if plan is None:
        plan = _plan(build)
    refuse_without_memory(plan, force, "set up")
    times["plan"] = time.perf_counter() - t
    t = time.perf_counter()
    srs = obtain_srs(settings.k, srs_file, insecure_test_srs, progress)
    write_srs = srs_file is None or Path(srs_file).resolve() != (build / "srs.bin").resolve()
    times["srs"] = time.perf_counter() - t
    t = time.perf_counter()
    plan.check_wiring()  # keygen refuses a gadget input cell not tied to its source
    statement = _statement(build, settings, plan)
    pk, vk = keygen(
        srs, plan.cs, plan.fixed_columns(), plan.copy_constraints(), k=settings.k, pinned=plan.pinned_advice(),
        statement=statement.to_bytes(), on_phase=lambda phase, detail: progress(f"keygen: {phase}: {detail}"),
    )
    progress("writing the keys")
    pk_bytes = pk_to_bytes(pk)
    # the SRS and the keys belong together: a fault while writing any of them
    # leaves all three old files (prove checks that a build's files match)
    with staged_writes() as files:
        if write_srs:
            files.write(build / "srs.bin", srs.to_bytes())
        files.write(build / "pk.bin", pk_bytes)
        files.write(build / "vk.bin", vk_to_bytes(vk))
    times["keygen"] = time.perf_counter() - t
    times["pk_bytes"] = len(pk_bytes)
    times["weight_bytes"] = 4 * weight_count(plan)
    return times


def obtain_srs(k: int, srs_file: str | Path | None, insecure_test_srs: bool, progress: Progress) -> SRS:
    """The SRS setup makes keys from: `srs_file`, else a fresh one, else (tests) the insecure one."""
    from zkir.prover import SRS

    if insecure_test_srs:
        progress(f"using the INSECURE test SRS for 2^{k} rows: its tau is public, anyone can forge "
                 "proofs, and verifiers refuse these keys unless told --allow-insecure-srs")
        return SRS.insecure_from_seed(k)
    if srs_file is None:
        progress(f"sampling a fresh SRS for 2^{k} rows from the OS CSPRNG; its secret is discarded, "
                 "but whoever runs this setup could forge proofs: for keys others can trust, use a "
                 "ceremony SRS (zkir srs new/contribute, or zkir srs import-ethereum) with --srs")
        return SRS.generate(k)
    progress(f"loading SRS {srs_file}")
    return _load_srs(Path(srs_file), k)


def weight_count(plan: CircuitPlan) -> int:
    """How many constants (weights, biases, other model constants) the circuit holds."""
    from zkir.gadgets.io import IORole

    return sum(p.constant_values().size for p in plan.places.values() if p.kind == IORole.CONSTANT)


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
        if not np.isfinite(value).all():
            index = [int(i) for i in np.argwhere(~np.isfinite(value))[0]]
            raise WorkflowError(
                f"input '{info.name}' holds {value[tuple(index)]} at index {index}: inputs must be finite numbers"
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


@dataclass
class LoadedKey:
    """A build's proving key, loaded (and checked against the statement) by
    the first `prove` given this holder and reused by the next ones: how
    `prove_batch` reads pk.bin once for many proofs."""

    pk: ProvingKey | None = None


def prove(
    build: str | Path,
    inputs: Mapping[str, Any] | Any,
    proof_path: str | Path,
    progress: Progress = _quiet,
    plan: CircuitPlan | None = None,
    key: LoadedKey | None = None,
    force: bool = False,
    *,
    raw_inputs: bool = False,
    shared_tails: Mapping[str, np.ndarray] | None = None,
) -> ProveResult:
    """A proof of the model's output on `inputs`, written to `proof_path`.

    `plan`: the plan of this build's circuit when the caller has it already;
    else it is built from 4_plonk.mlir. `key`: where a key loaded by an
    earlier call is kept (and this call's is left). `raw_inputs`: `inputs` are
    already the fixed-point integers, one array per input in order (a shard's
    links). `shared_tails`: advice column name -> the tail its commitment
    shares with another proof's (zkir.prover.links; zkir.sharding draws them)."""
    from zkir.backend_halo2.witness import compute_witness
    from zkir.prover import Column
    from zkir.prover import prove as prove_circuit

    build = Path(build)
    settings = Settings.load(build)
    refuse_sharded(settings, build, "prove")
    if not (build / "pk.bin").exists():
        raise WorkflowError(f"{build}: no proving key (run zkir setup)")
    quantized = [np.asarray(x, dtype=np.int64) for x in inputs] if raw_inputs else quantize_inputs(settings, inputs)
    timings: dict[str, float] = {}
    if plan is None:
        plan = _plan(build)
    if key is None or key.pk is None:  # a loaded key is memory this process already holds
        refuse_without_memory(plan, force, "prove")
    # the witness first: an input the circuit cannot prove (a value outside a
    # table) fails in a second, before the key is read
    t = time.perf_counter()
    progress("computing the witness")
    witness = compute_witness(plan, quantized)
    timings["witness"] = time.perf_counter() - t
    t = time.perf_counter()
    if key is not None and key.pk is not None:
        pk = key.pk  # checked against the statement when it was loaded
    else:
        progress(f"load key: pk.bin, {(build / 'pk.bin').stat().st_size / 2**20:.1f} MiB")
        pk = _load_proving_key(build)
        if _statement(build, settings, plan).to_bytes() != pk.vk.statement or settings.k != pk.vk.k:
            raise WorkflowError(f"{build}: settings.json or the compiled circuit changed since zkir setup (run zkir setup)")
        if key is not None:
            key.pk = pk
    timings["load"] = time.perf_counter() - t
    progress(f"proving (k={settings.k})")
    phases: dict[str, float] = {}
    t = time.perf_counter()
    late = witness.late_advice if witness.late_columns else None
    tails = None
    if shared_tails:
        index = {pk.vk.cs.name_of(Column("advice", i)): i for i in range(pk.vk.cs.num_advice)}
        missing = sorted(set(shared_tails) - set(index))
        if missing:
            raise WorkflowError(f"{build}: the circuit has no advice column {missing[0]} to link")
        tails = {index[name]: tail for name, tail in shared_tails.items()}
    proof = prove_circuit(pk, witness.advice, witness.instance, late_advice=late, timings=phases,
                          on_phase=lambda phase, detail: progress(f"{phase}: {detail}"), shared_tails=tails)
    timings["prove"] = time.perf_counter() - t
    timings.update({f"prove_{k}": v for k, v in phases.items() if k != "total"})
    data = proof_file_bytes(pk.vk.digest, witness.instance, proof)
    write_atomic(proof_path, data)
    return ProveResult(Path(proof_path), _tensors(settings.outputs, witness.outputs), timings, len(data))


def prove_batch(
    build: str | Path,
    inputs: Sequence[Mapping[str, Any] | Any],
    proof_paths: Sequence[str | Path],
    progress: Progress = _quiet,
    force: bool = False,
) -> list[ProveResult]:
    """One proof per input (inputs[i] -> proof_paths[i]), with the circuit plan
    built and the proving key loaded once for all of them.

    Every input is checked (names, shapes, finite values) before the first
    proof, so a bad fifth input does not cost four proofs; the first input's
    witness is computed before the key is read, as in `prove`."""
    build = Path(build)
    if len(inputs) != len(proof_paths):
        raise WorkflowError(f"{len(inputs)} inputs but {len(proof_paths)} proof paths")
    if len(set(map(str, proof_paths))) != len(proof_paths):
        raise WorkflowError("two inputs would write the same proof file")
    settings = Settings.load(build)
    if not (build / "pk.bin").exists():
        raise WorkflowError(f"{build}: no proving key (run zkir setup)")
    n = len(inputs)

    def which(i: int, e: ZkirError) -> WorkflowError:
        return WorkflowError(f"input {i + 1} of {n}: {e}")

    for i, x in enumerate(inputs):
        try:
            quantize_inputs(settings, x)
        except WorkflowError as e:
            raise (e if n == 1 else which(i, e)) from None
    plan = _plan(build)
    key = LoadedKey()
    results = []
    for i, (x, path) in enumerate(zip(inputs, proof_paths)):
        step = progress if n == 1 else (lambda msg, i=i: progress(f"[{i + 1}/{n}] {msg}"))
        try:
            results.append(prove(build, x, path, step, plan, key, force))
        except ZkirError as e:
            if n == 1:
                raise
            raise which(i, e) from None
    return results


def _load_proving_key(build: Path) -> ProvingKey:
    """pk.bin with its SRS, refusing (one line) a damaged file and files of a
    build that do not belong together: a pk.bin whose verifying key is not
    vk.bin, or an srs.bin that is not the SRS the key was made from (a fault or
    kill between setup's renames, files copied from another build)."""
    from zkir.prover import SRS, ProofFormatError, pk_from_bytes
    from zkir.prover.keygen import vk_file_digest

    pk_path, vk_path, srs_path = build / "pk.bin", build / "vk.bin", build / "srs.bin"
    for path, what in ((vk_path, "verifying key"), (srs_path, "SRS")):
        if not path.exists():
            raise WorkflowError(f"{build}: no {what} {path.name} beside pk.bin (run zkir setup)")
    # the prover skips the SRS's point checks (seconds at large k): a bad SRS can
    # only make its own proof fail, never make a false one verify
    try:
        srs = SRS.load(srs_path, check=False)
    except ProofFormatError as e:
        raise WorkflowError(f"{srs_path}: {e}") from None
    try:
        pk = pk_from_bytes(pk_path.read_bytes(), srs)
    except ProofFormatError as e:
        raise WorkflowError(f"{pk_path}: {e}") from None
    try:
        vk_digest = vk_file_digest(vk_path.read_bytes())
    except ProofFormatError as e:
        raise WorkflowError(f"{vk_path}: {e}") from None
    if vk_digest != pk.vk.digest:
        raise WorkflowError(f"{build}: pk.bin and vk.bin come from different setups (run zkir setup)")
    if pk.vk.g2_tau != srs.g2_tau or pk.vk.g1 != srs.g1[0]:
        raise WorkflowError(f"{build}: srs.bin is not the SRS pk.bin was made from (run zkir setup)")
    return pk


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
    """The parts of a proof file. A file that is not one (bad magic, a header cut
    short) is bad input (WorkflowError: exit 2), like a malformed header; only
    proof bytes that parse and fail are a rejected proof."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise WorkflowError(f"{path}: no such proof file") from None
    return parse_proof_file(data, path)


def parse_proof_file(data: bytes, path: Path | str) -> ProofFile:
    """read_proof_file of bytes already read (`path` names them in errors)."""
    header, rest = split_framed(data, PROOF_MAGIC, "proof file", path, "public values cut short")
    digest, instance = _proof_header(header, Path(path))
    return ProofFile(digest, instance, rest)


def split_framed(data: bytes, magic: bytes, what: str, path: Path | str, short: str = "in its header") -> tuple[bytes, bytes]:
    """(header, the bytes after it) of a file framed as zkir frames its files:
    magic, a u32 length, a header of that length. WorkflowError (bad input,
    exit 2) naming `what` when `data` is not such a file."""
    if data[: len(magic)] != magic:
        raise WorkflowError(f"{path}: not a zkir {what} (bad magic)")
    if len(data) < len(magic) + 4:
        raise WorkflowError(f"{path}: {what} truncated (in its header)")
    (size,) = struct.unpack_from("<I", data, len(magic))
    start = len(magic) + 4
    if start + size > len(data):
        raise WorkflowError(f"{path}: {what} truncated ({short})")
    return data[start : start + size], data[start + size :]


_INT64 = (-(1 << 63), 1 << 63)
"""The public values of a proof file: field elements as the signed 64-bit
integers zkir writes them as (each has one such form, as p > 2^64)."""


def _proof_header(text: bytes, path: Path) -> tuple[str, list[np.ndarray]]:
    """(vk digest, instance columns) of a proof file's header, which must be
    exactly what proof_file_bytes writes: the keys "vk" (64 hex digits) and
    "instance" (lists of integers in canonical form), nothing else. Anything
    else is bad input (WorkflowError), not a proof to reject."""

    what = f"{path}: malformed proof header"

    def bad(problem: str) -> WorkflowError:
        return WorkflowError(f"{what}: {problem}")

    try:
        header = parse_json(text, what, integers_only=True)
    except FileFormatError as e:
        raise WorkflowError(str(e)) from None
    if not isinstance(header, dict):
        raise bad("not a JSON object")
    for key in ("vk", "instance"):
        if key not in header:
            raise bad(f"no '{key}'")
    extra = sorted(set(header) - {"vk", "instance"})
    if extra:
        raise bad(f"unknown key '{extra[0]}'")
    digest = header["vk"]
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise bad("'vk' is not a verifying-key digest of 64 lowercase hex digits")
    columns = header["instance"]
    if not isinstance(columns, list) or not all(isinstance(col, list) for col in columns):
        raise bad("'instance' is not a list of columns (lists of integers)")
    for c, col in enumerate(columns):
        for r, v in enumerate(col):
            if not isinstance(v, int) or isinstance(v, bool):
                raise bad(f"public value {json.dumps(v)[:40]} (column {c}, row {r}) is not an integer")
            if not _INT64[0] <= v < _INT64[1]:
                raise bad(f"public value {str(v)[:40]} (column {c}, row {r}) is not in canonical form "
                          "(a signed 64-bit integer)")
    return digest, [np.asarray(col, dtype=np.int64) for col in columns]


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
    key file itself); never raises on a proof that does not verify (its
    failed_check says why). Bad input raises WorkflowError: a missing or
    damaged key, or a proof file whose header is not in the strict format
    (public values as canonical integers, the keys "vk" and "instance" only).

    What the public values mean is read from the key's statement, never from
    settings.json. `inputs` (input.json values) must then equal the proof's
    public inputs."""
    from zkir.prover import VerificationError
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
        check_proof(vk, statement, pf, allow_insecure_srs)
        raw_inputs = statement.values(pf.instance, IORole.INPUT)
        check_inputs(raw_inputs, public_inputs, expected)
        outputs = shown_tensors(statement, IORole.OUTPUT, statement.values(pf.instance, IORole.OUTPUT))
        shown_inputs = shown_tensors(statement, IORole.INPUT, raw_inputs)
    except VerificationError as e:
        failed = str(e)
    timings["verify"] = time.perf_counter() - t
    return VerifyResult(
        failed is None, failed, outputs, shown_inputs, timings, statement.model, statement.private_inputs
    )


def check_proof(vk: VerifyingKey, statement: Statement, pf: ProofFile, allow_insecure_srs: bool) -> None:
    """Raise VerificationError unless `pf` is a valid proof for this key and statement."""
    from zkir.prover import VerificationError
    from zkir.prover import verify as verify_proof

    if pf.vk_digest != vk.digest.hex():
        raise VerificationError("this proof is for another circuit or key (its verifying-key digest differs)")
    statement.check_instance(pf.instance)
    verify_proof(vk, pf.instance, pf.proof, allow_insecure_srs=allow_insecure_srs)


def check_inputs(raw_inputs: dict[str, np.ndarray], public_inputs: list[TensorInfo], expected: list[np.ndarray] | None) -> None:
    """Raise VerificationError unless the proof's public inputs are the `expected` ones (None: any)."""
    from zkir.prover import VerificationError

    if expected is None:
        return
    for info, want in zip(public_inputs, expected):
        got = raw_inputs[info.name]
        if got.shape != want.shape or np.any(got != want):
            differ = int(np.sum(got != want)) if got.shape == want.shape else got.size
            raise VerificationError(
                f"public input '{info.name}' of the proof is not the given input "
                f"({differ} of {want.size} values differ)"
            )


def shown_tensors(statement: Statement, role: IORole, raws: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """The public tensors of `role` as a verifier shows them (values, raw, scale)."""
    infos = _infos(statement.public(role))
    return _tensors(infos, [raws[i.name] for i in infos])


def export_verifier(build: str | Path, out: str | Path) -> Path:
    """A directory to hand to verifiers: the verifying key (which binds the
    statement: what the public values mean) and a readable summary of it.
    Nothing private: no proving key, SRS, settings or weights; `zkir verify OUT
    proof.bin` needs nothing else."""
    build, out = Path(build), Path(out)
    _, data, vk, statement = _read_verifying_key(build)
    out.mkdir(parents=True, exist_ok=True)
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
    with staged_writes() as files:  # the key and its summary belong together
        files.write(out / "vk.bin", data)
        files.write(out / "verifier.json", json.dumps(summary, indent=2) + "\n")
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
    build: str | Path,
    inputs: Mapping[str, Any] | Any,
    tamper: Callable[[Witness], None] | None = None,
    outputs: dict[str, dict[str, Any]] | None = None,
) -> list[MockFailure]:
    """Check every gate, lookup and copy on the witness, and the private weights
    against the model's (as the verifier does), naming the placement.

    `tamper(witness)` may change the witness first (the soundness tests use it).
    `outputs`, when given, receives the circuit's outputs (as `prove` reports them).
    """
    from zkir.backend_halo2.witness import compute_witness

    build = Path(build)
    settings = Settings.load(build)
    refuse_sharded(settings, build, "mock")
    plan = _plan(build)
    witness = compute_witness(plan, quantize_inputs(settings, inputs))
    if outputs is not None:
        outputs.update(_tensors(settings.outputs, witness.outputs))
    if tamper is not None:
        tamper(witness)
    return mock_failures(plan, witness)


def mock_failures(plan: CircuitPlan, witness: Witness) -> list[MockFailure]:
    """The mock prover's failures on `witness`, each naming its placement."""
    from zkir.backend_halo2.witness import mock_prover

    out = []
    for f in mock_prover(plan, witness, plan.pinned_advice()).verify():
        place = _weight_placement(plan, f.name, f.row) if f.kind == "pinned" else plan.placement_at(f.row)
        out.append(
            MockFailure(f.kind, f.name, f.row, place.name if place else None, place.kind if place else None, dict(f.cells))
        )
    return out


def float_error(build: str | Path, inputs: Mapping[str, Any] | Any, outputs: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Per output, max |fixed-point output - float model's output| on `inputs`:
    the float interpreter runs the build's 1_ml.mlir (the imported model before
    quantization). Measured, not proven: the proof is of the fixed-point value."""
    from zkir.interpreter.float_interp import run_float
    from zkir.ir_io import read_module

    build = Path(build)
    settings = Settings.load(build)
    values = inputs if isinstance(inputs, Mapping) else {settings.inputs[0].name: inputs}
    arrays = {}
    for info in settings.inputs:
        x = np.asarray(values[info.name])
        arrays[info.name] = x.reshape(info.shape) if list(x.shape) == info.shape[1:] and info.shape[:1] == [1] else x
    floats = run_float(read_module(build / LEVELS[0]), arrays)
    return {
        info.name: float(np.abs(np.asarray(outputs[info.name]["value"]) - np.asarray(f, np.float64)).max(initial=0.0))
        for info, f in zip(settings.outputs, floats)
    }


def _weight_placement(plan: CircuitPlan, column: str, row: int) -> Placed | None:
    """The constant (weights) placement holding `row` of the advice column named `column`."""
    for p in plan.places.values():
        if p.kind == IORole.CONSTANT and p.row <= row < p.row + p.structure.rows:
            if any(plan.cs.name_of(c) == column for c in p.columns):
                return p
    return None


def report(build: str | Path) -> list[dict[str, Any]]:
    """Per placement (layer): gadget, rows, looked-up tuples, share of the advice cells."""
    return circuit_report(build)[0]


def _lookups_of(placed: Placed) -> int:
    """Tuples the placement sends to lookup tables: its lookups per row times
    the rows where the selectors those lookups read are on (filler slots of a
    part-filled row included: the argument checks them all the same)."""
    roles: set[str] = set()

    def selector(role: str) -> int:
        roles.add(role)
        return 1

    def cell(slot: int, rotation: int = 0) -> int:
        return 0

    per_row = len(placed.gadget.lookups(cell, selector))
    if not per_row:
        return 0
    on = [placed.structure.selectors[r] for r in roles if r in placed.structure.selectors]
    rows = int(np.count_nonzero(np.any(np.stack(on) != 0, axis=0))) if on else placed.structure.rows
    return per_row * rows


def _layer_rows(plan: CircuitPlan) -> list[dict[str, Any]]:
    """`report`'s lines. share: the placement's advice cells (rows x its advice
    columns) over all placements' advice cells, so the shares sum to 100% even
    though private weights sit in a band of their own beside the gadgets."""
    cells = {
        name: p.structure.rows * sum(1 for c in p.columns if c.kind == "advice") for name, p in plan.places.items()
    }
    total = max(sum(cells.values()), 1)
    return [
        {
            "placement": placed.name,
            "gadget": placed.kind,
            "rows": placed.structure.rows,
            "columns": placed.columns[0].kind,
            "lookups": 0 if placed.kind in IO_KINDS else _lookups_of(placed),
            "share": round(cells[name] / total, 4),
        }
        for name, placed in plan.places.items()
    ]


def circuit_report(build: str | Path) -> tuple[list[dict[str, Any]], str]:
    """`report`'s layers, and what sets k (CircuitPlan.what_sets_k), from one plan."""
    plan = _plan(Path(build))
    return _layer_rows(plan), plan.what_sets_k()


@dataclass
class Prediction:
    """What the cost model (zkir/cost, `zkir tune` fits it to this machine)
    predicts for proving one circuit."""

    k: int
    prove_seconds: float
    memory_bytes: float
    cost_model: str

    @staticmethod
    def of(plan: CircuitPlan) -> Prediction:
        from zkir.cost.model import CircuitFeatures, CostModel

        model = CostModel.load()
        features = CircuitFeatures.of(plan.cs, plan.k)
        return Prediction(plan.k, model.prove_seconds(features), model.memory_bytes(features), model.source)

    def format(self) -> str:
        return f"k={self.k}, {self.prove_seconds:.3g} s, {self.memory_bytes / 2**30:.2f} GiB"


@dataclass
class Hint:
    """A compile flag and what re-planning the build with it gives."""

    flag: str
    why: str
    predicted: Prediction
    max_error: float | None = None
    """With calibration samples: the largest |float - fixed point| over the outputs."""

    def format(self, now: Prediction) -> str:
        error = f", error vs float {self.max_error:.3g}" if self.max_error is not None else ""
        same = " (same k)" if self.predicted.k == now.k else ""
        return f"{self.why}: {self.flag} gives {self.predicted.format()}{same}{error}"

    def to_json(self) -> dict[str, Any]:
        return {"flag": self.flag, "why": self.why, "predicted": asdict(self.predicted), "max_error": self.max_error}


LARGE_ERROR_UNITS = 8
"""An output error above this many units of the last fixed-point place is more
than rounding: `zkir report` re-plans with 4 more scale bits."""


def _max_error(accuracy: Any) -> float | None:
    return max((o.max_abs for o in accuracy.outputs), default=None) if accuracy is not None else None


def replan(build: str | Path, progress: Progress = _quiet, **changes: Any) -> tuple[Prediction, float | None]:
    """Compile this build's model again (from its 1_ml.mlir, in a scratch
    directory) with the compile options changed as given, and predict the
    result: the real layout search and lowering, not an estimate. With the
    build's calibration samples still at hand, also their output error."""
    import tempfile

    from zkir.calibration import Accuracy

    build = Path(build)
    settings = Settings.load(build)
    options = {k: v for k, v in settings.options.items() if k in CompileOptions.__dataclass_fields__}
    options.update(changes)
    if options.get("calibration") and not Path(options["calibration"]).exists():
        options["calibration"] = None
    with tempfile.TemporaryDirectory(prefix="zkir-replan-") as scratch:
        _, plan = compile_circuit(build / LEVELS[0], scratch, CompileOptions(**options), _quiet)
        accuracy = None
        if (Path(scratch) / CALIBRATION_FILE).exists():
            accuracy = Accuracy.from_json(read_json(Path(scratch) / CALIBRATION_FILE))
    return Prediction.of(plan), _max_error(accuracy)


def _table_bits_set_k(plan: CircuitPlan, table_bits: int) -> bool:
    """Whether the largest table, one of 2^table_bits inputs of a nonlinearity
    (not a range table, not one sized to a clamp or samples), is what fills 2^k."""
    from zkir.backend_halo2.circuit_plan import table_spec
    from zkir.gadgets.tables import TableSpec

    specs = [table_spec(t) for t in plan.tables]
    if not specs:
        return False
    largest = max(specs, key=lambda t: t.size)
    return (
        largest.size >= plan.rows_used()
        and isinstance(largest, TableSpec)
        and largest.fn != "range"
        and not largest.ranged
        and largest.bits == table_bits
    )


def explain(build: str | Path, hints: bool = True, progress: Progress = _quiet) -> dict[str, Any]:
    """Everything `zkir report` shows: the layers, what sets k, the predicted
    prove time and memory, the accuracy (when compiled with --calibration), and
    hints, each with its effect found by re-planning (`replan`)."""
    from zkir.calibration import Accuracy

    build = Path(build)
    settings = Settings.load(build)
    plan = _plan(build)
    now = Prediction.of(plan)
    accuracy = None
    if (build / CALIBRATION_FILE).exists():
        try:
            accuracy = Accuracy.from_json(read_json(build / CALIBRATION_FILE))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise WorkflowError(f"{build / CALIBRATION_FILE}: not a zkir calibration file ({type(e).__name__}: {e})") from None
    found: list[Hint] = []
    if hints:
        table_bits = int(settings.options.get("table_bits", 16))
        if table_bits > 10 and _table_bits_set_k(plan, table_bits):
            bits = 12 if table_bits > 12 else table_bits - 2
            progress(f"re-planning with --table-bits {bits}")
            predicted, error = replan(build, progress, table_bits=bits)
            if predicted.k < now.k:
                found.append(Hint(f"--table-bits {bits}", "a lookup table sets k", predicted, error))
        error = _max_error(accuracy)
        scale = int(settings.options.get("scale_bits", 8))
        if error is not None and error > LARGE_ERROR_UNITS * 2.0**-scale and scale + 4 <= 16:
            progress(f"re-planning with --scale-bits {scale + 4}")
            predicted, new_error = replan(build, progress, scale_bits=scale + 4)
            if new_error is None or new_error < error:
                found.append(Hint(f"--scale-bits {scale + 4}", f"error vs float is {error:.3g}", predicted, new_error))
    return {
        "settings": settings,
        "layers": _layer_rows(plan),
        "what_sets_k": plan.what_sets_k(),
        "predicted": now,
        "accuracy": accuracy,
        "hints": found,
    }
