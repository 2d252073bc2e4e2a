"""The ORM path's evidence copies on a bare database: copies kept aside, delivery infos
replaced and superseded, quarantine offered twice.

`make mutants` found these rules covered only by the integration tests (a simulator each),
which its fast test selection leaves out: `MessageRepo.keep_copy`, `place_delivery_info`,
`current_delivery_info` and `quarantine` survived most of their one-line mutants. Each test
here checks what is stored, not only the action's name.
"""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import Direction, Envelope
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, sha256_hex
from dso_desktop.store.models import DeliveryInfo, Message
from dso_desktop.store.records import SearchText, VerdictInfo
from dso_desktop.store.timeutil import from_db

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
A = evd.Action




@pytest.fixture
def mid(db: Database) -> int:
    env = Envelope(message_id="7001", sender_box_id="abc1234", sender_name="Úřad",
                   subject="Předmět", status=4, delivered_at=T0)
    with db.write() as s:
        return MessageRepo(s).upsert_envelope(1, Direction.RECEIVED, env).id


def _di(db: Database, mid: int) -> DeliveryInfo | None:
    with db.read() as s:
        row = s.scalar(select(DeliveryInfo).where(DeliveryInfo.message_id == mid))
        if row is not None:
            s.expunge(row)
        return row


def test_keep_copy_keeps_each_copy_once_per_kind(db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.keep_copy(mid, evd.MESSAGE, b"copy-1", "c1", "valid", '{"v": 1}',
                              evd.REASON_CONFLICT)
        # the same bytes again: not a second row, whatever else differs
        assert not repo.keep_copy(mid, evd.MESSAGE, b"copy-1", "other", "untrusted", None,
                                  evd.REASON_DISPLACED)
        # other bytes, or the same bytes as another kind, are other copies
        assert repo.keep_copy(mid, evd.MESSAGE, b"copy-2", None, None, None,
                              evd.REASON_DISPLACED)
        assert repo.keep_copy(mid, evd.DELIVERY_INFO, b"copy-1", None, "valid", None,
                              evd.REASON_CONFLICT)
    with db.read() as s:
        repo = MessageRepo(s)
        copies = repo.evidence_copies(mid)
        assert [(c.kind, c.sha256, c.size, c.verdict, c.reason) for c in copies] == [
            (evd.MESSAGE, sha256_hex(b"copy-1"), 6, "valid", evd.REASON_CONFLICT),
            (evd.MESSAGE, sha256_hex(b"copy-2"), 6, None, evd.REASON_DISPLACED),
            (evd.DELIVERY_INFO, sha256_hex(b"copy-1"), 6, "valid", evd.REASON_CONFLICT),
        ]
        assert {c.dm_id for c in copies} == {"7001"}
        assert repo.evidence_copy_data(copies[1].id) == b"copy-2"
        assert repo.evidence_copies(mid, unreviewed=True) == copies


def test_a_first_delivery_info_is_stored_and_read_back(db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.current_delivery_info(mid) is None
        assert repo.place_delivery_info(mid, b"di-1", "valid", content_sha256="c1") is A.STORE
    with db.read() as s:
        assert MessageRepo(s).current_delivery_info(mid) == evd.CopyInfo(
            sha256_hex(b"di-1"), "valid", "c1")
    di = _di(db, mid)
    assert di is not None and bytes(di.data) == b"di-1" and di.size == 4


def test_the_same_delivery_info_again_refreshes_only_upwards(db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.place_delivery_info(mid, b"di-1", "untrusted") is A.STORE
    first = _di(db, mid)
    assert first is not None
    with db.write() as s:
        repo = MessageRepo(s)
        # the same bytes with a better verdict: kept, verdict raised, fetch time refreshed
        assert repo.place_delivery_info(mid, b"di-1", "valid") is A.KEEP
        assert not repo.store_delivery_info(mid, b"di-1", "valid")
    second = _di(db, mid)
    assert second is not None and second.verdict == "valid"
    assert second.stored_at >= first.stored_at
    with db.write() as s:
        # never lowered by a narrower check; a copy from a file leaves the time alone
        assert MessageRepo(s).place_delivery_info(mid, b"di-1", "untrusted") is A.KEEP
    third = _di(db, mid)
    assert third is not None and third.verdict == "valid"
    with db.write() as s:
        assert MessageRepo(s).place_delivery_info(mid, b"di-1", "valid",
                                                  from_isds=False) is A.KEEP
    fourth = _di(db, mid)
    assert fourth is not None and fourth.stored_at == third.stored_at
    with db.read() as s:
        assert MessageRepo(s).evidence_copies(mid) == []


def test_a_trusted_delivery_info_replaces_an_untrusted_one_kept_aside(
        db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-untrusted", "untrusted", content_sha256="c0")
        assert repo.store_delivery_info(mid, b"di-trusted", "valid", content_sha256="c1",
                                        verdict_json='{"v": 1}')
    di = _di(db, mid)
    assert di is not None
    assert (bytes(di.data), di.sha256, di.size, di.verdict, di.content_sha256) == (
        b"di-trusted", sha256_hex(b"di-trusted"), 10, "valid", "c1")
    with db.read() as s:
        repo = MessageRepo(s)
        [aside] = repo.evidence_copies(mid)
        assert (aside.kind, aside.sha256, aside.verdict, aside.reason) == (
            evd.DELIVERY_INFO, sha256_hex(b"di-untrusted"), "untrusted", evd.REASON_DISPLACED)
        assert repo.evidence_copy_data(aside.id) == b"di-untrusted"


def test_a_newer_trusted_delivery_info_supersedes_without_a_copy(
        db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-old", "valid", content_sha256="c1")
        assert repo.place_delivery_info(mid, b"di-new", "expiring",
                                        content_sha256="c2") is A.SUPERSEDE
    di = _di(db, mid)
    assert di is not None and bytes(di.data) == b"di-new" and di.verdict == "expiring"
    assert di.content_sha256 == "c2"
    with db.read() as s:
        assert MessageRepo(s).evidence_copies(mid) == []


def test_an_untrusted_delivery_info_never_displaces_a_trusted_one(
        db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-trusted", "valid", content_sha256="c1")
        assert repo.place_delivery_info(mid, b"di-other", "untrusted", content_sha256="c9",
                                        verdict_json='{"x": 1}') is A.CONFLICT
        # the same conflicting copy again is not kept twice
        assert repo.place_delivery_info(mid, b"di-other", "untrusted",
                                        content_sha256="c9") is A.CONFLICT
    di = _di(db, mid)
    assert di is not None and bytes(di.data) == b"di-trusted" and di.verdict == "valid"
    with db.read() as s:
        [aside] = MessageRepo(s).evidence_copies(mid)
        assert (aside.sha256, aside.verdict, aside.reason) == (
            sha256_hex(b"di-other"), "untrusted", evd.REASON_CONFLICT)


def test_untrusted_files_and_invalid_copies_write_nothing(db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.place_delivery_info(mid, b"di-file", "untrusted",
                                        from_isds=False) is A.QUARANTINE
        assert repo.place_delivery_info(mid, b"di-bad", "invalid") is A.REFUSE
        assert not repo.store_delivery_info(mid, b"di-bad", "invalid")
    assert _di(db, mid) is None
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-1", "valid")
        assert repo.place_delivery_info(mid, b"di-bad", "invalid") is A.REFUSE
    di = _di(db, mid)
    assert di is not None and bytes(di.data) == b"di-1"
    with db.read() as s:
        assert MessageRepo(s).evidence_copies(mid) == []


def test_a_quarantined_file_offered_twice_is_kept_once(db: Database) -> None:
    long_name = "/import/" + "x" * 1200 + "/zprava.zfo"
    with db.write() as s:
        repo = MessageRepo(s)
        qid, new = repo.quarantine(b"zfo-1", zfo_kind="received", dm_id="1234567890" * 3,
                                   verdict="untrusted", verdict_json='{"v": 0}',
                                   reasons="chain", source_name=long_name)
        assert new
        again = repo.quarantine(b"zfo-1", zfo_kind="sent", dm_id="1", verdict="invalid",
                                verdict_json=None, reasons=None, source_name="b.zfo")
        assert again == (qid, False)
        other, new_other = repo.quarantine(b"zfo-2", zfo_kind=None, dm_id="", verdict="invalid",
                                           verdict_json=None, reasons=None, source_name="")
        assert new_other and other != qid
    with db.read() as s:
        first, second = MessageRepo(s).quarantined()
    assert (first.id, first.sha256, first.size, first.zfo_kind, first.verdict,
            first.reasons) == (qid, sha256_hex(b"zfo-1"), 5, "received", "untrusted", "chain")
    assert first.dm_id == ("1234567890" * 3)[:20]
    assert first.source_name == long_name[-1000:]
    assert (second.id, second.dm_id, second.source_name) == (other, None, None)


def _column(db: Database, sql: str) -> list[Any]:
    with db.engine.connect() as c:
        return [r[0] for r in c.execute(text(sql))]


def test_verdict_details_are_kept_with_copies_and_quarantined_files(
        db: Database, mid: int) -> None:
    """The verdict's JSON (why a seal was not trusted) stays with what is kept apart."""
    with db.write() as s:
        repo = MessageRepo(s)
        repo.store_delivery_info(mid, b"di-trusted", "valid", content_sha256="c1")
        assert not repo.store_delivery_info(mid, b"di-other", "untrusted", content_sha256="c9",
                                            verdict_json='{"why": "chain"}')
        repo.quarantine(b"zfo-1", zfo_kind="received", dm_id="1", verdict="untrusted",
                        verdict_json='{"why": "ca"}', reasons=None, source_name="a.zfo")
    assert _column(db, "SELECT verdict_json FROM evidence_copies") == ['{"why": "chain"}']
    assert _column(db, "SELECT verdict_json FROM quarantined_zfos") == ['{"why": "ca"}']


def test_store_delivery_info_passes_on_where_the_copy_came_from(
        db: Database, mid: int) -> None:
    with db.write() as s:
        # an untrusted file is quarantined by the caller, never stored here
        assert not MessageRepo(s).store_delivery_info(mid, b"di-file", "untrusted",
                                                      from_isds=False)
    assert _di(db, mid) is None


def test_an_untrusted_copy_of_the_same_signed_content_is_no_conflict(
        db: Database, mid: int) -> None:
    """Other bytes that seal the same content (content_sha256) are the same evidence."""
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-trusted", "valid", content_sha256="c1")
        assert repo.place_delivery_info(mid, b"di-resealed", "untrusted",
                                        content_sha256="c1") is A.KEEP
    with db.read() as s:
        assert MessageRepo(s).evidence_copies(mid) == []
    di = _di(db, mid)
    assert di is not None and bytes(di.data) == b"di-trusted" and di.content_sha256 == "c1"


def test_the_orm_sees_what_the_fast_path_wrote_in_the_same_session(
        db: Database, mid: int) -> None:
    """The sync hands a delivery info over to the ORM in the session where the fast path
    has just rewritten the row with plain SQL: the ORM must not decide on a stale copy."""
    from dso_desktop.store.fastwrite import FastWriter

    env = Envelope(message_id="7001", status=5, delivered_at=T0)
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.place_delivery_info(mid, b"di-1", "valid", content_sha256="c1") is A.STORE
        s.flush()
        # someone in the session still holds the row (the identity map keeps only weakly
        # referenced rows, so without a holder the ORM reloads it anyway)
        held = s.get(DeliveryInfo, mid)
        assert held is not None and held.sha256 == sha256_hex(b"di-1")
        fast = FastWriter(s)
        try:
            assert fast.store_delivery_info(mid, b"di-2", env, (), "valid",
                                            content_sha256="c2") is A.SUPERSEDE
        finally:
            fast.close()
        assert repo.place_delivery_info(mid, b"di-2", "valid", content_sha256="c2") is A.KEEP
        assert repo.evidence_copies(mid) == []


# Survivors of seed 20261208 (branch ``survrest``): the verdict of the same delivery info
# checked again, what a conflicting message copy keeps, the verdict of a copy stored
# unverified, and which messages a sync still has to download.

def test_the_same_trusted_delivery_info_takes_the_newest_trusted_verdict(
        db: Database, mid: int) -> None:
    # valid -> expiring is the same rank: the newest check says what holds now (its
    # timestamp is nearing its end), so it is stored; a lower rank never is.
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-1", "valid")
        assert repo.place_delivery_info(mid, b"di-1", "expiring") is A.KEEP
    di = _di(db, mid)
    assert di is not None and di.verdict == "expiring"
    with db.write() as s:
        assert MessageRepo(s).place_delivery_info(mid, b"di-1", "valid-at-signing") is A.KEEP
    di = _di(db, mid)
    assert di is not None and di.verdict == "valid-at-signing"


def _place(db: Database, mid: int, data: bytes, verdict: VerdictInfo | None,
           content: str | None = None) -> evd.Action:
    env = Envelope(message_id="7001", sender_box_id="abc1234", sender_name="Úřad",
                   subject="Předmět", status=4, delivered_at=T0)
    with db.write() as s:
        return MessageRepo(s).place_zfo(mid, data, env, SearchText(subject="Předmět"), 0,
                                        verdict, content_sha256=content)


def test_a_conflicting_message_copy_keeps_why_it_was_not_trusted(
        db: Database, mid: int) -> None:
    assert _place(db, mid, b"zfo-trusted", VerdictInfo("valid", T0, '{"ok": 1}'), "c1") \
        is A.STORE
    why = '{"why": "chain"}'
    assert _place(db, mid, b"zfo-other", VerdictInfo("untrusted", T0, why), "c9") \
        is A.CONFLICT
    with db.engine.connect() as c:
        row = c.execute(text("SELECT verdict, verdict_json, reason FROM evidence_copies")).one()
    assert tuple(row) == ("untrusted", why, evd.REASON_CONFLICT)


def test_a_copy_stored_unverified_has_no_verdict(db: Database, mid: int) -> None:
    # NULL, not an empty text: "never verified" is what re-verification and the lists
    # look for (verdict IS NULL).
    assert _place(db, mid, b"zfo-unverified", None) is A.STORE
    with db.engine.connect() as c:
        row = c.execute(text("SELECT verdict, verdict_json, verified_at, downloaded "
                             "FROM messages WHERE id = :id"), {"id": mid}).one()
    assert tuple(row) == (None, None, None, 1)


def test_a_listed_message_is_pending_until_downloaded_whatever_its_verdict(
        db: Database, mid: int) -> None:
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.pending(1, Direction.RECEIVED) == [(mid, "7001", False)]
        # a trusted verdict without the copy (e.g. set by a check of a copy since lost)
        repo.set_verdict(mid, VerdictInfo("valid", T0))
        assert repo.pending(1, Direction.RECEIVED) == [(mid, "7001", False)]
    assert _place(db, mid, b"zfo-trusted", VerdictInfo("valid", T0)) is A.STORE
    with db.read() as s:
        assert MessageRepo(s).pending(1, Direction.RECEIVED) == []


def test_a_stored_copy_keeps_when_and_why_its_evidence_ends(db: Database, mid: int) -> None:
    # The watch's due date and its cause ("which certificate ends first") come from here.
    ends = datetime(2031, 5, 1, tzinfo=UTC)
    verdict = VerdictInfo("valid", T0, '{"ok": 1}', timestamp_expires=ends,
                          evidence_expires=ends, evidence_cause="timestamp-certificate")
    assert _place(db, mid, b"zfo-trusted", verdict) is A.STORE
    with db.engine.connect() as c:
        row = c.execute(text("SELECT verdict, evidence_cause FROM messages WHERE id = :id"),
                        {"id": mid}).one()
    assert tuple(row) == ("valid", "timestamp-certificate")
    with db.read() as s:
        m = s.get(Message, mid)
        assert m is not None and from_db(m.evidence_expires) == ends


def test_an_untrusted_message_copy_of_the_same_signed_content_is_no_conflict(
        db: Database, mid: int) -> None:
    """Other bytes that seal the same content (content_sha256) are the same evidence: not
    kept aside as a conflict (the message's counterpart of the delivery-info test above)."""
    assert _place(db, mid, b"zfo-trusted", VerdictInfo("valid", T0), "c1") is A.STORE
    assert _place(db, mid, b"zfo-resealed", VerdictInfo("untrusted", T0), "c1") is A.KEEP
    assert _column(db, "SELECT count(*) FROM evidence_copies") == [0]
    assert _place(db, mid, b"zfo-other", VerdictInfo("untrusted", T0), "c2") is A.CONFLICT
    assert _column(db, "SELECT content_sha256 FROM evidence_copies") == ["c2"]
