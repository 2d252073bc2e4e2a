# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""Survivors of session 15's whole mutation run in `zfo.xmlcontent` (branch
``survcontent15``): where the dmDm element is found, how an xs:dateTime is read, which
attachments are read and how, empty texts, and the "<!" search before parsing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from tests.unit.zfo.zfo_factory import message_xml, pki  # noqa: F401

from dso_desktop.zfo import xmlcontent
from dso_desktop.zfo.errors import MalformedXmlError
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.xmlcontent import dm_dm_bytes, parse_datetime, read_content

_DM = b'<p:dmDm xmlns:p="urn:x"><p:dmAnnotation>a</p:dmAnnotation></p:dmDm>'
_HASH = b'<p:dmHash algorithm="SHA-256">AAAA</p:dmHash>'


def test_dm_dm_at_the_very_start_of_the_document_is_found() -> None:
    doc = _DM + _HASH
    assert dm_dm_bytes(doc, "p:dmDm") == _DM
    assert dm_dm_bytes(doc.decode().encode("utf-16"), "p:dmDm") == _DM.decode().encode(
        "utf-16-le")


def test_without_dm_hash_there_are_no_dm_dm_bytes() -> None:
    # A closing tag followed by more markup, but no dmHash at all: nothing is hashed.
    assert dm_dm_bytes(b"<r>" + _DM + b"<p:other/></r>", "p:dmDm") is None


def test_a_closing_dm_dm_tag_after_dm_hash_does_not_extend_the_element() -> None:
    doc = b"<r>" + _DM + _HASH + b"<!-- </p:dmDm> --></r>"
    assert dm_dm_bytes(doc, "p:dmDm") == _DM


@pytest.mark.parametrize("text, expected", [
    ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    (" 2024-05-01T10:00:00.25Z ",
     datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)),
    ("2024-05-01T10:00:00.5+02:00",
     datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=timezone(timedelta(hours=2)))),
])
def test_a_date_time_in_utc_zulu_form_is_read(text: str, expected: datetime) -> None:
    got = parse_datetime(text)
    assert got == expected
    assert got is not None and got.utcoffset() == expected.utcoffset()


def test_a_bad_date_time_is_quoted_to_forty_characters() -> None:
    text = "2024-13-01T10:00:00." + "1" * 40 + "+01:00"
    with pytest.raises(MalformedXmlError) as info:
        parse_datetime(text)
    assert str(info.value) == f"bad date-time {text[:40]!r}"


def _with_files(pki: TestPki, files_xml: str) -> bytes:
    """`message_xml` whose dmFiles hold ``files_xml`` after the factory's dopis.pdf."""
    return message_xml(pki).replace(b"</p:dmFiles>", files_xml.encode() + b"</p:dmFiles>", 1)


def test_files_after_an_external_file_or_an_unknown_element_are_all_read(
        pki: TestPki) -> None:
    doc = _with_files(pki, (
        '<p:dmExtFile dmAttID="att-1"/>'
        '<p:dmOther/>'
        '<p:dmFile dmMimeType="text/plain"><p:dmEncodedContent>eA==</p:dmEncodedContent>'
        '</p:dmFile>'))
    got = read_content(doc)["attachments"]
    assert [(a.name, a.mime_type, a.external_id) for a in got] == [
        ("dopis.pdf", "application/pdf", None), ("att-1", "", "att-1"), ("", "text/plain", None)]
    assert got[2].content() == b"x"


def test_an_attachment_without_name_or_type_has_empty_ones(pki: TestPki) -> None:
    doc = _with_files(pki, (
        '<p:dmExtFile dmFileGuid="g"/>'
        '<p:dmFile><p:dmEncodedContent>eA==</p:dmEncodedContent></p:dmFile>'))
    got = read_content(doc)["attachments"]
    assert [(a.name, a.mime_type, a.file_guid) for a in got[1:]] == [
        ("", "", "g"), ("", "", None)]


def test_xml_content_is_its_elements_one_after_the_other(pki: TestPki) -> None:
    doc = _with_files(pki, (
        '<p:dmFile dmMimeType="text/xml" dmFileDescr="a.xml"><p:dmXMLContent>'
        '<!-- c --><p:a>1</p:a><p:b x="y"/></p:dmXMLContent></p:dmFile>'))
    (_, att) = read_content(doc)["attachments"]
    assert att.is_xml
    # Each element serialised with the namespaces in scope; a comment is not part of the
    # content, and nothing is put between the elements.
    content = att.content()
    assert content.startswith(b"<p:a xmlns:p=") and content.endswith(b' x="y"/>')
    assert b">1</p:a><p:b xmlns:p=" in content and b"<!--" not in content
    assert att.size == len(att.content())


def test_a_file_without_content_is_refused_by_name(pki: TestPki) -> None:
    doc = _with_files(pki, '<p:dmFile dmFileDescr="x"/>')
    with pytest.raises(MalformedXmlError) as info:
        read_content(doc)
    assert str(info.value) == "dmFile without dmEncodedContent or dmXMLContent"


def test_the_dm_dm_bytes_of_an_unprefixed_dm_dm_are_found(pki: TestPki) -> None:
    doc = message_xml(pki).replace(
        b'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">',
        b'<dmDm xmlns="http://isds.czechpoint.cz/v20" xmlns:p="http://isds.czechpoint.cz/v20">',
        1).replace(b"</p:dmDm>", b"</dmDm>", 1)
    start, end = doc.index(b"<dmDm "), doc.index(b"</dmDm>") + len(b"</dmDm>")
    assert read_content(doc)["dm_dm_bytes"] == doc[start:end]


def test_dm_hash_is_found_past_mentions_of_its_name_in_texts() -> None:
    doc = (b'<r xmlns:p="urn:x"><a>xdmHash</a>' + _DM + _HASH
           + b"<t>xdmHash</t></r>")
    assert dm_dm_bytes(doc, "p:dmDm") == _DM


def test_a_big_attachment_decodes_only_as_its_chunks_are_read(
        pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lean parse forced on a small message (as in test_big_lean): runs of 4096 base64
    # characters or more are cut out and decoded from the content in chunks.
    monkeypatch.setattr(xmlcontent, "_LEAN_CONTENT_MIN", 0)
    monkeypatch.setattr(xmlcontent, "_EXCISE_MIN", 4096)
    good = base64.b64encode(bytes(range(256)) * 40)
    doc = message_xml(pki, files=[("big.bin", bytes(range(256)) * 40)])
    bad = doc.replace(good, good[:-4] + b"A" * 5, 1)  # a base64 length of 4n + 1
    (big,) = read_content(doc)["attachments"]
    assert b"".join(big.chunks()) == big.content() == bytes(range(256)) * 40
    (broken,) = read_content(bad)["attachments"]
    pieces = broken.chunks()  # nothing decoded yet
    with pytest.raises(MalformedXmlError):
        b"".join(pieces)


@pytest.mark.parametrize("content, expected", [
    (b'<?xml version="1.0"?><!-- c --><r>a!</r>', True),
    (b"<r>x!y</r><!-- c -->z!", True),
    (b"!<r>no bang markup</r><", False),
    (b"<r>x! y!! <\n!</r>", False),
])
def test_bang_markup_is_found_wherever_it_is(content: bytes, expected: bool) -> None:
    assert xmlcontent._has_bang_markup(content) is expected
    assert (b"<!" in content) is expected


def test_an_empty_element_is_an_empty_text_and_a_nil_one_none(pki: TestPki) -> None:
    doc = message_xml(pki).replace("<p:dmToHands>k rukám</p:dmToHands>".encode(),
                                   b"<p:dmToHands/>", 1)
    assert b"<p:dmToHands/>" in doc
    envelope = read_content(doc)["envelope"]
    assert envelope.to_hands == ""
    assert envelope.subject == "Věc"


def test_a_delivery_event_without_description_has_an_empty_one(pki: TestPki) -> None:
    doc = message_xml(pki, kind="delivery-info")
    doc = doc.replace("<q:dmEventDescr>EV5: Datová zpráva byla dodána.</q:dmEventDescr>"
                      .encode(), b"", 1)
    (event,) = read_content(doc)["events"]
    assert event.description == ""
