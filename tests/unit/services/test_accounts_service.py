"""Accounts (services/accounts.py): settings in the archive, secrets in the keyring only,
nothing half-added, and a password change that never loses the password that works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest

from dso_desktop import secretstore
from dso_desktop.app import App
from dso_desktop.domain import Direction, Envelope, LoginMethod
from dso_desktop.isds.errors import LoginCancelled, LoginError, PasswordExpired, StatusError
from dso_desktop.isds.login import OtpChallenge
from dso_desktop.isds.models import OwnerInfo
from dso_desktop.paths import AppPaths
from dso_desktop.services.accounts import AccountError, PasswordMissing, check_environment
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.errors import NotFound
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.repos import AccountRepo

WHEN = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    yield a
    a.close()


def _add(app: App, name: str = "obec", method: LoginMethod = LoginMethod.PASSWORD,
         password: str | None = "Stare-Heslo-1",  # noqa: S107 - a test password
         save: bool = True, **kw: Any) -> Any:
    return app.accounts.add(AccountSpec(name, method, "user1", **kw), password=password,
                            save_password=save)


class _Client:
    """What AccountService asks of an ISDS client (login, owner, password info/change)."""

    def __init__(self, *, login_error: Exception | None = None,
                 change_error: Exception | None = None,
                 info_error: Exception | None = None) -> None:
        self.login_error = login_error
        self.change_error = change_error
        self.info_error = info_error
        self.calls: list[str] = []
        self.closed = False

    def login(self) -> None:
        self.calls.append("login")
        if self.login_error is not None:
            raise self.login_error

    def close(self) -> None:
        self.closed = True

    def get_owner_info_from_login2(self) -> OwnerInfo:
        self.calls.append("owner")
        return OwnerInfo(box_id="abc1234", box_type="OVM", firm_name="Obec Lhota")

    def get_password_info(self) -> datetime:
        self.calls.append("password-info")
        if self.info_error is not None:
            raise self.info_error
        return WHEN

    def request_password_sms(self) -> None:
        self.calls.append("sms")

    def change_own_password(self, new: str, *, otp_code: str | None = None) -> None:
        self.calls.append(f"change:{otp_code}")
        if self.change_error is not None:
            raise self.change_error


def _use(app: App, client: _Client) -> list[dict[str, Any]]:
    """Every client the service builds is ``client``; returns the passwords it was given."""
    asked: list[dict[str, Any]] = []
    real = app.accounts.client

    def fake(name: str, **kw: Any) -> _Client:
        real(name, **kw)  # the real checks (the account exists, a password is known)
        asked.append({"name": name, **kw})
        return client

    app.accounts.client = fake  # type: ignore[method-assign]
    return asked


# -- adding ------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "message"), [
    (AccountSpec("", LoginMethod.PASSWORD, "u"), "an account needs a name"),
    (AccountSpec("a\nb", LoginMethod.PASSWORD, "u"), "an account needs a name"),
    (AccountSpec("x" * 101, LoginMethod.PASSWORD, "u"), "an account needs a name"),
    (AccountSpec("a", LoginMethod.PASSWORD, "  "), "an account needs a user name"),
    (AccountSpec("a", LoginMethod.PASSWORD, "u", "staging"), "environment must be"),
    (AccountSpec("a", LoginMethod.PASSWORD, "u", "https://"), "environment must be"),
    (AccountSpec("a", LoginMethod.HOSTED, "u"), "login method hosted needs a certificate"),
    (AccountSpec("a", LoginMethod.CERT_PASSWORD, "u"), "needs a certificate file"),
    (AccountSpec("a", LoginMethod.CERT, "u", cert_file=Path("/no/such.pem")),
     "certificate file not found: /no/such.pem"),
    (AccountSpec("a", LoginMethod.PASSWORD, "u", key_file=Path("/no/key.pem")),
     "key file not found"),
])
def test_add_refuses_what_cannot_work(app: App, spec: AccountSpec, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        app.accounts.add(spec, password="p", save_password=True)
    assert app.accounts.list() == []
    assert secretstore.get_secret(spec.name.strip(), "password") is None


def test_add_normalises_what_it_keeps(app: App, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    v = app.accounts.add(AccountSpec("  obec  ", LoginMethod.PASSWORD, "  user1 ",
                                     "https://127.0.0.1:8443/", ca_file=Path(str(ca))))
    assert (v.name, v.username, v.environment) == ("obec", "user1", "https://127.0.0.1:8443")
    assert v.ca_file == str(ca.resolve())
    assert v.delivery_confirmed is False and v.password_saved is False
    confirmed = app.accounts.add(AccountSpec("b", LoginMethod.PASSWORD, "u",
                                             delivery_confirmed=True))
    assert confirmed.delivery_confirmed is True
    # Without receiving there is nothing to confirm.
    sent_only = app.accounts.add(AccountSpec("c", LoginMethod.PASSWORD, "u",
                                             sync_received=False, delivery_confirmed=True))
    assert sent_only.delivery_confirmed is False


def test_check_environment() -> None:
    assert check_environment(" production ") == "production"
    assert check_environment("test") == "test"
    assert check_environment("https://sim.local:9/") == "https://sim.local:9"
    for bad in ("http://sim.local", "Production", "", "ftp://x"):
        with pytest.raises(AccountError):
            check_environment(bad)


def test_a_keyring_that_fails_leaves_no_half_added_account(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any) -> None:
        raise keyring.errors.KeyringLocked("the keyring is locked")

    monkeypatch.setattr(keyring, "set_password", refuse)
    with pytest.raises(secretstore.SecretStoreError, match="the keyring is locked"):
        _add(app)
    assert app.accounts.list() == []
    assert not app.accounts.exists("obec")


def test_a_keyring_that_silently_forgets_is_an_error(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "set_password", lambda *_a: None)  # a "null" backend
    with pytest.raises(secretstore.SecretStoreError, match="did not keep the password"):
        _add(app)
    assert app.accounts.list() == []


def test_a_session_password_is_never_written_anywhere(app: App) -> None:
    _add(app, password="Jen-Pro-Tento-Beh", save=False)
    assert app.accounts.password("obec") == "Jen-Pro-Tento-Beh"
    assert app.accounts.get("obec").password_saved is False
    assert secretstore.get_secret("obec", "password") is None
    # Saving it later moves it into the keyring.
    app.accounts.set_password("obec", "Jen-Pro-Tento-Beh", save=True)
    assert secretstore.get_secret("obec", "password") == "Jen-Pro-Tento-Beh"
    with pytest.raises(NotFound):
        app.accounts.set_password("nobody", "x")


# -- changing settings -------------------------------------------------------------------

def test_update_refuses_unknown_fields_and_bad_values(app: App) -> None:
    _add(app)
    with pytest.raises(AccountError, match="cannot change box_id, owner_name"):
        app.accounts.update("obec", owner_name="x", box_id="y")
    with pytest.raises(AccountError, match="an account needs a user name"):
        app.accounts.update("obec", username="   ")
    with pytest.raises(AccountError, match="file not found"):
        app.accounts.update("obec", ca_file="/no/such/ca.pem")
    with pytest.raises(AccountError, match="needs a certificate file"):
        app.accounts.update("obec", login_method="cert")
    with pytest.raises(ValueError):
        app.accounts.update("obec", login_method="carrier-pigeon")
    with pytest.raises(NotFound):
        app.accounts.update("nobody", mark_downloaded=True)
    v = app.accounts.get("obec")
    assert (v.username, v.login_method, v.ca_file) == ("user1", "password", None)


def test_changing_the_receive_mode_withdraws_the_delivery_confirmation(app: App) -> None:
    app.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "u", delivery_confirmed=True))
    assert app.accounts.get("obec").delivery_confirmed is True
    # The same value again changes nothing.
    assert app.accounts.update("obec", sync_received=True).delivery_confirmed is True
    assert app.accounts.update("obec", sync_received=False).delivery_confirmed is False
    # Back on: the § 17(3) question must be asked again.
    assert app.accounts.update("obec", sync_received=True).delivery_confirmed is False


def test_changing_who_logs_in_forgets_the_password_expiry(app: App) -> None:
    _add(app)
    with app.db.write() as s:
        AccountRepo(s).update("obec", password_expires_at=WHEN)
    assert app.accounts.update("obec", mark_downloaded=True).password_expires_at == WHEN
    assert app.accounts.update("obec", username="user1").password_expires_at == WHEN
    v = app.accounts.update("obec", username="user2")
    assert v.password_expires_at is None and v.username == "user2"
    with pytest.raises(AccountError):
        app.accounts.update("obec", environment="test/")
    assert app.accounts.update("obec", environment="https://127.0.0.1:1/").environment == \
        "https://127.0.0.1:1"


def test_edit_moves_the_password_between_keyring_and_session(app: App) -> None:
    _add(app, password="Heslo-1")
    v = app.accounts.edit("obec", save_password=False)
    assert v.password_saved is False
    assert secretstore.get_secret("obec", "password") is None
    assert app.accounts.password("obec") == "Heslo-1"  # still usable in this run
    v = app.accounts.edit("obec", save_password=True)
    assert v.password_saved is True
    assert secretstore.get_secret("obec", "password") == "Heslo-1"
    v = app.accounts.edit("obec", password="Heslo-2", mark_downloaded=True)
    assert v.mark_downloaded is True and app.accounts.password("obec") == "Heslo-2"
    app.accounts.edit("obec", cert_password="klic")
    assert secretstore.get_secret("obec", "cert-password") == "klic"
    app.accounts.edit("obec", cert_password="")
    assert secretstore.get_secret("obec", "cert-password") is None


def test_edit_cannot_save_a_password_nobody_gave(app: App) -> None:
    _add(app, password=None)
    with pytest.raises(PasswordMissing, match="no password known for account 'obec' to save"):
        app.accounts.edit("obec", save_password=True)
    assert app.accounts.get("obec").password_saved is False


def test_remove_forgets_secrets_but_keeps_the_messages(app: App) -> None:
    _add(app, password="Heslo-1")
    app.accounts.set_cert_password("obec", "klic")
    acc = app.accounts.record("obec")
    with app.db.write() as s:
        MessageRepo(s).upsert_envelope(acc.id, Direction.RECEIVED, Envelope("1001", status=4))
    kept = app.accounts.remove("obec")
    assert kept == 1  # the archive is the organisation's: its messages stay
    assert secretstore.get_secret("obec", "password") is None
    assert secretstore.get_secret("obec", "cert-password") is None
    assert app.accounts.password("obec") is None
    assert not app.accounts.exists("obec")
    with pytest.raises(NotFound):
        app.accounts.remove("obec")


# -- logging in --------------------------------------------------------------------------

def test_client_needs_a_password_for_password_logins(app: App) -> None:
    _add(app, password=None)
    with pytest.raises(PasswordMissing, match="no password saved for account 'obec'"):
        app.accounts.client("obec")
    client = app.accounts.client("obec", password="given-now")
    assert client is not None
    with pytest.raises(NotFound):
        app.accounts.client("nobody", password="x")


def test_test_login_remembers_the_box_and_the_password_expiry(app: App) -> None:
    _add(app)
    client = _Client()
    _use(app, client)
    v = app.accounts.test_login("obec")
    assert (v.box_id, v.owner_name, v.password_expires_at) == ("abc1234", "Obec Lhota", WHEN)
    assert client.calls == ["login", "owner", "password-info"] and client.closed
    assert app.accounts.record("obec").box_type == "OVM"


def test_test_login_without_password_info_still_succeeds(app: App) -> None:
    _add(app)
    _use(app, _Client(info_error=StatusError("not available", code="9")))
    v = app.accounts.test_login("obec")
    assert v.box_id == "abc1234" and v.password_expires_at is None


def test_add_verified_leaves_nothing_when_the_login_fails(app: App) -> None:
    real_client = app.accounts.client
    client = _Client(login_error=LoginError("wrong password"))
    app.accounts.client = lambda name, **kw: (real_client(name, **kw), client)[1]  # type: ignore[method-assign]
    with pytest.raises(LoginError, match="wrong password"):
        app.accounts.add_verified(AccountSpec("obec", LoginMethod.PASSWORD, "u"),
                                  password="spatne", cert_password="klic")
    assert app.accounts.list() == []
    assert secretstore.get_secret("obec", "password") is None
    assert secretstore.get_secret("obec", "cert-password") is None
    assert app.accounts.password("obec") is None
    assert client.closed


def test_add_verified_keeps_an_expired_account_only_when_asked(app: App) -> None:
    real_client = app.accounts.client
    app.accounts.client = lambda name, **kw: (  # type: ignore[method-assign]
        real_client(name, **kw), _Client(login_error=PasswordExpired("expired")))[1]
    spec = AccountSpec("obec", LoginMethod.PASSWORD, "u")
    with pytest.raises(PasswordExpired):
        app.accounts.add_verified(spec, password="stare")
    assert app.accounts.list() == []
    with pytest.raises(PasswordExpired):
        app.accounts.add_verified(spec, password="stare", keep_if_expired=True)
    assert [a.name for a in app.accounts.list()] == ["obec"]
    assert secretstore.get_secret("obec", "password") == "stare"  # to change it next


# -- changing the password ---------------------------------------------------------------

def test_change_password_saves_the_new_one_only_after_isds_accepted(app: App) -> None:
    _add(app, password="Stare-Heslo-1")
    with app.db.write() as s:
        AccountRepo(s).update("obec", password_expires_at=WHEN)
    client = _Client()
    asked = _use(app, client)
    v = app.accounts.change_password("obec", "Nove-Heslo-2")
    assert asked[0]["password"] == "Stare-Heslo-1"  # logged in with the old one
    assert client.calls == ["change:None"] and client.closed
    assert secretstore.get_secret("obec", "password") == "Nove-Heslo-2"
    assert v.password_expires_at is None  # the next login asks ISDS again


def test_a_refused_change_keeps_the_old_password(app: App) -> None:
    _add(app, password="Stare-Heslo-1")
    with app.db.write() as s:
        AccountRepo(s).update("obec", password_expires_at=WHEN)
    _use(app, _Client(change_error=StatusError("password too weak", code="1066")))
    with pytest.raises(StatusError, match="password too weak"):
        app.accounts.change_password("obec", "slabe")
    assert secretstore.get_secret("obec", "password") == "Stare-Heslo-1"
    assert app.accounts.get("obec").password_expires_at == WHEN


@pytest.mark.parametrize(("new", "old", "error", "message"), [
    ("", None, AccountError, "one non-empty line"),
    ("a\nb", None, AccountError, "one non-empty line"),
    ("Stare-Heslo-1", None, AccountError, "must differ from the old one"),
])
def test_change_password_input_rules(app: App, new: str, old: str | None,
                                     error: type[Exception], message: str) -> None:
    _add(app, password="Stare-Heslo-1")
    client = _Client()
    _use(app, client)
    with pytest.raises(error, match=message):
        app.accounts.change_password("obec", new, old_password=old)
    assert client.calls == []


def test_change_password_needs_the_old_one_and_a_password_login(app: App,
                                                                tmp_path: Path) -> None:
    _add(app, password=None)
    with pytest.raises(PasswordMissing, match="give the old one"):
        app.accounts.change_password("obec", "Nove-1")
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    app.accounts.add(AccountSpec("cert", LoginMethod.CERT, "u", cert_file=cert))
    with pytest.raises(AccountError, match="has no password the application can change"):
        app.accounts.change_password("cert", "Nove-1", old_password="x")


def test_sms_login_asks_for_a_code_then_changes_with_it(app: App) -> None:
    _add(app, method=LoginMethod.TOTP)
    client = _Client()
    _use(app, client)
    challenges: list[OtpChallenge] = []
    app.accounts.change_password("obec", "Nove-Heslo-2",
                                 otp_provider=lambda c: challenges.append(c) or "123456")
    assert client.calls == ["sms", "change:123456"]
    assert challenges == [OtpChallenge(LoginMethod.TOTP, None)]
    assert secretstore.get_secret("obec", "password") == "Nove-Heslo-2"


def test_an_otp_change_without_a_code_changes_nothing(app: App) -> None:
    _add(app, method=LoginMethod.HOTP)
    client = _Client()
    _use(app, client)
    with pytest.raises(AccountError, match="needs the one-time code"):
        app.accounts.change_password("obec", "Nove-Heslo-2")
    with pytest.raises(LoginCancelled, match="no code entered"):
        app.accounts.change_password("obec", "Nove-Heslo-2", otp_provider=lambda _c: "")
    assert not any(c.startswith("change") for c in client.calls)
    assert secretstore.get_secret("obec", "password") == "Stare-Heslo-1"


def test_a_keyring_failure_after_isds_accepted_keeps_the_new_password_in_memory(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(app, password="Stare-Heslo-1")
    _use(app, _Client())

    def refuse(*_a: Any) -> None:
        raise keyring.errors.KeyringLocked("locked")

    monkeypatch.setattr(keyring, "set_password", refuse)
    with pytest.raises(secretstore.SecretStoreError, match="note it down"):
        app.accounts.change_password("obec", "Nove-Heslo-2")
    # ISDS has the new password: the run uses it, not the stale saved one.
    assert app.accounts.password("obec") == "Nove-Heslo-2"


def test_an_unsaved_password_is_changed_in_memory_only(app: App) -> None:
    _add(app, password="Stare-Heslo-1", save=False)
    _use(app, _Client())
    v = app.accounts.change_password("obec", "Nove-Heslo-2")
    assert v.password_saved is False
    assert secretstore.get_secret("obec", "password") is None
    assert app.accounts.password("obec") == "Nove-Heslo-2"


def test_account_errors_have_their_own_czech_sentence() -> None:
    # The GUI shows `text("cs")`; it used to be the English message itself.
    from tests.integration.test_cli_czech_errors import english_words

    from dso_desktop.services.accounts import AccountError, check_environment

    with pytest.raises(AccountError) as caught:
        check_environment("ftp://isds.example")
    exc = caught.value
    assert exc.text("cs").startswith("Prostředí musí být production, test nebo adresa")
    assert not english_words(exc.text("cs"))
    assert "environment must be production" in exc.message  # English for the logs
    bare = AccountError("something went wrong")  # no Czech given: the kind's sentence
    assert bare.text("cs") != "something went wrong" and not english_words(bare.text("cs"))
