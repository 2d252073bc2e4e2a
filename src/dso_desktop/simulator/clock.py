"""The simulator's controllable clock: real time plus an offset that tests can advance."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """Wall clock shifted by an adjustable offset; optionally frozen at a fixed instant."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        real = datetime.now(UTC)
        self._offset = (start - real) if start is not None else timedelta(0)
        self._frozen_at: datetime | None = (start or real) if frozen else None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def advance(self, days: float = 0, *, hours: float = 0, minutes: float = 0,
                seconds: float = 0) -> datetime:
        """Jump forward (never backward: ISDS time does not run back)."""
        delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if delta < timedelta(0):
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta
        return self.now()

    def freeze(self) -> None:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def set_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset
