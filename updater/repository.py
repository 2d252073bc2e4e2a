"""The portal's TUF repository on disk: create, publish releases, re-sign, rotate keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bsdiff4
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

from dso_desktop.paths import atomic_write
from dso_desktop.update.archive import read_manifest
from dso_desktop.update.release import (
    ARCHIVE_SUFFIXES,
    CUSTOM_KEY,
    LatestIndex,
    Notes,
    Version,
    archive_target,
    index_target,
    patch_target,
)
from updater.keys import KeyFile, KeyRing, PassphraseSource, generate_key, next_stem

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
PATCH_MAX_RATIO = 0.6  # publish a patch only when it is smaller than this share of the archive

_SERIALIZER = JSONSerializer(compact=False)


class RepositoryError(Exception):
    """The repository is missing, inconsistent, or an operation is not allowed."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Publish a file (0644: the web server serves it) through the product's atomic write;
    folders are made with the default mode for the same reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data, mode=0o644)


@dataclass(frozen=True)
class AddResult:
    version: Version
    archive_path: str
    archive_size: int
    archive_sha256: str
    patch_path: str | None
    patch_size: int | None


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
    def add_release(self, archive: Path, version: Version, notes: Notes, *,
                    channel: str = "stable", platform: str) -> AddResult:
        """Publish ``archive`` as ``version``: target, optional patch, latest.json, page."""
        read_manifest(archive, version)  # refuses unsafe or mislabelled archives
        md = self.targets()
        targets = md.signed
        index_path = index_target(channel, platform)
        previous: LatestIndex | None = None
        if index_path in targets.targets:
            previous = LatestIndex.from_bytes(
                self.target_file_path(targets.targets[index_path]).read_bytes())
            if version <= previous.version:
                raise RepositoryError(
                    f"version {version} is not newer than the published {previous.version}")
        data = archive.read_bytes()
        released = self.now().replace(microsecond=0).isoformat()
        suffix = next((s for s in ARCHIVE_SUFFIXES if archive.name.endswith(s)), "")
        arch_path = archive_target(channel, platform, version, suffix)
        arch_info = TargetFile.from_data(arch_path, data, ["sha256"])
        arch_info.unrecognized_fields["custom"] = {CUSTOM_KEY: {
            "kind": "full", "version": str(version), "channel": channel, "platform": platform,
            "notes": notes.to_json(), "released": released,
        }}
        self._store_target(arch_info, data)
        targets.targets[arch_path] = arch_info

        patches: dict[str, str] = {}
        patch_path = patch_size = None
        if previous is not None:
            old_info = targets.targets[previous.archive]
            old = self.target_file_path(old_info).read_bytes()
            patch = bsdiff4.diff(old, data)
            if len(patch) < PATCH_MAX_RATIO * len(data):
                patch_path = patch_target(channel, platform, previous.version, version)
                p_info = TargetFile.from_data(patch_path, patch, ["sha256"])
                p_info.unrecognized_fields["custom"] = {CUSTOM_KEY: {
                    "kind": "patch", "from": str(previous.version), "to": str(version),
                    "from_sha256": old_info.hashes["sha256"], "result": arch_path,
                }}
                self._store_target(p_info, patch)
                targets.targets[patch_path] = p_info
                patches[str(previous.version)] = patch_path
                patch_size = len(patch)

        index = LatestIndex(version, arch_path, patches).to_bytes()
        idx_info = TargetFile.from_data(index_path, index, ["sha256"])
        idx_info.unrecognized_fields["custom"] = {CUSTOM_KEY: {"kind": "index"}}
        self._store_target(idx_info, index)
        targets.targets[index_path] = idx_info

        targets.version += 1
        targets.expires = self.now() + EXPIRY["targets"]
        self._write_targets(md)
        self._publish_snapshot_and_timestamp(md)
        self.write_page()
        return AddResult(version, arch_path, len(data), arch_info.hashes["sha256"],
                         patch_path, patch_size)

    def write_page(self) -> None:
        from updater.page import render

        _atomic_write(self.public_dir / "index.html", render(self.releases()).encode("utf-8"))

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

    def status(self) -> list[dict[str, Any]]:
        """Version and expiry of each top-level role, with a warning when it is close."""
        t = self.now()
        out = []
        for role, md in (("root", self.root()), ("targets", self.targets()),
                         ("snapshot", self.snapshot()), ("timestamp", self.timestamp())):
            left = md.signed.expires - t
            out.append({
                "role": role, "version": md.signed.version,
                "expires": md.signed.expires.isoformat(),
                "expired": left <= timedelta(0),
                "warning": left < WARN_BEFORE[role],
            })
        return out

    def warnings(self) -> list[str]:
        hints = {
            "root": "dso-release resign REPO --role root (offline root keys)",
            "targets": "dso-release resign REPO --role targets (offline targets key)",
            "snapshot": "dso-release timestamp REPO",
            "timestamp": "dso-release timestamp REPO (schedule it daily)",
        }
        msgs = []
        for s in self.status():
            if s["warning"]:
                state = "EXPIRED" if s["expired"] else "expires soon"
                msgs.append(
                    f"{s['role']} metadata {state} ({s['expires']}): run {hints[s['role']]}"
                )
        return msgs


def write_json(path: Path, obj: Any) -> None:
    _atomic_write(path, json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")
