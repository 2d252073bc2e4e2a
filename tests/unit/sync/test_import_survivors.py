"""Survivors of the mutation run (branch ``mutants2``) in `sync.ingest.import_zfo`.

- the imported message recorded with ``source`` other than "import";
- without an explicit account, the message not filed under the account of its box
  (``accounts_by_box``) when the condition was inverted.
"""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.domain import Direction
from dso_desktop.store.db import Database
from dso_desktop.sync.ingest import import_zfo
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

NOW = SEALED_AT + timedelta(days=2)




def _row(db: Database) -> tuple[object, ...]:
    with db.engine.connect() as c:
        return tuple(c.execute(text("SELECT source, account_id, dm_id FROM messages")).one())


def test_an_imported_message_is_marked_imported_and_filed_under_its_box(
        db: Database, pki: TestPki) -> None:
    data = seal(message_xml(pki, dm_id="7001"), pki.seal, pki.tsa, SEALED_AT)
    box = parse_zfo(data).envelope.recipient_box_id
    assert box
    result = import_zfo(db, TrustStore.from_paths([pki.ca_file]), data, account_id=None,
                        account_box_id=None, now=NOW, accounts_by_box={box: 1})
    assert result.message_id is not None
    assert _row(db) == ("import", 1, "7001")


def test_an_imported_message_of_no_known_box_belongs_to_no_account(
        db: Database, pki: TestPki) -> None:
    data = seal(message_xml(pki, dm_id="7002"), pki.seal, pki.tsa, SEALED_AT)
    import_zfo(db, TrustStore.from_paths([pki.ca_file]), data, account_id=None,
               account_box_id=None, now=NOW, accounts_by_box={"zzzzzzz": 1})
    assert _row(db) == ("import", None, "7002")


def _events(db: Database) -> list[str]:
    with db.engine.connect() as c:
        return [r[0] for r in c.execute(text("SELECT description FROM events"))]


def test_an_imported_delivery_info_adds_its_events_once(
        db: Database, pki: TestPki) -> None:
    """``import_zfo`` on a delivery info: it becomes the message's, its events stored once,
    and the result names the message (mutants that dropped the events or the writer
    survived: no unit test imported a delivery info)."""
    trust = TrustStore.from_paths([pki.ca_file])
    msg = seal(message_xml(pki, dm_id="7003"), pki.seal, pki.tsa, SEALED_AT)
    import_zfo(db, trust, msg, account_id=1, account_box_id=None, now=NOW)
    di = seal(message_xml(pki, kind="delivery-info", dm_id="7003"), pki.seal, pki.tsa,
              SEALED_AT)
    first = import_zfo(db, trust, di, account_id=1, account_box_id=None, now=NOW)
    assert (first.status.value, first.dm_id) == ("delivery-info", "7003")
    assert _events(db) == ["EV5: Datová zpráva byla dodána."]
    again = import_zfo(db, trust, di, account_id=1, account_box_id=None, now=NOW)
    assert (again.status.value, again.message_id, again.dm_id) == (
        "duplicate", first.message_id, "7003")
    assert _events(db) == ["EV5: Datová zpráva byla dodána."]


def test_an_untrusted_import_is_quarantined_with_its_reasons(
        db: Database, pki: TestPki, tmp_path: Path) -> None:
    from dso_desktop.zfo.testpki import create_pki

    other_ca = create_pki(tmp_path / "other")
    data = seal(message_xml(pki, dm_id="7004"), pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, TrustStore.from_paths([other_ca.ca_file]), data, account_id=1,
                        account_box_id=None, now=NOW, source_name="dopis.zfo")
    assert (result.status.value, result.dm_id) == ("quarantined", "7004")
    assert result.reason
    with db.engine.connect() as c:
        row = c.execute(text("SELECT dm_id, reasons, source_name FROM quarantined_zfos")).one()
    assert tuple(row) == ("7004", result.reason, "dopis.zfo")


def test_an_untrusted_import_says_why_in_both_languages(
        db: Database, pki: TestPki, tmp_path: Path) -> None:
    """The quarantine's reason is the verdict's own reasons (the timestamp authority is
    unknown to this trust store), not the generic fallback (branch ``mutants3``: a mutant
    that read another attribute of the verdict fell back to "the seal is not trusted" and
    survived)."""
    from dso_desktop.zfo.testpki import create_pki

    other_ca = create_pki(tmp_path / "other")
    data = seal(message_xml(pki, dm_id="7005"), pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, TrustStore.from_paths([other_ca.ca_file]), data, account_id=1,
                        account_box_id=None, now=NOW)
    assert result.reason is not None and result.reason_cs is not None
    assert "timestamp" in result.reason and "the seal is not trusted" not in result.reason
    assert "razítko" in result.reason_cs and "pečeť není důvěryhodná" not in result.reason_cs


def test_an_import_without_an_account_lands_on_the_message_already_listed(
        db: Database, pki: TestPki) -> None:
    """A file of a message the sync already listed (for account 1), imported with no
    account and no known box, becomes that message's evidence: one row, the account kept
    (``target_id``; a mutant that dropped it survived, nothing checked the row count)."""
    from dso_desktop.domain import Direction
    from dso_desktop.store.messages import MessageRepo

    data = seal(message_xml(pki, dm_id="7006"), pki.seal, pki.tsa, SEALED_AT)
    with db.write() as s:
        listed = MessageRepo(s).upsert_envelope(1, Direction.RECEIVED,
                                                parse_zfo(data).envelope).id
    result = import_zfo(db, TrustStore.from_paths([pki.ca_file]), data, account_id=None,
                        account_box_id=None, now=NOW)
    assert (result.status.value, result.message_id) == ("stored", listed)
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT id, account_id FROM messages WHERE dm_id = '7006'")).all()
    assert [tuple(r) for r in rows] == [(listed, 1)]


# -- survivors of seed 20261208 (branch ``survsync``) -----------------------------------------

def _trust(pki: TestPki) -> TrustStore:
    return TrustStore.from_paths([pki.ca_file])


def test_the_same_file_imported_again_is_a_duplicate_whatever_direction_it_is_given(
        db: Database, pki: TestPki) -> None:
    """A file already in the archive is recognised by its bytes before anything else: the
    second import (which, with no box given, would file it as received) writes nothing
    and names the message that holds it."""
    data = seal(message_xml(pki, dm_id="7010"), pki.seal, pki.tsa, SEALED_AT)
    first = import_zfo(db, _trust(pki), data, account_id=1, account_box_id="abc1234",
                       now=NOW)  # the account's box is the sender's: a sent message
    assert (first.status.value, first.direction) == ("stored", Direction.SENT)
    again = import_zfo(db, _trust(pki), data, account_id=1, account_box_id=None, now=NOW)
    assert (again.status.value, again.message_id, again.dm_id, again.verdict) == (
        "duplicate", first.message_id, "7010", "valid")
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT id, direction FROM messages")).all()
    assert [tuple(r) for r in rows] == [(first.message_id, "sent")]


def test_a_sent_message_file_is_filed_as_sent_without_a_box(db: Database, pki: TestPki) -> None:
    data = seal(message_xml(pki, kind="sent", dm_id="7011"), pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, _trust(pki), data, account_id=1, account_box_id=None, now=NOW)
    assert (result.status.value, result.direction) == ("stored", Direction.SENT)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT direction FROM messages")).scalar_one() == "sent"


def test_an_import_lands_on_the_listed_message_of_its_own_direction_only(
        db: Database, pki: TestPki) -> None:
    """The same dmID listed as sent (a message between two boxes of the office) is not the
    received message a file without an account belongs to: the file gets a row of its own
    direction, and the sent row stays to be downloaded."""
    from dso_desktop.store.messages import MessageRepo

    data = seal(message_xml(pki, dm_id="7012"), pki.seal, pki.tsa, SEALED_AT)
    with db.write() as s:
        sent = MessageRepo(s).upsert_envelope(1, Direction.SENT, parse_zfo(data).envelope).id
    result = import_zfo(db, _trust(pki), data, account_id=None, account_box_id=None, now=NOW)
    assert result.status.value == "stored" and result.message_id != sent
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT id, direction, downloaded FROM messages "
                              "ORDER BY id")).all()
    assert [(r[0], r[1], bool(r[2])) for r in rows] == [
        (sent, "sent", False), (result.message_id, "received", True)]


def test_a_quarantined_file_keeps_the_verdict_that_refused_it(
        db: Database, pki: TestPki, tmp_path: Path) -> None:
    import json

    from dso_desktop.zfo.testpki import create_pki

    other_ca = create_pki(tmp_path / "other")
    data = seal(message_xml(pki, dm_id="7013"), pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, TrustStore.from_paths([other_ca.ca_file]), data, account_id=1,
                        account_box_id=None, now=NOW)
    assert (result.status.value, result.verdict) == ("quarantined", "untrusted")
    with db.engine.connect() as c:
        stored = c.execute(text("SELECT verdict, verdict_json FROM quarantined_zfos")).one()
    assert stored[0] == "untrusted"
    verdict = json.loads(stored[1])  # the whole verdict, to show why later
    assert (verdict["verdict"], verdict["dm_id"]) == ("untrusted", "7013")
    assert verdict["reasons"]


def test_an_imported_delivery_info_records_its_content_and_is_not_fresh_from_isds(
        db: Database, pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    """The delivery info's sealed content digest is stored (a later copy with the same
    content is recognised), and importing the same file again does not mark it as fetched
    from ISDS just now (``stored_at`` says when ISDS last gave it)."""
    import hashlib
    from datetime import datetime

    from dso_desktop.store import messages as store_messages

    trust = _trust(pki)
    import_zfo(db, trust, seal(message_xml(pki, dm_id="7014"), pki.seal, pki.tsa, SEALED_AT),
               account_id=1, account_box_id=None, now=NOW)
    di = seal(message_xml(pki, kind="delivery-info", dm_id="7014"), pki.seal, pki.tsa,
              SEALED_AT)
    first = import_zfo(db, trust, di, account_id=1, account_box_id=None, now=NOW)
    assert (first.status.value, first.verdict) == ("delivery-info", "valid")
    with db.engine.connect() as c:
        content, stored_at = c.execute(text(
            "SELECT content_sha256, stored_at FROM delivery_infos")).one()
    sealed = parse_zfo(di)
    assert content == hashlib.sha256(bytes(sealed.dm_dm_bytes or sealed.content_xml)).hexdigest()
    later = datetime(2030, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(store_messages, "utcnow", lambda: later)
    again = import_zfo(db, trust, di, account_id=1, account_box_id=None, now=NOW)
    assert (again.status.value, again.message_id, again.verdict) == (
        "duplicate", first.message_id, "valid")
    with db.engine.connect() as c:
        assert c.execute(text("SELECT stored_at FROM delivery_infos")).scalar_one() == stored_at


def test_two_seals_of_one_message_are_one_message(db: Database, pki: TestPki) -> None:
    """ISDS seals a message again on every download: a second file of the same message,
    sealed an hour later, is the same message (its content digest), not a conflicting copy."""
    xml = message_xml(pki, dm_id="7015")
    first = import_zfo(db, _trust(pki), seal(xml, pki.seal, pki.tsa, SEALED_AT),
                       account_id=1, account_box_id=None, now=NOW)
    later = seal(xml, pki.seal, pki.tsa, SEALED_AT + timedelta(hours=1))
    second = import_zfo(db, _trust(pki), later, account_id=1, account_box_id=None, now=NOW)
    assert (second.status.value, second.message_id) == ("duplicate", first.message_id)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM evidence_copies")).scalar_one() == 0


def test_an_imported_message_is_found_by_the_words_of_its_attachment(
        db: Database, pki: TestPki) -> None:
    from dso_desktop.store.messages import MessageRepo

    data = seal(message_xml(pki, dm_id="7016", files=[("dopis.txt", "žádost o kotlíkovou "
                                                       "dotaci".encode())]),
                pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, _trust(pki), data, account_id=1, account_box_id=None, now=NOW)
    with db.read() as s:
        assert MessageRepo(s).search("kotlíkovou") == [result.message_id]


# Survivors of seed 20261210 (branch ``survrest3``).

def test_a_delivery_info_of_a_message_not_in_the_archive_says_so(
        db: Database, pki: TestPki) -> None:
    from dso_desktop.sync.ingest import IngestError

    di = seal(message_xml(pki, kind="delivery-info", dm_id="7020"), pki.seal, pki.tsa,
              SEALED_AT)
    with pytest.raises(IngestError) as refused:
        import_zfo(db, _trust(pki), di, account_id=1, account_box_id=None, now=NOW)
    assert str(refused.value) == "delivery info of message 7020, which is not in the archive"
    assert refused.value.message_cs == "Doručenka zprávy 7020, která v archivu není."


def test_a_message_of_neither_of_the_accounts_boxes_keeps_the_direction_of_its_file(
        db: Database, pki: TestPki) -> None:
    data = seal(message_xml(pki, kind="sent", dm_id="7022"), pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, _trust(pki), data, account_id=1, account_box_id="qqq5555", now=NOW)
    assert result.direction == Direction.SENT


def test_an_imported_message_is_not_a_big_one(db: Database, pki: TestPki) -> None:
    data = seal(message_xml(pki, dm_id="7023"), pki.seal, pki.tsa, SEALED_AT)
    import_zfo(db, _trust(pki), data, account_id=1, account_box_id=None, now=NOW)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT big_message FROM messages")).scalar_one() in (0, False)


def test_an_import_without_an_account_lands_on_the_oldest_copy_not_an_orphaned_one(
        db: Database, pki: TestPki) -> None:
    """With no account given and no known box, the file becomes the evidence of the oldest
    copy of the message, even when a newer copy lost its account (an account removed from
    the app clears it): the import does not look for a copy "of no account" first
    (seed 20261210, ``import_zfo`` mutant 158)."""
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    data = seal(message_xml(pki, dm_id="7020"), pki.seal, pki.tsa, SEALED_AT)
    env = parse_zfo(data).envelope
    with db.write() as s:
        oldest = MessageRepo(s).upsert_envelope(1, Direction.RECEIVED, env).id
        other = AccountRepo(s).add("druhy", environment="test", login_method="password",
                                   username="d").id
    with db.write() as s:
        orphan = MessageRepo(s).upsert_envelope(other, Direction.RECEIVED, env).id
    assert orphan > oldest
    with db.engine.begin() as c:
        c.execute(text("UPDATE messages SET account_id = NULL WHERE id = :i"), {"i": orphan})
    result = import_zfo(db, TrustStore.from_paths([pki.ca_file]), data, account_id=None,
                        account_box_id=None, now=NOW)
    assert (result.status.value, result.message_id) == ("stored", oldest)


# Survivors of seed 20261211 (branch ``survrest4``).

def test_a_quarantined_file_keeps_what_kind_of_zfo_it_is(
        db: Database, pki: TestPki, tmp_path: Path) -> None:
    from dso_desktop.zfo.testpki import create_pki

    untrusting = TrustStore.from_paths([create_pki(tmp_path / "other").ca_file])
    for kind, dm_id in (("received", "7020"), ("sent", "7021"), ("delivery-info", "7022")):
        data = seal(message_xml(pki, kind=kind, dm_id=dm_id), pki.seal, pki.tsa, SEALED_AT)
        result = import_zfo(db, untrusting, data, account_id=1, account_box_id=None, now=NOW)
        assert result.status.value == "quarantined"
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT dm_id, zfo_kind FROM quarantined_zfos "
                              "ORDER BY dm_id")).all()
    assert [tuple(r) for r in rows] == [
        ("7020", "received"), ("7021", "sent"), ("7022", "delivery-info")]


def test_a_sent_message_file_is_filed_under_the_account_of_its_sender_box(
        db: Database, pki: TestPki) -> None:
    data = seal(message_xml(pki, kind="sent", dm_id="7023"), pki.seal, pki.tsa, SEALED_AT)
    env = parse_zfo(data).envelope
    assert env.sender_box_id and env.recipient_box_id
    result = import_zfo(db, _trust(pki), data, account_id=None, account_box_id=None, now=NOW,
                        accounts_by_box={env.sender_box_id: 1, "zzzzzzz": 2})
    assert (result.status.value, result.direction) == ("stored", Direction.SENT)
    assert _row(db) == ("import", 1, "7023")


# Survivors of seed 20261213 (branch ``survrest6``).

def test_an_import_for_an_account_lands_on_that_accounts_copy_not_the_oldest(
        db: Database, pki: TestPki) -> None:
    """Two accounts have listed the message (two users of one box): a file imported for the
    second one becomes the evidence of the second one's copy, not of the oldest copy."""
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    data = seal(message_xml(pki, dm_id="7030"), pki.seal, pki.tsa, SEALED_AT)
    env = parse_zfo(data).envelope
    with db.write() as s:
        oldest = MessageRepo(s).upsert_envelope(1, Direction.RECEIVED, env).id
        other = AccountRepo(s).add("druhy", environment="test", login_method="password",
                                   username="d").id
    with db.write() as s:
        mine = MessageRepo(s).upsert_envelope(other, Direction.RECEIVED, env).id
    assert mine > oldest
    result = import_zfo(db, _trust(pki), data, account_id=other, account_box_id=None, now=NOW)
    assert (result.status.value, result.message_id) == ("stored", mine)
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT id, downloaded FROM messages WHERE dm_id = '7030' "
                              "ORDER BY id")).all()
    assert [(r[0], bool(r[1])) for r in rows] == [(oldest, False), (mine, True)]


def test_the_content_digest_of_a_message_is_that_of_its_sealed_core(pki: TestPki) -> None:
    """Of a message, the digest covers the dmDm element (the core dmHash covers), not the
    whole signed XML whose state and seal time differ between genuine copies; of a
    delivery info (no dmDm bytes) the whole signed XML."""
    import hashlib
    from types import SimpleNamespace

    from dso_desktop.sync.ingest import content_digest

    message = SimpleNamespace(dm_dm_bytes=b"<dmDm>core</dmDm>",
                              content_xml=b"<x><dmDm>core</dmDm><dmStatus>4</dmStatus></x>")
    assert content_digest(message) == hashlib.sha256(b"<dmDm>core</dmDm>").hexdigest()
    info = SimpleNamespace(dm_dm_bytes=None, content_xml=b"<delivery/>")
    assert content_digest(info) == hashlib.sha256(b"<delivery/>").hexdigest()
    parsed = parse_zfo(seal(message_xml(pki, dm_id="7031"), pki.seal, pki.tsa, SEALED_AT))
    assert parsed.dm_dm_bytes is not None and bytes(parsed.dm_dm_bytes) != parsed.content_xml
    assert content_digest(parsed) == hashlib.sha256(bytes(parsed.dm_dm_bytes)).hexdigest()
