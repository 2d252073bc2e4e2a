"""Fault injection: maintenance, throttling, restricted mode, broken transports, no TSA."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

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
    # The operation runs and commits (the message exists), then the answer is lost: the
    # connection is closed without a response, or the answer comes ``delay`` seconds late.
    # A crash test kills its client in that moment (``Fault.committed`` says when).
    "commit-then-drop",
    "commit-then-delay",
})
COMMIT_MODES = frozenset({"commit-then-drop", "commit-then-delay"})
RESTRICTED_DELAY = 3.0  # seconds (PROTOCOL.md §2: T = 3 s)
COMMIT_DELAY = 30.0  # commit-then-delay's default: long enough to kill the client in it


@dataclass
class Fault:
    mode: str
    operation: str | None = None  # None = every operation
    times: int | None = None  # None = until cleared
    delay: float = 0.0
    # commit-then-*: set once the operation committed and the answer is being withheld.
    committed: threading.Event = field(default_factory=threading.Event, repr=False,
                                       compare=False)

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode, "operation": self.operation, "times": self.times,
                "delay": self.delay, "committed": self.committed.is_set()}


class Faults:
    """Active faults; ``match`` picks (and counts down) the one for an operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.committed: dict[str, int] = {}  # operation -> answers withheld after commit

    def inject(self, operation: str | None, mode: str, *, times: int | None = None,
               delay: float | None = None) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; known: {sorted(MODES)}")
        if delay is None:
            delay = RESTRICTED_DELAY if mode == "restricted" else (
                2.0 if mode == "slow" else COMMIT_DELAY if mode == "commit-then-delay"
                else 0.0)
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

    def note_committed(self, fault: Fault, operation: str) -> None:
        with self._lock:
            self.committed[operation] = self.committed.get(operation, 0) + 1
        fault.committed.set()

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
