"""Survivors of the mutation run (branch ``mutants2``) in the store's evidence writer.

Each test here failed on a mutant that the store and sync unit tests let through:
- ``EvidenceWriter.record_listed`` dropping ``source`` (a message imported from a file or
  sent by us recorded as synchronised) on either path;
- ``EvidenceWriter.quarantine`` passing ``None`` or nothing for one of its fields (no unit
  test quarantined through the writer);
- ``MessageRepo.set_status`` setting the acceptance time for a state that is no acceptance,
  or not for "accepted by fiction" (5);
- ``NotFound`` without the message's id;
- ``write_grouped``'s one-by-one retry handing ``None`` instead of the writer.
"""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture
from tests.unit.archive_helpers import urad_sqlite_db  # noqa: F401 - the fixture
from tests.unit.store.test_big_blobs import chunked  # noqa: F401 - the fixture

from dso_desktop.domain import Direction, Envelope
from dso_desktop.store.db import Database
from dso_desktop.store.errors import NotFound
from dso_desktop.store.messages import MessageRepo, search_text_for, sha256_hex
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.writer import EvidenceWriter, write_grouped

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
PATHS = pytest.mark.parametrize("batch", [True, False], ids=["fast", "orm"])


def _env(dm_id: str = "7001", **kw: Any) -> Envelope:
    base: dict[str, Any] = dict(message_id=dm_id, sender_box_id="abc1234",
                                sender_name="Úřad", recipient_box_id="xyz9876",
                                subject="Ze seznamu", status=4, delivered_at=T0)
    base.update(kw)
    return Envelope(**base)




def _one(db: Database, sql: str) -> tuple[Any, ...]:
    with db.engine.connect() as c:
        return tuple(c.execute(text(sql)).one())


@PATHS
@pytest.mark.parametrize("source", ["import", "send"])
def test_a_listed_message_keeps_the_source_it_came_from(db: Database, batch: bool,
                                                          source: str) -> None:
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        w.record_listed(1, Direction.RECEIVED, _env(), source=source)
    assert _one(db, "SELECT source, account_id FROM messages") == (source, 1)


@PATHS
def test_a_listed_message_is_from_the_sync_unless_told(db: Database, batch: bool) -> None:
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        w.record_listed(1, Direction.SENT, _env())
    assert _one(db, "SELECT source, account_id, direction FROM messages")[:2] == ("sync", 1)


def test_the_writer_quarantines_every_field_it_is_given(db: Database) -> None:
    with db.write() as s, EvidenceWriter(s) as w:
        qid, new = w.quarantine(b"untrusted bytes", zfo_kind="received", dm_id="7001",
                                verdict="untrusted", verdict_json='{"kind": "untrusted"}',
                                reasons="the seal's chain ends in no trusted root",
                                source_name="C:/dopisy/7001.zfo")
        assert new
        again = w.quarantine(b"untrusted bytes", zfo_kind="received", dm_id="7001",
                             verdict="untrusted", verdict_json=None, reasons=None,
                             source_name=None)
        assert again == (qid, False)
    row = _one(db, "SELECT data, size, zfo_kind, dm_id, verdict, verdict_json, reasons, "
                   "source_name FROM quarantined_zfos")
    assert (bytes(row[0]), *row[1:]) == (
        b"untrusted bytes", 15, "received", "7001", "untrusted", '{"kind": "untrusted"}',
        "the seal's chain ends in no trusted root", "C:/dopisy/7001.zfo")


def _listed_id(db: Database, env: Envelope) -> int:
    with db.write() as s, EvidenceWriter(s, batch=False) as w:
        return w.record_listed(1, Direction.RECEIVED, env).id


def test_only_an_acceptance_sets_the_acceptance_time(db: Database) -> None:
    mid = _listed_id(db, _env(status=2))
    with db.write() as s:
        assert MessageRepo(s).set_status(mid, 4, T0)  # delivered: no acceptance
    assert _one(db, "SELECT status, accepted_at FROM messages") == (4, None)
    with db.write() as s:
        assert MessageRepo(s).set_status(mid, 5, T0)  # accepted by fiction
    status, accepted = _one(db, "SELECT status, accepted_at FROM messages")
    assert status == 5 and accepted is not None
    with db.write() as s:
        assert MessageRepo(s).set_status(mid, 6, datetime(2027, 1, 1, tzinfo=UTC))
    # Set once: a later acceptance report keeps the first time.
    assert _one(db, "SELECT status, accepted_at FROM messages") == (6, accepted)


def test_an_acceptance_by_login_sets_the_acceptance_time(db: Database) -> None:
    mid = _listed_id(db, _env(status=4))
    with db.write() as s:
        assert MessageRepo(s).set_status(mid, 6, T0)
    assert _one(db, "SELECT accepted_at FROM messages")[0] is not None


@pytest.mark.parametrize("call", [
    lambda r: r.set_status(999, 5, T0),
    lambda r: r.set_verdict(999, VerdictInfo("valid", T0, None, None)),
    lambda r: r.update_state(999, _env()),
], ids=["set_status", "set_verdict", "update_state"])
def test_an_unknown_message_is_named_in_the_error(db: Database, call: Any) -> None:
    with db.write() as s, pytest.raises(NotFound, match=r"^message 999$"):
        call(MessageRepo(s))


def test_when_the_group_fails_each_item_is_written_alone_with_a_writer(db: Database) -> None:
    def one(w: EvidenceWriter, dm_id: str) -> int:
        if dm_id == "bad":
            raise ValueError("this item's data is wrong")
        return w.record_listed(1, Direction.RECEIVED, _env(dm_id)).id

    out = write_grouped(db, ["7001", "bad", "7002"], one)
    assert isinstance(out[1], ValueError)
    assert all(isinstance(x, int) for x in (out[0], out[2])) and out[0] != out[2]
    assert _one(db, "SELECT count(*) FROM messages") == (2,)


def test_a_copy_kept_aside_keeps_its_content_digest_and_belongs_to_its_message(
        db: Database) -> None:
    """``keep_copy``: the content digest (what tells the same signed content under other
    bytes) is stored with the copy, and "once" is per message: the same bytes kept for
    another message are that message's copy."""
    from dso_desktop.store import evidence as evd

    first, second = _listed_id(db, _env("7001")), _listed_id(db, _env("7002"))
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.keep_copy(first, evd.MESSAGE, b"same bytes", "c" * 64, "valid", None,
                              evd.REASON_CONFLICT)
        assert repo.keep_copy(second, evd.MESSAGE, b"same bytes", "d" * 64, "valid", None,
                              evd.REASON_CONFLICT)
        assert not repo.keep_copy(second, evd.MESSAGE, b"same bytes", None, None, None,
                                  evd.REASON_DISPLACED)
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT message_id, content_sha256, verdict FROM "
                              "evidence_copies ORDER BY message_id")).all()
    assert [tuple(r) for r in rows] == [(first, "c" * 64, "valid"),
                                        (second, "d" * 64, "valid")]


def test_a_delivery_info_kept_aside_keeps_its_content_digest(db: Database) -> None:
    """``place_delivery_info``: the displaced copy (an untrusted one replaced by a trusted
    one) and the conflicting copy (an untrusted one beside a trusted one) keep the digest
    of their signed content."""
    mid = _listed_id(db, _env("7001"))
    with db.write() as s:
        repo = MessageRepo(s)
        repo.place_delivery_info(mid, b"di-untrusted", "untrusted", content_sha256="c0")
        repo.place_delivery_info(mid, b"di-trusted", "valid", content_sha256="c1")
        repo.place_delivery_info(mid, b"di-other", "untrusted", content_sha256="c9")
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT reason, content_sha256 FROM evidence_copies "
                              "ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("displaced", "c0"), ("conflict", "c9")]


def test_a_long_event_text_is_kept_to_500_characters_and_added_once(db: Database) -> None:
    """``add_events``: a description longer than its column is cut to 500 characters, and
    the same event offered again (cut the same way) is recognised, not added twice."""
    from dso_desktop.domain import DeliveryEvent

    mid = _listed_id(db, _env("7001"))
    long_text = "EV5: " + "doručeno " * 80
    ev = DeliveryEvent(at=T0, description=long_text)
    with db.write() as s:
        assert MessageRepo(s).add_events(mid, [ev]) == 1
    with db.write() as s:
        assert MessageRepo(s).add_events(mid, [ev]) == 0
    assert _one(db, "SELECT count(*), max(description) FROM events") == (1, long_text[:500])


# Survivors of seed 20261211 (branch ``survrest4``).

def test_a_verdict_is_not_lowered_below_untrusted_either() -> None:
    """``verdict_rank``: "invalid" and "never verified" say less than "untrusted"; the same
    bytes checked again with such a result keep the untrusted verdict."""
    from dso_desktop.store import evidence as evd

    assert not evd.needs_verdict_refresh("untrusted", "invalid")
    assert not evd.needs_verdict_refresh("untrusted", None)
    assert evd.needs_verdict_refresh("invalid", "untrusted")
    assert evd.needs_verdict_refresh(None, "invalid")


def test_a_long_event_text_is_cut_the_same_on_the_fast_path(db: Database) -> None:
    """``FastWriter.add_events`` stores what the ORM path stores (500 characters), so an
    event written by one path is recognised by the other."""
    from dso_desktop.domain import DeliveryEvent
    from dso_desktop.store.fastwrite import FastWriter

    mid = _listed_id(db, _env("7001"))
    long_text = "EV5: " + "doručeno " * 80
    ev = DeliveryEvent(at=T0, description=long_text)
    with db.write() as s:
        fast = FastWriter(s)
        assert fast.add_events(mid, [ev]) == 1
        fast.close()
    assert _one(db, "SELECT count(*), max(description) FROM events") == (1, long_text[:500])
    with db.write() as s:
        assert MessageRepo(s).add_events(mid, [ev]) == 0


def test_evidence_keeps_the_digest_of_its_signed_content(db: Database) -> None:
    """``attach_zfo`` hands the content digest on; a copy that replaces the evidence (a
    trusted one over an untrusted one from ISDS) brings its own digest."""
    mid = _listed_id(db, _env("7001"))
    untrusted = VerdictInfo("untrusted", T0)
    with db.write() as s:
        assert MessageRepo(s).attach_zfo(mid, b"zfo-untrusted", _env("7001"),
                                         search_text_for(_env("7001"), []), 0, untrusted,
                                         content_sha256="c0" * 32)
    assert _one(db, "SELECT content_sha256 FROM message_zfos") == ("c0" * 32,)
    with db.write() as s:
        assert MessageRepo(s).attach_zfo(mid, b"zfo-trusted", _env("7001"),
                                         search_text_for(_env("7001"), []), 0,
                                         VerdictInfo("valid", T0), content_sha256="c1" * 32)
    assert _one(db, "SELECT content_sha256 FROM message_zfos") == ("c1" * 32,)
    assert _one(db, "SELECT reason, content_sha256 FROM evidence_copies") == (
        "displaced", "c0" * 32)


# Survivors of seed 20261212 (branch ``survstore5``).

def test_the_same_copy_checked_again_takes_a_better_verdict_another_copy_does_not(
        db: Database) -> None:
    """``place_zfo`` on KEEP: the stored bytes offered again with a verdict that says more
    (trust fixed since: "untrusted" -> "valid") take it; a different copy of the same
    signed content (another seal of it) is not the evidence, so its verdict stays its own
    and the evidence keeps the verdict of its own bytes."""
    env = _env("7001")
    mid = _listed_id(db, env)
    search = search_text_for(env, [])
    first = VerdictInfo("untrusted", T0, '{"verdict": "untrusted"}')
    with db.write() as s:
        assert MessageRepo(s).place_zfo(mid, b"zfo-a", env, search, 0, first,
                                        content_sha256="c0" * 32).value == "store"
    later = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    fixed = VerdictInfo("valid", later, '{"verdict": "valid"}')
    with db.write() as s:
        assert MessageRepo(s).place_zfo(mid, b"zfo-a", env, search, 0, fixed,
                                        content_sha256="c0" * 32).value == "keep"
    assert _one(db, "SELECT verdict, verdict_json FROM messages") == (
        "valid", '{"verdict": "valid"}')
    other = VerdictInfo("valid", datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
                        '{"verdict": "valid", "other": "seal"}')
    with db.write() as s:
        assert MessageRepo(s).place_zfo(mid, b"zfo-b", env, search, 0, other,
                                        content_sha256="c0" * 32).value == "keep"
    assert _one(db, "SELECT verdict, verdict_json FROM messages") == (
        "valid", '{"verdict": "valid"}')
    with db.read() as s:
        assert MessageRepo(s).zfo(mid) == (b"zfo-a", sha256_hex(b"zfo-a"))


def test_a_big_zfo_keeps_the_digest_of_its_signed_content(db: Database,
                                                          chunked: list[int]) -> None:
    """The ORM path writes a big ZFO (SQLite: a zeroblob filled a chunk at a time) with
    its content digest, as a small one, so another seal of the same message is recognised
    as the same message later."""
    env = _env("7001")
    mid = _listed_id(db, env)
    data = bytes(range(256)) * 40  # 10,240 bytes: big under the fixture's 1,000
    with db.write() as s:
        assert MessageRepo(s).attach_zfo(mid, data, env, search_text_for(env, []), 0,
                                         VerdictInfo("valid", T0), content_sha256="c2" * 32)
    assert _one(db, "SELECT size, content_sha256 FROM message_zfos") == (len(data), "c2" * 32)
    assert chunked == ([len(data)] if not db.is_postgres else [])


@PATHS
def test_a_zfo_of_exactly_the_big_size_is_written_a_chunk_at_a_time_on_both_paths(
        db: Database, chunked: list[int], batch: bool) -> None:
    """Both write paths agree where "big" starts (``blobs.SQLITE_BIG_BLOB`` itself is big:
    ``blobs.sqlite_big`` says ``>=``): a ZFO of exactly that size goes into SQLite a chunk
    at a time on the fast path too, never bound whole into one statement."""
    from dso_desktop.store import blobs

    env = _env("7001")
    data = b"z" * blobs.SQLITE_BIG_BLOB
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        w.record_listed(1, Direction.RECEIVED, env)
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        placed = w.attach_downloaded(data, env, search_text_for(env, []), 0,
                                     VerdictInfo("valid", T0), (), account_id=1,
                                     direction=Direction.RECEIVED)
    assert placed.action.value == "store"
    with db.read() as s:
        assert MessageRepo(s).zfo(placed.message_id) == (data, sha256_hex(data))
    assert chunked == ([len(data)] if not db.is_postgres else [])


# Survivors of session 14's whole run (branch ``survstore15``).

def test_an_unknown_state_value_leaves_the_later_ones_to_move() -> None:
    """``state_changes``: a value the envelope leaves empty is skipped, not the end of the
    look: a list entry without a status (or without a delivery time) still brings the
    delivery and acceptance times it knows."""
    from dso_desktop.store import evidence as evd

    stored = {"status": 4, "delivered_at": None, "accepted_at": None}
    accepted = datetime(2026, 3, 2, 9, 0)
    assert evd.state_changes(stored, {"status": None, "delivered_at": T0,
                                      "accepted_at": accepted}) == {
        "delivered_at": T0, "accepted_at": accepted}
    assert evd.state_changes(stored, {"status": 6, "delivered_at": None,
                                      "accepted_at": accepted}) == {
        "status": 6, "accepted_at": accepted}


@PATHS
def test_a_conflicting_copy_moves_no_state_and_adds_no_events(urad_sqlite_db: Database,
                                                               batch: bool) -> None:
    """``attach_downloaded`` on a message of the account: a copy kept aside as conflicting
    (another trusted seal of other content) is not the message's: its envelope's newer
    state and its events are not taken (the message is found by its dmID, not recorded
    again from that envelope)."""
    from dso_desktop.domain import DeliveryEvent

    db = urad_sqlite_db
    env = _env("7001", status=4)
    posted = DeliveryEvent(T0, "EV0: Zpráva byla podána")
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        w.record_listed(1, Direction.RECEIVED, env)
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        first = w.attach_downloaded(b"zfo-a", env, search_text_for(env, []), 0,
                                    VerdictInfo("valid", T0), (posted,), account_id=1,
                                    direction=Direction.RECEIVED, content_sha256="c0" * 32)
    assert first.action.value == "store"
    later = _env("7001", status=6, accepted_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    forged = DeliveryEvent(datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                           "EV4: Zpráva byla doručena přihlášením")
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        other = w.attach_downloaded(b"zfo-b", later, search_text_for(later, []), 0,
                                    VerdictInfo("valid", T0), (posted, forged),
                                    account_id=1, direction=Direction.RECEIVED,
                                    content_sha256="c9" * 32)
    assert (other.action.value, other.message_id) == ("conflict", first.message_id)
    assert _one(urad_sqlite_db, "SELECT status, accepted_at FROM messages") == (4, None)
    assert _one(urad_sqlite_db, "SELECT count(*), max(description) FROM events") == (
        1, posted.description)
    assert _one(urad_sqlite_db, "SELECT reason FROM evidence_copies") == ("conflict",)


def test_an_item_the_plain_path_fails_on_is_written_alone_by_the_orm(
        urad_sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """``write_grouped``'s retry of an item alone goes through the ORM only: whatever made
    the plain-statement path fail the group cannot fail the item again."""
    from dso_desktop.store.fastwrite import FastWriter

    def broken(*_args: Any, **_kw: Any) -> Any:
        raise RuntimeError("the plain-statement path failed")

    monkeypatch.setattr(FastWriter, "upsert_listed_many", broken)
    out = write_grouped(urad_sqlite_db, ["7001", "7002"], lambda w, dm_id: w.record_listed(
        1, Direction.RECEIVED, _env(dm_id)).created)
    assert out == [True, True]
    assert _one(urad_sqlite_db, "SELECT count(*) FROM messages") == (2,)


def test_a_writer_closed_inside_its_block_is_closed_once(urad_sqlite_db: Database) -> None:
    """`EvidenceWriter.close` before the end of the ``with`` block: the block's end closes
    nothing a second time (the plain-statement writer's cursor is released once)."""
    with urad_sqlite_db.write() as s, EvidenceWriter(s) as w:
        w.record_listed(1, Direction.RECEIVED, _env("7001"))
        w.close()
    assert _one(urad_sqlite_db, "SELECT count(*) FROM messages") == (1,)


def test_a_delivery_info_stored_unverified_is_recognised_on_the_fast_path(
        urad_sqlite_db: Database) -> None:
    """A stored delivery info without a verdict (never verified: the column allows it, the
    write API takes ``None``) is still the message's delivery info for the plain-statement
    path: the same bytes again are the same copy (KEEP), checked now they take the verdict,
    and no second row is tried."""
    db = urad_sqlite_db
    env = _env("7001", status=5)
    mid = _listed_id(db, env)
    with db.write() as s, EvidenceWriter(s, batch=False) as w:
        assert w.keep_delivery_info(mid, b"di-7001", env, (), None).value == "store"
    with db.write() as s, EvidenceWriter(s) as w:
        assert w.keep_delivery_info(mid, b"di-7001", env, (), None).value == "keep"
    with db.write() as s, EvidenceWriter(s) as w:
        assert w.keep_delivery_info(mid, b"di-7001", env, (), "valid").value == "keep"
    assert _one(db, "SELECT count(*), max(verdict) FROM delivery_infos") == (1, "valid")
