# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""parse_zfo's fast path (the CMS read through ``zfo._cder``) against its reference (``der.scan``
and asn1crypto).

Whatever the input - the real samples, the simulator's ZFOs, reshaped and fuzzed CMS - both
must give the same ``Zfo`` (field by field) or refuse with the same error. The fast path
answers only when it is sure and leaves everything else to the reference, so the tests also
check that it does answer for the ZFOs a sync downloads (not a vacuous comparison).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from asn1crypto import core
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import ZFO_SAMPLES, require_shared
from tests.unit.zfo.test_fast_path import (  # noqa: F401 - the cder fixture (autouse)
    _SETTINGS,
    _fuzz_base,
    _mutate,
    _mutations,
    _time_texts,
    _time_tlv,
    cder,
)
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - fixtures

from dso_desktop.zfo import der, fastcms, parse
from dso_desktop.zfo.model import Zfo
from dso_desktop.zfo.parse import parse_zfo

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)


def _outcome(data: bytes) -> tuple[str, Any]:
    try:
        z = parse_zfo(data)
    except Exception as exc:  # the exact error is what is compared
        return type(exc).__name__, str(exc)
    return "ok", {f.name: getattr(z, f.name) for f in fields(Zfo) if f.compare}


def _assert_same(data: bytes) -> bool:
    """parse_zfo with and without the fast path: the same fields or the same error.
    Returns whether the fast path answered by itself."""
    fast = _outcome(data)
    with fastcms.reference_only():
        assert parse._cms_fast(data) is None  # bypassed: the reference alone
        ref = _outcome(data)
    assert fast == ref
    answered = parse._cms_fast(data)
    if answered is not None:
        assert answered == parse._cms_reference(data)
    return answered is not None


# -- a small DER tree editor for reshaped CMS (definite lengths only) ----------------------

Node = tuple[int, Any]  # (tag byte, [children] for constructed values, else contents bytes)


def _tree(buf: bytes, t: fastcms.Tlv | None = None) -> Node:
    t = t or fastcms.read(buf, 0, len(buf))
    if t.tag & 0x20:
        return t.tag, [_tree(buf, c) for c in fastcms.children(buf, t)]
    return t.tag, buf[t.body:t.end]


def _enc(node: Node) -> bytes:
    tag, value = node
    body = b"".join(_enc(c) for c in value) if isinstance(value, list) else value
    return bytes([tag]) + parse._encode_len(len(body)) + body


def _reshape(data: bytes, edit: Callable[[list[Any], list[Any]], None]) -> bytes:
    """Rebuild ``data`` after ``edit(signed_data_children, signer_info_children)``."""
    root = _tree(data)
    sd = root[1][1][1][0][1]
    si = sd[-1][1][0][1]
    edit(sd, si)
    return _enc(root)


def _attr(si: list[Any], tag: int, oid: bytes) -> list[Any]:
    """The children of the attribute ``oid`` in the [0]/[1] attributes of a SignerInfo."""
    block = next(n for n in si if n[0] == tag)
    return next(a for a in block[1] if a[1][0][1] == oid)[1]


def _tst_edit(edit: Callable[[list[Any]], None], tail: bytes = b""
              ) -> Callable[[list[Any], list[Any]], None]:
    """An edit of the TSTInfo inside the CAdES timestamp token (``tail``: bytes after it)."""
    def run(sd: list[Any], si: list[Any]) -> None:
        values = _attr(si, 0xA1, fastcms.OID_TIMESTAMP_TOKEN)[1]
        token = values[1][0]
        tsd = token[1][1][1][0][1]
        eci = tsd[2][1]
        tst = _tree(eci[1][1][0][1])
        edit(tst[1])
        eci[1][1][0] = (fastcms.OCTET_STRING, _enc(tst) + tail)
    return run


def _set_time(tag: int, text: bytes) -> Callable[[list[Any], list[Any]], None]:
    def run(sd: list[Any], si: list[Any]) -> None:
        _attr(si, 0xA0, fastcms.OID_SIGNING_TIME)[1][1][0] = (tag, text)
    return run


def _non_minimal(oid: bytes) -> bytes:
    return oid[:-1] + b"\x80" + oid[-1:]  # the last arc with a leading 0x80: same dotted


RESHAPED: dict[str, Callable[[list[Any], list[Any]], None]] = {
    "two certificate sets": lambda sd, si: sd.insert(3, sd[3]),
    "a value after the signerInfos": lambda sd, si: sd.append((0x05, b"")),
    "crls before the certificates": lambda sd, si: sd.insert(3, (0xA1, [])),
    "crls between": lambda sd, si: sd.insert(4, (0xA1, [])),
    "no certificates": lambda sd, si: sd.pop(3),
    "a non-certificate in the set": lambda sd, si: sd[3][1].append((0x81, b"x")),
    "primitive unsigned attributes": lambda sd, si: si.__setitem__(
        -1, (0x81, b"".join(_enc(a) for a in si[-1][1]))),
    "a value after the unsigned attributes": lambda sd, si: si.append((0x05, b"")),
    "a value instead of the unsigned attributes": lambda sd, si: si.__setitem__(-1,
                                                                              (0x05, b"")),
    "no unsigned attributes": lambda sd, si: si.pop(),
    "no signed attributes": lambda sd, si: si.pop(3),
    "a version that is not an INTEGER": lambda sd, si: si.__setitem__(0, (0x01, b"\xff")),
    "timestamp type not minimal": lambda sd, si: _attr(si, 0xA1, fastcms.OID_TIMESTAMP_TOKEN)
    .__setitem__(0, (fastcms.OID, _non_minimal(fastcms.OID_TIMESTAMP_TOKEN))),
    "signing-time type not minimal": lambda sd, si: _attr(si, 0xA0, fastcms.OID_SIGNING_TIME)
    .__setitem__(0, (fastcms.OID, _non_minimal(fastcms.OID_SIGNING_TIME))),
    "an empty attribute type": lambda sd, si: si[-1][1].append(
        (0x30, [(fastcms.OID, b""), (0x31, [])])),
    "an unknown unsigned attribute": lambda sd, si: si[-1][1].append(
        (0x30, [(fastcms.OID, b"\x2a\x03"), (0x31, [(0x05, b"")])])),
    "two timestamp tokens": lambda sd, si: _attr(si, 0xA1, fastcms.OID_TIMESTAMP_TOKEN)[1][1]
    .append(_attr(si, 0xA1, fastcms.OID_TIMESTAMP_TOKEN)[1][1][0]),
    "a timestamp token that is not a SEQUENCE": lambda sd, si: _attr(
        si, 0xA1, fastcms.OID_TIMESTAMP_TOKEN)[1][1].__setitem__(0, (0x05, b"")),
    "a second signerInfos": lambda sd, si: sd.append((0x31, [(0x30, [*si[:3], (0xA0, [
        (0x30, [(fastcms.OID, fastcms.OID_SIGNING_TIME), (0x31, [(0x17, b"300101000000Z")])]),
    ]), *si[4:]])])),
    "two signing times": lambda sd, si: _attr(si, 0xA0, fastcms.OID_SIGNING_TIME)[1][1]
    .append((0x17, b"261101120000Z")),
    "signing time GeneralizedTime": _set_time(0x18, b"20261101120000Z"),
    "signing time with a fraction": _set_time(0x18, b"20261101120000.25Z"),
    "signing time with a comma": _set_time(0x18, b"20261101120000,25Z"),
    "signing time with seven decimals": _set_time(0x18, b"20261101120000.1234567Z"),
    "signing time with a tenth of a microsecond": _set_time(0x18, b"20261101120000.0000001Z"),
    "signing time with six decimals": _set_time(0x18, b"20261101120000.000001Z"),
    "signing time with an empty fraction": _set_time(0x18, b"20261101120000.Z"),
    "signing time without seconds": _set_time(0x17, b"2611011200Z"),
    "signing time with an offset": _set_time(0x17, b"261101120000+0100"),
    "signing time in 1950": _set_time(0x17, b"500101000000Z"),
    "signing time in 2049": _set_time(0x17, b"491231235959Z"),
    "signing time in year 0": _set_time(0x18, b"00000101000000Z"),
    "signing time local": _set_time(0x18, b"20261101120000"),
    "signing time month 13": _set_time(0x17, b"261301120000Z"),
    "signing time as a string": _set_time(0x13, b"261101120000Z"),
    "digest md5": lambda sd, si: si[2][1].__setitem__(
        0, (fastcms.OID, bytes.fromhex("2a864886f70d0205"))),
    "digest sha512": lambda sd, si: si[2][1].__setitem__(
        0, (fastcms.OID, bytes.fromhex("608648016503040203"))),
    "signer by key identifier": lambda sd, si: si.__setitem__(
        1, (0x80, parse._cert_id(_enc(sd[3][1][0]))[2] or b"")),
    "signer by an unknown key identifier": lambda sd, si: si.__setitem__(1, (0x80, b"k")),
    "signer serial not found": lambda sd, si: si[1][1].__setitem__(1, (0x02, b"\x01")),
    "signer serial empty": lambda sd, si: si[1][1].__setitem__(1, (0x02, b"")),
    "tst with a nonce": _tst_edit(lambda f: f.insert(7, (0x02, b"\x05"))),
    "tst with extensions only": _tst_edit(lambda f: f.append((0xA1, []))),
    "tst with a tsa name": _tst_edit(lambda f: f.append((0xA0, [(0xA4, [(0x30, [])])]))),
    "tst with a broken tsa name": _tst_edit(lambda f: f.append((0xA0, [(0x05, b"")]))),
    "tst with broken extensions": _tst_edit(lambda f: f.append((0xA1, [(0x05, b"")]))),
    "tst with broken accuracy": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x30, [(0xA0, [])])])),
    "tst with an unknown accuracy field": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x30, [(0x30, [])])])),
    "tst with trailing zeros": _tst_edit(lambda f: None, b"\x00\x00"),
    "tst with a zero field": _tst_edit(lambda f: f.append((0x00, b""))),
    "tst nested too deep": _tst_edit(lambda f: f.__setitem__(slice(5, None), [
        (0x30, [_nest(der.MAX_DEPTH)])])),
    "tst fields out of order": _tst_edit(lambda f: f.append((0x30, []))),
    "tst without accuracy": _tst_edit(lambda f: f.pop(5)),
    "tst genTime with a fraction": _tst_edit(lambda f: f.__setitem__(
        4, (0x18, b"20261101120000.123456Z"))),
    "tst genTime as UTCTime": _tst_edit(lambda f: f.__setitem__(4, (0x17, b"261101120000Z"))),
    "tst policy not minimal": _tst_edit(lambda f: f.__setitem__(
        1, (fastcms.OID, _non_minimal(f[1][1])))),
    "tst policy 2.999": _tst_edit(lambda f: f.__setitem__(1, (fastcms.OID, b"\x88\x37"))),
    "tst imprint algorithm md5": _tst_edit(lambda f: f[2][1][0][1].__setitem__(
        0, (fastcms.OID, bytes.fromhex("2a864886f70d0205")))),
    "tst imprint with a third field": _tst_edit(lambda f: f[2][1].append((0x05, b""))),
    "tst serial empty": _tst_edit(lambda f: f.__setitem__(3, (0x02, b""))),
    "tst serial negative": _tst_edit(lambda f: f.__setitem__(3, (0x02, b"\x80\x01"))),
    "tst too short": _tst_edit(lambda f: f.pop(4)),
    "tst eleven fields": _tst_edit(lambda f: f.extend([(0x05, b"")] * 6)),
    "tst accuracy in millis": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x30, [(0x80, b"\x05")])])),
    "tst accuracy out of order": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x30, [(0x81, b"\x05"), (0x02, b"\x01")])])),
    "tst ordering true": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x01, b"\xff"), (0x02, b"\x07")])),
    "tst ordering of two bytes": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x01, b"\x00\x00")])),
    "tst ordering before accuracy": _tst_edit(lambda f: f.__setitem__(
        slice(5, None), [(0x01, b"\x00"), (0x30, [])])),
    "tst imprint algorithm without NULL": _tst_edit(lambda f: f[2][1][0][1].pop()),
    "tst imprint algorithm with parameters": _tst_edit(
        lambda f: f[2][1][0][1].__setitem__(1, (0x04, b"x"))),
    "tst NULL with contents": _tst_edit(lambda f: f[2][1][0][1].__setitem__(1, (0x05, b"x"))),
    "tst imprint algorithm with three fields": _tst_edit(
        lambda f: f[2][1][0][1].append((0x05, b""))),
    "outer version 3": lambda sd, si: sd.__setitem__(0, (0x02, b"\x03")),
    "outer version 1 not minimal": lambda sd, si: sd.__setitem__(0, (0x02, b"\x00\x01")),
    "outer version of five bytes": lambda sd, si: sd.__setitem__(0, (0x02, b"\x00" * 4 + b"\x03")),
    "token version 1": lambda sd, si: _token_sd(si).__setitem__(0, (0x02, b"\x01")),
    "token version 1 not minimal": lambda sd, si: _token_sd(si).__setitem__(
        0, (0x02, b"\x00\x01")),
    "token version -1": lambda sd, si: _token_sd(si).__setitem__(0, (0x02, b"\xff")),
    "token version as a string": lambda sd, si: _token_sd(si).__setitem__(0, (0x13, b"3")),
}


def _nest(depth: int) -> Node:
    node: Node = (0x30, [])
    for _ in range(depth):
        node = (0x30, [node])
    return node


def _token_sd(si: list[Any]) -> list[Any]:
    """The children of the CAdES timestamp token's SignedData."""
    token = _attr(si, 0xA1, fastcms.OID_TIMESTAMP_TOKEN)[1][1][0]
    sd: list[Any] = token[1][1][1][0][1]
    return sd
# Reshapings the fast path must read by itself (the rest it may leave to the reference).
FAST_READS = {"signing time GeneralizedTime", "signing time with a fraction",
              "signing time with six decimals",
              "signing time in 1950", "signing time in 2049", "no unsigned attributes",
              "no signed attributes", "an unknown unsigned attribute", "digest sha512",
              "signer by key identifier", "signer serial not found", "tst with a nonce",
              "tst without accuracy", "tst genTime with a fraction", "tst policy 2.999",
              "tst serial negative", "crls between", "no certificates",
              "a version that is not an INTEGER", "tst accuracy in millis", "tst ordering true",
              "tst imprint algorithm without NULL", "outer version 3",
              "outer version 1 not minimal", "token version -1"}


def test_the_fast_parse_really_runs(make_zfo: Callable[..., bytes],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On the ZFOs we make, the C reader answers by itself: asn1crypto is not called."""
    z = make_zfo()
    expected = _outcome(z)
    assert expected[0] == "ok" and expected[1]["timestamp"] is not None
    assert expected[1]["signer"] is not None and expected[1]["signing_time"] is not None

    def no_reference(*args: object) -> None:
        raise AssertionError("the reference ran")

    monkeypatch.setattr(parse, "_cms_reference", no_reference)
    monkeypatch.setattr(parse, "load_signed_data", no_reference)
    monkeypatch.setattr(der, "scan", no_reference)
    assert _outcome(z) == expected


def test_factory_variants_parse_the_same(make_zfo: Callable[..., bytes]) -> None:
    for z in (make_zfo(), make_zfo(with_tsa=False), make_zfo(when=datetime(2024, 6, 1, tzinfo=UTC)),
              make_zfo(when=datetime(2051, 6, 1, tzinfo=UTC)), make_zfo(digest="sha1")):
        assert _assert_same(z)


@pytest.mark.parametrize("name", sorted(RESHAPED))
def test_reshaped_cms_parses_the_same(make_zfo: Callable[..., bytes], name: str) -> None:
    data = _reshape(make_zfo(), RESHAPED[name])
    answered = _assert_same(data)
    if name in FAST_READS:
        assert answered, "the fast path declined a shape it reads"


def test_the_reshaping_itself_keeps_the_zfo(make_zfo: Callable[..., bytes]) -> None:
    z = make_zfo()
    assert _reshape(z, lambda sd, si: None) == z


def test_real_samples_parse_the_same() -> None:
    """Real ISDS ZFOs are BER (indefinite lengths): the result is the reference's (that the
    fast path reads them by itself: test_fast_ber.py)."""
    require_shared(ZFO_SAMPLES)
    samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert samples
    for path in samples:
        data = path.read_bytes()
        _assert_same(data)
        _assert_same(data[:len(data) // 2])


def test_simulator_zfos_parse_the_same() -> None:
    from dso_desktop.simulator import Simulator, render
    from dso_desktop.zfo.produce import seal

    sim = Simulator(None, seed=7, messages=10, now=CHECK_AT)
    pki_ = sim.pki.pki
    for msg in list(sim.world.messages.values())[:10]:
        q = sim.core.qtimestamp(msg)
        for kind in ("received", "delivery"):
            z = seal(render.signed_content(sim.world, msg, kind, q), pki_.seal, pki_.tsa,
                     CHECK_AT)
            assert _assert_same(z)  # a sync's downloads take the fast path
            _assert_same(z[:-1])
            _assert_same(z + b"\x00\x00")
            _assert_same(z + b"\x00\x01")


@_SETTINGS
@given(ops=_mutations(), tail=st.booleans())
def test_fuzzed_zfos_parse_the_same(make_zfo: Callable[..., bytes],
                                    ops: list[tuple[str, int, int]], tail: bool) -> None:
    base = _fuzz_base(make_zfo)
    cut = max(0, len(base) - 2500)  # the signer info and its token sit after the content
    data = _mutate(base, ops, 200) if not tail else base[:cut] + _mutate(base[cut:], ops, 2500)
    _assert_same(data)


@_SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_parse_the_same(data: bytes) -> None:
    _assert_same(b"\x30" + data)
    _assert_same(data)


# -- the pieces: der.scan in C, the time and OID readings against asn1crypto ----------------

def _scan_outcome(data: bytes, zeros: bool, depth: int, nodes: int) -> int | None:
    try:
        return der.scan(data, max_depth=depth, max_nodes=nodes, allow_trailing_zeros=zeros)
    except Exception:  # every error of der.scan is a refusal (ZfoError)
        return None


@st.composite
def _ber(draw: st.DrawFn) -> bytes:
    """Short runs of tag and length bytes that BER walks are sensitive to."""
    alphabet = [0x30, 0x31, 0xA0, 0x80, 0x00, 0x04, 0x02, 0x1F, 0x3F, 0xBF, 0x81, 0x82, 0x01,
                0x05, 0x88, 0x89, 0x24, 0xFF]
    return b"\x30" + bytes(draw(st.lists(st.sampled_from(alphabet), max_size=30)))


@_SETTINGS
@given(data=st.one_of(_ber(), st.binary(max_size=60)), zeros=st.booleans(),
       depth=st.integers(0, 6), nodes=st.integers(0, 12))
def test_scan_refuses_what_der_scan_refuses(cder: ModuleType, data: bytes, zeros: bool,
                                            depth: int, nodes: int) -> None:
    assert cder.scan(data, zeros, depth, nodes) == _scan_outcome(data, zeros, depth, nodes)
    assert cder.scan(data, zeros, der.MAX_DEPTH, der.MAX_NODES) == _scan_outcome(
        data, zeros, der.MAX_DEPTH, der.MAX_NODES)


@_SETTINGS
@given(ops=_mutations())
def test_scan_of_fuzzed_zfos(cder: ModuleType, make_zfo: Callable[..., bytes],
                             ops: list[tuple[str, int, int]]) -> None:
    data = _mutate(_fuzz_base(make_zfo), ops, 200)
    for zeros in (True, False):
        assert cder.scan(data, zeros, der.MAX_DEPTH, der.MAX_NODES) == _scan_outcome(
            data, zeros, der.MAX_DEPTH, der.MAX_NODES)


def test_scan_limits(cder: ModuleType, make_zfo: Callable[..., bytes]) -> None:
    z = make_zfo()
    assert cder.scan(z, True, der.MAX_DEPTH, der.MAX_NODES) == len(z)
    for depth in (47, 48, 49):
        nested = b"\x30\x80" * depth + b"\x00\x00" * depth
        assert cder.scan(nested, False, 48, 100) == _scan_outcome(nested, False, 48, 100)
    assert cder.scan(b"\x30\x80" * 48 + b"\x00\x00" * 48, False, 48, 100) == 192
    assert cder.scan(b"\x30\x80" * 49 + b"\x00\x00" * 49, False, 48, 100) is None
    flat = b"\x30\x0a" + b"\x05\x00" * 5
    assert cder.scan(flat, False, 2, 6) == 12 and cder.scan(flat, False, 2, 5) is None
    long_form = b"\x30\x88" + (2).to_bytes(8, "big") + b"\x05\x00"
    assert cder.scan(long_form, False, 2, 6) == _scan_outcome(long_form, False, 2, 6) == 12
    huge = b"\x30\x88" + (2**64 - 1).to_bytes(8, "big") + b"\x05\x00"
    assert cder.scan(huge, False, 2, 6) is None is _scan_outcome(huge, False, 2, 6)
    for edge in (b"\x30\x80\x00", b"\x30\x80\x30\x80\x00\x00\x00",  # a lone end byte
                 b"\x30\x08\x1f\x81\x81\x81\x81\x81\x01\x00",  # a tag of six bytes
                 b"\x30\x07\x1f\x81\x81\x81\x81\x01\x00",  # five: still read
                 b"\x30\x04\x04\x80\x00\x00"):  # indefinite primitive
        assert cder.scan(edge, True, 48, 100) == _scan_outcome(edge, True, 48, 100), edge
    assert cder.scan(b"\x30\x07\x1f\x81\x81\x81\x81\x01\x00", True, 48, 100) == 9
    assert cder.scan(z + b"\x00\x00", True, 48, 10**6) == len(z)
    assert cder.scan(z + b"\x00\x00", False, 48, 10**6) is None


@_SETTINGS
@given(text=_time_texts(), tag=st.sampled_from([0x17, 0x18, 0x04]))
def test_times_read_as_asn1crypto_reads_them(text: bytes, tag: int) -> None:
    buf, t = _time_tlv(tag, text)
    when = parse._time(buf, t)
    if when is None:
        return  # left to the reference
    value = (core.UTCTime if tag == 0x17 else core.GeneralizedTime).load(
        bytes([tag]) + parse._encode_len(len(text)) + text).native
    assert when == value and when.tzinfo is not None and when.utcoffset() == value.utcoffset()


def test_times_the_fast_reading_takes(cder: ModuleType) -> None:
    buf, t = _time_tlv(0x18, b"20261102030405.12Z")
    assert parse._time(buf, t) == datetime(2026, 11, 2, 3, 4, 5, 120000, tzinfo=UTC)
    buf, t = _time_tlv(0x17, b"491231235959Z")
    assert parse._time(buf, t) == datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)
    buf, t = _time_tlv(0x17, b"500101000000Z")
    assert parse._time(buf, t) == datetime(1950, 1, 1, tzinfo=UTC)
    for tag, text in ((0x18, b"20261102030405.1234567Z"), (0x18, b"20261102030405.Z"),
                      (0x18, b"20261102030405,1Z"), (0x18, b"00001102030405Z"),
                      (0x17, b"2611020304Z"), (0x17, b"261102030405+0100"),
                      (0x17, b"261302030405Z"), (0x18, b"2026110203040Z")):
        buf, t = _time_tlv(tag, text)
        assert parse._time(buf, t) is None, text


@_SETTINGS
@given(raw=st.binary(max_size=12))
def test_oids_read_as_asn1crypto_reads_them(raw: bytes) -> None:
    dotted = parse._dotted(raw)
    if dotted is None:
        assert not raw or raw[-1] & 0x80 or b"\x80" in raw
        return
    assert dotted == core.ObjectIdentifier.load(b"\x06" + parse._encode_len(len(raw)) + raw).dotted
    assert core.ObjectIdentifier(dotted).contents == raw  # canonical: one encoding per OID


def test_oid_canonical_form() -> None:
    assert parse._canonical_oid(fastcms.OID_SIGNING_TIME)
    assert not parse._canonical_oid(_non_minimal(fastcms.OID_SIGNING_TIME))
    assert not parse._canonical_oid(b"\x80\x01")
    assert not parse._canonical_oid(b"\x2a\x86")
    assert not parse._canonical_oid(b"")
    assert parse._dotted(b"\x88\x37") == "2.999"
    assert parse._dotted(b"\x2a\x03") == "1.2.3"
    assert parse._dotted(b"\x06") == "0.6"
    for first, dotted in ((b"\x27", "0.39"), (b"\x28", "1.0"), (b"\x4f", "1.39"),
                          (b"\x50", "2.0")):
        assert parse._dotted(first) == dotted == core.ObjectIdentifier.load(
            b"\x06\x01" + first).dotted


def test_signer_serials_are_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The signer's serial compares as asn1crypto's Integer reads it (two's complement)."""
    assert core.Integer.load(b"\x02\x01\xff").native == -1
    monkeypatch.setattr(parse, "_cert_id", lambda c: (-1 if c == b"neg" else 255, b"I", None))
    assert parse._find_cert([b"pos", b"neg"], b"I", b"\xff", None) == b"neg"
    assert parse._find_cert([b"pos", b"neg"], b"I", b"\x00\xff", None) == b"pos"
    assert parse._find_cert([b"pos"], b"J", b"\x00\xff", None) is None
