"""Backups of an office archive on PostgreSQL (issues 13 and 21): the engine's own dump
(pg_dump under one exported snapshot) in the same backup file format, verified, refused when
changed, restored with pg_restore into another, empty database as the same archive, through
the CLI with ``--store``. Runs against the test session's real server (tests/pgserver.py)."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.backup import BackupService
from dso_desktop.services.backupformat import BackupDamaged, BackupError
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.models import MessageZfo
from dso_desktop.store.snapshot import table_counts

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
FAST_N = 1 << 14


def _empty_database(pg_server: Any, request: pytest.FixtureRequest) -> str:
    """A new database with no tables (what an administrator creates for a restore)."""
    name = f"restore_{abs(hash(request.node.nodeid)) % 10**8}_{len(request.fixturenames)}"
    pg_server.drop_database(name)
    pg_server.admin(f'CREATE DATABASE "{name}"')
    request.addfinalizer(lambda: pg_server.drop_database(name))
    return str(pg_server.url(name))


def _zfos(app: App) -> dict[int, str]:
    with app.db.read() as s:
        return {mid: sha for mid, sha in s.execute(select(MessageZfo.message_id,
                                                           MessageZfo.sha256))}


def _synced_app(sim: Any, data: Path, url: str, name: str = "urad") -> tuple[App, Any]:
    app = App.open(AppPaths.default(data), offline=True, store_url=url)
    app.backup.scrypt_n = FAST_N
    acc = sim.account("password")
    app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, acc.username, sim.url,
                                 ca_file=Path(sim.info.ca_file)))
    return app, acc


def test_cli_backup_of_a_postgresql_archive_restores_into_another_database(
        pg_url: str, pg_server: Any, request: pytest.FixtureRequest, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    use_memory_keyring()
    monkeypatch.setenv("DSO_OFFLINE", "1")
    monkeypatch.setattr("dso_desktop.services.backupformat.SCRYPT_N", FAST_N)
    with Simulator(seed=13, messages=8) as sim:
        app, acc = _synced_app(sim, tmp_path / "pc1", pg_url)
        with app:
            summary = app.sync.sync_account("urad", accept_delivery=True,
                                            password=acc.password)
            assert summary.failed == [] and summary.new > 0
            before, zfos = table_counts(app.db), _zfos(app)
        out = tmp_path / "office.dsobackup"
        data = str(tmp_path / "pc1")
        monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
        o, e = io.StringIO(), io.StringIO()
        assert run(["--data-dir", data, "--store", pg_url, "backup", "create", "--out",
                    str(out), "--passphrase-stdin"], out=o, err=e) == 0, e.getvalue()
        assert "encrypted" in o.getvalue()
        info = BackupService(AppPaths.default(tmp_path / "x"), None).verify(
            out, passphrase="tajne heslo")
        assert info.header.backend == "postgresql"
        assert info.counts == before and info.counts["messages"] > 0
        monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
        assert run(["--data-dir", data, "--store", pg_url, "backup", "verify", str(out),
                    "--passphrase-stdin"], out=io.StringIO(), err=io.StringIO()) == 0

        # Restore on another PC into the administrator's new, empty database.
        target = _empty_database(pg_server, request)
        monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
        o, e = io.StringIO(), io.StringIO()
        assert run(["--data-dir", str(tmp_path / "pc2"), "--store", target, "backup",
                    "restore", str(out), "--passphrase-stdin"], out=o, err=e) == 0, (
            o.getvalue() + e.getvalue())
        assert "check: clean" in o.getvalue() and "same as in the backup" in o.getvalue()
        with App.open(AppPaths.default(tmp_path / "pc2"), offline=True,
                      store_url=target) as restored:
            assert table_counts(restored.db) == before
            assert _zfos(restored) == zfos
            ca = restored.accounts.get("urad").ca_file
            assert ca is not None and Path(ca).is_relative_to(tmp_path / "pc2")

        # A database with an archive in it is never a restore target.
        monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
        e = io.StringIO()
        assert run(["--data-dir", str(tmp_path / "pc3"), "--store", target, "backup",
                    "restore", str(out), "--passphrase-stdin"], out=io.StringIO(),
                   err=e) == 1
        assert "empty" in e.getvalue()

        # Changed anywhere: refused before anything reaches a database.
        blob = bytearray(out.read_bytes())
        blob[len(blob) // 2] ^= 1
        bad = tmp_path / "bad.dsobackup"
        bad.write_bytes(bytes(blob))
        other = _empty_database(pg_server, request) + ""
        with pytest.raises(BackupDamaged):
            BackupService(AppPaths.default(tmp_path / "pc4"), None).restore_url(
                bad, other, passphrase="tajne heslo")
        from dso_desktop.store.snapshot import database_is_empty
        assert database_is_empty(other)


def test_backends_are_not_crossed(pg_url: str, tmp_path: Path) -> None:
    """A dump is no SQLite file and a SQLite file no dump: told how to move instead."""
    with App.open(AppPaths.default(tmp_path / "pg"), offline=True, store_url=pg_url) as app:
        app.backup.scrypt_n = FAST_N
        pg_backup = tmp_path / "pg.dsobackup"
        app.backup.create(pg_backup)
    with pytest.raises(BackupError, match="--store"):
        BackupService(AppPaths.default(tmp_path / "local"), None).restore(pg_backup)
    assert not AppPaths.default(tmp_path / "local").database.exists()
    with App.open(AppPaths.default(tmp_path / "lite"), offline=True) as app:
        app.backup.scrypt_n = FAST_N
        lite_backup = tmp_path / "lite.dsobackup"
        app.backup.create(lite_backup)
    with pytest.raises(BackupError, match="store migrate"):
        BackupService(AppPaths.default(tmp_path / "x"), None).restore_url(lite_backup, pg_url)


def test_postgresql_backup_while_a_sync_writes_is_consistent(
        pg_url: str, pg_server: Any, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The dump and the manifest's counts come from one snapshot: every backup taken while
    a sync writes restores with exactly the rows it lists."""
    from dso_desktop.simulator import Simulator

    with Simulator(seed=7, messages=30) as sim:
        app, acc = _synced_app(sim, tmp_path / "live", pg_url)
        with app:
            errors: list[BaseException] = []

            def do_sync() -> None:
                try:
                    app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
                except BaseException as exc:
                    errors.append(exc)

            t = threading.Thread(target=do_sync)
            t.start()
            infos = []
            while t.is_alive() or not infos:
                infos.append(app.backup.create(tmp_path / f"b{len(infos)}.dsobackup"))
            t.join()
            assert not errors
            infos.append(app.backup.create(tmp_path / "after.dsobackup"))
        for info in [infos[0], infos[-1]]:  # taken while the sync wrote, and after it
            target = _empty_database(pg_server, request)
            r = BackupService(AppPaths.default(tmp_path / info.path.stem), None).restore_url(
                info.path, target)
            with App.open(AppPaths.default(tmp_path / info.path.stem), offline=True,
                          store_url=target) as again:
                check = BackupService.check_restored(again, r)
                assert check.counts_match, check.to_json()
                # Mid-sync, messages may be listed but not downloaded yet (as in the live
                # archive then); the backup after the sync is a clean archive.
                assert check.clean or info is not infos[-1], check.to_json()
