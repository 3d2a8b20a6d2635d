"""Calibration from data: what sample inputs make each tensor do, and how close
the fixed-point circuit stays to the float model on them.

`zkir compile MODEL --calibration SAMPLES` runs the samples through the gadget
interpreter (exactly the integers the circuit will compute) and records, on each
`gadget.lookup`, the range of inputs it saw (`input_range`); gadget-bound-lookups
then sizes that table to the range plus a margin. A later input outside a table
has no witness, so proving fails naming the layer and the value: calibration can
make a circuit smaller, never make it prove a wrong output.

The samples also choose two global settings, each unless the user gave it:
the scale (`choose_scale`: the candidates SCALE_CANDIDATES are compiled for
real, and the cheapest by predicted prove time whose error is no worse than
scale 8's and within RELATIVE_TOLERANCE of the output wins), and the limb bits
of range checks (`range_bits_needed`: the fewest that hold every range-checked
value the samples give, widened by the tables' margin). Both only choose among
sound circuits: a later input beyond the chosen range bits has no witness
either, so prove and mock refuse it with one line before any proving work.

The same samples give the accuracy report (`zkir report`, `zkir calibrate`):
float vs fixed point per output (max and mean absolute error, argmax agreement)
and per layer (the error of every named tensor, in program order), so a user
sees where the error grows.

SAMPLES is a JSON file holding a list of inputs, each in input.json's format
(one bare array, or an object by input name), or a .npy array whose leading axis
is the sample axis (models with one input).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, TensorType, i64
from xdsl.ir import SSAValue

from zkir.dialects import gadget, ml
from zkir.errors import ZkirError
from zkir.files import FileFormatError, read_json
from zkir.gadgets.interpret import run_gadget_function
from zkir.interpreter.program import main_function

Sample = dict[str, np.ndarray]


class CalibrationError(ZkirError, ValueError):
    """A samples file zkir cannot read, or samples that do not fit the model."""


def load_samples(path: str | Path, input_names: Sequence[str]) -> list[Sample]:
    """The samples of `path`, each as {input name: array of reals}."""
    path = Path(path)
    if not path.exists():
        raise CalibrationError(f"{path}: no such samples file")
    if path.suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise CalibrationError(f"{path}: not a numpy array file ({e})") from None
        if len(input_names) != 1:
            raise CalibrationError(f"{path}: a .npy file holds samples of one input; the model has {len(input_names)}")
        if array.ndim < 1 or not len(array):
            raise CalibrationError(f"{path}: needs a leading sample axis with at least one sample")
        return [{input_names[0]: np.asarray(a, dtype=np.float64)} for a in array]
    try:
        data = read_json(path, "calibration samples")
    except FileFormatError as e:
        raise CalibrationError(str(e)) from None
    if not isinstance(data, list) or not data:
        raise CalibrationError(f"{path}: must hold a non-empty list of inputs (each in input.json's format)")
    out = []
    for i, item in enumerate(data):
        if isinstance(item, Mapping):
            values = dict(item)
        elif len(input_names) == 1:
            values = {input_names[0]: item}
        else:
            raise CalibrationError(f"{path}: sample {i} must give the inputs by name ({', '.join(input_names)})")
        try:
            out.append({k: np.asarray(v, dtype=np.float64) for k, v in values.items()})
        except (TypeError, ValueError):
            raise CalibrationError(f"{path}: sample {i} is not made of nested lists of numbers") from None
    return out


def record_lookup_ranges(module: ModuleOp, quantized: Sequence[Sequence[np.ndarray]]) -> dict[str, tuple[int, int]]:
    """Set `input_range` on every gadget.lookup of @main to the inputs the
    samples (already quantized, in argument order) gave it; returns them by layer."""
    fn = main_function(module)
    lookups = [op for op in fn.body.block.ops if isinstance(op, gadget.LookupOp)]
    lo = {op: np.iinfo(np.int64).max for op in lookups}
    hi = {op: np.iinfo(np.int64).min for op in lookups}
    for args in quantized:
        env = run_gadget_function(fn, list(args))
        for op in lookups:
            x = env[op.input]
            if x.size:
                lo[op], hi[op] = min(lo[op], int(x.min())), max(hi[op], int(x.max()))
    ranges = {}
    for op in lookups:
        if lo[op] > hi[op]:
            continue
        op.properties["input_range"] = DenseArrayBase.from_list(i64, [lo[op], hi[op]])
        ranges[op.result.name_hint or op.fn.data] = (lo[op], hi[op])
    return ranges


@dataclass
class OutputError:
    name: str
    max_abs: float
    mean_abs: float
    argmax_agreement: float | None
    """Share of samples whose argmax over the last axis agrees (None: one value)."""
    peak: float = 0.0
    """The largest |float output| on the samples (what the relative error is of)."""


@dataclass
class LayerError:
    name: str
    op: str
    max_abs: float
    """Largest |float - fixed| over the samples, in the tensor's own units."""
    relative: float
    """max_abs over the largest |float| value of the tensor."""


@dataclass
class Accuracy:
    samples: int
    scale_bits: int
    outputs: list[OutputError] = field(default_factory=list)
    layers: list[LayerError] = field(default_factory=list)
    table_ranges: dict[str, list[int]] = field(default_factory=dict)
    choice: dict[str, Any] = field(default_factory=dict)
    """What the samples chose (scale and range bits, each with why), when compile chose them."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Accuracy:
        return Accuracy(
            int(data["samples"]),
            int(data["scale_bits"]),
            [OutputError(**o) for o in data.get("outputs", [])],
            [LayerError(**layer) for layer in data.get("layers", [])],
            {k: list(v) for k, v in data.get("table_ranges", {}).items()},
            dict(data.get("choice", {})),
        )

    def choice_line(self) -> str:
        """One line saying what the samples chose and why ("" when they chose nothing)."""
        c = self.choice
        if not c:
            return ""
        parts = []
        if "scale_bits" in c:
            parts.append(f"scale 2^{c['scale_bits']}")
        if "range_bits" in c:
            parts.append(f"range bits {c['range_bits']}")
        why = "; ".join(c[k] for k in ("scale_why", "range_why") if c.get(k))
        return f"{' and '.join(parts)} chosen from {self.samples} samples: {why}"

    def format(self) -> str:
        lines = [f"accuracy on {self.samples} calibration samples (scale {self.scale_bits} bits): float vs fixed point"]
        if self.choice:
            lines.append(f"  {self.choice_line()}")
        for o in self.outputs:
            agree = "" if o.argmax_agreement is None else f", argmax agrees on {100 * o.argmax_agreement:.0f}%"
            lines.append(f"  output {o.name}: max |err| {o.max_abs:.4g}, mean |err| {o.mean_abs:.4g}{agree}")
        if self.layers:
            lines.append("  per layer (max |err|, relative to the layer's largest value):")
            width = max(len(layer.name) for layer in self.layers)
            for layer in self.layers:
                lines.append(f"    {layer.name:<{width}}  {layer.op:<16} {layer.max_abs:10.4g}  {100 * layer.relative:6.2f}%")
        if self.table_ranges:
            lines.append("  lookup inputs seen (fixed-point integers):")
            for name, (lo, hi) in self.table_ranges.items():
                lines.append(f"    {name}: [{lo}, {hi}]")
        return "\n".join(lines)


def _scale_of(value: SSAValue) -> int | None:
    ty = value.type
    if isinstance(ty, TensorType) and isinstance(ty.element_type, ml.FixedType):
        return ty.element_type.scale.data
    return None


def accuracy(float_module: ModuleOp, fixed_module: ModuleOp, samples: Sequence[Sample], scale_bits: int) -> Accuracy:
    """Float vs fixed point on `samples`: per output, and per named layer."""
    from zkir.interpreter.float_interp import FLOAT_KERNELS
    from zkir.interpreter.fixed_interp import FIXED_KERNELS
    from zkir.interpreter.program import bind_inputs, trace
    from zkir.interpreter.rounding import quantize

    ffn, qfn = main_function(float_module), main_function(fixed_module)
    named_float = {op.results[0].name_hint: op for op in ffn.body.block.ops if op.results and op.results[0].name_hint}
    layer_err: dict[str, list[float]] = {}
    layer_peak: dict[str, float] = {}
    out_err: list[list[np.ndarray]] = []
    out_peak: list[list[np.ndarray]] = []
    argmax: list[list[bool]] = []
    for sample in samples:
        fargs = bind_inputs(ffn, dict(sample))
        fenv, fret = trace(ffn, fargs, FLOAT_KERNELS)
        qargs = []
        for arg, value in zip(qfn.body.block.args, bind_inputs(qfn, dict(sample))):
            s = _scale_of(arg)
            qargs.append(quantize(value, s) if s is not None else value)
        qenv, qret = trace(qfn, qargs, FIXED_KERNELS)
        for op in qfn.body.block.ops:
            if not op.results or not op.results[0].name_hint:
                continue
            name = op.results[0].name_hint
            s = _scale_of(op.results[0])
            source = named_float.get(name)
            if s is None or source is None or isinstance(op, ml.ConstantOp):
                continue
            real = np.asarray(fenv[source.results[0]], dtype=np.float64)
            fixed = qenv[op.results[0]] / 2.0**s
            if real.shape != fixed.shape:
                continue
            layer_err.setdefault(name, []).append(float(np.max(np.abs(real - fixed), initial=0.0)))
            layer_peak[name] = max(layer_peak.get(name, 0.0), float(np.max(np.abs(real), initial=0.0)))
        errs, agree, reals = [], [], []
        for fv, qv in zip(fret.arguments, qret.arguments):
            real = np.asarray(fenv[fv], dtype=np.float64)
            s = _scale_of(qv)
            fixed = qenv[qv] / 2.0 ** (s or 0)
            errs.append(np.abs(real - fixed))
            reals.append(real)
            agree.append(bool(real.size > 1 and np.array_equal(real.reshape(-1, real.shape[-1]).argmax(-1), fixed.reshape(-1, fixed.shape[-1]).argmax(-1))))
        out_err.append(errs)
        out_peak.append(reals)
        argmax.append(agree)
    report = Accuracy(len(samples), scale_bits)
    for i, v in enumerate(ffn.body.block.last_op.operands if ffn.body.block.last_op else []):
        flat = np.concatenate([e[i].ravel() for e in out_err])
        peak = max(float(np.max(np.abs(p[i]), initial=0.0)) for p in out_peak)
        single = int(np.prod(np.shape(out_err[0][i]))) <= 1
        report.outputs.append(
            OutputError(
                v.name_hint or f"output{i}",
                float(flat.max(initial=0.0)),
                float(flat.mean()) if flat.size else 0.0,
                None if single else float(np.mean([a[i] for a in argmax])),
                peak,
            )
        )
    seen: set[str] = set()
    for op in qfn.body.block.ops:
        name = op.results[0].name_hint if op.results else None
        if name and name in layer_err and name not in seen:
            seen.add(name)
            peak = layer_peak[name]
            worst = max(layer_err[name])
            report.layers.append(LayerError(name, op.name, worst, worst / peak if peak else 0.0))
    return report


SCALE_CANDIDATES = (6, 8, 10, 12)
"""The scales `zkir compile --calibration` tries when --scale-bits is not given."""
DEFAULT_SCALE = 8
"""The scale without samples, and the one a chosen scale must be as accurate as."""
RELATIVE_TOLERANCE = 0.01
"""The error target of the scale choice: 1% of the largest |float output| seen."""


@dataclass
class ScaleCandidate:
    """One candidate scale, compiled for real: its circuit and its accuracy."""

    scale_bits: int
    k: int
    rows: int
    prove_seconds: float
    max_abs: float
    """The largest |float - fixed| over every output and sample."""
    relative: float
    """The worst output's max_abs over its largest |float| value."""

    @staticmethod
    def of(scale_bits: int, k: int, rows: int, prove_seconds: float, report: Accuracy) -> ScaleCandidate:
        worst = max((o.max_abs for o in report.outputs), default=0.0)
        relative = max((o.max_abs / o.peak if o.peak else 0.0 for o in report.outputs), default=0.0)
        return ScaleCandidate(scale_bits, k, rows, prove_seconds, worst, relative)


def choose_scale(
    candidates: Sequence[ScaleCandidate], default: int = DEFAULT_SCALE, layout: str = ""
) -> tuple[ScaleCandidate, str]:
    """The rule of `zkir compile --calibration` without --scale-bits, and why (one phrase).

    A candidate is accurate enough when its max |float - fixed| on the samples is
    no worse than the default scale's and at most RELATIVE_TOLERANCE of the
    largest |float output| (so a default that is already too coarse does not
    set the bar). The cheapest accurate-enough candidate by predicted prove
    time wins (the more accurate of equal times). When none is, the most
    accurate wins (the cheaper of equal errors): accuracy first, then cost.
    `layout` says where the predictions were made (for the phrase)."""
    if not candidates:
        raise ValueError("choose_scale: no candidates")
    base = next((c for c in candidates if c.scale_bits == default), None)
    bar = base.max_abs if base is not None else float("inf")
    good = [c for c in candidates if c.max_abs <= bar and c.relative <= RELATIVE_TOLERANCE]
    tol = f"{100 * RELATIVE_TOLERANCE:g}%"
    if good:
        best = min(good, key=lambda c: (c.prove_seconds, c.max_abs))
        why = (f"the cheapest of the scales {_listed(good)} whose error is within scale 2^{default}'s and {tol} "
               f"of the output (error {best.max_abs:.3g}; {best.prove_seconds:.3g} s at k={best.k}{layout})")
    else:
        best = min(candidates, key=lambda c: (c.max_abs, c.prove_seconds))
        why = (f"no scale of {_listed(candidates)} keeps the error within {tol} of the output, "
               f"2^{best.scale_bits} comes closest (error {best.max_abs:.3g}, {100 * best.relative:.2g}%; "
               f"{best.prove_seconds:.3g} s at k={best.k}{layout})")
    return best, why


def _listed(candidates: Sequence[ScaleCandidate]) -> str:
    return ", ".join(str(c.scale_bits) for c in sorted(candidates, key=lambda c: c.scale_bits))


def _signed_bits(lo: int, hi: int) -> int:
    """Bits b with every value of [lo, hi] in [-2^(b-1), 2^(b-1))."""
    return (max(-lo, hi + 1, 1) - 1).bit_length() + 1


def _widen(magnitude: int, margin: float) -> int:
    """`magnitude` widened by `margin` of itself (gadget-bound-lookups' `widened`)."""
    return magnitude + int(np.ceil(margin * max(magnitude, 1)))


def range_bits_needed(module: ModuleOp, quantized: Sequence[Sequence[np.ndarray]], margin: float) -> tuple[int, str]:
    """The fewest limb bits t of the range checks of @main such that every
    range-checked value the samples give, widened by `margin`, fits its 2t
    bits; and the layer that needs them (a phrase).

    Mirrors the bounds the gadgets' assign enforces (each raises OverflowError
    beyond them, so a later input outside fails before proving, never proves):
    rescale, var_div and sqrt bound a signed output to [-2^(2t-1), 2^(2t-1));
    maximum, reduce_max and less bound a difference to [0, 2^(2t)); var_div also
    2 den <= 2^(2t). Two bounds do not depend on data: a rescale by 2^s needs
    t >= s (its remainder is one limb), a range_check of b bits needs 2t >= b."""
    from zkir.interpreter.rounding import div_round

    fn = main_function(module)
    need: dict[str, int] = {}  # layer -> bits the 2t limbs must hold
    floor: dict[str, int] = {}  # layer -> t it needs whatever the data

    def signed(name: str, v: np.ndarray) -> None:
        if v.size:
            lo, hi = int(v.min()), int(v.max())
            m = _widen(max(-lo, hi + 1), margin)
            need[name] = max(need.get(name, 0), _signed_bits(-m, m - 1))

    def unsigned(name: str, v: np.ndarray) -> None:
        if v.size:
            need[name] = max(need.get(name, 0), _widen(max(int(v.max()), 0), margin).bit_length())

    ops = [op for op in fn.body.block.ops]
    for op in ops:
        if isinstance(op, gadget.RescaleOp):
            floor[_layer(op)] = max(op.get_divisor().bit_length() - 1, 1)
        elif isinstance(op, gadget.RangeCheckOp):
            floor[_layer(op)] = (op.get_bits() + 1) // 2
    for args in quantized:
        env = run_gadget_function(fn, list(args))
        for op in ops:
            name = _layer(op)
            if isinstance(op, gadget.RescaleOp):
                bias = env[op.bias] if op.bias is not None else 0
                signed(name, div_round(env[op.input] + bias, op.get_divisor()))
            elif isinstance(op, gadget.VarDivOp):
                signed(name, env[op.result])
                unsigned(name, 2 * env[op.den] - 1)
            elif isinstance(op, gadget.SqrtOp):
                signed(name, env[op.result])
            elif isinstance(op, gadget.MaximumOp):
                m = env[op.result]
                unsigned(name, np.maximum(m - env[op.lhs], m - env[op.rhs]))
            elif isinstance(op, gadget.LessOp):
                a, b = np.broadcast_arrays(env[op.lhs], env[op.rhs])
                unsigned(name, np.where(a < b, b - a - 1, a - b))
            elif isinstance(op, gadget.ReduceMaxOp):
                x, axes = env[op.input], op.get_axes()
                unsigned(name, np.max(x, axis=axes, keepdims=True) - np.min(x, axis=axes, keepdims=True))
    bits = {name: (b + 1) // 2 for name, b in need.items()}
    for name, t in floor.items():
        bits[name] = max(bits.get(name, 0), t)
    if not bits:
        return 1, "no range-checked values"
    name = max(bits, key=lambda n: bits[n])
    t = bits[name]
    if floor.get(name, 0) == t:
        return t, f"set by '{name}', whose divisor or bound needs {t} whatever the data"
    return t, f"set by '{name}', whose values (with a {margin:g} margin) need {need[name]} bits"


def _layer(op: Any) -> str:
    return (op.results[0].name_hint if op.results else None) or (op.input.name_hint if hasattr(op, "input") else None) or op.name


def plot_layers(path: str | Path, layers: Sequence[Mapping[str, Any]], accuracy: Accuracy | None) -> None:
    """A PNG of rows per layer (`zkir report`'s layers) and, with calibration,
    the error per layer. Needs the `plot` extra (matplotlib); written atomically."""
    import io

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CalibrationError("plotting needs matplotlib: pip install 'zkir[plot]'") from None
    from zkir.files import write_atomic

    gadgets = [layer for layer in layers if layer.get("columns") == "advice" and layer.get("rows")]
    panels = 2 if accuracy is not None and accuracy.layers else 1
    fig, axes = plt.subplots(panels, 1, figsize=(max(6.0, 0.35 * len(gadgets)), 3.2 * panels), squeeze=False)
    ax = axes[0][0]
    ax.bar(range(len(gadgets)), [layer["rows"] for layer in gadgets], color="#4477aa")
    ax.set_xticks(range(len(gadgets)), [str(layer["placement"]) for layer in gadgets], rotation=70, fontsize=7)
    ax.set_ylabel("rows")
    ax.set_title("rows per layer")
    if panels == 2 and accuracy is not None:
        ax = axes[1][0]
        ax.plot(range(len(accuracy.layers)), [100 * layer.relative for layer in accuracy.layers], marker="o", color="#cc6677")
        ax.set_xticks(range(len(accuracy.layers)), [layer.name for layer in accuracy.layers], rotation=70, fontsize=7)
        ax.set_ylabel("max |float - fixed| (% of the layer's largest value)")
        ax.set_title(f"error per layer on {accuracy.samples} calibration samples")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
