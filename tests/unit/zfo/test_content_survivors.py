"""Survivors of the mutation run of branch ``mutsurv`` in `zfo.xmlcontent` and
`zfo.extract`: the name of an external (VoDZ) attachment, and which file name extensions
are kept when attachments are saved; and of seed 20261208 (branch ``survzfo``): how a
name and the folder a save writes into are treated."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import message_xml, pki  # noqa: F401

from dso_desktop.zfo.errors import HostileXmlError, UnsafePathError
from dso_desktop.zfo.extract import sane_extension, sanitize, save_files
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.xmlcontent import (
    MAX_XML_DEPTH,
    _excise,
    dm_dm_bytes,
    parse_xml,
    read_content,
    verify_facts_reference,
)


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


# Survivors of seed 20261208 (branch ``survzfo``).


def test_unassigned_code_points_are_dropped_from_a_name() -> None:
    """U+0378 has no character yet: a later Unicode (another machine's) may make it
    anything, so a saved name never holds one."""
    assert unicodedata.category("\u0378") == "Cn"
    assert sanitize("zpr\u0378áva\u0378.pdf") == "zpráva.pdf"


def test_a_symlink_planted_at_the_chosen_name_stops_the_save(tmp_path: Path) -> None:
    """A link that appears where the next file is to be written (after the folder was
    listed) is an attack on the folder: the save stops, nothing is written through it."""
    if not hasattr(os, "symlink"):  # pragma: no cover - POSIX in CI
        pytest.skip("no symlinks here")
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep")

    def plant() -> bytes:
        (out / "dopis.pdf").symlink_to(victim)
        return b"%PDF attack"

    with pytest.raises(UnsafePathError, match=r"^refusing to write 'dopis\.pdf' outside "):
        save_files(out, [("dopis.pdf", plant)])
    assert victim.read_bytes() == b"keep"
    assert sorted(p.name for p in out.iterdir()) == ["dopis.pdf"]  # only the link


def test_files_are_saved_where_the_platform_has_no_o_nofollow(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no O_NOFOLLOW: the save still works there (owner-only files)."""
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)
    (path,) = save_files(tmp_path / "out", [("a.txt", b"abc")])
    assert path.read_bytes() == b"abc"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    """The folder a user exports into is theirs: saving into it does not change its
    mode; a folder the save creates is private (0700)."""
    if os.name != "posix":  # pragma: no cover - POSIX in CI
        pytest.skip("POSIX permissions")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    save_files(shared, [("a.txt", b"abc")])
    assert shared.stat().st_mode & 0o777 == 0o755
    save_files(tmp_path / "new", [("a.txt", b"abc")])
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_each_file_attribute_and_an_empty_file_are_read(pki: TestPki) -> None:
    """A dmFile's role, its GUIDs and an empty content: an empty attachment is an empty
    file (not the decoding of some placeholder)."""
    from dso_desktop.domain import AttachmentRole

    xml = message_xml(pki, files=[("dopis.pdf", b"%PDF-1.4 test"), ("prazdny.txt", b"")])
    xml = xml.replace(b'dmFileMetaType="enclosure"',
                      b'dmFileMetaType="enclosure" dmFileGuid="g-2" dmUpFileGuid="g-1"', 1)
    first, empty = read_content(xml)["attachments"]
    assert (first.role, first.file_guid, first.up_file_guid) == (AttachmentRole.MAIN, None, None)
    assert (empty.name, empty.role, empty.file_guid, empty.up_file_guid) == \
        ("prazdny.txt", AttachmentRole.ENCLOSURE, "g-2", "g-1")
    assert (empty.size, empty.content()) == (0, b"")


@pytest.mark.parametrize(("text", "value"), [("0", False), ("1", True), (" FALSE ", False)])
def test_a_flag_written_as_a_digit_is_read(pki: TestPki, text: str, value: bool) -> None:
    xml = message_xml(pki).replace(
        b"<p:dmPersonalDelivery>true</p:dmPersonalDelivery>",
        f"<p:dmPersonalDelivery>{text}</p:dmPersonalDelivery>".encode(), 1)
    assert read_content(xml)["envelope"].personal_delivery is value


def test_the_senders_org_unit_is_read(pki: TestPki) -> None:
    xml = message_xml(pki).replace(b'<p:dmSenderOrgUnit xsi:nil="true" />',
                                   b"<p:dmSenderOrgUnit>Odbor dopravy</p:dmSenderOrgUnit>", 1)
    env = read_content(xml)["envelope"]
    assert (env.sender_org_unit, env.recipient_org_unit, env.recipient_org_unit_num) == \
        ("Odbor dopravy", None, 5)


def _chain(depth: int) -> bytes:
    # a chain of `depth` elements plus enough leaves that the depth is really counted
    return (b"<a>" * depth + b"<b/>" * (MAX_XML_DEPTH + 1) + b"</a>" * depth)


def test_xml_nests_at_most_max_depth_deep() -> None:
    """The bound is the depth (MAX_XML_DEPTH levels), not fewer; one more is refused, and
    the refusal says why (it becomes the verdict's reason)."""
    assert parse_xml(_chain(MAX_XML_DEPTH - 1)).tag == "a"  # the leaves are one deeper
    with pytest.raises(HostileXmlError) as deep:
        parse_xml(_chain(MAX_XML_DEPTH))
    assert str(deep.value) == "XML nesting too deep"


def test_verification_reads_the_dm_dm_bytes_without_copying(pki: TestPki) -> None:
    """dmHash's input is a view of the content (a big message is not held twice)."""
    content = message_xml(pki)
    got = verify_facts_reference(content)["dm_dm_bytes"]
    assert isinstance(got, memoryview) and got.obj is content
    start = content.index(b"<p:dmDm")
    assert bytes(got) == content[start:content.index(b"</p:dmDm>") + len(b"</p:dmDm>")]


def test_the_lean_document_maps_back_to_the_content() -> None:
    """`_excise`'s record of each cut-out run: where its marker is in the lean document,
    and which content offset every other lean offset stands for (dmDm's bytes are found
    through it)."""
    runs = [b"A" * (600 << 10), b"QkJC" * (150 << 10), b"Q0ND" * (20 << 10)]
    content = (b"<r><a>" + runs[0] + b"</a><b>" + runs[1] + b"</b><c x='1'>" + runs[2]
               + b"</c></r>")
    lean = _excise(content, 16)
    assert lean is not None and len(lean.runs) == 3
    inside: set[int] = set()
    for i, (ls, le, cs, ce) in enumerate(lean.runs):
        assert lean.doc[ls:le] == lean.marker(i).encode()
        assert content[cs:ce] == runs[i]
        inside.update(range(ls, le))
    for pos in range(len(lean.doc) + 1):
        if pos not in inside:
            assert content[lean.original(pos):lean.original(pos) + 1] == lean.doc[pos:pos + 1]


def test_an_external_attachment_keeps_its_guids_and_role(pki: TestPki) -> None:
    from dso_desktop.domain import AttachmentRole

    (_, ext) = read_content(_with_external(
        pki, 'dmAttID="att-9" dmFileGuid="g-9" dmUpFileGuid="g-8"'))["attachments"]
    assert (ext.external_id, ext.file_guid, ext.up_file_guid, ext.role) == \
        ("att-9", "g-9", "g-8", AttachmentRole.ENCLOSURE)


def test_every_envelope_field_comes_from_its_own_place(pki: TestPki) -> None:
    """The whole envelope of a message whose every field has its own value (no nil):
    each field from its element, the message type from dmDm when the response has none."""
    from datetime import UTC, datetime, timedelta, timezone

    from dso_desktop.domain import Envelope, LegalTitle

    xml = message_xml(pki)
    for nil, filled in (
            (b'<p:dmSenderOrgUnit xsi:nil="true" />', b"<p:dmSenderOrgUnit>OU-S"),
            (b'<p:dmSenderOrgUnitNum xsi:nil="true" />', b"<p:dmSenderOrgUnitNum>11"),
            (b'<p:dmRecipientOrgUnit xsi:nil="true" />', b"<p:dmRecipientOrgUnit>OU-R"),
            (b'<p:dmRecipientRefNumber xsi:nil="true" />', b"<p:dmRecipientRefNumber>R-3"),
            (b'<p:dmRecipientIdent xsi:nil="true" />', b"<p:dmRecipientIdent>VS-9"),
            (b'<p:dmLegalTitlePar xsi:nil="true" />', b"<p:dmLegalTitlePar>2"),
            (b'<p:dmLegalTitlePoint xsi:nil="true" />', b"<p:dmLegalTitlePoint>b"),
            (b'<q:dmAcceptanceTime xsi:nil="true" />',
             b"<q:dmAcceptanceTime>2026-03-02T08:30:00+01:00")):
        name = filled[1:filled.index(b">")]
        assert nil in xml
        xml = xml.replace(nil, filled + b"</" + name + b">", 1)
    xml = xml.replace(b'<q:dmReturnedMessage dmType="V">', b"<q:dmReturnedMessage>", 1)
    xml = xml.replace(b'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">',
                      b'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20" dmType="K">', 1)
    cet = timezone(timedelta(hours=1))
    assert read_content(xml)["envelope"] == Envelope(
        message_id="4242", sender_box_id="abc1234", sender_name="Úřad městyse Test",
        sender_address="Náměstí 1, Test", sender_type=10, recipient_box_id="xyz9876",
        recipient_name="Jan Novák", recipient_address="Ulice 2, Brno", subject="Věc",
        sender_org_unit="OU-S", sender_org_unit_num=11, recipient_org_unit="OU-R",
        recipient_org_unit_num=5, to_hands="k rukám", our_ref="Č.j. 1/2026", your_ref="R-3",
        our_file_mark="SZ-7", your_file_mark="VS-9",
        legal_title=LegalTitle(law="300", year="2008", section="17", paragraph="2",
                               point="b"),
        personal_delivery=True, allow_fiction=True, ambiguous_recipient=False,
        message_type="K", status=4,
        delivered_at=datetime(2026, 3, 1, 13, 0, 0, 123000, tzinfo=cet),
        accepted_at=datetime(2026, 3, 2, 7, 30, tzinfo=UTC).astimezone(cet),
        attachment_size_kb=1, big_message=False)


def test_a_doctype_behind_a_leading_bang_is_refused_before_parsing() -> None:
    """The byte check refuses every DOCTYPE before libxml2 sees the document, also when
    the content starts with "!" (the first "!" found is at offset 0)."""
    with pytest.raises(HostileXmlError) as refused:
        parse_xml(b"!<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    assert str(refused.value) == "XML with a DOCTYPE or ENTITY declaration is refused"


def test_dm_dm_bytes_are_a_copy_unless_a_view_is_asked_for(pki: TestPki) -> None:
    content = message_xml(pki)
    copy = dm_dm_bytes(content, "p:dmDm")
    view = dm_dm_bytes(content, "p:dmDm", view=True)
    assert type(copy) is bytes and isinstance(view, memoryview) and view.obj is content
    assert copy == bytes(view) and copy.startswith(b"<p:dmDm") and copy.endswith(b"</p:dmDm>")


def test_the_dm_dm_bytes_are_the_element_itself_whatever_else_mentions_it(
        pki: TestPki) -> None:
    """dmHash's input ends at the real dmDm's closing tag, the last one before dmHash: an
    attachment's XML holding a dmDm of its own, or a comment before the message holding a
    closing tag, does not move either end."""
    content = message_xml(pki)
    real = dm_dm_bytes(content, "p:dmDm")
    assert isinstance(real, bytes)
    fake = (b'<p:dmFile dmMimeType="text/xml" dmFileMetaType="enclosure" dmFileDescr="a.xml">'
            b'<p:dmXMLContent><p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">'
            b"<p:dmID>1</p:dmID></p:dmDm></p:dmXMLContent></p:dmFile>")
    nested = content.replace(b"</p:dmFiles>", fake + b"</p:dmFiles>", 1)
    got = dm_dm_bytes(nested, "p:dmDm")
    assert got == real.replace(b"</p:dmFiles>", fake + b"</p:dmFiles>", 1)
    # a closing tag only in a comment before, and the element itself empty: no dmDm bytes
    lone = (b"<!-- </p:dmDm> --><r><p:dmDm xmlns:p='urn:p'/>"
            b"<q:dmHash xmlns:q='urn:q'>x</q:dmHash></r>")
    assert dm_dm_bytes(lone, "p:dmDm") is None


@pytest.mark.parametrize("junk", ["*", "%", "é"])
def test_a_dm_hash_with_foreign_characters_is_refused(pki: TestPki, junk: str) -> None:
    """dmHash is strict base64: a character outside it is no part of a hash to ignore."""
    import re

    from dso_desktop.zfo.errors import MalformedXmlError
    from dso_desktop.zfo.xmlcontent import verify_facts

    content = message_xml(pki)
    m = re.search(rb'(<q:dmHash algorithm="SHA-256">)([^<]*)', content)
    assert m is not None
    bad = content.replace(m.group(0), m.group(1) + m.group(2)[:8] + junk.encode()
                          + m.group(2)[8:], 1)
    for read in (read_content, verify_facts):
        with pytest.raises(MalformedXmlError) as refused:
            read(bad)
        assert str(refused.value) == "dmHash is not valid base64"


# Survivors of seed 20261210 (branch ``survzfo3``).


def test_private_use_characters_are_dropped_from_a_name() -> None:
    """U+E000 means whatever a font on one machine makes of it: not kept in a name."""
    assert unicodedata.category("\ue000") == "Co"
    assert sanitize("zpr\ue000áva\U000f0000.pdf") == "zpráva.pdf"


def test_a_file_created_at_the_chosen_name_meanwhile_is_kept_and_another_name_taken(
        tmp_path: Path) -> None:
    out = tmp_path / "out"

    def race() -> bytes:
        (out / "dopis.pdf").write_bytes(b"someone else's")
        return b"%PDF ours"

    (path,) = save_files(out, [("dopis.pdf", race)])
    assert path.parent == out.resolve() and path.name != "dopis.pdf"
    assert path.read_bytes() == b"%PDF ours"
    assert (out / "dopis.pdf").read_bytes() == b"someone else's"


def test_files_are_opened_binary_where_the_platform_has_text_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows: no O_NOFOLLOW, and O_BINARY (0x8000) keeps "\\n" from becoming "\\r\\n"."""
    o_binary = 0x8000
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)
    monkeypatch.setattr(os, "O_BINARY", o_binary, raising=False)
    real_open = os.open
    flags_seen: list[int] = []

    def recording_open(path: str, flags: int, mode: int = 0o777) -> int:
        flags_seen.append(flags)
        return real_open(path, flags & ~o_binary, mode)

    monkeypatch.setattr(os, "open", recording_open)
    (path,) = save_files(tmp_path / "out", [("a.txt", b"a\nb")])
    assert path.read_bytes() == b"a\nb"
    assert flags_seen and all(f & o_binary for f in flags_seen)


def test_a_file_system_without_a_name_limit_gets_the_portable_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pathconf answers -1 when the limit is indeterminate: 255, not the 32 of the floor."""
    from dso_desktop.zfo import extract

    monkeypatch.setattr(os, "pathconf", lambda _folder, _name: -1)
    assert extract.name_limit(tmp_path) == extract.MAX_NAME_BYTES == 255
    monkeypatch.setattr(os, "pathconf", lambda _folder, _name: 143)  # eCryptfs
    assert extract.name_limit(tmp_path) == 143


def test_a_flag_that_is_not_a_boolean_is_quoted_to_40_characters(pki: TestPki) -> None:
    from dso_desktop.zfo.errors import MalformedXmlError

    junk = "y" * 39 + "Z" + "q" * 10
    xml = message_xml(pki).replace(b"<p:dmPersonalDelivery>true</p:dmPersonalDelivery>",
                                   f"<p:dmPersonalDelivery>{junk}</p:dmPersonalDelivery>"
                                   .encode(), 1)
    with pytest.raises(MalformedXmlError) as bad:
        read_content(xml)
    assert str(bad.value) == f"dmPersonalDelivery is not a boolean: {junk[:40]!r}"


def test_the_message_type_of_the_response_wins_over_dm_dm(pki: TestPki) -> None:
    """ISDS writes dmType on dmReturnedMessage; a dmType on dmDm is only the fallback."""
    xml = message_xml(pki)
    assert read_content(xml)["envelope"].message_type == "V"
    both_typed = xml.replace(b'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">',
                             b'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20" dmType="K">', 1)
    assert both_typed != xml
    assert read_content(both_typed)["envelope"].message_type == "V"


@pytest.mark.parametrize(("value", "big"), [("1", True), (" TRUE ", True), ("true", True),
                                            ("0", False), ("false", False), ("", False)])
def test_a_big_message_flag_is_read_in_each_spelling(pki: TestPki, value: str,
                                                     big: bool) -> None:
    xml = message_xml(pki).replace(b'dmType="V"', f'dmType="V" dmVODZ="{value}"'.encode(), 1)
    assert read_content(xml)["envelope"].big_message is big


def test_a_message_without_dm_hash_reads_with_none(pki: TestPki) -> None:
    import re

    xml = re.sub(rb"<q:dmHash [^>]*>[^<]*</q:dmHash>", b"", message_xml(pki))
    assert b"dmHash" not in xml
    for facts in (read_content(xml), verify_facts_reference(xml)):
        assert (facts["dm_hash"], facts["dm_hash_algorithm"]) == (None, None)


def test_a_dm_dm_outside_the_isds_namespace_is_named(pki: TestPki) -> None:
    from dso_desktop.zfo.errors import MalformedXmlError

    xml = message_xml(pki).replace(b'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">',
                                   b'<p:dmDm xmlns:p="urn:other">', 1)
    with pytest.raises(MalformedXmlError) as bad:
        read_content(xml)
    assert str(bad.value) == "no dmDm element in the ISDS namespace"


def test_an_attachment_stored_outside_the_zfo_says_so_when_read(pki: TestPki) -> None:
    from dso_desktop.zfo.errors import UnsupportedZfoError

    (_, ext) = read_content(_with_external(pki, 'dmAttID="att-7"'))["attachments"]
    with pytest.raises(UnsupportedZfoError) as outside:
        ext.content()
    assert str(outside.value) == "this big-message attachment is stored outside the ZFO"


@pytest.mark.parametrize("encoding", ["UTF-8", "utf8", "ISO-8859-2", "windows-1250",
                                      "US-ASCII"])
def test_base64_runs_are_cut_out_under_a_byte_searchable_declaration(encoding: str) -> None:
    content = (f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
               + b"<r><a>" + b"QUJD" * (300 << 10) + b"</a></r>")
    lean = _excise(content, 16)
    assert lean is not None and len(lean.runs) == 1


@pytest.mark.parametrize("encoding", ["UTF-7", "Shift_JIS", "IBM037"])
def test_no_run_is_cut_out_under_another_declared_encoding(encoding: str) -> None:
    content = (f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
               + b"<r><a>" + b"QUJD" * (300 << 10) + b"</a></r>")
    assert _excise(content, 16) is None


def test_a_name_longer_than_libxml2_allows_is_refused_without_huge_tree() -> None:
    """huge_tree is for big text nodes only (its refusal names XML_PARSE_HUGE and the
    document is read again with it); a 60,000-character element name, which libxml2 refuses
    without naming that option, stays refused."""
    from dso_desktop.zfo.errors import MalformedXmlError

    with pytest.raises(MalformedXmlError) as bad:
        parse_xml(b"<r><" + b"a" * 60_000 + b"/></r>")
    assert str(bad.value).startswith("content is not well-formed XML: Name too long")


# Survivors of seed 20261211 (branch ``survzfo4``).


def test_an_xml_attachment_keeps_its_characters_as_utf8(pki: TestPki) -> None:
    """dmXMLContent is handed out as UTF-8 bytes: a Czech text stays its characters, not
    character references."""
    xml_file = ('<p:dmFile dmMimeType="text/xml" dmFileMetaType="enclosure" '
                'dmFileDescr="a.xml"><p:dmXMLContent><d:x xmlns:d="urn:d">Příliš žluťoučký'
                "</d:x></p:dmXMLContent></p:dmFile>").encode()
    content = message_xml(pki).replace(b"</p:dmFiles>", xml_file + b"</p:dmFiles>", 1)
    att = read_content(content)["attachments"][1]
    data = att.content()
    assert att.is_xml and att.size == len(data)
    assert data.startswith(b"<d:x ") and data.endswith("Příliš žluťoučký</d:x>".encode())


def test_a_response_without_its_message_is_named(pki: TestPki) -> None:
    from dso_desktop.zfo.errors import MalformedXmlError

    content = message_xml(pki).replace(b'<q:dmReturnedMessage dmType="V">',
                                       b'<q:dmReturnedMessage xsi:nil="true" dmType="V">', 1)
    with pytest.raises(MalformedXmlError) as refused:
        read_content(content)
    assert str(refused.value) == \
        "the response holds no message (dmReturnedMessage/dmDelivery)"


def test_broken_utf16_is_named_with_its_codec_and_byte() -> None:
    from dso_desktop.zfo.errors import MalformedXmlError

    doc = "<r><p:dmDm>".encode("utf-16-le") + b"\x00\xd8" + "</p:dmDm><dmHash/></r>".encode(
        "utf-16-le")
    with pytest.raises(MalformedXmlError) as refused:
        dm_dm_bytes(b"\xff\xfe" + doc, "p:dmDm")
    assert str(refused.value) == \
        "content is not valid UTF-16-LE: illegal UTF-16 surrogate at byte 24"


def test_a_text_node_over_libxml2s_limit_is_parsed_with_huge_tree() -> None:
    """libxml2 refuses a text node over 10,000,000 bytes unless asked (a big message's
    base64); the document is then parsed again with the limit off."""
    n = 10_000_001
    root = parse_xml(b"<a>" + b"A" * n + b"</a>")
    assert len(root.text) == n


def test_a_line_separator_is_dropped_from_a_name() -> None:
    """U+2028 (category Zl) would break the name over two lines in a listing."""
    assert unicodedata.category("\u2028") == "Zl"
    assert sanitize("zpráva\u2028příloha.pdf") == "zprávapříloha.pdf"


def test_the_name_limit_is_the_one_the_file_system_gives_for_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """eCryptfs allows 143 bytes a name: that limit is asked for by its name
    (PC_NAME_MAX); os.pathconf refuses a name it does not know with ValueError."""
    from dso_desktop.zfo import extract

    def pathconf(_folder: object, name: str) -> int:
        if name != "PC_NAME_MAX":
            raise ValueError("unrecognized configuration name")
        return 143

    monkeypatch.setattr(os, "pathconf", pathconf)
    assert extract.name_limit(tmp_path) == 143


# Survivors of seed 20261212 (branch ``survzfo5a``).


def _edit(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml
    return xml.replace(old, new, 1)


def test_a_no_break_space_in_a_name_becomes_a_plain_space() -> None:
    """Space separators (category Zs) other than " " would look like a space in a listing
    and be another name on disk."""
    assert [unicodedata.category(c) for c in "\u00a0\u3000"] == ["Zs", "Zs"]
    assert sanitize("zpráva\u00a0č.\u30001.pdf") == "zpráva č. 1.pdf"


def test_an_error_that_is_not_about_the_name_stops_the_save(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk is not answered by trying another name: the error propagates (it would
    stop every later file too) and nothing is left behind."""
    import errno

    real_open = os.open
    calls: list[str] = []

    def disk_full_once(path: str, flags: int, mode: int = 0o777) -> int:
        calls.append(os.path.basename(path))
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, mode)

    out = tmp_path / "out"
    monkeypatch.setattr(os, "open", disk_full_once)
    with pytest.raises(OSError) as failed:
        save_files(out, [("dopis.pdf", b"%PDF")])
    assert failed.value.errno == errno.ENOSPC
    assert calls == ["dopis.pdf"] and list(out.iterdir()) == []


def test_a_refused_fallback_name_stops_the_save(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that refuses every name: the name, its ASCII fallback and the bare
    fallback are tried once each, then the file system's error propagates."""
    import errno

    calls: list[str] = []

    def refusing(path: str, flags: int, mode: int = 0o777) -> int:
        calls.append(os.path.basename(path))
        raise OSError(errno.ENAMETOOLONG, "File name too long")

    monkeypatch.setattr(os, "open", refusing)
    with pytest.raises(OSError) as failed:
        save_files(tmp_path / "out", [("dopis.pdf", b"%PDF")])
    assert failed.value.errno == errno.ENAMETOOLONG
    assert calls == ["dopis.pdf", "priloha-1.pdf", "priloha"]


def test_a_big_attachment_padded_far_from_its_end_has_its_exact_size(pki: TestPki) -> None:
    """A big message's attachment is measured from the content without decoding it: the
    "=" padding counts even when whitespace pushes it out of the last 64 bytes."""
    payload = bytes(range(256)) * 3125 + b"ab"  # 800,002 bytes: the base64 ends in "=="
    xml = _edit(message_xml(pki, files=[("velka.bin", payload)]),
                b"==</p:dmEncodedContent>", b"==" + b" " * 63 + b"</p:dmEncodedContent>")
    assert len(xml) > 1 << 20  # big enough to be read without the base64 in the tree
    (att,) = read_content(xml)["attachments"]
    assert att.size == len(payload)
    assert bytes(att.content()) == payload


def test_a_message_without_its_id_is_refused_by_name(pki: TestPki) -> None:
    from dso_desktop.zfo.errors import MalformedXmlError

    with pytest.raises(MalformedXmlError) as refused:
        read_content(message_xml(pki, dm_id=" "))
    assert str(refused.value) == "dmDm has no dmID"


def test_a_qualified_timestamp_with_a_non_base64_character_is_refused(pki: TestPki) -> None:
    """Lenient decoding would drop the character and read a token the ISDS never sent."""
    from dso_desktop.zfo.errors import MalformedXmlError

    xml = _edit(message_xml(pki), b"<q:dmQTimestamp>", b"<q:dmQTimestamp>*")
    with pytest.raises(MalformedXmlError) as refused:
        read_content(xml)
    assert str(refused.value) == "dmQTimestamp is not valid base64"


def test_a_bad_date_time_is_quoted_to_40_characters(pki: TestPki) -> None:
    from dso_desktop.zfo.errors import MalformedXmlError

    junk = "y" * 39 + "W" + "q" * 10
    xml = _edit(message_xml(pki), b"2026-03-01T13:00:00.123+01:00", junk.encode())
    with pytest.raises(MalformedXmlError) as refused:
        read_content(xml)
    assert str(refused.value) == f"bad date-time {junk[:40]!r}"


def test_digits_after_the_microseconds_are_not_read(pki: TestPki) -> None:
    """A time's fraction is cut to six digits before Python reads it."""
    from datetime import datetime

    xml = _edit(message_xml(pki), b"2026-03-01T13:00:00.123+01:00",
                b"2026-03-01T13:00:00.1234569")
    assert read_content(xml)["envelope"].delivered_at == datetime(2026, 3, 1, 13, 0, 0, 123456)


def test_a_time_with_digits_of_another_script_is_refused(pki: TestPki) -> None:
    """xs:dateTime takes ASCII digits only; an Arabic-Indic digit, anywhere in it, is
    malformed (Python's `\\d` and `int` would both read it)."""
    from dso_desktop.zfo.errors import MalformedXmlError

    for edited in ("2026-03-01T13:00:00.123456\u0661", "2026-03-01T1\u0663:00:00.123",
                   "\u0662026-03-01T13:00:00"):
        xml = _edit(message_xml(pki), b"2026-03-01T13:00:00.123+01:00", edited.encode())
        with pytest.raises(MalformedXmlError, match="bad date-time"):
            read_content(xml)


def test_an_event_after_a_comment_is_read(pki: TestPki) -> None:
    xml = _edit(message_xml(pki, kind="delivery-info"), b"<q:dmEvents>",
                b"<q:dmEvents><!-- EV0 --><q:dmEventNote>x</q:dmEventNote>")
    (event,) = read_content(xml)["events"]
    assert event.description == "EV5: Datová zpráva byla dodána."


def test_of_two_envelope_fields_of_one_name_the_first_is_read(pki: TestPki) -> None:
    """The envelope reads each field from the first child of its name (in any namespace),
    dmDm's and the delivery's alike, as it did field by field."""
    xml = _edit(message_xml(pki, subject="Prvni"), b"</p:dmAnnotation>",
                b"</p:dmAnnotation><x:dmAnnotation xmlns:x='urn:x'>Druha</x:dmAnnotation>"
                b"<p:dmRecipientOrgUnitNum>8</p:dmRecipientOrgUnitNum>")
    env = read_content(xml)["envelope"]
    assert (env.subject, env.recipient_org_unit_num, env.status) == ("Prvni", 5, 4)
    twice = _edit(xml, b"<q:dmDeliveryTime>", b"<q:dmMessageStatus>9</q:dmMessageStatus>"
                  b"<q:dmDeliveryTime>")
    assert read_content(twice)["envelope"].status == 9


def test_a_document_declared_in_utf7_is_refused_by_name() -> None:
    """The refusal says why (the reason becomes the verdict's "not a readable ZFO: ...")."""
    with pytest.raises(HostileXmlError) as refused:
        parse_xml(b'<?xml version="1.0" encoding="UTF-7"?><x/>')
    assert str(refused.value) == "XML in UTF-7 is refused (markup can hide in it)"


def test_runs_of_spaces_in_a_name_become_one() -> None:
    assert sanitize("Smlouva   o\u00a0\u00a0dílo.pdf") == "Smlouva o dílo.pdf"


def test_lone_surrogates_are_dropped_from_a_name() -> None:
    """A name read with surrogateescape (undecodable bytes) holds lone surrogates, which
    no file system name can be written with."""
    assert unicodedata.category("\udcff") == "Cs"
    assert sanitize("zpr\udcffáva\ud800.pdf") == "zpráva.pdf"


def test_a_name_shortened_to_a_dot_drops_it_before_the_extension() -> None:
    """Shortening can leave the stem ending in "." or " ": those go too (no "x..pdf",
    which Windows would show as another name)."""
    assert sanitize("abcdefg.hijk.pdf", max_bytes=12) == "abcdefg.pdf"
    assert sanitize("abcdefg hijk.pdf", max_bytes=12) == "abcdefg.pdf"


def test_an_xml_attachment_keeps_its_comments(pki: TestPki) -> None:
    """dmXMLContent is handed out as the sender wrote it, comments included (they are part
    of the sealed document)."""
    xml_file = (b'<p:dmFile dmMimeType="text/xml" dmFileMetaType="enclosure" '
                b'dmFileDescr="a.xml"><p:dmXMLContent><d:x xmlns:d="urn:d"><!-- pozn. -->'
                b"<d:y>1</d:y></d:x></p:dmXMLContent></p:dmFile>")
    content = message_xml(pki).replace(b"</p:dmFiles>", xml_file + b"</p:dmFiles>", 1)
    data = read_content(content)["attachments"][1].content()
    assert data.startswith(b'<d:x xmlns:d="urn:d" ')
    assert data.endswith(b'><!-- pozn. --><d:y>1</d:y></d:x>')


@pytest.mark.parametrize("space", ["\u00a0", "\u3000\u3000\u3000\u3000", "\u2028"])
def test_an_attachment_s_size_is_its_content_s_whatever_whitespace_follows_the_padding(
        pki: TestPki, space: str) -> None:
    """The base64 of a small message is decoded without any whitespace Python knows (a
    no-break or ideographic space too): its size counts the same characters."""
    payload = b"ABCD"  # base64 "QUJDRA=="
    xml = _edit(message_xml(pki, files=[("a.bin", payload)]),
                b"==</p:dmEncodedContent>", ("==" + space + "</p:dmEncodedContent>").encode())
    (att,) = read_content(xml)["attachments"]
    assert att.content() == payload
    assert att.size == len(payload)
