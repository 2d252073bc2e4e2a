"""The portal's TUF repository on disk: create, publish releases, re-sign, rotate keys."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Role,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from dso_desktop.update.archive import _open as _open_archive
from dso_desktop.update.archive import read_manifest, scan, version_entries
from dso_desktop.update.files import FileEntry, FilesManifest, check_manifest
from dso_desktop.update.release import (
    ARCHIVE_SUFFIXES,
    CUSTOM_KEY,
    LatestIndex,
    Notes,
    Version,
    archive_target,
    blob_target,
    files_target,
    index_target,
)
from updater.keys import (
    ENV_PREFIX,
    KeyFile,
    KeyRing,
    PassphraseSource,
    env_name,
    generate_key,
    next_stem,
    role_env_name,
)

if TYPE_CHECKING:
    from updater.page import PortalConfig

ROLES = ("root", "targets", "snapshot", "timestamp")
# A small portal: offline roles rarely, online roles by a daily scheduled job.
EXPIRY = {
    "root": timedelta(days=365),
    "targets": timedelta(days=90),
    "snapshot": timedelta(days=7),
    "timestamp": timedelta(days=2),
}
WARN_BEFORE = {
    "root": timedelta(days=60),
    "targets": timedelta(days=21),
    "snapshot": timedelta(days=3),
    "timestamp": timedelta(hours=12),
}
ROOT_KEYS, ROOT_THRESHOLD = 3, 2
DEFAULT_MARGIN = timedelta(hours=24)
# Every content file of every kept release is listed in targets.json, which clients read up
# to update.client.CONFIG.targets_max_length; warn well before that.
TARGETS_MAX_BYTES = 4 * 1024 * 1024
TARGETS_WARN_BYTES = TARGETS_MAX_BYTES // 2
# What each operator job signs with. The daily job needs the snapshot key only every few days
# (when the snapshot is within WARN_BEFORE["snapshot"] of expiry), but it must be at hand.
JOBS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("timestamp (daily job)", ("timestamp", "snapshot")),
    ("add / withdraw / prune / resign targets", ("targets", "snapshot", "timestamp")),
    ("resign root / rotate", ("root", "snapshot", "timestamp")),
)

_SERIALIZER = JSONSerializer(compact=False)


class RepositoryError(Exception):
    """The repository is missing, inconsistent, or an operation is not allowed."""


class VersionNotNewerError(RepositoryError):
    """A release must be newer than everything published on its channel and platform."""

    def __init__(self, version: Version, newest: Version) -> None:
        super().__init__(f"version {version} is not newer than the published {newest}")
        self.version, self.newest = version, newest


def _utcnow() -> datetime:
    return datetime.now(UTC)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class AddResult:
    version: Version
    archive_path: str
    archive_size: int
    archive_sha256: str
    files_path: str | None
    unpacked_size: int
    small_update: tuple[str, int] | None = None  # (from version, content bytes to download)


@dataclass
class InitResult:
    offline: list[Path] = field(default_factory=list)
    online: list[Path] = field(default_factory=list)


class ReleaseRepository:
    """One repository folder: ``keys/`` (never published) and ``public/`` (copy to the portal)."""

    def __init__(self, path: Path, keyring: KeyRing | None = None, *,
                 now: Callable[[], datetime] = _utcnow) -> None:
        self.path = Path(path)
        self.keyring = keyring or KeyRing([self.keys_dir])
        self.now = now
        if not (self.metadata_dir / "root.json").is_file():
            raise RepositoryError(f"{self.path} is not a release repository (run init)")

    # -- layout -----------------------------------------------------------------------------
    @property
    def keys_dir(self) -> Path:
        return self.path / "keys"

    @property
    def public_dir(self) -> Path:
        return self.path / "public"

    @property
    def metadata_dir(self) -> Path:
        return self.public_dir / "metadata"

    @property
    def targets_dir(self) -> Path:
        return self.public_dir / "targets"

    # -- creation ---------------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path, passphrase: PassphraseSource, *,
             now: Callable[[], datetime] = _utcnow) -> tuple[ReleaseRepository, InitResult]:
        path = Path(path)
        if (path / "public" / "metadata" / "root.json").exists():
            raise RepositoryError(f"{path} already holds a repository")
        keys_dir = path / "keys"
        result = InitResult()
        root_keys = [generate_key(keys_dir, f"root-{i}", passphrase)
                     for i in range(1, ROOT_KEYS + 1)]
        targets_key = generate_key(keys_dir, "targets-1", passphrase)
        online_key = generate_key(keys_dir, "online-1", passphrase)
        result.offline = [k.path for k in (*root_keys, targets_key)]
        result.online = [online_key.path]

        t = now()
        root = Root(expires=t + EXPIRY["root"], consistent_snapshot=True)
        for role, keys, threshold in (
            ("root", root_keys, ROOT_THRESHOLD),
            ("targets", [targets_key], 1),
            ("snapshot", [online_key], 1),
            ("timestamp", [online_key], 1),
        ):
            for key in keys:
                root.add_key(key.public_key, role)
            root.roles[role].threshold = threshold
        md_root = Metadata(root)
        for key in root_keys:
            md_root.sign(key.signer, append=True)

        md_targets = Metadata(Targets(expires=t + EXPIRY["targets"]))
        md_targets.sign(targets_key.signer)
        (path / "public" / "targets").mkdir(parents=True, exist_ok=True)
        repo_paths = path / "public" / "metadata"
        repo_paths.mkdir(parents=True, exist_ok=True)
        _atomic_write(repo_paths / "1.root.json", md_root.to_bytes(_SERIALIZER))
        _atomic_write(repo_paths / "root.json", md_root.to_bytes(_SERIALIZER))
        keyring = KeyRing([keys_dir], passphrase)
        for k in (*root_keys, targets_key, online_key):
            keyring._opened[k.path] = k  # just generated: no need to ask again
        repo = cls(path, keyring, now=now)
        repo._write_targets(md_targets)
        repo._publish_snapshot_and_timestamp(md_targets)
        repo.write_page()
        return repo, result

    # -- reading ----------------------------------------------------------------------------
    def root(self) -> Metadata[Root]:
        return Metadata[Root].from_file(str(self.metadata_dir / "root.json"))

    def timestamp(self) -> Metadata[Timestamp]:
        return Metadata[Timestamp].from_file(str(self.metadata_dir / "timestamp.json"))

    def snapshot(self) -> Metadata[Snapshot]:
        v = self.timestamp().signed.snapshot_meta.version
        return Metadata[Snapshot].from_file(str(self.metadata_dir / f"{v}.snapshot.json"))

    def targets(self) -> Metadata[Targets]:
        v = self.snapshot().signed.meta["targets.json"].version
        return Metadata[Targets].from_file(str(self.metadata_dir / f"{v}.targets.json"))

    def target_file_path(self, info: TargetFile) -> Path:
        """Where a target lives under ``public/targets`` (hash-prefixed, consistent snapshot)."""
        dirname, _, base = info.path.rpartition("/")
        digest = info.hashes["sha256"]
        return self.targets_dir.joinpath(*dirname.split("/"), f"{digest}.{base}")

    def releases(self) -> list[dict[str, Any]]:
        """Full-archive targets with their signed custom data, newest first."""
        found = []
        for info in self.targets().signed.targets.values():
            custom = (info.custom or {}).get(CUSTOM_KEY, {})
            if custom.get("kind") == "full":
                found.append({"path": info.path, "length": info.length,
                              "sha256": info.hashes["sha256"], **custom})
        return sorted(found, key=lambda r: Version.parse(r["version"]), reverse=True)

    # -- signing helpers -------------------------------------------------------------------
    def _sign(self, md: Metadata[Any], role: str, root: Root | None = None) -> None:
        root = root or self.root().signed
        r: Role = root.roles[role]
        md.signatures.clear()
        for signer in self.keyring.signers(role, r.keyids, r.threshold):
            md.sign(signer, append=True)

    def _write_targets(self, md: Metadata[Targets]) -> None:
        self._sign(md, "targets")
        _atomic_write(self.metadata_dir / f"{md.signed.version}.targets.json",
                      md.to_bytes(_SERIALIZER))

    def _publish_snapshot_and_timestamp(self, targets: Metadata[Targets] | None = None) -> None:
        t = self.now()
        if targets is None:
            targets = self.targets()
        data = targets.to_bytes(_SERIALIZER)
        has_ts = (self.metadata_dir / "timestamp.json").exists()
        old_version = self.snapshot().signed.version if has_ts else 0
        snap = Snapshot(version=old_version + 1, expires=t + EXPIRY["snapshot"])
        snap.meta["targets.json"] = MetaFile(
            version=targets.signed.version, length=len(data),
            hashes={"sha256": hashlib.sha256(data).hexdigest()},
        )
        md_snap = Metadata(snap)
        self._sign(md_snap, "snapshot")
        snap_bytes = md_snap.to_bytes(_SERIALIZER)
        _atomic_write(self.metadata_dir / f"{snap.version}.snapshot.json", snap_bytes)
        self._write_timestamp(snap.version, snap_bytes)

    def _write_timestamp(self, snap_version: int, snap_bytes: bytes) -> None:
        has_ts = (self.metadata_dir / "timestamp.json").exists()
        old = self.timestamp().signed.version if has_ts else 0
        ts = Timestamp(version=old + 1, expires=self.now() + EXPIRY["timestamp"],
                       snapshot_meta=MetaFile(
                           version=snap_version, length=len(snap_bytes),
                           hashes={"sha256": hashlib.sha256(snap_bytes).hexdigest()}))
        md_ts = Metadata(ts)
        self._sign(md_ts, "timestamp")
        # Written last: it is the file clients fetch first, so the rest is already in place.
        _atomic_write(self.metadata_dir / "timestamp.json", md_ts.to_bytes(_SERIALIZER))

    # -- operations -------------------------------------------------------------------------
    def _published_versions(self, targets: Targets, channel: str,
                            platform: str) -> list[Version]:
        """Every version ever published on a channel and platform that is still listed,
        withdrawn ones included (a new release must be newer than all of them)."""
        found = []
        for info in targets.targets.values():
            c = (info.custom or {}).get(CUSTOM_KEY, {})
            if c.get("kind") == "full" and c.get("channel") == channel \
                    and c.get("platform") == platform:
                found.append(Version.parse(c["version"]))
        index = self._index(targets, channel, platform)
        if index is not None:
            found.append(index.version)
            found.extend(Version.parse(v) for v in index.withdrawn)
        return found

    def check_newer(self, version: Version, *, channel: str, platform: str) -> None:
        """Raise VersionNotNewerError unless ``version`` is newer than all published."""
        newest = max(self._published_versions(self.targets().signed, channel, platform),
                     default=None)
        if newest is not None and version <= newest:
            raise VersionNotNewerError(version, newest)

    def _index(self, targets: Targets, channel: str, platform: str) -> LatestIndex | None:
        path = index_target(channel, platform)
        if path not in targets.targets:
            return None
        return LatestIndex.from_bytes(self.target_file_path(targets.targets[path]).read_bytes())

    def add_release(self, archive: Path, version: Version, notes: Notes, *,
                    channel: str = "stable", platform: str,
                    file_list: bool = True) -> AddResult:
        """Publish ``archive`` as ``version``: the archive, its file list and files, latest.json.

        No binary patch is computed: clients that have the previous version fetch only the
        files that changed (``files/<sha256>`` targets), which costs ``add`` one pass over
        the archive instead of minutes of bsdiff. ``file_list=False`` publishes the archive
        alone (clients then always download it whole); tests use it to sign hostile
        archives as a thief with the targets key would.
        """
        read_manifest(archive, version)  # refuses unsafe or mislabelled archives
        md = self.targets()
        targets = md.signed
        self.check_newer(version, channel=channel, platform=platform)
        previous = self._index(targets, channel, platform)
        released = self.now().replace(microsecond=0).isoformat()
        suffix = next((s for s in ARCHIVE_SUFFIXES if archive.name.endswith(s)), "")
        arch_path = archive_target(channel, platform, version, suffix)
        arch_info = self._store_file_target(arch_path, archive)

        files_path: str | None = None
        unpacked = 0
        delta: tuple[str, int] | None = None  # (from version, bytes a client downloads)
        if file_list:
            files = self._store_tree(archive, version, targets)
            files_path = files_target(channel, platform, version)
            files_data = files.to_bytes()
            f_info = TargetFile.from_data(files_path, files_data, ["sha256"])
            f_info.unrecognized_fields["custom"] = {CUSTOM_KEY: {
                "kind": "files", "version": str(version), "archive": arch_path}}
            self._store_target(f_info, files_data)
            targets.targets[files_path] = f_info
            unpacked = files.total_size
            if previous is not None and previous.files and previous.files in targets.targets:
                old = FilesManifest.from_bytes(self.target_file_path(
                    targets.targets[previous.files]).read_bytes()).blobs()
                delta = (str(previous.version),
                         sum(n for d, n in files.blobs().items() if d not in old))

        arch_info.unrecognized_fields["custom"] = {CUSTOM_KEY: {
            "kind": "full", "version": str(version), "channel": channel, "platform": platform,
            "notes": notes.to_json(), "released": released, "files": files_path,
        }}
        targets.targets[arch_path] = arch_info
        withdrawn = previous.withdrawn if previous is not None else ()
        self._write_index(targets, channel, platform,
                          LatestIndex(version, arch_path, {}, files_path, withdrawn))
        self._commit(md)
        return AddResult(version, arch_path, arch_info.length, arch_info.hashes["sha256"],
                         files_path, unpacked, delta)

    def _store_file_target(self, path: str, src: Path) -> TargetFile:
        """A big target copied from a file (not read into memory at once)."""
        digest = sha256_file(src)
        info = TargetFile(src.stat().st_size, {"sha256": digest}, path)
        dest = self.target_file_path(info)
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
            os.close(fd)
            try:
                shutil.copyfile(src, tmp)
                os.chmod(tmp, 0o644)
                os.replace(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return info

    def _store_tree(self, archive: Path, version: Version, targets: Targets) -> FilesManifest:
        """Every file of ``versions/<ver>/`` as a content-addressed target; the file list."""
        entries = version_entries(scan(archive), version)
        out: list[FileEntry] = []
        with _open_archive(archive) as tar:
            for e in entries:
                rel = "/".join(e.parts)
                m = e.member
                if m.isdir():
                    out.append(FileEntry(rel, "dir"))
                elif m.issym():
                    out.append(FileEntry(rel, "symlink", target=m.linkname))
                else:
                    fh = tar.extractfile(m)
                    assert fh is not None
                    data = fh.read()
                    digest = hashlib.sha256(data).hexdigest()
                    path = blob_target(digest)
                    if path not in targets.targets:
                        info = TargetFile(len(data), {"sha256": digest}, path)
                        if not self.target_file_path(info).is_file():
                            self._store_target(info, data)
                        targets.targets[path] = info
                    out.append(FileEntry(rel, "file", len(data), digest,
                                         bool(m.mode & 0o111)))
        files = FilesManifest(version, tuple(out))
        check_manifest(files)
        return files

    def _write_index(self, targets: Targets, channel: str, platform: str,
                     index: LatestIndex) -> None:
        data = index.to_bytes()
        path = index_target(channel, platform)
        info = TargetFile.from_data(path, data, ["sha256"])
        info.unrecognized_fields["custom"] = {CUSTOM_KEY: {"kind": "index"}}
        self._store_target(info, data)
        targets.targets[path] = info

    def _commit(self, md: Metadata[Targets]) -> None:
        md.signed.version += 1
        md.signed.expires = self.now() + EXPIRY["targets"]
        self._write_targets(md)
        self._publish_snapshot_and_timestamp(md)
        self.write_page()

    # -- withdraw and prune -----------------------------------------------------------------
    def withdraw(self, version: Version, *, channel: str = "stable",
                 platform: str, reason: str = "") -> Version:
        """Take ``version`` back: latest.json names the newest good release again and lists
        the withdrawn one, so clients on it are offered that release as a rollback.

        Returns the version clients are now offered.
        """
        md = self.targets()
        targets = md.signed
        index = self._index(targets, channel, platform)
        rels = [r for r in self.releases() if r["channel"] == channel
                and r["platform"] == platform]
        target = next((r for r in rels if Version.parse(r["version"]) == version), None)
        if index is None or target is None:
            raise RepositoryError(f"version {version} is not published on {channel}/{platform}")
        if target.get("withdrawn"):
            raise RepositoryError(f"version {version} is already withdrawn")
        good = [r for r in rels if not r.get("withdrawn") and r is not target]
        if not good:
            raise RepositoryError(
                f"{version} is the only release on {channel}/{platform}: there is nothing to "
                "go back to; publish a fixed version with a higher number instead")
        info = targets.targets[target["path"]]
        custom = dict(info.custom[CUSTOM_KEY])  # type: ignore[index]
        custom["withdrawn"] = {"at": self.now().replace(microsecond=0).isoformat(),
                               "reason": reason}
        info.unrecognized_fields["custom"] = {CUSTOM_KEY: custom}
        best = good[0]  # releases() is newest first
        withdrawn = tuple(sorted({*index.withdrawn, str(version)},
                                 key=lambda v: Version.parse(v).key))
        self._write_index(targets, channel, platform, LatestIndex(
            Version.parse(best["version"]), best["path"], {}, best.get("files"), withdrawn))
        self._commit(md)
        return Version.parse(best["version"])

    def prune(self, *, keep: int = 2) -> list[str]:
        """Remove targets clients no longer need; returns the removed target paths.

        Kept per channel and platform: the ``keep`` newest good (not withdrawn) releases —
        what clients update or roll back to — with their file lists and every file those
        lists name, and latest.json. Removed: older and withdrawn releases, their file lists,
        files no kept list names, bsdiff patches of older portals. Files under
        ``public/targets`` that no current target names are deleted from disk.
        """
        if keep < 2:
            raise RepositoryError("prune keeps at least 2 good releases (the newest and the "
                                  "one clients roll back to)")
        md = self.targets()
        targets = md.signed
        keep_paths: set[str] = set()
        by_dist: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in self.releases():
            by_dist.setdefault((r["channel"], r["platform"]), []).append(r)
        for (channel, platform), rels in by_dist.items():
            keep_paths.add(index_target(channel, platform))
            for r in [r for r in rels if not r.get("withdrawn")][:keep]:
                keep_paths.add(r["path"])
                if r.get("files"):
                    keep_paths.add(r["files"])
                    data = self.target_file_path(targets.targets[r["files"]]).read_bytes()
                    keep_paths.update(blob_target(d) for d in FilesManifest.from_bytes(data)
                                      .blobs())
        removed = sorted(p for p in targets.targets if p not in keep_paths)
        for p in removed:
            del targets.targets[p]
        if removed:
            self._commit(md)
        referenced = {self.target_file_path(info) for info in targets.targets.values()}
        for f in list(self.targets_dir.rglob("*")):
            if f.is_file() and f not in referenced:
                f.unlink()
        for d in sorted((d for d in self.targets_dir.rglob("*") if d.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()
        return removed

    @property
    def config_path(self) -> Path:
        """The portal's own settings (region, helpdesk, platforms); never published as is."""
        return self.path / "portal.json"

    def config(self) -> PortalConfig:
        from updater.page import PortalConfig

        if not self.config_path.is_file():
            return PortalConfig()
        try:
            return PortalConfig.from_json(json.loads(self.config_path.read_text("utf-8")))
        except ValueError as exc:
            raise RepositoryError(f"{self.config_path}: {exc}") from exc

    def set_config(self, config: PortalConfig) -> None:
        write_json(self.config_path, config.to_json())
        self.write_page()

    def write_page(self) -> None:
        from updater.page import render

        live = [r for r in self.releases() if not r.get("withdrawn")]
        _atomic_write(self.public_dir / "index.html",
                      render(live, self.config()).encode("utf-8"))

    def _store_target(self, info: TargetFile, data: bytes) -> None:
        _atomic_write(self.target_file_path(info), data)

    def refresh_timestamp(self) -> list[str]:
        """New timestamp; also a new snapshot when the current one is close to expiry."""
        done = []
        if self.snapshot().signed.expires - self.now() < WARN_BEFORE["snapshot"]:
            self._publish_snapshot_and_timestamp()
            done = ["snapshot", "timestamp"]
        else:
            snap_version = self.timestamp().signed.snapshot_meta.version
            snap_bytes = (self.metadata_dir / f"{snap_version}.snapshot.json").read_bytes()
            self._write_timestamp(snap_version, snap_bytes)
            done = ["timestamp"]
        return done

    def resign(self, role: str) -> None:
        """Extend the expiry of ``role`` (a new version signed by its current keys)."""
        if role == "root":
            self._new_root(lambda root: None)
        elif role == "targets":
            md = self.targets()
            md.signed.version += 1
            md.signed.expires = self.now() + EXPIRY["targets"]
            self._write_targets(md)
            self._publish_snapshot_and_timestamp(md)
        elif role == "snapshot":
            self._publish_snapshot_and_timestamp()
        elif role == "timestamp":
            self.refresh_timestamp()
        else:
            raise RepositoryError(f"unknown role {role!r}")

    def rotate(self, role: str, passphrase: PassphraseSource) -> list[KeyFile]:
        """Replace the keys of ``role``; the new root is signed by old and new root keys."""
        if role not in ROLES:
            raise RepositoryError(f"unknown role {role!r}")
        count = ROOT_KEYS if role == "root" else 1
        dirs = [self.keys_dir, *self.keyring.dirs]
        new_keys = []
        for _ in range(count):
            stem = next_stem(dirs, role)
            key = generate_key(self.keys_dir, stem, passphrase)
            self.keyring._opened[key.path] = key
            new_keys.append(key)

        def change(root: Root) -> None:
            for keyid in list(root.roles[role].keyids):
                root.revoke_key(keyid, role)
            for key in new_keys:
                root.add_key(key.public_key, role)

        self._new_root(change)
        # Everything signed by the replaced keys is re-signed, down to the timestamp.
        if role == "targets":
            self.resign("targets")
        elif role in ("snapshot", "timestamp"):
            self._publish_snapshot_and_timestamp()
        return new_keys

    def _new_root(self, change: Callable[[Root], None]) -> None:
        old_md = self.root()
        old = old_md.signed
        new_md = Metadata[Root].from_bytes(old_md.to_bytes())
        new = new_md.signed
        change(new)
        new.version = old.version + 1
        new.expires = self.now() + EXPIRY["root"]
        new_md.signatures.clear()
        signers = {s.public_key.keyid: s for s in self.keyring.signers(
            "root", old.roles["root"].keyids, old.roles["root"].threshold)}
        for s in self.keyring.signers("root", new.roles["root"].keyids,
                                      new.roles["root"].threshold):
            signers.setdefault(s.public_key.keyid, s)
        for s in signers.values():
            new_md.sign(s, append=True)
        # Trusted by clients that know the old root, and self-consistent:
        old.verify_delegate("root", new_md.signed_bytes, new_md.signatures)
        new.verify_delegate("root", new_md.signed_bytes, new_md.signatures)
        data = new_md.to_bytes(_SERIALIZER)
        _atomic_write(self.metadata_dir / f"{new.version}.root.json", data)
        _atomic_write(self.metadata_dir / "root.json", data)

    def status(self, margin: timedelta | None = None) -> list[dict[str, Any]]:
        """Version and expiry of each top-level role, with a warning when it is close.

        ``within_margin`` says whether the role expires within ``margin`` (monitoring pages
        the operator on it; default 24 hours).
        """
        t = self.now()
        margin = DEFAULT_MARGIN if margin is None else margin
        out = []
        for role, md in (("root", self.root()), ("targets", self.targets()),
                         ("snapshot", self.snapshot()), ("timestamp", self.timestamp())):
            left = md.signed.expires - t
            out.append({
                "role": role, "version": md.signed.version,
                "expires": md.signed.expires.isoformat(),
                "expires_in_hours": round(left.total_seconds() / 3600, 1),
                "expired": left <= timedelta(0),
                "warning": left < WARN_BEFORE[role],
                "within_margin": left <= margin,
            })
        return out

    def key_status(self) -> list[dict[str, Any]]:
        """For each role: the keys root names, the key files found for them, and whether
        their passphrases are available without a terminal (environment or OS keyring)."""
        root = self.root().signed
        out = []
        for role in ROLES:
            r = root.roles[role]
            files = []
            for path, keyid in self.keyring.key_files(role):
                if keyid is not None and keyid not in r.keyids:
                    continue  # a revoked key or the other online role's key
                files.append({"file": str(path), "keyid": keyid,
                              "passphrase": _passphrase_source(path.stem, role)})
            known = {f["keyid"] for f in files if f["keyid"]}
            out.append({
                "role": role, "threshold": r.threshold, "keyids": list(r.keyids),
                "files": files,
                # Without a .pub sidecar the key id is only known once the file is opened.
                "available": len(known) + sum(1 for f in files if f["keyid"] is None)
                >= r.threshold,
                "unattended": sum(1 for f in files if f["passphrase"]) >= r.threshold,
            })
        return out

    def jobs(self) -> list[dict[str, Any]]:
        """Which roles' keys each operator job needs, and whether they are available here."""
        keys = {k["role"]: k for k in self.key_status()}
        out = []
        for job, roles in JOBS:
            out.append({"job": job, "roles": list(roles),
                        "available": all(keys[r]["available"] for r in roles),
                        "unattended": all(keys[r]["unattended"] for r in roles)})
        return out

    def warnings(self) -> list[str]:
        hints = {
            "root": "dso-release resign REPO --role root (offline root keys)",
            "targets": "dso-release resign REPO --role targets (offline targets key)",
            "snapshot": "dso-release timestamp REPO",
            "timestamp": "dso-release timestamp REPO (schedule it daily)",
        }
        msgs = []
        v = self.snapshot().signed.meta["targets.json"].version
        size = (self.metadata_dir / f"{v}.targets.json").stat().st_size
        if size > TARGETS_WARN_BYTES:
            msgs.append(f"targets metadata is {size / 2**20:.1f} MB (clients accept at most "
                        f"{TARGETS_MAX_BYTES // 2**20} MB): run dso-release prune REPO")
        for s in self.status():
            if s["warning"]:
                state = "EXPIRED" if s["expired"] else "expires soon"
                msgs.append(
                    f"{s['role']} metadata {state} ({s['expires']}): run {hints[s['role']]}"
                )
        return msgs


def _passphrase_source(stem: str, role: str) -> str | None:
    """Which variable (or the OS keyring) would give this key's passphrase, if any."""
    for name in (env_name(stem), role_env_name(role), ENV_PREFIX):
        if os.environ.get(name):
            return name
    from updater.keys import KEYRING_SERVICE, _os_keyring

    for user in (role, stem):
        if _os_keyring([user]):
            return f"OS keyring ({KEYRING_SERVICE}/{user})"
    return None


def write_json(path: Path, obj: Any) -> None:
    _atomic_write(path, json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")
