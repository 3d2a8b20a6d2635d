"""The prover: witness -> commitments -> quotient -> GWC multi-point opening.

Round structure (each commitment is absorbed by the Blake2b transcript):
  vk digest, instance  ->  phase-0 advice commitments  -> links of the pinned
  columns to the key (R_j, then z_j for the link's own challenge c; pinned.py)
  -> the circuit's challenges -> phase-1 advice commitments (values computed from
  the challenges by the caller's `late_advice`) -> rho, theta
  -> lookup multiplicities m  -> beta, gamma
  -> permutation products z, lookup running sums phi  -> y
  -> quotient pieces h_i  -> x  -> evaluations  -> v  -> one witness W per
  distinct opening point  (the verifier then draws u and does one pairing check).
"""

from __future__ import annotations

import time
from typing import Callable, Literal, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from . import field as F
from . import lookup as lk
from . import permutation as perm
from . import links, pinned, protocol
from .constraint_system import ConstraintSystem
from .errors import CircuitError, SynthesisError
from .expression import Column, Expression, Query, evaluate_vec
from .keygen import ProvingKey, as_field_column
from .kzg import _threads, msm_batch, msm_jobs
from .randomness import OsRandom, RandomBytes
from .transcript import TranscriptWriter

P = F.P

PhaseHook = Callable[[str, str], None]
"""on_phase(phase, detail), called as each phase of prove starts, e.g.
("commitments", "49 advice columns"): the layer above shows progress; this
layer never prints."""


def _instance_bytes(inst: list[np.ndarray]) -> bytes:
    parts = [len(inst).to_bytes(4, "little")]
    for v in inst:
        parts.append(v.shape[0].to_bytes(4, "little"))
        parts.append(F.to_le_bytes(v).tobytes())
    return b"".join(parts)


def prepare_instance(cs: ConstraintSystem, instance: Sequence[npt.ArrayLike], usable: int) -> list[np.ndarray]:
    """Instance columns as field vectors of their given length (no padding)."""
    if len(instance) != cs.num_instance:
        raise CircuitError(f"expected {cs.num_instance} instance columns, got {len(instance)}")
    out = []
    for i, v in enumerate(instance):
        rows = np.shape(v)[0] if np.ndim(v) else 0
        out.append(as_field_column(v, rows, usable, f"instance column {i}"))
    return out


LateAdvice = Callable[[list[int]], Sequence[npt.ArrayLike]]
"""challenges -> the values of the phase-1 advice columns, in index order."""


def prepare_advice(cs: ConstraintSystem, advice: Sequence[npt.ArrayLike | None], n: int, usable: int,
                   rng: RandomBytes, columns: Sequence[int] | None = None) -> dict[int, np.ndarray]:
    """Advice as field columns with fresh random blinding rows (pinned ones too:
    their link to the key's commitment is proven separately, see pinned.py).

    columns: the column indices `advice` holds, in order (default: the phase-0
    columns when `advice` holds one entry per column, phase-1 entries ignored)."""
    if columns is None:
        if len(advice) != cs.num_advice:
            raise CircuitError(f"expected {cs.num_advice} advice columns, got {len(advice)}")
        columns = cs.phase_columns(0)
        advice = [advice[i] for i in columns]
    elif len(advice) != len(columns):
        raise CircuitError(f"expected {len(columns)} phase-1 advice columns, got {len(advice)}")
    out = {}
    for i, v in zip(columns, advice):
        if v is None:
            raise CircuitError(f"advice column {cs.name_of(Column('advice', i))} has no values")
        col = as_field_column(v, n, usable, f"advice column {cs.name_of(Column('advice', i))}")
        col[usable:] = perm.random_field(n - usable, rng)
        out[i] = col
    return out


def _check_witness(cs: ConstraintSystem, pk: ProvingKey, adv: list[np.ndarray], inst_full: list[np.ndarray]
                   ) -> None:
    from .mock import MockProver

    mp = MockProver(cs, pk.vk.k, adv, pk.fixed_values, inst_full, pk.permutation, field_input=True)
    fails = mp.verify()
    if fails:
        raise SynthesisError(f"witness violates the circuit: {fails[0]}"
                             + (f" (and {len(fails) - 1} more)" if len(fails) > 1 else ""))


def _window(vec: np.ndarray, lo: int, hi: int, shift: int) -> np.ndarray:
    """Rows lo+shift .. hi+shift (cyclic) of vec, a view when no wrap occurs."""
    N = vec.shape[0]
    a, b = lo + shift, hi + shift
    if 0 <= a and b <= N:
        return vec[a:b]
    return np.take(vec, np.arange(a, b) % N, axis=0)


def _quotient_numerator(pk: ProvingKey, cs: ConstraintSystem, ext: dict, theta: int, beta: int, gamma: int, y: int
                        ) -> np.ndarray:
    """sum_i y^(K-1-i) C_i on the extended coset, evaluated in row blocks on
    parallel threads (each block sees rotations as cyclic windows); `cs` has
    its challenges bound."""
    vk = pk.vk
    dom, u = vk.domain, vk.usable
    N, ef = dom.ext_n, dom.ext_factor
    # set by ProvingKey.__post_init__
    assert pk.l0_ext is not None and pk.llast_ext is not None and pk.lactive_ext is not None
    assert pk.x_ext is not None
    fixed_src = {"l0": pk.l0_ext, "llast": pk.llast_ext, "lactive": pk.lactive_ext, "X": pk.x_ext}

    def block(lo: int, hi: int) -> np.ndarray:
        size = hi - lo

        def resolve(q: Query) -> np.ndarray:
            return _window(ext[(q.column.kind, q.column.index)], lo, hi, q.rotation * ef)

        def evalexpr(e: Expression) -> np.ndarray:
            return evaluate_vec(e, resolve, size)

        fts = [protocol.lookup_compressed(cs, i, evalexpr, theta) for i in range(len(cs.lookups))]

        def get(name: str, idx: int = 0, rot: int | Literal["last"] = 0) -> np.ndarray:
            if name == "col":
                c = cs.equality[idx]
                return _window(ext[(c.kind, c.index)], lo, hi, 0)
            if name == "sigma":
                return _window(pk.sigma_ext[idx], lo, hi, 0)
            if name in ("z", "phi"):
                r = u if rot == "last" else rot
                return _window(ext[(name, idx)], lo, hi, r * ef)
            if name == "m":
                return _window(ext[("m", idx)], lo, hi, 0)
            if name == "f":
                return fts[idx][0]
            if name == "t":
                return fts[idx][1]
            if name in fixed_src:
                return _window(fixed_src[name], lo, hi, 0)
            raise KeyError(name)

        acc = F.zeros(size)
        for c in protocol.constraints(cs, get, evalexpr, theta, beta, gamma):
            if isinstance(c, int):
                c = F.add_scalar(F.zeros(size), c)
            F.scale_add_inplace(acc, c, y)
        return acc

    nblocks = min(_threads(), max(1, N // 1024))
    bounds = [(N * i // nblocks, N * (i + 1) // nblocks) for i in range(nblocks)]
    if nblocks == 1:
        return block(0, N)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=nblocks) as ex:
        parts = list(ex.map(lambda b: block(*b), bounds))
    return np.concatenate(parts)


def prove(pk: ProvingKey, advice: Sequence[npt.ArrayLike | None], instance: Sequence[npt.ArrayLike] = (), *,
          late_advice: LateAdvice | None = None, check: bool = True, seed: int | None = None,
          timings: dict | None = None, on_phase: PhaseHook | None = None,
          shared_tails: Mapping[int, np.ndarray] | None = None) -> bytes:
    """Prove that `advice` satisfies the circuit of `pk` with public `instance`.

    advice/instance: one integer array (or field vector) per column, at most
    `usable` rows each; the entries of phase-1 columns are ignored (None is fine):
    late_advice(challenges) gives them once the challenges are drawn, which is
    after every phase-0 column is committed.  check=True runs the mock prover
    (with the drawn challenges) and raises SynthesisError on a violated
    constraint; check=False proves anyway (the proof will then be rejected) —
    used by soundness tests.  seed: make the blinding deterministic (tests only).
    on_phase: told as each phase starts (PhaseHook).  shared_tails: phase-0
    advice column -> field vector (t >= n - usable entries) written over the
    column's last t rows instead of fresh blinding, so that another proof given the
    same values and tail commits the column identically (linked commitments
    between shard proofs: zkir.prover.links says why that is sound and hiding)."""
    phase: PhaseHook = on_phase or (lambda _phase, _detail: None)
    t_start = time.perf_counter()
    tm = {"witness": 0.0, "commitments": 0.0, "lookups": 0.0, "permutation": 0.0,
          "quotient": 0.0, "openings": 0.0, "key_expansion": 0.0}
    vk = pk.vk
    cs = vk.cs
    dom = vk.domain
    n, u = dom.n, vk.usable
    # blinding randomness: the OS CSPRNG unless a test fixes the seed
    rng: RandomBytes = np.random.default_rng(seed) if seed is not None else OsRandom()
    phase0, phase1 = cs.phase_columns(0), cs.phase_columns(1)
    if phase1 and late_advice is None:
        raise CircuitError(f"the circuit has {len(phase1)} phase-1 advice columns: pass late_advice")
    inst = prepare_instance(cs, instance, u)
    columns = prepare_advice(cs, advice, n, u, rng)
    if shared_tails:
        links.apply_tails(cs, columns, shared_tails, n, u)
    inst_full = []
    for iv in inst:
        col = F.zeros(n)
        col[: iv.shape[0]] = iv
        inst_full.append(col)
    if check and not phase1 and not cs.num_challenges:
        phase("witness", f"checking {cs.num_advice} advice columns against every constraint")
        _check_witness(cs, pk, [columns[i] for i in range(cs.num_advice)], inst_full)
    tm["witness"] += time.perf_counter() - t_start

    tr = TranscriptWriter(b"zkir-plonk")
    tr.absorb(b"vk", vk.digest)
    tr.absorb(b"instance", _instance_bytes(inst))
    lag = pk.lagrange_points
    mono = pk.monomial_points

    # ---- advice, phase 0
    phase("commitments", f"{len(phase0)} advice columns" + (f" (then {len(phase1)} after the challenge)" if phase1 else ""))
    t0 = time.perf_counter()
    advice_commitments = dict(zip(phase0, msm_batch(lag, [columns[i] for i in phase0])))
    for i in phase0:
        tr.write_point(advice_commitments[i])
    # pinned columns: prove each differs from the key's commitment only in the blinding rows
    blindings = [F.sub(columns[i][u:], pk.pinned_blinding[i]) for i, _ in vk.pinned]
    pinned.prove_links(tr, vk.digest, [advice_commitments[i] for i, _ in vk.pinned], vk.blind_points,
                       blindings, rng)
    tm["commitments"] += time.perf_counter() - t0
    # ---- the challenges, then phase-1 advice computed from them
    challenges = [tr.challenge() for _ in range(cs.num_challenges)]
    if phase1:
        assert late_advice is not None
        t0 = time.perf_counter()
        columns.update(prepare_advice(cs, late_advice(list(challenges)), n, u, rng, phase1))
        tm["witness"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        for c in msm_batch(lag, [columns[i] for i in phase1]):
            tr.write_point(c)
        tm["commitments"] += time.perf_counter() - t0
    adv = [columns[i] for i in range(cs.num_advice)]
    del columns
    cs = cs.with_challenges(challenges)
    if check and (phase1 or cs.num_challenges):
        phase("witness", f"checking {cs.num_advice} advice columns against every constraint")
        _check_witness(cs, pk, adv, inst_full)
    theta = tr.challenge()

    def lag_resolve(q: Query) -> np.ndarray:
        src = {"advice": adv, "fixed": pk.fixed_values, "instance": inst_full}[q.column.kind][q.column.index]
        return np.roll(src, -q.rotation, axis=0) if q.rotation else src

    # ---- lookups: multiplicities
    phase("lookups", f"{len(cs.lookups)} lookup arguments")
    t0 = time.perf_counter()
    ms, f_lag, t_lag = [], [], []
    for i, lkp in enumerate(cs.lookups):
        ins = [evaluate_vec(e, lag_resolve, n) for e in lkp.inputs]
        tab = [evaluate_vec(e, lag_resolve, n) for e in lkp.table]
        m_int, _missing = lk.multiplicities([c[:u] for c in ins], [c[:u] for c in tab])
        m = F.zeros(n)
        m[:u] = F.from_int64(m_int)
        m[u:] = perm.random_field(n - u, rng)
        ms.append(m)
        f_lag.append(lk.compress(ins, theta))
        t_lag.append(lk.compress(tab, theta))
    tm["lookups"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    for c in msm_batch(lag, ms):
        tr.write_point(c)
    tm["commitments"] += time.perf_counter() - t0
    beta = tr.challenge()
    gamma = tr.challenge()

    # ---- permutation
    phase("permutation", f"{len(cs.equality)} equality columns")
    t0 = time.perf_counter()
    eq_vals = [lag_resolve(Query(c, 0)) for c in cs.equality]
    zs = perm.grand_products(eq_vals, pk.sigma_values, n, u, dom.omega, beta, gamma,
                             cs.permutation_chunk(), rng)
    tm["permutation"] += time.perf_counter() - t0

    # ---- lookups: running sums
    t0 = time.perf_counter()
    phis = []
    for i in range(len(cs.lookups)):
        phi = F.zeros(n)
        phi[: u + 1] = lk.running_sum(f_lag[i], t_lag[i], ms[i], beta, u)
        phi[u + 1:] = perm.random_field(n - u - 1, rng)
        phis.append(phi)
    tm["lookups"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    # halo2's vanishing-argument random polynomial (coefficient form): it is
    # opened together with the quotient at x and masks that opening
    rand_poly = perm.random_field(n, rng)
    for c in msm_jobs([(lag, v) for v in zs + phis] + [(mono, rand_poly)]):  # transcript order
        tr.write_point(c)
    tm["commitments"] += time.perf_counter() - t0
    y = tr.challenge()

    # ---- quotient
    if not pk.expanded:
        phase("key expansion", f"{cs.num_fixed + len(cs.equality) + 3} fixed and permutation columns")
        t0 = time.perf_counter()
        pk.expand()
        tm["key_expansion"] = time.perf_counter() - t0
    phase("quotient", f"{len(adv) + len(inst_full) + len(zs) + len(ms) + len(phis)} columns on 2^{dom.ext_k} coset points")
    t0 = time.perf_counter()
    coeffs: dict[tuple, np.ndarray] = {}
    ext: dict[tuple, np.ndarray] = {}
    keys = ([("advice", i) for i in range(len(adv))] + [("instance", i) for i in range(len(inst_full))]
            + [("z", i) for i in range(len(zs))] + [("m", i) for i in range(len(ms))]
            + [("phi", i) for i in range(len(phis))])
    converted = dom.lagrange_to_coeff_and_extended(adv + inst_full + zs + ms + phis)
    for key, (cf, e) in zip(keys, converted):
        if key[0] != "instance":  # instance columns are never opened
            coeffs[key] = cf
        ext[key] = e
    del converted
    coeffs[protocol.RANDOM] = rand_poly
    for i in range(cs.num_fixed):
        coeffs[("fixed", i)] = pk.fixed_coeffs[i]
        ext[("fixed", i)] = pk.fixed_ext[i]
    for j in range(len(cs.equality)):
        coeffs[("sigma", j)] = pk.sigma_coeffs[j]

    acc = _quotient_numerator(pk, cs, ext, theta, beta, gamma, y)
    h = dom.extended_to_coeff(dom.divide_by_vanishing(acc))
    del acc, ext
    pieces = protocol.num_quotient_pieces(cs)
    for i in range(pieces):
        coeffs[("h", i)] = np.ascontiguousarray(h[i * n:(i + 1) * n])
    tm["quotient"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    h_commits = msm_batch(mono, [coeffs[("h", i)] for i in range(pieces)])
    tm["commitments"] += time.perf_counter() - t0
    for c in h_commits:
        tr.write_point(c)
    x = tr.challenge()

    # ---- evaluations and GWC opening
    phase("openings", f"{len(protocol.opening_plan(cs, u))} evaluations")
    t0 = time.perf_counter()
    xn = pow(x, n, P)
    hcomb = F.zeros(n)
    for i in reversed(range(pieces)):
        F.scale_add_inplace(hcomb, coeffs[("h", i)], xn)
    coeffs[protocol.HCOMB] = hcomb
    plan = protocol.opening_plan(cs, u)
    for key, rot in plan:
        if protocol.is_sent(key):
            tr.write_scalar(F.horner(coeffs[key], dom.rotate_point(x, rot)))
    v = tr.challenge()
    groups: dict[int, list[tuple]] = {}
    for key, rot in plan:
        groups.setdefault(rot, []).append(key)
    witnesses = []
    for rot in sorted(groups):
        z = dom.rotate_point(x, rot)
        comb = F.zeros(n)
        for key in reversed(groups[rot]):
            F.scale_add_inplace(comb, coeffs[key], v)
        witnesses.append(F.div_linear(comb, z))  # remainder (the combined evaluation) dropped
    for c in msm_batch(mono, witnesses):
        tr.write_point(c)
    tm["openings"] += time.perf_counter() - t0
    tm["total"] = time.perf_counter() - t_start
    if timings is not None:
        timings.update(tm)
    return protocol.PROOF_MAGIC + bytes([protocol.PROOF_VERSION]) + bytes(tr.out)
