"""Powers-of-tau ceremony, SRS.generate, the insecure mark, the Ethereum import, the G1 iNTT.

Tampering tests come in two kinds: a naive edit (caught by the hashes) and an
edit "resealed" the way an attacker would, recomputing every public hash, so
that only the cryptographic check under test can catch it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
from pathlib import Path

import pytest
from py_arkworks_bls12381 import G1Point, G2Point

from zkir.prover import ceremony as C
from zkir.prover import ethereum_setup as E
from zkir.prover import field as F
from zkir.prover import kzg
from zkir.prover.errors import ProofFormatError
from zkir.prover.kzg import SRS, SRS_MAGIC, _g1_intt, _g1_ntt_forward, is_known_insecure, scalar_from_int
from zkir.prover.ntt import _log2

K = 4
XY = 96


# ---------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def chain():
    """(fresh, after one contribution, after two)."""
    c0 = C.new(K)
    c1 = C.contribute(c0, b"first")
    c2 = C.contribute(c1)
    return c0, c1, c2


def _reseal(c: C.Ceremony) -> C.Ceremony:
    """What an attacker can always do: recompute the last powers digest and
    every state hash (all unkeyed) after an edit."""
    recs = []
    prev = C.initial_hash(c.k)
    for j, r in enumerate(c.contributions, 1):
        if j == len(c.contributions):
            r = dataclasses.replace(r, powers_digest=C.powers_digest(c.k, c.g1_xy, c.g2_tau))
        r = dataclasses.replace(r, state_hash=C.state_hash(c.k, j, prev, r))
        recs.append(r)
        prev = r.state_hash
    return dataclasses.replace(c, contributions=recs, _points=None)


def _with_power(c: C.Ceremony, i: int, xy: bytes) -> C.Ceremony:
    g = bytearray(c.g1_xy)
    g[i * XY:(i + 1) * XY] = xy
    return dataclasses.replace(c, g1_xy=bytes(g), _points=None)


def _fails(c: C.Ceremony, *parts: str) -> str:
    with pytest.raises(C.CeremonyError) as ei:
        C.verify(c)
    msg = str(ei.value)
    assert "\n" not in msg
    for p in parts:
        assert p in msg, msg
    return msg


def _off_subgroup_point() -> G1Point:
    """A point on y^2 = x^3 + 4 outside the r-order subgroup (x = 4)."""
    p = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
    x = 4
    y = pow(x ** 3 + 4, (p + 1) // 4, p)
    assert y * y % p == (x ** 3 + 4) % p
    q = G1Point.from_xy_bytes_unchecked_le(x.to_bytes(48, "little") + y.to_bytes(48, "little"))
    assert not q.is_in_subgroup()
    return q


# ---------------------------------------------------------------- the happy path
def test_new_contribute_twice_verify(chain, tmp_path):
    c0, c1, c2 = chain
    assert C.verify(c0).contributions == 0
    rep = C.verify(c2)
    assert (rep.k, rep.contributions) == (K, 2)
    assert rep.receipts == [c1.state_hash.hex(), c2.state_hash.hex()]
    assert c1.contributions == c2.contributions[:1]  # contribute does not change its input
    path = tmp_path / "c2.pot"
    c2.save(path)
    back = C.Ceremony.load(path)
    assert back.to_bytes() == c2.to_bytes()
    assert C.verify(back).state_hash == c2.state_hash.hex()
    assert not list(tmp_path.glob(".*tmp*"))  # atomic write leaves nothing behind


def test_powers_are_powers_of_the_product_of_the_secrets(chain):
    c0 = C.new(3)
    s1, s2 = 12345, 67890
    c = C._apply_secret(C._apply_secret(c0, s1), s2)
    tau = s1 * s2 % kzg.P
    assert c.points() == [G1Point() * scalar_from_int(pow(tau, i, kzg.P)) for i in range(8)]
    assert c.g2_tau == G2Point() * scalar_from_int(tau)
    C.verify(c)


def test_to_srs_and_load_srs_file(chain, tmp_path):
    _, _, c2 = chain
    srs = C.to_srs(c2)
    srs.check()
    assert srs.k == K and not srs.insecure and "2 contributions" in srs.source
    assert srs.g1 == c2.points()
    small = C.to_srs(c2, 2)
    assert small.k == 2 and small.g1 == c2.points()[:4]
    path = tmp_path / "c.pot"
    c2.save(path)
    assert C.load_srs_file(path, 3).g1_lagrange == srs.lagrange(3)
    assert SRS.load(path).g1_lagrange == srs.g1_lagrange  # SRS.load takes ceremony files too
    plain = tmp_path / "srs.bin"
    srs.save(plain)
    cut = C.load_srs_file(plain, 2)
    assert cut.k == 2 and cut.g1_lagrange == srs.lagrange(2) and cut.source == srs.source


def test_to_srs_refuses_a_ceremony_without_contributions(chain):
    with pytest.raises(C.CeremonyError, match="no contributions"):
        C.to_srs(chain[0])


# ---------------------------------------------------------------- tampering
def test_changed_power(chain):
    _, _, c2 = chain
    g = c2.points()
    bad = _with_power(c2, 5, (g[5] + G1Point()).to_xy_bytes_le())
    _fails(bad, "powers:", "digest recorded by contribution 2")
    _fails(_reseal(bad), "powers:", "not consecutive powers of one tau")


def test_swapped_points(chain):
    _, _, c2 = chain
    g = c2.points()
    bad = _with_power(_with_power(c2, 3, g[4].to_xy_bytes_le()), 4, g[3].to_xy_bytes_le())
    _fails(_reseal(bad), "not consecutive powers of one tau")
    bad = _with_power(_with_power(c2, 1, g[2].to_xy_bytes_le()), 2, g[1].to_xy_bytes_le())
    _fails(_reseal(bad), "g1[1] is not the running [tau]G1 of the last contribution")


def test_changed_tau_g2(chain):
    _, _, c2 = chain
    bad = _reseal(dataclasses.replace(c2, g2_tau=c2.g2_tau + G2Point()))
    _fails(bad, "[tau]G2 does not match g1[1]")


def test_wrong_proof_of_knowledge(chain):
    _, _, c2 = chain
    r1 = c2.contributions[0]
    bad = dataclasses.replace(c2, contributions=[dataclasses.replace(r1, pok_z=(r1.pok_z + 1) % kzg.P),
                                                 c2.contributions[1]])
    _fails(bad, "contribution 1: state hash does not match")
    _fails(_reseal(bad), "contribution 1: invalid proof of knowledge")


def test_replayed_proof_of_knowledge_from_another_index():
    """Contribution 2 reuses contribution 1's secret and copies its proof: the
    chain and the G1/G2 link hold, but the proof is bound to index 1."""
    s = 987654321
    c1 = C._apply_secret(C.new(K), s)
    r1 = c1.contributions[0]
    replay = C._apply_secret(c1, s, pok=(r1.pok_r, r1.pok_z))
    _fails(replay, "contribution 2: invalid proof of knowledge")
    fresh = C._apply_secret(c1, s)  # the same secret with its own proof is fine
    C.verify(fresh)


def test_proof_copied_into_another_ceremony():
    s = 424242
    a = C._apply_secret(C.new(K), s)
    b = C._apply_secret(C.new(K + 1), s, pok=(a.contributions[0].pok_r, a.contributions[0].pok_z))
    _fails(b, "contribution 1: invalid proof of knowledge")


def test_removed_contribution(chain):
    _, c1, c2 = chain
    first_removed = dataclasses.replace(c2, contributions=c2.contributions[1:])
    _fails(first_removed, "contribution 1: state hash does not match")
    _fails(_reseal(first_removed), "contribution 1: invalid proof of knowledge")
    last_removed = dataclasses.replace(c2, contributions=c2.contributions[:1])
    _fails(last_removed, "g1[1] is not the running [tau]G1")


def test_reordered_contributions(chain):
    _, _, c2 = chain
    swapped = dataclasses.replace(c2, contributions=c2.contributions[::-1])
    _fails(swapped, "contribution 1: state hash does not match")
    _fails(_reseal(swapped), "contribution 1: invalid proof of knowledge")


def test_contribution_with_mismatched_g1_and_g2_secret(chain):
    _, c1, _ = chain
    r = c1.contributions[0]
    bad = _reseal(dataclasses.replace(c1, contributions=[dataclasses.replace(r, s_g2=r.s_g2 + G2Point())]))
    msg = _fails(bad, "contribution 1:")
    assert "proof of knowledge" in msg or "same secret" in msg  # the proof binds [s]G2 too


def test_point_not_in_subgroup(chain):
    _, _, c2 = chain
    q = _off_subgroup_point()
    _fails(_reseal(_with_power(c2, 3, q.to_xy_bytes_le())), "powers: g1[3] is not in the G1 subgroup")
    r = c2.contributions[0]
    bad = dataclasses.replace(c2, contributions=[dataclasses.replace(r, s_g1=q), c2.contributions[1]])
    _fails(bad, "contribution 1: [s]G1 is not in the G1 subgroup")
    # through the file: the off-subgroup point survives parsing, verify catches it
    back = C.Ceremony.from_bytes(_reseal(_with_power(c2, 6, q.to_xy_bytes_le())).to_bytes())
    _fails(back, "powers: g1[6] is not in the G1 subgroup")


def test_point_not_on_the_curve(chain):
    _, _, c2 = chain
    xy = bytearray(c2.points()[2].to_xy_bytes_le())
    xy[0] ^= 1
    _fails(_with_power(c2, 2, bytes(xy)), "powers: g1[2] is not a point on the curve")
    data = bytearray(c2.to_bytes())
    rec0 = len(data) - 2 * C.RECORD_BYTES
    data[rec0] ^= 1  # [s]G1 of contribution 1
    with pytest.raises(C.CeremonyError, match=r"contribution 1: \[s\]G1 is not a point on the curve"):
        C.Ceremony.from_bytes(bytes(data))


def test_identity_power(chain):
    _, _, c2 = chain
    _fails(_reseal(_with_power(c2, 7, bytes(XY))), "powers: g1[7] is the identity")


def test_zero_secret(chain):
    _, c1, _ = chain
    _fails(C._apply_secret(c1, 0), "contribution 2: [s]G1 is the identity (a zero secret)")


def test_malformed_files(chain):
    _, _, c2 = chain
    data = c2.to_bytes()
    for bad, what in [(b"", "magic"), (b"NOTAPOT\x00" + data[8:], "magic"), (data[:-1], "bytes"),
                      (data + b"\x00", "bytes"), (data[:8] + struct.pack("<I", 9) + data[12:], "version"),
                      (data[:12] + struct.pack("<I", 40) + data[16:], "K")]:
        with pytest.raises(ProofFormatError, match=what):
            C.Ceremony.from_bytes(bad)


# ---------------------------------------------------------------- SRS.generate and the insecure mark
def test_generate_gives_valid_powers_with_a_fresh_tau():
    a, b = SRS.generate(5), SRS.generate(5)
    a.check(subgroup=True)
    b.check()
    assert a.g2_tau != b.g2_tau and a.g1[1] != b.g1[1]
    assert not a.insecure and not is_known_insecure(a)
    assert SRS.from_bytes(a.to_bytes()).insecure is False


def test_insecure_flag_round_trips_and_is_detected_when_stripped():
    srs = SRS.insecure_from_seed(4)
    assert srs.insecure and is_known_insecure(srs)
    data = srs.to_bytes()
    assert SRS.from_bytes(data).insecure
    off = len(SRS_MAGIC) + 8
    assert struct.unpack_from("<I", data, off)[0] == 1
    stripped = data[:off] + struct.pack("<I", 0) + data[off + 4:]
    assert SRS.from_bytes(stripped).insecure  # recognised by its tau
    other = SRS.insecure_from_seed(4, b"some other seed")
    assert other.insecure and SRS.from_bytes(other.to_bytes()).insecure  # the flag carries it
    assert not is_known_insecure(other)  # only the default seed's tau is recognised


def _v1_bytes(srs: SRS) -> bytes:
    return b"".join([SRS_MAGIC, struct.pack("<II", 1, srs.k), srs.g2.to_compressed_bytes(),
                     srs.g2_tau.to_compressed_bytes()] + [p.to_xy_bytes_le() for p in srs.g1 + srs.g1_lagrange])


def test_version_1_files_are_still_read():
    seeded = SRS.insecure_from_seed(3)
    old = SRS.from_bytes(_v1_bytes(seeded))
    assert old.insecure and old.g1 == seeded.g1  # the default seed is recognised
    fresh = SRS.generate(3)
    back = SRS.from_bytes(_v1_bytes(fresh))
    assert not back.insecure and back.g1_lagrange == fresh.g1_lagrange


def test_srs_file_with_swapped_powers_is_rejected():
    srs = SRS.generate(3)
    data = srs.to_bytes()
    off = len(data) - 2 * srs.n * XY  # the powers (header length depends on the source string)
    swapped = bytearray(data)
    swapped[off + XY: off + 2 * XY], swapped[off + 2 * XY: off + 3 * XY] = (
        data[off + 2 * XY: off + 3 * XY], data[off + XY: off + 2 * XY])
    with pytest.raises(ProofFormatError, match="not powers of a single tau"):
        SRS.from_bytes(bytes(swapped))
    lag_off = len(data) - srs.n * XY
    bad = bytearray(data)
    bad[lag_off: lag_off + XY], bad[lag_off + XY: lag_off + 2 * XY] = (
        data[lag_off + XY: lag_off + 2 * XY], data[lag_off: lag_off + XY])
    with pytest.raises(ProofFormatError, match="Lagrange"):
        SRS.from_bytes(bytes(bad))


def test_srs_check_rejects_a_wrong_lagrange_point():
    """The check covers every Lagrange point, not just sum L_i and sum w^i L_i."""
    srs = SRS.generate(4)
    lag = list(srs.g1_lagrange)
    # a change that keeps sum L_i and sum w^i L_i: add D to L_0 and subtract it
    # from L_j, L_k with w^0 = a w^j + b w^k and a + b = 1 ... simpler: 3 terms
    w = F.to_ints(F.powers(F.root_of_unity(4), 16))
    p = kzg.P
    # find a, b with a + b = 1 and a w1 + b w2 = w0 = 1  ->  a (w1 - w2) = 1 - w2
    a = (1 - w[2]) * pow(w[1] - w[2], -1, p) % p
    b = (1 - a) % p
    d = G1Point() * scalar_from_int(7)
    lag[0] = lag[0] + d
    lag[1] = lag[1] - d * scalar_from_int(a)
    lag[2] = lag[2] - d * scalar_from_int(b)
    bad = SRS(srs.k, srs.g1, lag, srs.g2, srs.g2_tau)
    from zkir.prover.kzg import msm

    assert msm(lag, F.ones(16)) == srs.g1[0] and msm(lag, F.powers(F.root_of_unity(4), 16)) == srs.g1[1]
    with pytest.raises(ProofFormatError, match="Lagrange"):
        bad.check()


# ---------------------------------------------------------------- the G1 iNTT
def _g1_intt_reference(points):
    """The implementation before the fast iNTT, kept as the reference."""
    n = len(points)
    logn = _log2(n)
    a = list(points)
    for i in range(n):
        r = int(format(i, f"0{logn}b")[::-1], 2) if logn else 0
        if r > i:
            a[i], a[r] = a[r], a[i]
    m = 1
    while m < n:
        w = F.inv(F.root_of_unity((2 * m).bit_length() - 1))
        tw = [scalar_from_int(pow(w, j, kzg.P)) for j in range(m)]
        for k in range(0, n, 2 * m):
            for j in range(m):
                u = a[k + j]
                v = a[k + j + m] * tw[j] if j else a[k + j + m]
                a[k + j] = u + v
                a[k + j + m] = u - v
        m *= 2
    ninv = scalar_from_int(F.inv(n))
    return [p * ninv for p in a]


def test_intt_equals_the_reference_implementation():
    srs = SRS.insecure_from_seed(6, b"intt")
    for k in range(0, 6):
        pts = srs.g1[: 1 << k]
        assert _g1_intt(pts) == _g1_intt_reference(pts), k
    assert _g1_intt(srs.g1) == srs.g1_lagrange


@pytest.mark.parametrize("threads", ["2", "3", "4"])
def test_parallel_intt_matches_the_direct_lagrange_points(monkeypatch, threads):
    monkeypatch.setenv("ZKIR_PROVER_THREADS", threads)
    monkeypatch.setattr(kzg, "POOL_MIN_POINTS", 4)
    for k in (2, 3, 6):
        srs = SRS.insecure_from_seed(k, b"parallel")
        assert _g1_intt(srs.g1) == srs.g1_lagrange, k
        assert _g1_ntt_forward(srs.g1_lagrange) == srs.g1, k


def test_parallel_fixed_base_and_subgroup_checks(monkeypatch):
    monkeypatch.setattr(kzg, "POOL_MIN_POINTS", 4)
    a = SRS.insecure_from_seed(5, b"fb")
    monkeypatch.setattr(kzg, "POOL_MIN_POINTS", 1 << 20)
    b = SRS.insecure_from_seed(5, b"fb")
    assert a.g1 == b.g1 and a.g1_lagrange == b.g1_lagrange
    monkeypatch.setattr(kzg, "POOL_MIN_POINTS", 4)
    xy = bytearray(kzg.points_to_xy(a.g1))
    kzg.check_g1_xy(bytes(xy))
    xy[9 * XY:10 * XY] = _off_subgroup_point().to_xy_bytes_le()
    with pytest.raises(ProofFormatError, match=r"g1\[9\] is not in the G1 subgroup"):
        kzg.check_g1_xy(bytes(xy))


def test_parallel_contribution_matches_serial(monkeypatch):
    monkeypatch.setattr(kzg, "POOL_MIN_POINTS", 1 << 20)
    monkeypatch.setattr(C, "POOL_MIN_POINTS", 1 << 20)
    serial = C._apply_secret(C.new(5), 31337)
    monkeypatch.setattr(kzg, "POOL_MIN_POINTS", 4)
    monkeypatch.setattr(C, "POOL_MIN_POINTS", 4)
    parallel = C._apply_secret(C.new(5), 31337)
    assert serial.g1_xy == parallel.g1_xy
    C.verify(parallel)


# ---------------------------------------------------------------- Ethereum import
def _setup_text(srs: SRS, order: str = "natural", monomial: bool = True, n_g2: int = 3) -> str:
    """A trusted_setup.txt in the ckzg format for a test SRS."""
    lag = srs.g1_lagrange
    if order == "bitrev":
        lag = [lag[i] for i in kzg._bitrev(srs.k).tolist()]
    tau = kzg._seed_tau(b"eth")
    g2 = [G2Point() * scalar_from_int(pow(tau, i, kzg.P)) for i in range(n_g2)]
    lines = [str(srs.n), str(n_g2)] + [p.to_compressed_bytes().hex() for p in lag]
    lines += [q.to_compressed_bytes().hex() for q in g2]
    if monomial:
        lines += [p.to_compressed_bytes().hex() for p in srs.g1]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def eth_srs():
    return SRS.insecure_from_seed(4, b"eth")


@pytest.mark.parametrize("order, monomial", [("natural", True), ("bitrev", True), ("natural", False)])
def test_ethereum_format_loads(tmp_path, eth_srs, order, monomial):
    path = tmp_path / "trusted_setup.txt"
    path.write_text(_setup_text(eth_srs, order, monomial))
    srs = E.load_ethereum_setup(path)
    assert srs.k == 4 and srs.g1 == eth_srs.g1 and srs.g1_lagrange == eth_srs.g1_lagrange
    assert srs.g2_tau == eth_srs.g2_tau
    assert hashlib.sha256(path.read_bytes()).hexdigest() in srs.source and "NOT the published" in srs.source
    assert not E.is_published(srs)


def test_ethereum_format_rejects_bad_points(tmp_path, eth_srs):
    text = _setup_text(eth_srs).splitlines()
    q = _off_subgroup_point()
    bad = list(text)
    bad[2 + 16 + 3 + 5] = q.to_compressed_bytes().hex()  # monomial point 5
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(bad))
    with pytest.raises(ProofFormatError, match="G1 point 5 of the file is invalid"):
        E.load_ethereum_setup(path)
    bad = list(text)
    bad[2 + 16 + 3 + 5], bad[2 + 16 + 3 + 6] = text[2 + 16 + 3 + 6], text[2 + 16 + 3 + 5]
    path.write_text("\n".join(bad))
    with pytest.raises(ProofFormatError, match="not powers"):
        E.load_ethereum_setup(path)
    bad = list(text)
    bad[2 + 16 + 2] = bad[2 + 16 + 1]  # G2 power 2 := power 1
    path.write_text("\n".join(bad))
    with pytest.raises(ProofFormatError, match="G2 points are not powers"):
        E.load_ethereum_setup(path)
    path.write_text("4096\n65\nzz\n")
    with pytest.raises(ProofFormatError):
        E.load_ethereum_setup(path)


def test_find_ethereum_setup_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    explicit = tmp_path / "mine.txt"
    explicit.write_text("x")
    assert E.find_ethereum_setup(explicit) == explicit
    with pytest.raises(FileNotFoundError):
        E.find_ethereum_setup(tmp_path / "missing.txt")
    monkeypatch.setattr(E, "_ckzg_installed_file", lambda: None)
    with pytest.raises(FileNotFoundError):
        E.find_ethereum_setup(download=False)
    cached = E.cache_path()
    cached.parent.mkdir(parents=True)
    cached.write_text("x")
    assert E.find_ethereum_setup(download=False) == cached


def _real_setup_file() -> Path | None:
    for p in (E.cache_path(), Path("/tmp/ckzg/ckzg-2.1.8/src/trusted_setup.txt")):
        if p.is_file() and E.sha256_file(p) in E.KNOWN_SHA256:
            return p
    return E._ckzg_installed_file()


def test_ethereum_setup_from_a_present_file():
    path = _real_setup_file()
    if path is None:
        pytest.skip("no Ethereum trusted_setup.txt cached (the slow test downloads it)")
    srs = E.load_ethereum_setup(path)
    assert srs.k == 12 and E.is_published(srs) and not srs.insecure
    assert "d39b9f2d047cc9dca2de58f264b6a09448ccd34db967881a6713eacacf0f26b7" in srs.source
    # the file's Lagrange points are in natural order over zkir's domain
    w = F.powers(F.root_of_unity(12), 4096)
    assert kzg.msm(srs.g1_lagrange, F.ones(4096)) == G1Point()
    assert kzg.msm(srs.g1_lagrange, w) == srs.g1[1]


@pytest.mark.slow
def test_ethereum_setup_download(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(E, "_ckzg_installed_file", lambda: None)
    path = E.find_ethereum_setup()
    assert path == E.cache_path() and E.sha256_file(path) in E.KNOWN_SHA256
    srs = E.load_ethereum_setup(path)
    assert srs.k == 12 and E.is_published(srs)
    assert E.find_ethereum_setup() == path  # now from the cache
