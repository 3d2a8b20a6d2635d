"""G1 multi-scalar multiplication: arkworks (py-arkworks-bls12381) against mcl
(zkir.prover.mcl_msm) on the same points and scalars, for the scalar kinds a
prover commits: full-size (grand products, running sums, quotient pieces,
opening witnesses) and small signed witness values; one thread, and two MSMs at
once on two threads (how msm_batch runs them).

    python benchmarks/msm.py [--ks 10,13,16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one MSM per thread, as the prover runs them

import numpy as np  # noqa: E402
from py_arkworks_bls12381 import G1Point, Scalar  # noqa: E402

from zkir.prover import field as F, mcl_msm  # noqa: E402
from zkir.prover.kzg import _u64_scalars, scalars_from_field  # noqa: E402


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ks", default="10,13,16", help="log2 sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is printed)")
    args = parser.parse_args()
    if not mcl_msm.available():
        raise SystemExit(f"mcl is not usable here: {mcl_msm.unavailable_reason()}")
    print(f"load average {os.getloadavg()[0]:.2f}; milliseconds, best of {args.repeat}")
    print("| k | scalars | arkworks | mcl | mcl / arkworks | 2 at once, arkworks | 2 at once, mcl |")
    print("|---|---|---|---|---|---|---|")
    g = G1Point()
    for k in (int(v) for v in args.ks.split(",")):
        n = 1 << k
        base = [g * Scalar(secrets.randbelow(F.P)) for _ in range(256)]
        points = [base[i % 256] for i in range(n)]
        table = mcl_msm.points_from_xy(b"".join(p.to_xy_bytes_le() for p in points))
        kinds = {"full": F.from_ints([secrets.randbelow(F.P) for _ in range(n)]),
                 "16-bit": F.from_int64(np.random.default_rng(k).integers(0, 1 << 16, n))}
        for kind, vec in kinds.items():
            if kind == "full":
                sc = scalars_from_field(vec)
            else:
                sc = _u64_scalars(F.to_canonical(vec)[:, 0])
            ark = lambda: G1Point.multiexp_unchecked(points, sc)  # noqa: E731
            mcl = lambda: mcl_msm.msm(table, vec)  # noqa: E731
            assert ark() == mcl()
            with ThreadPoolExecutor(2) as ex:
                ark2 = _best(lambda: list(ex.map(lambda _: ark(), range(2))), args.repeat)
                mcl2 = _best(lambda: list(ex.map(lambda _: mcl(), range(2))), args.repeat)
            a, m = _best(ark, args.repeat), _best(mcl, args.repeat)
            print(f"| {k} | {kind} | {a * 1e3:.1f} | {m * 1e3:.1f} | {m / a:.2f} | {ark2 * 1e3:.1f} | {mcl2 * 1e3:.1f} |")


if __name__ == "__main__":
    main()
