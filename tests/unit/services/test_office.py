"""Several computers on one archive: activity records, the office-wide sync lock, change
notifications (PostgreSQL), and the same services on SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from dso_desktop.domain import Direction, Envelope
from dso_desktop.services.messages import MessageService, TagService
from dso_desktop.services.office import ChangeListener
from dso_desktop.store.activity import local_actor
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.lock import DatabaseLock, LockBusy

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(store_url: str) -> Iterator[Database]:
    d = Database.open_url(store_url)
    yield d
    d.close()


def _message(db: Database, dm_id: str = "7001") -> int:
    with db.write() as s:
        acc_id = AccountRepo(s).add("urad", environment="test", login_method="password",
                                    username="u").id
        return MessageRepo(s).upsert_envelope(acc_id, Direction.RECEIVED, Envelope(
            message_id=dm_id, subject="Výzva", delivered_at=T0)).id


def test_who_read_tagged_and_annotated_is_recorded(db: Database) -> None:
    mid = _message(db)
    messages, tags = MessageService(db, lambda account_id=None: None), TagService(db)
    tag = tags.create("Vyřídit", "#ff0000")
    messages.mark_read(mid)
    messages.mark_read(mid)  # no change: not recorded again
    tags.assign(mid, tag.id)
    tags.assign(mid, tag.id)
    messages.set_note(mid, "Předáno odboru")
    tags.unassign(mid, tag.id)
    messages.mark_read(mid, False)
    history = messages.activity(mid)
    assert [(h.action, h.detail) for h in history] == [
        ("read", None), ("tag", "Vyřídit"), ("note", None), ("untag", "Vyřídit"),
        ("unread", None)]
    assert all(h.actor.startswith(local_actor()) for h in history)
    if db.is_postgres:  # the database role the change was made with
        assert all(h.actor.endswith("(dso_admin)") for h in history)
    assert all(h.at.tzinfo is not None for h in history)
    with db.read() as s:
        assert MessageRepo(s).detail(mid).row.is_read is False


def test_one_sync_lock_per_account_across_computers(pg_url: str) -> None:
    """Two computers (two engines): the second is refused while the first holds the
    account's lock; when the first one's connection dies, the server frees the lock."""
    first, second = Database.open_url(pg_url), Database.open_url(pg_url)
    try:
        held = DatabaseLock(first, 7)
        held.acquire()
        with pytest.raises(LockBusy):
            DatabaseLock(second, 7).acquire()
        other_account = DatabaseLock(second, 8)
        other_account.acquire()  # another account is independent
        other_account.release()
        with second.engine.connect() as c:  # the first computer crashes / loses network
            c.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND objid = 7 AND pid <> pg_backend_pid()")
        again = DatabaseLock(second, 7)
        for _ in range(50):  # the backend goes away asynchronously
            try:
                again.acquire()
                break
            except LockBusy:
                threading.Event().wait(0.1)
        else:
            pytest.fail("the dead connection's lock was not released")
        again.release()
        held.release()  # its connection is dead: releasing is harmless
    finally:
        first.close()
        second.close()


def test_another_computer_hears_of_changes_within_seconds(pg_url: str) -> None:
    here, there = Database.open_url(pg_url), Database.open_url(pg_url)
    heard: list[str] = []
    got = threading.Event()

    def on_change(payload: str) -> None:
        heard.append(payload)
        got.set()

    listener = ChangeListener(there, on_change, poll=0.1).start()
    try:
        assert listener.listening.wait(10)
        mid = _message(here)
        MessageService(here, lambda account_id=None: None).mark_read(mid)
        assert got.wait(5), "no notification within 5 s"
        assert heard == [f"read:{mid}"]
        got.clear()
        here.notify("dso_changes", "sync:urad")
        assert got.wait(5) and heard[-1] == "sync:urad"
    finally:
        listener.stop()
        here.close()
        there.close()


def test_the_listener_does_nothing_on_sqlite(tmp_path: object) -> None:
    db = Database.open_url(f"sqlite:///{tmp_path}/a.sqlite3")
    try:
        listener = ChangeListener(db, lambda p: None).start()
        assert not listener.enabled and not listener.listening.is_set()
        listener.stop()
        db.notify("dso_changes", "x")  # a no-op, no error
        with pytest.raises(Exception, match="PostgreSQL"):
            db.try_advisory_lock(1, 1)
    finally:
        db.close()


def test_one_sender_per_account_across_computers(pg_url: str, tmp_path: object) -> None:
    """The outbox's send lock (exactly-once sending) holds across PCs: each PC has its
    own data folder, so only the database can refuse the second one."""
    from pathlib import Path

    from dso_desktop.app import App
    from dso_desktop.domain import LoginMethod
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.outbox import OutboxBusy
    from dso_desktop.services.types import AccountSpec

    base = Path(str(tmp_path))
    pc1 = App.open(AppPaths.default(base / "pc1"), offline=True, store_url=pg_url)
    pc2 = App.open(AppPaths.default(base / "pc2"), offline=True, store_url=pg_url)
    try:
        pc1.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, "u", "test"))
        with pc1.outbox.lock("urad"), pytest.raises(OutboxBusy, match="another computer"):
            pc2.outbox.lock("urad")
        with pc2.outbox.lock("urad"):  # released with the first sender
            pass
    finally:
        pc1.close()
        pc2.close()


def test_a_batch_of_entries_asks_the_database_role_once(db: Database) -> None:
    from sqlalchemy import event

    from dso_desktop.store.activity import REVERIFIED, ActivityRepo

    ids = [_message(db)]
    with db.write() as s:
        acc_id = AccountRepo(s).get("urad").id
        ids += [MessageRepo(s).upsert_envelope(acc_id, Direction.RECEIVED, Envelope(
            message_id=f"71{i:02d}", subject="Výzva", delivered_at=T0)).id for i in range(4)]
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.write() as s:
            repo = ActivityRepo(s)
            for mid in ids:
                repo.record(mid, REVERIFIED, "INVALID -> VALID")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    asks = [st for st in statements if "current_user" in st]
    assert len(asks) == (1 if db.is_postgres else 0)
    history = [MessageService(db, lambda account_id=None: None).activity(mid) for mid in ids]
    assert [[(h.action, h.detail) for h in entries] for entries in history] == [
        [(REVERIFIED, "INVALID -> VALID")]] * len(ids)
    if db.is_postgres:
        assert all(entries[0].actor.endswith("(dso_admin)") for entries in history)
