"""Survivors of session 15's whole run (branch ``survsynceng15``) in `sync.engine`: the
data box's lock, the first and last progress events, what the first login records, where
each list starts, state changes, downloads and delivery infos, a sync that timed out, and
a retry time in local time."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.sync.test_sync_engine import (
    NOW,
    FakeIsds,
    _envs,
    _job,
    world,  # noqa: F401 - the fixture
)

from dso_desktop.domain import Envelope
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.engine import FUTURE_MARGIN, LIST_OVERLAP
from dso_desktop.sync.events import SyncPhase


def test_the_sync_stores_while_holding_its_data_box(
        db: Database, world: dict[str, Envelope]) -> None:
    """The box lock is taken with the box id learnt at login, before anything is listed,
    and released before the sync ends."""
    client = FakeIsds(_envs(world, 1))
    taken: list[tuple[str, Any, list[str]]] = []

    @contextlib.contextmanager
    def box_lock(box_id: str, environment: Any, check_cancel: Callable[[], None]
                 ) -> Iterator[None]:
        taken.append((box_id, environment, [op for op, _ in client.calls]))
        yield
        taken.append(("released", None, [op for op, _ in client.calls]))

    job = _job(db, client, box_lock=box_lock)
    job.run()
    assert [(b, e) for b, e, _ in taken] == [("abc1234", job.account.environment),
                                           ("released", None)]
    assert "list-sent" not in taken[0][2] and "dl" in taken[1][2]


def test_progress_starts_with_the_login_and_ends_done(
        db: Database, world: dict[str, Envelope]) -> None:
    seen: list[Any] = []
    _job(db, FakeIsds(_envs(world, 1)), progress=seen.append).run()
    assert (seen[0].phase, seen[0].done, seen[0].total) == (SyncPhase("login"), 0, 1)
    assert (seen[-1].phase, seen[-1].done, seen[-1].total) == (SyncPhase("done"), 1, 1)


def test_a_sent_only_sync_does_not_record_a_delivery_confirmation(
        db: Database, world: dict[str, Envelope]) -> None:
    """Listing received messages is delivery by login: a run that did not list them must
    not record that the user confirmed it."""
    _job(db, FakeIsds(_envs(world, 1)), accept=False).run()
    with db.read() as s:
        account = AccountRepo(s).get("urad")
    assert account is not None and account.delivery_confirmed_at is None


def test_the_password_check_is_recorded_with_its_time(
        db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 1))
    _job(db, client).run()
    assert "password" in [op for op, _ in client.calls]
    with db.read() as s:
        account = AccountRepo(s).get("urad")
    assert account is not None and account.password_checked_at == NOW


def test_sent_messages_are_listed_from_where_the_sent_list_ended(
        db: Database, world: dict[str, Envelope]) -> None:
    """Each direction resumes from its own mark: received listed up to an hour ago does
    not move the start of a sent list never run (the look-back)."""
    with db.write() as s:
        AccountRepo(s).update("urad", received_synced_until=NOW - timedelta(hours=1))
    settings = Settings(list_page_size=3)
    client = FakeIsds(_envs(world, 1))
    _job(db, client, settings=settings).run()
    sent_from = [a[0] for op, a in client.calls if op == "list-sent"]
    received_from = [a[0] for op, a in client.calls if op == "list-received"]
    assert sent_from[0] == NOW - timedelta(days=settings.sync_lookback_days)
    assert received_from[0] == NOW - timedelta(hours=1) - LIST_OVERLAP


def test_a_list_marked_up_to_a_day_ahead_still_lists_from_its_overlap(
        db: Database, world: dict[str, Envelope]) -> None:
    """The last sync's clock was a day ahead: the list still runs from its mark less the
    overlap (up to the future margin past now), it is not skipped."""
    ahead = NOW + FUTURE_MARGIN
    with db.write() as s:
        AccountRepo(s).update("urad", sent_synced_until=ahead)
    client = FakeIsds(_envs(world, 1))
    _job(db, client).run()
    assert [a[:2] for op, a in client.calls if op == "list-sent"] == [
        (ahead - LIST_OVERLAP, None)]


def test_each_message_a_state_change_moves_counts_once_as_updated(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.isds.models import StateChange

    client = FakeIsds(_envs(world, 3))
    _job(db, client).run()
    client.state_changes = [StateChange("1", NOW, 5), StateChange("2", NOW, 5)]
    again = _job(db, client).run()
    assert again.updated == 2


def test_a_sent_only_sync_leaves_the_state_of_received_messages_alone(
        db: Database, world: dict[str, Envelope]) -> None:
    """A received message's new state is recorded only by a run that may list received
    messages (delivery by login); a sent-only run skips it."""
    from dso_desktop.isds.models import StateChange
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.records import MessageFilter

    client = FakeIsds(_envs(world, 1))
    _job(db, client).run()
    client.state_changes = [StateChange("1", NOW, 5)]
    again = _job(db, client, accept=False).run()
    assert again.updated == 0
    with db.read() as s:
        repo = MessageRepo(s)
        assert [r.status for r in repo.rows(repo.ids(MessageFilter(dm_id="1")))] == [4]


def test_a_sync_whose_requests_time_out_comes_back_later_saying_so(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.isds.errors import TimeoutError_
    from dso_desktop.sync.events import SyncRetryLater

    client = FakeIsds(_envs(world, 1), fail={"list-received": [TimeoutError_(
        "no answer", operation="GetListOfReceivedMessages")]})
    with pytest.raises(SyncRetryLater) as later:
        _job(db, client).run()
    assert later.value.reason == "timeout"
    assert "ISDS did not answer in time" in str(later.value)


def test_a_retry_time_is_told_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user reads the time on the local clock: 12:00 UTC is 14:00 in Prague in June."""
    import time
    from datetime import UTC, datetime

    from dso_desktop.sync.events import SyncRetryLater

    if not hasattr(time, "tzset"):
        pytest.skip("the local time zone can be switched on POSIX only")
    monkeypatch.setenv("TZ", "Europe/Prague")
    time.tzset()
    try:
        later = SyncRetryLater("urad", "throttled", datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert str(later).endswith("try again after 14:00")


def test_a_delivery_info_bigger_than_a_checking_process_takes_is_checked_here(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.sync.test_engine_survivors import _Process

    from dso_desktop.sync import engine as eng
    from dso_desktop.sync.pipeline import CheckingProcess

    sent: list[bytes] = []
    monkeypatch.setattr(CheckingProcess, "for_items", lambda self, items: _Process(sent))
    monkeypatch.setattr(eng, "PROCESS_MAX_BYTES", len(b"DI:9"))
    s = _job(db, FakeIsds(_envs(world, 2, start=9))).run()  # DI:9 (4 B) and DI:10 (5 B)
    assert s.new == 2 and s.delivery_infos == 2
    assert sent == [b"DI:9"]


def test_every_download_counts_its_bytes_against_the_backlog_bound(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline bounds the memory a backlog holds by the sizes it is given: each
    message and delivery info is submitted with its length."""
    from dso_desktop.sync import engine as eng
    from dso_desktop.sync.pipeline import IngestPipeline

    sizes: list[tuple[bytes, int]] = []

    class Recording(IngestPipeline[Any]):
        def submit(self, item: Any, check: Callable[..., Any], args: tuple[Any, ...], *,
                   size: int = 0, remote: Callable[..., Any] | None = None) -> None:
            sizes.append((item.data, size))
            super().submit(item, check, args, size=size, remote=remote)

    monkeypatch.setattr(eng, "IngestPipeline", Recording)
    s = _job(db, FakeIsds(_envs(world, 2, start=9))).run()
    assert s.new == 2
    assert sorted(sizes) == [(b"DI:10", 5), (b"DI:9", 4), (b"ZFO:10", 6), (b"ZFO:9", 5)]


def test_a_message_listed_as_big_but_served_normally_is_downloaded_normally(
        db: Database, world: dict[str, Envelope]) -> None:
    """The list said big, ISDS answers 1281 (wrong service): the other operation, the
    normal download, is asked for next."""
    import dataclasses

    envs = [dataclasses.replace(e, big_message=True) for e in _envs(world, 1)]
    client = FakeIsds(envs)
    s = _job(db, client).run()
    assert s.new == 1 and s.failed == []
    assert [op for op, _ in client.calls if op.startswith("dl")] == ["dl-big", "dl"]


def test_a_delivery_info_pass_with_two_failed_requests_counts_both(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.isds.errors import StatusError

    client = FakeIsds(_envs(world, 2))
    client.fail["di"] = [StatusError("not now", code="1234") for _ in range(4)]
    seen: list[Any] = []
    s = _job(db, client, progress=seen.append).run()
    assert s.delivery_infos == 0 and len(s.failed) == 4
    passes = [(p.done, p.total) for p in seen if p.phase is SyncPhase("delivery-info")]
    assert passes == [(0, 2), (1, 2), (2, 2)]


def test_every_reason_of_a_delivery_info_that_does_not_verify_is_reported(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.sync.test_sync_engine import FakeParsed, FakeVerdict, _misbehaving

    envs = _envs(world, 1)
    bad = FakeVerdict(kind="invalid", reasons=("hash mismatch", "seal broken"))
    _misbehaving(monkeypatch, {b"DI:1": (FakeParsed(world["1"]), bad)})
    s = _job(db, FakeIsds(envs)).run()
    assert {f.reason for f in s.failed} == {
        "delivery info: the downloaded delivery info does not verify: "
        "hash mismatch; seal broken"}
