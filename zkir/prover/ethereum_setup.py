"""The Ethereum KZG ceremony (EIP-4844) as a zkir SRS for circuits up to k = 12.

Why: that ceremony had over 140,000 contributors, so nobody knows its tau
unless every one of them colluded; an SRS from it is one that people other
than zkir's users already trust.

Where the powers come from: `trusted_setup.txt` of the source distribution of
the PyPI package ckzg (C-KZG-4844).  The file read and tested here is the one of
ckzg 2.1.8, `ckzg-2.1.8/src/trusted_setup.txt`,
sha256 d39b9f2d047cc9dca2de58f264b6a09448ccd34db967881a6713eacacf0f26b7.
Its format (inspected): a line "4096" (G1 points), a line "65" (G2 points),
then 4096 G1 points in Lagrange form, 65 G2 points [tau^i]G2 (i < 65), then
4096 G1 points [tau^i]G1 (older releases stop after the G2 points), each as
hex of the 48- or 96-byte compressed (ZCash) encoding, which arkworks reads.
The Lagrange points are in natural order over the domain of
zkir.prover.field.root_of_unity(12) (both are 7^((p-1)/4096)): sum L_i = G1 and
sum w^i L_i = [tau]G1, so they are used as they are; should a file hold them in
bit-reversed order they are permuted, and if neither matches they are derived
from the powers by the G1 inverse NTT.  Every point is parsed with arkworks'
checked decoder (on the curve, in the prime-order subgroup), and SRS.check
confirms powers of one tau and Lagrange points that interpolate like them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import cast

from py_arkworks_bls12381 import G1Point, G2Point

from . import field as F
from .errors import ProofFormatError
from .kzg import (SRS, _bitrev, _g1_intt, _g1_ntt_forward, _ranges, _SHARED, _threads, msm,
                  points_from_xy, run_point_tasks)

K = 12
N_G1 = 1 << K
N_G2 = 65
CKZG_VERSION = "2.1.8"
SDIST_MEMBER = f"ckzg-{CKZG_VERSION}/src/trusted_setup.txt"
KNOWN_SHA256 = {
    "d39b9f2d047cc9dca2de58f264b6a09448ccd34db967881a6713eacacf0f26b7":
        f"ckzg {CKZG_VERSION} src/trusted_setup.txt (Ethereum KZG ceremony, EIP-4844 mainnet)",
}
CACHE_NAME = "ethereum_trusted_setup.txt"


def cache_path() -> Path:
    """~/.cache/zkir/ethereum_trusted_setup.txt (XDG_CACHE_HOME is honoured)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "zkir" / CACHE_NAME


def sha256_file(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _w_parse_g1(lo: int, hi: int) -> bytes:
    """Worker: hex-encoded compressed G1 points -> checked points -> xy bytes."""
    out = []
    lines = _SHARED["hex"]
    for i in range(lo, hi):
        try:
            p = G1Point.from_compressed_bytes(bytes.fromhex(lines[i]))
        except Exception as e:  # pyo3 raises ValueError or its own types
            raise ProofFormatError(f"G1 point {i} of the file is invalid "
                                   f"(not a compressed point in the G1 subgroup: {' '.join(str(e).split())})") from None
        out.append(p.to_xy_bytes_le())
    return b"".join(out)


def _parse_g1(lines: list[str]) -> list[G1Point]:
    if any(len(h) != 96 for h in lines):
        raise ProofFormatError("a G1 line of the file is not 48 bytes of hex")
    blobs = run_point_tasks(_w_parse_g1, _ranges(len(lines), 2 * _threads()), {"hex": lines})
    return points_from_xy(b"".join(blobs))


def _parse_g2(lines: list[str]) -> list[G2Point]:
    out = []
    for i, h in enumerate(lines):
        try:
            if len(h) != 192:
                raise ValueError("not 96 bytes of hex")
            out.append(G2Point.from_compressed_bytes(bytes.fromhex(h)))
        except Exception as e:
            raise ProofFormatError(f"G2 point {i} of the file is invalid ({' '.join(str(e).split())})") from None
    return out


def _check_g2_powers(g1: list[G1Point], g2: list[G2Point]) -> None:
    """The G2 points are powers of the same tau: random combination, one pairing."""
    import numpy as np
    from py_arkworks_bls12381 import GT

    from .kzg import scalars_from_field

    rng = np.random.default_rng(int.from_bytes(os.urandom(16), "little"))
    r = scalars_from_field(F.from_int64(rng.integers(1, 2**62, len(g2) - 1)))
    a = G2Point.multiexp_unchecked(g2[1:], r)
    b = G2Point.multiexp_unchecked(g2[:-1], r)
    if not GT.pairing_check([g1[0], -g1[1]], [a, b]):
        raise ProofFormatError("the file's G2 points are not powers of its tau")


def load_ethereum_setup(path: str | os.PathLike) -> SRS:
    """The SRS of a trusted_setup.txt (2^12 points for EIP-4844), every point checked.

    srs.source names the file and its sha256, and says whether that is the
    published file (KNOWN_SHA256): the checks prove a valid powers-of-tau, not
    whose tau it is, so a file with another hash is only as good as its origin."""
    path = Path(path)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        lines = raw.decode("ascii").split()
    except UnicodeDecodeError:
        raise ProofFormatError(f"{path}: not a trusted_setup.txt (not ASCII)") from None
    try:
        n1, n2 = int(lines[0]), int(lines[1])
    except (IndexError, ValueError):
        raise ProofFormatError(f"{path}: not a trusted_setup.txt (no point counts)") from None
    if n1 < 2 or n1 & (n1 - 1) or n1 > 1 << 20 or n2 < 2:
        raise ProofFormatError(f"{path}: {n1} G1 and {n2} G2 points, expected a power of two "
                               f"({N_G1} for EIP-4844) and at least 2")
    k = n1.bit_length() - 1
    body = lines[2:]
    if len(body) not in (n1 + n2, 2 * n1 + n2):
        raise ProofFormatError(f"{path}: {len(body)} points, expected {n1 + n2} or {2 * n1 + n2}")
    lag = _parse_g1(body[:n1])
    g2 = _parse_g2(body[n1: n1 + n2])
    mono = _parse_g1(body[n1 + n2:]) if len(body) == 2 * n1 + n2 else None
    if mono is None:  # older files: powers from the Lagrange points
        mono = _g1_ntt_forward(lag)
    if mono[0] != G1Point() or g2[0] != G2Point():
        raise ProofFormatError(f"{path}: the powers do not start at the standard generators")
    w = F.powers(F.root_of_unity(k), n1)
    if msm(lag, w) != mono[1]:
        perm = _bitrev(k).tolist()
        lag_br = [lag[i] for i in perm]
        lag = lag_br if msm(lag_br, w) == mono[1] else _g1_intt(mono)
    known = KNOWN_SHA256.get(digest)
    origin = f"matches {known}" if known else "NOT the published file: trust it only as far as its origin"
    srs = SRS.from_powers(mono, g2[0], g2[1], lagrange=lag,
                          source=f"Ethereum KZG ceremony file {path.name}, sha256 {digest} ({origin})")
    _check_g2_powers(mono, g2)
    return srs


def is_published(srs: SRS) -> bool:
    """Whether an SRS came from the published ceremony file (by its recorded hash)."""
    return any(h in srs.source and "matches" in srs.source for h in KNOWN_SHA256)


def _ckzg_installed_file() -> Path | None:
    try:
        from importlib import metadata

        dist = metadata.distribution("ckzg")
    except Exception:
        return None
    for f in dist.files or []:
        if f.name == "trusted_setup.txt":
            # typeshed types the result as the SimplePath protocol; for an installed
            # package (a PathDistribution on the file system) it is a pathlib.Path
            p = Path(cast("os.PathLike[str]", dist.locate_file(f)))
            if p.is_file():
                return p
    return None


def _say(msg: str) -> None:
    print(f"zkir: {msg}", file=sys.stderr, flush=True)


def download_to_cache(target: Path | None = None) -> Path:
    """pip download the ckzg sdist into a temporary directory, extract just
    trusted_setup.txt into the cache, after checking its sha256."""
    target = target or cache_path()
    with tempfile.TemporaryDirectory(prefix="zkir-ckzg-") as tmp:
        _say(f"downloading the ckzg {CKZG_VERSION} source distribution with pip "
             f"to extract the Ethereum KZG ceremony file into {target}")
        cmd = [sys.executable, "-m", "pip", "download", f"ckzg=={CKZG_VERSION}", "--no-binary", ":all:",
               "--no-deps", "-q", "-d", tmp]
        out = subprocess.run(cmd, capture_output=True, text=True)
        sdists = sorted(Path(tmp).glob("ckzg-*.tar.gz"))
        if out.returncode or not sdists:
            detail = " ".join((out.stderr or out.stdout).split())[-300:]
            raise OSError(f"pip download ckzg=={CKZG_VERSION} failed: {detail}")
        with tarfile.open(sdists[0]) as tar:
            try:
                member = tar.getmember(SDIST_MEMBER)
            except KeyError:
                raise OSError(f"{sdists[0].name} has no {SDIST_MEMBER}") from None
            fh = tar.extractfile(member)
            data = fh.read() if fh else b""
        digest = hashlib.sha256(data).hexdigest()
        if digest not in KNOWN_SHA256:
            raise OSError(f"{SDIST_MEMBER} has sha256 {digest}, not the published ceremony file's")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmpfile = target.with_name(f".{target.name}.tmp{os.getpid()}")
        tmpfile.write_bytes(data)
        os.replace(tmpfile, target)
    return target


def find_ethereum_setup(path: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Where trusted_setup.txt is: the explicit path; else the cache
    (~/.cache/zkir/ethereum_trusted_setup.txt); else an installed ckzg package's
    copy; else (download=True) pip downloads the ckzg sdist and extracts the
    file into the cache, saying so on stderr."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(2, "no such file", str(p))
        return p
    cached = cache_path()
    if cached.is_file():
        return cached
    installed = _ckzg_installed_file()
    if installed is not None:
        return installed
    if not download:
        raise FileNotFoundError(2, "no Ethereum trusted_setup.txt in the cache or an installed ckzg", str(cached))
    return download_to_cache(cached)
