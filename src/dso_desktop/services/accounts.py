"""Accounts: settings in the archive, secrets in the OS keyring, ISDS clients built from both."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dso_desktop import secretstore
from dso_desktop.domain import LoginMethod
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.services.types import AccountSpec, AccountView
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.errors import NotFound
from dso_desktop.store.records import AccountRecord
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.timeutil import utcnow

log = logging.getLogger("dso_desktop.services.accounts")

# Login methods whose password the application can change (PROTOCOL.md §2).
CHANGEABLE_PASSWORD = frozenset({LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD,
                                 LoginMethod.TOTP, LoginMethod.HOTP})
# Login methods whose GetPasswordInfo means something (a certificate login has no password).
EXPIRING_PASSWORD = CHANGEABLE_PASSWORD

# Kinds of keyring entries (names, not secrets).
PASSWORD = "password"  # noqa: S105
CERT_PASSWORD = "cert-password"  # noqa: S105


class AccountError(DsoError):
    """An account cannot be added or used as asked (shown to the user)."""

    kind = ErrorKind.ACCOUNT

    def __init__(self, message: str, cs: str | None = None) -> None:
        # ``cs``: the same sentence in Czech for the user; without it the Czech user reads
        # the kind's sentence (never the English ``message``, which goes to the logs).
        super().__init__(message)
        if cs:
            self.message_cs = cs


class PasswordMissing(AccountError):
    """The account needs a password and none is saved or given."""

    kind = ErrorKind.ACCOUNT_PASSWORD_MISSING


def check_environment(value: str) -> str:
    """``production``, ``test`` or an https:// base URL (a simulator or a test server)."""
    v = value.strip()
    if v in ("production", "test"):
        return v
    if v.startswith("https://") and len(v) > len("https://"):
        return v.rstrip("/")
    raise AccountError(
        f"environment must be production, test or an https:// URL, not {value!r}",
        f"Prostředí musí být production, test nebo adresa https://, ne {value!r}.")


class AccountService:
    def __init__(self, db: Database, settings: Callable[[], Settings],
                 client_options: dict[str, Any] | None = None) -> None:
        self._db = db
        self._settings = settings
        # Extra IsdsClient keyword arguments (tests: short backoff; demo: fast polling).
        self.client_options = dict(client_options or {})
        self._session_passwords: dict[str, str] = {}  # "do not save": kept for this run only
        self._lock = threading.Lock()

    # -- views --------------------------------------------------------------------------
    def _view(self, a: AccountRecord) -> AccountView:
        return AccountView(
            name=a.name, login_method=a.login_method, username=a.username,
            environment=a.environment, ca_file=a.ca_file, cert_file=a.cert_file,
            sync_received=a.sync_received, delivery_confirmed=a.delivery_confirmed_at is not None,
            mark_downloaded=a.mark_downloaded, box_id=a.box_id, owner_name=a.owner_name,
            last_sync_at=a.last_sync_at, password_saved=self._saved_password(a.name) is not None,
            password_expires_at=a.password_expires_at,
        )

    def list(self) -> list[AccountView]:
        with self._db.read() as s:
            records = AccountRepo(s).list()
        return [self._view(a) for a in records]

    def get(self, name: str) -> AccountView:
        return self._view(self.record(name))

    def record(self, name: str) -> AccountRecord:
        with self._db.read() as s:
            return AccountRepo(s).get(name)

    # -- changes ------------------------------------------------------------------------
    def add(self, spec: AccountSpec, password: str | None = None,
            save_password: bool = False) -> AccountView:
        name = spec.name.strip()
        if not name or len(name) > 100 or any(ch in name for ch in "\r\n\t"):
            raise AccountError("an account needs a name (up to 100 characters, one line)",
                               "Účet potřebuje název (nejvýše 100 znaků, jeden řádek).")
        method = LoginMethod(spec.login_method)
        if not spec.username.strip():
            raise AccountError("an account needs a user name",
                               "Účet potřebuje uživatelské jméno.")
        env = check_environment(spec.environment)
        for label, path in (("certificate", spec.cert_file), ("key", spec.key_file),
                            ("CA", spec.ca_file)):
            if path is not None and not Path(path).is_file():
                raise AccountError(f"{label} file not found: {path}",
                                   f"Soubor nenalezen: {path}")
        if method in (LoginMethod.CERT, LoginMethod.CERT_PASSWORD, LoginMethod.HOSTED) and \
                spec.cert_file is None:
            raise AccountError(f"login method {method} needs a certificate file (--cert)",
                               f"Způsob přihlášení {method} potřebuje soubor s certifikátem.")
        with self._db.write() as s:
            rec = AccountRepo(s).add(
                name, environment=env, login_method=str(method), username=spec.username.strip(),
                cert_file=str(Path(spec.cert_file).resolve()) if spec.cert_file else None,
                key_file=str(Path(spec.key_file).resolve()) if spec.key_file else None,
                ca_file=str(Path(spec.ca_file).resolve()) if spec.ca_file else None,
                sync_received=spec.sync_received, mark_downloaded=spec.mark_downloaded,
                delivery_confirmed_at=utcnow() if (
                    spec.sync_received and spec.delivery_confirmed) else None,
            )
        if password is not None:
            try:
                self.set_password(name, password, save=save_password)
            except BaseException:
                self._discard(name)  # a keyring that failed leaves no half-added account
                raise
        return self._view(rec)

    def add_verified(self, spec: AccountSpec, password: str | None = None, *,
                     save_password: bool = True, cert_password: str | None = None,
                     otp_provider: Any = None, mobile_key_observer: Any = None,
                     cancel: threading.Event | None = None,
                     keep_if_expired: bool = False) -> AccountView:
        """Add the account and prove the login (as the wizard does); when the login, the
        keyring or anything else fails, nothing of the account stays (row, secrets).
        ``keep_if_expired``: ISDS said the (right) password has expired; the account is
        kept so that its password can be changed (`PasswordExpired` is still raised)."""
        from dso_desktop.isds.errors import PasswordExpired

        view = self.add(spec, password=password, save_password=save_password)
        try:
            if cert_password:
                self.set_cert_password(view.name, cert_password)
            return self.test_login(view.name, password=password, otp_provider=otp_provider,
                                   mobile_key_observer=mobile_key_observer, cancel=cancel)
        except PasswordExpired:
            if not keep_if_expired:
                self._discard(view.name)
            raise
        except BaseException:
            self._discard(view.name)
            raise

    def _discard(self, name: str) -> None:
        """Undo a failed add: the row, the secrets (best effort: the keyring may be what
        failed), the in-memory password. The original error is what the user sees."""
        with self._db.write() as s:
            AccountRepo(s).remove(name)
        for kind in (PASSWORD, CERT_PASSWORD):
            try:
                secretstore.delete_secret(name, kind)
            except secretstore.SecretStoreError:
                log.warning("could not remove a secret of a discarded account")
        with self._lock:
            self._session_passwords.pop(name, None)

    def update(self, name: str, **fields: Any) -> AccountView:
        """Change an account's settings (no secrets; see `edit` for the whole dialog).
        Changing the receive mode withdraws the § 17(3) confirmation: the next sync asks
        again. Changing who logs in (method, user name, environment) forgets what ISDS
        told about the box and the password expiry; the next login fills them in."""
        allowed = {"sync_received", "mark_downloaded", "ca_file", "cert_file", "key_file",
                   "username", "environment", "login_method"}
        bad = set(fields) - allowed
        if bad:
            raise AccountError(f"cannot change {', '.join(sorted(bad))}",
                               f"Nelze změnit: {', '.join(sorted(bad))}.")
        if "environment" in fields:
            fields["environment"] = check_environment(fields["environment"])
        if "login_method" in fields:
            fields["login_method"] = str(LoginMethod(fields["login_method"]))
        if "username" in fields:
            fields["username"] = str(fields["username"]).strip()
            if not fields["username"]:
                raise AccountError("an account needs a user name",
                                   "Účet potřebuje uživatelské jméno.")
        for key in ("ca_file", "cert_file", "key_file"):
            path = fields.get(key)
            if path is not None:
                if not Path(path).is_file():
                    raise AccountError(f"file not found: {path}", f"Soubor nenalezen: {path}")
                fields[key] = str(Path(path).resolve())
        with self._db.write() as s:
            repo = AccountRepo(s)
            old = repo.get(name)
            if "sync_received" in fields and bool(fields["sync_received"]) != old.sync_received:
                fields["delivery_confirmed_at"] = None
            who = ("login_method", "username", "environment")
            if any(k in fields and fields[k] != getattr(old, k) for k in who):
                fields.update(password_expires_at=None, password_checked_at=None)
            method = LoginMethod(fields.get("login_method", old.login_method))
            cert = fields.get("cert_file", old.cert_file)
            if method in (LoginMethod.CERT, LoginMethod.CERT_PASSWORD, LoginMethod.HOSTED) \
                    and not cert:
                raise AccountError(
                    f"login method {method} needs a certificate file (--cert)",
                    f"Způsob přihlášení {method} potřebuje soubor s certifikátem.")
            rec = repo.update(name, **fields)
        return self._view(rec)

    def edit(self, name: str, *, password: str | None = None, save_password: bool | None = None,
             cert_password: str | None = None, **fields: Any) -> AccountView:
        """The account dialog's and `dso account edit`'s one call: settings (`update`),
        then the secrets. ``save_password=False`` without a new password moves a saved
        password out of the keyring into this run's memory; ``True`` saves the known one."""
        view = self.update(name, **fields) if fields else self.get(name)
        if password is not None:
            keep = save_password is not False
            self.set_password(name, password, save=keep)
            if not keep and view.password_saved:
                # "Do not save" with a new password: the old one must not stay behind in
                # the keyring (the next start would log in with it, and say it is saved).
                secretstore.delete_secret(name, PASSWORD)
        elif save_password is False and view.password_saved:
            known = self._saved_password(name)
            secretstore.delete_secret(name, PASSWORD)
            if known:
                with self._lock:
                    self._session_passwords[name] = known
        elif save_password is True and not view.password_saved:
            known = self._session_passwords.get(name)
            if not known:
                raise PasswordMissing(f"no password known for account {name!r} to save")
            self.set_password(name, known, save=True)
        if cert_password is not None:
            if cert_password:
                self.set_cert_password(name, cert_password)
            else:
                secretstore.delete_secret(name, CERT_PASSWORD)
        return self.get(name)

    def change_password(self, name: str, new_password: str, *, old_password: str | None = None,
                        otp_provider: Any = None,
                        cancel: threading.Event | None = None) -> AccountView:
        """Change the account's password in ISDS, then (only then) in the keyring.

        Name+password logins use ChangeISDSPassword; SMS logins ask ISDS for a code
        (SendSMSCode) and HOTP logins read the authenticator, then ChangePasswordOTP. An
        expired password can be changed this way (no login is needed). When ISDS refuses,
        the old password stays saved; when the keyring fails after ISDS accepted, the new
        password is kept for this run and the error says so."""
        from dso_desktop.isds.login import OtpChallenge

        rec = self.record(name)
        method = LoginMethod(rec.login_method)
        if method not in CHANGEABLE_PASSWORD:
            raise AccountError(
                f"login method {method} has no password the application can change",
                f"U způsobu přihlášení {method} aplikace heslo změnit nemůže.")
        if not new_password or any(ch in new_password for ch in "\r\n"):
            raise AccountError("the new password must be one non-empty line",
                               "Nové heslo musí být jeden neprázdný řádek.")
        old = old_password if old_password is not None else self.password(name)
        if not old:
            raise PasswordMissing(f"no password saved for account {name!r}; give the old one")
        if new_password == old:
            raise AccountError("the new password must differ from the old one",
                               "Nové heslo se musí lišit od starého.")
        client = self.client(name, password=old, cancel=cancel)
        try:
            code = None
            if method in (LoginMethod.TOTP, LoginMethod.HOTP):
                if method is LoginMethod.TOTP:
                    client.request_password_sms()
                if otp_provider is None:
                    raise AccountError("changing this password needs the one-time code",
                                       "Ke změně tohoto hesla je potřeba jednorázový kód.")
                code = otp_provider(OtpChallenge(method, None))
                if not code:
                    from dso_desktop.isds.errors import LoginCancelled

                    raise LoginCancelled("no code entered", operation="ChangePasswordOTP")
            client.change_own_password(new_password, otp_code=code)
        finally:
            client.close()
        # ISDS has the new password: from here on the old one is useless.
        with self._db.write() as s:
            AccountRepo(s).update(name, password_expires_at=None, password_checked_at=None)
        if self._saved_password(name) is not None:
            try:
                self.set_password(name, new_password, save=True)
            except secretstore.SecretStoreError as exc:
                with self._lock:
                    self._session_passwords[name] = new_password
                raise secretstore.SecretStoreError(
                    "ISDS accepted the new password but the OS keyring could not save it; "
                    "it is kept until the application closes, note it down") from exc
        else:
            with self._lock:
                self._session_passwords[name] = new_password
        return self.get(name)

    def remove(self, name: str) -> int:
        """Remove the account and its secrets; its messages stay in the archive."""
        with self._db.write() as s:
            kept = AccountRepo(s).remove(name)
        for kind in (PASSWORD, CERT_PASSWORD):
            secretstore.delete_secret(name, kind)
        self._session_passwords.pop(name, None)
        return kept

    # -- secrets ------------------------------------------------------------------------
    def set_password(self, name: str, password: str, *, save: bool = True) -> None:
        with self._db.read() as s:
            AccountRepo(s).get(name)  # must exist
        if save:
            secretstore.set_secret(name, PASSWORD, password)
            if secretstore.get_secret(name, PASSWORD) != password:
                raise secretstore.SecretStoreError(
                    "the OS keyring did not keep the password (no usable keyring backend?)")
            self._session_passwords.pop(name, None)
        else:
            with self._lock:
                self._session_passwords[name] = password

    def set_cert_password(self, name: str, passphrase: str) -> None:
        """The passphrase of the account's certificate key, kept in the OS keyring."""
        with self._db.read() as s:
            AccountRepo(s).get(name)
        secretstore.set_secret(name, CERT_PASSWORD, passphrase)

    def _saved_password(self, name: str) -> str | None:
        try:
            return secretstore.get_secret(name, PASSWORD)
        except secretstore.SecretStoreError:
            return None

    def password(self, name: str) -> str | None:
        return self._session_passwords.get(name) or self._saved_password(name)

    # -- ISDS clients -------------------------------------------------------------------
    def client(
        self,
        name: str,
        *,
        password: str | None = None,
        otp_provider: Any = None,
        mobile_key_observer: Any = None,
        cancel: threading.Event | None = None,
    ) -> Any:
        """An (unlogged) `IsdsClient` for the account, with its secret from the keyring."""
        from dso_desktop.isds.client import IsdsClient
        from dso_desktop.isds.endpoints import environment
        from dso_desktop.isds.models import Credentials

        rec = self.record(name)
        method = LoginMethod(rec.login_method)
        pw = password if password is not None else self.password(name)
        needs_password = method in (LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD,
                                    LoginMethod.HOTP, LoginMethod.TOTP, LoginMethod.MOBILE_KEY)
        if needs_password and not pw:
            raise PasswordMissing(f"no password saved for account {name!r}")
        cert_pw = None
        if rec.cert_file:
            try:
                cert_pw = secretstore.get_secret(name, CERT_PASSWORD)
            except secretstore.SecretStoreError:
                cert_pw = None
        creds = Credentials(
            username=rec.username, password=pw,
            cert_file=Path(rec.cert_file) if rec.cert_file else None,
            key_file=Path(rec.key_file) if rec.key_file else None,
            cert_password=cert_pw,
        )
        settings = self._settings()
        options: dict[str, Any] = {
            "ca_file": Path(rec.ca_file) if rec.ca_file else None,
            "proxy": settings.proxy,
            "timeouts": (10.0, float(settings.request_timeout)),
            **self.client_options,
        }
        return IsdsClient(
            environment(rec.environment), method, creds, otp_provider=otp_provider,
            mobile_key_observer=mobile_key_observer, cancel=cancel, **options,
        )

    def test_login(self, name: str, *, password: str | None = None, otp_provider: Any = None,
                   mobile_key_observer: Any = None,
                   cancel: threading.Event | None = None) -> AccountView:
        """Log in once (no list, so no delivery) and remember the box id and owner."""
        client = self.client(name, password=password, otp_provider=otp_provider,
                             mobile_key_observer=mobile_key_observer, cancel=cancel)
        from dso_desktop.isds.errors import IsdsError

        changes: dict[str, Any] = {}
        try:
            client.login()
            owner = client.get_owner_info_from_login2()
            if LoginMethod(self.record(name).login_method) in EXPIRING_PASSWORD:
                # The expiry warning can show from the first day, not only after a sync.
                try:
                    changes["password_expires_at"] = client.get_password_info()
                    changes["password_checked_at"] = utcnow()
                except IsdsError as exc:
                    log.info("password info unavailable: %s", type(exc).__name__)
        finally:
            client.close()
        with self._db.write() as s:
            rec = AccountRepo(s).update(name, box_id=owner.box_id, box_type=owner.box_type,
                                        owner_name=owner.display_name, **changes)
        return self._view(rec)

    def exists(self, name: str) -> bool:
        try:
            self.record(name)
        except NotFound:
            return False
        return True
