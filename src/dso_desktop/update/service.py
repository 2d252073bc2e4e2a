"""UpdateService: check, download, stage, skip, remind later — the API the GUI and CLI use."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import requests
from tuf.api import exceptions as tuf_exc

from dso_desktop import __version__, net
from dso_desktop.paths import AppPaths, atomic_write
from dso_desktop.resources import resource_path
from dso_desktop.update import files as files_mod
from dso_desktop.update import smallupdate
from dso_desktop.update.archive import UnsafeArchiveError, extract_version
from dso_desktop.update.client import Offer, TufClient, verify_file
from dso_desktop.update.errors import (
    FailedVersionError,
    NotInstalledError,
    UnsafeReleaseError,
    UpdateCancelled,
    UpdateConfigError,
    UpdateError,
    UpdateNetworkError,
    UpdatePortalOutdated,
    UpdatesDisabled,
    UpdatesManaged,
    UpdateStagingError,
    UpdateTlsError,
    UpdateVerificationError,
)
from dso_desktop.update.files import DeltaPlan
from dso_desktop.update.layout import InstallLayout, InstallState, find_install_root
from dso_desktop.update.release import (
    ARCHIVE_SUFFIXES,
    CHANNELS,
    ReleaseFormatError,
    Version,
    platform_tag,
)
from dso_desktop.update.transport import (
    DownloadCancelled,
    InsecureUrlError,
    Progress,
    TlsConfigError,
    TlsError,
    Transport,
    ca_bundle,
    check_url,
)

CHECK_INTERVAL = timedelta(hours=24)
SETTINGS_FILE = "update.json"


def default_portal_url() -> str:
    """The regional portal the build ships with (resources/update/portal.json)."""
    data = json.loads(resource_path("update", "portal.json").read_text(encoding="utf-8"))
    return str(data["url"])


def shipped_root() -> bytes:
    return resource_path("update", "root.json").read_bytes()


@dataclass(frozen=True)
class UpdateSettings:
    """Per-user update settings (config/update.json); the admin policy may override them."""

    enabled: bool = True
    portal_url: str | None = None  # None: the shipped default
    channel: str = "stable"
    skipped_version: str | None = None
    remind_after: str | None = None  # ISO time before which no prompt is shown
    # The scheduled (GUI) check's clock: only a scheduled check moves it, so a check from
    # the command line or the "check now" button never postpones the next scheduled one.
    last_check: str | None = None
    # What the last check of any kind found: {"at", "ok", "kind", "message_cs", "text_en",
    # "message_en", "available"}; the GUI shows a failure until a check succeeds again.
    last_result: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: Path) -> UpdateSettings:
        try:
            obj = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return cls()
        if not isinstance(obj, dict):
            return cls()
        known = {k: obj[k] for k in cls.__dataclass_fields__ if k in obj}
        s = cls(**known)
        return s if s.channel in CHANNELS else replace(s, channel="stable")

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps(asdict(self), indent=2).encode("utf-8") + b"\n")


@dataclass(frozen=True)
class CheckResult:
    """What a check found. ``prompt`` says whether the GUI should ask the user now."""

    current: str
    available: str | None
    notes_cs: str
    notes_en: str
    size: int | None
    sha256: str | None
    released: str | None
    prompt: bool
    reason: str  # up-to-date | available | skipped | remind-later | failed-before | withdrawn
    checked_at: str
    # True when ``available`` is lower than ``current``: the operator withdrew the running
    # version and the portal offers the previous good one.
    rollback: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class UpdateService:
    """Qt-free; blocking calls meant for a worker thread. One instance per app."""

    def __init__(self, paths: AppPaths, *, install_root: Path | None = None,
                 trusted_root: bytes | None = None, portal_url: str | None = None,
                 ca_file: Path | None = None, platform: str | None = None,
                 current_version: str | None = None,
                 now: Callable[[], datetime] = _utcnow,
                 session: requests.Session | None = None,
                 net_config: net.NetConfig | Callable[[], net.NetConfig] | None = None
                 ) -> None:
        self.paths = paths
        self.install_root = install_root or find_install_root()
        self.layout = InstallLayout(self.install_root) if self.install_root else None
        self._trusted_root = trusted_root
        self._portal_override = portal_url
        self.ca_file = ca_file
        self.platform = platform or platform_tag()
        self._current_override = current_version
        self.now = now
        self.session = session
        # The app's own HTTP choices (the user's proxy, timeouts); a callable is asked at
        # each check, in the worker thread, so a changed setting applies without a restart.
        self._net = net_config
        self._offer: Offer | None = None
        self._client: TufClient | None = None
        self._archive: Path | None = None
        self._delta: DeltaPlan | None = None  # a small update ready to be assembled

    # -- folders (all under the user's own data and cache folders) --------------------------
    @property
    def metadata_dir(self) -> Path:
        return self.paths.data / "update" / "metadata"

    @property
    def download_dir(self) -> Path:
        return self.paths.cache / "update" / "downloads"

    @property
    def settings_path(self) -> Path:
        return self.paths.config / SETTINGS_FILE

    # -- settings -----------------------------------------------------------------------------
    def settings(self) -> UpdateSettings:
        return UpdateSettings.load(self.settings_path)

    def _save(self, **changes: Any) -> UpdateSettings:
        s = replace(self.settings(), **changes)
        s.save(self.settings_path)
        return s

    def policy(self) -> dict[str, Any]:
        return self.layout.policy() if self.layout else {}

    def portal_ca_file(self) -> Path | None:
        """The CA that alone anchors the portal's TLS: given explicitly (``--ca-file``), else
        ``"ca_file"`` in the administrator's update-policy.json (relative to the install
        folder); None means the system roots."""
        if self.ca_file is not None:
            return Path(self.ca_file)
        configured = self.policy().get("ca_file")
        if isinstance(configured, str) and configured and self.layout is not None:
            return self.layout.root / configured
        return None

    def net_config(self) -> net.NetConfig:
        """The HTTP choices for the portal: the app's (user's proxy, timeouts), with the
        administrator's ``"proxy"`` from update-policy.json taking precedence ("" = direct).
        """
        base = self._net() if callable(self._net) else self._net
        config = base or net.NetConfig()
        proxy = self.policy().get("proxy")
        if isinstance(proxy, str):
            config = config.with_proxy(proxy)
        return config

    def managed(self) -> bool:
        """A managed install (policy ``"managed": true`` or a folder this user cannot write):
        IT installs new versions; this copy never checks, downloads or stages by itself."""
        return self.layout is not None and self.layout.managed()

    def checks_enabled(self) -> bool:
        """False when the administrator's policy or the user's setting turns checks off."""
        return self.policy().get("enabled", True) is not False and self.settings().enabled

    def admin_locked(self) -> bool:
        return self.policy().get("enabled", True) is False

    def set_enabled(self, enabled: bool) -> None:
        self._save(enabled=bool(enabled))

    def set_portal_url(self, url: str | None) -> None:
        if url:
            check_url(url)
        self._save(portal_url=url or None)

    def set_channel(self, channel: str) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        self._save(channel=channel)

    def portal_url(self) -> str:
        policy_url = self.policy().get("portal_url")
        url = (self._portal_override or (policy_url if isinstance(policy_url, str) else None)
               or self.settings().portal_url or default_portal_url())
        return check_url(url)

    def current_version(self) -> str:
        if self._current_override:
            return self._current_override
        if self.layout is not None:
            state = self.layout.load_state()
            if state.current:
                return state.current
        return __version__

    def check_due(self) -> bool:
        """Whether the 24-hour background check should run now."""
        if not self.checks_enabled() or self.managed():
            return False
        last = self.settings().last_check
        if not last:
            return True
        try:
            return self.now() - datetime.fromisoformat(last) >= CHECK_INTERVAL
        except ValueError:
            return True

    def skip_version(self, version: str) -> None:
        self._save(skipped_version=str(Version.parse(version)))

    def remind_later(self, delay: timedelta = CHECK_INTERVAL) -> None:
        self._save(remind_after=(self.now() + delay).isoformat())

    def install_status(self) -> dict[str, Any]:
        """The launcher's state for `dso update status`: versions, trial, last rollback.

        Unlike ``take_notice`` it consumes nothing: the reason of the last automatic
        rollback stays readable here after the GUI has shown it once.
        """
        if self.layout is None:
            return {"installed": False, "current": __version__}
        from dso_desktop.update.layout import log_path

        state = self.layout.load_state()
        trial = state.trial
        return {
            "installed": True, "root": str(self.layout.root), "managed": self.managed(),
            "log": str(log_path(self.layout)), "current": state.current,
            "previous": state.previous, "pending": state.pending, "failed": list(state.failed),
            "trial": None if trial is None else {"version": trial.version,
                                                 "failures": trial.failures,
                                                 "last_end": trial.last_end},
            "last_rollback": state.last_rollback,
        }

    def take_notice(self) -> dict[str, Any] | None:
        """The launcher's message after an update or a rollback (shown once, then removed)."""
        return self.layout.take_notice() if self.layout else None

    # -- check ----------------------------------------------------------------------------
    def _transport(self, cancel: threading.Event | None = None) -> Transport:
        verify = ca_bundle(self.portal_ca_file())
        return Transport(verify, self.session, cancel, config=self.net_config())

    def _new_client(self, cancel: threading.Event | None = None) -> TufClient:
        root = self._trusted_root if self._trusted_root is not None else shipped_root()
        return TufClient(self.portal_url(), self.metadata_dir, root, self._transport(cancel),
                         self.paths.cache / "update" / "work")

    def check(self, *, force: bool = False, scheduled: bool | None = None) -> CheckResult:
        """Refresh the signed metadata and compare the newest release with this one.

        ``scheduled`` (default: ``not force``) marks the GUI's 24-hour check: only it moves
        ``last_check``, so `dso update check` and "check now" (both ``force=True``) never
        postpone it. Every check records its outcome in ``last_result`` (a failure with
        its kind and Czech cause, see ``errors.describe_problem``), which the GUI shows.
        """
        if scheduled is None:
            scheduled = not force
        if self.managed():
            raise UpdatesManaged("this install is managed by the IT department: updates "
                                 "come from IT, not from the portal")
        if not force and not self.checks_enabled():
            raise UpdatesDisabled("update checks are turned off")
        try:
            with _translate_errors():
                client = self._new_client()
                client.refresh()
                offer = client.latest(self.settings().channel, self.platform)
        except UpdateError as exc:
            self._record_problem(exc)
            raise
        now = self.now()
        changes: dict[str, Any] = {"last_result": {
            "at": now.isoformat(), "ok": True, "kind": "ok", "message_cs": "",
            "message_en": "", "available": None if offer is None else str(offer.version)}}
        if scheduled:
            changes["last_check"] = now.isoformat()
        settings = self._save(**changes)
        current = Version.parse(self.current_version())
        self._client, self._offer = client, None
        if offer is not None and offer.version < current and str(current) in offer.withdrawn:
            # The operator withdrew the version this PC runs: offer the good one back.
            self._offer = offer
            return CheckResult(str(current), str(offer.version), offer.notes.cs,
                               offer.notes.en, offer.size, offer.sha256,
                               offer.released or None, True, "withdrawn", now.isoformat(),
                               rollback=True)
        if offer is None or offer.version <= current:
            return CheckResult(str(current), None, "", "", None, None, None, False,
                               "up-to-date", now.isoformat())
        self._offer = offer
        reason, prompt = "available", True
        failed = self.layout.load_state().failed if self.layout else ()
        if str(offer.version) in failed:
            reason, prompt = "failed-before", False
        elif settings.skipped_version == str(offer.version):
            reason, prompt = "skipped", False
        elif settings.remind_after and now < datetime.fromisoformat(settings.remind_after):
            reason, prompt = "remind-later", False
        return CheckResult(str(current), str(offer.version), offer.notes.cs, offer.notes.en,
                           offer.size, offer.sha256, offer.released or None, prompt, reason,
                           now.isoformat())

    def _record_problem(self, exc: UpdateError) -> None:
        from dso_desktop.update.errors import describe_problem

        with contextlib.suppress(OSError):  # the failure itself is what the caller reports
            self._save(last_result={"at": self.now().isoformat(), "ok": False,
                                    **describe_problem(exc), "available": None})

    def last_problem(self) -> dict[str, Any] | None:
        """The last check's failure (kind, Czech cause), or None when it succeeded."""
        result = self.settings().last_result
        if isinstance(result, dict) and result.get("ok") is False:
            return result
        return None

    # -- download -------------------------------------------------------------------------
    def download(self, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> Path:
        """Fetch the offered release, verified against TUF metadata.

        When the portal publishes the release's file list and this PC has the previous
        version installed, only the files that changed are fetched (a small update; the
        return value is then the folder of those files); otherwise the full archive.
        Resumable: a cancelled or broken download continues from its partial file.
        """
        if self._offer is None or self._client is None:
            result = self.check(force=True)
            if result.available is None:
                raise UpdateError("no newer version to download")
        assert self._offer is not None and self._client is not None
        offer, client = self._offer, self._client
        self._refuse_failed(str(offer.version))
        client.transport.cancel = cancel
        self._delta = None
        kept = self._kept_rollback_folder(offer)
        if kept is not None:
            return kept  # a withdrawn version: the previous one is still installed
        name = offer.archive.path.rpartition("/")[2]
        final = self.download_dir / name
        with _translate_errors():
            delta = self._try_small_update(offer, client, progress)
            if delta is not None:
                self._delta, self._archive = delta, None
                return self.files_cache
            if final.exists():
                try:
                    verify_file(offer.archive, final)
                    self._archive = final
                    return final
                except UpdateVerificationError:
                    pass  # removed by verify_file; download again
            part = self.download_dir / (name + ".part")
            client.download(offer.archive, part, progress)
            part.replace(final)
        self._archive = final
        return final

    @property
    def files_cache(self) -> Path:
        """Content files of a small update (named by SHA-256) until they are staged."""
        return self.download_dir / "files"

    def _installed_dirs(self) -> list[Path]:
        if self.layout is None:
            return []
        state = self.layout.load_state()
        return [self.layout.version_dir(v) for v in (state.current, state.previous)
                if v and self.layout.version_dir(v).is_dir()]

    def _try_small_update(self, offer: Offer, client: TufClient,
                          progress: Progress | None) -> DeltaPlan | None:
        """Fetch only the files the installed version lacks (see update/files.py)."""
        installed = self._installed_dirs()
        if offer.files is None or not installed:
            return None
        self.files_cache.mkdir(parents=True, exist_ok=True)
        found = smallupdate.prepare(client, offer, installed, self.files_cache, progress)
        if found is None:  # not worth it: the full archive is fetched instead
            shutil.rmtree(self.files_cache, ignore_errors=True)
        return found

    def _withdrawn_as_failed(self, state: InstallState) -> InstallState:
        """Staging the way back from a withdrawn version: remember that version as failed,
        so neither a check nor the launcher's manual rollback brings it back here."""
        offer = self._offer
        current = state.current
        if offer is None or current is None or current not in offer.withdrawn \
                or current in state.failed:
            return state
        return replace(state, failed=(*state.failed, current)[-20:])

    def _kept_rollback_folder(self, offer: Offer) -> Path | None:
        """The folder of a still-installed previous version the portal now offers back."""
        if self.layout is None:
            return None
        state = self.layout.load_state()
        version = str(offer.version)
        folder = self.layout.version_dir(version)
        if state.previous == version and state.current in offer.withdrawn \
                and folder.is_dir() and not folder.is_symlink():
            return folder
        return None

    # -- stage ----------------------------------------------------------------------------
    def stage(self) -> Path:
        """Unpack the downloaded release into versions/<ver>/ and mark it for the launcher."""
        if self.layout is None:
            raise NotInstalledError("not started through the launcher: nowhere to stage")
        if self.managed():
            raise UpdatesManaged("this install is managed by the IT department: "
                                 "nothing is staged here")
        if self._offer is None:
            raise UpdateError("download the update first")
        version = str(self._offer.version)
        kept = self._kept_rollback_folder(self._offer)
        if kept is not None:
            # Back to the previous version of a withdrawn one: its folder is still there;
            # the launcher switches to it at the next start after its self-check.
            with self.layout.lock() as locked:
                if not locked:
                    raise UpdateError("another update is in progress")
                state = self.layout.load_state()
                self.layout.save_state(self._withdrawn_as_failed(
                    replace(state, pending=version)))
            return kept
        delta = self._delta
        if self._archive is None and delta is None:
            raise UpdateError("download the update first")
        with self.layout.lock() as locked:
            if not locked:
                raise UpdateError("another update is in progress")
            state = self.layout.load_state()
            if version in (state.current, state.previous):
                raise UpdateError(f"version {version} is already installed")
            self._refuse_failed(version)
            target = self.layout.version_dir(version)
            if target.is_symlink():
                target.unlink()
            elif target.exists():
                shutil.rmtree(target)  # a leftover from an earlier, unfinished staging
            try:
                if delta is not None:
                    folder = files_mod.assemble(delta, delta.local.__getitem__,
                                                self.layout.versions_dir)
                else:
                    assert self._archive is not None
                    folder = extract_version(self._archive, self._offer.version,
                                             self.layout.versions_dir)
            except (UnsafeArchiveError, ReleaseFormatError) as exc:
                raise UnsafeReleaseError(f"release archive refused: {exc}") from exc
            except OSError as exc:  # both remove their temporary folder on failure
                raise UpdateStagingError(f"cannot unpack the release: {exc}") from exc
            self.layout.save_state(self._withdrawn_as_failed(replace(state, pending=version)))
        if delta is not None:
            shutil.rmtree(self.files_cache, ignore_errors=True)
        # The staged version is unpacked now: its archive and any older ones are not needed
        # (the next update copies unchanged files from the installed folder).
        for other in _archives(self.download_dir):
            other.unlink(missing_ok=True)
        return folder

    def _refuse_failed(self, version: str) -> None:
        """A version the launcher rolled back on this computer is never installed again."""
        if self.layout is not None and version in self.layout.load_state().failed:
            raise FailedVersionError(
                f"version {version} failed on this computer before; it is not installed "
                "again (wait for a newer version)")

    def apply(self, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> Path | None:
        """Check, download and stage in one go; None when already up to date."""
        result = self.check(force=True)
        if result.available is None:
            return None
        self.download(progress, cancel)
        return self.stage()


def _archives(folder: Path) -> list[Path]:
    return [p for p in folder.glob("dso-desktop-*") if p.name.endswith(ARCHIVE_SUFFIXES)]


class _translate_errors:
    """Library errors become our UpdateError family at this boundary."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> Literal[False]:
        if exc is None or isinstance(exc, UpdateError):
            return False
        if isinstance(exc, DownloadCancelled):
            raise UpdateCancelled(str(exc)) from exc
        if isinstance(exc, tuf_exc.DownloadLengthMismatchError):
            raise UpdateVerificationError(f"too much data: {exc}") from exc
        if isinstance(exc, tuf_exc.ExpiredMetadataError):
            # Signatures fine, metadata too old: the portal's daily job has stopped.
            raise UpdatePortalOutdated(f"the portal's signed metadata has expired "
                                       f"(its operator must renew it): {exc}") from exc
        if isinstance(exc, tuf_exc.RepositoryError):
            raise UpdateVerificationError(str(exc)) from exc
        if isinstance(exc, TlsError):
            raise UpdateTlsError(str(exc)) from exc
        if isinstance(exc, tuf_exc.DownloadError):
            raise UpdateNetworkError(str(exc)) from exc
        if isinstance(exc, InsecureUrlError | TlsConfigError | net.ProxyConfigError):
            raise UpdateConfigError(str(exc)) from exc
        if isinstance(exc, ReleaseFormatError):
            raise UpdateError(str(exc)) from exc
        return False
