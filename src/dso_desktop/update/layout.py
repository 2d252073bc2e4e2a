"""The install folder: versions/<ver>/, state.json (current/previous/pending/trial); stdlib only."""

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
# Set by the launcher for a GUI start of a version on trial; the version reports a healthy
# start (report_healthy_start) once its main window has been up for a while.
ENV_TRIAL_VERSION = "DSO_TRIAL_VERSION"
HEALTHY_PREFIX = ".healthy-"  # + version: the version's own "I started fine" mark
OUTCOME_PREFIX = ".attempt-"  # + attempt id + ".json": how a launcher saw an attempt end
LOG_FILE = "launcher.log"
LOG_MAX_BYTES = 256 * 1024  # then launcher.log becomes launcher.log.1 (one older file kept)


@dataclass(frozen=True)
class Attempt:
    """A GUI start of the version on trial that has not been settled yet."""

    id: str
    pid: int  # the launcher that runs it: alive means the attempt is still going on
    at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "pid": self.pid, "at": self.at}


@dataclass(frozen=True)
class Trial:
    """A freshly switched-to version until it proves itself (a clean exit or a healthy mark).

    ``failures`` counts abnormal ends (non-zero exit, signal, a launcher that vanished);
    any good start ends the trial, so the failures counted are always consecutive.
    """

    version: str
    failures: int = 0
    running: tuple[Attempt, ...] = ()
    last_end: str | None = None  # how the last failed attempt ended (English)
    last_end_cs: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "failures": self.failures,
                "running": [a.to_json() for a in self.running], "last_end": self.last_end,
                "last_end_cs": self.last_end_cs}

    @classmethod
    def from_json(cls, obj: Any) -> Trial | None:
        if not isinstance(obj, dict) or not isinstance(obj.get("version"), str):
            return None
        running = []
        for a in obj.get("running", []):
            if isinstance(a, dict) and isinstance(a.get("id"), str) \
                    and isinstance(a.get("pid"), int):
                running.append(Attempt(a["id"], a["pid"], str(a.get("at", ""))))
        failures = obj.get("failures", 0)
        last_end, last_end_cs = obj.get("last_end"), obj.get("last_end_cs")
        return cls(str(Version.parse(obj["version"])),
                   failures if isinstance(failures, int) and failures >= 0 else 0,
                   tuple(running), last_end if isinstance(last_end, str) else None,
                   last_end_cs if isinstance(last_end_cs, str) else None)


@dataclass(frozen=True)
class InstallState:
    current: str | None = None
    previous: str | None = None
    pending: str | None = None
    failed: tuple[str, ...] = field(default_factory=tuple)
    trial: Trial | None = None
    # The last automatic return to an earlier version: version, to, reason(_cs), at.
    last_rollback: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = list(self.failed)
        d["trial"] = self.trial.to_json() if self.trial else None
        d["format"] = 1
        return d

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> InstallState:
        def opt(name: str) -> str | None:
            v = obj.get(name)
            return str(Version.parse(v)) if isinstance(v, str) else None

        failed = tuple(str(Version.parse(v)) for v in obj.get("failed", []) if isinstance(v, str))
        rb = obj.get("last_rollback")
        rollback = {str(k): str(v) for k, v in rb.items()} if isinstance(rb, dict) else None
        return cls(opt("current"), opt("previous"), opt("pending"), failed,
                   Trial.from_json(obj.get("trial")), rollback)


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
        if state.trial is not None and state.trial.version != state.current:
            state = replace(state, trial=None)  # its version is gone or no longer current
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

    def update_policy(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge ``changes`` into update-policy.json (a value of None removes the key);
        written atomically. For IT (`dso update config --policy`); the caller validates."""
        policy = self.policy()
        for key, value in changes.items():
            if value is None:
                policy.pop(key, None)
            else:
                policy[key] = value
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.root / POLICY_FILE,
                      json.dumps(policy, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")
        return policy

    def writable(self) -> bool:
        """Whether this process can create files in the install folder (an actual probe:
        permission bits, ACLs and read-only mounts all answer here, unlike ``os.access``)."""
        folder = self.root
        while not folder.is_dir() and folder.parent != folder:
            folder = folder.parent  # not created yet: whether it can be
        try:
            fd, name = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        except OSError:
            return False
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)
        return True

    def managed(self) -> bool:
        """A machine-wide install deployed by IT: never updated by the user's own copy.

        Said explicitly by ``"managed": true`` in update-policy.json (what IT departments
        set; it also holds for an administrator's account, which could write the folder),
        or found by the probe: a folder this user cannot write cannot be updated from here.
        """
        flag = self.policy().get("managed")
        if flag is True:
            return True
        return not self.writable()

    def remove_version(self, version: str) -> None:
        target = self.version_dir(version)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)

    # -- trial of a new version --------------------------------------------------------------
    def healthy_marker(self, version: str) -> Path:
        return self.root / f"{HEALTHY_PREFIX}{Version.parse(version)}"

    def mark_healthy(self, version: str) -> None:
        """The running version says it started fine (written without the lock: never waits)."""
        _atomic_write(self.healthy_marker(version), _now_iso().encode("ascii"))

    def outcome_file(self, attempt_id: str) -> Path:
        return self.root / f"{OUTCOME_PREFIX}{attempt_id}.json"

    def write_outcome(self, attempt_id: str, version: str, returncode: int) -> None:
        """How an attempt ended; kept until a launcher holding the lock settles the trial."""
        _atomic_write(self.outcome_file(attempt_id), json.dumps(
            {"version": version, "returncode": returncode, "at": _now_iso()}).encode("utf-8"))

    def read_outcome(self, attempt_id: str) -> int | None:
        try:
            obj = json.loads(self.outcome_file(attempt_id).read_bytes())
        except (OSError, ValueError):
            return None
        rc = obj.get("returncode") if isinstance(obj, dict) else None
        return rc if isinstance(rc, int) else None

    def clear_trial_files(self) -> None:
        for pattern in (f"{HEALTHY_PREFIX}*", f"{OUTCOME_PREFIX}*.json"):
            for p in self.root.glob(pattern):
                p.unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[bool]:
        """Exclusive update lock (True when taken), waiting up to ``wait`` seconds for it.

        A lock left by a process that no longer runs, or older than 10 minutes, is broken:
        a version that crashed while staging must not block its own rollback.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_FILE
        deadline = time.monotonic() + wait
        while True:
            _break_stale_lock(path)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.2)
        try:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            yield True
        finally:
            path.unlink(missing_ok=True)


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (never signals or ends it, also on Windows)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return bool(ok) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)  # POSIX: signal 0 only checks (on Windows os.kill would terminate)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _break_stale_lock(path: Path) -> None:
    try:
        if time.time() - path.stat().st_mtime > LOCK_STALE_SECONDS:
            path.unlink(missing_ok=True)
            return
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return
    # An empty file is a lock being taken right now (pid not written yet): leave it.
    if text.isdigit() and int(text) != os.getpid() and not pid_alive(int(text)):
        path.unlink(missing_ok=True)


def report_healthy_start() -> bool:
    """Called by the GUI once it runs well: ends the trial of a version the launcher started.

    Does nothing (False) outside a launcher start of a version on trial.
    """
    root, version = os.environ.get(ENV_INSTALL_ROOT), os.environ.get(ENV_TRIAL_VERSION)
    if not root or not version:
        return False
    try:
        InstallLayout(Path(root)).mark_healthy(version)
    except (OSError, ReleaseFormatError):
        return False
    return True


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


def user_log_dir() -> Path:
    """The user's log folder (the app's ``AppPaths.logs``; imported only when needed so a
    plain start reads no more than the standard library)."""
    try:
        from dso_desktop.paths import AppPaths

        return AppPaths.default().logs
    except Exception:  # the launcher must start the program whatever happens here
        import tempfile

        return Path(tempfile.gettempdir()) / "dso-desktop"


def log_path(layout: InstallLayout) -> Path:
    """Where the launcher writes its log: ``<install>/launcher.log`` in a per-user install,
    ``<user log folder>/launcher.log`` in a managed one (IT's folder stays untouched)."""
    if layout.root.is_dir() and not layout.managed():
        return layout.root / LOG_FILE
    return user_log_dir() / LOG_FILE


def write_log(layout: InstallLayout, event: str, text: str) -> Path | None:
    """Append one entry (UTC time, event, text; continuation lines indented) to the log.

    Size-capped: past ``LOG_MAX_BYTES`` the file moves to ``launcher.log.1`` (replacing the
    older one) and a new one starts. Never raises: a log must not keep the program from
    starting. Entries hold versions, exit codes and self-check output, never user data.
    """
    try:
        path = log_path(layout)
        body = "\n    ".join(line.rstrip() for line in text.strip().splitlines()) or "-"
        entry = f"{_now_iso()} {event}: {body}\n".encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size and size + len(entry) > LOG_MAX_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
        with path.open("ab") as fh:
            fh.write(entry[-LOG_MAX_BYTES:])
        return path
    except OSError as exc:
        sys.stderr.write(f"dso-launcher: cannot write the launcher log: {exc}\n")
        return None
