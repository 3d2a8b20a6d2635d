"""zkir.workers: jobs fan out to this process, local processes or local Ray,
come back in order, carry their cost, and fail with one line naming the job."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pytest

from zkir.errors import ModelError, ZkirError
from zkir.workers import THREAD_VARS, WorkerError, run_jobs


class ShardTooBig(ZkirError):
    """A ZkirError subclass as a job would raise it (picklable: defined at the top level)."""


class _Unpicklable(ZkirError):
    """A ZkirError that does not survive pickling (its __init__ takes two args)."""

    def __init__(self, a: str, b: object):
        super().__init__(f"{a} with {b}")
        self.b = lambda: b  # a lambda: pickle refuses it


def toy(n: int) -> tuple[int, int]:
    """A job: a numpy sum (so real work and an import happen) and where it ran."""
    return int(np.arange(n, dtype=np.int64).sum()), os.getpid()


def env_job(_: int) -> tuple[str | None, ...]:
    return tuple(os.environ.get(name) for name in THREAD_VARS)


def fail_on_one(i: int) -> int:
    if i == 1:
        raise ShardTooBig("needs 9 GB, the budget is 8 GB")
    if i == 0:
        time.sleep(60)  # still running when job 1 fails: must be killed, not waited for
    return i


def fail_plain(i: int) -> int:
    if i == 1:
        raise KeyError("column 7")
    return i


def fail_unpicklable(i: int) -> int:
    raise _Unpicklable("bad shard", i)


ARGS = [10, 100, 1000]
SUMS = [n * (n - 1) // 2 for n in ARGS]


def check_results(results: list, distinct_workers: bool) -> None:
    assert [r.value[0] for r in results] == SUMS  # in args order
    assert all(r.peak_rss_mb > 0 and r.seconds >= 0 for r in results)
    if distinct_workers:
        for r in results:
            assert r.worker.endswith(f" {r.value[1]}")  # the worker names the pid the job saw
        # a fresh process per job: no pid twice
        assert len({r.value[1] for r in results}) == len(results)
        assert len({r.worker for r in results}) == len(results)
    else:
        assert all(r.worker == "inline" and r.value[1] == os.getpid() for r in results)


def test_inline_runs_in_order_in_this_process():
    lines: list[str] = []
    results = run_jobs(toy, ARGS, progress=lines.append, labels=["a", "b", "c"])
    check_results(results, distinct_workers=False)
    assert lines[0] == "3 jobs in this process"
    assert "0 of 3 done, 1 running (a)" in lines
    assert lines[-1] == "3 of 3 done"


def test_inline_threads_set_for_the_run_and_restored(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("ZKIR_PROVER_THREADS", raising=False)
    (r,) = run_jobs(env_job, [0], threads_per_worker=1)
    assert r.value == ("1",) * len(THREAD_VARS)
    assert os.environ["OMP_NUM_THREADS"] == "7"
    assert "ZKIR_PROVER_THREADS" not in os.environ


def test_processes_two_workers():
    lines: list[str] = []
    results = run_jobs(toy, ARGS, workers=2, backend="processes", progress=lines.append)
    check_results(results, distinct_workers=True)
    assert all(r.worker.startswith("process ") for r in results)
    assert lines[0] == "3 jobs on 2 local processes"
    assert lines[1] == "0 of 3 done, 2 running (job 0, job 1)"  # never more than 2 at once
    assert lines[-1] == "3 of 3 done"


def test_processes_threads_reach_the_job():
    results = run_jobs(env_job, [0, 1], workers=2, backend="processes", threads_per_worker=1)
    assert [r.value for r in results] == [("1",) * len(THREAD_VARS)] * 2


@pytest.mark.parametrize("backend", ["inline", "processes"])
def test_zkir_error_keeps_its_class_and_names_the_job(backend):
    start = time.perf_counter()
    with pytest.raises(ShardTooBig) as info:
        run_jobs(fail_on_one, [0, 1, 2] if backend == "processes" else [1, 0],
                 workers=2, backend=backend, labels=(["shard 0", "shard 1", "shard 2"]
                                                     if backend == "processes" else ["shard 1", "shard 0"]))
    assert str(info.value) == "shard 1: needs 9 GB, the budget is 8 GB"
    assert info.value.__cause__ is None and info.value.__suppress_context__
    # job 0 sleeps 60 s: it was killed, not waited for (a hang guard, not a speed claim)
    assert time.perf_counter() - start < 30


def test_plain_error_becomes_worker_error_with_type_and_traceback():
    with pytest.raises(WorkerError) as info:
        run_jobs(fail_plain, [0, 1], workers=2, backend="processes", labels=["s0", "s1"])
    assert str(info.value) == "s1: KeyError: 'column 7'"
    assert info.value.details is not None and "fail_plain" in info.value.details


def test_unpicklable_zkir_error_becomes_worker_error_with_its_text():
    with pytest.raises(WorkerError, match=r"^job 0: bad shard with 0$"):
        run_jobs(fail_unpicklable, [0], workers=2, backend="processes")


def test_bad_arguments():
    with pytest.raises(WorkerError, match="^--workers must be at least 1$"):
        run_jobs(toy, ARGS, workers=0)
    with pytest.raises(WorkerError, match="unknown worker backend 'gpu'"):
        run_jobs(toy, ARGS, backend="gpu")
    with pytest.raises(WorkerError, match="--ray-address needs the Ray backend"):
        run_jobs(toy, ARGS, ray_address="10.0.0.1:6379", backend="processes")
    with pytest.raises(ValueError, match="2 labels for 3 jobs"):
        run_jobs(toy, ARGS, labels=["a", "b"])
    assert issubclass(WorkerError, ZkirError) and not issubclass(WorkerError, ModelError)


def test_without_ray(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    for kwargs in ({"backend": "ray"}, {"ray_address": "10.0.0.1:6379"}):
        with pytest.raises(WorkerError, match=r"^Ray is not installed: pip install 'zkir\[ray\]'$"):
            run_jobs(toy, ARGS, **kwargs)
    # auto with 2 workers falls back to local processes
    lines: list[str] = []
    results = run_jobs(toy, ARGS[:2], workers=2, progress=lines.append)
    assert lines[0] == "2 jobs on 2 local processes"
    assert [r.value[0] for r in results] == SUMS[:2]


def test_import_zkir_workers_does_not_import_ray():
    import subprocess

    code = "import sys, zkir.workers; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def toy_with_env(n: int) -> tuple[int, int, str | None]:
    return (*toy(n), os.environ.get("ZKIR_PROVER_THREADS"))


@pytest.mark.slow
def test_local_ray_two_workers():
    """A local Ray instance of 2 workers (~7 s, the Ray start included): order,
    a fresh worker per job, threads, progress, and the instance shut down after."""
    import ray

    lines: list[str] = []
    results = run_jobs(toy_with_env, ARGS, workers=2, threads_per_worker=1, progress=lines.append)
    check_results(results, distinct_workers=True)
    assert [r.value[2] for r in results] == ["1"] * 3
    assert all(r.worker.startswith("ray node ") for r in results)
    assert lines[0] == "3 jobs on 2 local Ray workers"
    assert lines[1] == "0 of 3 done, 2 running (job 0, job 1)"
    assert lines[-1] == "3 of 3 done"
    assert not ray.is_initialized()  # the instance it started is shut down


@pytest.mark.slow
def test_ray_failure_names_the_job_and_cancels_the_rest():
    """On a Ray the caller started (used as is, left running): a ZkirError keeps
    its class and message; the job still sleeping is cancelled, not waited for."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    try:
        start = time.perf_counter()
        with pytest.raises(ShardTooBig, match=r"^shard 1: needs 9 GB, the budget is 8 GB$"):
            run_jobs(fail_on_one, [0, 1], workers=2, backend="ray", labels=["shard 0", "shard 1"])
        assert time.perf_counter() - start < 30  # a hang guard: shard 0 sleeps 60 s
        assert ray.is_initialized()  # not ours to shut down
        with pytest.raises(WorkerError, match=r"^job 1: KeyError: 'column 7'$"):
            run_jobs(fail_plain, [0, 1], workers=2, backend="ray")
    finally:
        ray.shutdown()


def touch_mb(mb: int) -> int:
    block = np.ones(mb * 2**20 // 8)  # np.ones writes every page: resident
    return int(block.size)


def test_inline_peak_is_per_job():
    """The high-water mark is reset at each job's start, so a small job after a
    big one does not report the big one's peak."""
    big, small = run_jobs(touch_mb, [300, 1])
    assert big.peak_rss_mb > small.peak_rss_mb + 200
