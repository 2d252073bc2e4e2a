"""Settings use case: read the typed settings, change them, keep them in the archive."""

from __future__ import annotations

import threading
from typing import Any

from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.repos import SettingsRepo


class SettingsService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._cached: Settings | None = None

    def get(self) -> Settings:
        with self._lock:
            if self._cached is None:
                with self._db.read() as s:
                    self._cached = Settings.from_mapping(SettingsRepo(s).all())
            return self._cached

    def invalidate(self) -> None:
        """Forget the cached settings (the archive under them was replaced: a restore)."""
        with self._lock:
            self._cached = None

    def update(self, **changes: Any) -> Settings:
        new = self.get().changed(**changes)
        with self._lock, self._db.write() as s:
            repo = SettingsRepo(s)
            for key in changes:
                repo.put(key, getattr(new, key))
            self._cached = new
        return new
