"""Sync use case: one job per account at a time, several accounts side by side."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dso_desktop.services.accounts import AccountService
from dso_desktop.settings import Settings
from dso_desktop.store.db import CHANGES_CHANNEL, Database
from dso_desktop.sync.engine import AccountSync, ProgressFn, decide_received
from dso_desktop.sync.events import SyncBusy, SyncError, SyncSummary
from dso_desktop.sync.lock import AccountLock, DatabaseLock, LockBusy, box_key


class SyncService:
    def __init__(
        self,
        db: Database,
        accounts: AccountService,
        trust: Callable[..., Any],  # trust(account_id) -> that account's TrustStore
        settings: Callable[[], Settings],
        *,
        client_factory: Callable[..., Any] | None = None,
        lock_dir: Path | None = None,
    ) -> None:
        self._db = db
        self._accounts = accounts
        self._trust = trust
        self._settings = settings
        self._client_factory = client_factory or accounts.client
        self._lock_dir = lock_dir  # cross-process: one sync per account on this computer
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._box_gates: dict[tuple[str, str], threading.Lock] = {}

    def running(self) -> set[str]:
        with self._lock:
            return set(self._running)

    def sync_account(
        self,
        name: str,
        *,
        accept_delivery: bool | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        otp_provider: Any = None,
        mobile_key_observer: Any = None,
        password: str | None = None,
    ) -> SyncSummary:
        """Sync one account; raises `DeliveryConfirmationRequired` before any request when
        received messages would be accepted for the first time without confirmation."""
        with self._lock:
            if name in self._running:
                raise SyncBusy(f"account {name!r} is being synced already")
            self._running.add(name)
        lock: AccountLock | None = None
        held: list[DatabaseLock] = []
        try:
            record = self._accounts.record(name)
            if self._lock_dir is not None:
                lock = AccountLock(self._lock_dir, record.id)
                try:
                    lock.acquire()
                except LockBusy:
                    lock = None
                    raise SyncBusy(
                        f"account {name!r} is being synced by another program") from None
            if self._db.is_postgres:  # one sync per account on every computer of the office
                office_lock = DatabaseLock(self._db, record.id)
                try:
                    office_lock.acquire()
                except LockBusy:
                    raise SyncBusy(f"account {name!r} is being synced on another computer"
                                   ) from None
                held.append(office_lock)
            cancel = cancel or threading.Event()
            settings = self._settings()
            decide_received(record, accept_delivery)  # before anything touches ISDS
            trust = self._trust(record.id)  # this account's scope only
            client = self._client_factory(
                name, password=password, otp_provider=otp_provider,
                mobile_key_observer=mobile_key_observer, cancel=cancel,
            )
            try:
                return AccountSync(self._db, trust, record, client, settings,
                                   accept_delivery=accept_delivery, progress=progress,
                                   cancel=cancel, box_lock=self._box_guard).run()
            finally:
                close = getattr(client, "close", None)
                if close is not None:
                    # closing a connection must not mask the outcome of the sync
                    with contextlib.suppress(Exception):
                        close()
        finally:
            if held:  # it ran: other computers' open windows refresh (LISTEN/NOTIFY)
                with contextlib.suppress(Exception):
                    self._db.notify(CHANGES_CHANNEL, f"sync:{name}")
            for held_lock in held:
                held_lock.release()
            if lock is not None:
                lock.release()
            with self._lock:
                self._running.discard(name)

    @contextlib.contextmanager
    def _box_guard(self, box_id: str, environment: str,
                   check_cancel: Callable[[], None]) -> Iterator[None]:
        """Accounts of one data box store its messages one after another. Side by side,
        each would decide on its own where the box's messages are filed before the other
        had filed any, and the box would get two copies of each. In this program the second
        account waits (`sync_many` runs them side by side); another program, or another
        computer of the office, syncing the same box makes this sync stop as busy."""
        with self._lock:
            gate = self._box_gates.setdefault((environment, box_id), threading.Lock())
        while not gate.acquire(timeout=0.2):
            check_cancel()
        held: list[AccountLock | DatabaseLock] = []
        try:
            key = box_key(environment, box_id)
            for lock in ((AccountLock(self._lock_dir, key, kind="box")
                          if self._lock_dir is not None else None),
                         DatabaseLock(self._db, key, kind="box") if self._db.is_postgres
                         else None):
                if lock is None:
                    continue
                try:
                    lock.acquire()
                except LockBusy:
                    raise SyncBusy(f"data box {box_id!r} is being synced by another program"
                                   " or computer (another account of the same box)") from None
                held.append(lock)
            yield
        finally:
            for lock in reversed(held):
                lock.release()
            gate.release()

    def sync_many(
        self,
        names: list[str],
        *,
        accept_delivery: bool | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        max_parallel: int = 4,
        password: str | None = None,
    ) -> dict[str, SyncSummary | BaseException]:
        """Sync several accounts in parallel (each one strictly sequential inside)."""
        results: dict[str, SyncSummary | BaseException] = {}
        if not names:
            return results

        def one(n: str) -> SyncSummary:
            return self.sync_account(n, accept_delivery=accept_delivery, progress=progress,
                                     cancel=cancel, password=password)

        with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(names)))) as pool:
            futures = {n: pool.submit(one, n) for n in names}
            for n, fut in futures.items():
                try:
                    results[n] = fut.result()
                except (SyncError, Exception) as exc:
                    results[n] = exc
        return results
