"""`records.nsesss`: the batch's versions of a file, the confirmation's meaning (property
based), the confirmation reader's refusals, and schema validity of what we write."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from tests.unit.records.reader import read_batch
from tests.unit.records.schemas import assert_valid, erms_schema

from dso_desktop.records import nsesss
from dso_desktop.records.errors import ConfirmationError, RecordsError

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SPEC = nsesss.BatchSpec("B-1", "DSO", "ESSL", "podatelna", T0)


def _entry(mid: int, dm_id: str, versions: list[bytes], received: bool = True,
           di: bytes | None = None) -> nsesss.MessageEntry:
    return nsesss.MessageEntry(
        mid, dm_id, received, "Žádost o stavební povolení",
        nsesss.Party("Jan Novák", "abcd123", 40), nsesss.Party("Obec Lhota", "lhota12", 10),
        T0, T0, T0, 2,
        [nsesss.FileVersion(v, T0 + timedelta(days=i)) for i, v in enumerate(versions)],
        nsesss.FileVersion(di, T0) if di is not None else None)


def test_restamped_versions_are_later_versions_of_the_same_file(tmp_path: Path) -> None:
    schema = erms_schema()
    out = tmp_path / "b.zip"
    original, restamped, again = b"original-zfo", b"restamped-1", b"restamped-2"
    res = nsesss.write_batch([_entry(7, "123", [original, restamped, again], di=b"dod")],
                             SPEC, out)
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                assert_valid(schema, z.read(name), name)
        soubor = etree.fromstring(z.read("soubory/000001.xml"))
    ns = {"a": nsesss.API_NS}
    assert soubor.findtext("a:Soubor/a:AktualniVerze/a:Verze", namespaces=ns) == "3"
    assert [e.text for e in soubor.findall("a:Soubor/a:StareVerze/a:StaraVerze/a:Verze",
                                           ns)] == ["1", "2"]
    (m,) = read_batch(out).messages
    main = m.file("main")
    assert main is not None and main.versions == [(1, original), (2, restamped), (3, again)]
    # The entity remembers the original (the archive's evidence), not the newest version.
    zfo_entity = next(e for e in res.entities if e.role == nsesss.ROLE_MESSAGE)
    assert zfo_entity.sha256 == nsesss.FileVersion(original, T0).sha256
    assert [e.entity_type for e in res.entities] == ["Soubor", "Soubor", "Dokument"]


def test_a_sent_message_and_odd_envelopes_still_validate(tmp_path: Path) -> None:
    schema = erms_schema()
    sent = nsesss.MessageEntry(
        9, "98765432109876543210", False, "x" * 300, nsesss.Party(None, None, None),
        nsesss.Party("Ř" * 200, "short", 99), None, None, T0, 0, [nsesss.FileVersion(b"z", T0)])
    out = tmp_path / "b.zip"
    nsesss.write_batch([sent], SPEC, out)
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                assert_valid(schema, z.read(name), name)
    (m,) = read_batch(out).messages
    assert not m.received and m.dm_id == "98765432109876543210"


def test_bad_batch_parameters_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    for spec in (nsesss.BatchSpec("B", "DSO", "cíl s mezerou", "x", T0),
                 nsesss.BatchSpec("B", "", "ESSL", "x", T0),
                 nsesss.BatchSpec("B" * 41, "DSO", "ESSL", "x", T0),
                 nsesss.BatchSpec("B", "DSO", "ESSL", "", T0)):
        with pytest.raises(RecordsError):
            nsesss.write_batch([_entry(1, "1", [b"z"])], spec, out)
    with pytest.raises(RecordsError):
        nsesss.write_batch([], SPEC, out)
    with pytest.raises(RecordsError):
        nsesss.write_batch([_entry(1, "1", [])], SPEC, out)
    assert list(tmp_path.iterdir()) == []  # no batch, no temporary file left behind


def test_a_single_entity_confirmation_is_schema_valid_and_reads_back() -> None:
    schema = erms_schema()
    c = nsesss.Confirmation(T0, "ESSL", "DSO", "B-1", "DSO", "ESSL", nsesss.PARTLY_LOADED,
                            "jedna chyba", (nsesss.EntityStatus(
                                2, "Soubor", "DOD-1-1", nsesss.NOT_LOADED, "poškozený"),))
    data = nsesss.confirmation_xml(c)
    assert_valid(schema, data, "PrenosPotvrzeni")
    assert nsesss.parse_confirmation(data) == c


@pytest.mark.parametrize("data, match", [
    (b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><a>&x;</a>",
     "DTD"),
    (b"<PrenosPotvrzeni/>", "namespace"),
    (b"<a:PrenosPotvrzeni xmlns:a='http://www.mvcr.cz/nsesss/2023/api'/>", "StatusPrenosu"),
    (b"\x00\x01", "well-formed"),
])
def test_hostile_or_malformed_confirmations_are_refused(data: bytes, match: str) -> None:
    with pytest.raises(ConfirmationError, match=match):
        nsesss.parse_confirmation(data)


def _written(counts: list[int]) -> list[nsesss.WrittenEntity]:
    out, poradi = [], 0
    for mid, n in enumerate(counts, start=1):
        for k in range(n):
            poradi += 1
            kind = "Dokument" if k == n - 1 else "Soubor"
            out.append(nsesss.WrittenEntity(poradi, kind, f"E{poradi}", mid))
    return out


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(1, 3), min_size=1, max_size=6), data=st.data())
def test_a_message_is_handed_over_iff_every_entity_of_it_was_loaded(
        counts: list[int], data: st.DataObject) -> None:
    written = _written(counts)
    # Each entity: listed loaded, listed not loaded, or not listed at all.
    said = data.draw(st.lists(st.sampled_from(["ok", "no", "-"]), min_size=len(written),
                              max_size=len(written)))
    batch = data.draw(st.sampled_from([nsesss.LOADED, nsesss.PARTLY_LOADED,
                                       nsesss.NOT_LOADED]))
    entities = tuple(nsesss.EntityStatus(e.poradi, e.entity_type, e.entity_id,
                                         nsesss.LOADED if s == "ok" else nsesss.NOT_LOADED,
                                         "důvod" if s == "no" else None)
                     for e, s in zip(written, said, strict=True) if s != "-")
    c = nsesss.Confirmation(T0, "ESSL", "DSO", "B", "DSO", "ESSL", batch, None, entities)
    contradicts = (batch == nsesss.LOADED and "no" in said) or \
        (batch == nsesss.NOT_LOADED and "ok" in said)
    if contradicts:
        with pytest.raises(ConfirmationError):
            nsesss.decide(written, c)
        return
    outcome = nsesss.decide(written, c)
    for mid in {e.message_id for e in written}:
        mine = [s for e, s in zip(written, said, strict=True) if e.message_id == mid]
        expected = all(s == "ok" or (s == "-" and batch == nsesss.LOADED) for s in mine)
        assert outcome.loaded[mid] is expected
        assert bool(outcome.reasons.get(mid)) is not expected


def test_an_entity_not_in_the_batch_is_refused() -> None:
    written = _written([2])
    for wrong in (nsesss.EntityStatus(9, "Soubor", "E1", nsesss.LOADED, None),
                  nsesss.EntityStatus(1, "Dokument", "E1", nsesss.LOADED, None),
                  nsesss.EntityStatus(1, "Soubor", "E2", nsesss.LOADED, None)):
        c = nsesss.Confirmation(T0, "ESSL", "DSO", "B", "DSO", "ESSL", nsesss.PARTLY_LOADED,
                                None, (wrong,))
        with pytest.raises(ConfirmationError, match="not in batch"):
            nsesss.decide(written, c)


def test_the_schema_loader_reads_local_files_only(tmp_path: Path) -> None:
    """The validation in these tests cannot pass because a schema came from elsewhere: an
    import of a remote or outside schema is refused."""
    from tests.unit.records.schemas import _schema

    for location in ("http://example.invalid/x.xsd", "../outside.xsd"):
        (tmp_path / "outside.xsd").write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
        folder = tmp_path / "schemas"
        folder.mkdir(exist_ok=True)
        (folder / "main.xsd").write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="urn:x" schemaLocation="{location}"/></xs:schema>')
        _schema.cache_clear()
        with pytest.raises((etree.XMLSchemaParseError, OSError, etree.XMLSyntaxError)):
            _schema(str(folder), "main.xsd")


@pytest.mark.parametrize("dm_id", ["../../../../tmp/evil", "/etc/passwd", "a\\..\\..\\b",
                                   "x/../../y", "..", "č:ř*?<>|"])
def test_a_hostile_dmid_never_becomes_a_path_in_the_batch(tmp_path: Path, dm_id: str) -> None:
    """Review: the archive keeps the dmID a server or an imported file gave; the member
    names of the batch must stay inside its folders whatever it holds."""
    out = tmp_path / "b.zip"
    nsesss.write_batch([_entry(7, dm_id, [b"zfo"], di=b"dod")], SPEC, out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        for name in names:
            parts = name.split("/")
            assert not name.startswith("/") and "\\" not in name, name
            assert ".." not in parts and parts[0] in ("soubory", "dokumenty",
                                                      nsesss.MANIFEST), name
            assert (tmp_path / "x" / name).resolve().is_relative_to(tmp_path / "x")
        assert sum(n.endswith(".zfo") for n in names) == 2
    (m,) = read_batch(out).messages  # the batch still reads back whole
    main = m.file("main")
    assert main is not None and main.versions == [(1, b"zfo")]
