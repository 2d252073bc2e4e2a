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
