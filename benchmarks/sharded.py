"""Sharded proving (issue 14): per shard k, rows, time and peak memory, and the
totals, with 1 and with 2 workers of one thread each.

    python benchmarks/sharded.py --models cnn_cifar,gpt2_tiny,mobilenet_v2,resnet18 --workers 1,2
    python benchmarks/sharded.py --models cnn_cifar --shards 1,4 --json cnn.json
    python benchmarks/sharded.py --models gpt2_tiny --compile-only

Models: cnn_cifar (benchmarks/models.py, as benchmarks/e2e.py builds it), as 1
shard and as 4 unless --shards says otherwise; gpt2_tiny, the whole
examples/gpt2_tiny/model.onnx on its input.json; mobilenet_v2 (MobileNetV2
alpha 0.35, 32x32) and resnet18 (exported_models.resnet18_cifar) built by
Keras with seeded random weights and exported with tf2onnx (the tf and test
extras); those three cut as the memory budget needs (shards 0) unless --shards.

Each (model, shard count) runs in its own child process: compile (layout
search), setup once (a fresh SRS from the OS, key generation fanned out to
--setup-workers), then for each --workers count a proof (W workers of one
thread: threads_per_worker=1) and its verification, twice (the second timed).
A one-circuit build cannot fan out: its "1 worker" is one thread, its "2
workers" the same circuit with 2 threads (the whole machine, the baseline a
sharded run competes with). Every proof must verify; a failure is reported as
one. The child writes its figures after every step (--json gets them as each
child ends), so a long run that dies keeps what it measured.

Peak memory: compile and setup are VmHWM of the child (reset before each
step); setup and prove workers report their own (zkir.workers: a fresh process
per job with 2 workers, the reset high-water mark in this process with 1); the
main prove process is VmHWM and an RSS sampler (the inline jobs reset VmHWM).
One shard's verify is zkir.workflow.check_proof on that shard's key and proof,
cut out of the bundle; the bundle's verify checks every shard and every link.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from zkir.child_steps import peak_rss_bytes, reset_peak_rss

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
GPT2 = ROOT / "examples" / "gpt2_tiny"
MODELS = ("cnn_cifar", "gpt2_tiny", "mobilenet_v2", "resnet18")
DEFAULT_SHARDS = {"cnn_cifar": [1, 4]}
"""Shard counts per model when --shards is not given (else [0]: the budget decides)."""
TARGET_MB = 8000
THREAD_VARS = ("ZKIR_PROVER_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS")


# ---- models -------------------------------------------------------------------------


def export(name: str, work: Path, resnet_width: int = 0) -> None:
    """Write work/<name>.onnx and work/<name>.input.json (run in a child: Keras's memory stays there)."""
    import numpy as np

    work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(BENCH))
    if name == "cnn_cifar":
        import models

        models.write(work)  # writes cnn_cifar.onnx and cnn_cifar.input.json ({"input": ...})
        return
    import exported_models as E

    e = E.mobilenet() if name == "mobilenet_v2" else E.resnet18_cifar(resnet_width or E.RESNET18_WIDTH)
    E.export_onnx(e, work / f"{name}.onnx")
    (work / f"{name}.input.json").write_text(json.dumps({"x": np.asarray(e.feeds[0]).tolist()}))


def model_files(name: str, work: Path) -> tuple[Path, Any]:
    """(ONNX file, its input as zkir prove takes it: a list, or a dict by input name)."""
    if name == "gpt2_tiny":
        return GPT2 / "model.onnx", json.loads((GPT2 / "input.json").read_text())
    inputs = json.loads((work / f"{name}.input.json").read_text())
    return work / f"{name}.onnx", next(iter(inputs.values())) if len(inputs) == 1 else inputs


# ---- memory -------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_mb() -> float:
    return peak_rss_bytes() / 2**20


class RssSampler:
    """The largest RSS of this process seen every 50 ms: survives a VmHWM reset
    by a job run inline (zkir.workers resets it at every job's start)."""

    def __init__(self) -> None:
        self.max_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.max_kb = max(self.max_kb, _status_kb("VmRSS"))
            self._stop.wait(0.05)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.max_kb = max(self.max_kb, _status_kb("VmRSS"))


class ThreadEnv:
    """Cap this process's prover threads for a block (read at every prover call)."""

    def __init__(self, threads: int) -> None:
        self.values = {name: str(threads) for name in THREAD_VARS}
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        self.saved = {name: os.environ.get(name) for name in self.values}
        os.environ.update(self.values)

    def __exit__(self, *_: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ---- one (model, shard count), in a child -------------------------------------------


def _save(path: Path, figures: dict[str, Any]) -> None:
    from zkir.files import write_atomic

    write_atomic(path, json.dumps(figures, indent=1))


def _shard_verifies(build: Path, proof: Path) -> list[float]:
    """Seconds of each shard's own verify (its key, its proof cut out of the bundle), second run."""
    from zkir import sharding as S
    from zkir.workflow import check_proof

    bundle = S.read_key_bundle(build / "vk.bin")
    files = S.read_proof_bundle(proof, bundle)
    seconds = []
    for vk, statement, pf in zip(bundle.keys, bundle.statements, files):
        check_proof(vk, statement, pf, False)  # kernels loaded
        t = time.perf_counter()
        check_proof(vk, statement, pf, False)
        seconds.append(time.perf_counter() - t)
    return seconds


def prove_once(build: Path, x: Any, w: int, count: int, rep: int, backend: str, progress: Any) -> dict[str, Any]:
    """One proof with `w` workers of one thread (one circuit: `w` threads), and its verification."""
    from zkir import sharding as S

    proof = build / f"proof_w{w}_{rep}.bin"
    run: dict[str, Any] = {"load_avg": os.getloadavg()[0]}
    reset_peak_rss()
    t = time.perf_counter()
    with RssSampler() as sampler:
        if count > 1:
            r = S.prove(build, x, proof, progress, workers=w, threads_per_worker=1, backend=backend)
        else:
            with ThreadEnv(w):  # one circuit: no fan-out, w threads
                r = S.prove(build, x, proof, progress)
    run["wall_s"] = time.perf_counter() - t
    run["main_peak_mb"] = max(peak_mb(), sampler.max_kb / 1024)
    run["witness_s"] = r.timings["witness"]
    run["prove_s"] = r.timings["prove"]
    run["proof_bytes"] = r.proof_bytes
    if count > 1:
        shards: Any = r.timings["shards"]  # a list of dicts (ProveResult.timings is typed as floats)
        run["shards"] = [dict(s) for s in shards]
    else:
        run["shards"] = [{"shard": 0, "seconds": r.timings["prove"], "peak_mb": run["main_peak_mb"],
                          "worker": f"this process, {w} thread{'s' if w > 1 else ''}",
                          **{k: v for k, v in r.timings.items() if k.startswith("prove_") or k == "load"}}]
    v = S.verify(build, proof)
    run["verified"] = bool(v.verified)
    if not v.verified:
        run["failed_check"] = v.failed_check
        return run
    v = S.verify(build, proof)  # the second call: kernels loaded
    assert v.verified, v.failed_check
    run["verify_ms"] = v.timings["verify"] * 1000
    run["shard_verify_ms"] = [s * 1000 for s in _shard_verifies(build, proof)] if count > 1 else [run["verify_ms"]]
    proof.unlink()
    return run


def median_run(tries: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median fan-out time (the lower middle of an even count), with
    every try's times beside it and the largest peaks of all."""
    ordered = sorted(tries, key=lambda r: r["prove_s"])
    run = dict(ordered[(len(ordered) - 1) // 2])
    run["prove_s_all"] = [r["prove_s"] for r in tries]
    run["wall_s_all"] = [r["wall_s"] for r in tries]
    run["load_avg_all"] = [r["load_avg"] for r in tries]
    run["main_peak_mb"] = max(r["main_peak_mb"] for r in tries)
    run["max_worker_peak_mb"] = max(s["peak_mb"] for r in tries for s in r["shards"])
    return run


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(f"terminated by signal {signum}")


def measure(name: str, shards: int, workers: list[int], args: argparse.Namespace, out: Path) -> None:
    """Compile, set up, prove with each worker count and verify; figures to `out` after every step."""
    from zkir import sharding as S
    from zkir import workflow as W

    def progress(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')} {name} shards={shards}] {line}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, _terminated)  # the figures so far still reach `out`
    figures: dict[str, Any] = {"model": name, "shards_asked": shards, "status": "running",
                               "backend": args.backend, "load_start": os.getloadavg()}
    model, x = model_files(name, args.work)
    build = args.work / f"build_{name}_{shards}"
    options = W.CompileOptions(shards=shards, columns=0, memory_budget_mb=args.memory_budget)
    try:
        reset_peak_rss()
        t = time.perf_counter()
        settings, plan = W.compile_circuit(model, build, options, progress)
        figures["compile_s"] = time.perf_counter() - t
        figures["compile_peak_mb"] = peak_mb()
        figures["budget_mb"] = args.memory_budget or W.default_memory_budget_mb()
        if settings.shards:
            figures["shards"] = [dict(s) for s in settings.shards]
        else:
            figures["shards"] = [{"k": settings.k, "rows": settings.rows, "advice_columns": settings.advice_columns,
                                  "lookups": settings.lookups, "links_in": [], "links_out": [],
                                  "predicted_mb": round(W.predicted_peak_memory(plan) / 2**20)}]
        del plan
        figures["k"], figures["rows"] = settings.k, settings.rows
        _save(out, figures)
        if args.compile_only:
            figures["status"] = "compiled"
            return
        count = len(figures["shards"])
        reset_peak_rss()
        t = time.perf_counter()
        setup = S.setup(build, progress=progress, workers=args.setup_workers if count > 1 else 1,
                        backend=args.backend if count > 1 else "auto")
        figures["setup_s"] = time.perf_counter() - t
        figures["setup_peak_mb"] = peak_mb()  # this process: the SRS, and one circuit's keygen
        figures["setup_srs_s"] = setup["srs"]
        if count > 1:
            for fig, s in zip(figures["shards"], setup["shards"]):
                fig["setup_s"], fig["setup_peak_mb"] = s["seconds"], s["peak_mb"]
        else:
            figures["shards"][0]["setup_s"] = setup["keygen"]
            figures["shards"][0]["setup_peak_mb"] = figures["setup_peak_mb"]
        _save(out, figures)
        figures["runs"] = {}
        tries: dict[str, list[dict[str, Any]]] = {str(w): [] for w in workers}
        for rep in range(args.repeat):  # interleaved, so a burst of others' load hits every count alike
            for w in workers:
                run = prove_once(build, x, w, count, rep, args.backend, progress)
                tries[str(w)].append(run)
                if not run["verified"]:
                    figures["runs"][str(w)] = run
                    raise AssertionError(f"the proof with {w} workers does not verify: {run['failed_check']}")
                figures["runs"][str(w)] = median_run(tries[str(w)])
                _save(out, figures)
        figures["status"] = "ok"
    except BaseException as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        figures["status"] = "failed"
        figures["error"] = f"{type(exc).__name__}: {lines[0] if lines else ''}"
        raise
    finally:
        figures["load_end"] = os.getloadavg()
        _save(out, figures)


# ---- the parent ---------------------------------------------------------------------


def _child(cmd: list[str]) -> int:
    """Run a child of this script; its progress goes to our stderr."""
    return subprocess.run([sys.executable, __file__, *cmd], stdout=sys.stderr).returncode


def max_peak(f: dict[str, Any]) -> float:
    peaks = [f.get("compile_peak_mb", 0), f.get("setup_peak_mb", 0)]
    peaks += [s.get("setup_peak_mb", 0) for s in f.get("shards", [])]
    for run in f.get("runs", {}).values():
        peaks += [run["main_peak_mb"], run.get("max_worker_peak_mb", 0), *(s["peak_mb"] for s in run["shards"])]
    return max(peaks)


def report(f: dict[str, Any]) -> None:
    """Print one child's figures: a line per shard, then the totals."""
    title = f"{f['model']} (shards asked {f['shards_asked']}, backend {f.get('backend', 'auto')}): {f['status']}"
    print(f"\n{title}" + (f": {f['error']}" if "error" in f else ""))
    if "shards" not in f:
        return
    runs = f.get("runs", {})
    head = f"{'shard':>5s} {'k':>3s} {'rows':>8s} {'adv':>4s} {'lkps':>4s} {'links in/out':>12s} {'pred MB':>8s} " \
           f"{'setup s':>8s} {'setup MB':>8s}"
    for w in runs:
        head += f" {'prove s w' + w:>10s} {'MB w' + w:>7s}"
    print(head)
    for i, s in enumerate(f["shards"]):
        links = f"{len(s['links_in'])}/{len(s['links_out'])}"
        line = f"{i:5d} {s['k']:3d} {s['rows']:8d} {s['advice_columns']:4d} {s['lookups']:4d} {links:>12s} " \
               f"{s['predicted_mb']:8d} {s.get('setup_s', float('nan')):8.1f} {s.get('setup_peak_mb', float('nan')):8.0f}"
        for run in runs.values():
            p = run["shards"][i]
            line += f" {p['seconds']:10.1f} {p['peak_mb']:7.0f}"
        print(line)
    print(f"compile {f['compile_s']:.1f} s (peak {f['compile_peak_mb']:.0f} MB), k={f['k']}, {f['rows']} rows in all, "
          f"budget {f['budget_mb']} MB")
    if "setup_s" in f:
        print(f"setup {f['setup_s']:.1f} s wall (SRS {f['setup_srs_s']:.1f} s; peak of this process "
              f"{f['setup_peak_mb']:.0f} MB)")
    for w, run in runs.items():
        line = (f"prove, {w} worker(s): {run['prove_s']:.1f} s fan-out, {run['wall_s']:.1f} s wall "
                f"(witness {run['witness_s']:.1f} s), main process peak {run['main_peak_mb']:.0f} MB, "
                f"proof {run['proof_bytes']} B, verified {run['verified']}")
        if len(run.get("prove_s_all", [])) > 1:
            line += f" [median of {', '.join(f'{t:.1f}' for t in run['prove_s_all'])} s]"
        if "verify_ms" in run:
            shard_sum = sum(run["shard_verify_ms"])
            line += (f"; verify {run['verify_ms']:.0f} ms, shards alone {shard_sum:.0f} ms "
                     f"(ratio {run['verify_ms'] / shard_sum:.2f})")
        print(line)
    if "1" in runs and "2" in runs:
        a, b = runs["1"], runs["2"]
        line = f"prove(2 workers)/prove(1): {b['prove_s'] / a['prove_s']:.2f} fan-out, {b['wall_s'] / a['wall_s']:.2f} wall"
        pairs = list(zip(a.get("prove_s_all", []), b.get("prove_s_all", [])))
        if len(pairs) > 1:
            line += f" (each try: {', '.join(f'{y / x:.2f}' for x, y in pairs)})"
        print(line)
    peak = max_peak(f)
    print(f"max peak of any step {peak:.0f} MB: {'within' if peak <= TARGET_MB else 'OVER'} the {TARGET_MB} MB target")
    print(f"load average: {f['load_start'][0]:.2f} at the start, {f.get('load_end', [float('nan')])[0]:.2f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, from: " + ", ".join(MODELS))
    parser.add_argument("--shards", help="shard counts, comma-separated (0: as the memory budget needs); "
                                         "default 1,4 for cnn_cifar, 0 for the others")
    parser.add_argument("--workers", default="1,2", help="worker counts to prove with, one thread each")
    parser.add_argument("--backend", default="auto", choices=("auto", "ray", "processes", "inline"),
                        help="where shard jobs run (zkir.workers.run_jobs; auto: 1 worker in the process, "
                             "2 on local Ray)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="proofs per worker count, interleaved; the median is reported")
    parser.add_argument("--setup-workers", type=int, default=2, help="workers of sharded key generation")
    parser.add_argument("--memory-budget", type=int, default=0, help="MB per circuit (0: workflow.default_memory_budget_mb)")
    parser.add_argument("--compile-only", action="store_true", help="compile and report k/rows per shard, no proofs")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "zkir_sharded",
                        help="where models and builds are written")
    parser.add_argument("--resnet-width", type=int, default=0,
                        help="resnet18's first width (64: ResNet-18 itself; default exported_models.RESNET18_WIDTH)")
    parser.add_argument("--json", type=Path, help="write every figure here (after each child)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    parser.add_argument("--shard-count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    if args.export:
        export(args.export, args.work, args.resnet_width)
        return
    if args.one:
        measure(args.one, args.shard_count, workers, args, args.out)
        return
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    for name in names:
        if name not in MODELS:
            sys.exit(f"unknown model {name}; choose from {', '.join(MODELS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    common = ["--work", str(args.work), "--workers", args.workers, "--backend", args.backend,
              "--repeat", str(args.repeat), "--setup-workers", str(args.setup_workers),
              "--memory-budget", str(args.memory_budget)] + (["--compile-only"] if args.compile_only else [])
    results: list[dict[str, Any]] = []
    failures = 0
    for name in names:
        if name != "gpt2_tiny" and _child(["--export", name, "--work", str(args.work),
                                             "--resnet-width", str(args.resnet_width)]):
            results.append({"model": name, "status": "failed", "error": "building the model failed"})
            failures += 1
            continue
        counts = [int(c) for c in args.shards.split(",")] if args.shards else DEFAULT_SHARDS.get(name, [0])
        for count in counts:
            out = args.work / f"figures_{name}_{count}.json"
            out.unlink(missing_ok=True)
            code = _child(["--one", name, "--shard-count", str(count), "--out", str(out), *common])
            f = json.loads(out.read_text()) if out.exists() else {"model": name, "shards_asked": count}
            if code and f.get("status") != "failed":
                why = f"killed by signal {-code}" if code < 0 else f"exit {code}"
                f["status"], f["error"] = "failed", f"the child ended before its figures did ({why}; out of memory?)"
            failures += f["status"] == "failed"
            results.append(f)
            report(f)
            if args.json:
                from zkir.files import write_atomic

                write_atomic(args.json, json.dumps(results, indent=1))
    if failures:
        sys.exit(f"{failures} run(s) failed")


if __name__ == "__main__":
    main()
