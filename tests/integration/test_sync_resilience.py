"""Busy servers and full disks, against the simulator.

* Throttling (3008, 3009), maintenance (HTTP 503) and timeouts are retried by the ISDS client
  alone: at most 6 requests of one operation, then that account's sync stops and says when to
  try again; the other accounts of the run go on. A send is never repeated after a timeout.
* A store write that fails (the disk is full) stops the sync at once: no download request
  after the failed commit, one clear message, and the next sync completes with every message
  once and a clean `dso check`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.models import Message, MessageZfo
from dso_desktop.store.timeutil import utcnow
from dso_desktop.sync.events import SyncProgress, SyncRetryLater, SyncStoreFailed

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

LISTING = "GetListOfSentMessages"  # the first listing of every sync
DOWNLOADS = ("SignedMessageDownload", "SignedSentMessageDownload", "GetSignedDeliveryInfo")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=33, messages=12)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def requests_seen(sim: Any, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every SOAP request that reaches the simulator, by operation (each one is matched
    against the injected faults exactly once, faulted or not)."""
    seen: Counter[str] = Counter()
    match = sim.faults.match

    def counting(operation: str, *args: Any, **kw: Any) -> Any:
        seen[operation] += 1
        return match(operation, *args, **kw)

    monkeypatch.setattr(sim.faults, "match", counting)
    return seen


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def app(sim: Any, tmp_path: Path, sleeps: list[float]) -> Iterator[App]:
    # The default retry policy (6 attempts, 1-2-4-8-16 s), with pauses that take no time.
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                 client_options={"sleep": sleeps.append, "timeouts": (5.0, 5.0)})
    add(a, sim, "urad", sim.account("password"))
    yield a
    sim.faults.clear()
    a.close()


def add(app: App, sim: Any, name: str, acc: Any) -> None:
    app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, acc.username, sim.url,
                                 ca_file=Path(sim.info.ca_file)),
                     password=acc.password, save_password=True)


def expected_ids(sim: Any, box: str) -> set[tuple[str, str]]:
    return {("received", d) for d in sim.world.received[box]} | {
        ("sent", d) for d in sim.world.sent[box]}


def archived(app: App) -> set[tuple[str, str]]:
    """What the archive holds (downloaded), after checking nothing is there twice."""
    with app.db.read() as s:
        rows = s.execute(select(Message.direction, Message.dm_id, Message.downloaded)).all()
        dup = s.execute(select(Message.dm_id, func.count()).group_by(
            Message.account_id, Message.direction, Message.dm_id).having(func.count() > 1)).all()
        zfos = s.scalar(select(func.count()).select_from(MessageZfo))
    assert dup == []
    assert zfos == sum(1 for r in rows if r.downloaded)
    return {(r.direction, r.dm_id) for r in rows if r.downloaded}


def assert_complete_and_clean(app: App, sim: Any) -> None:
    assert archived(app) == expected_ids(sim, sim.account("password").box_id)
    report = app.integrity.check()  # what `dso check` runs
    assert report.database_ok and report.problems == () and report.clean


# -- busy servers ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["3008", "3009", "maintenance"])
def test_a_throttled_listing_makes_at_most_six_requests_then_the_account_stops(
        app: App, sim: Any, requests_seen: Counter[str], sleeps: list[float],
        mode: str) -> None:
    sim.faults.inject(LISTING, mode)
    before = utcnow()
    with pytest.raises(SyncRetryLater) as info:
        app.sync.sync_account("urad", accept_delivery=True)
    assert requests_seen[LISTING] == 6  # was 25: 5 in the client times 5 in the engine
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    err = info.value
    assert err.reason == ("maintenance" if mode == "maintenance" else "throttled")
    assert err.code == ("503" if mode == "maintenance" else mode) and err.attempts == 6
    # When to try again: after the back-off that would come next, to the whole minute.
    assert before + timedelta(minutes=1) <= err.retry_at <= utcnow() + timedelta(minutes=2)
    assert err.retry_at.astimezone().strftime("%H:%M") in str(err)
    assert "try again after" in str(err) and err.summary is not None
    assert not any(requests_seen[op] for op in DOWNLOADS)
    sim.faults.clear()
    app.sync.sync_account("urad", accept_delivery=True)  # the next sync completes
    assert_complete_and_clean(app, sim)


@pytest.mark.parametrize("mode", ["3008", "3009", "maintenance"])
def test_a_fault_that_clears_after_two_attempts_costs_three_requests(
        app: App, sim: Any, requests_seen: Counter[str], sleeps: list[float],
        mode: str) -> None:
    sim.faults.inject(LISTING, mode, times=2)
    summary = app.sync.sync_account("urad", accept_delivery=True)
    assert summary.failed == []
    # The sent list is asked for in as many windows as the received list; the first
    # window took three requests.
    windows = requests_seen["GetListOfReceivedMessages"]
    assert windows >= 1 and requests_seen[LISTING] == windows + 2
    assert sleeps == [1.0, 2.0]
    assert_complete_and_clean(app, sim)


def test_a_slow_download_is_retried_by_the_client_only(
        sim: Any, tmp_path: Path, requests_seen: Counter[str]) -> None:
    """A download that times out twice is sent a third time and the sync completes (a
    timeout is retried for idempotent operations)."""
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                 client_options={"sleep": lambda _s: None, "timeouts": (5.0, 0.3)})
    try:
        add(a, sim, "urad", sim.account("password"))
        sim.faults.inject("SignedMessageDownload", "slow", times=2, delay=0.8)
        summary = a.sync.sync_account("urad", accept_delivery=True)
        assert summary.failed == []
        received = len(sim.world.received[sim.account("password").box_id])
        assert requests_seen["SignedMessageDownload"] == received + 2
        assert_complete_and_clean(a, sim)
    finally:
        sim.faults.clear()
        a.close()


def test_a_second_account_still_syncs_when_the_first_is_throttled(
        app: App, sim: Any, requests_seen: Counter[str]) -> None:
    other = sim.account("password", box_type="PO")
    add(app, sim, "firma", other)
    # Six throttled answers: all for the first account (the run goes one account at a time
    # here, so which account gets them is certain).
    sim.faults.inject(LISTING, "3009", times=6)
    results = app.sync.sync_many(["urad", "firma"], accept_delivery=True, max_parallel=1)
    urad, firma = results["urad"], results["firma"]
    assert isinstance(urad, SyncRetryLater) and urad.attempts == 6
    assert not isinstance(firma, BaseException) and firma.failed == []
    assert sim.faults.active() == []  # all six went to the first account
    assert requests_seen[LISTING] > 6  # and the second listed afterwards
    assert firma.received_synced  # the second account's run went to its end
    assert app.accounts.get("firma").last_sync_at is not None
    assert app.accounts.get("urad").last_sync_at is None


def test_create_message_under_a_timeout_is_sent_exactly_once(
        sim: Any, requests_seen: Counter[str]) -> None:
    """The request may have reached ISDS (here it did: the simulator created the message and
    only its answer is late), so the client must not send it again."""
    from dso_desktop.domain import AttachmentRole
    from dso_desktop.isds.client import IsdsClient
    from dso_desktop.isds.endpoints import Environment
    from dso_desktop.isds.errors import TimeoutError_
    from dso_desktop.isds.models import Credentials, OutgoingFile, OutgoingMessage

    sender, recipient = sim.account("password"), sim.account("password", box_type="PO")
    sleeps: list[float] = []
    client = IsdsClient(Environment.custom(sim.url), LoginMethod.PASSWORD,
                        Credentials(sender.username, sender.password),
                        ca_file=Path(sim.info.ca_file), timeouts=(5.0, 0.3),
                        sleep=sleeps.append)
    subject = "Jen jednou " + utcnow().isoformat()
    with client:
        client.login()
        sim.faults.inject("CreateMessage", "slow", delay=1.0)
        try:
            with pytest.raises(TimeoutError_) as info:
                client.create_message(
                    OutgoingMessage(recipient_box_id=recipient.box_id, subject=subject),
                    [OutgoingFile("dopis.txt", b"dobry den", "text/plain",
                                  AttachmentRole.MAIN)])
        finally:
            sim.faults.clear()
    assert requests_seen["CreateMessage"] == 1 and sleeps == []
    assert info.value.attempts == 1
    with sim.world.lock:
        arrived = [m for m in sim.world.messages.values() if m.annotation == subject]
    assert len(arrived) == 1 and arrived[0].recipient_id == recipient.box_id


# -- full disks -------------------------------------------------------------------------------

# How the archive stops being writable: the disk is full (SQLite fails the write with
# SQLITE_FULL once the file may not grow: ``max_page_count`` = its size now), or the
# database is read-only (SQLITE_READONLY; a read-only file cannot be staged here, as the
# tests may run as root).
STORE_FAULTS = {
    "disk-full": "PRAGMA max_page_count = 1",
    "read-only": "PRAGMA query_only = 1",
}


class DiskFiller:
    """Makes every write transaction of the archive fail once switched on."""

    def __init__(self, app: App, pragma: str, hold: float = 0.0) -> None:
        self.app = app
        self.on = threading.Event()
        self.pragma = pragma
        self.hold = hold
        event.listen(app.db.engine, "begin", self._begin)

    def _begin(self, conn: Any) -> None:
        if self.on.is_set():
            if self.hold:
                # Let the request the sync sent a moment ago reach the simulator first, so
                # that "after the failure" is measured from a settled point.
                threading.Event().wait(self.hold)
            conn.exec_driver_sql(self.pragma)

    def clear(self) -> None:
        self.on.clear()
        event.remove(self.app.db.engine, "begin", self._begin)
        self.app.db.engine.dispose()  # fresh connections: no page limit


@pytest.mark.parametrize("reason", sorted(STORE_FAULTS))
def test_a_failed_write_stops_the_sync_at_once_and_the_next_sync_resumes(
        app: App, sim: Any, requests_seen: Counter[str], monkeypatch: pytest.MonkeyPatch,
        reason: str) -> None:
    from dso_desktop.store import db as db_mod

    filler = DiskFiller(app, STORE_FAULTS[reason], hold=0.2)
    at_failure: list[Counter[str]] = []
    mapper = db_mod.write_failure

    def recording(exc: BaseException) -> Any:
        failure = mapper(exc)
        if failure is not None and not at_failure:
            at_failure.append(Counter(requests_seen))
        return failure

    monkeypatch.setattr(db_mod, "write_failure", recording)

    def progress(p: SyncProgress) -> None:
        if p.phase == "download" and p.done >= 2:
            filler.on.set()

    # Each download answers after 0.5 s: the failed commit happens while the sync waits
    # for the next one, which it must not follow with another.
    sim.faults.inject("SignedMessageDownload", "slow", delay=0.5)
    sim.faults.inject("SignedSentMessageDownload", "slow", delay=0.5)
    with pytest.raises(SyncStoreFailed) as info:
        app.sync.sync_account("urad", accept_delivery=True, progress=progress)
    sim.faults.clear()
    filler.clear()

    err = info.value
    assert err.reason == reason
    assert ("disk is full" if reason == "disk-full" else "read-only") in str(err)
    text = str(err).lower()
    assert "sql" not in text and "insert" not in text and "update" not in text
    assert len(at_failure) == 1
    after = {op: requests_seen[op] - at_failure[0][op] for op in DOWNLOADS}
    assert after == dict.fromkeys(DOWNLOADS, 0)  # nothing downloaded after the failure
    assert requests_seen["MarkMessageAsDownloaded"] == 0
    have = archived(app)
    assert 2 <= len(have) < len(expected_ids(sim, sim.account("password").box_id))
    assert app.integrity.check().database_ok

    summary = app.sync.sync_account("urad", accept_delivery=True)
    assert summary.failed == []
    assert_complete_and_clean(app, sim)


def test_a_download_that_keeps_timing_out_stops_the_account_after_six_requests(
        sim: Any, tmp_path: Path, requests_seen: Counter[str]) -> None:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                 client_options={"sleep": lambda _s: None, "timeouts": (5.0, 0.2)})
    try:
        add(a, sim, "urad", sim.account("password"))
        sim.faults.inject("SignedMessageDownload", "slow", delay=0.6)
        with pytest.raises(SyncRetryLater) as info:
            a.sync.sync_account("urad", accept_delivery=True)
        assert info.value.reason == "timeout" and info.value.attempts == 6
        assert requests_seen["SignedMessageDownload"] == 6  # the first download, 6 times
        assert "did not answer in time" in str(info.value)
        sim.faults.clear()
        assert a.sync.sync_account("urad", accept_delivery=True).failed == []
        assert_complete_and_clean(a, sim)
    finally:
        sim.faults.clear()
        a.close()
