"""A process-local keyring for tests and the training mode; never touches disk."""

from __future__ import annotations

import keyring.errors
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """Secrets kept in this process only.

    Never chosen by keyring's automatic discovery (that would silently keep passwords only
    for the life of one process); installed explicitly by ``secrets.use_memory_keyring()``.
    """

    priority = 1
    viable = False

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
