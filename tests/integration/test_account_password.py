"""Accounts and passwords against the simulator: an expired password is recognised as
expired (never as a wrong one) and can be changed in the app; the keyring follows ISDS only
after ISDS accepted; `add_verified` leaves nothing behind; the expiry warning shows from the
first login; the § 17(3) answer of the wizard stands until the receive mode changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dso_desktop import secretstore
from dso_desktop.app import App
from dso_desktop.domain import LoginMethod, WarningKind
from dso_desktop.isds.errors import PasswordExpired, StatusError, WrongCredentials
from dso_desktop.paths import AppPaths
from dso_desktop.services.accounts import PASSWORD, AccountError
from dso_desktop.services.types import AccountSpec
from dso_desktop.simulator import Simulator
from dso_desktop.sync.events import DeliveryConfirmationRequired

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(seed=31, messages=2) as s:
        yield s


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                 client_options={"max_retries": 0})
    yield a
    a.close()


def _fresh_user(sim: Simulator, method: str) -> Any:
    """A new simulator user of ``method`` in the demo box (tests change passwords)."""
    import dataclasses

    from dso_desktop.simulator.model import User

    base = sim.account(method)
    with sim.world.lock:
        template = sim.world.users[base.username]
        n = sum(1 for u in sim.world.users if u.startswith(base.username[:3] + "x"))
        username = f"{base.username[:3]}x{n:03d}"
        user = dataclasses.replace(template, username=username, password="Puvodni-heslo-1",
                                   failed_logins=[], cert_sha256=list(template.cert_sha256))
        sim.world.users[username] = user
    assert isinstance(user, User)
    return user


def _add(app: App, sim: Simulator, user: Any, name: str = "urad", **kw: Any) -> None:
    spec = AccountSpec(name, LoginMethod(user.login_method), user.username, sim.url,
                       ca_file=Path(sim.info.ca_file), **kw)
    app.accounts.add(spec, password=user.password, save_password=True)


def test_expired_password_is_reported_as_expired_not_wrong(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    _add(app, sim, user)
    sim.expire_password(user.username)
    with pytest.raises(PasswordExpired) as caught:
        app.accounts.test_login("urad")
    assert not isinstance(caught.value, WrongCredentials)
    assert caught.value.code == "authentication.error.paswordExpired"
    assert "vypršela" in (caught.value.server_message or "")
    with pytest.raises(PasswordExpired):
        app.sync.sync_account("urad", accept_delivery=False)


def test_expired_password_is_changed_and_the_keyring_follows(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    _add(app, sim, user)
    sim.expire_password(user.username)
    app.accounts.change_password("urad", "Nove-heslo-2027")
    assert sim.world.users[user.username].password == "Nove-heslo-2027"
    assert secretstore.get_secret("urad", PASSWORD) == "Nove-heslo-2027"
    view = app.accounts.test_login("urad")  # the saved (new) password logs in
    assert view.password_expires_at is not None
    assert view.password_expires_at > sim.clock.now() + timedelta(days=80)


def test_refused_new_password_keeps_the_old_one(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    _add(app, sim, user)
    with pytest.raises(StatusError) as caught:
        app.accounts.change_password("urad", "kratke")  # ISDS: 8-32 letters and digits
    assert caught.value.code == "1067"
    assert secretstore.get_secret("urad", PASSWORD) == "Puvodni-heslo-1"
    assert sim.world.users[user.username].password == "Puvodni-heslo-1"
    app.accounts.test_login("urad")


def test_wrong_old_password_is_refused_and_nothing_changes(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    _add(app, sim, user)
    with pytest.raises(WrongCredentials):
        app.accounts.change_password("urad", "Nove-heslo-2027", old_password="spatne-heslo")
    assert secretstore.get_secret("urad", PASSWORD) == "Puvodni-heslo-1"
    assert sim.world.users[user.username].password == "Puvodni-heslo-1"


def test_sms_login_password_change_asks_isds_for_a_code(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "totp")
    _add(app, sim, user)
    sim.expire_password(user.username)
    asked: list[Any] = []

    def code(challenge: Any) -> str | None:
        asked.append(challenge.method)
        return sim.sms_code(user.username)  # texted by SendSMSCode just before

    app.accounts.change_password("urad", "Sms-heslo-2027", otp_provider=code)
    assert asked == [LoginMethod.TOTP]
    assert sim.world.users[user.username].password == "Sms-heslo-2027"
    assert secretstore.get_secret("urad", PASSWORD) == "Sms-heslo-2027"


def test_hotp_password_change_and_a_wrong_code(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "hotp")
    _add(app, sim, user)
    with pytest.raises(WrongCredentials):
        app.accounts.change_password("urad", "Hotp-heslo-2027", otp_provider=lambda _c: "000000"
                                     if sim.hotp_code(user.username) != "000000" else "111111")
    assert secretstore.get_secret("urad", PASSWORD) == "Puvodni-heslo-1"
    app.accounts.change_password("urad", "Hotp-heslo-2027",
                                 otp_provider=lambda _c: sim.hotp_code(user.username))
    assert sim.world.users[user.username].password == "Hotp-heslo-2027"
    assert secretstore.get_secret("urad", PASSWORD) == "Hotp-heslo-2027"


def test_certificate_login_has_no_password_to_change(app: App, sim: Simulator) -> None:
    acc = sim.account("cert")
    app.accounts.add(AccountSpec("sys", LoginMethod.CERT, acc.username, sim.url,
                                 cert_file=Path(acc.cert_file), key_file=Path(acc.key_file),
                                 ca_file=Path(sim.info.ca_file)))
    with pytest.raises(AccountError):
        app.accounts.change_password("sys", "Nove-heslo-2027", old_password="x")


def test_add_verified_leaves_nothing_behind(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    spec = AccountSpec("urad", LoginMethod.PASSWORD, user.username, sim.url,
                       ca_file=Path(sim.info.ca_file))
    with pytest.raises(WrongCredentials):
        app.accounts.add_verified(spec, "spatne-heslo")
    assert not app.accounts.exists("urad")
    assert secretstore.get_secret("urad", PASSWORD) is None
    view = app.accounts.add_verified(spec, user.password)
    assert view.box_id == user.box_id and view.password_saved
    # The expiry is known from the first login, so the warning needs no sync.
    assert view.password_expires_at is not None


def test_keyring_failure_leaves_no_account(app: App, sim: Simulator,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    user = _fresh_user(sim, "password")

    def broken(*_a: Any) -> None:
        raise secretstore.SecretStoreError("no keyring backend")

    monkeypatch.setattr(secretstore, "set_secret", broken)
    spec = AccountSpec("urad", LoginMethod.PASSWORD, user.username, sim.url,
                       ca_file=Path(sim.info.ca_file))
    with pytest.raises(secretstore.SecretStoreError):
        app.accounts.add(spec, password=user.password, save_password=True)
    assert not app.accounts.exists("urad")


def test_password_expiry_warning_uses_the_setting(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    _add(app, sim, user)
    with sim.world.lock:
        sim.world.users[user.username].password_expires = sim.clock.now() + timedelta(days=10)
    app.accounts.test_login("urad")
    now = sim.clock.now()
    kinds = [w.kind for w in app.warnings.collect(now=now) if w.account == "urad"]
    assert WarningKind.PASSWORD_EXPIRY in kinds  # 10 days left, default 14
    app.settings.update(password_warning_days=7)
    kinds = [w.kind for w in app.warnings.collect(now=now) if w.account == "urad"]
    assert WarningKind.PASSWORD_EXPIRY not in kinds


def test_wizard_answer_stands_until_the_mode_changes(app: App, sim: Simulator) -> None:
    user = _fresh_user(sim, "password")
    _add(app, sim, user, delivery_confirmed=True)
    summary = app.sync.sync_account("urad", accept_delivery=None)  # no question
    assert summary.received_synced
    app.accounts.update("urad", sync_received=False)
    app.accounts.update("urad", sync_received=True)
    assert not app.accounts.get("urad").delivery_confirmed
    with pytest.raises(DeliveryConfirmationRequired):
        app.sync.sync_account("urad", accept_delivery=None)
