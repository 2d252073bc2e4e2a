"""Secrets (passwords, OTP seeds, certificate passphrases) live only in the OS keyring."""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "dso-desktop"


class SecretStoreError(RuntimeError):
    """The OS keyring is missing or refused the operation."""


def _key(account: str, kind: str) -> str:
    return f"{account}:{kind}"


def set_secret(account: str, kind: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, _key(account, kind), value)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot store secret in the OS keyring: {exc}") from exc


def get_secret(account: str, kind: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _key(account, kind))
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot read the OS keyring: {exc}") from exc


def delete_secret(account: str, kind: str) -> None:
    try:
        keyring.delete_password(SERVICE, _key(account, kind))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot remove the secret from the OS keyring: {exc}") from exc


class MemoryKeyring(KeyringBackend):
    """Process-local keyring for tests and the training mode; never touches disk."""

    # Never chosen by keyring's automatic discovery (that would silently keep passwords
    # only for the life of one process); only installed explicitly by use_memory_keyring().
    priority = 1  # type: ignore[assignment]
    viable = False  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self._data[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


def use_memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
