# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""BER (indefinite lengths, a chunked eContent) on the C fast paths, against the reference.

Real ISDS ZFOs are BER: ContentInfo, SignedData, encapContentInfo and the certificates'
[0] have indefinite lengths and the eContent is a constructed OCTET STRING of 1000-byte
chunks. Verification (``fastcms.signed_data``) and the parse (``parse._cms_fast``) must read
them by themselves, and give exactly what the reference gives; BER made from our own ZFOs,
broken in the ways BER can break, must get the same result or error from both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import ZFO_SAMPLES, require_shared, shared_trust_anchors
from tests.unit.zfo.test_fast_parse import _assert_same, _enc, _tree
from tests.unit.zfo.test_fast_path import (  # noqa: F401 - the cder fixture (autouse)
    _SETTINGS,
    _assert_same_reading,
    _both,
    _mutate,
    _mutations,
    cder,
)
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - fixtures

from dso_desktop.zfo import fastcms, parse
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import verify_zfo

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)
EOC = b"\x00\x00"


def _indef(tag: int, parts: list[bytes], eoc: bytes = EOC) -> bytes:
    return bytes([tag, 0x80]) + b"".join(parts) + eoc


def _chunked(content: bytes, size: int, *, zero: bool = False, nested: bool = False,
             eoc: bytes = EOC, odd: bytes | None = None) -> bytes:
    """The eContent as a constructed OCTET STRING of ``size``-byte chunks (``zero``: with an
    empty chunk, ``nested``: the first two chunks inside a constructed chunk, ``odd``: an
    extra chunk of these bytes; ``eoc``: the end-of-contents to close it with)."""
    pieces = [content[i:i + size] for i in range(0, len(content), size)] or [b""]
    chunks = [_enc((fastcms.OCTET_STRING, p)) for p in pieces]
    if zero:
        chunks.insert(1, b"\x04\x00")
    if nested:
        chunks = [_indef(0x24, chunks[:2]), *chunks[2:]]
    if odd is not None:
        chunks.insert(1, odd)
    return _indef(0x24, chunks, eoc)


def _to_ber(data: bytes, econtent: Callable[[bytes], bytes], *,
            definite_certs: bool = False) -> bytes:
    """``data`` (DER) re-encoded as ISDS encodes it: indefinite ContentInfo, [0], SignedData,
    encapContentInfo, eContent [0] and certificates [0]; ``econtent(content)`` gives the
    encoded OCTET STRING. The signer info stays DER (its signature still holds)."""
    root = _tree(data)
    ci_oid, a0 = root[1]
    sd = a0[1][0][1]
    etype, e0 = sd[2][1]
    eci = _indef(0x30, [_enc(etype), _indef(0xA0, [econtent(e0[1][0][1])])])
    parts = []
    for i, node in enumerate(sd):
        if i == 2:
            parts.append(eci)
        elif node[0] == 0xA0 and not definite_certs:
            parts.append(_indef(0xA0, [_enc(c) for c in node[1]]))
        else:
            parts.append(_enc(node))
    return _indef(0x30, [_enc(ci_oid), _indef(0xA0, [_indef(0x30, parts)])])


def _same_verdict(data: bytes, store: TrustStore) -> dict[str, Any]:
    fast = asdict(verify_zfo(data, store, now=CHECK_AT))
    with fastcms.reference_only():
        ref = asdict(verify_zfo(data, store, now=CHECK_AT))
    assert fast == ref
    return fast


def _fast_reads(cder: ModuleType, data: bytes) -> bool:
    """Whether the C walk of verification answers by itself (else the reference reads)."""
    return cder.signed_data(data, True) is not None


def test_real_samples_take_the_fast_paths(cder: ModuleType) -> None:
    """Each real sample: verification's C walk and the fast parse answer by themselves, and
    agree field by field with the reference (reading, verdict, parsed model)."""
    require_shared(ZFO_SAMPLES)
    store = TrustStore.from_paths(list(shared_trust_anchors()))
    samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert len(samples) >= 9
    for path in samples:
        data = path.read_bytes()
        assert data[1] == 0x80, f"{path.name} is no longer BER: this test tests nothing"
        assert _fast_reads(cder, data), path.name
        assert fastcms.signed_data(data) == fastcms.signed_data_reference(data)
        _assert_same_reading(data)
        _same_verdict(data, store)
        assert _assert_same(data), f"the fast parse declined {path.name}"


def test_a_real_sample_chunked_differently(cder: ModuleType) -> None:
    """A real sample re-chunked (a 0-byte chunk, nested chunks) still reads the same."""
    require_shared(ZFO_SAMPLES)
    data = (ZFO_SAMPLES / "DD_6452235.zfo").read_bytes()
    parts = fastcms.signed_data_reference(data)
    assert parts.content is not None
    # The real eContent is <04 len chunk>... inside 24 80; rebuild it around the same bytes.
    start = data.index(b"\x24\x80")
    ref_os = fastcms.read(data, start, len(data))
    for econtent, parse_reads in ((_chunked(parts.content, 1000, zero=True), True),
                                  (_chunked(parts.content, 333, nested=True), False)):
        variant = data[:start] + econtent + data[ref_os.next:]
        assert _fast_reads(cder, variant)
        assert fastcms.signed_data(variant).content == parts.content
        _assert_same_reading(variant)
        assert _assert_same(variant) == parse_reads


BER_VALID = {
    "one chunk": lambda c: _chunked(c, max(len(c), 1)),
    "1000-byte chunks": lambda c: _chunked(c, 1000),
    "7-byte chunks": lambda c: _chunked(c, 7),
    "1-byte chunks": lambda c: _chunked(c, 1),
    "an empty chunk": lambda c: _chunked(c, 500, zero=True),
    "nested chunks": lambda c: _chunked(c, 500, nested=True),
    "nested and empty": lambda c: _chunked(c, 64, zero=True, nested=True),
    "primitive eContent": lambda c: _enc((fastcms.OCTET_STRING, c)),
}


@pytest.mark.parametrize("name", sorted(BER_VALID))
@pytest.mark.parametrize("definite_certs", [False, True])
def test_ber_of_our_zfos_takes_the_fast_paths(cder: ModuleType,
                                              make_zfo: Callable[..., bytes],
                                              trust: TrustStore, name: str,
                                              definite_certs: bool) -> None:
    data = _to_ber(make_zfo(), BER_VALID[name], definite_certs=definite_certs)
    assert _fast_reads(cder, data)
    _assert_same_reading(data)
    assert _same_verdict(data, trust)["kind"].value == "valid"
    # The fast parse leaves nested chunks to asn1crypto (the reference), and reads the rest.
    assert _assert_same(data) == ("nested" not in name)


def _deep(content: bytes, depth: int) -> bytes:
    inner = _enc((fastcms.OCTET_STRING, content))
    for _ in range(depth):
        inner = _indef(0x24, [inner])
    return inner


BER_BROKEN = {
    "no end-of-contents": lambda c: _chunked(c, 100, eoc=b""),
    "end-of-contents with a length byte": lambda c: _chunked(c, 100, eoc=b"\x00\x01\x00"),
    "end-of-contents 00 01 then 00 00": lambda c: _chunked(c, 100, eoc=b"\x00\x01\x00" + EOC),
    "an INTEGER among the chunks": lambda c: _chunked(c, 100, odd=b"\x02\x01\x05"),
    "a definite constructed chunk": lambda c: _chunked(c, 100, odd=b"\x24\x02\x04\x00"),
    "an indefinite primitive chunk": lambda c: _chunked(c, 100, odd=b"\x04\x80\x00\x00"),
    "a chunk with a high tag number": lambda c: _chunked(c, 100, odd=b"\x1f\x04\x00"),
    "a chunk running past its parent": lambda c: _chunked(c, 100, odd=b"\x04\x7f"),
    # The eContent's [0] is read at indefinite depth 4 (ContentInfo, [0], SignedData and
    # encapContentInfo above it): 27 nested chunks are within MAX_INDEFINITE_DEPTH, 28 not.
    "nested 27 deep": lambda c: _deep(c, 27),
    "nested 28 deep": lambda c: _deep(c, 28),
    "nested 40 deep": lambda c: _deep(c, 40),
    "a definite constructed eContent": lambda c: _enc(
        (0x24, [(fastcms.OCTET_STRING, c[:10]), (fastcms.OCTET_STRING, c[10:])])),
    "a SEQUENCE as eContent": lambda c: _indef(0x30, [_enc((fastcms.OCTET_STRING, c))]),
}


@pytest.mark.parametrize("name", sorted(BER_BROKEN))
def test_broken_ber_gets_the_same_answer(make_zfo: Callable[..., bytes], trust: TrustStore,
                                         name: str) -> None:
    data = _to_ber(make_zfo(), BER_BROKEN[name])
    _assert_same_reading(data)
    _same_verdict(data, trust)
    _assert_same(data)


def test_indefinite_values_where_der_is_required(cder: ModuleType,
                                                 make_zfo: Callable[..., bytes],
                                                 trust: TrustStore) -> None:
    """Certificates and the signer's issuer must be DER: the reference refuses an indefinite
    length there, and the fast path leaves such a file to it."""
    base = _to_ber(make_zfo(), lambda c: _chunked(c, 1000))
    cert_at = base.index(b"\xa0\x80\x30\x82") + 2  # the first certificate
    length = int.from_bytes(base[cert_at + 2:cert_at + 4], "big")
    body = base[cert_at + 4:cert_at + 4 + length]
    variant = base[:cert_at] + b"\x30\x80" + body + EOC + base[cert_at + 4 + length:]
    assert cder.signed_data(variant, True) is None
    fast, ref = _both(lambda: fastcms.signed_data(variant))
    assert fast == ref and fast[0] == "MalformedCmsError"
    assert "DER is required" in fast[1]
    _same_verdict(variant, trust)
    _assert_same(variant)


def _enc_indef(node: Any, indef: set[tuple[int, ...]], path: tuple[int, ...] = ()) -> bytes:
    """``node`` encoded with an indefinite length at each path in ``indef``, DER elsewhere."""
    tag, value = node
    if tag is None:  # bytes to write as they are
        assert isinstance(value, bytes)
        return value
    if not isinstance(value, list):
        return _enc(node)
    body = b"".join(_enc_indef(c, indef, (*path, i)) for i, c in enumerate(value))
    if path in indef:
        return bytes([tag, 0x80]) + body + EOC
    return bytes([tag]) + parse._encode_len(len(body)) + body


def _resolve(root: Any, path: tuple[int, ...]) -> tuple[int, ...]:
    """``path`` (negative indices allowed) as the non-negative path into ``root``."""
    out, node = [], root
    for i in path:
        i %= len(node[1])
        out.append(i)
        node = node[1][i]
    return tuple(out)


# Paths below the SignedData (ContentInfo's [0] holds it at (1, 0)).
SD = (1, 0)
SI = (*SD, -1, 0)
INDEFINITE_AT = {
    "the digestAlgorithms": (*SD, 1),
    "a digestAlgorithm": (*SD, 1, 0),
    "a certificate": (*SD, 3, 0),
    "the signerInfos": (*SD, -1),
    "the SignerInfo": SI,
    "the sid": (*SI, 1),
    "the issuer": (*SI, 1, 0),
    "the digestAlgorithm": (*SI, 2),
    "the signed attributes": (*SI, 3),
    "a signed attribute": (*SI, 3, 0),
    "the signatureAlgorithm": (*SI, 4),
    "the unsigned attributes": (*SI, 6),
    "the timestamp attribute": (*SI, 6, 0),
    "the timestamp token": (*SI, 6, 0, 1, 0),
    "the token's SignedData": (*SI, 6, 0, 1, 0, 1, 0),
}


@pytest.mark.parametrize("name", sorted(INDEFINITE_AT))
def test_indefinite_lengths_anywhere_get_the_same_answer(make_zfo: Callable[..., bytes],
                                                         trust: TrustStore,
                                                         name: str) -> None:
    """An indefinite length at each place of the SignedData and its signer (on top of
    ISDS's own): read where the reference reads it, the reference's error where not."""
    root = _tree(make_zfo())
    ours = {(), (1,), SD, (*SD, 2), (*SD, 2, 1)}
    data = _enc_indef(root, {_resolve(root, INDEFINITE_AT[name])} | ours)
    _assert_same_reading(data)
    _same_verdict(data, trust)
    _assert_same(data)


def test_end_of_contents_is_two_zero_bytes(cder: ModuleType,
                                           make_zfo: Callable[..., bytes]) -> None:
    """``00 01 00`` inside indefinite unsigned attributes is a value (tag 0), not their end:
    the reference refuses it as an attribute, and the fast path leaves it to the reference."""
    root = _tree(make_zfo())
    si = _resolve(root, SI)
    node = root
    for i in si:
        node = node[1][i]
    attrs = node[1][6]
    raw = b"".join(_enc(a) for a in attrs[1])
    node[1][6] = (None, b"\xa1\x80" + raw + b"\x00\x01\x00\x00\x00" + EOC)
    data = _enc_indef(root, {(), (1,), SD})
    assert cder.signed_data(data, True) is None
    fast, ref = _both(lambda: fastcms.signed_data(data))
    assert fast == ref and fast[0] == "MalformedCmsError"
    _assert_same_reading(data)


def _token_tst(data: bytes) -> tuple[int, bytes, list[fastcms.Tlv], list[fastcms.Tlv]]:
    """(offset of the token in ``data``, the token, its SignedData's children, the TSTInfo's
    children (offsets into the token))."""
    attrs = fastcms.signed_data_reference(data).unsigned[fastcms.OID_TIMESTAMP_TOKEN]
    at = attrs[0].start
    token = data[at:attrs[0].end]
    top = fastcms.read(token, 0, len(token))
    sd_tlv = fastcms.children(token, fastcms.children(token, top)[1])[0]
    sd = fastcms.children(token, sd_tlv)
    wrapped = fastcms.children(token, fastcms.children(token, sd[2])[1])[0]
    tst = fastcms.read(token, wrapped.body, wrapped.end)
    return at, token, sd, fastcms.children(token, tst)


def test_real_token_extras_are_checked_as_asn1crypto_checks_them() -> None:
    """Real tokens carry an attribute certificate ([1] among the certificates) and name
    their tsa ([0] in the TSTInfo): the fast parse reads them, and when asn1crypto refuses
    their contents (here damaged in place), both paths give the reference's error."""
    require_shared(ZFO_SAMPLES)
    data = (ZFO_SAMPLES / "DDZ_3401761.zfo").read_bytes()
    at, token, sd, tst = _token_tst(data)
    certs = fastcms.children(token, sd[3])
    attr_cert = next(c for c in certs if c.tag == 0xA1)
    tsa = next(t for t in tst if t.tag == 0xA0)
    assert _assert_same(data)
    # a NULL for the attribute certificate's first SEQUENCE; an unknown GeneralName [9]
    for where, tag in ((attr_cert.body, fastcms.NULL), (tsa.body, 0xA9)):
        damaged = bytearray(data)
        damaged[at + where] = tag
        _assert_same_reading(bytes(damaged))
        assert not _assert_same(bytes(damaged))  # the reference decided
        with fastcms.reference_only(), pytest.raises(Exception, match="broken CMS structure"):
            parse.parse_zfo(bytes(damaged))


def test_truncated_ber_everywhere(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    """A small BER ZFO cut at every position: the same error from both paths."""
    data = _to_ber(make_zfo(with_tsa=False), lambda c: _chunked(c, 300, zero=True))
    for cut in range(len(data)):
        _assert_same_reading(data[:cut])
    for cut in range(0, len(data), 11):  # the whole verdict and the parse: every 11th
        _same_verdict(data[:cut], trust)
        _assert_same(data[:cut])
    for cut in range(len(data) - 40, len(data)):  # the end-of-contents run at the end
        _same_verdict(data[:cut], trust)
        _assert_same(data[:cut])


def test_ber_trailing_bytes(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    data = _to_ber(make_zfo(), lambda c: _chunked(c, 1000))
    for tail in (b"\x00", b"\x00\x00\x00", b"\x00\x01", b"\x30\x00"):
        _assert_same_reading(data + tail)
        _same_verdict(data + tail, trust)
        _assert_same(data + tail)


def test_a_big_chunked_econtent_is_read_whole(cder: ModuleType,
                                             make_zfo: Callable[..., bytes]) -> None:
    """1 MiB in 1000-byte chunks comes back as the joined bytes, as the reference joins them
    (the reading checks no digest, so any content will do)."""
    content = bytes(range(256)) * 4096
    data = _to_ber(make_zfo(), lambda c: _chunked(content, 1000, zero=True))
    assert _fast_reads(cder, data)
    parts = fastcms.signed_data(data)
    assert parts.content == content
    assert parts == fastcms.signed_data_reference(data)


_BASE: dict[str, bytes] = {}


@_SETTINGS
@given(ops=_mutations(), where=st.sampled_from(["head", "content", "tail"]))
def test_fuzzed_ber_reads_and_verifies_the_same(make_zfo: Callable[..., bytes],
                                                trust: TrustStore,
                                                ops: list[tuple[str, int, int]],
                                                where: str) -> None:
    """Byte edits of a BER ZFO (its head, its chunks' headers, the signer info and the run
    of end-of-contents after it): the same reading, verdict and parse from both paths."""
    if "z" not in _BASE:
        _BASE["z"] = _to_ber(make_zfo(), lambda c: _chunked(c, 100, zero=True))
    base = _BASE["z"]
    if where == "head":
        data = _mutate(base, ops, 300)
    else:
        cut = base.index(b"\x24\x80") if where == "content" else max(0, len(base) - 2600)
        data = base[:cut] + _mutate(base[cut:], ops, 400)
    _assert_same_reading(data)
    _same_verdict(data, trust)
    _assert_same(data)


def test_more_than_ten_thousand_chunks_verify(cder: ModuleType, make_zfo: Callable[..., bytes],
                                              trust: TrustStore) -> None:
    """ISDS writes 1000-byte chunks, so a message of more than 10 MB has more than 10,000 of
    them: verification must not refuse it for that (it once did: "too many ASN.1 values")."""
    def many(content: bytes) -> bytes:
        chunks = [_enc((fastcms.OCTET_STRING, content[i:i + 1])) for i in range(len(content))]
        chunks += [b"\x04\x00"] * (10_001 - len(chunks))  # empty chunks count too
        return _indef(0x24, chunks)

    data = _to_ber(make_zfo(), many)
    assert _fast_reads(cder, data)
    _assert_same_reading(data)
    assert _same_verdict(data, trust)["kind"].value == "valid"
    _assert_same(data)
