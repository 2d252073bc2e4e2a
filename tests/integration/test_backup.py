"""Backups (issue 21): made while the app syncs, verified, refused when changed or cut, restored
elsewhere as the same archive; encrypted and authenticated under a passphrase; secrets only
encrypted; an existing archive only replaced when asked (moved aside)."""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.backup import BackupArchiveExists, BackupService
from dso_desktop.services.backupformat import (
    BackupDamaged,
    BackupError,
    BackupPassphraseError,
)
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.models import MessageZfo
from dso_desktop.store.snapshot import table_counts

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
FAST_N = 1 << 14  # scrypt cost for tests (the product uses 2**17)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, Any]]:
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    use_memory_keyring()
    sim = Simulator(seed=21, messages=10)
    sim.start()
    app = App.open(AppPaths.default(tmp_path_factory.mktemp("bk") / "data"), offline=True)
    app.backup.scrypt_n = FAST_N
    acc = sim.account("password")
    app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                 ca_file=Path(sim.info.ca_file)))
    summary = app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
    assert summary.failed == [] and summary.new > 0
    yield app, sim
    app.close()
    sim.stop()


def _zfos(app: App) -> dict[int, str]:
    with app.db.read() as s:
        return {mid: sha for mid, sha in s.execute(select(MessageZfo.message_id,
                                                           MessageZfo.sha256))}


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def test_backup_restores_elsewhere_as_the_same_archive(synced: tuple[App, Any],
                                                       tmp_path: Path) -> None:
    app, _ = synced
    out = tmp_path / "a.dsobackup"
    info = app.backup.create(out)
    assert info.sampled > 0 and info.sample_trusted == info.sampled  # ZFOs re-verified
    assert info.sample_problems == 0
    assert info.counts["messages"] == app.messages.count() > 0
    assert not info.header.encrypted and not info.header.with_secrets
    other = AppPaths.default(tmp_path / "other")
    result = BackupService(other, None).restore(out)
    assert result.replaced is None and result.files_restored == 1  # the account's CA file
    with App.open(other, offline=True) as restored:
        check = BackupService.check_restored(restored, result)
        assert check.ok, check.to_json()
        assert table_counts(restored.db) == table_counts(app.db)
        assert _zfos(restored) == _zfos(app)
        ca = restored.accounts.get("urad").ca_file
        assert ca is not None and Path(ca).is_relative_to(other.data)


def test_tampered_truncated_or_extended_backup_is_refused(synced: tuple[App, Any],
                                                          tmp_path: Path) -> None:
    app, _ = synced
    out = tmp_path / "t.dsobackup"
    app.backup.create(out, verify=False)
    good = out.read_bytes()
    cases = {
        "flip-middle": good[:len(good) // 2] + bytes([good[len(good) // 2] ^ 1]) +
        good[len(good) // 2 + 1:],
        "flip-last": good[:-1] + bytes([good[-1] ^ 0x80]),
        "truncated": good[:len(good) - 100],
        "cut-at-record": good[:len(good) // 3],
        "appended": good + b"\x00" * 10,
        "header": good.replace(b'"backend": "sqlite"', b'"backend": "sqlitf"', 1),
    }
    target = AppPaths.default(tmp_path / "target")
    for name, data in cases.items():
        bad = tmp_path / f"{name}.dsobackup"
        bad.write_bytes(data)
        with pytest.raises(BackupError):
            app.backup.verify(bad)
        with pytest.raises(BackupError):
            BackupService(target, None).restore(bad)
        assert not target.database.exists(), name  # a refused restore leaves nothing
        assert not list(target.data.glob(".restore-*"))


def test_unencrypted_backup_rewritten_whole_is_caught_by_the_catalog(
        synced: tuple[App, Any], tmp_path: Path) -> None:
    """Without a passphrase anyone can rewrite a whole file consistently; the installation
    that made it still notices, from the SHA-256 it kept."""
    app, _ = synced
    out = tmp_path / "c.dsobackup"
    app.backup.create(out)
    assert app.backup.verify(out).catalog_match is True
    out.write_bytes(out.read_bytes())  # unchanged: still matches
    other = tmp_path / "c2.dsobackup"
    app.backup.create(other)
    shutil.copyfile(other, out)  # a consistent, different backup under the same name
    assert app.backup.verify(out).catalog_match is False
    assert run(["--data-dir", str(app.paths.data), "backup", "verify", str(out)],
               out=io.StringIO(), err=io.StringIO()) == 1


def test_encrypted_backup(synced: tuple[App, Any], tmp_path: Path) -> None:
    app, _ = synced
    out = tmp_path / "e.dsobackup"
    info = app.backup.create(out, passphrase="správné heslo")
    assert info.header.encrypted
    raw = out.read_bytes()
    subject = app.messages.rows(app.messages.ids()[:1])[0].subject
    assert subject.encode() not in raw and b"SQLite format" not in raw
    with pytest.raises(BackupPassphraseError):
        app.backup.verify(out, passphrase="špatné heslo")
    with pytest.raises(BackupPassphraseError):
        app.backup.verify(out)
    assert app.backup.verify(out, passphrase="správné heslo").counts == info.counts
    _flip(out, len(raw) // 2)
    with pytest.raises(BackupDamaged):
        app.backup.verify(out, passphrase="správné heslo")


def test_secrets_only_when_asked_and_only_encrypted(synced: tuple[App, Any],
                                                    tmp_path: Path) -> None:
    app, sim = synced
    password = sim.account("password").password
    app.accounts.set_password("urad", password, save=True)
    with pytest.raises(BackupError):
        app.backup.create(tmp_path / "s.dsobackup", with_secrets=True)
    assert not (tmp_path / "s.dsobackup").exists()
    plain = tmp_path / "p.dsobackup"
    app.backup.create(plain, passphrase="x" * 12)  # encrypted, but secrets not asked for
    assert not app.backup.verify(plain, passphrase="x" * 12).header.with_secrets
    assert run(["--data-dir", str(app.paths.data), "backup", "create", "--out",
                str(tmp_path / "u.dsobackup"), "--with-secrets"],
               out=io.StringIO(), err=io.StringIO()) == 2
    # A file that claims to be unencrypted cannot carry secrets: the reader refuses it.
    from dso_desktop.services import backup as bk

    data = {"keyring": {"urad": {"password": password}}}
    with pytest.raises(BackupError):
        bk.new_header(created_at="x", app_version="x", passphrase=None, with_secrets=True,
                      backend="sqlite")
    assert data  # the only way in is new_header/create, refused above


def test_restore_never_overwrites_without_replace(synced: tuple[App, Any],
                                                  tmp_path: Path) -> None:
    app, _ = synced
    out = tmp_path / "r.dsobackup"
    app.backup.create(out)
    target = AppPaths.default(tmp_path / "busy")
    with App.open(target, offline=True) as other:
        other.accounts.add(AccountSpec("jiny", LoginMethod.PASSWORD, "user1", "test"))
    before = hashlib.sha256(target.database.read_bytes()).hexdigest()
    with pytest.raises(BackupArchiveExists):
        BackupService(target, None).restore(out)
    assert hashlib.sha256(target.database.read_bytes()).hexdigest() == before
    result = BackupService(target, None).restore(out, replace=True)
    assert result.replaced is not None
    kept = result.replaced / "archive.sqlite3"
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == before  # moved aside, intact
    with App.open(target, offline=True) as restored:
        assert [a.name for a in restored.accounts.list()] == ["urad"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_or_cut_is_refused(small_backup: tuple[BackupService, bytes, Path],
                                      data: st.DataObject) -> None:
    """Property: whatever single byte changes, or wherever the file is cut, it is refused."""
    svc, good, work = small_backup
    pos = data.draw(st.integers(0, len(good) - 1))
    if data.draw(st.booleans()):
        bad = good[:pos] + bytes([good[pos] ^ data.draw(st.integers(1, 255))]) + good[pos + 1:]
    else:
        bad = good[:pos]
    f = work / "bad.dsobackup"
    f.write_bytes(bad)
    with pytest.raises(BackupError):
        svc.verify(f, passphrase="heslo")


@pytest.fixture
def small_backup(tmp_path: Path) -> tuple[BackupService, bytes, Path]:
    with App.open(AppPaths.default(tmp_path / "small"), offline=True) as app:
        app.accounts.add(AccountSpec("a", LoginMethod.PASSWORD, "user1", "test"))
        app.backup.scrypt_n = FAST_N
        out = tmp_path / "small.dsobackup"
        app.backup.create(out, passphrase="heslo")
        return BackupService(app.paths, None), out.read_bytes(), tmp_path


def test_backup_while_a_sync_writes(tmp_path: Path) -> None:
    """Both finish; the backup is one consistent state (every message with its ZFO)."""
    from dso_desktop.simulator import Simulator

    with Simulator(seed=5, messages=60) as sim:
        info_sim = sim.info
        with App.open(AppPaths.default(tmp_path / "live"), offline=True) as app:
            acc = sim.account("password")
            app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username,
                                         info_sim.url, ca_file=Path(info_sim.ca_file)))
            errors: list[BaseException] = []
            result: list[Any] = []

            def do_sync() -> None:
                try:
                    result.append(app.sync.sync_account("urad", accept_delivery=True,
                                                        password=acc.password))
                except BaseException as exc:
                    errors.append(exc)

            t = threading.Thread(target=do_sync)
            t.start()
            infos = []
            while t.is_alive() or not infos:
                infos.append(app.backup.create(tmp_path / f"live{len(infos)}.dsobackup"))
            t.join()
            assert not errors and result[0].failed == []
            for info in infos:
                c = info.counts
                assert c["messages"] >= c["message_zfos"]
                restored = AppPaths.default(tmp_path / f"r{info.path.stem}")
                r = BackupService(restored, None).restore(info.path)
                with App.open(restored, offline=True) as again:
                    assert BackupService.check_restored(again, r).counts_match
            final = app.backup.create(tmp_path / "final.dsobackup")
            assert final.counts["messages"] == app.messages.count()


def test_cli_create_verify_list_restore(synced: tuple[App, Any], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = synced
    monkeypatch.setenv("DSO_OFFLINE", "1")
    monkeypatch.setattr("dso_desktop.services.backupformat.SCRYPT_N", FAST_N)
    out = tmp_path / "cli.dsobackup"
    data = str(app.paths.data)
    monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
    o, e = io.StringIO(), io.StringIO()
    assert run(["--data-dir", data, "backup", "create", "--out", str(out),
                "--passphrase-stdin"], out=o, err=e) == 0, e.getvalue()
    assert "encrypted" in o.getvalue()
    monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
    assert run(["--data-dir", data, "backup", "verify", str(out), "--passphrase-stdin"],
               out=io.StringIO(), err=io.StringIO()) == 0
    o = io.StringIO()
    assert run(["--data-dir", data, "--json", "backup", "list"], out=o,
               err=io.StringIO()) == 0
    assert str(out) in o.getvalue()
    new = tmp_path / "newpc"
    monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
    o, e = io.StringIO(), io.StringIO()
    assert run(["--data-dir", str(new), "backup", "restore", str(out), "--passphrase-stdin"],
               out=o, err=e) == 0, o.getvalue() + e.getvalue()
    assert "check: clean" in o.getvalue() and "same as in the backup" in o.getvalue()
    monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
    e = io.StringIO()
    assert run(["--data-dir", str(new), "backup", "restore", str(out), "--passphrase-stdin"],
               out=io.StringIO(), err=e) == 1
    assert "--replace" in e.getvalue()
    _flip(out, out.stat().st_size // 2)
    monkeypatch.setattr("sys.stdin", io.StringIO("tajne heslo\n"))
    e = io.StringIO()
    assert run(["--data-dir", data, "backup", "verify", str(out), "--passphrase-stdin"],
               out=io.StringIO(), err=e) == 1
    assert "changed or is damaged" in e.getvalue()


def test_transfer_to_a_new_pc_with_secrets(tmp_path: Path) -> None:
    """Old PC: backup with secrets under a passphrase. New PC (another data folder, another
    keyring): restore; the account syncs with no password typed."""
    import keyring

    from dso_desktop.memkeyring import MemoryKeyring
    from dso_desktop.secretstore import SERVICE
    from dso_desktop.simulator import Simulator

    old_ring, new_ring = MemoryKeyring(), MemoryKeyring()
    with Simulator(seed=8, messages=6) as sim:
        acc = sim.account("password")
        keyring.set_keyring(old_ring)
        old = AppPaths.default(tmp_path / "old-pc")
        with App.open(old, offline=True) as app:
            app.backup.scrypt_n = FAST_N
            app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                         ca_file=Path(sim.info.ca_file)),
                             password=acc.password, save_password=True)
            app.sync.sync_account("urad", accept_delivery=True)
            out = tmp_path / "prenos.dsobackup"
            app.backup.create(out, passphrase="dlouhé heslo pro přenos", with_secrets=True)
            counts = table_counts(app.db)
        assert old_ring.get_password(SERVICE, "urad:password") == acc.password
        assert acc.password.encode() not in out.read_bytes()

        keyring.set_keyring(new_ring)  # the new PC: nothing saved yet
        new = AppPaths.default(tmp_path / "new-pc")
        with pytest.raises(BackupPassphraseError):
            BackupService(new, None).restore(out, passphrase="jiné heslo")
        assert new_ring.get_password(SERVICE, "urad:password") is None
        result = BackupService(new, None).restore(out, passphrase="dlouhé heslo pro přenos")
        assert result.secrets_restored == 1
        assert new_ring.get_password(SERVICE, "urad:password") == acc.password
        with App.open(new, offline=True) as app:
            assert BackupService.check_restored(app, result).ok
            assert table_counts(app.db) == counts
            assert app.accounts.get("urad").password_saved
            summary = app.sync.sync_account("urad", accept_delivery=True)  # no password given
            assert summary.failed == []


def test_secrets_restore_needs_the_encrypted_backup(synced: tuple[App, Any],
                                                    tmp_path: Path) -> None:
    """A backup without secrets restores no password, even if the keyring had some."""
    app, _ = synced
    out = tmp_path / "nosec.dsobackup"
    app.backup.create(out, passphrase="heslo heslo")
    result = BackupService(AppPaths.default(tmp_path / "n"), None).restore(
        out, passphrase="heslo heslo")
    assert result.secrets_restored == 0 and not result.info.header.with_secrets


def test_backup_of_an_older_schema_restores_migrated(tmp_path: Path) -> None:
    """A backup made by an older version (schema 0001) restores into this one: migrated when
    opened, every row of the backup still there."""
    import gzip

    from dso_desktop.store.db import Database

    old = tmp_path / "old" / "archive.sqlite3"
    old.parent.mkdir()
    old.write_bytes(gzip.decompress(
        (Path(__file__).parents[1] / "unit/store/schemas/0001.sqlite3.gz").read_bytes()))
    db = Database.open(old, migrate=False)
    try:
        assert db.current_revision() == "0001"
        info = BackupService(AppPaths.default(tmp_path / "old"), db).create(
            tmp_path / "0001.dsobackup")
    finally:
        db.close()
    assert info.manifest["schema_revision"] == "0001" and info.counts["messages"] > 0
    # The fixture's evidence blobs are placeholders: copied faithfully, reported, not fatal.
    assert info.sampled == info.sample_problems > 0
    target = AppPaths.default(tmp_path / "new")
    result = BackupService(target, None).restore(info.path)
    with App.open(target, offline=True) as app:
        from dso_desktop.store.migrations import head_revision

        assert app.db.current_revision() == head_revision()
        check = BackupService.check_restored(app, result)
        assert check.counts_match, check.to_json()


def test_cli_list_shows_missing_and_folder_backups_and_verify_elsewhere(
        synced: tuple[App, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    app, _ = synced
    monkeypatch.setenv("DSO_OFFLINE", "1")
    gone = tmp_path / "smazana.dsobackup"
    app.backup.create(gone)
    gone.unlink()
    folder = tmp_path / "slozka"
    folder.mkdir()
    other = folder / "cizi.dsobackup"
    BackupService(AppPaths.default(tmp_path / "x"), app.db).create(other)  # not in catalog
    (folder / "neni-zaloha.dsobackup").write_bytes(b"nothing")  # skipped, not an error
    out = io.StringIO()
    assert run(["--data-dir", str(app.paths.data), "--json", "backup", "list", "--folder",
                str(folder)], out=out, err=io.StringIO()) == 0
    entries = {e["path"]: e for e in json.loads(out.getvalue())}
    assert entries[str(gone.resolve())]["exists"] is False
    assert entries[str(other.resolve())]["exists"] is True
    assert str((folder / "neni-zaloha.dsobackup").resolve()) not in entries
    # Verifying on a PC without an archive: checked all the same, nothing created there.
    fresh = tmp_path / "bez-archivu"
    out = io.StringIO()
    assert run(["--data-dir", str(fresh), "backup", "verify", str(other)], out=out,
               err=io.StringIO()) == 0
    assert "OK" in out.getvalue() and not (fresh / "archive.sqlite3").exists()


def test_restore_refuses_an_archive_another_process_has_open(synced: tuple[App, Any],
                                                             tmp_path: Path) -> None:
    """Review: `dso backup restore --replace` while the GUI or `dso sync` has the archive
    open moved the file away under them; they went on writing into the moved-aside copy,
    so new messages silently left the archive in use."""
    from dso_desktop.services.backup import BackupArchiveOpen

    app, _ = synced
    out = tmp_path / "r.dsobackup"
    app.backup.create(out)
    target = AppPaths.default(tmp_path / "busy")
    running = App.open(target, offline=True)  # stands for the GUI of another process
    try:
        running.accounts.add(AccountSpec("jiny", LoginMethod.PASSWORD, "user1", "test"))
        before = hashlib.sha256(target.database.read_bytes()).hexdigest()
        with pytest.raises(BackupArchiveOpen) as exc:
            BackupService(target, None).restore(out, replace=True)
        assert "zavřete" in exc.value.message_cs
        assert hashlib.sha256(target.database.read_bytes()).hexdigest() == before
        assert not (target.data / "replaced-archives").exists()
        assert [a.name for a in running.accounts.list()] == ["jiny"]
    finally:
        running.close()
    result = BackupService(target, None).restore(out, replace=True)  # closed: it goes
    assert result.replaced is not None
    with App.open(target, offline=True) as restored:
        assert [a.name for a in restored.accounts.list()] == ["urad"]


def test_files_of_one_name_from_two_folders_stay_two_files(tmp_path: Path) -> None:
    """Review: the restore placed account and anchor files by their base name, so two trust
    anchors called root.pem (from two folders) became one file and one anchor was lost."""
    src = AppPaths.default(tmp_path / "src")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "root.pem", tmp_path / "b" / "root.pem"
    first.write_bytes(b"anchor one")
    second.write_bytes(b"anchor two")
    with App.open(src, offline=True) as app:
        app.backup.scrypt_n = FAST_N
        app.settings.update(trust_anchors=(str(first), str(second)))
        out = tmp_path / "t.dsobackup"
        app.backup.create(out)
    other = AppPaths.default(tmp_path / "other")
    result = BackupService(other, None).restore(out)
    assert result.files_restored == 2
    with App.open(other, offline=True) as restored:
        anchors = [Path(p) for p in restored.settings.get().trust_anchors]
    assert len(set(anchors)) == 2
    assert all(p.is_relative_to(other.data) for p in anchors)
    assert [p.read_bytes() for p in anchors] == [b"anchor one", b"anchor two"]
