"""Fault injection: maintenance, throttling, restricted mode, broken transports, no TSA."""

from __future__ import annotations

import threading
from dataclasses import dataclass

MODES = frozenset({
    "maintenance",  # HTTP 503 with a SOAP Fault, as during planned maintenance
    "3008",  # too many parallel requests (dmStatus/dbStatus 3008)
    "3009",  # too many requests (dmStatus/dbStatus 3009)
    "restricted",  # restricted mode: every request delayed, a parallel one gets 3008
    "slow",  # the answer comes after ``delay`` seconds
    "reset",  # the TCP connection is reset instead of answering
    "truncated",  # the body is cut short (Content-Length promises more)
    "malformed",  # HTTP 200 with a body that is not well-formed XML
    "no-timestamp",  # signed answers come without a timestamp, status 0005
})
RESTRICTED_DELAY = 3.0  # seconds (PROTOCOL.md §2: T = 3 s)


@dataclass
class Fault:
    mode: str
    operation: str | None = None  # None = every operation
    times: int | None = None  # None = until cleared
    delay: float = 0.0


class Faults:
    """Active faults; ``match`` picks (and counts down) the one for an operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(self, operation: str | None, mode: str, *, times: int | None = None,
               delay: float | None = None) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; known: {sorted(MODES)}")
        if delay is None:
            delay = RESTRICTED_DELAY if mode == "restricted" else (
                2.0 if mode == "slow" else 0.0)
        fault = Fault(mode, operation or None, times, float(delay))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, operation: str | None = None) -> None:
        with self._lock:
            if operation is None:
                self._faults.clear()
            else:
                self._faults = [f for f in self._faults if f.operation != operation]

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def match(self, operation: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.operation in (None, operation):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None
