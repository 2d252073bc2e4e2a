"""Checks `dso-release add` makes before signing: would this bundle work on the clients?

A signed release that clients cannot use is worse than none: they download it, fail its
self-check, and the operator learns about it from the helpdesk. So before anything is signed
the bundle must carry this portal's root of trust (not the placeholder of the source tree, not
another region's), say the version it is published as, and pass its own self-check here.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tuf.api.metadata import Metadata, Root

from dso_desktop.selfcheck import NATIVE_ENV
from dso_desktop.update.archive import _open, extract_version, scan, version_entries
from dso_desktop.update.release import (
    MANIFEST_NAME,
    Manifest,
    ReleaseFormatError,
    Version,
    platform_tag,
)

# The root keys of the placeholder resources/update/root.json this source tree ships with
# (throw-away keys; nobody can sign for them). A bundle built before the key ceremony has it.
PLACEHOLDER_ROOT_KEYIDS = frozenset({
    "819fd2ff5662f36d9f7a78fdb0133447bcb0450a7ca9186091aacb04c4e296d7",
    "b0b536ae481ed67188745f3c85ab4291a14f04080fa165995910228901ec0c36",
    "87b0dd84bd5be2ad3df261d2ee36706a1cbcad38516c110532efdf3d19fa1deb",
})
ROOT_SUFFIX = ("resources", "update", "root.json")
SELF_CHECK_TIMEOUT = 300
_NAME_VERSION_RE = re.compile(r"dso-desktop-(\d[^-]*)-")
_NAME_PLATFORM_RE = re.compile(r"^dso-desktop-\d[^-]*-([a-z0-9_.]+-[a-z0-9_.]+)\.tar\.(?:xz|gz)$")


def platform_from_name(archive: Path) -> str | None:
    """The platform tag in a `make bundle` file name (``dso-desktop-1.2.0-linux-x86_64.tar.xz``)."""
    m = _NAME_PLATFORM_RE.match(archive.name)
    return m.group(1) if m else None


class BundleRefused(Exception):
    """The bundle would fail on the clients; nothing was signed."""


@dataclass
class PreflightReport:
    version: Version
    root_version: int | None = None
    self_check: str = "not run"
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BundleInfo:
    """What the checks need from an archive, read in one scan and one partial pass (a
    52 MB .tar.xz takes seconds per pass, so `add` does not read it once per check)."""

    own_version: Version
    manifest: Manifest
    roots: tuple[bytes, ...]  # every versions/<ver>/…/resources/update/root.json


def inspect(archive: Path) -> BundleInfo:
    """The bundle's own version, manifest and shipped roots; the archive rules applied."""
    entries = scan(archive)
    found = {e.parts[1] for e in entries
             if len(e.parts) == 3 and e.parts[0] == "versions" and e.parts[2] == MANIFEST_NAME}
    if len(found) != 1:
        raise BundleRefused(f"{archive.name}: expected one versions/<ver>/{MANIFEST_NAME}, "
                            f"found {len(found)}")
    own = Version.parse(found.pop())
    mine = version_entries(entries, own)
    wanted = {e.member.name: e for e in mine
              if e.member.isreg() and (e.parts == (MANIFEST_NAME,)
                                       or e.parts[-3:] == ROOT_SUFFIX)}
    data: dict[str, bytes] = {}
    with _open(archive) as tar:
        for member in tar:  # one pass, stopped as soon as everything wanted is read
            if member.name in wanted and member.isreg():
                fh = tar.extractfile(member)
                assert fh is not None
                data[member.name] = fh.read(1024 * 1024)
                if len(data) == len(wanted):
                    break
    manifest_bytes = next(data[n] for n, e in wanted.items() if e.parts == (MANIFEST_NAME,))
    try:
        manifest = Manifest.from_bytes(manifest_bytes)
    except ReleaseFormatError as exc:
        raise BundleRefused(str(exc)) from exc
    if manifest.version != own:
        raise BundleRefused(f"versions/{own}/{MANIFEST_NAME} says version {manifest.version}")
    roots = tuple(data[n] for n, e in wanted.items() if e.parts != (MANIFEST_NAME,))
    return BundleInfo(own, manifest, roots)


def bundle_version(archive: Path) -> Version:
    """The version a release archive says it is (its only ``versions/<ver>/`` manifest)."""
    return inspect(archive).own_version


def check_version(archive: Path, info: BundleInfo, version: Version) -> None:
    own = info.own_version
    if own != version:
        raise BundleRefused(
            f"the bundle is version {own}, not {version}: publish it as {own} "
            f"(--version {own}) or rebuild it with version {version}")
    m = _NAME_VERSION_RE.search(archive.name)
    if m and m.group(1) != str(version):
        raise BundleRefused(f"the file name {archive.name} says version {m.group(1)}, the "
                            f"bundle says {version}: rename or rebuild it")


def check_root(info: BundleInfo, metadata_dir: Path) -> int:
    """The bundle's ``resources/update/root.json`` must be one of this portal's roots.

    Clients start trusting from the shipped root and walk ``N.root.json`` forward, so any
    root version this portal ever published is fine; returns its version.
    """
    if not info.roots:
        raise BundleRefused(
            "the bundle has no resources/update/root.json: clients could not verify "
            "any update. Build it from a source tree that has the portal's root")
    portal_roots = []
    for p in metadata_dir.glob("*.root.json"):
        if p.name.split(".")[0].isdigit():
            portal_roots.append(Metadata[Root].from_file(str(p)))
    fix = (f"copy {metadata_dir / '1.root.json'} to resources/update/root.json in the "
           "source tree, rebuild (make bundle) and add the new bundle")
    version_found = None
    for data in info.roots:
        try:
            md = Metadata[Root].from_bytes(data)
        except Exception as exc:  # any parse error: the file is not a TUF root
            raise BundleRefused(f"the bundle's root.json is not a TUF root ({exc}); {fix}"
                                ) from exc
        keyids = set(md.signed.roles["root"].keyids)
        if keyids & PLACEHOLDER_ROOT_KEYIDS:
            raise BundleRefused(
                "the bundle's resources/update/root.json is still the placeholder of the "
                f"source tree (throw-away keys: clients would refuse every update); {fix}")
        match = next((r for r in portal_roots if r.signed_bytes == md.signed_bytes), None)
        if match is None:
            raise BundleRefused(
                "the bundle's resources/update/root.json is not a root of this portal "
                "(another portal's keys, or an old key ceremony): clients would refuse "
                f"this portal's updates; {fix}")
        version_found = match.signed.version
    return int(version_found or 0)


def self_check_env() -> tuple[dict[str, str], str]:
    """Environment for the bundle's self-check and a note on which Qt platform it uses.

    On a desktop (Windows, macOS, or Linux with a display) the real platform plugin is
    used, as on a clerk's PC; on a headless Linux only the offscreen plugin can run, and
    the operator is told so. The release passphrases are never passed on.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSO_RELEASE_PASSPHRASE")}
    if env.get("QT_QPA_PLATFORM") == "offscreen":
        env.pop("QT_QPA_PLATFORM")  # left over from a test shell: the display decides
    if sys.platform.startswith("linux") and not (env.get("DISPLAY")
                                                 or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env, ("no display here: the self-check used Qt's offscreen platform plugin "
                     "only; start the bundle once on a desktop before telling the offices")
    env[NATIVE_ENV] = "1"  # the bundle's GUI start-up check opens its window for real
    return env, "the self-check used this desktop's own Qt platform plugin"


XVFB_SCREEN = "1280x1024x24"
XVFB_START_TIMEOUT = 20.0  # seconds for Xvfb to say which display it took


def xvfb_run_prefix(xvfb_run: str) -> list[str]:
    """`xvfb-run` before the self-check command: a private X server for its duration.

    ``--auto-servernum`` picks a free display number; ``-nolisten tcp`` keeps the server off
    the network (it needs nothing but the local socket).
    """
    return [xvfb_run, "--auto-servernum",
            f"--server-args=-screen 0 {XVFB_SCREEN} -nolisten tcp"]


def xvfb_command(xvfb: str, display_fd: int) -> list[str]:
    """`Xvfb` started by `add` itself: it writes the display number it took to ``display_fd``."""
    return [xvfb, "-displayfd", str(display_fd), "-nolisten", "tcp",
            "-screen", "0", XVFB_SCREEN]


def _read_display(fd: int, timeout: float) -> str | None:
    """The display number Xvfb writes (one line) when it is ready, or None."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 64)
        if not chunk:  # Xvfb exited without a display
            return None
        data += chunk
    number = data.split(b"\n", 1)[0].strip()
    return number.decode() if number.isdigit() else None


@contextmanager
def _xvfb_server(xvfb: str, timeout: float = XVFB_START_TIMEOUT) -> Iterator[str | None]:
    """Run Xvfb for the duration of the block; yields ``":N"``, or None if it did not start."""
    read, write = os.pipe()
    try:
        proc = subprocess.Popen(xvfb_command(xvfb, write), pass_fds=(write,),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError:
        os.close(read)
        os.close(write)
        yield None
        return
    os.close(write)
    try:
        number = _read_display(read, timeout)
        yield f":{number}" if number is not None else None
    finally:
        os.close(read)
        proc.terminate()  # only the server this block started
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _x11_env(env: dict[str, str]) -> dict[str, str]:
    """The clerk's Linux desktop: Qt's xcb plugin, and the GUI start-up check opens its window."""
    return dict(env, QT_QPA_PLATFORM="xcb", **{NATIVE_ENV: "1"})


@contextmanager
def self_check_display(
        which: Callable[[str], str | None] = shutil.which,
) -> Iterator[tuple[list[str], dict[str, str], str]]:
    """(command prefix, environment, note) for running the self-check here.

    With a display (or on Windows/macOS): the real platform plugin, as ``self_check_env``.
    On a headless Linux, a virtual X server when one is installed, so the real X11 plugin
    (xcb) and its libraries are loaded as on a clerk's desktop: ``xvfb-run`` wrapped around
    the command, else ``Xvfb`` started for the check and stopped after it. Only without
    either does the check fall back to the offscreen plugin, and the note says so.
    """
    env, note = self_check_env()
    if env.get("QT_QPA_PLATFORM") != "offscreen":
        yield [], env, note
        return
    xvfb_run = which("xvfb-run")
    if xvfb_run:
        yield (xvfb_run_prefix(xvfb_run), _x11_env(env),
               "no display here: the self-check ran under a virtual X server (xvfb-run) "
               "with Qt's X11 (xcb) platform plugin, as on a Linux desktop")
        return
    xvfb = which("Xvfb")
    if xvfb:
        with _xvfb_server(xvfb) as display:
            if display is not None:
                yield ([], dict(_x11_env(env), DISPLAY=display),
                       f"no display here: the self-check ran under a virtual X server (Xvfb "
                       f"{display}) with Qt's X11 (xcb) platform plugin, as on a Linux desktop")
                return
        note = f"{note} (Xvfb is installed but did not start)"
    else:
        note = f"{note} (install xvfb to check the X11 plugin on this server)"
    yield [], env, note


def run_self_check(archive: Path, version: Version, manifest: Manifest,
                   timeout: float = SELF_CHECK_TIMEOUT) -> str:
    """Unpack the bundle to a temporary folder and run its manifest's self-check there."""
    with tempfile.TemporaryDirectory(prefix="dso-release-check-") as tmp:
        folder = extract_version(archive, version, Path(tmp) / "versions")
        program = folder / manifest.self_check[0]
        with (tempfile.TemporaryDirectory(prefix="dso-release-data-") as data,
              self_check_display() as (prefix, env, note)):
            env["DSO_DATA_DIR"] = data  # never the operator's own data folder
            try:
                proc = subprocess.run([*prefix, str(program), *manifest.self_check[1:]],
                                      cwd=folder, env=env, capture_output=True,
                                      timeout=timeout, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise BundleRefused(f"the bundle's self-check could not run: {exc}") from exc
            tail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()[-1500:]
            if proc.returncode != 0:
                # The bundle's own logs (e.g. "internal error …; details in <data>/logs/…")
                # live in the temporary data folder, gone once this block ends: show them.
                raise BundleRefused(
                    f"the bundle's self-check failed (exit {proc.returncode}); clients would "
                    f"refuse it too:\n{tail}{_log_tails(Path(data))}")
        return note


def _log_tails(data: Path, limit: int = 2000) -> str:
    """The end of each log the self-check wrote into its (empty, temporary) data folder."""
    out = []
    for log in sorted((data / "logs").glob("*.log")) if (data / "logs").is_dir() else []:
        try:
            text = log.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        if text:
            out.append(f"\n--- {log.name} (end) ---\n{text[-limit:]}")
    return "".join(out)


def preflight(archive: Path, version: Version, metadata_dir: Path, *, platform: str,
              self_check: bool = True, info: BundleInfo | None = None) -> PreflightReport:
    """All checks; raises BundleRefused (or UnsafeArchiveError) with the fix to apply."""
    info = info or inspect(archive)
    check_version(archive, info, version)
    report = PreflightReport(version)
    report.root_version = check_root(info, metadata_dir)
    if not self_check:
        report.self_check = "skipped (--no-self-check)"
        report.notes.append("the self-check was NOT run: run `dso update self-check --gui` "
                            "from the bundle on a PC of that platform before publishing")
    elif platform != platform_tag():
        raise BundleRefused(
            f"the bundle is for {platform} and this machine is {platform_tag()}: its "
            "self-check cannot run here. Run `dso update self-check --gui` from the bundle "
            f"on a {platform} PC, then add it with --no-self-check")
    else:
        note = run_self_check(archive, version, info.manifest)
        report.self_check = "passed"
        report.notes.append(note)
    return report
