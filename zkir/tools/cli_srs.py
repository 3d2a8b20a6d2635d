"""`zkir srs new|contribute|verify|import-ethereum|to-srs`: make an SRS nobody can forge with.

A powers-of-tau ceremony (zkir.prover.ceremony): `new` writes the fresh state,
each participant runs `contribute` once and keeps the receipt it prints,
`verify` checks the whole file (and shows every receipt), and
`zkir setup BUILD --srs FILE` takes the result.  `import-ethereum` writes the
Ethereum KZG ceremony's powers (EIP-4844, 2^12) as a zkir SRS file.

Progress goes to stderr, results to stdout; with --json the last stdout line is
one JSON object.  Exit codes: 0 done or valid, 1 invalid ceremony, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkir.tools.cli_common import CliError, Runner, subcommand

if TYPE_CHECKING:
    from zkir.prover.ceremony import Ceremony

INVALID = 1
BAD_INPUT = 2


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    if args.quiet:
        return lambda _msg: None
    return lambda msg: print(f"zkir srs {args.srs_command}: {msg}", file=sys.stderr, flush=True)


def _emit(args: argparse.Namespace, human: str, record: dict[str, Any]) -> None:
    print(json.dumps(record) if args.json else human)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")


def _load_ceremony(path: str) -> Ceremony:
    from zkir.prover.ceremony import Ceremony
    from zkir.prover.errors import ProofFormatError

    try:
        return Ceremony.load(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except ProofFormatError as e:
        raise CliError(f"{path}: {e}") from None


def _load_verified(path: str, say: Callable[[str], None], refusal: str) -> Ceremony:
    """A ceremony file, loaded and verified (a one-line CliError otherwise)."""
    from zkir.prover import ceremony as C

    c = _load_ceremony(path)
    say(f"verifying {path} (2^{c.k} powers, {len(c.contributions)} contributions)")
    try:
        C.verify(c)
    except C.CeremonyError as e:
        raise CliError(f"{path} {refusal}: {e}") from None
    return c


def _new(args: argparse.Namespace) -> int:
    from zkir.prover import ceremony as C

    if not 1 <= args.K <= C.MAX_K:
        raise CliError(f"K must be between 1 and {C.MAX_K}, got {args.K}")
    c = C.new(args.K)
    c.save(args.output)
    _emit(args, f"wrote a fresh ceremony of 2^{args.K} powers to {args.output} "
          "(no contributions yet: every participant runs zkir srs contribute)",
          {"output": args.output, "k": args.K, "contributions": 0, "state_hash": c.state_hash.hex()})
    return 0


def _contribute(args: argparse.Namespace) -> int:
    from zkir.prover import ceremony as C

    say = _progress(args)
    c = _load_verified(args.input, say, "is not a valid ceremony, not contributing to it")
    say(f"contributing: 2^{c.k} point multiplications with a fresh secret")
    t = time.perf_counter()
    entropy = args.entropy.encode() if args.entropy is not None else None
    out = C.contribute(c, entropy)
    seconds = time.perf_counter() - t
    out.save(args.output)
    receipt = out.state_hash.hex()
    j = len(out.contributions)
    _emit(args, f"contribution {j} written to {args.output} ({seconds:.1f} s); your secret is deleted.\n"
          f"receipt (keep it; zkir srs verify lists it if the final file builds on you):\n  {receipt}",
          {"output": args.output, "k": out.k, "contribution": j, "receipt": receipt, "seconds": seconds})
    return 0


def _verify(args: argparse.Namespace) -> int:
    from zkir.prover import ceremony as C
    from zkir.prover.errors import ProofFormatError
    from zkir.prover.kzg import SRS_MAGIC

    path = Path(args.file)
    try:
        head = path.read_bytes()[:8]
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    t = time.perf_counter()
    if head.startswith(SRS_MAGIC) or head[:1].isdigit():
        # a plain SRS (zkir's or Ethereum's): point and pairing checks
        try:
            srs = C.load_srs_file(path)
        except ProofFormatError as e:
            return _invalid(args, str(e), time.perf_counter() - t)
        seconds = time.perf_counter() - t
        note = " INSECURE: its tau is public" if srs.insecure else ""
        _emit(args, f"valid SRS: 2^{srs.k} points{note} ({srs.source or 'no source recorded'}); "
              f"checked in {seconds:.1f} s",
              {"valid": True, "kind": "srs", "k": srs.k, "insecure": srs.insecure, "source": srs.source,
               "seconds": seconds})
        return 0
    c = _load_ceremony(str(path))
    try:
        rep = C.verify(c)
    except C.CeremonyError as e:
        return _invalid(args, str(e), time.perf_counter() - t)
    lines = [f"valid ceremony: K = {rep.k} (2^{rep.k} powers), {rep.contributions} contributions, "
             f"verified in {rep.seconds:.1f} s"]
    if rep.contributions == 0:
        lines.append("warning: no contributions yet, tau = 1: not usable as an SRS")
    lines += [f"  {j:4d}  {h}" for j, h in enumerate(rep.receipts, 1)]
    _emit(args, "\n".join(lines), {"valid": True, "kind": "ceremony", **rep.as_dict()})
    return 0


def _invalid(args: argparse.Namespace, msg: str, seconds: float) -> int:
    msg = " ".join(msg.split())
    if args.json:
        print(json.dumps({"valid": False, "error": msg, "seconds": seconds}))
    else:
        print(f"INVALID: {msg}")
    return INVALID


def _import_ethereum(args: argparse.Namespace) -> int:
    from zkir.prover import ethereum_setup as E
    from zkir.prover.errors import ProofFormatError

    say = _progress(args)
    try:
        src = E.find_ethereum_setup(getattr(args, "from"))
    except FileNotFoundError as e:
        raise CliError(f"{e.filename}: no such file") from None
    say(f"reading {src} (checking every point)")
    t = time.perf_counter()
    try:
        srs = E.load_ethereum_setup(src)
    except ProofFormatError as e:
        raise CliError(f"{src}: {e}") from None
    if not E.is_published(srs) and not args.allow_unknown:
        raise CliError(f"{src}: sha256 {E.sha256_file(src)} is not the published ceremony file's "
                       "(--allow-unknown to import it anyway)")
    srs.save(args.output)
    seconds = time.perf_counter() - t
    _emit(args, f"wrote the 2^{srs.k} SRS of the Ethereum KZG ceremony to {args.output} ({seconds:.1f} s)\n"
          f"  source: {srs.source}",
          {"output": args.output, "k": srs.k, "source": srs.source, "from": str(src), "seconds": seconds})
    return 0


def _to_srs(args: argparse.Namespace) -> int:
    from zkir.prover import ceremony as C

    say = _progress(args)
    c = _load_verified(args.input, say, "is not a valid ceremony")
    k = c.k if args.k is None else args.k
    if not 1 <= k <= c.k:
        raise CliError(f"-k {k}: the ceremony has 2^{c.k} powers")
    say(f"deriving 2^{k} Lagrange points (G1 inverse NTT)")
    t = time.perf_counter()
    srs = C.to_srs(c, k)
    srs.save(args.output)
    seconds = time.perf_counter() - t
    _emit(args, f"wrote the 2^{k} SRS to {args.output} ({seconds:.1f} s)",
          {"output": args.output, "k": k, "source": srs.source, "seconds": seconds})
    return 0


@subcommand("srs", "powers-of-tau ceremony: new, contribute, verify; import the Ethereum KZG setup")
def _srs_cmd(p: argparse.ArgumentParser) -> Runner:
    subs = p.add_subparsers(dest="srs_command", required=True, metavar="SUBCOMMAND")

    sp = subs.add_parser("new", help="write a fresh ceremony of 2^K powers (tau = 1)")
    sp.add_argument("K", type=int, help="log2 of the number of powers (the largest circuit's k)")
    sp.add_argument("-o", "--output", required=True, help="ceremony file to write")
    _common(sp)
    sp.set_defaults(_srs_run=_new)

    sp = subs.add_parser("contribute", help="verify a ceremony file, add your secret, write the result")
    sp.add_argument("input", help="ceremony file")
    sp.add_argument("-o", "--output", required=True, help="where to write the ceremony with your contribution")
    sp.add_argument("--entropy", metavar="TEXT", help="extra randomness mixed into the OS CSPRNG's")
    _common(sp)
    sp.set_defaults(_srs_run=_contribute)

    sp = subs.add_parser("verify", help="check a ceremony (or SRS) file; exit 0 valid, 1 invalid, 2 bad input")
    sp.add_argument("file", help="ceremony file, zkir SRS file or Ethereum trusted_setup.txt")
    _common(sp)
    sp.set_defaults(_srs_run=_verify)

    sp = subs.add_parser("import-ethereum", help="write the Ethereum KZG ceremony (EIP-4844) as a 2^12 zkir SRS")
    sp.add_argument("-o", "--output", default="srs_ethereum_k12.bin",
                    help="SRS file to write (default: srs_ethereum_k12.bin)")
    sp.add_argument("--from", metavar="PATH",
                    help="trusted_setup.txt to read (default: cache, installed ckzg, else pip download)")
    sp.add_argument("--allow-unknown", action="store_true",
                    help="import a file whose sha256 is not the published one's")
    _common(sp)
    sp.set_defaults(_srs_run=_import_ethereum)

    sp = subs.add_parser("to-srs", help="verify a ceremony and write it as a zkir SRS file (Lagrange points included)")
    sp.add_argument("input", help="ceremony file")
    sp.add_argument("-o", "--output", required=True, help="SRS file to write")
    sp.add_argument("-k", type=int, help="SRS size 2^k (default: the ceremony's)")
    _common(sp)
    sp.set_defaults(_srs_run=_to_srs)

    def run(args: argparse.Namespace) -> int:
        return args._srs_run(args)

    return run
