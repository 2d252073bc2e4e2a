"""What a sync still has to fetch: `MessageRepo.pending` (branch ``mutants3``: mutants that
dropped its account filter, its "not downloaded" condition or the big-message flag
survived the 44 tests that reach it, none of which had a second account, a downloaded
trusted message beside a listed one, or a big message)."""

# ruff: noqa: F811 - the fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from sqlalchemy import update
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import Direction, Envelope
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import Message
from dso_desktop.store.repos import AccountRepo


def _listed(db: Database, account: int, dm_id: str, direction: Direction = Direction.RECEIVED,
            **columns: object) -> int:
    env = Envelope(message_id=dm_id, sender_box_id="abc1234", recipient_box_id="xyz9876",
                   subject=f"zpráva {dm_id}", status=4)
    with db.write() as s:
        mid = MessageRepo(s).upsert_envelope(account, direction, env).id
        if columns:  # the state a download or a check leaves
            s.execute(update(Message).where(Message.id == mid).values(**columns))
    return mid


def test_pending_is_what_this_account_has_not_downloaded_or_holds_untrusted(
        db: Database) -> None:
    with db.write() as s:
        other = AccountRepo(s).add("jiny", environment="test", login_method="password",
                                   username="j").id
    todo = _listed(db, 1, "1")
    big = _listed(db, 1, "2", big_message=True)
    _listed(db, 1, "3", downloaded=True, verdict="valid")  # done: trusted evidence
    untrusted = _listed(db, 1, "4", downloaded=True, verdict="untrusted")
    _listed(db, 1, "5", status=9)  # ISDS deleted the content: cannot be fetched
    _listed(db, 1, "6", Direction.SENT)  # the other direction
    _listed(db, other, "7")  # another account's
    with db.read() as s:
        pending = MessageRepo(s).pending(1, Direction.RECEIVED)
    assert pending == [(todo, "1", False), (big, "2", True), (untrusted, "4", False)]


def test_missing_delivery_infos_are_this_accounts_downloaded_messages_without_a_current_one(
        db: Database) -> None:
    """`MessageRepo.missing_delivery_infos`: downloaded messages of this account with no
    delivery info, one stored before the message's state last moved, or an untrusted one
    (mutants that dropped the account or the "downloaded" condition, or the join's
    condition, survived: no test had a second account or a message with a current one)."""
    from datetime import UTC, datetime, timedelta

    from dso_desktop.store.models import DeliveryInfo

    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).replace(tzinfo=None)
    with db.write() as s:
        other = AccountRepo(s).add("jiny", environment="test", login_method="password",
                                   username="j").id
    done = dict(downloaded=True, verdict="valid", updated_at=t0)
    none_yet = _listed(db, 1, "1", **done)
    current = _listed(db, 1, "2", **done)
    stale = _listed(db, 1, "3", **done)
    untrusted = _listed(db, 1, "4", **done)
    _listed(db, 1, "5", updated_at=t0)  # not downloaded: its delivery info comes with it
    _listed(db, other, "6", **done)  # another account's
    with db.write() as s:
        for mid, at, verdict in ((current, t0 + timedelta(hours=1), "valid"),
                                 (stale, t0 - timedelta(hours=1), "valid"),
                                 (untrusted, t0 + timedelta(hours=1), "untrusted")):
            s.add(DeliveryInfo(message_id=mid, sha256="0" * 64, size=1, data=b"x",
                               verdict=verdict, stored_at=at, content_sha256=None))
    with db.read() as s:
        missing = MessageRepo(s).missing_delivery_infos(1)
    assert missing == [(none_yet, "1"), (stale, "3"), (untrusted, "4")]
