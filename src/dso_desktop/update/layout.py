"""The install folder: versions/<ver>/, state.json (current/previous/pending); stdlib only."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dso_desktop.update.release import MANIFEST_NAME, Manifest, ReleaseFormatError, Version

ENV_INSTALL_ROOT = "DSO_INSTALL_ROOT"
STATE_FILE = "state.json"
NOTICE_FILE = "update-notice.json"
POLICY_FILE = "update-policy.json"
LOCK_FILE = ".update.lock"
LOCK_STALE_SECONDS = 600


@dataclass(frozen=True)
class InstallState:
    current: str | None = None
    previous: str | None = None
    pending: str | None = None
    failed: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = list(self.failed)
        d["format"] = 1
        return d

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> InstallState:
        def opt(name: str) -> str | None:
            v = obj.get(name)
            return str(Version.parse(v)) if isinstance(v, str) else None

        failed = tuple(str(Version.parse(v)) for v in obj.get("failed", []) if isinstance(v, str))
        return cls(opt("current"), opt("previous"), opt("pending"), failed)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class InstallLayout:
    """``root/`` holds the launcher, ``versions/<ver>/`` and the small state files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    def version_dir(self, version: str) -> Path:
        return self.versions_dir / str(Version.parse(version))

    def manifest(self, version: str) -> Manifest:
        m = Manifest.from_bytes((self.version_dir(version) / MANIFEST_NAME).read_bytes())
        if str(m.version) != str(Version.parse(version)):
            raise ReleaseFormatError(f"versions/{version} holds version {m.version}")
        return m

    def installed_versions(self) -> list[str]:
        found = []
        if self.versions_dir.is_dir():
            for d in self.versions_dir.iterdir():
                try:
                    self.manifest(d.name)
                except (OSError, ReleaseFormatError):
                    continue
                found.append(d.name)
        return sorted(found, key=Version.parse)

    def load_state(self) -> InstallState:
        """The saved state; a fresh install (no state yet) runs its newest version."""
        path = self.root / STATE_FILE
        try:
            state = InstallState.from_json(json.loads(path.read_bytes()))
        except FileNotFoundError:
            state = InstallState()
        except (ValueError, ReleaseFormatError, AttributeError):
            state = InstallState()  # damaged: fall back to what is on disk
        installed = self.installed_versions()
        if state.current not in installed:
            state = replace(state, current=installed[-1] if installed else None)
        if state.previous not in installed:
            state = replace(state, previous=None)
        return state

    def save_state(self, state: InstallState) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.root / STATE_FILE,
                      json.dumps(state.to_json(), indent=2).encode("utf-8") + b"\n")

    def write_notice(self, notice: dict[str, Any]) -> None:
        _atomic_write(self.root / NOTICE_FILE,
                      json.dumps(notice, indent=2, ensure_ascii=False).encode("utf-8"))

    def take_notice(self) -> dict[str, Any] | None:
        """The launcher's last message for the user (e.g. a rollback), removed once read."""
        path = self.root / NOTICE_FILE
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        path.unlink(missing_ok=True)
        return data if isinstance(data, dict) else None

    def policy(self) -> dict[str, Any]:
        """The administrator's ``update-policy.json`` beside the launcher (may be absent)."""
        try:
            data = json.loads((self.root / POLICY_FILE).read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def remove_version(self, version: str) -> None:
        target = self.version_dir(version)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[bool]:
        """Exclusive update lock (True when taken); a stale lock is broken after 10 min."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_FILE
        try:
            if time.time() - path.stat().st_mtime > LOCK_STALE_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            pass
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            yield False
            return
        try:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            yield True
        finally:
            path.unlink(missing_ok=True)


def find_install_root() -> Path | None:
    """The install folder of the running app: set by the launcher, or from a bundle's path."""
    env = os.environ.get(ENV_INSTALL_ROOT)
    if env:
        return Path(env)
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable).resolve()
        if exe.parent.parent.name == "versions":
            return exe.parent.parent.parent
    return None
