"""A model proven as consecutive shards: their builds, the key bundle, the proof bundle.

`zkir compile` cuts a model that no one circuit holds within the memory budget
(or `--shards N`) with gadget-shard; every shard is then a build of its own in
BUILD/shards/<i>/ (settings.json, 4_plonk.mlir, after setup srs.bin, pk.bin,
vk.bin), all at one k with one SRS, and BUILD/4_plonk.mlir holds every circuit.
Shard 0 takes the model's inputs, the last shard gives its outputs (with their
visibility modes as without shards); every other input and output of a shard is
a link, a tensor in link columns that the neighbouring shard's proof commits
identically (zkir.prover.links has the argument).

Files. BUILD/vk.bin is the *key bundle* a verifier needs: KEY_BUNDLE_MAGIC, a
JSON header (the model, and per cut the link columns, derived from and checked
against the keys), then every shard's vk.bin. A proof is the *proof bundle*:
PROOF_BUNDLE_MAGIC, a JSON header (the key bundle's digest and each shard
proof's length), then each shard's ordinary proof file.

Verification (`verify`): every shard proof against its own key (so swapped
shards fail: a proof names its key's digest, and that key's transcript), then
for every cut, every link column's commitment equal in the two proofs. What a
verifier learns is what one circuit would show: the model's public inputs and
outputs, nothing of the activations crossing the cuts.

Proving (`prove`): the witness of the whole model is computed once here, shard
by shard (each shard's links feed the next), which also refuses an input no
circuit can prove before any key is read; then the shard proofs fan out to
workers (zkir.workers: this process, local processes or Ray), each loading only
its shard's key and recomputing only its shard's cells from its inputs. Workers
reach the build directory by its path (on a Ray cluster: a shared filesystem).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zkir.files import write_atomic
from zkir.gadgets.io import IORole
from zkir.workflow import (
    LEVELS,
    LINK_TENSOR,
    MockFailure,
    ProofFile,
    ProveResult,
    Settings,
    TensorInfo,
    VerifyResult,
    WorkflowError,
    check_inputs,
    check_proof,
    parse_proof_file,
    quantize_inputs,
    shard_dir,
    shown_tensors,
    split_framed,
)

if TYPE_CHECKING:
    from zkir.backend_halo2.circuit_plan import CircuitPlan
    from zkir.backend_halo2.witness import Witness
    from zkir.prover.keygen import VerifyingKey
    from zkir.statement import Statement
    from zkir.workflow import Progress

KEY_BUNDLE_MAGIC = b"ZKIRVKB1"
PROOF_BUNDLE_MAGIC = b"ZKIRPBN1"
KEY_BUNDLE_FORMAT = "zkir-key-bundle/1"
LINK_COLUMN = "link_"
"""Link columns are named link_<link>.<i> (zkir.lowering.gadget_to_plonk.columns)."""


def _quiet(_: str) -> None:
    pass


def _threads(workers: int, ray_address: str | None, threads_per_worker: int) -> int:
    """Prover threads per worker: as given, else on this machine its cores shared
    among the workers (they would otherwise each take all of them)."""
    if threads_per_worker or ray_address or workers < 2:
        return threads_per_worker
    return max(1, (os.cpu_count() or 1) // workers)


def _cut_of(link: str) -> int:
    """The cut a link crosses: link names are c<cut>_<j> (zkir.passes.shard.link_name)."""
    return int(link[1:].split("_")[0])


# ---- setup --------------------------------------------------------------------------


def _setup_shard(job: tuple[str, bool]) -> dict[str, float]:
    """A worker's job: one shard's keys, from the SRS beside them."""
    from zkir.workflow import setup as setup_one

    path, force = job
    return setup_one(path, Path(path) / "srs.bin", force=force)


def setup(
    build: str | Path,
    srs_file: str | Path | None = None,
    progress: Progress = _quiet,
    insecure_test_srs: bool = False,
    force: bool = False,
    workers: int = 1,
    ray_address: str | None = None,
    backend: str = "auto",
) -> dict[str, Any]:
    """Keys for a build: one circuit as zkir.workflow.setup, or every shard's
    (one SRS for all, key generation fanned out to `workers`; `backend` as
    zkir.workers.run_jobs takes it) and the key bundle."""
    from zkir.workers import run_jobs
    from zkir.workflow import obtain_srs
    from zkir.workflow import setup as setup_one

    build = Path(build)
    settings = Settings.load(build)
    if not settings.shards:
        return setup_one(build, srs_file, progress, insecure_test_srs, force=force)
    if insecure_test_srs and srs_file is not None:
        raise WorkflowError("give either an SRS file or the insecure test SRS, not both")
    t = time.perf_counter()
    srs = obtain_srs(settings.k, srs_file, insecure_test_srs, progress)
    srs_bytes = srs.to_bytes()
    (build / "vk.bin").unlink(missing_ok=True)  # a bundle of earlier keys must never outlive them
    write_atomic(build / "srs.bin", srs_bytes)
    for i in range(len(settings.shards)):
        target = shard_dir(build, i) / "srs.bin"
        target.unlink(missing_ok=True)
        try:
            os.link(build / "srs.bin", target)
        except OSError:
            write_atomic(target, srs_bytes)
    times: dict[str, Any] = {"srs": time.perf_counter() - t}
    del srs, srs_bytes
    t = time.perf_counter()
    labels = [f"shard {i}" for i in range(len(settings.shards))]
    results = run_jobs(_setup_shard, [(str(shard_dir(build, i)), force) for i in range(len(labels))],
                       workers=workers, ray_address=ray_address, labels=labels, progress=progress,
                       threads_per_worker=_threads(workers, ray_address, 0), backend=backend)
    times["keygen"] = time.perf_counter() - t
    times["shards"] = [{"shard": i, **r.value, "seconds": r.seconds, "peak_mb": r.peak_rss_mb}
                       for i, r in enumerate(results)]
    times["pk_bytes"] = sum(r.value["pk_bytes"] for r in results)
    times["weight_bytes"] = sum(r.value["weight_bytes"] for r in results)
    bundle = key_bundle_bytes(Path(settings.model).name, [(shard_dir(build, i) / "vk.bin").read_bytes()
                                                         for i in range(len(labels))])
    write_atomic(build / "vk.bin", bundle)
    progress(f"key bundle: {build / 'vk.bin'} ({len(bundle) / 2**10:.0f} KiB, {len(labels)} shards)")
    return times


# ---- the key bundle -----------------------------------------------------------------


@dataclass
class KeyBundle:
    digest: bytes
    model: str
    keys: list[VerifyingKey]
    statements: list[Statement]
    links: list[dict[str, tuple[int, int]]]
    """Per cut: link column name -> (its index in the shard before, in the shard after)."""


def _header_bytes(magic: bytes, header: dict[str, Any], parts: Sequence[bytes]) -> bytes:
    text = json.dumps(header, sort_keys=True).encode()
    return magic + struct.pack("<I", len(text)) + text + b"".join(parts)


def _split(data: bytes, magic: bytes, what: str, path: Path) -> tuple[dict[str, Any], bytes]:
    """(JSON header, the bytes after it) of a bundle file; WorkflowError if it is not one."""
    from zkir.files import FileFormatError, parse_json

    text, rest = split_framed(data, magic, what, path)
    try:
        header = parse_json(text, f"{path}: {what} header", integers_only=False)
    except FileFormatError as e:
        raise WorkflowError(str(e)) from None
    if not isinstance(header, dict):
        raise WorkflowError(f"{path}: malformed {what} header (not a JSON object)")
    return header, rest


def _parts(body: bytes, sizes: Any, count: int, what: str, path: Path) -> list[bytes]:
    if not (isinstance(sizes, list) and len(sizes) == count and all(isinstance(s, int) and s > 0 for s in sizes)):
        raise WorkflowError(f"{path}: malformed {what} header (its sizes)")
    if sum(sizes) != len(body):
        raise WorkflowError(f"{path}: {what} truncated or padded ({len(body)} bytes after the header, "
                            f"the header says {sum(sizes)})")
    out, at = [], 0
    for s in sizes:
        out.append(body[at : at + s])
        at += s
    return out


def key_bundle_bytes(model: str, vk_files: list[bytes]) -> bytes:
    header = {"format": KEY_BUNDLE_FORMAT, "model": model, "sizes": [len(v) for v in vk_files]}
    return _header_bytes(KEY_BUNDLE_MAGIC, header, vk_files)


def _link_columns(vk: VerifyingKey) -> dict[str, int]:
    """The key's link columns by name. Each must be a phase-0, equality-enabled
    advice column that no gate or lookup queries: its cells are tied only by
    copies, and it is opened once per proof (what zkir.prover.links's hiding
    argument counts on)."""
    from zkir.prover import Column

    cs = vk.cs
    names = {cs.name_of(Column("advice", i)): i for i in range(cs.num_advice)}
    links = {name: i for name, i in names.items() if name.startswith(LINK_COLUMN)}
    queried, phase0 = cs.advice_queries(), set(cs.phase_columns(0))
    for name, i in links.items():
        if i in queried or i not in phase0 or Column("advice", i) not in cs.equality:
            raise WorkflowError(f"link column {name} is queried by a gate, of phase 1, or not copy-constrained")
    return links


def read_key_bundle(path: Path) -> KeyBundle:
    """The key bundle at `path`, its links derived from the keys and checked:
    every link column of a shard has its partner in the neighbouring shard, and
    the shard before the cut computes the link (an output) which the shard after
    reads (an input). Anything else is not a bundle zkir made: WorkflowError."""
    from zkir.prover import ProofFormatError, vk_from_bytes
    from zkir.statement import Statement

    data = path.read_bytes()
    header, body = _split(data, KEY_BUNDLE_MAGIC, "key bundle", path)
    if header.get("format") != KEY_BUNDLE_FORMAT or not isinstance(header.get("model"), str):
        raise WorkflowError(f"{path}: not a zkir key bundle (format)")
    sizes = header.get("sizes")
    parts = _parts(body, sizes, len(sizes) if isinstance(sizes, list) else -1, "key bundle", path)
    if len(parts) < 2:
        raise WorkflowError(f"{path}: a key bundle holds at least two shards")
    keys, statements = [], []
    for i, part in enumerate(parts):
        try:
            vk = vk_from_bytes(part)
            statements.append(Statement.from_bytes(vk.statement))
        except (ProofFormatError, ValueError) as e:
            raise WorkflowError(f"{path}: shard {i}: {e}") from None
        keys.append(vk)
    if len({vk.k for vk in keys}) != 1:
        raise WorkflowError(f"{path}: the shards' keys are not all of one size (linked commitments need one k)")
    columns = [_link_columns(vk) for vk in keys]
    links: list[dict[str, tuple[int, int]]] = []
    for cut in range(len(keys) - 1):
        before = {n: i for n, i in columns[cut].items() if _column_cut(n) == cut}
        after = {n: i for n, i in columns[cut + 1].items() if _column_cut(n) == cut}
        if set(before) != set(after):
            odd = sorted(set(before) ^ set(after))[0]
            raise WorkflowError(f"{path}: link column {odd} of cut {cut} is in one of shards {cut}, {cut + 1} only")
        for side, role in ((cut, IORole.OUTPUT), (cut + 1, IORole.INPUT)):
            names = {t.name for t in statements[side].of(role) if t.name.startswith(LINK_TENSOR)
                     and _cut_of(t.name[len(LINK_TENSOR):]) == cut and not t.public}
            wanted = {LINK_TENSOR + n[len(LINK_COLUMN):].rsplit(".", 1)[0] for n in before}
            if names != wanted:
                raise WorkflowError(f"{path}: shard {side}'s statement does not "
                                    f"{'compute' if role == IORole.OUTPUT else 'read'} the links of cut {cut}")
        links.append({n: (before[n], after[n]) for n in before})
    for s, cols in enumerate(columns):
        stray = [n for n in cols if _column_cut(n) not in (s - 1, s)]
        if stray:
            raise WorkflowError(f"{path}: shard {s} has link column {stray[0]} of a cut it does not border")
    return KeyBundle(hashlib.blake2b(data, digest_size=32).digest(), header["model"], keys, statements, links)


def _column_cut(column: str) -> int:
    """The cut of a link column link_c<cut>_<j>.<i> (-2 if malformed)."""
    try:
        return _cut_of(column[len(LINK_COLUMN):].rsplit(".", 1)[0])
    except (ValueError, IndexError):
        return -2


# ---- prove --------------------------------------------------------------------------


def _prove_shard(job: tuple[str, list[np.ndarray], dict[str, np.ndarray], bool]) -> tuple[bytes, dict[str, float]]:
    """A worker's job: one shard's proof file (bytes) from its inputs and link tails."""
    from zkir.workflow import prove as prove_one

    path, inputs, tails, force = job
    with tempfile.TemporaryDirectory() as tmp:
        result = prove_one(path, inputs, Path(tmp) / "proof.bin", force=force, raw_inputs=True, shared_tails=tails)
        return result.proof.read_bytes(), result.timings


@dataclass
class ShardWitness:
    """What the main process keeps of one shard's witness: its inputs and outputs, its rows."""

    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    n: int
    usable: int


def _shard_plan(build: Path, index: int) -> CircuitPlan:
    from zkir.workflow import _plan

    return _plan(shard_dir(build, index))


def _shard_witnesses(build: Path, settings: Settings, values: list[np.ndarray]) -> Iterator[tuple[int, CircuitPlan, Witness]]:
    """Every shard's plan and witness in order, each shard's outputs the next one's inputs."""
    from zkir.backend_halo2.witness import OutOfRangeError, compute_witness

    for i in range(len(settings.shards)):
        plan = _shard_plan(build, i)
        try:
            witness = compute_witness(plan, values)
        except OutOfRangeError as e:
            raise WorkflowError(f"shard {i}: {e}") from None
        yield i, plan, witness
        values = witness.outputs


def _witnesses(build: Path, settings: Settings, first_inputs: list[np.ndarray], progress: Progress) -> list[ShardWitness]:
    """The whole model's witness, shard by shard, as the provers need it."""
    out = []
    values = first_inputs
    for i, plan, witness in _shard_witnesses(build, settings, first_inputs):
        out.append(ShardWitness(values, witness.outputs, 1 << plan.k, plan.usable))
        values = witness.outputs
        progress(f"witness: shard {i + 1} of {len(settings.shards)}")
    return out


def prove(
    build: str | Path,
    inputs: Mapping[str, Any] | Any,
    proof_path: str | Path,
    progress: Progress = _quiet,
    force: bool = False,
    workers: int = 1,
    ray_address: str | None = None,
    threads_per_worker: int = 0,
    backend: str = "auto",
) -> ProveResult:
    """A proof of the model's output on `inputs`: one circuit's as
    zkir.workflow.prove, or the proof bundle of every shard (fanned out to
    `workers`, each with `threads_per_worker` prover threads; `backend` as
    zkir.workers.run_jobs takes it)."""
    from zkir.prover.links import fresh_tail
    from zkir.workers import run_jobs
    from zkir.workflow import _tensors
    from zkir.workflow import prove as prove_one

    build = Path(build)
    settings = Settings.load(build)
    if not settings.shards:
        return prove_one(build, inputs, proof_path, progress, force=force)
    if not (build / "vk.bin").exists() or not all((shard_dir(build, i) / "pk.bin").exists()
                                                  for i in range(len(settings.shards))):
        raise WorkflowError(f"{build}: no keys for every shard (run zkir setup)")
    bundle = read_key_bundle(build / "vk.bin")
    t = time.perf_counter()
    witnesses = _witnesses(build, settings, quantize_inputs(settings, inputs), progress)
    timings: dict[str, Any] = {"witness": time.perf_counter() - t}
    # one tail per link column, shared by its two proofs, covering both's blinding rows
    tails: list[dict[str, np.ndarray]] = [{} for _ in witnesses]
    for cut in range(len(witnesses) - 1):
        before, after = witnesses[cut], witnesses[cut + 1]
        for name in bundle.links[cut]:
            tail = fresh_tail(before.n - min(before.usable, after.usable))
            tails[cut][name] = tails[cut + 1][name] = tail
    labels = [f"shard {i}" for i in range(len(witnesses))]
    jobs = [(str(shard_dir(build, i)), w.inputs, tails[i], force) for i, w in enumerate(witnesses)]
    t = time.perf_counter()
    results = run_jobs(_prove_shard, jobs, workers=workers, ray_address=ray_address,
                       threads_per_worker=_threads(workers, ray_address, threads_per_worker), labels=labels,
                       progress=progress, backend=backend)
    timings["prove"] = time.perf_counter() - t
    timings["shards"] = [{"shard": i, "k": settings.shards[i]["k"], "rows": settings.shards[i]["rows"],
                          "seconds": r.seconds, "peak_mb": r.peak_rss_mb, "worker": r.worker, **r.value[1]}
                         for i, r in enumerate(results)]
    files = [r.value[0] for r in results]
    data = _header_bytes(PROOF_BUNDLE_MAGIC, {"bundle": bundle.digest.hex(), "sizes": [len(f) for f in files]}, files)
    write_atomic(proof_path, data)
    return ProveResult(Path(proof_path), _tensors(settings.outputs, witnesses[-1].outputs), timings, len(data))


def prove_batch(
    build: str | Path,
    inputs: Sequence[Mapping[str, Any] | Any],
    proof_paths: Sequence[str | Path],
    progress: Progress = _quiet,
    force: bool = False,
    workers: int = 1,
    ray_address: str | None = None,
) -> list[ProveResult]:
    """zkir.workflow.prove_batch, or for a sharded build one bundle per input
    (every input checked before the first proof)."""
    from zkir.workflow import prove_batch as prove_batch_one

    build = Path(build)
    settings = Settings.load(build)
    if not settings.shards:
        return prove_batch_one(build, inputs, proof_paths, progress, force=force)
    if len(inputs) != len(proof_paths):
        raise WorkflowError(f"{len(inputs)} inputs but {len(proof_paths)} proof paths")
    n = len(inputs)
    for i, x in enumerate(inputs):
        try:
            quantize_inputs(settings, x)
        except WorkflowError as e:
            raise (e if n == 1 else WorkflowError(f"input {i + 1} of {n}: {e}")) from None
    results = []
    for i, (x, path) in enumerate(zip(inputs, proof_paths)):
        step = progress if n == 1 else (lambda msg, i=i: progress(f"[{i + 1}/{n}] {msg}"))
        results.append(prove(build, x, path, step, force=force, workers=workers, ray_address=ray_address))
    return results


# ---- verify -------------------------------------------------------------------------


def read_proof_bundle(path: Path, bundle: KeyBundle) -> list[ProofFile]:
    """The shard proof files of a proof bundle; WorkflowError if it is not one
    (a proof of another bundle of keys is a rejected proof, not bad input: the
    caller compares the digest)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WorkflowError(f"{path}: no such proof file") from None
    header, body = _split(data, PROOF_BUNDLE_MAGIC, "proof bundle", path)
    digest = header.get("bundle")
    if not isinstance(digest, str) or set(header) != {"bundle", "sizes"}:
        raise WorkflowError(f"{path}: malformed proof bundle header")
    sizes = header["sizes"]
    if not isinstance(sizes, list):
        raise WorkflowError(f"{path}: malformed proof bundle header (its sizes)")
    parts = _parts(body, sizes, len(sizes), "proof bundle", path)
    files = [parse_proof_file(p, f"{path} (shard {i})") for i, p in enumerate(parts)]
    if digest != bundle.digest.hex():
        raise _Rejected("this proof bundle is for another model or keys (its key-bundle digest differs)")
    if len(files) != len(bundle.keys):
        raise _Rejected(f"the proof bundle holds {len(files)} shard proofs, the keys {len(bundle.keys)} shards")
    return files


class _Rejected(Exception):
    """A bundle that parses but cannot verify: reported as the failed check."""


def verify(
    build: str | Path,
    proof_path: str | Path,
    *,
    allow_insecure_srs: bool = False,
    inputs: Mapping[str, Any] | Any | None = None,
) -> VerifyResult:
    """Check a proof: one circuit's as zkir.workflow.verify, or a proof bundle
    against a key bundle (a sharded build's vk.bin, or the file itself): every
    shard's proof, then every link's commitments equal in its two proofs."""
    from zkir.prover import VerificationError
    from zkir.prover.links import phase0_commitments
    from zkir.workflow import _infos
    from zkir.workflow import verify as verify_one

    build = Path(build)
    key_path = build if build.is_file() else build / "vk.bin"
    if not key_path.exists() or key_path.read_bytes()[: len(KEY_BUNDLE_MAGIC)] != KEY_BUNDLE_MAGIC:
        return verify_one(build, proof_path, allow_insecure_srs=allow_insecure_srs, inputs=inputs)
    t = time.perf_counter()
    bundle = read_key_bundle(key_path)
    timings = {"load": time.perf_counter() - t}
    first, last = bundle.statements[0], bundle.statements[-1]
    public_inputs = _infos(first.public(IORole.INPUT))
    private_inputs = [n for n in first.private_inputs if not n.startswith(LINK_TENSOR)]
    if inputs is not None and private_inputs:
        raise WorkflowError(f"the circuit keeps its input private ({', '.join(private_inputs)}): "
                            "there is nothing to check --input against")
    expected = quantize_inputs(public_inputs, inputs) if inputs is not None else None
    failed = None
    outputs: dict[str, dict[str, Any]] = {}
    shown_inputs: dict[str, dict[str, Any]] = {}
    t = time.perf_counter()
    try:
        files = read_proof_bundle(Path(proof_path), bundle)
        commitments = []
        for i, (vk, statement, pf) in enumerate(zip(bundle.keys, bundle.statements, files)):
            try:
                check_proof(vk, statement, pf, allow_insecure_srs)
                commitments.append(phase0_commitments(vk, pf.proof))
            except VerificationError as e:
                raise _Rejected(f"shard {i}: {e}") from None
        for cut, columns in enumerate(bundle.links):
            for name, (a, b) in columns.items():
                if commitments[cut][a] != commitments[cut + 1][b]:
                    link = name[len(LINK_COLUMN):].rsplit(".", 1)[0]
                    raise _Rejected(f"link {link} (column {name}) between shards {cut} and {cut + 1}: the two proofs commit "
                                    "different values (the shards were not proven together)")
        raw_inputs = first.values(files[0].instance, IORole.INPUT)
        try:
            check_inputs(raw_inputs, public_inputs, expected)
        except VerificationError as e:
            raise _Rejected(str(e)) from None
        outputs = shown_tensors(last, IORole.OUTPUT, last.values(files[-1].instance, IORole.OUTPUT))
        shown_inputs = shown_tensors(first, IORole.INPUT, raw_inputs)
    except _Rejected as e:
        failed = str(e)
    except VerificationError as e:
        failed = str(e)
    timings["verify"] = time.perf_counter() - t
    return VerifyResult(failed is None, failed, outputs, shown_inputs, timings, bundle.model, private_inputs)


# ---- mock, export ---------------------------------------------------------------


def mock(build: str | Path, inputs: Mapping[str, Any] | Any, outputs: dict[str, dict[str, Any]] | None = None
         ) -> list[MockFailure]:
    """zkir.workflow.mock, of every shard in order for a sharded build (each
    failure's placement named 'shard <i>: <placement>')."""
    from zkir.workflow import _tensors, mock_failures
    from zkir.workflow import mock as mock_one

    build = Path(build)
    settings = Settings.load(build)
    if not settings.shards:
        return mock_one(build, inputs, outputs=outputs)
    failures: list[MockFailure] = []
    for i, plan, witness in _shard_witnesses(build, settings, quantize_inputs(settings, inputs)):
        for f in mock_failures(plan, witness):
            f.placement = f"shard {i}: {f.placement}"
            failures.append(f)
    if outputs is not None:
        outputs.update(_tensors(settings.outputs, witness.outputs))
    return failures


def export_verifier(build: str | Path, out: str | Path) -> Path:
    """zkir.workflow.export_verifier, or for a sharded build its key bundle and a
    summary of what the proofs show (nothing private either)."""
    from zkir.files import staged_writes
    from zkir.workflow import export_verifier as export_one

    build, out = Path(build), Path(out)
    key_path = build if build.is_file() else build / "vk.bin"
    if not key_path.exists() or key_path.read_bytes()[: len(KEY_BUNDLE_MAGIC)] != KEY_BUNDLE_MAGIC:
        return export_one(build, out)
    bundle = read_key_bundle(key_path)
    first, last = bundle.statements[0], bundle.statements[-1]
    summary = {
        "model": bundle.model,
        "key_bundle_digest": bundle.digest.hex(),
        "shards": len(bundle.keys),
        "k": bundle.keys[0].k,
        "insecure_test_srs": any(vk.insecure_srs for vk in bundle.keys),
        "links": [sorted({n.rsplit(".", 1)[0] for n in cut}) for cut in bundle.links],
        "public": [{"role": t.role, "name": t.name, "shape": t.shape, "scale": t.scale}
                   for st in (first, last) for t in st.tensors if t.public],
        "private_inputs": [n for n in first.private_inputs if not n.startswith(LINK_TENSOR)],
        "verify": f"zkir verify {out} proof.bin [--input input.json]",
    }
    out.mkdir(parents=True, exist_ok=True)
    with staged_writes() as files:
        files.write(out / "vk.bin", key_path.read_bytes())
        files.write(out / "verifier.json", json.dumps(summary, indent=2) + "\n")
    return out
