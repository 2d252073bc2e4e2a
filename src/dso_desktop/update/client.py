"""The TUF side of an update: refresh signed metadata, find the release, verify downloads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import TargetFile
from tuf.ngclient import Updater, UpdaterConfig

from dso_desktop import USER_AGENT
from dso_desktop.update.errors import UpdateError, UpdatePortalOutdated, UpdateVerificationError
from dso_desktop.update.release import (
    CUSTOM_KEY,
    LatestIndex,
    Notes,
    ReleaseFormatError,
    Version,
    index_target,
)
from dso_desktop.update.transport import Progress, Transport, check_url

# Our metadata is small; tighter bounds than python-tuf's defaults stop endless data early.
CONFIG = UpdaterConfig(
    max_root_rotations=64,
    root_max_length=64 * 1024,
    timestamp_max_length=16 * 1024,
    snapshot_max_length=256 * 1024,
    targets_max_length=4 * 1024 * 1024,
    app_user_agent=USER_AGENT,
)
MAX_INDEX_BYTES = 64 * 1024
# Even a validly signed release larger than this is refused (a stolen targets key must not
# be able to fill the user's disk).
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Offer:
    """The newest release of a channel and platform as the signed metadata describes it."""

    version: Version
    notes: Notes
    released: str
    archive: TargetFile
    patches: dict[str, TargetFile]  # from-version -> patch target
    files: TargetFile | None = None  # the signed file list (small updates), if published
    withdrawn: tuple[str, ...] = ()  # versions the operator took back (see LatestIndex)

    @property
    def size(self) -> int:
        return self.archive.length

    @property
    def sha256(self) -> str:
        return self.archive.hashes["sha256"]


def _custom(info: TargetFile) -> dict[str, Any]:
    data = (info.custom or {}).get(CUSTOM_KEY)
    return data if isinstance(data, dict) else {}


def _root_version(data: bytes) -> int:
    try:
        version = json.loads(data)["signed"]["version"]
    except (ValueError, KeyError, TypeError):
        return -1
    return version if isinstance(version, int) else -1


def hashed_url(base: str, info: TargetFile) -> str:
    """Target URL with the hash prefix of a consistent-snapshot repository (ours always is)."""
    dirname, sep, name = info.path.rpartition("/")
    return f"{base}{dirname}{sep}{info.hashes['sha256']}.{name}"


class TufClient:
    """One refresh of the portal's metadata (python-tuf allows one per Updater)."""

    def __init__(self, portal_url: str, metadata_dir: Path, trusted_root: bytes,
                 transport: Transport, work_dir: Path) -> None:
        base = portal_url if portal_url.endswith("/") else portal_url + "/"
        check_url(base)
        self.metadata_url = base + "metadata/"
        self.targets_url = base + "targets/"
        self.transport = transport
        self.work_dir = work_dir
        metadata_dir.mkdir(parents=True, exist_ok=True)
        # The shipped root is only the start of trust: once a newer root is cached (after a
        # key rotation), that one is used, so the chain of trust moves forward, never back.
        cached = metadata_dir / "root.json"
        bootstrap: bytes | None = trusted_root
        if cached.is_file() and _root_version(cached.read_bytes()) >= _root_version(trusted_root):
            bootstrap = None
        try:
            self.updater = Updater(str(metadata_dir), self.metadata_url, str(work_dir),
                                   self.targets_url, transport, CONFIG, bootstrap=bootstrap)
        except (tuf_exc.RepositoryError, ValueError) as exc:
            if bootstrap is None:  # a damaged cache: start again from the shipped root
                cached.unlink(missing_ok=True)
                self.updater = Updater(str(metadata_dir), self.metadata_url, str(work_dir),
                                       self.targets_url, transport, CONFIG,
                                       bootstrap=trusted_root)
            else:
                raise UpdateVerificationError(f"the trusted root is invalid: {exc}") from exc

    def refresh(self) -> None:
        try:
            self.updater.refresh()
        except tuf_exc.RepositoryError as exc:
            raise _rejected(exc) from exc

    def _targetinfo(self, path: str) -> TargetFile | None:
        try:
            return self.updater.get_targetinfo(path)
        except tuf_exc.RepositoryError as exc:
            raise _rejected(exc) from exc

    def latest(self, channel: str, platform: str) -> Offer | None:
        """The signed ``latest.json`` of the channel and the targets it names."""
        info = self._targetinfo(index_target(channel, platform))
        if info is None:
            return None
        if info.length > MAX_INDEX_BYTES:
            raise UpdateVerificationError("latest.json is unreasonably large")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        dest = self.work_dir / "latest.json"
        try:
            self.updater.download_target(info, str(dest))
        except tuf_exc.RepositoryError as exc:
            raise UpdateVerificationError(f"latest.json failed verification: {exc}") from exc
        try:
            index = LatestIndex.from_bytes(dest.read_bytes())
        except ReleaseFormatError as exc:
            raise UpdateVerificationError(str(exc)) from exc
        archive = self._targetinfo(index.archive)
        if archive is None:
            raise UpdateVerificationError(f"latest.json names an unsigned file {index.archive}")
        if archive.length > MAX_ARCHIVE_BYTES:
            raise UpdateVerificationError(
                f"release archive of {archive.length} bytes exceeds the limit")
        custom = _custom(archive)
        if custom.get("kind") != "full" or custom.get("version") != str(index.version):
            raise UpdateVerificationError("signed archive data disagrees with latest.json")
        try:
            notes = Notes.from_json(custom.get("notes"))
        except ReleaseFormatError as exc:
            raise UpdateVerificationError(str(exc)) from exc
        patches: dict[str, TargetFile] = {}
        for old, path in index.patches.items():
            p = self._targetinfo(path)
            if p is not None and p.length <= MAX_ARCHIVE_BYTES \
                    and _custom(p).get("kind") == "patch" \
                    and _custom(p).get("to") == str(index.version) \
                    and _custom(p).get("from") == old:
                patches[old] = p
        files = None
        if index.files:
            f = self._targetinfo(index.files)
            # Only a file list signed as this very release's is used; otherwise the client
            # simply downloads the full archive.
            if f is not None and _custom(f).get("kind") == "files" \
                    and _custom(f).get("version") == str(index.version):
                files = f
        return Offer(index.version, notes, str(custom.get("released", "")), archive, patches,
                     files, index.withdrawn)

    def targetinfo(self, path: str) -> TargetFile | None:
        """The signed description of any target (e.g. a content file of a small update)."""
        return self._targetinfo(path)

    def download(self, info: TargetFile, part: Path, progress: Progress | None) -> Path:
        """Resumable download of a target, then length and hash check against the metadata."""
        self.transport.download_resumable(hashed_url(self.targets_url, info), part,
                                          info.length, progress)
        verify_file(info, part)
        return part


def verify_file(info: TargetFile, path: Path) -> None:
    """Length and SHA-256 of ``path`` must match the signed target; a bad file is removed."""
    try:
        with path.open("rb") as fh:
            info.verify_length_and_hashes(fh)
    except tuf_exc.LengthOrHashMismatchError as exc:
        path.unlink(missing_ok=True)
        raise UpdateVerificationError(f"{info.path} does not match its signature: {exc}") from exc


def _rejected(exc: tuf_exc.RepositoryError) -> UpdateError:
    """Expired metadata means the portal is not kept up to date (its daily job stopped),
    told apart from bad signatures: the clerk's remedy is to call the administrator."""
    if isinstance(exc, tuf_exc.ExpiredMetadataError):
        return UpdatePortalOutdated(f"update metadata rejected: {exc} (the portal's "
                                    "operator must renew it)")
    return UpdateVerificationError(f"update metadata rejected: {exc}")
