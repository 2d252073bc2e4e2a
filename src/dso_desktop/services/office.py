"""Several computers on one archive: hear what the others changed (PostgreSQL).

`ChangeListener` is a thread with a connection of its own that LISTENs on the archive's
change channel (`store.db.CHANGES_CHANNEL`); the sync and the message and tag services
NOTIFY it after a commit (a NOTIFY is delivered only when its transaction commits). The
GUI turns each callback into a Qt signal and reloads its lists, so a message synced on
one computer appears in the open windows of the others within a second or two. A lost
connection is re-opened with a pause; nothing is lost by that (the GUI reloads from the
archive, the notification only says "look again").
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from dso_desktop.store.db import CHANGES_CHANNEL, Database

log = logging.getLogger(__name__)


class ChangeListener:
    """Calls ``on_change(payload)`` (on its own thread) for every change notification."""

    def __init__(self, db: Database, on_change: Callable[[str], None], *,
                 channel: str = CHANGES_CHANNEL, poll: float = 0.5,
                 reconnect_delay: float = 5.0) -> None:
        self._db = db
        self._on_change = on_change
        self._channel = channel
        self._poll = poll
        self._reconnect_delay = reconnect_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while LISTEN is in force

    @property
    def enabled(self) -> bool:
        return self._db.is_postgres

    def start(self) -> ChangeListener:
        if not self.enabled or self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="dso-change-listener",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # the server or network went away: try again later
                self.listening.clear()
                log.info("change listener lost its connection (%s); retrying",
                         type(exc).__name__)
                self._stop.wait(self._reconnect_delay)

    def _listen(self) -> None:
        from psycopg import sql

        raw = self._db.engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.autocommit = True  # type: ignore[union-attr]
            conn.execute(sql.SQL("LISTEN {}").format(  # type: ignore[union-attr]
                sql.Identifier(self._channel)))
            self.listening.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=self._poll,  # type: ignore[union-attr]
                                          stop_after=None):
                    try:
                        self._on_change(note.payload)
                    except Exception:
                        log.exception("change callback failed")
                    if self._stop.is_set():
                        break
        finally:
            self.listening.clear()
            # LISTEN state must not go back to the pool; a dead connection may fail to close.
            with contextlib.suppress(Exception):
                raw.invalidate()
