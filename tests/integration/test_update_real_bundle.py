"""Slow: the client story on REAL PyInstaller bundles, following docs/updates.md.

Key ceremony and `dso-release config` (updater.bundlekit, which also builds the bundles from
installer.spec: the first, then the same sources with only the version bumped, reusing
PyInstaller's cache), offline keys moved to "offline media", `dso-release add` of the real
archive (its self-check runs the real bundle), `dso-release serve` over loopback HTTPS, a
clerk's install from the portal page, the portal's CA given through the admin policy, a small
update (bytes counted in the portal's log), a central withdraw and the client's rollback, a
broken release stopped by the launcher's self-check, and a managed (read-only) install.

The kit is built once per session in a temporary folder, or reused from ``DSO_BUNDLE_KIT``
(e.g. ``build/bundle-kit``) when it was built from the same sources.
"""

from __future__ import annotations

import json
import os
import py_compile
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
NOBODY = 65534
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from updater.bundlekit import ensure_kit, pyinstaller_available

    if not pyinstaller_available():
        pytest.skip("PyInstaller is not installed (pip install -e '.[bundle]')")
    where = os.environ.get("DSO_BUNDLE_KIT")
    folder = Path(where).resolve() if where else tmp_path_factory.mktemp("bundle-kit") / "kit"
    return ensure_kit(folder)


def _release_env() -> dict[str, str]:
    from updater.testkit import PASSPHRASE

    return dict(os.environ, DSO_RELEASE_PASSPHRASE=PASSPHRASE,
                PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}")


def _release(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """`dso-release ARGS` of this checkout (the operator's tool)."""
    proc = subprocess.run([PY, "-m", "updater.cli", *args], env=_release_env(),
                          capture_output=True, text=True, timeout=900, check=False)
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _clerk_env(home: Path) -> dict[str, str]:
    """A clerk's session: no venv, no release passphrases, a data folder of their own."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "DSO_DATA_DIR": str(home / "data"),
            "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}


class Portal:
    """`dso-release serve REPO` over HTTPS on 127.0.0.1 with its request log."""

    def __init__(self, repo: Path, log: Path) -> None:
        self.log = log
        self._err = log.open("wb")
        env = dict(_release_env(), DSO_RELEASE_SERVE_LOG="1")
        self.proc = subprocess.Popen([PY, "-m", "updater.cli", "serve", str(repo), "--port", "0"],
                                     env=env, stdout=subprocess.PIPE, stderr=self._err)
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.url: str = info["url"]
        self.ca_file = Path(info["ca_file"])
        assert self.url.startswith("https://127.0.0.1:")

    def mark(self) -> int:
        return self.log.stat().st_size

    def fetched(self, since: int) -> list[tuple[str, int]]:
        """(path, body bytes) of every GET since ``since``, from the server's own log."""
        time.sleep(0.3)  # the log line follows the last byte sent
        text = self.log.read_bytes()[since:].decode("utf-8", "replace")
        return [(m.group(2), int(m.group(1)))
                for m in re.finditer(r"sent (\d+) bytes: GET (\S+)", text)]

    def stop(self) -> None:
        self.proc.terminate()  # the server this test started
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._err.close()


@pytest.fixture
def operator(kit, tmp_path: Path) -> Iterator[tuple[Path, Path, Portal]]:  # type: ignore[no-untyped-def]
    """The kit's repository after the ceremony, offline keys moved out, the portal serving."""
    repo = tmp_path / "srv" / "dso-repo"
    shutil.copytree(kit.repo, repo)
    offline = tmp_path / "media" / "offline-keys"
    offline.mkdir(parents=True)
    for key in repo.joinpath("keys").iterdir():
        if key.name.startswith(("root-", "targets-")):
            shutil.move(key, offline / key.name)
    portal = Portal(repo, tmp_path / "portal.log")
    try:
        yield repo, offline, portal
    finally:
        portal.stop()


def _launcher(root: Path, *args: str, env: dict[str, str],
              prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, str(root / "dso-launcher"), "--root", str(root), *args],
                          env=env, capture_output=True, text=True, timeout=600, check=False)


def _cli_json(root: Path, *args: str, env: dict[str, str]) -> dict:
    proc = _launcher(root, "--cli", "--", "--json", *args, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def _state(root: Path) -> dict:
    return json.loads((root / "state.json").read_text(encoding="utf-8"))


def _broken_release(kit, work: Path, version: str) -> Path:  # type: ignore[no-untyped-def]
    """The second real bundle re-labelled ``version`` with a regression in the sync's code.

    Only Python code differs (as in a bad commit): the version module and dso-version.json
    name the new version and ``dso_desktop/sync/ingest`` fails on import, which the bundle's
    own self-check (the ZFO-checking process) catches.
    """
    from dso_desktop.update.release import platform_tag

    folder = work / "dso-desktop" / "versions" / version
    shutil.copytree(kit.second.install_root / "versions" / kit.second.version, folder,
                    symlinks=True)
    manifest = folder / "dso-version.json"
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps(dict(meta, version=version), indent=2) + "\n",
                        encoding="utf-8")
    pkg = folder / "_internal" / "dso_desktop"
    init_src = work / "__init__.py"
    text = (kit.path / "src" / "src" / "dso_desktop" / "__init__.py").read_text(encoding="utf-8")
    init_src.write_text(re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', text),
                        encoding="utf-8")
    # The bundle runs this very interpreter (PyInstaller froze it), so its bytecode fits.
    py_compile.compile(str(init_src), cfile=str(pkg / "__init__.pyc"), dfile="__init__.py",
                       doraise=True)
    bad = work / "ingest.py"
    bad.write_text("raise ImportError('regression: ingest broken in this release')\n",
                   encoding="utf-8")
    assert (pkg / "sync" / "ingest.pyc").is_file()
    py_compile.compile(str(bad), cfile=str(pkg / "sync" / "ingest.pyc"), dfile="ingest.py",
                       doraise=True)
    archive = work / f"dso-desktop-{version}-{platform_tag()}.tar.gz"
    _release("pack", str(folder), "--version", version, "-o", str(archive),
             "--launcher", str(kit.second.install_root / "dso-launcher"))
    return archive


def test_real_bundle_install_small_update_withdraw_and_broken_release(
        kit, operator: tuple[Path, Path, Portal], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, offline, portal = operator
    v1, v2 = kit.first.version, kit.second.version
    keys = ("--keys-dir", str(offline))

    # Publishing: add runs the REAL bundle's self-check, under a virtual X server when one
    # is installed, else offscreen with a NOTE saying so.
    started = time.monotonic()
    added = _release("add", str(repo), str(kit.first.archive), *keys)
    add_s = time.monotonic() - started
    assert "self-check passed" in added.stdout
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and shutil.which("xvfb-run"):
        assert "xvfb-run" in added.stderr
    elif headless and not shutil.which("Xvfb"):
        assert "offscreen platform plugin only" in added.stderr
    assert add_s < 120, f"dso-release add took {add_s:.0f} s"

    # A clerk installs from the portal page (served over HTTPS with the portal's own CA).
    tls = ssl.create_default_context(cafile=str(portal.ca_file))
    page = urllib.request.urlopen(portal.url + "index.html", context=tls,  # noqa: S310
                                  timeout=30).read().decode("utf-8")
    assert "Kraj Testovací" in page and "Krajský helpdesk IT" in page
    link = re.search(r'href="([^"]*dso-desktop-' + re.escape(v1) + r'-[^"]*\.tar\.gz)"', page)
    assert link is not None, page[:2000]
    download = tmp_path / "Downloads" / Path(link.group(1)).name
    download.parent.mkdir()
    with urllib.request.urlopen(portal.url + link.group(1), context=tls,  # noqa: S310
                                timeout=60) as r:
        download.write_bytes(r.read())
    opt = tmp_path / "home" / ".local" / "opt"
    opt.mkdir(parents=True)
    subprocess.run(["tar", "-xf", str(download), "-C", str(opt)], check=True)
    root = opt / "dso-desktop"
    env = _clerk_env(tmp_path / "home")
    # IT puts the portal's CA and address into the admin policy (docs/updates.md).
    shutil.copyfile(portal.ca_file, root / "portal-ca.pem")
    _cli_json(root, "update", "config", "--policy", "--install-root", str(root),
              "--portal", portal.url, "--ca-file", "portal-ca.pem", env=env)
    policy = json.loads((root / "update-policy.json").read_text(encoding="utf-8"))
    assert policy["portal_url"] == portal.url and policy["ca_file"] == "portal-ca.pem"
    version = _launcher(root, "--cli", "--", "--version", env=env)
    assert version.returncode == 0 and version.stdout.strip() == f"dso {v1}"
    assert _cli_json(root, "update", "check", env=env)["available"] is None

    # The second build (only the version changed) goes out; add says what clients fetch.
    added = _release("add", str(repo), str(kit.second.archive), *keys)
    said = re.search(rf"A client on {re.escape(v1)} downloads ([0-9.]+) MB", added.stdout)
    assert said is not None, added.stdout
    found = _cli_json(root, "update", "check", env=env)
    assert (found["current"], found["available"]) == (v1, v2)
    mark = portal.mark()
    assert _cli_json(root, "update", "apply", env=env)["staged"] == v2
    fetched = portal.fetched(mark)
    targets = [(p, n) for p, n in fetched if "/targets/" in p]
    content = sum(n for _p, n in targets)
    archive_size = kit.second.archive.stat().st_size
    # A small update: changed content-addressed files only, never the archive.
    assert not [p for p, _n in targets if ".tar." in p], targets
    files = [(p, n) for p, n in targets if "/targets/files/" in p]
    assert files and all("/targets/files/" in p or p.endswith((".files.json", ".latest.json"))
                         for p, _n in targets), targets
    print("\nfetched for the small update:", *sorted(targets, key=lambda t: -t[1])[:12],
          sep="\n  ")
    assert content <= 5 * 1024 * 1024, f"{content} bytes fetched for a code-only release"
    assert content < archive_size / 10
    # add's prediction is what the client really fetched (the file list on top of it).
    assert abs(content - float(said.group(1)) * 1e6) <= 0.05e6 + 0.2 * content
    print(f"\nadd said {said.group(0)!r}; "
          f"real small update {v1} -> {v2}: {content / 1e6:.2f} MB in {len(targets)} "
          f"targets; archive {archive_size / 1e6:.1f} MB; add {add_s:.1f} s; builds "
          f"{kit.first.seconds:.0f} s + {kit.second.seconds:.0f} s (rebuild, same work "
          "folder)")

    switched = _launcher(root, "--no-start", env=env)
    assert switched.returncode == 0, switched.stderr
    assert _state(root)["current"] == v2
    assert _launcher(root, "--cli", "--", "--version", env=env).stdout.strip() == f"dso {v2}"

    # Withdrawn centrally: the client is offered the good version back as a rollback.
    _release("withdraw", str(repo), v2, "--reason", "odesílání padá", *keys)
    back = _cli_json(root, "update", "check", env=env)
    assert (back["available"], back["reason"], back["rollback"]) == (v1, "withdrawn", True)
    mark = portal.mark()
    assert _cli_json(root, "update", "apply", env=env)["staged"] == v1
    # The previous version's folder was still there: nothing but metadata (latest.json
    # included) is fetched, no archive, file list or content file.
    fetched = [p for p, _n in portal.fetched(mark) if "/targets/" in p]
    assert fetched and all(p.endswith(".latest.json") for p in fetched), fetched
    assert _launcher(root, "--no-start", env=env).returncode == 0
    state = _state(root)
    assert state["current"] == v1 and v2 in state["failed"]
    assert _launcher(root, "--cli", "--", "--version", env=env).stdout.strip() == f"dso {v1}"
    assert not (root / "versions" / v2).exists()  # not kept as a way "back" into it
    # Withdrawn and failed here: not offered again.
    assert _cli_json(root, "update", "check", env=env)["available"] != v2

    # A broken release: add's self-check of the real bundle refuses it...
    v3 = "0.9.0" if v1.startswith("0.") else f"{int(v1.split('.')[0]) + 1}.0.0"
    broken = _broken_release(kit, tmp_path / "broken", v3)
    refused = _release("add", str(repo), str(broken), *keys, ok=False)
    assert refused.returncode == 1 and "self-check failed" in refused.stderr
    assert "regression: ingest broken" in refused.stderr
    # ...so it reaches clients only when the operator skips that check (--no-self-check);
    # then the launcher's own self-check keeps the clerk on the good version and says why.
    _release("add", str(repo), str(broken), "--no-self-check", *keys)
    assert _cli_json(root, "update", "check", env=env)["available"] == v3
    assert _cli_json(root, "update", "apply", env=env)["staged"] == v3
    kept = _launcher(root, "--no-start", env=env)
    assert kept.returncode == 0 and "Traceback" not in kept.stderr
    state = _state(root)
    assert state["current"] == v1 and v3 in state["failed"]
    log = (root / "launcher.log").read_text(encoding="utf-8")
    assert v3 in log and "self-check" in log and "ImportError" in log
    status = _launcher(root, "--status", env=env)
    assert status.returncode == 0 and v3 in status.stdout
    assert _launcher(root, "--cli", "--", "--version", env=env).stdout.strip() == f"dso {v1}"


def test_real_bundle_managed_install_read_only(kit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Deployed by IT into a folder the user cannot write: starts, says IT updates it."""
    # Outside pytest's private tmp folder, so the unprivileged clerk can read the install.
    base = Path(tempfile.mkdtemp(prefix="dso-managed-"))
    try:
        os.chmod(base, 0o755)  # noqa: S103 - the clerk (another user) must read the install
        with tarfile.open(kit.first.archive) as tar:
            tar.extractall(base, filter="tar")
        root = base / "dso-desktop"
        home = base / "home"
        home.mkdir()
        prefix: tuple[str, ...] = ()
        if os.geteuid() == 0:
            # root writes anywhere: the clerk is an ordinary user (as on an office PC).
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root without setpriv: cannot be an ordinary user")
            prefix = (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
            os.chown(home, NOBODY, NOBODY)
        for p in [root, *root.rglob("*")]:
            if not p.is_symlink():
                p.chmod(p.stat().st_mode & ~0o222)
        before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        env = _clerk_env(home)

        check = _launcher(root, "--cli", "--", "--json", "update", "check", env=env,
                          prefix=prefix)
        assert check.returncode == 0, check.stderr
        assert json.loads(check.stdout)["managed"] is True
        apply = _launcher(root, "--cli", "--", "update", "apply", env=env, prefix=prefix)
        assert apply.returncode == 1 and "IT" in apply.stderr
        status = _launcher(root, "--status", env=env, prefix=prefix)
        assert status.returncode == 0 and "managed" in status.stdout.lower()

        # The GUI through the launcher, as from the start menu: still up after 20 s.
        gui = subprocess.Popen([*prefix, str(root / "dso-launcher"), "--root", str(root)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
        try:
            time.sleep(20)
            running = gui.poll() is None
        finally:
            if gui.poll() is None:
                os.killpg(gui.pid, signal.SIGTERM)  # the group this test started
            out, err = gui.communicate(timeout=60)
        text = (out + err).decode("utf-8", "replace")
        assert running or gui.returncode == 0, text[-3000:]
        for proc in (check, apply, status):
            assert "Traceback" not in proc.stdout + proc.stderr
        assert "Traceback" not in text, text[-3000:]
        # Nothing was written into IT's folder (no lock, no state, no log).
        assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before
    finally:
        for p in [base, *base.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(base, ignore_errors=True)
