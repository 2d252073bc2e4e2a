"""Small releases and a loopback portal for tests and demos (like tuf's RepositorySimulator)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from dso_desktop.update.release import MANIFEST_NAME, Notes, Version
from updater.keys import KeyRing
from updater.pack import pack
from updater.repository import AddResult, ReleaseRepository
from updater.server import StaticServer

PASSPHRASE = "test-passphrase-only"  # noqa: S105 - throw-away test keys only
PLATFORM = "linux-x86_64"

# A tiny "application": a Python script that knows its version. The self-check fails on
# purpose when the release is built broken; the GUI entry point leaves a trace file.
_APP = '''#!{python}
import os, sys
VERSION = {version!r}
BROKEN = {broken!r}
if sys.argv[1:2] == ["self-check"]:
    if BROKEN:
        sys.stderr.write("self-check: the database module is missing\\n")
        sys.exit(3)
    print("self-check ok", VERSION)
    sys.exit(0)
trace = os.environ.get("DSO_TEST_TRACE")
earlier = 0
if trace:
    if os.path.exists(trace):
        with open(trace, encoding="utf-8") as fh:
            earlier = sum(1 for line in fh if line.split()[:1] == [VERSION])
    with open(trace, "a", encoding="utf-8") as fh:
        fh.write(VERSION + " " + " ".join(sys.argv[1:]) + "\\n")
print("DSO Desktop", VERSION)
# How this start ends: the n-th start of this version does STARTS[n] (the last one repeats).
STARTS = {starts!r}
how = STARTS[min(earlier, len(STARTS) - 1)]
if how == "crash":
    raise RuntimeError("simulated crash at start-up")
if how == "exit3":
    sys.exit(3)
if how == "signal":
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
if how == "healthy-then-crash":
    from dso_desktop.update.layout import report_healthy_start
    report_healthy_start()
    raise RuntimeError("simulated crash long after a healthy start")
'''


def make_version_dir(parent: Path, version: str, *, broken: bool = False,
                     payload: bytes = b"", starts: Sequence[str] = ("ok",),
                     root_json: bytes | None = None) -> Path:
    """A version folder with a manifest, the tiny app and an optional payload file.

    ``root_json`` is shipped as ``_internal/resources/update/root.json`` (where PyInstaller
    puts the trusted root); `dso-release add` refuses a bundle without this portal's root.

    ``starts`` says how its GUI starts end, one after another (counted in
    ``DSO_TEST_TRACE``): ``ok`` (exit 0), ``crash`` (an exception), ``exit3``, ``signal``
    (SIGKILL) or ``healthy-then-crash`` (reports a healthy start, then crashes).
    """
    d = parent / f"build-{version}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    app = d / "app"
    app.write_text(_APP.format(python=sys.executable, version=version, broken=broken,
                               starts=list(starts)), encoding="utf-8")
    app.chmod(0o755)
    (d / "lib").mkdir()
    (d / "lib" / "payload.bin").write_bytes(payload)
    if root_json is not None:
        res = d / "_internal" / "resources" / "update"
        res.mkdir(parents=True)
        (res / "root.json").write_bytes(root_json)
    (d / MANIFEST_NAME).write_text(json.dumps({
        "format": 1, "version": version, "gui": ["app"], "cli": ["app", "cli"],
        "self_check": ["app", "self-check"]}), encoding="utf-8")
    return d


def build_release(work: Path, version: str, *, broken: bool = False,
                  payload: bytes = b"", starts: Sequence[str] = ("ok",),
                  root_json: bytes | None = None, suffix: str = ".tar.gz") -> Path:
    d = make_version_dir(work, version, broken=broken, payload=payload, starts=starts,
                         root_json=root_json)
    return pack(d, Version.parse(version), work / f"dso-desktop-{version}{suffix}")


def add_realistic_tree(version_dir: Path, *, binary_mb: int = 50, python_files: int = 1500,
                       seed: int = 1, changed: int = 0) -> int:
    """Fill a version folder like a PyInstaller bundle: ~``binary_mb`` MB of shared-library
    like files (half random, half repetitive, so they compress about as .so files do) and
    ``python_files`` small Python modules. ``changed`` modules get a different body (a
    release that changes only the application's Python code). Returns the bytes written.
    """
    import random

    rng = random.Random(seed)  # noqa: S311 - test data; the same binaries for every version with the same seed
    total = 0
    lib = version_dir / "_internal"
    (lib / "PySide6" / "Qt" / "lib").mkdir(parents=True, exist_ok=True)
    per_file = 2 * 1024 * 1024
    for i in range(max(1, binary_mb * 1024 * 1024 // per_file)):
        half = rng.randbytes(per_file // 2)
        data = half + (rng.randbytes(256) * (per_file // 512))[: per_file // 2]
        path = lib / "PySide6" / "Qt" / "lib" / f"libQt6Part{i:02d}.so.6"
        path.write_bytes(data)
        path.chmod(0o755)
        total += len(data)
    pkg = lib / "dso_desktop_app"
    for i in range(python_files):
        sub = pkg / f"pkg{i % 40:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        body = "".join(f"def f{j}(x: int) -> int:\n    return x * {j} + {i}\n\n"
                       for j in range(30))
        if i < changed:
            body += f"\n# changed in this release ({version_dir.name})\nFIX = {i}\n"
        (sub / f"mod{i:04d}.py").write_text(body, encoding="utf-8")
        total += len(body)
    return total


def passphrase(stem: str, new: bool) -> str:
    return PASSPHRASE


class Portal:
    """A release repository and (once started) a loopback server publishing it."""

    def __init__(self, base: Path, now: Callable[[], datetime] | None = None) -> None:
        self.base = base
        self.now = now or (lambda: datetime.now(UTC))
        self.repo, self.init_result = ReleaseRepository.init(base / "repo", passphrase,
                                                             now=self.now)
        self.repo = ReleaseRepository(base / "repo", KeyRing([base / "repo" / "keys"],
                                                             passphrase), now=self.now)
        self.server: StaticServer | None = None

    @property
    def public(self) -> Path:
        return self.repo.public_dir

    @property
    def root_json(self) -> bytes:
        """The root a bundle of this portal ships (its first, as after the key ceremony)."""
        return (self.repo.metadata_dir / "1.root.json").read_bytes()

    def publish(self, version: str, *, broken: bool = False, payload: bytes = b"",
                notes: Notes | None = None, channel: str = "stable") -> AddResult:
        archive = build_release(self.base / "build", version, broken=broken, payload=payload,
                                root_json=self.root_json)
        return self.repo.add_release(
            archive, Version.parse(version),
            notes or Notes(f"Verze {version}: opravy.", f"Version {version}: fixes."),
            channel=channel, platform=PLATFORM)

    def serve(self, root: Path | None = None, tls_dir: Path | None = None) -> str:
        self.server = StaticServer(root or self.public, tls_dir=tls_dir).start()
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def install(root: Path, archive: Path, version: str) -> Path:
    """What a clerk does on first install: unpack the release archive into ``root``."""
    from dso_desktop.update.archive import extract_version

    extract_version(archive, Version.parse(version), root / "versions")
    return root


# -- hand-made archives (hostile ones included) for tests of `dso-release add` and staging --

Entry = tuple[str, str, "bytes | str"]  # (kind, path, data or link target)


def write_archive(out: Path, version: str, entries: list[Entry], *,
                  with_app: bool = True, root_json: bytes | None = None) -> Path:
    """A release archive built entry by entry, as an attacker or a broken build would.

    ``kind`` is ``file``, ``dir``, ``symlink``, ``hardlink``, ``chardev`` or ``fifo``; a
    ``path`` not starting with ``/`` or ``dso-desktop/`` is taken inside
    ``dso-desktop/versions/<version>/``. ``.tar.xz`` or ``.tar.gz`` after ``out``'s name.
    """
    import io
    import tarfile

    prefix = f"dso-desktop/versions/{version}"
    manifest = json.dumps({"format": 1, "version": version, "gui": ["app"],
                           "cli": ["app", "cli"], "self_check": ["app", "self-check"]})
    base: list[Entry] = [("file", MANIFEST_NAME, manifest.encode())]
    if with_app:
        base += [("file", "app", _APP.format(python=sys.executable, version=version,
                                            broken=False, starts=["ok"]).encode()),
                 ("file", "lib/data.bin", b"data")]
    if root_json is not None:
        base.append(("file", "_internal/resources/update/root.json", root_json))
    kinds = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
             "chardev": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
    mode = "w:xz" if out.name.endswith(".tar.xz") else "w:gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, mode) as tar:
        for kind, path, data in [*base, *entries]:
            name = path if path.startswith(("/", "dso-desktop/")) else f"{prefix}/{path}"
            info = tarfile.TarInfo(name)
            if kind == "file":
                assert isinstance(data, bytes)
                info.size, info.mode = len(data), 0o755 if path == "app" else 0o644
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = kinds[kind]
            info.mode = 0o755
            if kind in ("symlink", "hardlink"):
                assert isinstance(data, str)
                info.linkname = data
            tar.addfile(info)
    return out
