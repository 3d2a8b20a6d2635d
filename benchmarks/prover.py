"""Benchmarks of zkir.prover: NTT, MSM (ours vs bare arkworks), synthetic circuits.

    python benchmarks/prover.py                 # NTT/MSM at 2^16 and 2^20, circuits k=14,16,18
    python benchmarks/prover.py --quick         # small sizes, a minute or so
    python benchmarks/prover.py --ks 14,16 --ntt 16,20 --msm 16
    python benchmarks/prover.py --tune          # fit the layout search's cost model (what `zkir tune` saves)

Prints figures, asserts nothing.  Each circuit runs in a fresh subprocess so its
peak RSS is its own.  Insecure SRSs are cached in --srs-dir.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _best(fn, reps=3):
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_ntt(logs):
    from zkir.prover import field as F
    from zkir.prover.ntt import intt, ntt

    ntt(F.from_int64(np.arange(16)))  # JIT / cache load
    print("NTT (one core, radix-2, Montgomery 4x64 limbs)")
    for lg in logs:
        a = F.from_int64(np.random.default_rng(0).integers(-2**62, 2**62, 1 << lg))
        ntt(a), intt(a)  # twiddles
        t1 = _best(lambda: ntt(a), 3 if lg < 20 else 2)
        t2 = _best(lambda: intt(a), 3 if lg < 20 else 2)
        print(f"  2^{lg}: ntt {t1 * 1e3:8.1f} ms   intt {t2 * 1e3:8.1f} ms")


def bench_msm(logs):
    from py_arkworks_bls12381 import G1Point

    from zkir.prover import field as F
    from zkir.prover.kzg import msm, scalar_from_int, scalars_from_field

    print("MSM (ours: field vector in, includes scalar conversion; bare: multiexp_unchecked on prebuilt Scalars)")
    G = G1Point()
    maxn = 1 << max(logs)
    pts = [G * scalar_from_int(7919)]  # distinct points by repeated addition (fast)
    for _ in range(maxn - 1):
        pts.append(pts[-1] + G)
    rng = np.random.default_rng(1)
    for lg in logs:
        n = 1 << lg
        p = pts[:n]
        cases = {
            "small 16-bit unsigned": F.from_int64(rng.integers(0, 2**16, n)),
            "small 16-bit signed": F.from_int64(rng.integers(-2**15, 2**15, n)),
            "full": F.mul(F.from_int64(rng.integers(1, 2**62, n)), F.powers(0x1234567890ABCDEF12345, n, 99)),
        }
        for name, vec in cases.items():
            sc = scalars_from_field(vec)
            reps = 2 if lg < 20 else 1
            tb = _best(lambda: G1Point.multiexp_unchecked(p, sc), reps)
            to = _best(lambda: msm(p, vec), reps)
            print(f"  2^{lg} {name:22s}: ours {to:7.3f} s   bare {tb:7.3f} s   ratio {to / tb:5.2f}")


def synthetic(k: int, srs):
    """8 advice columns, a degree-3 gate (2 polys), one lookup (8-bit range),
    copy constraints over 4 equality columns."""
    from zkir.prover import ConstraintSystem, keygen

    cs = ConstraintSystem()
    a = [cs.advice_column(f"a{i}") for i in range(8)]
    q = cs.selector("q")
    t = cs.fixed_column("range8")
    cs.create_gate("deg3", [q.cur() * (a[0].cur() * a[1].cur() + a[4].cur() - a[2].cur()),
                            q.cur() * (a[5].cur() * a[6].cur() - a[7].cur())])
    cs.add_lookup("range8", [a[0].cur()], [t])
    cs.enable_equality(a[0], a[1], a[2], a[3])
    n, u = 1 << k, cs.usable_rows(k)
    rng = np.random.default_rng(k)
    qv = np.zeros(n, np.int64)
    qv[:u] = 1
    tv = np.zeros(n, np.int64)
    tv[:256] = np.arange(256)
    a0 = rng.integers(0, 256, u)
    a1 = np.empty(u, np.int64)
    a1[0] = 5
    a1[1:] = a0[:-1]
    a4 = rng.integers(-2**15, 2**15, u)
    a2 = a0 * a1 + a4
    a3 = a2.copy()
    a5 = rng.integers(-2**15, 2**15, u)
    a6 = rng.integers(-2**15, 2**15, u)
    a7 = a5 * a6
    advice = [a0, a1, a2, a3, a4, a5, a6, a7]
    rows = np.arange(u)
    copies = [(a[2], rows, a[3], rows), (a[0], rows[:-1], a[1], rows[1:])]
    t0 = time.perf_counter()
    pk, vk = keygen(srs, cs, [qv, tv], copies)
    t_keygen = time.perf_counter() - t0
    return pk, vk, advice, t_keygen


def _peak_rss_mb() -> float:
    from zkir.child_steps import peak_rss_bytes

    return peak_rss_bytes() / 2**20


def run_circuit(k: int, srs_dir: str) -> dict:
    from zkir.prover import SRS, prove, verify
    from zkir.prover import kzg

    os.makedirs(srs_dir, exist_ok=True)
    path = os.path.join(srs_dir, f"insecure-srs-k{k}.bin")
    t0 = time.perf_counter()
    if os.path.exists(path):
        srs = SRS.load(path, check=False)
        srs_how = "loaded"
    else:
        srs = SRS.insecure_from_seed(k, b"bench")
        srs.save(path)
        srs_how = "generated"
    t_srs = time.perf_counter() - t0
    pk, vk, advice, t_keygen = synthetic(k, srs)
    kzg.MSM_STATS.update(calls=0, seconds=0.0)
    tm: dict = {}
    t0 = time.perf_counter()
    proof = prove(pk, advice, [], timings=tm)  # includes the mock pre-check
    t_prove = time.perf_counter() - t0
    msm_s = kzg.MSM_STATS["seconds"]
    msm_calls = kzg.MSM_STATS["calls"]
    tv = []
    for _ in range(5):
        t0 = time.perf_counter()
        assert verify(vk, [], proof, allow_insecure_srs=True)
        tv.append(time.perf_counter() - t0)
    rss = _peak_rss_mb()
    return dict(k=k, srs=f"{srs_how} {t_srs:.1f}s", keygen=t_keygen, prove=t_prove,
                verify_ms=min(tv) * 1e3, proof_bytes=len(proof), rss_mb=rss, msm_s=msm_s,
                msm_calls=msm_calls, phases=tm)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--ks", default=None, help="circuit sizes, e.g. 14,16,18")
    ap.add_argument("--ntt", default=None, help="NTT log-sizes, e.g. 16,20")
    ap.add_argument("--msm", default=None, help="MSM log-sizes, e.g. 16,20")
    ap.add_argument("--srs-dir", default=os.path.expanduser("~/.cache/zkir/srs"))
    ap.add_argument("--threads", type=int, default=None,
                    help="prover threads (sets ZKIR_PROVER_THREADS; default: all cores)")
    ap.add_argument("--one-circuit", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tune", action="store_true",
                    help="prove the cost model's tuning circuits, print the fit (does not save it)")
    args = ap.parse_args(argv)
    if args.threads is not None:
        os.environ["ZKIR_PROVER_THREADS"] = str(args.threads)
    if args.one_circuit is not None:
        print(json.dumps(run_circuit(args.one_circuit, args.srs_dir)))
        return
    if args.tune:
        from zkir import tuning
        from zkir.cost import fit

        points = tuning.QUICK if args.quick else tuning.POINTS
        samples = tuning.measure(points, lambda m: print(m, file=sys.stderr, flush=True))
        model = fit.fit(samples)
        print("Cost model fit (seconds per work unit; `zkir tune` saves it):")
        print(json.dumps({"time": model.time, "memory": model.memory}, indent=1))
        print(fit.report(model, samples))
        return
    parse = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    ntt_logs = parse(args.ntt) if args.ntt else ([12, 16] if args.quick else [16, 20])
    msm_logs = parse(args.msm) if args.msm else ([12, 14] if args.quick else [16, 20])
    ks = parse(args.ks) if args.ks is not None else ([10, 12] if args.quick else [14, 16, 18])
    bench_ntt(ntt_logs)
    bench_msm(msm_logs)
    print("Synthetic circuit: 8 advice, degree-3 gate, 8-bit lookup, copies over 4 columns "
          f"(each k in a fresh process, {os.environ.get('ZKIR_PROVER_THREADS', 'all')} prover threads; "
          "MSM time is summed over threads)")
    for k in ks:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one-circuit", str(k),
                              "--srs-dir", args.srs_dir], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"  k={k}: FAILED\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ph = r["phases"]
        print(f"  k={k}: srs {r['srs']}  keygen {r['keygen']:.2f}s  prove {r['prove']:.2f}s  "
              f"verify {r['verify_ms']:.1f}ms  proof {r['proof_bytes']} B  peak RSS {r['rss_mb']:.0f} MB")
        print(f"         prove phases: " + "  ".join(f"{k_} {v:.2f}s" for k_, v in ph.items() if k_ != "total"))
        print(f"         MSMs inside prove: {r['msm_calls']} calls, {r['msm_s']:.2f}s "
              f"-> prove / MSM = {r['prove'] / max(r['msm_s'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
