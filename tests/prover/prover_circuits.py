"""Small circuits shared by the prover tests."""

from dataclasses import dataclass, field

import numpy as np

from zkir.prover import ConstraintSystem


@dataclass
class Circuit:
    cs: ConstraintSystem
    k: int
    fixed: list
    copies: list
    advice: list
    instance: list
    cols: dict = field(default_factory=dict)


def mul_lookup_circuit(k: int = 5, seed: int = 0) -> Circuit:
    """c = a * b under selector q, a in [0, 16) by lookup, copies a[0]=c[0], c[3]=out."""
    cs = ConstraintSystem()
    a = cs.advice_column("a")
    b = cs.advice_column("b")
    c = cs.advice_column("c")
    q = cs.selector("q_mul")
    t = cs.fixed_column("range16")
    out = cs.instance_column("out")
    cs.create_gate("mul", q.cur() * (a.cur() * b.cur() - c.cur()))
    cs.add_lookup("range16", [a.cur()], [t])
    cs.enable_equality(a, c, out)
    n, u = 1 << k, cs.usable_rows(k)
    rng = np.random.default_rng(seed)
    qv = np.zeros(n, np.int64)
    qv[:u] = 1
    tv = np.zeros(n, np.int64)
    tv[:16] = np.arange(16)
    av = rng.integers(0, 16, u)
    av[0] = 0
    bv = rng.integers(-1000, 1000, u)
    cv = av * bv
    copies = [((a, 0), (c, 0)), ((c, 3), (out, 0))]
    return Circuit(cs, k, [qv, tv], copies, [av, bv, cv], [np.array([cv[3]])],
                   dict(a=a, b=b, c=c, q=q, t=t, out=out))


def fib_circuit(k: int = 5) -> Circuit:
    """Fibonacci over rotations: x[i+2] = x[i+1] + x[i]; chain via copies, result public."""
    cs = ConstraintSystem()
    x = cs.advice_column("x")
    q = cs.selector("q_fib")
    pub = cs.instance_column("pub")
    cs.create_gate("fib", q.cur() * (x.query(2) - x.next() - x.cur()))
    cs.enable_equality(x, pub)
    n, u = 1 << k, cs.usable_rows(k)
    qv = np.zeros(n, np.int64)
    qv[: u - 2] = 1
    xs = [1, 1]
    for _ in range(u - 2):
        xs.append(xs[-1] + xs[-2])
    xv = np.array(xs, dtype=object)
    # values grow past int64: pass them reduced into the field via Python ints
    from zkir.prover import field as F

    adv = [F.from_ints(xs)]
    inst = [F.from_ints([1, xs[-1]])]
    copies = [((x, 0), (pub, 0)), ((x, u - 1), (pub, 1))]
    return Circuit(cs, k, [qv], copies, adv, inst, dict(x=x, q=q, pub=pub))


def wide_circuit(k: int = 6, ncols: int = 6, seed: int = 1) -> Circuit:
    """Degree-3 gate over many columns, a 2-column lookup, copies across many
    equality columns (several permutation chunks), and a fixed column in a gate."""
    cs = ConstraintSystem()
    cols = [cs.advice_column(f"w{i}") for i in range(ncols)]
    q = cs.selector("q")
    kf = cs.fixed_column("const")
    t1 = cs.fixed_column("t_x")
    t2 = cs.fixed_column("t_sq")
    # w2 = w0 * w1 * w0 + const ; w3 = w2 - w4 at the next row
    cs.create_gate("cubic", [q.cur() * (cols[0].cur() * cols[1].cur() * cols[0].cur() + kf.cur() - cols[2].cur()),
                             q.cur() * (cols[3].cur() - cols[2].cur() + cols[4].next())])
    cs.add_lookup("square", [cols[0].cur(), cols[5].cur()], [t1.cur(), t2.cur()])
    cs.enable_equality(*cols)
    n, u = 1 << k, cs.usable_rows(k)
    rng = np.random.default_rng(seed)
    qv = np.zeros(n, np.int64)
    qv[: u - 1] = 1
    kv = rng.integers(-50, 50, n)
    tx = np.zeros(n, np.int64)
    tx[:32] = np.arange(-16, 16)
    tsq = tx * tx
    w0 = rng.integers(-16, 16, u)
    w1 = rng.integers(-100, 100, u)
    w2 = w0 * w1 * w0 + kv[:u]
    w4 = rng.integers(-10, 10, u)
    w3 = np.zeros(u, np.int64)
    w3[:-1] = w2[:-1] - w4[1:]
    w5 = w0 * w0
    adv = [w0, w1, w2, w3, w4, w5]
    # copies: duplicate values: make w1[5] == w4[7] by construction
    w4[7] = w1[5]
    w3[:-1] = w2[:-1] - w4[1:]
    copies = [((cols[1], 5), (cols[4], 7)), ((cols[0], 2), (cols[0], 2)),
              (cols[5], np.arange(3), cols[5], np.arange(3))]
    # w5 == w0^2 is a lookup; also a real cross-column copy w2[i] == w2[i]
    return Circuit(cs, k, [qv, kv, tx, tsq], copies, adv, [], dict(cols=cols, q=q))


import functools

from zkir.prover import SRS


@functools.lru_cache(maxsize=None)
def srs_for(k: int) -> SRS:
    """A seeded SRS, cached per process: reproducible keys for the protocol tests.
    Its tau is public, so keys from it carry the insecure mark and verify refuses
    them; these tests check circuits, not setups, so they clear the mark here (the
    setup's own tests are in tests/security and tests/prover/test_ceremony.py)."""
    srs = SRS.insecure_from_seed(k, b"tests")
    srs.insecure = False
    srs.source = "seeded for the protocol tests (tau public: never for real keys)"
    return srs
