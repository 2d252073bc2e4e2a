"""Survivors of the mutation run of branch ``mutsurv`` in `sync.engine` and
`sync.events`: a failed delivery-info request in the delivery-info pass, the ISDS
operation named when a sync must come back later, the reasons of a download that does not
verify, and what a sync stopped by the disk says."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture
from tests.unit.sync.test_sync_engine import (
    FakeIsds,
    FakeParsed,
    FakeVerdict,
    _envs,
    _job,
    _misbehaving,
    world,  # noqa: F401 - the fixture
)

from dso_desktop.domain import Envelope
from dso_desktop.isds.errors import StatusError, ThrottledError
from dso_desktop.store.db import Database
from dso_desktop.sync.events import SyncPhase, SyncRetryLater, SyncStoreFailed


def test_a_failed_delivery_info_request_is_reported_and_the_pass_completes(
        db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 2))
    # The first three delivery-info requests fail: both made right after the downloads, and
    # the first of the pass over the missing ones (the second of that pass succeeds).
    client.fail["di"] = [StatusError("not now", code="1234", operation="GetSignedDeliveryInfo")
                         for _ in range(3)]
    seen: list[Any] = []
    s = _job(db, client, progress=seen.append).run()
    assert s.new == 2 and s.delivery_infos == 1
    assert len([a for op, a in client.calls if op == "di"]) == 4
    assert len(s.failed) == 3
    assert all(f.reason.startswith("delivery info: not now") for f in s.failed)
    passes = [p for p in seen if p.phase is SyncPhase("delivery-info")]
    assert passes and passes[-1].done == passes[-1].total
    assert seen[-1].phase is SyncPhase("done")


def test_coming_back_later_names_the_isds_operation(db: Database,
                                                    world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 1), fail={"list-received": [ThrottledError(
        "busy", code="3009", operation="GetListOfReceivedMessages")]})
    with pytest.raises(SyncRetryLater) as later:
        _job(db, client).run()
    assert later.value.operation == "GetListOfReceivedMessages"
    assert later.value.code == "3009" and later.value.reason == "throttled"


def test_every_reason_of_a_download_that_does_not_verify_is_reported(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    envs = _envs(world, 1)
    bad = FakeVerdict(kind="invalid", reasons=("dmHash does not match", "seal broken"))
    _misbehaving(monkeypatch, {b"ZFO:1": (FakeParsed(world["1"]), bad)})
    s = _job(db, FakeIsds(envs)).run()
    assert [f.reason for f in s.failed] == [
        "the downloaded ZFO does not verify: dmHash does not match; seal broken"]


@pytest.mark.parametrize(("reason", "what"), [
    ("disk-full", "the disk is full"),
    ("read-only", "the archive or its folder is read-only or not writable"),
    ("io", "the disk reported a write error"),
])
def test_a_sync_stopped_by_the_disk_says_why(reason: str, what: str) -> None:
    err = SyncStoreFailed("urad", reason)
    assert err.reason == reason and err.account == "urad"
    assert str(err) == (f"sync of 'urad' stopped: the archive cannot be written ({what}); "
                        "nothing more was downloaded. Free disk space or fix the "
                        "permissions, then sync again")


def test_a_first_sync_counts_new_messages_not_updated_ones(
        db: Database, world: dict[str, Envelope]) -> None:
    import dataclasses

    envs = _envs(world, 3)
    s = _job(db, FakeIsds(envs)).run()
    assert (s.new, s.updated) == (3, 0)
    envs[1] = dataclasses.replace(envs[1], status=5)  # one message moved on
    again = _job(db, FakeIsds(envs)).run()
    assert (again.new, again.updated) == (0, 1)


def test_a_store_that_cannot_be_written_stops_the_sync_naming_the_account(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.store.errors import StoreWriteError
    from dso_desktop.sync import engine as eng

    def full(*_a: Any, **_k: Any) -> Any:
        raise StoreWriteError(reason="disk-full")

    monkeypatch.setattr(eng, "store_checked", full)
    with pytest.raises(SyncStoreFailed) as stopped:
        _job(db, FakeIsds(_envs(world, 2))).run()
    assert stopped.value.account == "urad" and stopped.value.reason == "disk-full"
    assert stopped.value.summary is not None and stopped.value.summary.new == 0


def test_every_progress_event_has_a_total(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.settings import Settings

    envs = _envs(world, 3)
    _job(db, FakeIsds(envs)).run()  # the second run also asks for state changes
    seen: list[Any] = []
    # One envelope a page: the pages are asked for one by one (a page size of 1 is kept).
    client = FakeIsds(envs)
    _job(db, client, progress=seen.append, settings=Settings(list_page_size=1)).run()
    assert SyncPhase("state") in {p.phase for p in seen}
    assert all(isinstance(p.total, int) and p.done >= 0 for p in seen), seen
    # A list's length is not known ahead (total 0: "unknown"); every other phase counts
    # up to its total.
    counted = [p for p in seen if not p.phase.value.startswith("list-")]
    assert all(p.done <= p.total for p in counted), counted
    state = [(p.done, p.total) for p in seen if p.phase is SyncPhase("state")]
    assert state == [(0, 1), (1, 1)]
    limits = {a[3] for op, a in client.calls if op == "list-received"}
    assert limits == {1}


# -- survivors of seed 20261208 (branch ``survsync``) -----------------------------------------

def test_isds_own_copy_replacing_an_untrusted_one_counts_as_updated(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """A message whose stored copy is not trusted is fetched again; ISDS's trusted copy
    replaces it, and the sync reports it as updated (not new, and not nothing)."""
    from tests.unit.sync.test_sync_engine import Doc, _evidence

    from dso_desktop.sync import engine as eng

    envs = _envs(world, 1)
    untrusted = FakeVerdict(kind="untrusted", reasons=("unknown CA",))
    honest = _misbehaving(monkeypatch, {b"ZFO:1": (FakeParsed(world["1"]), untrusted)})
    first = _job(db, FakeIsds(envs)).run()
    assert (first.new, first.updated) == (1, 0)
    monkeypatch.setattr(eng, "parse_and_verify", honest)
    client = FakeIsds(envs)
    client.signed_message_download = lambda dm_id: Doc(b"ZFO2:" + dm_id.encode())  # type: ignore[method-assign]
    again = _job(db, client).run()
    assert (again.new, again.updated, again.failed) == (0, 1, [])
    assert _evidence(db) == {"1": b"ZFO2:1"}


def test_a_retry_time_with_seconds_is_rounded_up_to_the_next_whole_minute(
        db: Database, world: dict[str, Envelope]) -> None:
    from datetime import timedelta

    from tests.unit.sync.test_sync_engine import NOW

    from dso_desktop.settings import Settings
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.sync.engine import AccountSync

    busy = ThrottledError("busy", code="3008", operation="GetListOfSentMessages")
    busy.retry_after = 30.0
    client = FakeIsds(_envs(world, 1), fail={"list-sent": [busy]})
    with db.read() as s:
        acc = AccountRepo(s).get("urad")
    odd = NOW + timedelta(seconds=12, microseconds=500)  # 12:00:12.0005
    job = AccountSync(db, None, acc, client, Settings(), accept_delivery=True,
                      now=lambda: odd)
    with pytest.raises(SyncRetryLater) as later:
        job.run()
    # 12:00:12 + the shortest wait (one minute) = 12:01:12, shown as HH:MM: 12:02.
    assert later.value.retry_at == NOW + timedelta(minutes=2)
    assert later.value.attempts == 1


def test_a_retry_later_says_why_when_and_after_how_many_attempts() -> None:
    from datetime import datetime

    at = datetime(2026, 6, 1, 14, 5)  # naive: shown as it is
    plain = SyncRetryLater("urad", "timeout", at)
    assert plain.attempts == 1 and plain.code is None and plain.operation is None
    assert str(plain) == ("sync of 'urad' stopped: ISDS did not answer in time; 1 attempt(s) "
                          "of one request failed; try again after 14:05")
    odd = SyncRetryLater("urad", "overloaded", at, code="3009",
                         operation="GetListOfSentMessages", attempts=6)
    assert str(odd) == ("sync of 'urad' stopped: ISDS did not accept the requests (code 3009); "
                        "6 attempt(s) of GetListOfSentMessages failed; try again after 14:05")


def test_the_json_summary_of_a_sync_names_every_count() -> None:
    from dso_desktop.sync.events import SyncFailure, SyncSummary

    s = SyncSummary(account="urad", received_synced=True, new=2, updated=3, listed=7,
                    downloaded_bytes=4096, delivery_infos=1,
                    failed=[SyncFailure("42", "gone", "", None)], new_ids=[5, 6])
    assert s.to_json() == {
        "account": "urad", "received_synced": True, "new": 2, "updated": 3, "listed": 7,
        "bytes": 4096, "delivery_infos": 1, "failed": [{"dm_id": "42", "reason": "gone"}],
        "cancelled": False}
    assert not s.ok


def test_a_failed_mark_as_downloaded_is_reported_as_such_and_the_message_kept(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.store.repos import AccountRepo

    with db.write() as ses:
        AccountRepo(ses).update("urad", mark_downloaded=True)
    client = FakeIsds(_envs(world, 1), fail={"mark": [StatusError("no", code="1234")]})
    s = _job(db, client).run()
    assert s.new == 1
    assert [(f.dm_id, f.reason, f.part) for f in s.failed] == [
        ("1", "mark as downloaded: no (code 1234)", "mark as downloaded")]


def test_download_progress_counts_each_message_once_and_names_it(
        db: Database, world: dict[str, Envelope]) -> None:
    seen: list[Any] = []
    s = _job(db, FakeIsds(_envs(world, 3)), progress=seen.append).run()
    downloads = [(p.done, p.total, p.message) for p in seen if p.phase is SyncPhase("download")]
    assert downloads == [(0, 3, None), (1, 3, "1"), (2, 3, "2"), (3, 3, "3")]
    # Every byte ISDS sent is counted (three 5-byte fake ZFOs), in the summary and the events.
    assert s.downloaded_bytes == 15 and seen[-1].bytes == 15


def test_a_message_that_fails_is_reported_as_the_message_itself(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.sync.ingest import IngestError

    envs = _envs(world, 1)
    bad = FakeVerdict(kind="invalid", reasons=("seal broken",))
    _misbehaving(monkeypatch, {b"ZFO:1": (FakeParsed(world["1"]), bad)})
    (failure,) = _job(db, FakeIsds(envs)).run().failed
    assert (failure.dm_id, failure.part) == ("1", "")  # "": the message, not a part of it
    assert isinstance(failure.error, IngestError)


def test_a_delivery_info_failing_right_after_its_message_is_reported_even_if_retried_well(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """The delivery info fetched with its message does not verify; the pass over missing
    delivery infos then gets a good one. Both facts are reported: the failure of the first
    (it is not lost because a later request succeeded) and the stored second."""
    envs = _envs(world, 1)
    bad = FakeVerdict(kind="invalid", reasons=("hash mismatch",))
    from dso_desktop.sync import engine as eng

    honest = eng.parse_and_verify
    checks = {"DI:1": 0}

    def once_bad(data: bytes, trust: Any, *, now: Any = None) -> tuple[Any, Any]:
        if data == b"DI:1":
            checks["DI:1"] += 1
            if checks["DI:1"] == 1:
                return FakeParsed(world["1"]), bad
        return honest(data, trust, now=now)

    monkeypatch.setattr(eng, "parse_and_verify", once_bad)
    s = _job(db, FakeIsds(envs)).run()
    assert checks["DI:1"] == 2 and s.delivery_infos == 1
    assert [(f.dm_id, f.reason, f.part) for f in s.failed] == [
        ("1", "delivery info: the downloaded delivery info does not verify: hash mismatch",
         "delivery info")]


def test_state_changes_are_asked_for_from_the_last_sync_to_beyond_now(
        db: Database, world: dict[str, Envelope]) -> None:
    from tests.unit.sync.test_sync_engine import NOW

    from dso_desktop.sync.engine import FUTURE_MARGIN, LIST_OVERLAP

    client = FakeIsds(_envs(world, 1))
    _job(db, client).run()  # the first sync: its lists carry every state
    assert not any(op == "state" for op, _ in client.calls)
    _job(db, client).run()
    assert [a for op, a in client.calls if op == "state"] == [
        (NOW - LIST_OVERLAP, NOW + FUTURE_MARGIN)]


def test_a_definite_failure_during_a_cancel_is_reported_before_the_sync_ends_cancelled(
        db: Database, world: dict[str, Envelope]) -> None:
    """Only an error the client was retrying becomes the cancellation; a definite answer
    (this message is gone) that arrives as the user cancels is still reported."""
    import threading

    from dso_desktop.sync.events import SyncCancelled

    cancel = threading.Event()
    client = FakeIsds(_envs(world, 2))

    def gone(dm_id: str) -> Any:
        client.calls.append(("dl", dm_id))
        cancel.set()
        raise StatusError("gone", code="1234", operation="SignedMessageDownload")

    client.signed_message_download = gone  # type: ignore[method-assign]
    with pytest.raises(SyncCancelled) as stopped:
        _job(db, client, cancel=cancel).run()
    summary = stopped.value.summary
    assert summary is not None and summary.cancelled
    assert [(f.dm_id, f.reason) for f in summary.failed] == [
        ("1", "gone (SignedMessageDownload; code 1234)")]
    assert [a for op, a in client.calls if op == "dl"] == ["1"]


def test_windows_of_one_day_are_one_day_long_and_shorter_ones_too() -> None:
    from datetime import datetime, timedelta

    from dso_desktop.sync.engine import windows

    start = datetime(2026, 6, 1)
    day = timedelta(days=1)
    expected = [(start, start + day), (start + day, start + 2 * day),
                (start + 2 * day, start + 3 * day)]
    assert windows(start, start + 3 * day, 1) == expected
    assert windows(start, start + 3 * day, 0) == expected  # never a window of no time


def test_list_progress_counts_what_was_listed_with_no_total(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.settings import Settings

    seen: list[Any] = []
    _job(db, FakeIsds(_envs(world, 5)), progress=seen.append,
         settings=Settings(list_page_size=3, sync_lookback_days=2, sync_window_days=5)).run()
    lists = [(p.phase.value, p.done, p.total) for p in seen
             if p.phase.value.startswith("list-")]
    # One event a page: how many are listed so far; the total is not known ahead (0).
    assert lists == [("list-sent", 0, 0), ("list-received", 3, 0), ("list-received", 5, 0)]


def test_a_run_counts_a_delivery_info_check_per_message_when_choosing_a_checking_process(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each message brings its delivery info: a run of n messages is 2n checks, and the
    checking process is chosen for that (PROCESS_MIN_ITEMS counts checks, not messages)."""
    from dso_desktop.settings import Settings
    from dso_desktop.sync.pipeline import CheckingProcess

    asked: list[int] = []

    def for_items(self: CheckingProcess, items: int) -> None:
        asked.append(items)  # and check in process: the trust store here is a stand-in

    monkeypatch.setattr(CheckingProcess, "for_items", for_items)
    _job(db, FakeIsds(_envs(world, 3))).run()
    assert asked[0] == 6
    asked.clear()
    _job(db, FakeIsds(_envs(world, 2, start=10)),
         settings=Settings(list_page_size=3, download_delivery_infos=False)).run()
    assert asked == [2]


# Survivors of seed 20261210 (branch ``survrest3``).

def test_the_delivery_info_pass_names_each_message(
        db: Database, world: dict[str, Envelope]) -> None:
    # The first delivery info fails twice (after its message, then in the pass: not
    # stored); the second fails once and is fetched in the pass.
    client = FakeIsds(_envs(world, 2))
    client.fail["di"] = [StatusError("not now", code="1234", operation="GetSignedDeliveryInfo")
                         for _ in range(3)]
    seen: list[Any] = []
    _job(db, client, progress=seen.append).run()
    passes = [(p.done, p.total, p.message) for p in seen
              if p.phase is SyncPhase("delivery-info")]
    assert passes == [(0, 2, None), (1, 2, "1"), (2, 2, "2")]


def test_the_legal_question_carries_what_the_sync_did_so_far(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.sync.engine import decide_received
    from dso_desktop.sync.events import DeliveryConfirmationRequired, SyncSummary

    with db.read() as s:
        account = AccountRepo(s).get("urad")
    assert account is not None and account.delivery_confirmed_at is None
    with pytest.raises(DeliveryConfirmationRequired) as asked:
        decide_received(account, None)
    assert asked.value.summary == SyncSummary(account="urad")
    so_far = SyncSummary(account="urad", new=3)
    with pytest.raises(DeliveryConfirmationRequired) as asked_again:
        decide_received(account, None, so_far)
    assert asked_again.value.summary is so_far


def test_a_sync_of_sent_messages_downloads_no_received_one(
        db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 2))
    client.fail["dl"] = [StatusError("not now", code="1234") for _ in range(2)]
    first = _job(db, client).run()  # received listed (delivery confirmed), not downloaded
    assert first.new == 0 and len(first.failed) == 2
    client.calls.clear()
    _job(db, client, accept=False).run()
    assert not any(op in ("dl", "dl-big", "list-received") for op, _ in client.calls)


def test_releasing_a_database_lock_never_taken_asks_nothing() -> None:
    from dso_desktop.sync.lock import DatabaseLock, LockBusy

    class Db:
        def __init__(self, conn: object) -> None:
            self.conn, self.released = conn, []  # type: list[object]

        def try_advisory_lock(self, kind: int, key: int) -> object:
            return self.conn

        def release_advisory_lock(self, conn: object, kind: int, key: int) -> None:
            self.released.append(conn)

    db = Db(None)
    lock = DatabaseLock(db, 7)
    lock.release()
    with pytest.raises(LockBusy):
        lock.acquire()
    lock.release()
    assert db.released == []
    db.conn = "connection"
    lock.acquire()
    lock.release()
    lock.release()
    assert db.released == ["connection"]


def test_messages_and_delivery_infos_are_checked_in_the_checking_process(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """A run big enough for a checking process sends every ZFO there (a ZFO that crashes
    the checker must not take the sync down): messages with their attachment text,
    delivery infos without."""
    from concurrent.futures import Executor, Future

    from dso_desktop.sync import engine as eng
    from dso_desktop.sync.ingest import check_in_worker, checked_zfo
    from dso_desktop.sync.pipeline import CheckingProcess, check_batch

    sent: list[tuple[object, bytes, bool]] = []

    class Process(Executor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            assert fn is check_batch  # the items travel in batches (sync/pipeline.py)
            (calls,) = args
            results = []
            for check, (data, with_text) in calls:
                sent.append((check, data, with_text))
                results.append((True, checked_zfo(*eng.parse_and_verify(data, None),
                                                  with_text=with_text)))
            fut: Future[Any] = Future()
            fut.set_result(results)
            return fut

    monkeypatch.setattr(CheckingProcess, "for_items", lambda self, items: Process())
    s = _job(db, FakeIsds(_envs(world, 2))).run()
    assert s.new == 2 and s.delivery_infos == 2
    assert sorted((fn is check_in_worker, data, t) for fn, data, t in sent) == [
        (True, b"DI:1", False), (True, b"DI:2", False),
        (True, b"ZFO:1", True), (True, b"ZFO:2", True)]


# Survivors of seed 20261211 (branch ``survrest4``).

def test_failed_downloads_count_in_the_progress_and_keep_their_error(
        db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 2))
    gone = [StatusError("not now", code="1234") for _ in range(2)]
    client.fail["dl"] = list(gone)
    seen: list[Any] = []
    s = _job(db, client, progress=seen.append).run()
    downloads = [(p.done, p.total, p.message) for p in seen
                 if p.phase is SyncPhase("download")]
    assert downloads[-2:] == [(1, 2, "1"), (2, 2, "2")]
    assert [f.error for f in s.failed] == gone  # for the user's line in their language
    assert all(a is b for a, b in zip((f.error for f in s.failed), gone, strict=True))


def test_the_delivery_info_pass_checks_in_the_checking_process_too(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery info fetched by the pass over the missing ones (its first request, right
    after its message, failed) is checked in the checking process like the others."""
    from concurrent.futures import Executor, Future

    from dso_desktop.sync import engine as eng
    from dso_desktop.sync.ingest import checked_zfo
    from dso_desktop.sync.pipeline import CheckingProcess

    sent: list[bytes] = []

    class Process(Executor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            (calls,) = args
            results = []
            for _check, (data, with_text) in calls:
                sent.append(data)
                results.append((True, checked_zfo(*eng.parse_and_verify(data, None),
                                                  with_text=with_text)))
            fut: Future[Any] = Future()
            fut.set_result(results)
            return fut

    monkeypatch.setattr(CheckingProcess, "for_items", lambda self, items: Process())
    client = FakeIsds(_envs(world, 2))
    client.fail["di"] = [StatusError("not now", code="1234", operation="GetSignedDeliveryInfo")]
    s = _job(db, client).run()
    assert s.delivery_infos == 2
    assert sorted(sent) == [b"DI:1", b"DI:2", b"ZFO:1", b"ZFO:2"]


def _sync(db: Database) -> Any:
    from dso_desktop.settings import Settings
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.sync.engine import AccountSync

    with db.read() as s:
        acc = AccountRepo(s).get("urad")
    return AccountSync(db, None, acc, FakeIsds([]), Settings(), accept_delivery=True)


def test_a_cancel_during_the_clients_back_off_cancels_the_sync(db: Database) -> None:
    from dso_desktop.sync.events import SyncCancelled

    job = _sync(db)

    def throttled() -> None:
        job.cancel.set()  # the user cancels while the client waits to send it again
        raise ThrottledError("busy", code="3008", operation="GetListOfSentMessages")

    with pytest.raises(SyncCancelled):
        job.call(throttled)
    assert job.summary.cancelled


def test_a_request_that_fails_for_its_own_reason_reports_it_despite_a_cancel(
        db: Database) -> None:
    """Only an error the client would have retried (``retryable``) turns into the cancel;
    any other (an ISDS refusal, or an error that says nothing of retrying, such as a
    malformed answer) is reported as itself."""
    for refused in (StatusError("no such message", code="1219"),
                    ValueError("malformed answer")):
        job = _sync(db)

        def fails(error: Exception = refused, cancel: Any = job.cancel) -> None:
            cancel.set()
            raise error

        with pytest.raises(type(refused)) as raised:
            job.call(fails)
        assert raised.value is refused and not job.summary.cancelled


# Survivors of seed 20261212 (branch ``survstore5``).

def test_asking_for_the_delivery_confirmation_names_the_law_and_the_way_out(
        db: Database) -> None:
    """The question `dso sync` prints (and --json reports) when received messages were
    never confirmed: which account, why (delivery by login, § 17(3) of Act 300/2008), and
    the two answers."""
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.sync.engine import decide_received
    from dso_desktop.sync.events import DeliveryConfirmationRequired

    with db.read() as s:
        account = AccountRepo(s).get("urad")
    assert account is not None
    with pytest.raises(DeliveryConfirmationRequired) as asked:
        decide_received(account, None)
    assert str(asked.value) == (
        "account 'urad': downloading the list of received messages counts as delivery by "
        "login (§ 17(3) of Act 300/2008); confirm it (--accept-delivery) or sync sent "
        "messages only")


def test_the_first_sync_records_whose_data_box_the_account_logs_into(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.store.repos import AccountRepo

    with db.read() as s:
        before = AccountRepo(s).get("urad")
    assert before is not None and (before.box_id, before.box_type) == (None, None)
    _job(db, FakeIsds(_envs(world, 1))).run()
    with db.read() as s:
        after = AccountRepo(s).get("urad")
    assert after is not None
    assert (after.box_id, after.box_type, after.owner_name) == ("abc1234", "OVM", "Obec Lhota")


def test_every_changed_message_of_a_page_counts_as_updated(
        db: Database, world: dict[str, Envelope]) -> None:
    import dataclasses

    envs = _envs(world, 3)
    _job(db, FakeIsds(envs)).run()
    moved = [dataclasses.replace(e, status=5) for e in envs]  # all three accepted since
    again = _job(db, FakeIsds(moved)).run()
    assert (again.new, again.updated) == (0, 3)


def test_the_summary_counts_every_message_listed_on_every_page(
        db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.settings import Settings

    s = _job(db, FakeIsds(_envs(world, 5), sent=_envs(world, 2, start=50)),
             settings=Settings(list_page_size=2)).run()
    assert s.listed == 7  # pages of 2: sent 2 (+ an empty page), received 2 + 2 + 1
    assert s.to_json()["listed"] == 7


class _Process:
    """A stand-in checking process: checks each ZFO with the test's parser and records
    what it was given, or (``dead``) has ended, as a process that crashed on a ZFO has."""

    def __init__(self, seen: list[bytes] | None, dead: bool = False) -> None:
        self.seen, self.dead = seen, dead

    def submit(self, fn: Any, /, *args: Any) -> Any:
        from concurrent.futures import BrokenExecutor, Future

        from dso_desktop.sync import engine as eng
        from dso_desktop.sync.ingest import checked_zfo
        from dso_desktop.sync.pipeline import check_batch

        if self.dead:
            raise BrokenExecutor("the checking process has ended")
        calls = args[0] if fn is check_batch else [(fn, args)]
        results = []
        for _check, (data, with_text) in calls:
            assert self.seen is not None
            self.seen.append(data)
            results.append(checked_zfo(*eng.parse_and_verify(data, None), with_text=with_text))
        fut: Future[Any] = Future()
        fut.set_result([(True, r) for r in results] if fn is check_batch else results[0])
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def test_a_checking_process_that_ended_is_replaced_in_both_passes(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """The checking process of each pass has died (a ZFO brought it down): the pipeline
    starts a fresh one through the checking process's ``respawn`` and the ZFOs are checked
    there, in the download pass and in the pass over the missing delivery infos alike,
    never in the sync's own process."""
    from dso_desktop.sync.pipeline import CheckingProcess

    fresh: list[bytes] = []
    started: list[int] = []

    def respawn(self: CheckingProcess) -> Any:
        started.append(1)
        return _Process(fresh)

    monkeypatch.setattr(CheckingProcess, "for_items", lambda self, items: _Process(None, True))
    monkeypatch.setattr(CheckingProcess, "respawn", respawn)
    client = FakeIsds(_envs(world, 2))
    # The first delivery info fails right after its message: the second pass fetches it.
    client.fail["di"] = [StatusError("not now", code="1234", operation="GetSignedDeliveryInfo")]
    s = _job(db, client).run()
    assert (s.new, s.delivery_infos) == (2, 2)
    assert [(f.dm_id, f.part) for f in s.failed] == [("1", "delivery info")]
    assert len(started) == 2  # one for each pass
    assert sorted(fresh) == [b"DI:1", b"DI:2", b"ZFO:1", b"ZFO:2"]


def test_a_message_exactly_as_big_as_a_checking_process_takes_is_checked_there(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """PROCESS_MAX_BYTES is the largest ZFO sent to the checking process (bigger ones are
    checked here rather than copied): one of exactly that size goes, one byte more stays."""
    from dso_desktop.sync import engine as eng
    from dso_desktop.sync.pipeline import CheckingProcess

    sent: list[bytes] = []
    monkeypatch.setattr(CheckingProcess, "for_items", lambda self, items: _Process(sent))
    monkeypatch.setattr(eng, "PROCESS_MAX_BYTES", len(b"ZFO:9"))
    s = _job(db, FakeIsds(_envs(world, 2, start=9))).run()  # ZFO:9 (5 B) and ZFO:10 (6 B)
    assert s.new == 2 and s.delivery_infos == 2
    assert sorted(sent) == [b"DI:10", b"DI:9", b"ZFO:9"]


def test_two_trusted_copies_replacing_untrusted_ones_count_as_two_updates(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each stored copy that ISDS's trusted one replaces counts once in ``updated``."""
    from tests.unit.sync.test_sync_engine import Doc

    from dso_desktop.sync import engine as eng

    envs = _envs(world, 2)
    untrusted = FakeVerdict(kind="untrusted", reasons=("unknown CA",))
    honest = _misbehaving(monkeypatch, {b"ZFO:1": (FakeParsed(world["1"]), untrusted),
                                        b"ZFO:2": (FakeParsed(world["2"]), untrusted)})
    assert _job(db, FakeIsds(envs)).run().new == 2
    monkeypatch.setattr(eng, "parse_and_verify", honest)
    client = FakeIsds(envs)
    client.signed_message_download = lambda dm_id: Doc(b"ZFO2:" + dm_id.encode())  # type: ignore[method-assign]
    again = _job(db, client).run()
    assert (again.new, again.updated, again.failed) == (0, 2, [])


@pytest.mark.parametrize("odd", [
    {"seconds": 12},  # 12:00:12.000000: whole seconds only
    {"microseconds": 500},  # 12:00:00.000500: a fraction of a second only
])
def test_a_retry_time_off_the_minute_by_seconds_or_a_fraction_is_rounded_up(
        db: Database, world: dict[str, Envelope], odd: dict[str, int]) -> None:
    from datetime import timedelta

    from tests.unit.sync.test_sync_engine import NOW

    from dso_desktop.settings import Settings
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.sync.engine import AccountSync

    busy = ThrottledError("busy", code="3008", operation="GetListOfSentMessages")
    client = FakeIsds(_envs(world, 1), fail={"list-sent": [busy]})
    with db.read() as s:
        acc = AccountRepo(s).get("urad")
    at = NOW + timedelta(**odd)
    job = AccountSync(db, None, acc, client, Settings(), accept_delivery=True,
                      now=lambda: at)
    with pytest.raises(SyncRetryLater) as later:
        job.run()
    # + the shortest wait (one minute), shown as HH:MM: the next whole minute after that.
    assert later.value.retry_at == NOW + timedelta(minutes=2)


def test_a_failed_owner_info_keeps_its_error_for_the_users_line(
        db: Database, world: dict[str, Envelope]) -> None:
    """The failure carries the error itself: the user's line is written from its kind."""
    refused = StatusError("no such box", code="1234", operation="GetOwnerInfoFromLogin2")
    s = _job(db, FakeIsds(_envs(world, 1), fail={"owner": [refused]})).run()
    assert s.new == 1
    assert [(f.dm_id, f.part) for f in s.failed] == [(None, "owner info")]
    assert s.failed[0].reason == f"owner info: {refused}"
    assert s.failed[0].error is refused


def test_a_delivery_info_that_never_verifies_is_reported_by_both_passes(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused right after its message and again in the pass over the missing ones: both
    failures are reported, each with its error."""
    envs = _envs(world, 1)
    bad = FakeVerdict(kind="invalid", reasons=("hash mismatch",))
    _misbehaving(monkeypatch, {b"DI:1": (FakeParsed(world["1"]), bad)})
    s = _job(db, FakeIsds(envs)).run()
    assert s.new == 1 and s.delivery_infos == 0
    reason = "delivery info: the downloaded delivery info does not verify: hash mismatch"
    assert [(f.dm_id, f.reason, f.part) for f in s.failed] == [
        ("1", reason, "delivery info"), ("1", reason, "delivery info")]
    assert all(f.error is not None for f in s.failed)


def test_both_lists_ask_isds_for_messages_in_every_state(
        db: Database, world: dict[str, Envelope]) -> None:
    """dmStatusFilter -1 is every state (ISDS's bit mask, all bits): the sync must list
    messages whatever their state."""
    filters: list[int] = []

    class Recording(FakeIsds):
        def _list(self, op: str, items: list[Envelope], frm: Any, to: Any,
                  status_filter: int, offset: int, limit: int) -> Any:
            filters.append(status_filter)
            return super()._list(op, items, frm, to, status_filter, offset, limit)

    s = _job(db, Recording(_envs(world, 2), sent=_envs(world, 1, start=50))).run()
    assert s.listed == 3
    assert filters and set(filters) == {-1}
