"""The one composition root: builds the archive and the services from paths and settings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dso_desktop.isds.retry import RetryPolicy
from dso_desktop.paths import AppPaths
from dso_desktop.services.accounts import AccountService
from dso_desktop.services.backup import BackupService
from dso_desktop.services.datovka import DatovkaImportService
from dso_desktop.services.integrity import IntegrityService
from dso_desktop.services.messages import MessageService, SearchService, TagService
from dso_desktop.services.notify import NotifyService, due_items_from_watch
from dso_desktop.services.paper import PaperService
from dso_desktop.services.records import RecordsService, resigned_versions
from dso_desktop.services.remedies import RemedyService
from dso_desktop.services.send import SendLimits, SendService
from dso_desktop.services.settings import SettingsService
from dso_desktop.services.sync import SyncService
from dso_desktop.services.trust import TrustAnchorService, open_trust_store
from dso_desktop.services.warnings import WarningService
from dso_desktop.services.watch import WatchService
from dso_desktop.services.zfofiles import ZfoService
from dso_desktop.store.db import Database
from dso_desktop.sync.lock import ArchiveUseLock

log = logging.getLogger(__name__)


class App:
    """Services over one archive. Plain blocking Python; safe to call from worker threads."""

    def __init__(
        self,
        paths: AppPaths,
        db: Database,
        *,
        demo: bool = False,
        trust_anchors: Sequence[Path] = (),
        offline: bool | None = None,
        client_factory: Callable[..., Any] | None = None,
        retry: RetryPolicy | None = None,
        send_limits: SendLimits | None = None,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.paths = paths
        self.db = db
        self.demo = demo
        self._extra_anchors = [Path(p) for p in trust_anchors]
        self._offline = offline
        self._trust_lock = threading.Lock()
        self._trust: Any = None
        self._trust_key: tuple[str, ...] | None = None
        self._scoped: dict[str, Any] = {}
        self._listeners: list[Any] = []

        self.settings = SettingsService(db)
        if retry is not None:
            # The ISDS client is the one layer that retries (throttling, maintenance,
            # timeouts of idempotent operations); `retry` configures it.
            client_options = {"max_retries": max(0, retry.attempts - 1),
                              "backoff_base": retry.base_delay,
                              "max_delay": retry.max_delay, **(client_options or {})}
        self.accounts = AccountService(db, self.settings.get, client_options)
        self.messages = MessageService(db, self.trust)
        self.search = SearchService(db)
        self.tags = TagService(db)
        self.sync = SyncService(db, self.accounts, self.trust, self.settings.get,
                                client_factory=client_factory,
                                lock_dir=paths.data / "locks")
        self.send = SendService(db, self.accounts, self.trust, send_limits,
                                lock_dir=paths.data / "locks")
        self.outbox = self.send.outbox  # exactly-once sending: records and reconciliation
        self.zfo = ZfoService(db, self.trust)
        self.paper = PaperService(db)  # PDF envelopes, overviews, e-mail (issue 16)
        self.watch = WatchService(db, self.settings.get, self.trust)
        self.warnings = WarningService(db, self.settings.get, self.watch)
        self.remedies = RemedyService(db, self.accounts, self.trust, self.settings.get,
                                      self.net_config)
        self.integrity = IntegrityService(db, self.trust)
        self.trust_anchors = TrustAnchorService(self.settings)
        # Hand-over to records management (issue 17), restamped versions included.
        self.records = RecordsService(db, resigned_versions(db))
        self.backup = BackupService(paths, db, self.trust)  # issue 21: backup and restore
        self.datovka = DatovkaImportService(self.accounts, self.zfo, self.tags)  # issue 21
        # The due items of the e-mail digest and the tray come from the watch (one list).
        self.notify = NotifyService(
            db, self.settings.get, self.messages,
            lambda limit=None: due_items_from_watch(self.watch.items(limit=limit)),
            due_count=lambda: sum(self.watch.counts().values()))

    @classmethod
    def open(
        cls,
        paths: AppPaths,
        *,
        demo: bool = False,
        trust_anchors: Sequence[Path] = (),
        offline: bool | None = None,
        client_factory: Callable[..., Any] | None = None,
        retry: RetryPolicy | None = None,
        send_limits: SendLimits | None = None,
        client_options: dict[str, Any] | None = None,
        store_url: str | None = None,
    ) -> App:
        """Open (and create or upgrade) the archive under ``paths``, or at ``store_url``
        (``postgresql+psycopg://user@host/db``: an office's shared archive; see
        `services.storeconfig.resolve_store_url` for where the CLI and GUI take it from).

        ``demo=True`` is the training mode: the trust store holds only the anchors given
        (the simulator's CA) and the CA files of custom environments; nothing is fetched.
        """
        from dso_desktop.services.storeconfig import resolve_store_url

        paths.ensure()
        url = resolve_store_url(paths, store_url)  # --store, DSO_STORE_URL, saved, or None
        # Held while open: a restore (another process) must not move the archive away.
        use = ArchiveUseLock(paths.data / "locks", exclusive=False)
        use.acquire()
        try:
            db = Database.open_url(url) if url else Database.open(paths.database)
        except BaseException:
            use.release()
            raise
        app = cls(paths, db, demo=demo, trust_anchors=trust_anchors, offline=offline,
                  client_factory=client_factory, retry=retry, send_limits=send_limits,
                  client_options=client_options)
        app.archive_use = use
        return app

    archive_use: ArchiveUseLock | None = None

    def listen_changes(self, callback: Callable[[str], None]) -> Any:
        """Hear other computers' changes to a shared (PostgreSQL) archive: ``callback``
        gets each notification's payload on a listener thread. Returns the started
        `services.office.ChangeListener` (stop it when done); on SQLite it does nothing."""
        from dso_desktop.services.office import ChangeListener

        listener = ChangeListener(self.db, callback).start()
        self._listeners.append(listener)
        return listener

    def close(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners.clear()
        self.db.close()
        if self.archive_use is not None:
            self.archive_use.release()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- trust --------------------------------------------------------------------------
    # Trust has a scope. The global store (`trust()`) holds the pinned PostSignum anchors and
    # the anchors the user added (settings `trust_anchors`, `App.open(trust_anchors=...)`,
    # `add_trust_anchor`). The CA file of a non-production account (test environment,
    # simulator, `--ca-file`) is an anchor only in `trust(account_id)` of that account, so it
    # can never make another account's (or an unattributed) message verify.
    def add_trust_anchor(self, path: Path) -> None:
        """Trust one more CA for every account's ZFOs, for this run (a user-added anchor)."""
        with self._trust_lock:
            if Path(path) not in self._extra_anchors:
                self._extra_anchors.append(Path(path))
                self._trust = None

    def _user_anchor_files(self) -> list[Path]:
        anchors = list(self._extra_anchors)
        anchors += [Path(p) for p in getattr(self.settings.get(), "trust_anchors", ())]
        out = []
        for p in dict.fromkeys(anchors):
            if p.exists():
                out.append(p)
            else:
                log.warning("trust anchor %s not found; ignored", p)
        return out

    def net_config(self) -> Any:
        """``net.NetConfig`` from the user's settings (proxy, timeouts): for every HTTP
        client the app builds (trust-store downloads, the GUI's update checks)."""
        from dso_desktop import net

        try:
            return net.NetConfig.from_settings(self.settings.get())
        except net.ProxyConfigError:
            # A malformed proxy setting: the ISDS client reports it at login; downloads
            # fall back to the system's proxy rather than failing the archive.
            return net.NetConfig.from_settings(self.settings.get(), proxy=None)

    def account_ca_file(self, account_id: int | None) -> Path | None:
        """The CA file that is a seal anchor for this account's messages only: set for a
        non-production account (test environment, simulator); None for production."""
        if account_id is None:
            return None
        from dso_desktop.store.repos import AccountRepo

        with self.db.read() as s:
            try:
                acc = AccountRepo(s).by_id(account_id)
            except Exception:  # an account removed meanwhile: the global scope only
                return None
        if not acc.ca_file or acc.environment == "production":
            return None
        path = Path(acc.ca_file)
        if not path.exists():
            log.warning("CA file of account %s not found: %s", acc.name, path)
            return None
        return path

    def trust(self, account_id: int | None = None) -> Any:
        """The trust store for ZFOs of ``account_id`` (None: no account, the global scope)."""
        base = self._global_trust()
        ca = self.account_ca_file(account_id)
        if ca is None:
            return base
        key = str(ca)  # accounts with the same CA share one store (same scope, same object)
        with self._trust_lock:
            if self._trust is base:
                scoped = self._scoped.get(key)
                if scoped is not None:
                    return scoped
        from dso_desktop.zfo.trust import ACCOUNT

        try:
            scoped = base.scoped([ca], source=ACCOUNT)
        except (OSError, ValueError) as exc:
            log.warning("CA file of account %s unreadable: %s", account_id, exc)
            return base
        with self._trust_lock:
            if self._trust is base:
                self._scoped[key] = scoped
        return scoped

    def _global_trust(self) -> Any:
        anchors = self._user_anchor_files()
        offline = self._offline
        if offline is None:
            offline = self.demo or not self.settings.get().trust_download
        key = (*(str(p) for p in anchors), f"offline={offline}")
        with self._trust_lock:
            if self._trust is not None and self._trust_key == key:
                return self._trust
            # Training mode: the shipped PostSignum CAs, nothing fetched, no cache. Otherwise
            # issuer and CRL downloads go through the product's one HTTP factory with the
            # user's proxy and timeouts, like the ISDS client and the updater.
            store = open_trust_store(
                None if self.demo else self.paths.cache, offline=offline,
                net_config=None if self.demo else self.net_config(), anchors=anchors,
                on_unreadable=lambda p, exc: log.warning("trust anchor %s unreadable: %s",
                                                         p, exc))
            self._trust, self._trust_key = store, key
            self._scoped = {}
            return store
