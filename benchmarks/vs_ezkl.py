"""zkir vs EZKL, side by side, on the same ONNX files (benchmarks/models.py).

Every pipeline step of either tool runs in a fresh process: zkir through its
CLI, EZKL through benchmarks/ezkl_step.py. Why: peak RSS is a per-process
high-water mark, so a step sharing a process with an earlier one (EZKL's setup,
zkir's keygen) would report that step's memory, not its own; a fresh process
also gives each step cold caches and no JIT/allocator state from a warm-up,
which is how a user runs `prove` in production. Peak RSS is the step
process's own high-water mark, taken by /usr/bin/time (see run_step), the
same measure for both tools; "peak RSS" is the max over the pipeline steps.

Times: "prove s" is the prover's own time - zkir's `timings.prove` from its
JSON (excludes loading the keys, reported as `load`), EZKL's wall time of the
ezkl.prove() call measured inside the child (includes reading pk and SRS from
disk, which EZKL does not report separately). "prove wall s" is the whole
process, interpreter start to exit, for both. EZKL's SRS is generated locally
(ezkl.gen_srs, insecure, cached per k) and never timed; zkir's setup uses its
seeded test SRS. EZKL runs two variants - default settings and
calibrate_settings(target="resources") - and the one with the faster prove is
compared. EZKL's pk.key is deleted after proving (GBs at k=21).

Usage: python benchmarks/vs_ezkl.py [--models mlp,cnn_small] [--skip-ezkl] [--no-calibration]
       [--skip-zkir] [--zkir-products rand|dot|both] [--ezkl-variants default,resources] [--work DIR]
       [--json OUT] [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from models import MODELS, sample_input, write  # noqa: E402

EZKL_STEP = HERE / "ezkl_step.py"
EZKL_VARIANTS = ("default", "resources")
MB = 1024.0  # ru_maxrss and time's %M are kB on Linux
TIME_BIN = Path("/usr/bin/time")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class StepRun:
    """One step's process: wall time, peak RSS, and its last-line JSON report."""

    name: str
    ok: bool
    wall_s: float
    max_rss_kb: int
    report: dict[str, Any] | None
    error: str | None = None


@dataclass
class ToolResult:
    """The numbers one tool (or one EZKL variant) gets on one model."""

    tool: str
    k: int | None = None
    rows: int | None = None
    scale_bits: int | None = None  # fixed-point fraction bits (EZKL: input_scale)
    prove_s: float | None = None
    prove_wall_s: float | None = None
    verify_s: float | None = None
    proof_bytes: int | None = None
    proof_file_bytes: int | None = None
    peak_rss_mb: float | None = None
    prove_rss_mb: float | None = None
    max_abs_err: float | None = None
    failed: str | None = None  # "step: one-line error"
    prove_phases: dict[str, float] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""


def run_step(name: str, cmd: list[str], log_dir: Path, timeout: float) -> StepRun:
    """Run cmd as its own process; wall time from here, peak RSS of that process alone.

    Linux carries a parent's RSS high-water mark across fork+exec, so os.wait4's
    ru_maxrss for a direct child is never below this (numpy + onnxruntime) process's
    own peak. /usr/bin/time is tiny, so the %M it reports for its child is clean;
    without it we fall back to os.wait4's (floored) figure.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path, rss_path = (log_dir / f"{name}.{ext}" for ext in ("stdout", "stderr", "rss"))
    rss_path.unlink(missing_ok=True)
    wrapped = [str(TIME_BIN), "-f", "%M", "-o", str(rss_path), *cmd] if TIME_BIN.exists() else cmd
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # it ended just now
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    report = _last_json(out_path.read_text(errors="replace"))
    rss_lines = rss_path.read_text().split() if rss_path.exists() else []
    max_rss_kb = int(rss_lines[-1]) if rss_lines and rss_lines[-1].isdigit() else usage.ru_maxrss
    error = None
    if timed_out.is_set():
        error = f"timeout after {timeout:.0f} s"
    elif proc.returncode != 0:
        error = (report or {}).get("error") or _last_line(err_path.read_text(errors="replace")) or f"exit {proc.returncode}"
    return StepRun(name, error is None, wall, max_rss_kb, report, error)


def _last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        return value if isinstance(value, dict) else None
    return None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


class Pipeline:
    """Runs a tool's steps in order, stops at the first failure, and keeps every step's numbers."""

    def __init__(self, result: ToolResult, log_dir: Path, timeout: float, label: str):
        self.result, self.log_dir, self.timeout, self.label = result, log_dir, timeout, label

    def step(self, name: str, cmd: list[str]) -> StepRun | None:
        """The step's run, or None (and result.failed set) if it or an earlier step failed."""
        if self.result.failed:
            return None
        log(f"[{self.label}] {name} ...")
        run = run_step(name, cmd, self.log_dir, self.timeout)
        self.result.steps[name] = {
            "ok": run.ok,
            "wall_s": round(run.wall_s, 3),
            "max_rss_mb": round(run.max_rss_kb / MB, 1),
            **({"error": run.error} if run.error else {}),
        }
        log(f"[{self.label}] {name}: {'ok' if run.ok else 'FAILED'} {run.wall_s:.2f} s, {run.max_rss_kb / MB:.0f} MB"
            + (f" - {run.error}" if run.error else ""))
        if not run.ok:
            self.result.failed = f"{name}: {run.error}"
            return None
        return run

    def peak_rss(self, names: tuple[str, ...]) -> None:
        rss = [s["max_rss_mb"] for n, s in self.result.steps.items() if n in names]
        self.result.peak_rss_mb = max(rss) if rss else None


def reference_output(model: Path, x: np.ndarray) -> np.ndarray:
    """onnxruntime's float output (all outputs, flattened and concatenated)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    outs = sess.run(None, {sess.get_inputs()[0].name: x})
    return np.concatenate([np.asarray(o, dtype=np.float64).ravel() for o in outs])


def _max_abs_err(got: list[float], want: np.ndarray) -> float | None:
    got_arr = np.asarray(got, dtype=np.float64)
    if got_arr.shape != want.shape:
        return None
    return float(np.max(np.abs(got_arr - want)))


ZKIR_PIPELINE = ("compile", "setup", "prove", "verify")


def zkir_cli() -> list[str]:
    """The zkir CLI next to this interpreter (the venv's), else on PATH."""
    local = Path(sys.executable).parent / "zkir"
    if local.exists():
        return [str(local)]
    found = shutil.which("zkir")
    return [found] if found else [sys.executable, "-m", "zkir"]


def run_zkir(
    name: str, model: Path, input_json: Path, want: np.ndarray, work: Path, timeout: float, samples: Path | None = None,
    randomize: bool = True,
) -> ToolResult:
    """compile (weights fixed; calibrated on `samples` if given; every product a dot
    unless `randomize`) -> setup -> prove -> verify, one process each."""
    label = "zkir" if randomize else "zkir-dot"
    build = work / label / name
    shutil.rmtree(build, ignore_errors=True)
    proof = build / "proof.bin"
    res = ToolResult(label, note="prove s = zkir's timings.prove (excludes key loading)"
                     + ("" if randomize else "; --no-randomize: every matrix product a multiply-add dot"))
    pipe = Pipeline(res, work / "logs" / label / name, timeout, f"{name} {label}")
    cli, flags = zkir_cli(), ["--json", "-q"]
    calibration = ["--calibration", str(samples)] if samples else []
    products = [] if randomize else ["--no-randomize"]
    if run := pipe.step("compile", cli + ["compile", str(model), "-o", str(build), "--weights", "fixed", *calibration,
                                          *products, *flags]):
        res.k, res.rows = (run.report or {}).get("k"), (run.report or {}).get("rows")
        res.scale_bits = json.loads((build / "settings.json").read_text()).get("options", {}).get("scale_bits")
    pipe.step("setup", cli + ["setup", str(build), *flags])
    if run := pipe.step("prove", cli + ["prove", str(build), "--input", str(input_json), "-o", str(proof), *flags]):
        rep = run.report or {}
        timings = rep.get("timings", {})
        res.prove_wall_s = run.wall_s
        res.prove_rss_mb = run.max_rss_kb / MB
        res.prove_s = timings.get("prove")
        if res.prove_s is None:
            res.prove_s, res.note = run.wall_s, "prove s = process wall time (no timings.prove in JSON)"
        res.prove_phases = {k.removeprefix("prove_"): v for k, v in timings.items() if k.startswith("prove_")}
        res.proof_bytes = rep.get("proof_bytes")
        res.proof_file_bytes = proof.stat().st_size if proof.exists() else None
        got = [v for out in rep.get("outputs", {}).values() for v in np.ravel(out["value"])]
        res.max_abs_err = _max_abs_err(got, want)
    if run := pipe.step("verify", cli + ["verify", str(build), str(proof), *flags]):
        rep = run.report or {}
        res.verify_s = rep.get("timings", {}).get("verify", run.wall_s)
        if rep.get("verified") is False:
            res.failed = f"verify: rejected ({rep.get('failed_check')})"
    pipe.peak_rss(ZKIR_PIPELINE)
    return res


EZKL_PIPELINE = ("compile", "witness", "setup", "prove", "verify")


def ezkl_available() -> bool:
    try:
        import ezkl  # noqa: F401
    except ImportError:
        return False
    return True


def ezkl_srs(work: Path, k: int, timeout: float) -> Path | None:
    """The cached insecure SRS for 2^k rows; generated on first use and not timed."""
    srs = work / "ezkl" / "srs" / f"kzg{k}.srs"
    if not srs.exists():
        log(f"[ezkl] gen_srs k={k} (untimed, cached in {srs.parent}) ...")
        srs.parent.mkdir(parents=True, exist_ok=True)
        tmp = srs.with_suffix(".tmp")
        run = run_step(f"gen_srs_{k}", [sys.executable, str(EZKL_STEP), "gen_srs", str(tmp), str(k)],
                       work / "logs" / "ezkl", timeout)
        if not run.ok:
            return None
        tmp.rename(srs)
    return srs


def run_ezkl_variant(name: str, variant: str, model: Path, data: Path, want: np.ndarray, work: Path,
                     timeout: float) -> ToolResult:
    """gen_settings [-> calibrate] -> compile -> witness -> setup -> prove -> verify, one process each."""
    vdir = work / "ezkl" / name / variant
    shutil.rmtree(vdir, ignore_errors=True)
    vdir.mkdir(parents=True)
    settings, compiled, witness = vdir / "settings.json", vdir / "network.compiled", vdir / "witness.json"
    vk, pk, proof = vdir / "vk.key", vdir / "pk.key", vdir / "proof.json"
    res = ToolResult(f"EZKL[{variant}]", note="prove s = wall time of the ezkl.prove() call (includes reading pk/SRS)")
    pipe = Pipeline(res, work / "logs" / "ezkl" / name / variant, timeout, f"{name} ezkl[{variant}]")

    def ezkl(step: str, *args: Path | str) -> StepRun | None:
        return pipe.step(step, [sys.executable, str(EZKL_STEP), step, *map(str, args)])

    ezkl("gen_settings", model, settings)
    if variant == "resources":
        ezkl("calibrate", data, model, settings)
    ezkl("compile", model, compiled, settings)
    if res.failed:
        return res
    cfg = json.loads(settings.read_text())
    res.k, res.rows = cfg["run_args"]["logrows"], cfg.get("num_rows")
    res.scale_bits = cfg["run_args"].get("input_scale")
    srs = ezkl_srs(work, res.k, timeout)
    if srs is None:
        res.failed = f"gen_srs: could not make the SRS for k={res.k}"
        return res
    ezkl("witness", data, compiled, witness)
    ezkl("setup", compiled, vk, pk, srs)
    if run := ezkl("prove", witness, compiled, pk, proof, srs):
        res.prove_s = (run.report or {}).get("seconds", run.wall_s)
        res.prove_wall_s = run.wall_s
        res.prove_rss_mb = run.max_rss_kb / MB
        res.proof_file_bytes = proof.stat().st_size
        res.proof_bytes = len(json.loads(proof.read_text())["proof"])
        pretty = json.loads(witness.read_text()).get("pretty_elements") or {}
        got = [float(v) for out in pretty.get("rescaled_outputs", []) for v in out]
        res.max_abs_err = _max_abs_err(got, want)
    pk.unlink(missing_ok=True)
    if run := ezkl("verify", proof, settings, vk, srs):
        res.verify_s = (run.report or {}).get("seconds", run.wall_s)
    pipe.peak_rss(EZKL_PIPELINE)
    return res


def best_variant(variants: list[ToolResult]) -> ToolResult | None:
    """The variant with the faster prove (a failed one only if all failed)."""
    done = [v for v in variants if not v.failed and v.prove_s is not None]
    if done:
        return min(done, key=lambda v: v.prove_s)
    return variants[0] if variants else None


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != 0 and abs(value) < 0.5 * 10**-digits:
            return f"{value:.2e}"
        return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


TABLE_ROWS = (  # label, attribute, digits, show the zkir/EZKL ratio
    ("k", "k", 0, False),
    ("rows", "rows", 0, False),
    ("scale bits", "scale_bits", 0, False),
    ("prove s", "prove_s", 2, True),
    ("prove proc wall s", "prove_wall_s", 2, True),
    ("verify s", "verify_s", 3, False),
    ("proof bytes", "proof_bytes", 0, False),
    ("proof file bytes", "proof_file_bytes", 0, False),
    ("peak RSS MB (all steps)", "peak_rss_mb", 0, True),
    ("prove RSS MB", "prove_rss_mb", 0, True),
    ("max abs output err", "max_abs_err", 4, False),
)


def print_model(name: str, zk: ToolResult | None, ez: ToolResult | None, ez_all: list[ToolResult]) -> None:
    """Per model: metric rows for zkir and the chosen EZKL variant, the zkir/EZKL ratios, and zkir's phases."""
    cols = [c for c in (zk, ez) if c is not None]
    print(f"\n== {name}: {MODELS[name][1]} ==")
    header = f"{'':26}" + "".join(f"{c.tool:>18}" for c in cols) + (f"{'zkir/EZKL':>12}" if zk and ez else "")
    print(header)
    for label, attr, digits, ratio in TABLE_ROWS:
        line = f"{label:26}" + "".join(f"{_fmt(getattr(c, attr), digits):>18}" for c in cols)
        if zk and ez and ratio:
            line += f"{_ratio(getattr(zk, attr), getattr(ez, attr)):>12}"
        print(line)
    for c in cols:
        if c.failed:
            print(f"  {c.tool} FAILED at {c.failed}")
    for c in ez_all:
        if c is not ez:
            print(f"  other EZKL variant {c.tool}: " + (f"FAILED at {c.failed}" if c.failed else
                  f"k={c.k} rows={c.rows} scale={c.scale_bits} prove {_fmt(c.prove_s, 2)} s, peak RSS {_fmt(c.peak_rss_mb, 0)} MB, "
                  f"err {_fmt(c.max_abs_err, 4)}"))
    if zk and zk.prove_phases:
        total = zk.prove_s or sum(zk.prove_phases.values())
        phases = ", ".join(f"{k} {v:.2f} s ({100 * v / total:.0f}%)" for k, v in zk.prove_phases.items())
        print(f"  zkir prove phases: {phases}")
    for c in cols:
        print(f"  note {c.tool}: {c.note}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma list of {', '.join(MODELS)}")
    ap.add_argument("--skip-ezkl", action="store_true")
    ap.add_argument("--skip-zkir", action="store_true")
    ap.add_argument("--no-calibration", action="store_true",
                    help="compile zkir without the models' calibration samples (tables sized to saturation ranges only)")
    ap.add_argument("--ezkl-variants", default=",".join(EZKL_VARIANTS), help="comma list of default, resources")
    ap.add_argument("--zkir-products", choices=("rand", "dot", "both"), default="rand",
                    help="zkir with randomized products allowed (default), dots only (--no-randomize), or both")
    ap.add_argument("--work", type=Path, default=Path("build/vs_ezkl"), help="work dir (models, builds, SRS cache)")
    ap.add_argument("--json", type=Path, help="save every number here")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per-step timeout, seconds")
    args = ap.parse_args(argv)

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    variants = [v.strip() for v in args.ezkl_variants.split(",") if v.strip()]
    unknown = [n for n in names if n not in MODELS] + [v for v in variants if v not in EZKL_VARIANTS]
    if unknown:
        ap.error(f"unknown model or EZKL variant: {', '.join(unknown)}")
    use_ezkl = not args.skip_ezkl
    if use_ezkl and not ezkl_available():
        print("ezkl is not installed (pip install ezkl==23.0.5): running the zkir side only")
        use_ezkl = False

    work = args.work.resolve()
    model_dir = work / "models"
    log(f"writing models to {model_dir}")
    paths = write(model_dir)
    results: dict[str, Any] = {}
    for name in names:
        model = paths[name]
        want = reference_output(model, sample_input(name))
        samples = None if args.no_calibration else model_dir / f"{name}.samples.json"
        zk_all = [] if args.skip_zkir else [
            run_zkir(name, model, model_dir / f"{name}.input.json", want, work, args.timeout, samples, randomize)
            for randomize in {"rand": (True,), "dot": (False,), "both": (False, True)}[args.zkir_products]]
        zk = zk_all[-1] if zk_all else None
        ez_all = [run_ezkl_variant(name, v, model, model_dir / f"{name}.ezkl_input.json", want, work, args.timeout)
                  for v in variants] if use_ezkl else []
        ez = best_variant(ez_all)
        print_model(name, zk, ez, ez_all)
        if len(zk_all) == 2:
            d, r = zk_all
            print(f"  zkir-dot (before randomized products): k={d.k} rows={d.rows} prove {_fmt(d.prove_s, 2)} s, "
                  f"peak RSS {_fmt(d.peak_rss_mb, 0)} MB; zkir/zkir-dot prove {_ratio(r.prove_s, d.prove_s)}, "
                  f"rows {_ratio(r.rows, d.rows)}")
        results[name] = {
            "float_output": want.tolist(),
            "zkir": asdict(zk) if zk else None,
            "zkir_dot": asdict(zk_all[0]) if len(zk_all) == 2 else None,
            "ezkl": {c.tool: asdict(c) for c in ez_all},
            "ezkl_chosen": ez.tool if ez else None,
        }
        if args.json:  # after each model, so a long run keeps what it has
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
