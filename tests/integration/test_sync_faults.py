"""Every simulator fault mode leaves the archive consistent, is reported, and a later sync
completes with nothing lost and nothing duplicated."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.models import Message, MessageZfo
from dso_desktop.sync.engine import RetryPolicy
from dso_desktop.sync.events import SyncCancelled, SyncError, SyncProgress

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
CLIENT = {"max_retries": 1, "backoff_base": 0.01, "timeouts": (5.0, 5.0)}


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=21, messages=14)  # more than the ingest backlog, so a cancel lands mid-way
    s.start()
    yield s
    s.stop()


@pytest.fixture
def app(sim: Any, tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, retry=FAST_RETRY,
                 client_options=CLIENT)
    acc = sim.account("password")
    a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                               ca_file=Path(sim.info.ca_file)),
                   password=acc.password, save_password=True)
    yield a
    sim.faults.clear()
    a.close()


def expected_ids(sim: Any) -> set[tuple[str, str]]:
    box = sim.account("password").box_id
    return {("received", d) for d in sim.world.received[box]} | {
        ("sent", d) for d in sim.world.sent[box]}


def assert_consistent(app: App) -> set[tuple[str, str]]:
    """No duplicates, every downloaded message has exactly its ZFO, SQLite is sound."""
    assert app.db.integrity_check() == []
    with app.db.read() as s:
        rows = s.execute(select(Message.direction, Message.dm_id, Message.downloaded)).all()
        dup = s.execute(select(Message.dm_id, func.count()).group_by(
            Message.account_id, Message.direction, Message.dm_id).having(func.count() > 1)).all()
        zfos = s.scalar(select(func.count()).select_from(MessageZfo))
    assert dup == []
    assert zfos == sum(1 for r in rows if r.downloaded)
    return {(r.direction, r.dm_id) for r in rows if r.downloaded}


def complete(app: App, sim: Any) -> None:
    sim.faults.clear()
    summary = app.sync.sync_account("urad", accept_delivery=True)
    assert summary.failed == []
    assert assert_consistent(app) == expected_ids(sim)


@pytest.mark.parametrize("mode", ["maintenance", "3008", "3009", "reset", "truncated"])
def test_transient_faults_are_retried(app: App, sim: Any, mode: str) -> None:
    sim.faults.inject("SignedMessageDownload", mode, times=1)
    summary = app.sync.sync_account("urad", accept_delivery=True)
    assert summary.failed == []
    assert assert_consistent(app) == expected_ids(sim)


def test_a_broken_answer_fails_that_message_only(app: App, sim: Any) -> None:
    sim.faults.inject("SignedMessageDownload", "malformed", times=1)
    try:
        summary = app.sync.sync_account("urad", accept_delivery=True)
        failed = summary.failed
    except SyncError as exc:  # a transport-level break stops the run; that is reported too
        assert exc.summary is not None
        failed = exc.summary.failed
    assert len(failed) == 1 and failed[0].dm_id and failed[0].reason
    have = assert_consistent(app)
    assert len(have) < len(expected_ids(sim))
    complete(app, sim)


@pytest.mark.parametrize("mode", ["maintenance", "malformed"])
def test_a_list_that_keeps_failing_stops_the_sync(app: App, sim: Any, mode: str) -> None:
    sim.faults.inject("GetListOfReceivedMessages", mode)
    with pytest.raises(Exception) as info:
        app.sync.sync_account("urad", accept_delivery=True)
    assert str(info.value)
    assert_consistent(app)
    complete(app, sim)


def test_slow_and_restricted_answers_still_complete(app: App, sim: Any) -> None:
    sim.faults.inject(None, "slow", times=3, delay=0.2)
    sim.faults.inject(None, "restricted", times=3, delay=0.2)
    summary = app.sync.sync_account("urad", accept_delivery=True)
    assert summary.failed == []
    assert assert_consistent(app) == expected_ids(sim)


def test_no_timestamp_is_stored_with_its_verdict(app: App, sim: Any) -> None:
    sim.faults.inject("SignedMessageDownload", "no-timestamp")
    summary = app.sync.sync_account("urad", accept_delivery=True)
    assert summary.failed == []
    have = assert_consistent(app)
    assert have == expected_ids(sim)
    rows = app.messages.rows(app.messages.ids())
    assert all(r.verdict for r in rows)


def test_cancel_then_resume(app: App, sim: Any) -> None:
    # Downloads take a moment, as on a real line: the request thread cannot finish every
    # download before the cancel (set after the second stored message) is seen -- on a busy
    # machine it otherwise could, and then there would be nothing left to resume.
    for op in ("SignedMessageDownload", "SignedSentMessageDownload"):
        sim.faults.inject(op, "slow", delay=0.3)
    cancel = threading.Event()
    seen: list[SyncProgress] = []

    def progress(p: SyncProgress) -> None:
        seen.append(p)
        if p.phase == "download" and p.done >= 2:
            cancel.set()

    with pytest.raises(SyncCancelled) as info:
        app.sync.sync_account("urad", accept_delivery=True, progress=progress, cancel=cancel)
    assert info.value.summary is not None and info.value.summary.cancelled
    partial = assert_consistent(app)
    assert 2 <= len(partial) < len(expected_ids(sim))
    assert any(p.phase == "list-received" for p in seen)
    assert any(p.phase == "download" and p.total > 0 and p.bytes > 0 for p in seen)
    sim.faults.clear()
    complete(app, sim)


def test_one_sync_per_account_at_a_time(app: App, sim: Any) -> None:
    from dso_desktop.sync.events import SyncBusy

    started = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def progress(p: SyncProgress) -> None:
        if p.phase == "login":
            started.set()
            release.wait(10)

    t = threading.Thread(target=lambda: app.sync.sync_account(
        "urad", accept_delivery=True, progress=progress))
    t.start()
    try:
        assert started.wait(10)
        try:
            app.sync.sync_account("urad", accept_delivery=True)
        except SyncBusy as exc:
            errors.append(exc)
    finally:
        release.set()
        t.join(30)
    assert len(errors) == 1
    assert assert_consistent(app) == expected_ids(sim)
