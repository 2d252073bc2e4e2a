"""Secrets (passwords, OTP seeds, certificate passphrases) live only in the OS keyring."""

from __future__ import annotations

from typing import Any

# keyring (and its backends) is imported on first use: it costs ~60 ms at every start of
# the app, and most starts never touch a secret before the window is up.

SERVICE = "dso-desktop"


class SecretStoreError(RuntimeError):
    """The OS keyring is missing or refused the operation."""


def _key(account: str, kind: str) -> str:
    return f"{account}:{kind}"


def set_secret(account: str, kind: str, value: str) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.set_password(SERVICE, _key(account, kind), value)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot store secret in the OS keyring: {exc}") from exc


def get_secret(account: str, kind: str) -> str | None:
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(SERVICE, _key(account, kind))
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot read the OS keyring: {exc}") from exc


def delete_secret(account: str, kind: str) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(SERVICE, _key(account, kind))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"cannot remove the secret from the OS keyring: {exc}") from exc


def use_memory_keyring() -> Any:
    """Install a process-local keyring (tests, training mode); returns the backend."""
    import keyring

    from dso_desktop.memkeyring import MemoryKeyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
