"""Survivors of session 14's whole run in `store.messages` (branch ``survzfo15``).

``MessageRepo``'s writing methods, on SQLite (none of these rules depends on the backend):
the horizon of a renewed message, what a replacing copy writes and keeps aside, the verdict
of the same bytes checked again, the delivery infos still wanted, an account's message
beside an imported copy of it, and what `attach_zfo` hands on to `place_zfo`.
"""

# ruff: noqa: F811 - the imported fixtures (archive_helpers, test_big_blobs) are parameters

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.store.test_big_blobs import chunked  # noqa: F401 - the fixture
from tests.unit.store.test_writer_survivors import T0, _env

from dso_desktop.domain import Direction, Envelope, EvidenceVersionKind
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.errors import NotFound
from dso_desktop.store.messages import MessageRepo, search_text_for, sha256_hex
from dso_desktop.store.records import SearchText, VerdictInfo
from dso_desktop.store.versions import EvidenceVersionRepo

SEAL_END = datetime(2031, 1, 1, tzinfo=UTC)
RENEWED_END = datetime(2036, 1, 1, tzinfo=UTC)


ENV = _env()
SEARCH = search_text_for(ENV, [])


def _listed(db: Database, env: Envelope = ENV, account_id: int | None = 1) -> int:
    with db.write() as s:
        return MessageRepo(s).upsert_envelope(account_id, Direction.RECEIVED, env).id


def _one(db: Database, sql: str, **params: Any) -> tuple[Any, ...]:
    with db.engine.connect() as c:
        return tuple(c.execute(text(sql), params).one())


def _place(db: Database, mid: int, data: bytes, verdict: VerdictInfo | None,
           env: Envelope = ENV, **kw: Any) -> evd.Action:
    with db.write() as s:
        return MessageRepo(s).place_zfo(mid, data, env, SEARCH, 0, verdict, **kw)


def _verdict(kind: str, at: datetime = T0, *, json: str | None = None,
             ends: datetime | None = SEAL_END, cause: str | None = "seal-certificate"
             ) -> VerdictInfo:
    return VerdictInfo(kind, at, json, None, ends, cause)


def test_checking_the_original_of_a_renewed_message_again_keeps_its_horizon(
        db: Database) -> None:
    """After an archive timestamp the message's horizon follows that newest version: the
    original's verdict checked again (the same bytes offered again, or `set_verdict`)
    updates the verdict but not the horizon. Without a version it does."""
    mid = _listed(db)
    assert _place(db, mid, b"zfo-a", _verdict("untrusted")) is evd.Action.STORE
    with db.write() as s:
        EvidenceVersionRepo(s).add(
            mid, EvidenceVersionKind.ARCHIVE_TIMESTAMP, b"archive token",
            covers_sha256=sha256_hex(b"zfo-a"), source="test",
            verdict=_verdict("valid", ends=RENEWED_END, cause="archive-timestamp"))
    horizon = "SELECT verdict, evidence_expires, evidence_cause FROM messages"
    renewed = _one(db, horizon)
    assert renewed[2] == "archive-timestamp"
    assert _place(db, mid, b"zfo-a", _verdict("valid")) is evd.Action.KEEP
    assert _one(db, horizon) == ("valid", *renewed[1:])
    with db.write() as s:
        MessageRepo(s).set_verdict(mid, _verdict("expiring"))
    assert _one(db, horizon) == ("expiring", *renewed[1:])
    # A message without versions: its horizon is its verdict's.
    other = _listed(db, _env("7002"))
    with db.write() as s:
        MessageRepo(s).set_verdict(other, _verdict("valid", ends=RENEWED_END,
                                                   cause="timestamp-certificate"))
    assert _one(db, horizon + " WHERE id = :i", i=other) == ("valid", *renewed[1:2],
                                                              "timestamp-certificate")


def test_the_same_copy_checked_again_with_an_equal_verdict_takes_the_new_check(
        db: Database) -> None:
    """An equally good verdict of the same bytes is newer knowledge (the check's time, the
    horizon computed today): it replaces the stored one."""
    mid = _listed(db)
    assert _place(db, mid, b"zfo-a", _verdict("valid", json='{"n": 1}')) is evd.Action.STORE
    later = T0 + timedelta(days=30)
    again = _verdict("expiring", later, json='{"n": 2}', ends=RENEWED_END,
                     cause="timestamp-certificate")
    assert evd.verdict_rank("expiring") == evd.verdict_rank("valid")
    assert _place(db, mid, b"zfo-a", again) is evd.Action.KEEP
    assert _one(db, "SELECT verdict, verdict_json, evidence_cause FROM messages") == (
        "expiring", '{"n": 2}', "timestamp-certificate")


def test_a_trusted_copy_replacing_an_untrusted_one_brings_its_own_state(
        db: Database) -> None:
    """The untrusted copy's word on the state is no knowledge: ISDS's signed status stands
    even where it is earlier than what that copy claimed; the copy kept aside keeps the
    verdict and its detail it had as the evidence."""
    mid = _listed(db, _env(status=2))
    assert _place(db, mid, b"zfo-forged", _verdict("untrusted", json='{"was": "untrusted"}'),
                  env=_env(status=6)) is evd.Action.STORE
    assert _one(db, "SELECT status FROM messages") == (6,)
    assert _place(db, mid, b"zfo-isds", _verdict("valid"), env=_env(status=4)) \
        is evd.Action.REPLACE
    assert _one(db, "SELECT status FROM messages") == (4,)
    assert _one(db, "SELECT sha256, reason, verdict, verdict_json FROM evidence_copies") == (
        sha256_hex(b"zfo-forged"), "displaced", "untrusted", '{"was": "untrusted"}')


def test_a_copy_without_a_verdict_leaves_no_verdict_columns_behind(db: Database) -> None:
    """ISDS's copy that could not be checked replaces an untrusted one: the message has no
    verdict, no horizon and no cause (NULL, as a message never checked)."""
    mid = _listed(db)
    assert _place(db, mid, b"zfo-a", _verdict("untrusted")) is evd.Action.STORE
    assert _place(db, mid, b"zfo-b", None) is evd.Action.REPLACE
    assert _one(db, "SELECT verdict, verdict_json, verified_at, timestamp_expires, "
                    "evidence_expires, evidence_cause FROM messages") == (None,) * 6


def test_a_big_copy_replacing_the_evidence_keeps_its_content_digest(
        db: Database, chunked: list[int]) -> None:
    """On SQLite a big replacing copy is written a chunk at a time; its content digest is
    stored with it as with a small one."""
    mid = _listed(db)
    assert _place(db, mid, b"zfo-a", _verdict("untrusted"), content_sha256="c0" * 32) \
        is evd.Action.STORE
    big = bytes(range(256)) * 8  # 2048 bytes: above the test's 1000-byte threshold
    assert _place(db, mid, big, _verdict("valid"), content_sha256="c1" * 32) \
        is evd.Action.REPLACE
    assert chunked == [len(big)]
    assert _one(db, "SELECT sha256, content_sha256 FROM message_zfos") == (
        sha256_hex(big), "c1" * 32)


def test_an_unknown_message_is_named_when_a_copy_is_offered(db: Database) -> None:
    with db.write() as s, pytest.raises(NotFound, match=r"^message 999$"):
        MessageRepo(s).place_zfo(999, b"zfo", ENV, SEARCH, 0, None)


def test_a_delivery_info_stored_when_the_state_last_moved_is_not_wanted_again(
        db: Database) -> None:
    """A delivery info is fetched again only when the message's state moved on after it
    was stored, not when both happened at the same instant."""
    mid = _listed(db)
    assert _place(db, mid, b"zfo-a", _verdict("valid")) is evd.Action.STORE
    with db.write() as s:
        MessageRepo(s).place_delivery_info(mid, b"di", "valid")
    with db.write() as s:
        s.execute(text("UPDATE delivery_infos SET stored_at = "
                       "(SELECT updated_at FROM messages WHERE id = :m)"), {"m": mid})
    with db.write() as s:
        assert MessageRepo(s).missing_delivery_infos(1) == []
        s.execute(text("UPDATE delivery_infos SET stored_at = :t"),
                  {"t": datetime(2000, 1, 1)})
    with db.write() as s:
        assert MessageRepo(s).missing_delivery_infos(1) == [(mid, ENV.message_id)]


def test_an_accounts_own_message_is_not_swapped_for_an_imported_copy(db: Database) -> None:
    """An imported copy with no account is adopted only when the account has no message
    of that dmID; when it has one, a later sighting updates that one and leaves the
    imported copy as it was."""
    own = _listed(db)
    imported = _listed(db, account_id=None)
    assert imported != own
    with db.write() as s:
        assert MessageRepo(s).upsert_envelope(1, Direction.RECEIVED, _env(status=5)).id == own
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT id, account_id, status FROM messages ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(own, 1, 5), (imported, None, 4)]


def test_attach_zfo_hands_on_where_the_copy_came_from_and_the_old_index_text(
        db: Database) -> None:
    """`attach_zfo` is `place_zfo`'s yes/no: an untrusted file (not from ISDS) is not
    stored, and a replaced copy's words stop finding the message."""
    mid = _listed(db)
    with db.write() as s:
        assert not MessageRepo(s).attach_zfo(mid, b"zfo-file", ENV, SEARCH, 0,
                                             _verdict("untrusted"), from_isds=False)
    assert _one(db, "SELECT count(*) FROM message_zfos") == (0,)
    alfa, beta = SearchText(subject="alfa"), SearchText(subject="beta")

    def found(word: str) -> list[int]:
        with db.engine.connect() as c:
            return list(c.execute(text("SELECT rowid FROM messages_fts WHERE messages_fts "
                                       "MATCH :w"), {"w": word}).scalars())

    with db.write() as s:
        assert MessageRepo(s).attach_zfo(mid, b"zfo-a", ENV, alfa, 0, _verdict("untrusted"))
    assert found("alfa") == [mid]
    with db.write() as s:
        assert MessageRepo(s).attach_zfo(
            mid, b"zfo-b", ENV, beta, 0, _verdict("valid"),
            old_search=lambda data: alfa if data == b"zfo-a" else None)
    assert (found("alfa"), found("beta")) == ([], [mid])
