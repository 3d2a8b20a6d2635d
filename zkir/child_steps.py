"""Steps run in a fresh interpreter, reporting one JSON object.

Why a fresh process: a step's peak memory is only its own there, and caches
warmed by an earlier step do not flatter a later one (zkir tune, benchmarks).
Why at the top of the package: a leaf importing nothing of zkir, so
zkir.tuning and the benchmarks share it without importing zkir.tools.
"""

from __future__ import annotations

import json
import resource
import subprocess


def run_json_step(cmd: list[str], what: str) -> dict:
    """Run `cmd`; its last stdout line is the result. A failure raises
    RuntimeError carrying the step's last stderr line."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{what} failed: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss_bytes() -> int:
    """Peak RSS of this process: VmHWM (ru_maxrss can report the parent's peak
    inherited across fork/exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_rss() -> None:
    """Reset this process's VmHWM to its current RSS, so the next peak_rss_bytes()
    is the next step's own (Linux >= 4.0; best effort elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
