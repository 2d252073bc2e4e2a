"""The one composition root: builds the archive and the services from paths and settings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dso_desktop.paths import AppPaths
from dso_desktop.services.accounts import AccountService
from dso_desktop.services.archive import IntegrityService, ZfoService
from dso_desktop.services.messages import MessageService, SearchService, TagService
from dso_desktop.services.send import SendLimits, SendService
from dso_desktop.services.settings import SettingsService
from dso_desktop.services.sync import SyncService
from dso_desktop.services.warnings import WarningService
from dso_desktop.store.db import Database
from dso_desktop.sync.engine import RetryPolicy

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

        self.settings = SettingsService(db)
        self.accounts = AccountService(db, self.settings.get, client_options)
        self.messages = MessageService(db, self.trust)
        self.search = SearchService(db)
        self.tags = TagService(db)
        self.sync = SyncService(db, self.accounts, self.trust, self.settings.get,
                                client_factory=client_factory, retry=retry,
                                lock_dir=paths.data / "locks")
        self.send = SendService(db, self.accounts, self.trust, send_limits)
        self.zfo = ZfoService(db, self.trust)
        self.warnings = WarningService(db, self.settings.get)
        self.integrity = IntegrityService(db, self.trust)

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
    ) -> App:
        """Open (and create or upgrade) the archive under ``paths``.

        ``demo=True`` is the training mode: the trust store holds only the anchors given
        (the simulator's CA) and the CA files of custom environments; nothing is fetched.
        """
        paths.ensure()
        db = Database.open(paths.database)
        return cls(paths, db, demo=demo, trust_anchors=trust_anchors, offline=offline,
                   client_factory=client_factory, retry=retry, send_limits=send_limits,
                   client_options=client_options)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- trust --------------------------------------------------------------------------
    def add_trust_anchor(self, path: Path) -> None:
        """Trust one more CA (the simulator's in training mode) for verifying ZFOs."""
        with self._trust_lock:
            if Path(path) not in self._extra_anchors:
                self._extra_anchors.append(Path(path))
                self._trust = None

    def _anchor_files(self) -> list[Path]:
        anchors = list(self._extra_anchors)
        # A custom environment (simulator, test server) seals with its own CA; trusting its
        # CA file is what makes its messages verify. Production accounts add nothing.
        for acc in self.accounts.list():
            if acc.ca_file and acc.environment not in ("production",):
                anchors.append(Path(acc.ca_file))
        return [p for p in dict.fromkeys(anchors) if p.exists()]

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

    def trust(self) -> Any:
        """The trust store for ZFO verification, rebuilt when the anchors change."""
        from dso_desktop.zfo import TrustStore

        anchors = self._anchor_files()
        key = tuple(str(p) for p in anchors)
        with self._trust_lock:
            if self._trust is not None and self._trust_key == key:
                return self._trust
            offline = self._offline
            if offline is None:
                offline = self.demo or not self.settings.get().trust_download
            if self.demo:
                store = TrustStore.from_paths(anchors)
            else:
                from dso_desktop import net
                from dso_desktop.zfo.trust import MAX_FETCH_BYTES, load_certificates

                # Issuer downloads go through the product's one HTTP factory with the
                # user's proxy and timeouts, like the ISDS client and the updater.
                store = TrustStore.default(
                    self.paths.cache / "trust", allow_download=not offline,
                    fetcher=net.fetcher(self.net_config(), max_bytes=MAX_FETCH_BYTES))
                # default() trusts only the PostSignum roots; the user's extra CAs (a
                # simulator, a test server) are anchors because the user said so.
                for anchor in anchors:
                    files = sorted(anchor.rglob("*")) if anchor.is_dir() else [anchor]
                    for f in files:
                        if f.is_file():
                            for cert in load_certificates(f.read_bytes()):
                                store.add(cert, explicit_anchor=True)
            self._trust, self._trust_key = store, key
            return store
