"""Survivors of the mutation run (branch ``mutants2``) in `sync.ingest.import_zfo`.

- the imported message recorded with ``source`` other than "import";
- without an explicit account, the message not filed under the account of its box
  (``accounts_by_box``) when the condition was inverted.
"""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

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
