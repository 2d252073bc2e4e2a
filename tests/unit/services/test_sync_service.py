"""`services.sync.SyncService` without a network: a scripted ISDS client, a real archive.

What the service owns: the legal guard before anything touches ISDS, one sync per account
(in this program and across programs), the account's own trust scope, a complete job per
run, and the client closed whatever the outcome.
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.sync import SyncService
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.records import MessageFilter
from dso_desktop.sync.events import DeliveryConfirmationRequired, SyncBusy
from dso_desktop.sync.lock import AccountLock
from dso_desktop.zfo import parse_zfo
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore


class ScriptedIsds:
    """An ISDS client that lists and serves the sent messages it was given."""

    def __init__(self, sent: dict[str, tuple[bytes, bytes]],
                 on_login: Callable[[], None] | None = None) -> None:
        self.sent = sent  # dmID -> (signed message, signed delivery info)
        self.on_login = on_login
        self.calls: list[str] = []
        self.closed = False

    def login(self) -> None:
        self.calls.append("login")
        if self.on_login is not None:
            self.on_login()

    def logout(self) -> None:
        self.calls.append("logout")

    def close(self) -> None:
        self.closed = True

    def get_owner_info_from_login2(self) -> Any:
        from dso_desktop.isds.models import OwnerInfo

        return OwnerInfo(box_id="abc1234", box_type="OVM", firm_name="Úřad městyse Test")

    def get_password_info(self) -> datetime | None:
        return None

    def get_list_of_sent_messages(self, frm: Any, to: Any, *, status_filter: int,
                                  offset: int, limit: int) -> list[Any]:
        self.calls.append("list-sent")
        if offset > 1:
            return []
        return [parse_zfo(zfo).envelope for zfo, _di in self.sent.values()]

    def get_list_of_received_messages(self, *a: Any, **k: Any) -> list[Any]:
        self.calls.append("list-received")
        return []

    def get_message_state_changes(self, *a: Any) -> list[Any]:
        return []

    def signed_sent_message_download(self, dm_id: str) -> Any:
        self.calls.append(f"download {dm_id}")
        return SimpleNamespace(data=self.sent[dm_id][0])

    def signed_sent_big_message_download(self, dm_id: str) -> Any:
        raise AssertionError(f"{dm_id} is not a big message")

    def get_signed_delivery_info(self, dm_id: str) -> Any:
        return SimpleNamespace(data=self.sent[dm_id][1])


@pytest.fixture
def app(tmp_path: Path, store_url: str) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, "u", "test",
                               sync_received=False))
    yield a
    a.close()


class Harness:
    """A SyncService whose trust scopes and clients are recorded."""

    def __init__(self, app: App, pki: TestPki, clients: dict[str, ScriptedIsds],
                 lock_dir: Path | None = None) -> None:
        self.trust_asked: list[int | None] = []
        self.clients_made: list[str] = []
        self.clients = clients

        def trust(account_id: int | None = None) -> TrustStore:
            self.trust_asked.append(account_id)
            return TrustStore.from_paths([pki.ca_file])

        def client(name: str, **_kw: Any) -> ScriptedIsds:
            self.clients_made.append(name)
            if name not in clients:
                raise ConnectionError(f"no way to {name}")
            return clients[name]

        self.svc = SyncService(app.db, app.accounts, trust, app.settings.get,
                               client_factory=client, lock_dir=lock_dir)


def _sent(make_zfo: Callable[..., bytes], dm_id: str) -> tuple[bytes, bytes]:
    return (make_zfo(kind="sent", dm_id=dm_id, subject=f"Odpověď {dm_id}"),
            make_zfo(kind="delivery-info", dm_id=dm_id))


def test_a_sync_stores_what_isds_lists_with_the_accounts_trust(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    isds = ScriptedIsds({"5001": _sent(make_zfo, "5001")})
    h = Harness(app, pki, {"urad": isds})
    summary = h.svc.sync_account("urad")
    account_id = app.accounts.record("urad").id
    assert h.trust_asked == [account_id]  # this account's scope, asked once
    # Every list window names the message (ISDS lists by time; this fake does not).
    assert summary.listed >= 1 and (summary.new, summary.delivery_infos) == (1, 1)
    assert summary.failed == [] and not summary.received_synced
    assert "list-received" not in isds.calls  # the account syncs sent messages only
    assert isds.calls[0] == "login" and isds.calls[-1] == "logout" and isds.closed
    with app.db.read() as s:
        repo = MessageRepo(s)
        (mid,) = repo.ids(MessageFilter(direction=Direction.SENT))
        row = repo.rows([mid])[0]
        assert (row.dm_id, row.subject, row.verdict, row.downloaded) == (
            "5001", "Odpověď 5001", "valid", True)
        assert repo.zfo(mid) is not None and repo.zfo(mid)[0] == isds.sent["5001"][0]  # type: ignore[index]
        assert repo.delivery_info(mid) == isds.sent["5001"][1]
    assert app.accounts.record("urad").box_id == "abc1234"
    assert h.svc.running() == set()
    again = h.svc.sync_account("urad")  # nothing is fetched twice
    assert (again.new, isds.calls.count("download 5001")) == (0, 1)


def test_the_legal_guard_asks_before_any_trust_store_or_client(app: App,
                                                                pki: TestPki) -> None:
    app.accounts.add(AccountSpec("prijem", LoginMethod.PASSWORD, "u", "test"))
    h = Harness(app, pki, {"prijem": ScriptedIsds({})})
    with pytest.raises(DeliveryConfirmationRequired, match="delivery by login"):
        h.svc.sync_account("prijem", accept_delivery=None)
    assert h.trust_asked == [] and h.clients_made == []
    assert h.svc.running() == set()  # the account is free again
    summary = h.svc.sync_account("prijem", accept_delivery=False)  # sent messages only
    assert not summary.received_synced
    assert "list-received" not in h.clients["prijem"].calls


def test_a_second_sync_of_the_same_account_is_refused_while_one_runs(
        app: App, pki: TestPki) -> None:
    inner: list[BaseException] = []
    seen: list[set[str]] = []

    def during_login() -> None:
        seen.append(h.svc.running())
        try:
            h.svc.sync_account("urad")
        except SyncBusy as exc:
            inner.append(exc)

    h = Harness(app, pki, {"urad": ScriptedIsds({}, on_login=during_login)})
    h.svc.sync_account("urad")
    assert seen == [{"urad"}]
    assert len(inner) == 1 and "being synced already" in str(inner[0])
    assert h.clients_made == ["urad"]  # the refused run made no client
    assert h.svc.running() == set()


def test_another_program_syncing_the_account_makes_it_busy(app: App, pki: TestPki,
                                                           tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    h = Harness(app, pki, {"urad": ScriptedIsds({})}, lock_dir=locks)
    other = AccountLock(locks, app.accounts.record("urad").id)
    other.acquire()
    try:
        with pytest.raises(SyncBusy, match="another program"):
            h.svc.sync_account("urad")
        assert h.clients_made == [] and h.svc.running() == set()
    finally:
        other.release()
    h.svc.sync_account("urad")  # free again once the other program let go
    assert h.clients_made == ["urad"]


def test_the_client_is_closed_when_the_sync_fails(app: App, pki: TestPki) -> None:
    def refuse() -> None:
        raise PermissionError("wrong password")

    isds = ScriptedIsds({}, on_login=refuse)
    h = Harness(app, pki, {"urad": isds})
    with pytest.raises(PermissionError, match="wrong password"):
        h.svc.sync_account("urad")
    assert isds.closed and h.svc.running() == set()


def test_sync_many_reports_each_account_on_its_own(app: App, pki: TestPki,
                                                   make_zfo: Callable[..., bytes]) -> None:
    app.accounts.add(AccountSpec("offline", LoginMethod.PASSWORD, "u", "test",
                                 sync_received=False))
    h = Harness(app, pki, {"urad": ScriptedIsds({"6001": _sent(make_zfo, "6001")})})
    results = h.svc.sync_many(["urad", "offline"], max_parallel=2)
    assert set(results) == {"urad", "offline"}
    ok, failed = results["urad"], results["offline"]
    assert not isinstance(ok, BaseException) and ok.new == 1
    assert isinstance(failed, ConnectionError) and "no way to offline" in str(failed)
    assert h.svc.sync_many([]) == {}


# -- two accounts of one data box: one copy of each message ---------------------------------
def _one_box(app: App, make_zfo: Callable[..., bytes], *names: str) -> dict[str, ScriptedIsds]:
    """Accounts ``names`` beside "urad"; every scripted client logs in to the same box
    ("abc1234") and lists the same sent message."""
    for name in names:
        app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, f"u-{name}", "test",
                                     sync_received=False))
    sent = {"6101": _sent(make_zfo, "6101")}
    return {n: ScriptedIsds(sent) for n in ("urad", *names)}


def _copies(app: App, dm_id: str) -> list[int | None]:
    """The account ids under which the message ``dm_id`` is filed, one per copy."""
    from sqlalchemy import select

    from dso_desktop.store.models import Message

    with app.db.read() as s:
        return list(s.scalars(select(Message.account_id).where(Message.dm_id == dm_id)))


def test_the_box_keeps_its_copy_when_the_first_account_learns_the_box_later(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    # "urad" was added first but has never logged in, so its box id is unknown when
    # "zastupce" files the box's messages; "urad" must then use that copy, not start one.
    h = Harness(app, pki, _one_box(app, make_zfo, "zastupce"))
    assert h.svc.sync_account("zastupce").new == 1
    later = h.svc.sync_account("urad")
    assert later.new == 0 and later.failed == []
    filed = _copies(app, "6101")
    assert filed == [app.accounts.record("zastupce").id]
    for name in ("urad", "zastupce"):  # each account shows the box's one copy
        with app.db.read() as s:
            assert len(MessageRepo(s).ids(MessageFilter(account=name))) == 1
    assert h.clients["urad"].calls.count("download 6101") == 0  # not fetched again


def test_two_accounts_of_one_box_synced_side_by_side_keep_one_copy(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    import threading

    clients = _one_box(app, make_zfo, "zastupce")
    both_in = threading.Barrier(2, timeout=10)
    for isds in clients.values():  # both logged in before either learns the box id
        isds.on_login = both_in.wait
    h = Harness(app, pki, clients)
    results = h.svc.sync_many(["zastupce", "urad"], max_parallel=2)
    assert all(not isinstance(r, BaseException) for r in results.values()), results
    assert sum(r.new for r in results.values() if not isinstance(r, BaseException)) == 1
    assert len(_copies(app, "6101")) == 1
    downloads = sum(c.calls.count("download 6101") for c in clients.values())
    assert downloads == 1


def test_accounts_of_one_box_take_turns_and_a_waiting_one_can_be_cancelled(
        app: App, pki: TestPki) -> None:
    import threading

    h = Harness(app, pki, {})
    order: list[str] = []
    first_in, go_on = threading.Event(), threading.Event()

    def first() -> None:
        with h.svc._box_guard("abc1234", "test", lambda: None):
            order.append("first in")
            first_in.set()
            go_on.wait(10)
            order.append("first out")

    def second() -> None:
        with h.svc._box_guard("abc1234", "test", lambda: None):
            order.append("second in")

    t1 = threading.Thread(target=first)
    t1.start()
    assert first_in.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.5)
    assert t2.is_alive() and order == ["first in"]  # waits while the box is in use
    with h.svc._box_guard("xyz9876", "test", lambda: None):  # another box does not wait
        order.append("other box")

    class Stop(Exception):
        pass

    def cancelled() -> None:
        raise Stop

    with pytest.raises(Stop), h.svc._box_guard("abc1234", "test", cancelled):
        pass  # never entered: the wait is cancelled
    go_on.set()
    t1.join(10)
    t2.join(10)
    assert order == ["first in", "other box", "first out", "second in"]


def test_another_program_syncing_the_same_box_makes_it_busy(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes], tmp_path: Path) -> None:
    from dso_desktop.sync.lock import box_key

    locks = tmp_path / "locks"
    clients = _one_box(app, make_zfo, "zastupce")
    h = Harness(app, pki, clients, lock_dir=locks)
    h.svc.sync_account("urad")  # the box id is known from here on
    other = AccountLock(locks, box_key("test", "abc1234"), kind="box")
    other.acquire()  # another program syncs "urad" now (its own account lock is its own)
    try:
        with pytest.raises(SyncBusy, match="another account of the same box"):
            h.svc.sync_account("zastupce")
        assert clients["zastupce"].calls[-1] == "logout"  # logged out, nothing stored
        assert "download 6101" not in clients["zastupce"].calls
    finally:
        other.release()
    assert h.svc.sync_account("zastupce").failed == []
    assert len(_copies(app, "6101")) == 1
