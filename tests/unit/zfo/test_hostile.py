"""Hostile input: random, mutated, truncated, nested, oversized, detached, DTD/entities."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable

import pytest
from asn1crypto import cms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.errors import (
    DetachedContentError,
    HostileXmlError,
    MalformedCmsError,
    MalformedXmlError,
    NotCmsError,
    TooLargeError,
    UnsupportedZfoError,
    ZfoError,
)
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_give_typed_errors(data: bytes) -> None:
    with pytest.raises(ZfoError):
        parse_zfo(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1024))
def test_random_bytes_verify_to_invalid(data: bytes) -> None:
    v = verify_zfo(data, TrustStore())
    assert v.kind is VerdictKind.INVALID and v.reasons and v.reasons_cs


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=512))
def test_random_bytes_behind_a_sequence_header(tail: bytes) -> None:
    data = b"\x30" + bytes([min(len(tail), 0x7F)]) + tail
    with pytest.raises(ZfoError):
        parse_zfo(data)


@pytest.fixture(scope="module")
def good_zfo(pki: TestPki) -> bytes:
    return seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_zfo_is_parsed_or_refused_never_crashes(good_zfo: bytes, trust: TrustStore,
                                                        data: st.DataObject) -> None:
    buf = bytearray(good_zfo)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(buf) - 1))
        buf[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        buf = buf[: data.draw(st.integers(0, len(buf)))]
    blob = bytes(buf)
    with contextlib.suppress(ZfoError):
        parse_zfo(blob)
    verdict = verify_zfo(blob, trust)
    if blob != good_zfo:
        assert verdict.kind in tuple(VerdictKind)


def test_truncations_are_typed(good_zfo: bytes) -> None:
    for cut in range(0, len(good_zfo), max(1, len(good_zfo) // 97)):
        with pytest.raises(ZfoError):
            parse_zfo(good_zfo[:cut])


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(MalformedCmsError):
        parse_zfo(b"\x30\x80" * 200_000)
    assert verify_zfo(b"\x30\x80" * 200_000, TrustStore()).kind is VerdictKind.INVALID
    # Definite lengths, 10,000 levels.
    inner = b""
    for _ in range(10_000):
        inner = b"\x30" + _der_len(len(inner)) + inner
    with pytest.raises(MalformedCmsError):
        parse_zfo(inner)


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def test_absurd_lengths_are_refused() -> None:
    for blob in (b"\x30\x84\x7f\xff\xff\xff\x02\x01\x01",
                 b"\x30\x89" + b"\xff" * 9,
                 b"\x30\x03\x04\x88\xff\xff\xff\xff\xff\xff\xff\xff"):
        with pytest.raises(MalformedCmsError):
            parse_zfo(blob)


def test_many_tiny_values_are_refused() -> None:
    body = b"\x05\x00" * 300_000
    with pytest.raises(MalformedCmsError):
        parse_zfo(b"\x30" + _der_len(len(body)) + body)


def test_trailing_garbage_is_refused(good_zfo: bytes) -> None:
    with pytest.raises(MalformedCmsError):
        parse_zfo(good_zfo + b"garbage")
    parse_zfo(good_zfo + b"\x00\x00")  # zero padding is tolerated, as in real tokens


def test_size_cap() -> None:
    with pytest.raises(TooLargeError):
        parse_zfo(b"\x30" * 100, max_size=99)


def test_not_cms() -> None:
    with pytest.raises(NotCmsError):
        parse_zfo(b"%PDF-1.7\n")
    with pytest.raises(NotCmsError):  # a CMS of another type (pkcs7-data)
        parse_zfo(cms.ContentInfo({"content_type": "data", "content": b"x"}).dump())


def test_detached_content(good_zfo: bytes) -> None:
    info = cms.ContentInfo.load(good_zfo)
    sd = info["content"]
    sd["encap_content_info"] = cms.ContentInfo({"content_type": "data"})
    detached = cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    with pytest.raises(DetachedContentError):
        parse_zfo(detached)


@pytest.mark.parametrize("xml", [
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b"<r>&b;</r>",
    b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/x.dtd"><r/>',
    b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
])
def test_dtd_and_entities_refused(pki: TestPki, xml: bytes) -> None:
    with pytest.raises(HostileXmlError):
        parse_zfo(seal(xml, pki.seal, None, SEALED_AT))


def test_undeclared_entity_and_broken_xml(pki: TestPki) -> None:
    for xml in (b"<r>&undeclared;</r>", b"<r><unclosed></r>", b"\xff\xfe<r/>", b""):
        with pytest.raises((MalformedXmlError, HostileXmlError)):
            parse_zfo(seal(xml, pki.seal, None, SEALED_AT))


def test_deep_xml_refused(pki: TestPki) -> None:
    xml = b"<a>" * 1000 + b"</a>" * 1000
    with pytest.raises((HostileXmlError, MalformedXmlError)):
        parse_zfo(seal(xml, pki.seal, None, SEALED_AT))


def test_foreign_document_is_unsupported(pki: TestPki) -> None:
    for xml in (b"<html/>", b'<q:Other xmlns:q="http://isds.czechpoint.cz/v20/message"/>'):
        with pytest.raises(UnsupportedZfoError):
            parse_zfo(seal(xml, pki.seal, None, SEALED_AT))


def test_message_without_dmdm_is_malformed(pki: TestPki) -> None:
    xml = (b'<q:MessageDownloadResponse xmlns:q="http://isds.czechpoint.cz/v20/message">'
           b"<q:dmReturnedMessage/></q:MessageDownloadResponse>")
    with pytest.raises(MalformedXmlError):
        parse_zfo(seal(xml, pki.seal, None, SEALED_AT))


def test_big_attachment_text_node_parses(pki: TestPki,
                                         make_zfo: Callable[..., bytes]) -> None:
    """Base64 text over libxml2's 10 MB node limit (a big message) is still read."""
    payload = b"\x00\x01" * (4 * 1024 * 1024)  # 8 MiB -> ~11 MB of base64
    z = parse_zfo(make_zfo(files=[("velka.bin", payload)], big=True))
    assert z.envelope.big_message
    assert z.attachments[0].size == len(payload)
    assert z.attachments[0].content() == payload
    assert base64.b64encode(payload)[:8] in bytes(z.content_xml)  # a view on big ZFOs
