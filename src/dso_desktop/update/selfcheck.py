"""Start-up self-check a new version runs before the launcher switches to it."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path

import dso_desktop
from dso_desktop.resources import resource_path

# Packages that need a display or are only for tests/training are checked separately.
_SKIP = {"gui", "simulator", "launcher"}


@dataclass(frozen=True)
class CheckItem:
    name: str
    ok: bool
    detail: str = ""


def _modules() -> CheckItem:
    failed = []
    names = sorted(m.name for m in pkgutil.iter_modules(dso_desktop.__path__))
    for name in names:
        if name in _SKIP:
            continue
        try:
            importlib.import_module(f"dso_desktop.{name}")
        except Exception as exc:  # any import failure means a broken bundle
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    return CheckItem("modules", not failed and bool(names), "; ".join(failed) or
                     f"{len(names)} modules")


def _trusted_root() -> CheckItem:
    try:
        from tuf.api.metadata import Metadata, Root

        md = Metadata[Root].from_bytes(resource_path("update", "root.json").read_bytes())
        md.signed.verify_delegate("root", md.signed_bytes, md.signatures)
        return CheckItem("trusted-root", True, f"version {md.signed.version}")
    except Exception as exc:  # missing, unparsable or not self-signed
        return CheckItem("trusted-root", False, f"{type(exc).__name__}: {exc}")


def _sqlite() -> CheckItem:
    try:
        con = sqlite3.connect(":memory:")
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        con.close()
        return CheckItem("sqlite-fts5", True, sqlite3.sqlite_version)
    except sqlite3.Error as exc:
        return CheckItem("sqlite-fts5", False, str(exc))


def _tls() -> CheckItem:
    try:
        ctx = ssl.create_default_context()
        return CheckItem("tls", ctx.verify_mode == ssl.CERT_REQUIRED, ssl.OPENSSL_VERSION)
    except ssl.SSLError as exc:
        return CheckItem("tls", False, str(exc))


def _manifest() -> CheckItem:
    """In a bundle, the version folder's manifest must name the version that is running."""
    if not getattr(sys, "frozen", False):
        return CheckItem("manifest", True, "not a bundle")
    from dso_desktop.update.release import MANIFEST_NAME, Manifest

    path = Path(sys.executable).resolve().parent / MANIFEST_NAME
    try:
        manifest = Manifest.from_bytes(path.read_bytes())
    except (OSError, ValueError) as exc:
        return CheckItem("manifest", False, str(exc))
    ok = str(manifest.version) == dso_desktop.__version__
    return CheckItem("manifest", ok, f"{manifest.version} (running {dso_desktop.__version__})")


def _checking_process() -> CheckItem:
    """A sync checks ZFOs in a second process of this same program (multiprocessing,
    spawn); seal a ZFO with a throw-away PKI and verify it in such a process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from datetime import UTC, datetime

    from dso_desktop.sync.ingest import check_in_worker, init_worker
    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import create_pki
    from dso_desktop.zfo.trust import TrustStore

    try:
        pki = create_pki(None)
        store = TrustStore()
        store.add(pki.ca_cert, explicit_anchor=True)
        content = (b'<q:GetDeliveryInfoResponse xmlns:q="http://isds.czechpoint.cz/v20/delivery">'
                   b"<q:dmDelivery><p:dmDm xmlns:p=\"http://isds.czechpoint.cz/v20\">"
                   b"<p:dmID>1</p:dmID></p:dmDm></q:dmDelivery></q:GetDeliveryInfoResponse>")
        zfo = seal(content, pki.seal, pki.tsa, datetime.now(UTC))
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=init_worker, initargs=(store,)) as pool:
            checked = pool.submit(check_in_worker, zfo, False).result(timeout=120)
    except Exception as exc:  # a bundle that cannot start or feed the worker
        return CheckItem("checking-process", False, f"{type(exc).__name__}: {exc}")
    ok = checked.verdict.kind in ("valid", "expiring", "valid-at-signing")
    return CheckItem("checking-process", ok, f"verdict {checked.verdict.kind} in a worker")


def _gui() -> CheckItem:
    try:
        from dso_desktop.gui import qtcheck

        ok = qtcheck.main() == 0
        return CheckItem("qt", ok, "Qt loads" if ok else "Qt cannot be loaded")
    except Exception as exc:  # a missing Qt plugin or library in the bundle
        return CheckItem("qt", False, f"{type(exc).__name__}: {exc}")


# Set by `dso-release add` on a desktop: start the window on the real platform plugin (as on
# a clerk's PC) instead of offscreen. The launcher never sets it (no window flashes at start).
NATIVE_ENV = "DSO_SELF_CHECK_NATIVE_QT"


def _gui_start() -> CheckItem:
    """Start the GUI on an empty temporary data folder and let it render once (offscreen,
    or on the real platform plugin when ``DSO_SELF_CHECK_NATIVE_QT=1``)."""
    import os
    import subprocess
    import tempfile

    if getattr(sys, "frozen", False):
        suffix = ".exe" if sys.platform == "win32" else ""
        cmd = [str(Path(sys.executable).resolve().parent / f"dso-desktop{suffix}")]
    else:
        cmd = [sys.executable, "-m", "dso_desktop.gui.main"]
    with tempfile.TemporaryDirectory(prefix="dso-selfcheck-") as tmp:
        shot = Path(tmp) / "start.png"
        native = os.environ.get(NATIVE_ENV) == "1"
        env = dict(os.environ) if native else dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("DSO_DATA_DIR", None)
        try:
            proc = subprocess.run([*cmd, "--data-dir", str(Path(tmp) / "data"),
                                   "--screenshot", str(shot)], env=env, capture_output=True,
                                  timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return CheckItem("gui-start", False, str(exc))
        ok = proc.returncode == 0 and shot.is_file() and shot.stat().st_size > 0
        where = "on the desktop's platform plugin" if native else "offscreen"
        detail = f"main window rendered {where}" if ok else (
            f"exit {proc.returncode}: " + proc.stderr.decode("utf-8", "replace")[-500:])
        return CheckItem("gui-start", ok, detail)


def run(gui: bool = False) -> list[CheckItem]:
    """All checks; with ``gui`` also Qt loading and an offscreen start of the main window."""
    items = [_modules(), _trusted_root(), _sqlite(), _tls(), _manifest(), _checking_process()]
    if gui:
        items.append(_gui())
        if items[-1].ok:
            items.append(_gui_start())
    return items
