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
