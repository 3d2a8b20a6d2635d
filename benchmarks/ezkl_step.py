"""Run one EZKL pipeline step in this (fresh) process and report it as JSON.

vs_ezkl.py starts this script once per step so that each step's time and peak
memory are its own: no warm caches, and no RSS high-water mark left over by an
earlier step (setup's keygen peak would otherwise hide prove's).

Usage: python benchmarks/ezkl_step.py STEP ARG...   (steps: see STEPS)

The last stdout line is {"step", "seconds", "max_rss_kb", "ok"[, "error"]}:
seconds times only the ezkl call (not the interpreter start nor `import ezkl`);
max_rss_kb is this process's peak RSS (Linux reports kB). Exit 1 on failure.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any, Callable


def _run_args() -> Any:
    """EZKL's default run args, with the visibilities the comparison assumes spelled out."""
    import ezkl

    args = ezkl.PyRunArgs()
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    return args


def _steps() -> dict[str, Callable[..., Any]]:
    import ezkl

    return {
        "gen_settings": lambda model, settings: ezkl.gen_settings(model, settings, py_run_args=_run_args()),
        "calibrate": lambda data, model, settings: ezkl.calibrate_settings(data, model, settings, target="resources"),
        "compile": lambda model, compiled, settings: ezkl.compile_circuit(model, compiled, settings),
        "gen_srs": lambda srs, logrows: ezkl.gen_srs(srs, int(logrows)),
        "witness": lambda data, compiled, witness: ezkl.gen_witness(data, compiled, witness),
        "setup": lambda compiled, vk, pk, srs: ezkl.setup(compiled, vk, pk, srs),
        "prove": lambda witness, compiled, pk, proof, srs: ezkl.prove(witness, compiled, pk, proof, srs),
        "verify": lambda proof, settings, vk, srs: ezkl.verify(proof, settings, vk, srs),
    }


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    step, args = argv[0], argv[1:]
    report: dict[str, Any] = {"step": step}
    try:
        fn = _steps()[step]
        start = time.perf_counter()
        result = fn(*args)
        report["seconds"] = time.perf_counter() - start
        # gen_srs returns None, prove/witness a dict, the rest a bool.
        report["ok"] = result is not False
    except Exception as exc:  # noqa: BLE001 - any EZKL failure is a step result, not a crash
        report["ok"] = False
        report["error"] = (f"{type(exc).__name__}: {exc}".splitlines() or [""])[0][:300]
    report["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.flush()
    print(json.dumps(report), flush=True)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
