"""On POSIX the data folder is 0700 and every file in it 0600, whatever the umask.

Each umask runs in its own interpreter (the umask is process-wide): open the archive, log,
sync a few simulator messages (the simulator keeping its state inside the data folder, as
training mode does), export, import, save attachments, rotate the log; then every folder
and file under the data folder, the WAL and SHM files while the archive is open, and the
exported files, must be private.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dso_desktop.app import App
from dso_desktop.paths import AppPaths, atomic_write, secure_tree

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="file modes are a POSIX promise"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, logging, os, stat, sys
from pathlib import Path

os.umask(int(sys.argv[1], 8))
data, out = Path(sys.argv[2]), Path(sys.argv[3])

from dso_desktop.secretstore import use_memory_keyring
use_memory_keyring()
from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.logsetup import setup_logging
from dso_desktop.paths import AppPaths, atomic_write
from dso_desktop.services.types import AccountSpec
from dso_desktop.simulator import Simulator

def modes(root):
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [""] + dirnames + filenames:
            p = os.path.join(dirpath, name) if name else dirpath
            st = os.lstat(p)
            found[os.path.relpath(p, root)] = [stat.S_IMODE(st.st_mode), stat.S_ISDIR(st.st_mode)]
    return found

paths = AppPaths.default(data)
setup_logging(paths.logs)
sim = Simulator(paths.data / "simulator", seed=5, messages=4)  # training mode's place
sim.start()
app = App.open(paths, offline=True)
acc = sim.account("password")
app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                             ca_file=Path(sim.info.ca_file)))
summary = app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
assert summary.new > 0, summary
mid = app.messages.ids()[0]
exported = app.messages.export(mid, out)
imported = app.zfo.import_files([exported[0]])
# What the GUI does with an attachment it opens: a copy in the cache (see gui/detail.py).
scratch = paths.cache / "open" / str(mid)
app.messages.save_attachments(mid, scratch)
atomic_write(scratch / "copy.bin", b"x")
sim.save()
log = logging.getLogger("dso_desktop.test")
log.warning("before rotation")
for h in logging.getLogger("dso_desktop").handlers:
    if hasattr(h, "doRollover"):
        h.doRollover()
log.warning("after rotation")
while_open = modes(data)
app.close()
sim.stop()
print(json.dumps({"open": while_open, "closed": modes(data), "out": modes(out),
                  "exported": [str(p) for p in exported],
                  "imported": [i.status for i in imported.items]}))
"""


def _run(tmp_path: Path, umask: int) -> dict[str, dict[str, list[int]]]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
           "DSO_OFFLINE": "1"}
    env.pop("DSO_DATA_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, oct(umask), str(tmp_path / "data"),
         str(tmp_path / "export")],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _loose(found: dict[str, list[int]]) -> dict[str, str]:
    return {path: oct(mode) for path, (mode, is_dir) in found.items()
            if mode != (0o700 if is_dir else 0o600)}


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_everything_in_the_data_folder_is_private(tmp_path: Path, umask: int) -> None:
    result = _run(tmp_path, umask)
    opened, closed = result["open"], result["closed"]
    # The run touched what it should: archive with its WAL/SHM, logs (rotated), locks,
    # trust cache, the simulator's state and PKI, the GUI-style scratch copies.
    for expected in ("archive.sqlite3", "archive.sqlite3-wal", "archive.sqlite3-shm",
                     "logs/dso-desktop.log", "logs/dso-desktop.log.1", "logs/crash.log",
                     "locks", "simulator/pki/ca.pem", "simulator/pki/ca.key.pem",
                     "cache/open", "cache/open/" + next(
                         p.split("/")[2] for p in opened if p.startswith("cache/open/")),
                     "config", "simulator"):
        assert expected in opened, (expected, sorted(opened))
    assert any(p.startswith("simulator/") and p.endswith(".json") for p in closed)
    assert _loose(opened) == {}
    assert _loose(closed) == {}
    # Exported files are private too (the folders in the user's export place are theirs).
    exported = {p: m for p, m in result["out"].items() if not m[1]}
    assert len(exported) >= 2
    assert {oct(m[0]) for m in exported.values()} == {"0o600"}
    assert result["imported"] == ["duplicate"]


def test_open_tightens_what_an_older_version_left_open_and_never_loosens(
        tmp_path: Path) -> None:
    paths = AppPaths.default(tmp_path / "data")
    for d in (paths.data, paths.logs, paths.cache / "trust", paths.data / "update"):
        d.mkdir(parents=True)
        d.chmod(0o755)
    leftovers = {
        paths.database: 0o644, Path(f"{paths.database}-wal"): 0o664,
        paths.logs / "dso-desktop.log": 0o666, paths.cache / "trust" / "x.der": 0o644,
        paths.data / "update" / "readonly.txt": 0o444,
        paths.data / "update" / "script.sh": 0o755,
    }
    # A file of the user's own in a data folder they chose is theirs: not ours to change.
    users = paths.data / "my-notes.txt"
    users.write_bytes(b"")
    users.chmod(0o644)
    for p, mode in leftovers.items():
        if p != paths.database:
            p.write_bytes(b"")
        p.chmod(mode) if p.exists() else None
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"")
    outside.chmod(0o644)
    (paths.data / "link").symlink_to(outside)
    paths.database.unlink(missing_ok=True)
    app = App.open(paths, offline=True)
    try:
        assert stat.S_IMODE(paths.database.stat().st_mode) == 0o600
        for p, mode in leftovers.items():
            if p != paths.database:
                assert stat.S_IMODE(p.stat().st_mode) == mode & 0o700, p
        for d in (paths.data, paths.logs, paths.cache, paths.cache / "trust", paths.config):
            assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
        # Tightened only: the owner's own bits stay (a read-only file stays read-only).
        assert stat.S_IMODE((paths.data / "update" / "readonly.txt").stat().st_mode) == 0o400
        assert stat.S_IMODE(users.stat().st_mode) == 0o644
        assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # links are not followed
    finally:
        app.close()


def test_existing_database_made_0644_gets_private_sidecars(tmp_path: Path) -> None:
    """SQLite gives -wal/-shm the database file's mode: an archive left 0644 by an older
    version is tightened before SQLite opens it, so its new sidecars are 0600."""
    paths = AppPaths.default(tmp_path / "data")
    App.open(paths, offline=True).close()
    paths.database.chmod(0o644)
    for suffix in ("-wal", "-shm"):  # gone after a clean close: SQLite makes them anew
        assert not Path(f"{paths.database}{suffix}").exists()
    app = App.open(paths, offline=True)
    try:
        app.settings.get()  # a read: SQLite has its -wal and -shm now
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{paths.database}{suffix}")
            assert p.exists() and stat.S_IMODE(p.stat().st_mode) == 0o600, p
    finally:
        app.close()


def test_atomic_write_makes_private_files_and_folders(tmp_path: Path) -> None:
    target = tmp_path / "new" / "file.json"
    atomic_write(target, b"{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    secure_tree(tmp_path / "missing")  # nothing to do, no error...
    assert not (tmp_path / "missing").exists()  # ...and nothing made either


def test_a_file_that_cannot_be_tightened_does_not_stop_the_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A read-only medium or a file of another owner: logged, and the archive opens."""
    paths = AppPaths.default(tmp_path / "data")
    App.open(paths, offline=True).close()
    other = paths.data / "locks" / "foreign.txt"
    other.parent.mkdir(exist_ok=True)
    other.write_bytes(b"")
    other.chmod(0o644)
    real_chmod = os.chmod

    def refuse(path: object, mode: int, **kw: object) -> None:
        if str(path) == str(other):
            raise PermissionError(1, "Operation not permitted", str(path))
        real_chmod(path, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "chmod", refuse)
    with caplog.at_level("WARNING", logger="dso_desktop.paths"):
        App.open(paths, offline=True).close()
    assert f"cannot make {other} private" in caplog.text
    assert stat.S_IMODE(paths.database.stat().st_mode) == 0o600


def test_database_open_leaves_existing_folders_and_memory_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the data folder is ours to tighten: an in-memory archive makes no file, and
    an archive opened in someone's existing folder does not change that folder."""
    from dso_desktop.store.db import Database

    monkeypatch.chdir(tmp_path)
    tmp_path.chmod(0o755)
    Database.open(Path(":memory:"), migrate=False).close()
    assert list(tmp_path.iterdir()) == []
    Database.open(tmp_path / "a.sqlite3", migrate=False).close()
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "a.sqlite3").stat().st_mode) == 0o600
    Database.open(tmp_path / "new" / "b.sqlite3", migrate=False).close()
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
