"""Calibration from data: what sample inputs make each tensor do, and how close
the fixed-point circuit stays to the float model on them.

`zkir compile MODEL --calibration SAMPLES` runs the samples through the gadget
interpreter (exactly the integers the circuit will compute) and records, on each
`gadget.lookup`, the range of inputs it saw (`input_range`); gadget-bound-lookups
then sizes that table to the range plus a margin. A later input outside a table
has no witness, so proving fails naming the layer and the value: calibration can
make a circuit smaller, never make it prove a wrong output.

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
        )

    def format(self) -> str:
        lines = [f"accuracy on {self.samples} calibration samples (scale {self.scale_bits} bits): float vs fixed point"]
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
        errs, agree = [], []
        for fv, qv in zip(fret.arguments, qret.arguments):
            real = np.asarray(fenv[fv], dtype=np.float64)
            s = _scale_of(qv)
            fixed = qenv[qv] / 2.0 ** (s or 0)
            errs.append(np.abs(real - fixed))
            agree.append(bool(real.size > 1 and np.array_equal(real.reshape(-1, real.shape[-1]).argmax(-1), fixed.reshape(-1, fixed.shape[-1]).argmax(-1))))
        out_err.append(errs)
        argmax.append(agree)
    report = Accuracy(len(samples), scale_bits)
    for i, v in enumerate(ffn.body.block.last_op.operands if ffn.body.block.last_op else []):
        flat = np.concatenate([e[i].ravel() for e in out_err])
        single = int(np.prod(np.shape(out_err[0][i]))) <= 1
        report.outputs.append(
            OutputError(
                v.name_hint or f"output{i}",
                float(flat.max(initial=0.0)),
                float(flat.mean()) if flat.size else 0.0,
                None if single else float(np.mean([a[i] for a in argmax])),
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
