"""Benchmarks of the setup side: SRS.generate, ceremony contribute/verify, G1 iNTT, Ethereum import.

    python benchmarks/srs.py                  # generate 12,16; ceremony 12,16; iNTT 12,14,16; Ethereum
    python benchmarks/srs.py --quick          # small sizes, under a minute
    python benchmarks/srs.py --generate 12 --ceremony 12 --intt 10,12 --no-ethereum

Prints wall seconds and the CPU seconds of this process plus its worker
processes (the point work runs on forked workers, one a core), so a busy
machine shows as CPU > wall * cores.  Asserts only that results are right.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _timed(label: str, fn):
    c0, t0 = _cpu(), time.perf_counter()
    out = fn()
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    print(f"{label:44s} {wall:8.2f} s wall {cpu:8.2f} s cpu", flush=True)
    return out


def bench_generate(ks):
    from zkir.prover.kzg import SRS

    for k in ks:
        _timed(f"SRS.generate k={k}", lambda: SRS.generate(k))


def bench_ceremony(ks):
    from zkir.prover import ceremony as C

    for k in ks:
        c = C.new(k)
        c1 = _timed(f"ceremony contribute 2^{k}", lambda: C.contribute(c))
        c2 = _timed(f"ceremony contribute 2^{k} (second)", lambda: C.contribute(c1))
        rep = _timed(f"ceremony verify 2^{k} (2 contributions)", lambda: C.verify(c2))
        assert rep.contributions == 2
        data = c2.to_bytes()
        _timed(f"ceremony parse + verify 2^{k} from bytes", lambda: C.verify(C.Ceremony.from_bytes(data)))


def bench_intt(ks):
    from zkir.prover.kzg import SRS, _g1_intt

    srs = SRS.insecure_from_seed(max(ks), b"bench-intt")
    for k in ks:
        out = _timed(f"G1 iNTT k={k}", lambda: _g1_intt(srs.g1[: 1 << k]))
        if k == srs.k:
            assert out == srs.g1_lagrange


def bench_ethereum():
    from zkir.prover import ethereum_setup as E

    path = _timed("find_ethereum_setup (cache or download)", E.find_ethereum_setup)
    srs = _timed("load_ethereum_setup (all points checked)", lambda: E.load_ethereum_setup(path))
    assert srs.k == 12 and E.is_published(srs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="generate 10, ceremony 10, iNTT 10,12")
    ap.add_argument("--generate", default="12,16")
    ap.add_argument("--ceremony", default="12,16")
    ap.add_argument("--intt", default="12,14,16")
    ap.add_argument("--no-ethereum", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.generate, args.ceremony, args.intt = "10", "10", "10,12"
    ks = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    from zkir.prover.kzg import _threads

    print(f"{os.cpu_count()} cores, {_threads()} workers, load average {os.getloadavg()[0]:.2f}", flush=True)
    bench_generate(ks(args.generate))
    bench_ceremony(ks(args.ceremony))
    bench_intt(ks(args.intt))
    if not args.no_ethereum:
        bench_ethereum()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
