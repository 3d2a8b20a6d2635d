"""Run independent jobs on N workers: this process, local processes, or Ray.

Why: a sharded model's key generation and shard proofs are independent of each
other (issue 14), so they fan out: `--workers N` on this machine, `--ray-address
ADDR` on a Ray cluster. One entry point, `run_jobs`, so the callers (setup,
prove, the benchmarks) do not care where the jobs run.

Why a fresh process per job (processes: max_tasks_per_child=1; Ray:
max_calls=1): a job's peak memory is then its own, not the high-water mark left
by the previous shard, and what one shard's prover cached cannot push the next
over the memory budget. The price is a process start per job (~1 s with Ray),
small beside a shard proof.

Ray is optional (`pip install 'zkir[ray]'`) and imported only inside
`run_jobs`: `import zkir` never needs it. A Ray cluster's nodes must have zkir
installed (the job functions are sent by reference to their module).

Why its own layer, just above the leaves: it imports zkir.errors and
zkir.child_steps (both leaves), and the leaves' layer forbids its members
to import each other.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from zkir.child_steps import peak_rss_bytes, reset_peak_rss
from zkir.errors import ZkirError

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str], None]

BACKENDS = ("auto", "ray", "processes", "inline")

# The variables that cap a worker's threads: zkir's prover (zkir/prover/kzg.py,
# poly.py), numba's parallel loops, OpenMP/BLAS under numpy, rayon in arkworks' MSMs
# (read when its pool starts: in this process only the first job's setting holds).
THREAD_VARS = ("ZKIR_PROVER_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "RAYON_NUM_THREADS")

_RAY_MISSING = "Ray is not installed: pip install 'zkir[ray]'"
_MAX_LISTED = 8  # running jobs named on a progress line


class WorkerError(ZkirError, RuntimeError):
    """A job failed or could not be run; the message is one line naming the job.

    `details` keeps the job's traceback text (None when there is none) for
    debugging; the CLI prints only the message."""

    def __init__(self, message: str, details: str | None = None):
        super().__init__(message)
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.details))


@dataclass
class JobResult(Generic[R]):
    """One job's value and what it cost in its worker.

    peak_rss_mb: the worker process's peak resident memory while it ran this job
    (VmHWM in MiB). The high-water mark is reset at the job's start where Linux
    allows it (/proc/self/clear_refs), and processes and Ray run each job in a
    fresh process, so there it is the job's own peak plus the process's imports.
    Where the reset is refused (inline, on an older kernel) it is the process's
    peak so far, earlier jobs included."""

    value: R
    seconds: float
    peak_rss_mb: float
    worker: str


@dataclass
class _Failure:
    """A job's exception as it crosses back from a worker: the exception itself
    if it is a ZkirError that survives pickling, else its one-line text."""

    message: str
    details: str
    error: ZkirError | None


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line; a non-zkir error (a bug) keeps its
    type name so "KeyError: 'x'" still says what happened."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    if isinstance(exc, ZkirError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run_one(job: Callable[[Any], Any], arg: Any, worker: str) -> JobResult[Any] | _Failure:
    """Run one job where it is; never raises for the job's own errors, so every
    backend sees a failure the same way (no pickled tracebacks, no Ray wrappers)."""
    reset_peak_rss()
    start = time.perf_counter()
    try:
        value = job(arg)
    except Exception as exc:  # the job's failure is reported, not raised here
        error: ZkirError | None = None
        if isinstance(exc, ZkirError):
            try:
                error = pickle.loads(pickle.dumps(exc))
            except Exception:
                error = None
        return _Failure(_one_line(exc), traceback.format_exc(), error)
    seconds = time.perf_counter() - start
    return JobResult(value, seconds, peak_rss_bytes() / 2**20, worker)


def _process_entry(job: Callable[[Any], Any], arg: Any) -> JobResult[Any] | _Failure:
    return _run_one(job, arg, f"process {os.getpid()}")


def _ray_entry(job: Callable[[Any], Any], arg: Any) -> JobResult[Any] | _Failure:
    import ray

    return _run_one(job, arg, f"ray node {ray.util.get_node_ip_address()} pid {os.getpid()}")


def _set_env(env: dict[str, str]) -> None:
    """Pool initializer: runs in the fresh process before the job is unpickled."""
    os.environ.update(env)


def _raise_failure(label: str, failure: _Failure) -> None:
    """Raise the job's ZkirError as its own class, its message prefixed by the
    label; otherwise a WorkerError with the text."""
    message = f"{label}: {failure.message}"
    error = failure.error
    if error is not None:
        error.args = (message,)
        if str(error) == message:
            raise error from None
    raise WorkerError(message, failure.details) from None


def _thread_env(threads_per_worker: int) -> dict[str, str]:
    if threads_per_worker < 0:
        raise WorkerError("--threads-per-worker must be at least 0")
    return {name: str(threads_per_worker) for name in THREAD_VARS} if threads_per_worker else {}


@contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    """Set `env` in this process for the block; restore what was there after."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Tracker:
    """The progress lines: done / running, in the callers' labels."""

    def __init__(self, labels: Sequence[str], progress: Progress):
        self.labels = labels
        self.progress = progress
        self.done = 0
        self.running: list[int] = []

    def start(self, index: int) -> None:
        self.running.append(index)

    def finish(self, index: int) -> None:
        self.running.remove(index)
        self.done += 1

    def report(self) -> None:
        line = f"{self.done} of {len(self.labels)} done"
        if self.running:
            names = [self.labels[i] for i in sorted(self.running)]
            shown = ", ".join(names[:_MAX_LISTED]) + (", ..." if len(names) > _MAX_LISTED else "")
            line += f", {len(names)} running ({shown})"
        self.progress(line)


def _ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise WorkerError(_RAY_MISSING) from None
    return ray


def _choose_backend(backend: str, workers: int, ray_address: str | None) -> str:
    if backend not in BACKENDS:
        raise WorkerError(f"unknown worker backend {backend!r} (one of {', '.join(BACKENDS)})")
    if ray_address is not None and backend in ("processes", "inline"):
        raise WorkerError(f"--ray-address needs the Ray backend, not {backend!r}")
    if backend != "auto":
        return backend
    if ray_address is not None:
        return "ray"
    if workers == 1:
        return "inline"
    try:
        import ray  # noqa: F401
    except ImportError:
        return "processes"
    return "ray"


def run_jobs(
    job: Callable[[T], R],
    args: Sequence[T],
    *,
    workers: int = 1,
    ray_address: str | None = None,
    threads_per_worker: int = 0,
    labels: Sequence[str] | None = None,
    progress: Progress = lambda _: None,
    backend: str = "auto",
) -> list[JobResult[R]]:
    """Run `job(a)` for every `a` in `args`, at most `workers` at once; the
    results come back in `args` order.

    `job` must be a picklable top-level function (processes and Ray import it
    by reference). backend "auto": Ray on the cluster at `ray_address` if given;
    else, for workers >= 2, a local Ray instance if Ray is installed, else local
    processes; workers == 1: this process, one job after another. On a cluster
    with workers == 1 every job is handed to Ray at once and the cluster's free
    CPUs decide how many run; workers >= 2 caps that.

    threads_per_worker > 0 sets ZKIR_PROVER_THREADS, NUMBA_NUM_THREADS,
    OMP_NUM_THREADS and RAYON_NUM_THREADS (arkworks' multi-scalar
    multiplications) to it where the jobs run. `progress` receives one line per
    change ("2 of 4 done, 2 running (shard 2, shard 3)"); callers prefix their
    noun. A failing job stops the run: the others are cancelled (running ones
    killed) and its error is raised, its message prefixed by its label.
    """
    if workers < 1:
        raise WorkerError("--workers must be at least 1")
    names = list(labels) if labels is not None else [f"job {i}" for i in range(len(args))]
    if len(names) != len(args):
        raise ValueError(f"{len(names)} labels for {len(args)} jobs")
    env = _thread_env(threads_per_worker)
    chosen = _choose_backend(backend, workers, ray_address)
    # before the empty-args return: a missing Ray is an error even with nothing to run
    ray = _ray_module() if chosen == "ray" else None
    if not args:
        return []
    tracker = _Tracker(names, progress)
    if chosen == "inline":
        return _run_inline(job, args, env, tracker)
    if chosen == "processes":
        return _run_processes(job, args, workers, env, tracker)
    return _run_ray(ray, job, args, workers, ray_address, env, tracker)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('s') else 's'}"


def _run_inline(
    job: Callable[[Any], Any], args: Sequence[Any], env: dict[str, str], tracker: _Tracker
) -> list[Any]:
    tracker.progress(f"{_plural(len(args), 'job')} in this process")
    results: list[Any] = []
    with _environ(env):
        for i, arg in enumerate(args):
            tracker.start(i)
            tracker.report()
            outcome = _run_one(job, arg, "inline")
            if isinstance(outcome, _Failure):
                _raise_failure(tracker.labels[i], outcome)
            tracker.finish(i)
            results.append(outcome)
    tracker.report()
    return results


def _run_processes(
    job: Callable[[Any], Any],
    args: Sequence[Any],
    workers: int,
    env: dict[str, str],
    tracker: _Tracker,
) -> list[Any]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    n = min(workers, len(args))
    tracker.progress(f"{_plural(len(args), 'job')} on {_plural(n, 'local process')}")
    results: list[Any] = [None] * len(args)
    pool = ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=1,
        initializer=_set_env,
        initargs=(env,),
    )
    clean = False
    try:
        pending: dict[Future[Any], int] = {}
        queue = iter(range(len(args)))

        def refill() -> None:
            # At most n submitted: a submitted job is a running one, so the
            # progress line names what actually runs.
            for i in queue:
                pending[pool.submit(_process_entry, job, args[i])] = i
                tracker.start(i)
                if len(pending) >= n:
                    return

        refill()
        tracker.report()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: pending[f]):
                i = pending.pop(fut)
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    raise WorkerError(
                        f"{tracker.labels[i]}: its worker process died (killed, out of memory?)"
                    ) from None
                except Exception as exc:  # e.g. a value that does not pickle
                    raise WorkerError(f"{tracker.labels[i]}: {_one_line(exc)}") from None
                if isinstance(outcome, _Failure):
                    _raise_failure(tracker.labels[i], outcome)
                tracker.finish(i)
                results[i] = outcome
            refill()
            tracker.report()
        clean = True
    finally:
        if clean:
            pool.shutdown(wait=True)
        else:
            _kill_pool(pool)
    return results


def _kill_pool(pool: Any) -> None:
    """Cancel what has not started and end the processes still running a job:
    concurrent.futures cannot cancel a running call (before Python 3.14's
    terminate_workers), and a shard proof left running would hold its memory
    for minutes. Terminate first, then shut down: the pool's manager thread
    sees the dead processes, fails their futures and exits."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public handle
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=10)
    pool.shutdown(wait=True, cancel_futures=True)


def _run_ray(
    ray: Any,
    job: Callable[[Any], Any],
    args: Sequence[Any],
    workers: int,
    ray_address: str | None,
    env: dict[str, str],
    tracker: _Tracker,
) -> list[Any]:
    owned = _ray_start(ray, workers, ray_address)
    try:
        if ray_address is not None:
            where = f"on the Ray cluster at {ray_address}"
            limit = len(args) if workers == 1 else min(workers, len(args))
        else:
            where = f"on {_plural(workers, 'local Ray worker')}"
            limit = min(workers, len(args))
        tracker.progress(f"{_plural(len(args), 'job')} {where}")
        # One task per job on one CPU, never retried (a retried shard proof
        # would hide an out-of-memory kill), each in a fresh worker process.
        task = ray.remote(num_cpus=1, max_retries=0, max_calls=1)(_ray_entry)
        env_vars = dict(env)
        if ray_address is None:
            env_vars["PYTHONPATH"] = _driver_pythonpath()
        if env_vars:
            task = task.options(runtime_env={"env_vars": env_vars})
        return _ray_collect(ray, task, job, args, limit, tracker)
    finally:
        if owned:
            ray.shutdown()


def _driver_pythonpath() -> str:
    """This process's sys.path as PYTHONPATH, for workers on this machine: local
    processes (spawn) inherit sys.path, Ray's workers only the working directory,
    so a job defined in a module found through sys.path (a test, a benchmark's
    helper) would not unpickle there."""
    entries = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    entries += [p for p in sys.path if p and os.path.isdir(p) and p not in entries]
    return os.pathsep.join(entries)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _ray_one_line(exc: BaseException) -> str:
    """A Ray error on one line: Ray wraps the real cause (RayTaskError ->
    RaySystemError -> ...) in multi-line, coloured text."""
    while isinstance(getattr(exc, "cause", None), BaseException):
        exc = exc.cause  # type: ignore[attr-defined]
    return _ANSI.sub("", _one_line(exc))


def _ray_start(ray: Any, workers: int, ray_address: str | None) -> bool:
    """Connect to the cluster or start a local instance; True if we started it
    (and so shut it down). A Ray already initialised by the caller is used as is."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage-stats prompt or upload
    quiet: dict[str, Any] = {
        "logging_level": logging.ERROR,
        "log_to_driver": False,
        "configure_logging": True,
    }
    try:
        if ray_address is not None:
            ray.init(address=ray_address, **quiet)
            return False
        ray.init(num_cpus=workers, include_dashboard=False, **quiet)
        return True
    except Exception as exc:  # Ray's own errors (ConnectionError, RuntimeError, ...)
        where = f"the Ray cluster at {ray_address}" if ray_address else "a local Ray instance"
        raise WorkerError(f"could not start {where}: {_one_line(exc)}") from None


def _ray_collect(
    ray: Any,
    task: Any,
    job: Callable[[Any], Any],
    args: Sequence[Any],
    limit: int,
    tracker: _Tracker,
) -> list[Any]:
    results: list[Any] = [None] * len(args)
    pending: dict[Any, int] = {}
    queue = iter(range(len(args)))
    job_ref = ray.put(job)

    def refill() -> None:
        for i in queue:
            pending[task.remote(job_ref, args[i])] = i
            tracker.start(i)
            if len(pending) >= limit:
                return

    clean = False
    try:
        refill()
        tracker.report()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                i = pending.pop(ref)
                try:
                    outcome = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the worker died (killed, out of memory)
                    raise WorkerError(f"{tracker.labels[i]}: {_ray_one_line(exc)}") from None
                if isinstance(outcome, _Failure):
                    _raise_failure(tracker.labels[i], outcome)
                tracker.finish(i)
                results[i] = outcome
            refill()
            tracker.report()
        clean = True
    finally:
        if not clean:
            for ref in pending:
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # already finished or gone: nothing to cancel
                    pass
    return results


__all__ = ["BACKENDS", "JobResult", "Progress", "THREAD_VARS", "WorkerError", "run_jobs"]
