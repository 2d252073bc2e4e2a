"""Survivors of the mutation run of branch ``mutsurv`` in `zfo.xmlcontent` and
`zfo.extract`: the name of an external (VoDZ) attachment, and which file name extensions
are kept when attachments are saved."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from tests.unit.zfo.zfo_factory import message_xml, pki  # noqa: F401

from dso_desktop.zfo.extract import sane_extension
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.xmlcontent import read_content


def _with_external(pki: TestPki, attrs: str) -> bytes:
    xml = message_xml(pki)
    ext = f'<p:dmExtFile dmMimeType="application/pdf" dmFileMetaType="enclosure" {attrs}/>'
    return xml.replace(b"</p:dmFiles>", ext.encode() + b"</p:dmFiles>", 1)


def test_an_external_attachment_is_named_by_its_description_else_its_id(
        pki: TestPki) -> None:
    named = read_content(_with_external(
        pki, 'dmAttID="att-7" dmFileDescr="smlouva.pdf" dmFileGuid="g1"'))["attachments"]
    assert [(a.name, a.external_id, a.mime_type, a.size) for a in named] == [
        ("dopis.pdf", None, "application/pdf", len(b"%PDF-1.4 test")),
        ("smlouva.pdf", "att-7", "application/pdf", 0)]
    unnamed = read_content(_with_external(pki, 'dmAttID="att-8"'))["attachments"]
    assert unnamed[1].name == "att-8"


def test_only_short_plain_extensions_are_kept() -> None:
    assert sane_extension("pdf") and sane_extension("tar-gz") and sane_extension("p" * 16)
    assert not sane_extension("")
    assert not sane_extension("p" * 17)  # plain, but too long
    assert not sane_extension("p$f")  # short, but not plain
    assert not sane_extension("pdf exe")


def test_every_envelope_field_is_read_from_its_own_element(pki: TestPki) -> None:
    from dso_desktop.domain import LegalTitle

    xml = message_xml(pki).replace(b'<p:dmRecipientIdent xsi:nil="true" />',
                                   b"<p:dmRecipientIdent>VS-9</p:dmRecipientIdent>", 1)
    env = read_content(xml)["envelope"]
    assert env.legal_title == LegalTitle(law="300", year="2008", section="17",
                                         paragraph=None, point=None)
    assert (env.our_file_mark, env.your_file_mark) == ("SZ-7", "VS-9")


def test_a_flag_that_is_not_a_boolean_is_named(pki: TestPki) -> None:
    import pytest

    from dso_desktop.zfo.errors import MalformedXmlError

    xml = message_xml(pki).replace(b"<p:dmPersonalDelivery>true</p:dmPersonalDelivery>",
                                   b"<p:dmPersonalDelivery>yes</p:dmPersonalDelivery>", 1)
    with pytest.raises(MalformedXmlError) as bad:
        read_content(xml)
    assert str(bad.value) == "dmPersonalDelivery is not a boolean: 'yes'"


def test_an_event_without_its_time_is_refused_by_name(pki: TestPki) -> None:
    import pytest

    from dso_desktop.zfo.errors import MalformedXmlError

    di = message_xml(pki, kind="delivery-info")
    timeless = di.replace(b"<q:dmEventTime>2026-03-01T13:00:00.1+01:00</q:dmEventTime>", b"")
    assert timeless != di
    with pytest.raises(MalformedXmlError) as bad:
        read_content(timeless)
    assert str(bad.value) == "dmEvent without dmEventTime"
