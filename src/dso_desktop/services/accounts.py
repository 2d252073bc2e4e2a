"""Accounts: settings in the archive, secrets in the OS keyring, ISDS clients built from both."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dso_desktop import secretstore
from dso_desktop.domain import LoginMethod
from dso_desktop.services.types import AccountSpec, AccountView
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.errors import NotFound
from dso_desktop.store.records import AccountRecord
from dso_desktop.store.repos import AccountRepo

# Kinds of keyring entries (names, not secrets).
PASSWORD = "password"  # noqa: S105
CERT_PASSWORD = "cert-password"  # noqa: S105


class AccountError(Exception):
    """An account cannot be added or used as asked (shown to the user)."""


class PasswordMissing(AccountError):
    """The account needs a password and none is saved or given."""


def check_environment(value: str) -> str:
    """``production``, ``test`` or an https:// base URL (a simulator or a test server)."""
    v = value.strip()
    if v in ("production", "test"):
        return v
    if v.startswith("https://") and len(v) > len("https://"):
        return v.rstrip("/")
    raise AccountError(
        f"environment must be production, test or an https:// URL, not {value!r}")


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
            raise AccountError("an account needs a name (up to 100 characters, one line)")
        method = LoginMethod(spec.login_method)
        if not spec.username.strip():
            raise AccountError("an account needs a user name")
        env = check_environment(spec.environment)
        for label, path in (("certificate", spec.cert_file), ("key", spec.key_file),
                            ("CA", spec.ca_file)):
            if path is not None and not Path(path).is_file():
                raise AccountError(f"{label} file not found: {path}")
        if method in (LoginMethod.CERT, LoginMethod.CERT_PASSWORD, LoginMethod.HOSTED) and \
                spec.cert_file is None:
            raise AccountError(f"login method {method} needs a certificate file (--cert)")
        with self._db.write() as s:
            rec = AccountRepo(s).add(
                name, environment=env, login_method=str(method), username=spec.username.strip(),
                cert_file=str(Path(spec.cert_file).resolve()) if spec.cert_file else None,
                key_file=str(Path(spec.key_file).resolve()) if spec.key_file else None,
                ca_file=str(Path(spec.ca_file).resolve()) if spec.ca_file else None,
                sync_received=spec.sync_received, mark_downloaded=spec.mark_downloaded,
            )
        if password is not None:
            self.set_password(name, password, save=save_password)
        return self._view(rec)

    def update(self, name: str, **fields: Any) -> AccountView:
        allowed = {"sync_received", "mark_downloaded", "ca_file", "cert_file", "key_file",
                   "username", "environment"}
        bad = set(fields) - allowed
        if bad:
            raise AccountError(f"cannot change {', '.join(sorted(bad))}")
        if "environment" in fields:
            fields["environment"] = check_environment(fields["environment"])
        with self._db.write() as s:
            rec = AccountRepo(s).update(name, **fields)
        return self._view(rec)

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
        try:
            client.login()
            owner = client.get_owner_info_from_login2()
        finally:
            client.close()
        owner_name = owner.firm_name or " ".join(
            p for p in (owner.given_names or owner.first_name, owner.last_name) if p) or None
        with self._db.write() as s:
            rec = AccountRepo(s).update(name, box_id=owner.box_id, box_type=owner.box_type,
                                        owner_name=owner_name)
        return self._view(rec)

    def exists(self, name: str) -> bool:
        try:
            self.record(name)
        except NotFound:
            return False
        return True
