"""`zkir compile|setup|prove|verify|mock|report|calibrate|tune`: the proving half of the CLI.

Thin wrappers over zkir.workflow. Progress goes to stderr, results to stdout;
with --json the last stdout line is one JSON object. Exit codes: 0 done or
verified, 1 proof rejected (or mock failures), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from zkir.calibration import Accuracy
    from zkir.workflow import CompileOptions

from zkir.tools.cli_common import (
    CliError,
    PhaseProgress,
    Runner,
    close_progress,
    input_arrays,
    parse_input_shapes,
    read_inputs,
    subcommand,
)

REJECTED = 1


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    """Messages to stderr; setup and prove show them as timed phases (PhaseProgress).
    Warnings show even with -q."""
    quiet = getattr(args, "quiet", False)
    if args.command in ("setup", "prove"):
        return PhaseProgress(args.command, quiet)

    def show(msg: str) -> None:
        if not quiet or msg.startswith("warning:"):
            print(f"zkir {args.command}: {msg}", file=sys.stderr, flush=True)

    return show


def _emit(args: argparse.Namespace, human: str, record: dict[str, Any]) -> None:
    close_progress()  # the result goes below a finished progress display
    if args.json:
        print(json.dumps(record))
    else:
        print(human)


def _fmt_outputs(outputs: dict[str, dict[str, Any]]) -> str:
    return "\n".join(f"  {name} = {json.dumps(t['value'])}" for name, t in outputs.items())


SHOWN_VALUES = 16
"""Public tensors with more elements are shown as a digest of their raw values."""


def _fmt_public(inputs: dict[str, dict[str, Any]], private: list[str]) -> str:
    from zkir.statement import values_digest

    lines = []
    for name, t in inputs.items():
        raw = np.asarray(t["raw"])
        if raw.size <= SHOWN_VALUES:
            lines.append(f"  {name} = {json.dumps(t['value'])}")
        else:
            lines.append(f"  {name}: shape {list(raw.shape)}, scale 2^{t['scale']}, digest {values_digest(raw.ravel())}"
                         " (zkir verify --input FILE checks it)")
    lines += [f"  {name}: private (not shown)" for name in private]
    return "\n".join(lines)


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if nbytes < 1024:
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} GiB"


def _force(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument("--force", action="store_true",
                   help=f"{verb} even when the cost model predicts more memory than this machine has")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")


SAMPLES_HELP = "sample inputs: a JSON list of input.json-style inputs, or a .npy with a leading sample axis"


def _compile_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `zkir compile`, which `zkir calibrate` shares."""
    p.add_argument("-o", "--output", default="build", help="build directory (default: build)")
    p.add_argument("--input-shape", action="append", metavar="[NAME=]D1,D2,..", help="static input shape (repeatable)")
    p.add_argument(
        "--scale-bits",
        type=int,
        default=None,
        help="fixed-point fraction bits (default 8; with calibration samples, chosen from 6, 8, 10, 12: the "
        "cheapest by predicted prove time whose max |float - fixed| on the samples is no worse than scale 8's and "
        "at most 1%% of the largest output, else the most accurate)",
    )
    p.add_argument(
        "--columns", type=int, default=0, help="advice columns of the layout (default: the layout search picks)"
    )
    p.add_argument(
        "--no-layout-search",
        action="store_true",
        help="skip gadget-layout-search: lay out with --columns (12 if not given), every lookup gadget packed",
    )
    p.add_argument(
        "--items-per-row",
        type=int,
        default=0,
        metavar="N",
        help="with --no-layout-search: at most N items a row in gadgets that look cells up (default: all that fit)",
    )
    p.add_argument(
        "--lookups",
        choices=("shared", "per-gadget"),
        default="shared",
        help="with --no-layout-search: one lookup argument per table slot shared by all gadgets (default), or per gadget",
    )
    p.add_argument(
        "--no-randomize",
        action="store_true",
        help="prove every matrix product multiply-add by multiply-add (gadget.dot); by default the layout search "
        "checks products at a random point (Freivalds, a second prover phase) where that takes fewer rows",
    )
    p.add_argument(
        "--memory-budget",
        type=int,
        default=0,
        metavar="MB",
        help="predicted prover memory allowed per circuit: the layout search keeps under it, and a model no "
        "one circuit fits is cut into shards that do (default: a quarter of this machine's RAM)",
    )
    p.add_argument(
        "--shards",
        type=int,
        default=0,
        metavar="N",
        help="cut the model into N consecutive circuits proven separately and linked by their commitments "
        "(default: as few as the memory budget needs, one when the whole model fits; 1: never cut)",
    )
    p.add_argument(
        "--table-bits",
        type=int,
        default=16,
        help="input bits of the tables of functions that never saturate (exp outside softmax; default 16); "
        "sigmoid, tanh, erf and GELU get tables only as wide as their saturation range (or the calibration samples)",
    )
    p.add_argument(
        "--range-bits",
        type=int,
        help="limb bits of range checks, bounding values to twice as many bits (default: with calibration samples, "
        "the fewest that hold every range-checked value they give, with the tables' 50%% margin; else --scale-bits, "
        "4 more for models with layer norm)",
    )
    p.add_argument(
        "--weights",
        choices=("private", "fixed", "public"),
        default="private",
        help="private: committed advice (default); fixed: in the verifying key; public: instance values",
    )
    p.add_argument("--private-input", action="store_true", help="keep the model input private (advice)")
    _common(p)


def _compile_options(args: argparse.Namespace, calibration: str | None) -> CompileOptions:
    from zkir.calibration import DEFAULT_SCALE, SCALE_CANDIDATES
    from zkir.workflow import CompileOptions

    return CompileOptions(
        scale_bits=DEFAULT_SCALE if args.scale_bits is None else args.scale_bits,
        scale_candidates=SCALE_CANDIDATES if calibration and args.scale_bits is None else (),
        columns=args.columns,
        layout_search=not args.no_layout_search,
        items_per_row=args.items_per_row,
        share_lookups=args.lookups == "shared",
        memory_budget_mb=args.memory_budget,
        shards=args.shards,
        randomize=not args.no_randomize,
        table_bits=args.table_bits,
        range_bits=args.range_bits,
        weights=args.weights,
        private_input=args.private_input,
        input_shapes=parse_input_shapes(args.input_shape),
        calibration=calibration,
    )


@subcommand("compile", "compile a model to a circuit: writes each level's IR and settings.json")
def _compile_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("model", help="model file (.onnx, .tflite, .keras, SavedModel dir) or .mlir")
    p.add_argument(
        "--calibration",
        metavar="SAMPLES",
        help=f"{SAMPLES_HELP}; lookup tables are sized to what they give, and the accuracy on them is saved "
        "for zkir report",
    )
    _compile_arguments(p)

    def run(args: argparse.Namespace) -> int:
        from zkir.workflow import compile_model

        s = compile_model(args.model, args.output, _compile_options(args, args.calibration), _progress(args))
        cut = f"{len(s.shards)} shards at " if s.shards else ""
        _emit(
            args,
            f"compiled {args.model} -> {args.output}/ ({cut}k={s.k}, {s.rows} rows, "
            f"{s.advice_columns} advice columns, {s.lookups} lookups, {s.compile_seconds:.2f} s)",
            {"build": args.output, "k": s.k, "rows": s.rows, "advice_columns": s.advice_columns,
             "lookups": s.lookups, "compile_s": s.compile_seconds, "shards": s.shards},
        )
        return 0

    return run


@subcommand("setup", "make the proving and verifying keys (from a fresh SRS unless --srs is given)")
def _setup_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("build", help="build directory from zkir compile")
    p.add_argument(
        "--srs",
        help="SRS file: a powers-of-tau ceremony (zkir srs) or an imported one (zkir srs import-ethereum). "
        "Default: a fresh SRS from the OS CSPRNG, whose secret is discarded (whoever runs setup could forge)",
    )
    p.add_argument(
        "--insecure-test-srs",
        action="store_true",
        help="tests and benchmarks only: the seeded SRS whose secret is public (anyone can forge); "
        "its keys are marked and zkir verify refuses them without --allow-insecure-srs",
    )
    _force(p, "set up")
    _workers(p, "key generation")
    _common(p)

    def run(args: argparse.Namespace) -> int:
        from zkir.sharding import setup

        times = setup(args.build, args.srs, _progress(args), insecure_test_srs=args.insecure_test_srs,
                      force=args.force, workers=args.workers, ray_address=args.ray_address)
        keys = (f"{len(times['shards'])} shards' keys written to {args.build}/shards/*/, the key bundle to "
                f"{args.build}/vk.bin" if "shards" in times else f"keys written to {args.build}/pk.bin and {args.build}/vk.bin")
        _emit(
            args,
            f"{keys} "
            f"(srs {times['srs']:.2f} s, keygen {times['keygen']:.2f} s); pk.bin is {_size(times['pk_bytes'])}, "
            f"{times['pk_bytes'] / max(times['weight_bytes'], 1):.0f}x the model's weights "
            f"({_size(times['weight_bytes'])} as float32)",
            {"build": args.build, "srs_s": times["srs"], "keygen_s": times["keygen"],
             "pk_bytes": int(times["pk_bytes"]), "weight_bytes": int(times["weight_bytes"])},
        )
        return 0

    return run


@subcommand("prove", "prove the model's output on input.json (or on each of several); prints the output it proves")
def _prove_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("build", help="build directory after zkir setup")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--input",
        action="append",
        metavar="INPUT.json",
        help='JSON: {"name": nested list} or a bare nested list; repeat for one proof per input '
        "(the keys are loaded once)",
    )
    given.add_argument("--samples", metavar="SAMPLES", help=f"one proof per sample: {SAMPLES_HELP}")
    p.add_argument(
        "-o",
        "--output",
        default="proof.bin",
        help="proof file (default: proof.bin). With several inputs: a directory (an existing one, or a "
        "name without a suffix) gets DIR/proof-0.bin, DIR/proof-1.bin, ...; a file name such as "
        "proof.bin gets proof-0.bin, proof-1.bin, ... beside it, numbered in input order",
    )
    _force(p, "prove")
    _workers(p, "the shard proofs")
    _common(p)
    p.epilog = "With --json: one JSON object per proof, one a line, in input order."

    def run(args: argparse.Namespace) -> int:
        from zkir.sharding import prove_batch

        inputs = _prove_inputs(args)
        paths = proof_paths(args.output, len(inputs))
        for r in prove_batch(args.build, inputs, paths, _progress(args), force=args.force, workers=args.workers,
                             ray_address=args.ray_address):
            _emit(
                args,
                f"proof written to {r.proof} ({r.proof_bytes} bytes, {r.timings['prove']:.2f} s); outputs:\n"
                + _fmt_outputs(r.outputs),
                {"proof": str(r.proof), "proof_bytes": r.proof_bytes, "outputs": r.outputs, "timings": r.timings},
            )
        return 0

    return run


def _workers(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=f"a sharded build: run {what} on N workers at once (a local Ray instance when Ray is installed, "
        "pip install 'zkir[ray]'; else local processes); default 1, in this process",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help=f"a sharded build: run {what} on the Ray cluster at ADDR (e.g. ray://head:10001 or auto); "
        "every node must reach the build directory at the same path",
    )


def _prove_inputs(args: argparse.Namespace) -> list[Any]:
    """The inputs `zkir prove` was given: each --input file, or each sample."""
    if args.input:
        return [input_arrays(read_inputs(path)) for path in args.input]
    from pathlib import Path

    from zkir.calibration import load_samples
    from zkir.workflow import Settings

    names = [i.name for i in Settings.load(Path(args.build)).inputs]
    return [dict(sample) for sample in load_samples(args.samples, names)]


def proof_paths(output: str, n: int) -> list[str]:
    """Where `zkir prove -o OUTPUT` writes n proofs (see its --help)."""
    from pathlib import Path

    out = Path(output)
    if n == 1:
        return [output]
    if out.is_dir() or output.endswith(("/", "\\")) or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
        return [str(out / f"proof-{i}.bin") for i in range(n)]
    return [str(out.with_name(f"{out.stem}-{i}{out.suffix}")) for i in range(n)]


@subcommand("verify", "verify a proof; exit 0 if it holds, 1 if it is rejected")
def _verify_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("build", help="build directory with vk.bin, or the vk.bin file itself")
    p.add_argument("proof", help="proof file from zkir prove")
    p.add_argument("--input", help="input.json: reject the proof unless its public input is exactly this one")
    p.add_argument(
        "--allow-insecure-srs",
        action="store_true",
        help="accept keys made with --insecure-test-srs (anyone can forge those proofs: tests only)",
    )
    _common(p)

    def run(args: argparse.Namespace) -> int:
        from zkir.sharding import verify

        expected = input_arrays(read_inputs(args.input)) if args.input else None
        v = verify(args.build, args.proof, allow_insecure_srs=args.allow_insecure_srs, inputs=expected)
        ms = v.timings["verify"] * 1000
        if v.verified:
            checked = " (checked against " + args.input + ")" if args.input else ""
            human = (
                f"verified ({ms:.1f} ms): model '{v.model}' on the public input{checked}\n"
                + _fmt_public(v.inputs, v.private_inputs)
                + "\ngives the output\n"
                + _fmt_outputs(v.outputs)
            )
        else:
            human = f"REJECTED: {v.failed_check}"
        _emit(
            args,
            human,
            {"verified": v.verified, "failed_check": v.failed_check, "outputs": v.outputs,
             "inputs": v.inputs, "timings": v.timings},
        )
        return 0 if v.verified else REJECTED

    return run


@subcommand("export-verifier", "write what a verifier needs (the verifying key and its statement), nothing private")
def _export_verifier_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("build", help="build directory after zkir setup")
    p.add_argument("-o", "--output", required=True, help="directory to write vk.bin and verifier.json into")
    _common(p)

    def run(args: argparse.Namespace) -> int:
        from zkir.sharding import export_verifier

        out = export_verifier(args.build, args.output)
        _emit(
            args,
            f"verifier written to {out}/ (vk.bin, verifier.json); hand it out, then: zkir verify {out} proof.bin",
            {"output": str(out), "files": ["vk.bin", "verifier.json"]},
        )
        return 0

    return run


@subcommand("mock", "check every gate, lookup and copy on the witness, without cryptography")
def _mock_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("build", help="build directory from zkir compile")
    p.add_argument("--input", required=True, help="input.json")
    _common(p)

    def run(args: argparse.Namespace) -> int:
        from zkir.sharding import mock
        from zkir.workflow import float_error

        inputs = input_arrays(read_inputs(args.input))
        outputs: dict[str, dict[str, Any]] = {}
        failures = mock(args.build, inputs, outputs=outputs)
        errors = float_error(args.build, inputs, outputs)
        human = "all constraints hold" if not failures else "\n".join(str(f) for f in failures[:20])
        human += "\nfixed point vs the float model on this input (max |error|): " + ", ".join(
            f"{name} {e:.4g}" for name, e in errors.items()
        )
        _emit(
            args,
            human,
            {"satisfied": not failures, "failures": [f.__dict__ for f in failures[:100]], "outputs": outputs,
             "float_error": errors},
        )
        return 0 if not failures else REJECTED

    return run


@subcommand("report", "explain the circuit: per layer rows, lookups and share, what sets k, predicted cost, hints")
def _report_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("build", help="build directory from zkir compile")
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="also draw rows per layer (and, when compiled with --calibration, error per layer) to this PNG "
        "(needs the plot extra: pip install 'zkir[plot]')",
    )
    p.add_argument(
        "--no-hints",
        action="store_true",
        help="skip the hints (each re-plans the model with one flag changed: seconds on small models, "
        "longer on large ones)",
    )
    _common(p)

    def run(args: argparse.Namespace) -> int:
        from pathlib import Path

        from zkir.workflow import Settings, explain

        shards = Settings.load(Path(args.build)).shards
        if shards:
            lines = [f"{len(shards)} shards at k={shards[0]['k']}, linked by their commitments "
                     f"(zkir report {args.build}/shards/<i> explains each):",
                     f"{'shard':>5} {'rows':>8} {'advice':>6} {'lookups':>7} {'predicted MB':>12}  links in / out"]
            lines += [f"{i:>5} {s['rows']:>8} {s['advice_columns']:>6} {s['lookups']:>7} {s['predicted_mb']:>12}  "
                      f"{', '.join(s['links_in']) or '-'} / {', '.join(s['links_out']) or '-'}"
                      for i, s in enumerate(shards)]
            _emit(args, "\n".join(lines), {"shards": shards})
            return 0
        r = explain(args.build, hints=not args.no_hints, progress=_progress(args))
        s, now, rows = r["settings"], r["predicted"], r["layers"]
        lines = [
            f"k={s.k} ({1 << s.k} rows, {s.rows} used), {s.advice_columns} advice and "
            f"{s.fixed_columns} fixed columns, {s.lookups} lookup arguments",
            f"what sets k: {r['what_sets_k']}",
            f"predicted proving: {now.prove_seconds:.3g} s, peak memory {now.memory_bytes / 2**30:.2f} GiB "
            f"(cost model: {now.cost_model}; zkir tune fits it to this machine)",
            "",
            f"{'placement':28s} {'gadget':10s} {'column':9s} {'rows':>7s} {'lookup rows':>11s} {'share':>7s}",
        ]
        lines += [
            f"{row['placement'][:28]:28s} {row['gadget']:10s} {row['columns']:9s} {row['rows']:7d} "
            f"{row['lookups']:11d} {100 * row['share']:6.1f}%"
            for row in rows
        ]
        lines.append("(share: of the advice cells the placements fill; lookup rows: tuples looked up in a table)")
        data: dict[str, Any] = {
            "k": s.k, "rows": s.rows, "what_sets_k": r["what_sets_k"], "layers": rows,
            "predicted": {"prove_seconds": now.prove_seconds, "memory_bytes": now.memory_bytes,
                          "cost_model": now.cost_model},
            "hints": [h.to_json() for h in r["hints"]],
        }
        accuracy = r["accuracy"]
        if accuracy is not None:
            lines += ["", accuracy.format()]
            data["accuracy"] = accuracy.to_json()
        if r["hints"]:
            lines += ["", "hints (each found by compiling the model again with the flag):"]
            lines += [f"  {h.format(now)}" for h in r["hints"]]
        if args.plot:
            from zkir.calibration import plot_layers

            plot_layers(args.plot, rows, accuracy)
            lines.append(f"plotted rows{' and error' if accuracy is not None else ''} per layer to {args.plot}")
        _emit(args, "\n".join(lines), data)
        return 0

    return run


@subcommand("calibrate", "compile a model calibrated on sample inputs, and show its accuracy on them")
def _calibrate_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("model", help="model file (.onnx, .tflite, .keras, SavedModel dir) or .mlir")
    p.add_argument("samples", help=SAMPLES_HELP)
    _compile_arguments(p)

    def run(args: argparse.Namespace) -> int:
        from zkir.workflow import compile_model

        s = compile_model(args.model, args.output, _compile_options(args, args.samples), _progress(args))
        accuracy = read_accuracy(args.output)
        assert accuracy is not None  # compile_model wrote it
        _emit(
            args,
            f"compiled {args.model} -> {args.output}/ (k={s.k}, {s.rows} rows)\n{accuracy.format()}",
            {"build": args.output, "k": s.k, "rows": s.rows, "accuracy": accuracy.to_json()},
        )
        return 0

    return run


def read_accuracy(build: str) -> Accuracy | None:
    """The accuracy `zkir compile --calibration` saved in `build`, if any."""
    from pathlib import Path

    from zkir.calibration import Accuracy
    from zkir.workflow import CALIBRATION_FILE

    from zkir.files import FileFormatError, read_json

    path = Path(build) / CALIBRATION_FILE
    if not path.exists():
        return None
    try:
        return Accuracy.from_json(read_json(path))
    except FileFormatError as e:
        raise CliError(str(e)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CliError(f"{path}: not a zkir calibration file ({type(e).__name__}: {e}): run zkir compile --calibration") from None


@subcommand("tune", "fit the layout search's cost model to this machine (proves a few small circuits)")
def _tune_cmd(p: argparse.ArgumentParser) -> Runner:
    p.add_argument("-o", "--output", default=None, help="constants file (default: ~/.cache/zkir/cost_model.json)")
    p.add_argument("--quick", action="store_true", help="four small circuits instead of eight (less accurate)")
    _common(p)

    def run(args: argparse.Namespace) -> int:
        from zkir import tuning
        from zkir.cost import fit
        from zkir.cost.model import calibrated_path

        points = tuning.QUICK if args.quick else tuning.POINTS
        samples = tuning.measure(points, _progress(args))
        model = fit.fit(samples)
        target = args.output or calibrated_path()
        model.save(target)
        human = f"{fit.report(model, samples)}\nsaved the cost model to {target}"
        _emit(args, human, {"output": str(target), "time": model.time, "memory": model.memory})
        return 0

    return run


__all__ = ["CliError"]
