"""Trust has a scope: an account's CA vouches for that account's messages only."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.ingest import parse_and_verify, store_message_zfo
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import fingerprint
from dso_desktop.zfo.verify import verify_zfo

SENDER, RECIPIENT = "abc1234", "xyz9876"  # the boxes zfo_factory's messages name


@pytest.fixture
def app(tmp_path: Path, pki: TestPki, store_url: str) -> Iterator[App]:
    """A production account and a simulator account whose CA is the test PKI's."""
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, "u1"))  # production
    a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                               ca_file=pki.ca_file))
    yield a
    a.close()


def _ids(app: App) -> tuple[int, int]:
    return app.accounts.record("urad").id, app.accounts.record("sim").id


def _write(data: bytes, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _boxes(app: App, urad: str | None, sim: str | None) -> None:
    with app.db.write() as s:
        AccountRepo(s).update("urad", box_id=urad)
        AccountRepo(s).update("sim", box_id=sim)


def test_account_ca_verifies_only_that_accounts_messages(app: App, pki: TestPki,
                                                         make_zfo: Callable[..., bytes]) -> None:
    prod, sim = _ids(app)
    data = make_zfo()
    assert verify_zfo(data, app.trust()).kind.value == "untrusted"
    assert verify_zfo(data, app.trust(prod)).kind.value == "untrusted"
    own = verify_zfo(data, app.trust(sim))
    assert own.kind.value == "valid", own.reasons
    assert own.anchor is not None and own.anchor.source == "account"
    assert own.added_anchor == own.anchor
    assert own.to_json()["added_anchor"] == {
        "source": "account", "name": "DSO Simulator Root CA",
        "sha256": fingerprint(pki.ca_cert)}
    assert any("given for this account" in r for r in own.reasons)
    assert any("zadaná pro tento účet" in r for r in own.reasons_cs)
    # Asking for the account's store did not make the global one trust the CA.
    assert verify_zfo(data, app.trust()).kind.value == "untrusted"


def test_production_account_ignores_its_ca_file_for_seals(tmp_path: Path, pki: TestPki,
                                                          make_zfo: Callable[..., bytes]
                                                          ) -> None:
    with App.open(AppPaths.default(tmp_path / "d2"), offline=True) as a:
        a.accounts.add(AccountSpec("p", LoginMethod.PASSWORD, "u", ca_file=pki.ca_file))
        pid = a.accounts.record("p").id
        assert verify_zfo(make_zfo(), a.trust(pid)).kind.value == "untrusted"
        # A test-environment account's CA is that account's anchor, as a simulator's is.
        a.accounts.add(AccountSpec("t", LoginMethod.PASSWORD, "u", "test",
                                   ca_file=pki.ca_file))
        tid = a.accounts.record("t").id
        assert verify_zfo(make_zfo(), a.trust(tid)).kind.value == "valid"
        assert verify_zfo(make_zfo(), a.trust(pid)).kind.value == "untrusted"


def test_checking_process_gets_the_accounts_scope(app: App,
                                                  make_zfo: Callable[..., bytes]) -> None:
    """A sync's checking process verifies with a pickled copy of the account's store."""
    prod, sim = _ids(app)
    data = make_zfo()
    def copy(store: Any) -> Any:
        return pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes

    assert verify_zfo(data, copy(app.trust(sim))).kind.value == "valid"
    for store in (app.trust(), app.trust(prod)):
        assert verify_zfo(data, copy(store)).kind.value == "untrusted"


def test_sync_verifies_with_the_accounts_scope(app: App) -> None:
    from dso_desktop.services.sync import SyncService

    asked: list[Any] = []

    def trust(account_id: int | None = None) -> Any:
        asked.append(account_id)
        return app.trust(account_id)

    class Stop(Exception):
        pass

    def client_factory(*_a: Any, **_k: Any) -> Any:
        raise Stop

    svc = SyncService(app.db, app.accounts, trust, app.settings.get,
                      client_factory=client_factory)
    with pytest.raises(Stop):
        svc.sync_account("sim", accept_delivery=False)
    assert asked == [app.accounts.record("sim").id]


def test_viewer_and_import_use_the_scope_of_the_boxes_named(app: App, tmp_path: Path,
                                                            make_zfo: Callable[..., bytes]
                                                            ) -> None:
    f = tmp_path / "m.zfo"
    f.write_bytes(make_zfo())
    # The message claims to be for the production account's box: the simulator CA that
    # sealed it does not count, even though the sender box is the simulator account's.
    _boxes(app, urad=RECIPIENT, sim=SENDER)
    assert app.zfo.open_file(f).verdict.kind.value == "untrusted"
    # Naming only a production box, or no box of ours: global scope, untrusted.
    _boxes(app, urad=RECIPIENT, sim=None)
    assert app.zfo.open_file(f).verdict.kind.value == "untrusted"
    _boxes(app, urad=None, sim=None)
    assert app.zfo.open_file(f).verdict.kind.value == "untrusted"
    # A received message naming the simulator's box only as its sender would be filed
    # unassigned (its recipient box is no account of ours): no account vouches for it.
    _boxes(app, urad=None, sim=SENDER)
    assert app.zfo.open_file(f).verdict.kind.value == "untrusted"
    h = tmp_path / "h.zfo"
    h.write_bytes(make_zfo(dm_id="4444"))
    item = app.zfo.import_files([h]).items[0]
    assert item.verdict == "untrusted"
    # Import into the simulator account, but the message does not name its box.
    _boxes(app, urad=None, sim="sim0001")
    item = app.zfo.import_files([f], account="sim").items[0]
    assert item.verdict == "untrusted"
    # Only the simulator account's box: its scope, trusted.
    _boxes(app, urad="prod001", sim=RECIPIENT)
    assert app.zfo.open_file(f).verdict.kind.value == "valid"
    g = tmp_path / "n.zfo"
    g.write_bytes(make_zfo(dm_id="4343"))
    item = app.zfo.import_files([g]).items[0]
    assert item.verdict == "valid" and item.status == "imported"


def test_a_copy_of_a_stored_message_is_judged_in_that_messages_scope(
        app: App, tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    # The accounts do not know their boxes yet (no sync): a new file would be filed
    # unassigned and only the global anchors count. A copy of a message already stored
    # under the simulator account replaces that message's evidence, so that account's CA
    # vouches for it -- and for nothing filed under the production account.
    _boxes(app, urad=None, sim=None)
    prod, sim = _ids(app)
    for account_id, dm_id in ((sim, "6001"), (prod, "6002")):
        data = make_zfo(dm_id=dm_id)
        parsed, verdict = parse_and_verify(data, app.trust(None))
        assert verdict.kind.value == "untrusted"
        with app.db.write() as s:  # as an older release filed an untrusted copy
            from dso_desktop.store.messages import MessageRepo

            up = MessageRepo(s).upsert_envelope(account_id, Direction.RECEIVED,
                                                parsed.envelope, source="import")
            assert up.id
    again = make_zfo(dm_id="6001", subject="Věc")
    assert app.zfo.import_files([_write(again, tmp_path / "a.zfo")]).items[0].verdict == "valid"
    other = make_zfo(dm_id="6002")
    item = app.zfo.import_files([_write(other, tmp_path / "b.zfo")]).items[0]
    assert item.verdict == "untrusted" and item.status == "quarantined"
    fresh = make_zfo(dm_id="6003")
    assert app.zfo.open_file(_write(fresh, tmp_path / "c.zfo")).verdict.kind.value == \
        "untrusted"


def test_integrity_check_and_reverify_per_account(app: App,
                                                  make_zfo: Callable[..., bytes]) -> None:
    prod, sim = _ids(app)
    stored = {}
    for account_id, dm_id in ((prod, "5001"), (sim, "5002")):
        data = make_zfo(dm_id=dm_id)
        parsed, verdict = parse_and_verify(data, app.trust(account_id))
        r = store_message_zfo(app.db, data, parsed, verdict, account_id=account_id,
                              direction=Direction.RECEIVED, source="test")
        stored[dm_id] = r.message_id
    report = app.integrity.check()
    bad = {(p.dm_id, p.problem) for p in report.problems}
    assert ("5001", "untrusted") in bad
    assert not any(p.dm_id == "5002" for p in report.problems)
    assert app.messages.verify(stored["5001"]).kind.value == "untrusted"
    assert app.messages.verify(stored["5002"]).kind.value == "valid"


def test_user_added_anchor_is_global_and_named(app: App, pki: TestPki,
                                               make_zfo: Callable[..., bytes]) -> None:
    prod, _sim = _ids(app)
    data = make_zfo()
    assert verify_zfo(data, app.trust(prod)).kind.value == "untrusted"
    app.trust_anchors.add(pki.ca_file)
    assert app.settings.get().trust_anchors == (str(pki.ca_file.resolve()),)
    for store in (app.trust(), app.trust(prod)):
        v = verify_zfo(data, store)
        assert v.kind.value == "valid", v.reasons
        added = v.to_json()["added_anchor"]
        assert added == {"source": "user", "name": "DSO Simulator Root CA",
                         "sha256": fingerprint(pki.ca_cert)}
        assert any("you added as trusted in the settings" in r for r in v.reasons)
        assert any("v nastavení přidali" in r for r in v.reasons_cs)
    # Stored with the verdict: the detail pane can name the anchor.
    item = app.zfo.import_files([_write(data, app.paths.cache / "u.zfo")]).items[0]
    assert item.verdict == "valid"
    assert app.messages.detail(item.message_id).verdict.added_anchor == "DSO Simulator Root CA"
    assert app.trust_anchors.remove(pki.ca_file)
    assert verify_zfo(data, app.trust(prod)).kind.value == "untrusted"


def test_cli_trust_add_list_remove(tmp_path: Path, pki: TestPki,
                                   make_zfo: Callable[..., bytes]) -> None:
    from dso_desktop.cli.main import run

    def cli(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        rc = run(["--data-dir", str(tmp_path / "cli"), "--json", *argv], out=out, err=err)
        return rc, out.getvalue(), err.getvalue()

    rc, out, _ = cli("trust", "add", str(pki.ca_file))
    assert rc == 0 and json.loads(out)[0]["certificates"][0]["self_signed"] is True
    rc, out, _ = cli("trust", "list")
    assert rc == 0 and json.loads(out)[0]["path"] == str(pki.ca_file.resolve())
    leaf = tmp_path / "leaf.pem"
    from cryptography.hazmat.primitives import serialization

    leaf.write_bytes(pki.seal.cert.public_bytes(serialization.Encoding.PEM))
    rc, _, err = cli("trust", "add", str(leaf))
    assert rc == 1 and "no self-signed CA certificate" in err
    rc, _, err = cli("trust", "add", str(tmp_path / "missing.pem"))
    assert rc == 1
    # `dso zfo verify` counts the added anchor and names it.
    zfo = tmp_path / "m.zfo"
    zfo.write_bytes(make_zfo())
    rc, out, _ = cli("zfo", "verify", "--offline", str(zfo))
    assert rc == 0, out
    assert json.loads(out)[0]["added_anchor"]["source"] == "user"
    rc, _, _ = cli("trust", "remove", str(pki.ca_file))
    assert rc == 0
    rc, out, _ = cli("zfo", "verify", "--offline", str(zfo))
    assert rc == 1 and json.loads(out)[0]["verdict"] == "untrusted"
    rc, out, _ = cli("trust", "list")
    assert json.loads(out) == []
    rc, _, _ = cli("trust")
    assert rc == 2


def test_training_mode_trusts_the_simulator_for_its_account_only(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    with App.open(AppPaths.default(tmp_path / "demo"), demo=True) as a:
        a.accounts.add(AccountSpec("cvicna", LoginMethod.PASSWORD, "u",
                                   "https://127.0.0.1:9/", ca_file=pki.ca_file))
        sid = a.accounts.record("cvicna").id
        assert verify_zfo(make_zfo(), a.trust(sid)).kind.value == "valid"
        assert verify_zfo(make_zfo(), a.trust()).kind.value == "untrusted"


def test_delivery_info_is_verified_in_the_scope_of_the_message_it_joins(
        app: App, tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    """A delivery info attaches by dmID: the accounts of those messages must share the scope,
    so the simulator CA cannot vouch for a delivery info of a production account's message."""
    prod, sim = _ids(app)
    _boxes(app, urad=None, sim=SENDER)  # the delivery info names only the simulator's box
    for account_id, dm_id in ((prod, "6001"), (sim, "6002")):
        data = make_zfo(dm_id=dm_id)
        parsed, verdict = parse_and_verify(data, app.trust(account_id))
        store_message_zfo(app.db, data, parsed, verdict, account_id=account_id,
                          direction=Direction.RECEIVED, source="test")
    foreign = _write(make_zfo(kind="delivery-info", dm_id="6001"), tmp_path / "d1.zfo")
    own = _write(make_zfo(kind="delivery-info", dm_id="6002"), tmp_path / "d2.zfo")
    assert app.zfo.import_files([foreign]).items[0].verdict == "untrusted"
    assert app.zfo.import_files([own]).items[0].verdict == "valid"
