"""Survivors of session 15's whole mutation run in `zfo.xmlcontent` (branch
``survcontent15``): where the dmDm element is found, and how an xs:dateTime is read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dso_desktop.zfo.errors import MalformedXmlError
from dso_desktop.zfo.xmlcontent import dm_dm_bytes, parse_datetime

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
    ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
    (" 2024-05-01T10:00:00.25Z ",
     datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=timezone.utc)),
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
