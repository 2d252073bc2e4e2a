"""Two REAL PyInstaller bundles of this checkout, published the way docs/updates.md says.

For the slow client-story test (`tests/integration/test_update_real_bundle.py`) and the
`update_delta_real_mb` bench case. A *kit* folder holds:

* ``repo/``: a release repository after the key ceremony (`dso-release init`) and
  `dso-release config`, never modified afterwards (tests copy it);
* ``src/``: a copy of the checkout's ``src/``, ``resources/`` and ``installer.spec``, with
  the portal's ``1.root.json`` as ``resources/update/root.json`` (step 1 of the ceremony);
* ``work/``: PyInstaller's build cache, shared by both builds;
* ``dist-<ver>/``: each build's install layout and its release archive
  ``dso-desktop-<ver>-<platform>.tar.gz`` (gzip, not xz: minutes of xz buy nothing here);
* ``kit.json``: versions, archives, build times, and a fingerprint of the sources.

The second bundle is the first one's sources with only ``__version__`` bumped, rebuilt with
the same PyInstaller work folder (no ``--clean``), so it differs from the first only where a
release that changes only Python code would. A kit whose fingerprint matches the checkout is
reused (``python -m updater.bundlekit KIT`` builds or reuses one).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from updater.testkit import PASSPHRASE

CHECKOUT = Path(__file__).resolve().parents[1]
KIT_FORMAT = 1
# What goes into the bundle (installer.spec reads these); hashed for the kit's fingerprint.
COPIED = ("src", "resources", "installer.spec")


@dataclass(frozen=True)
class Build:
    version: str
    archive: Path
    install_root: Path  # dist-<ver>/dso-desktop: launcher + versions/<ver>/
    seconds: float


@dataclass(frozen=True)
class Kit:
    path: Path
    repo: Path
    first: Build
    second: Build

    @property
    def passphrase_env(self) -> dict[str, str]:
        """The release passphrases (test keys) as `dso-release` reads them from a job's env."""
        return {"DSO_RELEASE_PASSPHRASE": PASSPHRASE}


def pyinstaller_available(python: str = sys.executable) -> bool:
    return subprocess.run([python, "-c", "import PyInstaller"], capture_output=True,
                          check=False).returncode == 0


def fingerprint(checkout: Path = CHECKOUT) -> str:
    """SHA-256 over every file that goes into a bundle (paths and contents)."""
    h = hashlib.sha256()
    for name in COPIED:
        base = checkout / name
        files = [base] if base.is_file() else sorted(
            p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for p in files:
            h.update(str(p.relative_to(checkout)).encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def bump(version: str) -> str:
    major, minor, patch = (int(x) for x in version.split(".")[:3])
    return f"{major}.{minor}.{patch + 1}"


def set_version(src: Path, version: str) -> None:
    init = src / "src" / "dso_desktop" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    new, n = re.subn(r'^__version__ = "[^"]+"$', f'__version__ = "{version}"', text,
                     flags=re.MULTILINE)
    if n != 1:
        raise RuntimeError(f"{init}: no single __version__ line to change")
    init.write_text(new, encoding="utf-8")


def _release(python: str, repo_cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run([python, "-m", "updater.cli", *repo_cmd], env=env, check=True,
                   capture_output=True, text=True)


def _build(python: str, src: Path, work: Path, version: str, *, clean: bool,
           log: Path) -> Build:
    dist = src.parent / f"dist-{version}"
    if dist.exists():
        shutil.rmtree(dist)
    env = dict(os.environ, DSO_BUNDLE_SMOKE="1", QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=f"{src / 'src'}{os.pathsep}{src}")
    cmd = [python, "-m", "PyInstaller", "--noconfirm", "--distpath", str(dist),
           "--workpath", str(work), *(["--clean"] if clean else []), "installer.spec"]
    start = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(cmd, cwd=src, env=env, stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    seconds = time.monotonic() - start
    install_root = dist / "dso-desktop"
    from dso_desktop.update.release import platform_tag

    archive = dist / f"dso-desktop-{version}-{platform_tag()}.tar.gz"
    suffix = ".exe" if sys.platform == "win32" else ""
    # `dso-release pack` of this checkout (the kit's copy has no updater/: it is not bundled).
    env["PYTHONPATH"] = f"{CHECKOUT / 'src'}{os.pathsep}{CHECKOUT}"
    subprocess.run([python, "-m", "updater.cli", "pack",
                    str(install_root / "versions" / version), "--version", version,
                    "-o", str(archive), "--launcher", str(install_root / f"dso-launcher{suffix}")],
                   cwd=src, env=env, check=True, capture_output=True)
    return Build(version, archive, install_root, seconds)


def _load(kit: Path) -> Kit:
    meta = json.loads((kit / "kit.json").read_text(encoding="utf-8"))

    def build(d: dict[str, object]) -> Build:
        return Build(str(d["version"]), kit / str(d["archive"]), kit / str(d["install_root"]),
                     float(d["seconds"]))  # type: ignore[arg-type]

    return Kit(kit, kit / "repo", build(meta["first"]), build(meta["second"]))


def load_kit(kit: Path, fp: str) -> Kit | None:
    """The kit in ``kit`` if it is complete and was built from sources with fingerprint ``fp``."""
    meta_file = kit / "kit.json"
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    if meta.get("format") != KIT_FORMAT or meta.get("fingerprint") != fp:
        return None
    return _load(kit)


def ensure_kit(kit: Path, *, python: str = sys.executable, checkout: Path = CHECKOUT) -> Kit:
    """Reuse ``kit`` when it was built from these sources, else build it (minutes)."""
    fp = fingerprint(checkout)
    found = load_kit(kit, fp)
    if found is not None:
        return found
    meta_file = kit / "kit.json"
    if kit.exists():
        shutil.rmtree(kit)
    kit.mkdir(parents=True)
    env = dict(os.environ, DSO_RELEASE_PASSPHRASE=PASSPHRASE,
               PYTHONPATH=f"{checkout / 'src'}{os.pathsep}{checkout}")
    # The key ceremony and the portal's description, as docs/updates.md has the operator do.
    _release(python, ["init", str(kit / "repo")], env)
    _release(python, ["config", str(kit / "repo"), "--region", "Kraj Testovací",
                      "--helpdesk-name", "Krajský helpdesk IT", "--helpdesk-phone",
                      "+420 000 000 000", "--helpdesk-email", "helpdesk@kraj.example",
                      "--platforms", "linux-x86_64,windows-x86_64"], env)
    src = kit / "src"
    for name in COPIED:
        source = checkout / name
        if source.is_dir():
            shutil.copytree(source, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(source, src / name)
    shutil.copyfile(kit / "repo" / "public" / "metadata" / "1.root.json",
                    src / "resources" / "update" / "root.json")
    from dso_desktop import __version__

    log = kit / "pyinstaller.log"
    first = _build(python, src, kit / "work", __version__, clean=True, log=log)
    second_version = bump(__version__)
    set_version(src, second_version)
    second = _build(python, src, kit / "work", second_version, clean=False, log=log)
    set_version(src, __version__)

    def rel(b: Build) -> dict[str, object]:
        return {"version": b.version, "archive": str(b.archive.relative_to(kit)),
                "install_root": str(b.install_root.relative_to(kit)), "seconds": b.seconds}

    meta_file.write_text(json.dumps({"format": KIT_FORMAT, "fingerprint": fp,
                                     "first": rel(first), "second": rel(second)}, indent=2),
                         encoding="utf-8")
    return _load(kit)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m updater.bundlekit KIT_DIR", file=sys.stderr)
        return 2
    kit = ensure_kit(Path(args[0]).resolve())
    print(json.dumps({"first": kit.first.version, "first_build_s": round(kit.first.seconds, 1),
                      "second": kit.second.version,
                      "second_build_s": round(kit.second.seconds, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
