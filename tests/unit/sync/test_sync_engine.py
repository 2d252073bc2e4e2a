"""The sync engine against a scripted ISDS client: legal guard, windows and paging, state
changes, retries, the big-message fallback, resumption and idempotence."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.isds.errors import MaintenanceError, StatusError, ThrottledError
from dso_desktop.isds.models import OwnerInfo
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.records import MessageFilter
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync import engine as eng
from dso_desktop.sync.engine import AccountSync, windows
from dso_desktop.sync.events import (
    DeliveryConfirmationRequired,
    SyncCancelled,
    SyncError,
    SyncRetryLater,
)
from dso_desktop.sync.pipeline import IngestPipeline, WorkKind

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Doc:
    data: bytes
    status_code: str = "0000"
    status_message: str = ""


@dataclass
class Rec:
    envelope: Envelope


@dataclass
class FakeIsds:
    received: list[Envelope]
    sent: list[Envelope] = field(default_factory=list)
    big: set[str] = field(default_factory=set)
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    state_changes: list[Any] = field(default_factory=list)
    # Called with the operation and dmID before a download answers (a test holds it there).
    before_answer: Callable[[str, str], None] | None = None

    def _hit(self, op: str, arg: Any = None) -> None:
        self.calls.append((op, arg))
        queue = self.fail.get(op)
        if queue:
            raise queue.pop(0)

    def login(self) -> None:
        self._hit("login")

    def logout(self) -> None:
        self.calls.append(("logout", None))

    def get_owner_info_from_login2(self) -> OwnerInfo:
        self._hit("owner")
        return OwnerInfo(box_id="abc1234", box_type="OVM", firm_name="Obec Lhota")

    def get_password_info(self) -> datetime:
        self._hit("password")
        return NOW + timedelta(days=40)

    def _list(self, op: str, items: list[Envelope], frm: datetime, to: datetime | None,
              status_filter: int, offset: int, limit: int) -> list[Rec]:
        self._hit(op, (frm, to, offset, limit))
        inside = [e for e in items if e.delivered_at and frm <= e.delivered_at
                  and (to is None or e.delivered_at < to)]
        return [Rec(e) for e in inside[offset - 1:offset - 1 + limit]]

    def get_list_of_received_messages(self, frm: datetime, to: datetime | None,
                                      status_filter: int = -1,
                                      offset: int = 1, limit: int = 1000) -> list[Rec]:
        return self._list("list-received", self.received, frm, to, status_filter, offset, limit)

    def get_list_of_sent_messages(self, frm: datetime, to: datetime | None,
                                  status_filter: int = -1,
                                  offset: int = 1, limit: int = 1000) -> list[Rec]:
        return self._list("list-sent", self.sent, frm, to, status_filter, offset, limit)

    def get_message_state_changes(self, frm: datetime, to: datetime) -> list[Any]:
        self._hit("state", (frm, to))
        return self.state_changes

    def _download(self, op: str, dm_id: str, big: bool) -> Doc:
        self._hit(op, dm_id)
        if self.before_answer is not None:
            self.before_answer(op, dm_id)
        if (dm_id in self.big) != big:
            raise StatusError("wrong service", code="1281", operation=op)
        return Doc(f"ZFO:{dm_id}".encode())

    def signed_message_download(self, dm_id: str) -> Doc:
        return self._download("dl", dm_id, False)

    def signed_big_message_download(self, dm_id: str) -> Doc:
        return self._download("dl-big", dm_id, True)

    def signed_sent_message_download(self, dm_id: str) -> Doc:
        return self._download("dl-sent", dm_id, False)

    def signed_sent_big_message_download(self, dm_id: str) -> Doc:
        return self._download("dl-sent-big", dm_id, True)

    def get_signed_delivery_info(self, dm_id: str) -> Doc:
        self._hit("di", dm_id)
        return Doc(f"DI:{dm_id}".encode())

    def mark_message_as_downloaded(self, dm_id: str) -> None:
        self._hit("mark", dm_id)


@dataclass(frozen=True)
class FakeParsed:
    envelope: Envelope
    attachments: tuple[Any, ...] = ()
    events: tuple[DeliveryEvent, ...] = ()


@dataclass(frozen=True)
class FakeVerdict:
    kind: str = "valid"
    checked_at: datetime = NOW
    reasons: tuple[str, ...] = ()
    timestamp_expires: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> dict[str, Envelope]:
    """dmID -> envelope; the fake parser reads the dmID out of the fake ZFO bytes."""
    envelopes: dict[str, Envelope] = {}

    def parse_and_verify(data: bytes, trust: Any, *, now: Any = None) -> tuple[Any, Any]:
        kind, dm_id = data.decode().split(":", 1)
        env = envelopes[dm_id]
        if kind == "DI":
            return FakeParsed(env, events=(DeliveryEvent(NOW, "EV5: dodáno"),)), FakeVerdict()
        return FakeParsed(env), FakeVerdict()

    monkeypatch.setattr(eng, "parse_and_verify", parse_and_verify)
    return envelopes


def _envs(world: dict[str, Envelope], n: int, start: int = 1, days_back: int = 1) -> list[
        Envelope]:
    out = []
    for i in range(start, start + n):
        e = Envelope(str(i), subject=f"Zpráva {i}", status=4,
                     delivered_at=NOW - timedelta(days=days_back, minutes=i))
        world[e.message_id] = e
        out.append(e)
    return out


def _job(db: Database, client: FakeIsds, accept: bool | None = True, **kw: Any) -> AccountSync:
    with db.read() as s:
        acc = AccountRepo(s).get("urad")
    settings = kw.pop("settings", Settings(list_page_size=3))
    return AccountSync(db, None, acc, client, settings, accept_delivery=accept,
                       now=lambda: NOW, **kw)


def _count(db: Database) -> int:
    with db.read() as s:
        return MessageRepo(s).count(MessageFilter(downloaded=True))


def test_windows_cover_the_range_exactly() -> None:
    w = windows(NOW - timedelta(days=10), NOW, 4)
    assert w[0][0] == NOW - timedelta(days=10) and w[-1][1] == NOW
    assert all(a[1] == b[0] for a, b in itertools.pairwise(w)) and len(w) == 3
    assert windows(NOW, NOW, 5) == []


def test_legal_guard(db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 2), sent=_envs(world, 1, start=50))
    with pytest.raises(DeliveryConfirmationRequired):
        _job(db, client, accept=None).run()
    assert client.calls == []  # refused before any request
    summary = _job(db, client, accept=False).run()  # sent only
    assert not summary.received_synced and summary.new == 1
    assert not any(op == "list-received" for op, _ in client.calls)
    summary = _job(db, client, accept=True).run()
    assert summary.received_synced and summary.new == 2
    # once confirmed, later syncs need no flag
    client.received += _envs(world, 1, start=10)
    assert _job(db, client, accept=None).run().new == 1
    with db.read() as s:
        acc = AccountRepo(s).get("urad")
    assert acc.delivery_confirmed_at == NOW and acc.box_id == "abc1234"
    assert acc.password_expires_at == NOW + timedelta(days=40)


def test_paging_windows_and_idempotence(db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 8) + _envs(world, 2, start=100, days_back=500))
    s1 = _job(db, client).run()
    assert s1.new == 10 and s1.failed == [] and s1.delivery_infos == 10
    pages = [a for op, a in client.calls if op == "list-received"]
    assert any(a[2] == 4 for a in pages) and any(a[2] == 7 for a in pages)  # offsets 1,4,7
    assert _count(db) == 10
    client.calls.clear()
    s2 = _job(db, client).run()
    assert s2.new == 0 and _count(db) == 10
    assert not any(op in ("dl", "di") for op, _ in client.calls)
    # the second sync lists from the last one (minus the overlap), not from the start
    first_from = min(a[0] for op, a in client.calls if op == "list-received")
    assert first_from == NOW - eng.LIST_OVERLAP


def test_state_changes_update_status_and_refetch_delivery_info(
        db: Database, world: dict[str, Envelope]) -> None:
    envs = _envs(world, 2)
    client = FakeIsds(envs)
    _job(db, client).run()

    @dataclass
    class Change:
        message_id: str
        at: datetime
        status: int

    client.state_changes = [Change("1", NOW, 6)]
    client.calls.clear()
    s = _job(db, client).run()
    assert s.updated >= 1
    assert ("di", "1") in client.calls and ("di", "2") not in client.calls
    with db.read() as ses:
        repo = MessageRepo(ses)
        row = repo.rows(repo.ids(MessageFilter(dm_id="1")))[0]
    assert row.status == 6 and row.accepted_at == NOW


def test_per_message_failures(db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 3), fail={"dl": [StatusError("gone", code="1234")]})
    s = _job(db, client).run()
    assert s.new == 2 and [f.dm_id for f in s.failed] == ["1"] and "gone" in s.failed[0].reason
    s = _job(db, client).run()  # the rerun fetches exactly the missing one
    assert s.new == 1 and s.failed == [] and _count(db) == 3


def test_the_engine_does_not_retry_what_the_client_gave_up_on(
        db: Database, world: dict[str, Envelope]) -> None:
    """The client is the one layer that retries: an error it raises (its retries spent)
    is not sent again here; the account stops, saying when to try again."""
    client = FakeIsds(_envs(world, 3), fail={"list-received": [ThrottledError(
        "busy", code="3009", operation="GetListOfReceivedMessages")]})
    with pytest.raises(SyncRetryLater) as info:
        _job(db, client).run()
    assert [op for op, _ in client.calls].count("list-received") == 1
    err = info.value
    assert err.reason == "throttled" and err.code == "3009"
    assert err.retry_at >= NOW + timedelta(minutes=1) and err.retry_at.second == 0
    assert "try again after" in str(err) and err.summary is not None
    assert ("logout", None) in client.calls
    assert _job(db, client).run().new == 3  # the next sync completes


def test_retry_at_follows_the_clients_retry_after(db: Database,
                                                  world: dict[str, Envelope]) -> None:
    down = MaintenanceError("503", code="503", operation="SignedMessageDownload")
    down.attempts, down.retry_after = 6, 3600.0  # ISDS: come back in an hour
    client = FakeIsds(_envs(world, 3), fail={"dl": [down]})
    with pytest.raises(SyncRetryLater) as info:
        _job(db, client).run()
    assert info.value.reason == "maintenance" and info.value.attempts == 6
    assert info.value.retry_at == NOW + timedelta(hours=1)
    assert [op for op, _ in client.calls].count("dl") == 1


def test_transport_failure_stops_with_summary(db: Database, world: dict[str, Envelope]) -> None:
    from dso_desktop.isds.errors import ConnectionFailed

    client = FakeIsds(_envs(world, 3), fail={"dl": [ConnectionFailed("down")]})
    with pytest.raises(SyncError) as info:
        _job(db, client).run()
    assert info.value.summary is not None and info.value.summary.failed
    assert ("logout", None) in client.calls
    assert _job(db, client).run().new == 3


def test_big_messages_and_wrong_service_fallback(db: Database,
                                                 world: dict[str, Envelope]) -> None:
    envs = _envs(world, 2)
    world["1"] = dataclasses.replace(world["1"], big_message=True)
    envs[0] = world["1"]
    client = FakeIsds(envs, big={"1", "2"})  # "2" is big but its list entry did not say so
    s = _job(db, client).run()
    assert s.new == 2 and s.failed == []
    assert ("dl-big", "1") in client.calls and ("dl", "2") in client.calls
    assert ("dl-big", "2") in client.calls
    # "1" listed as big: straight to the big-message operation, no failing plain request;
    # both are stored as big (the second learnt so from ISDS's refusal).
    assert ("dl", "1") not in client.calls
    with db.engine.connect() as c:
        rows = dict(c.execute(text("SELECT dm_id, big_message FROM messages")).all())
    assert {k: bool(v) for k, v in rows.items()} == {"1": True, "2": True}


def test_mark_downloaded_only_when_asked(db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 1), sent=_envs(world, 1, start=9))
    _job(db, client).run()
    assert not any(op == "mark" for op, _ in client.calls)
    with db.write() as s:
        AccountRepo(s).update("urad", mark_downloaded=True)
    client.received += _envs(world, 1, start=5)
    _job(db, client).run()
    assert [a for op, a in client.calls if op == "mark"] == ["5"]


def test_cancel_between_requests(db: Database, world: dict[str, Envelope],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeIsds(_envs(world, 12))
    cancel = threading.Event()

    def progress(p: Any) -> None:
        if p.phase == "download" and p.done == 2:
            cancel.set()

    # The user cancels when two messages are stored. Requests must not outrun storing by
    # more than that (on a loaded machine the store thread can lag all twelve downloads):
    # the third download answers only once two messages' outcomes wait for the requesting
    # thread, which reports them (and so cancels) in its next hand-over to the pipeline.
    two_stored = threading.Event()
    stored = 0
    real_write = IngestPipeline._write

    def write(self: IngestPipeline[Any], group: list[Any]) -> None:
        nonlocal stored
        real_write(self, group)
        stored += sum(1 for r in group if r.item.kind is WorkKind.MESSAGE)
        if stored >= 2:
            two_stored.set()

    def hold_third(op: str, dm_id: str) -> None:
        if sum(1 for o, _ in client.calls if o == "dl") >= 3 and not two_stored.wait(60):
            pytest.fail("the first two messages were not stored within 60 s")

    monkeypatch.setattr(IngestPipeline, "_write", write)
    client.before_answer = hold_third

    with pytest.raises(SyncCancelled):
        _job(db, client, progress=progress, cancel=cancel).run()
    # What was already downloaded when the user cancelled is kept (the ingest backlog is
    # finished), no further request is made, and the next run fetches exactly the rest.
    kept = _count(db)
    assert 2 <= kept < 12
    downloads = [a for op, a in client.calls if op == "dl"]
    assert len(downloads) == kept
    assert _job(db, client).run().new == 12 - kept
    assert _count(db) == 12


def test_messages_dated_after_our_clock_are_not_missed(db: Database,
                                                       world: dict[str, Envelope]) -> None:
    future = Envelope("777", subject="Z budoucnosti", status=4,
                      delivered_at=NOW + timedelta(days=30))
    world["777"] = future
    client = FakeIsds([future])
    assert _job(db, client).run().new == 1
    last = [a for op, a in client.calls if op == "list-received"][-1]
    assert last[1] is None  # the newest window is open-ended


def _misbehaving(monkeypatch: pytest.MonkeyPatch, override: dict[bytes, tuple[Any, Any]]
                 ) -> Any:
    """The fake parser, except for the downloads in ``override`` (raw bytes -> result);
    returns the honest one."""
    honest = eng.parse_and_verify

    def parse_and_verify(data: bytes, trust: Any, *, now: Any = None) -> tuple[Any, Any]:
        return override[data] if data in override else honest(data, trust, now=now)

    monkeypatch.setattr(eng, "parse_and_verify", parse_and_verify)
    return honest


def _evidence(db: Database) -> dict[str, bytes]:
    """dmID -> the stored evidence bytes, for every downloaded message."""
    with db.read() as s:
        repo = MessageRepo(s)
        out = {}
        for mid in repo.ids(MessageFilter(downloaded=True)):
            zfo = repo.zfo(mid)
            assert zfo is not None
            out[repo.detail(mid).envelope.message_id] = zfo[0]
        return out


def test_a_download_that_parses_but_does_not_verify_is_not_stored(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    envs = _envs(world, 3)
    bad = FakeVerdict(kind="invalid", reasons=("the seal does not cover this content",))
    honest = _misbehaving(monkeypatch, {b"ZFO:2": (FakeParsed(world["2"]), bad)})
    s = _job(db, FakeIsds(envs)).run()
    assert s.new == 2 and [f.dm_id for f in s.failed] == ["2"]
    assert "does not verify" in s.failed[0].reason
    assert "the seal does not cover this content" in s.failed[0].reason
    assert _evidence(db) == {"1": b"ZFO:1", "3": b"ZFO:3"}
    with db.read() as r:  # still to be downloaded: the next sync asks ISDS again
        (mid,) = [m for m, dm, _big in MessageRepo(r).pending(1, Direction.RECEIVED)]
        assert MessageRepo(r).detail(mid).envelope.message_id == "2"
    monkeypatch.setattr(eng, "parse_and_verify", honest)
    assert _job(db, FakeIsds(envs)).run().new == 1 and _count(db) == 3


def test_a_download_of_another_message_is_not_stored(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    envs = _envs(world, 3)
    stranger = Envelope("99", subject="Cizí zpráva", status=4, delivered_at=NOW)
    # Asked for 2, ISDS answers with message 1 (listed, stored); asked for 3, with a
    # message this account never listed.
    _misbehaving(monkeypatch, {b"ZFO:2": (FakeParsed(world["1"]), FakeVerdict()),
                                      b"ZFO:3": (FakeParsed(stranger), FakeVerdict())})
    s = _job(db, FakeIsds(envs)).run()
    assert s.new == 1
    assert {(f.dm_id, f.reason) for f in s.failed} == {
        ("2", "ISDS returned message 1 for 2"), ("3", "ISDS returned message 99 for 3")}
    assert _evidence(db) == {"1": b"ZFO:1"}
    with db.read() as r:
        repo = MessageRepo(r)
        assert repo.ids_by_dm_id("99") == []  # nothing nobody asked for
        assert repo.evidence_copies() == []  # nor a "conflicting copy" of message 1
        assert sorted(dm for _m, dm, _b in repo.pending(1, Direction.RECEIVED)) == [
            "2", "3"]


def test_a_delivery_info_that_does_not_verify_is_not_stored(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    envs = _envs(world, 2)
    bad = FakeVerdict(kind="invalid", reasons=("hash mismatch",))
    _misbehaving(monkeypatch, {b"DI:2": (FakeParsed(world["2"]), bad)})
    s = _job(db, FakeIsds(envs)).run()
    assert s.new == 2 and s.delivery_infos == 1
    # (asked for twice in one run: after the download, and again as a missing one)
    assert {(f.dm_id, f.reason) for f in s.failed} == {
        ("2", "delivery info: the downloaded delivery info does not verify: hash mismatch")}
    with db.read() as r:
        repo = MessageRepo(r)
        by_dm = {repo.detail(m).envelope.message_id: m
                 for m in repo.ids(MessageFilter(downloaded=True))}
        assert repo.delivery_info(by_dm["1"]) == b"DI:1"
        assert repo.delivery_info(by_dm["2"]) is None


def test_a_sync_waiting_for_its_box_ends_as_cancelled_when_cancelled(
        db: Database, world: dict[str, Envelope]) -> None:
    # Another account of the same data box holds the box (the service's real guard), and
    # the user cancels while this sync waits for it: the wait must watch the sync's cancel
    # and end the sync as cancelled at once, not when the box is free (nor with an error).
    from dso_desktop.services.sync import SyncService

    client = FakeIsds(_envs(world, 2))
    svc = SyncService(db, None, lambda *a: None, Settings,  # type: ignore[arg-type]
                      client_factory=lambda *a, **k: client)
    cancel = threading.Event()
    real_password = client.get_password_info

    def password_then_cancel() -> datetime:
        # The last request before the box is entered: the cancel arrives while the sync
        # goes on to wait for the box (no check of the engine's own runs in between).
        cancel.set()
        return real_password()

    client.get_password_info = password_then_cancel  # type: ignore[method-assign]
    job = _job(db, client, cancel=cancel, box_lock=svc._box_guard)
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(job.run())
        except BaseException as exc:  # the test checks what it was
            outcome.append(exc)

    with svc._box_guard("abc1234", job.account.environment, lambda: None):
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(10)
        ended_while_held = not worker.is_alive()
    worker.join(10)
    assert ended_while_held, "the cancelled sync waited for the box to be free"
    assert len(outcome) == 1 and isinstance(outcome[0], SyncCancelled), outcome
    assert job.summary.cancelled
    ops = [op for op, _ in client.calls]
    assert ops[:3] == ["login", "owner", "password"]
    assert not {"list-sent", "list-received", "dl"} & set(ops)  # nothing listed or fetched
    assert _count(db) == 0
