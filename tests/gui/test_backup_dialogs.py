"""The backup and restore dialogs as a clerk fills them in: what is checked before any work,
a plain backup, a damaged or wrongly locked backup refused in Czech with the archive left as
it was, and replacing the archive only after the clerk confirms it."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.domain import Direction, Envelope
from dso_desktop.gui.backupui import BackupDialog, RestoreDialog

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dso_desktop.services.backupformat.SCRYPT_N", 1 << 14)


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    shown: list[Any] = []
    monkeypatch.setattr("dso_desktop.gui.backupui.show_error",
                        lambda parent, exc: shown.append(exc))
    return shown


def seed(ctx: Any, n: int, prefix: str = "88") -> None:
    from dso_desktop.store.messages import MessageRepo, search_text_for
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.repos import AccountRepo

    with ctx.app.db.write() as s:
        repo = AccountRepo(s)
        found = repo.find("obec")
        acc = found.id if found is not None else repo.add(
            "obec", environment="test", login_method="password", username="obec01").id
        for i in range(n):
            env = Envelope(message_id=f"{prefix}{i:04d}", subject=f"Věc {prefix}-{i}",
                           status=6, sender_name="Kraj", sender_box_id="kraj123",
                           recipient_name="Obec", recipient_box_id="obec111",
                           delivered_at=datetime(2026, 4, 1, 8, i, tzinfo=UTC))
            repo_m = MessageRepo(s)
            mid = repo_m.upsert_envelope(acc, Direction.RECEIVED, env).id
            repo_m.attach_zfo(mid, f"Z{prefix}{i}".encode(), env, search_text_for(env, []), 0,
                              VerdictInfo("valid", env.delivered_at))


def backup_dialog(qtbot: Any, ctx: Any, **kw: Any) -> BackupDialog:
    dlg = BackupDialog(ctx, **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def restore_dialog(qtbot: Any, ctx: Any, **kw: Any) -> RestoreDialog:
    dlg = RestoreDialog(ctx, **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def make_backup(qtbot: Any, ctx: Any, path: Path, passphrase: str = "") -> Any:
    dlg = backup_dialog(qtbot, ctx)
    dlg.path.setText(str(path))
    dlg.passphrase.setText(passphrase)
    dlg.again.setText(passphrase)
    with qtbot.waitSignal(dlg.finished_ok, timeout=60_000) as done:
        dlg.buttons.accepted.emit()
    # The clerk closes it. A shown, parentless dialog that Python drops would be freed by
    # whichever thread the garbage collector next runs in (here: the store thread, during
    # the restore), with its cursor timer still registered on the GUI thread: a crash.
    dlg.close()
    gc.collect()
    return done.args[0]


# --- the backup dialog ---------------------------------------------------------------------


def test_backup_checks_its_fields_before_any_work(qtbot: Any, ctx: Any,
                                                  tmp_path: Path) -> None:
    dlg = backup_dialog(qtbot, ctx)
    assert dlg.windowTitle() == "Zálohovat nyní"
    dlg.go()
    assert dlg.status.text() == "Vyberte soubor zálohy."
    dlg.path.setText(str(tmp_path / "z.dsobackup"))
    dlg.passphrase.setText("jedno heslo zálohy")
    dlg.again.setText("jiné heslo zálohy")
    dlg.go()
    assert dlg.status.text() == "Zadaná hesla se liší."
    assert ctx.tasks.pending == 0 and not (tmp_path / "z.dsobackup").exists()


def test_a_transfer_needs_a_long_passphrase_a_plain_backup_none(qtbot: Any, ctx: Any,
                                                                tmp_path: Path) -> None:
    transfer = backup_dialog(qtbot, ctx, transfer=True)
    assert transfer.windowTitle() == "Přenést na jiný počítač"
    transfer.path.setText(str(tmp_path / "prenos.dsobackup"))
    transfer.go()  # no passphrase: the saved passwords would travel unencrypted
    assert "nejméně 10" in transfer.status.text()
    assert not (tmp_path / "prenos.dsobackup").exists()
    seed(ctx, 2)
    result = make_backup(qtbot, ctx, tmp_path / "bezne.dsobackup")
    assert result.path == tmp_path / "bezne.dsobackup" and result.path.is_file()
    assert not result.header.with_secrets


def test_a_finished_backup_says_where_and_how_many(qtbot: Any, ctx: Any,
                                                   tmp_path: Path) -> None:
    seed(ctx, 3)
    dlg = backup_dialog(qtbot, ctx)
    out = tmp_path / "zaloha.dsobackup"
    dlg.path.setText(f"  {out}  ")
    with qtbot.waitSignal(dlg.finished_ok, timeout=60_000):
        dlg.buttons.accepted.emit()
        assert not dlg.buttons.isEnabled()
        assert dlg.status.text() == "Pracuji… u velkého archivu to může chvíli trvat."
    assert dlg.status.text() == f"Záloha je zapsaná a zkontrolovaná: {out} (zpráv: 3)."
    # OK/Cancel became one Close button.
    assert [b.text() for b in dlg.buttons.buttons()] == ["&Zavřít"] or \
        len(dlg.buttons.buttons()) == 1


def test_a_backup_into_a_missing_folder_fails_visibly(qtbot: Any, ctx: Any, tmp_path: Path,
                                                      errors: list[Any]) -> None:
    seed(ctx, 1)
    dlg = backup_dialog(qtbot, ctx)
    dlg.path.setText(str(tmp_path / "neni" / "slozka" / "z.dsobackup"))
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(errors), timeout=30_000)
    assert isinstance(errors[0], Exception)
    assert dlg.buttons.isEnabled() and dlg.status.text() == ""
    assert not (tmp_path / "neni").exists() or not any((tmp_path / "neni").rglob("*.dsobackup"))


# --- the restore dialog ---------------------------------------------------------------------


def test_restore_checks_its_fields_before_any_work(qtbot: Any, ctx: Any,
                                                   tmp_path: Path) -> None:
    dlg = restore_dialog(qtbot, ctx, replace=True)
    assert dlg.confirm.isVisible()
    dlg.go()
    assert dlg.status.text() == "Vyberte soubor zálohy."
    dlg.path.setText(str(tmp_path / "z.dsobackup"))
    dlg.go()
    assert dlg.status.text() == "Potvrďte, že se má současný archiv nahradit."
    assert ctx.tasks.pending == 0
    plain = restore_dialog(qtbot, ctx)
    assert not plain.confirm.isVisible()  # the first start has nothing to replace


def test_a_damaged_backup_is_refused_and_the_archive_stays(qtbot: Any, ctx: Any,
                                                           tmp_path: Path,
                                                           errors: list[Any]) -> None:
    from dso_desktop.services.backupformat import BackupDamaged

    seed(ctx, 2)
    good = make_backup(qtbot, ctx, tmp_path / "z.dsobackup").path
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "poskozena.dsobackup"
    bad.write_bytes(bytes(data))
    seed(ctx, 1, prefix="99")  # the archive moved on after the backup
    dlg = restore_dialog(qtbot, ctx, replace=True)
    dlg.path.setText(str(bad))
    dlg.confirm.setChecked(True)
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(errors), timeout=60_000)
    assert isinstance(errors[0], BackupDamaged)
    assert errors[0].message_cs.startswith("Soubor zálohy je poškozený")
    assert ctx.app.messages.count() == 3  # nothing replaced, nothing lost


def test_a_wrong_passphrase_is_refused_in_czech(qtbot: Any, ctx: Any, tmp_path: Path,
                                               errors: list[Any]) -> None:
    from dso_desktop.services.backupformat import BackupPassphraseError

    seed(ctx, 2)
    locked = make_backup(qtbot, ctx, tmp_path / "z.dsobackup", "správné heslo zálohy").path
    dlg = restore_dialog(qtbot, ctx, replace=True)
    dlg.path.setText(str(locked))
    dlg.passphrase.setText("špatné heslo")
    dlg.confirm.setChecked(True)
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(errors), timeout=60_000)
    assert isinstance(errors[0], BackupPassphraseError)
    assert errors[0].message_cs == "Heslo zálohy chybí nebo není správné."
    assert ctx.app.messages.count() == 2


def test_replacing_the_archive_restores_the_backup_and_keeps_the_old_one(
        qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    seed(ctx, 2)
    backup = make_backup(qtbot, ctx, tmp_path / "z.dsobackup", "heslo pro obnovu 1").path
    seed(ctx, 3, prefix="99")
    assert ctx.app.messages.count() == 5
    dlg = restore_dialog(qtbot, ctx, replace=True)
    dlg.path.setText(str(backup))
    dlg.passphrase.setText("heslo pro obnovu 1")
    dlg.confirm.setChecked(True)
    with qtbot.waitSignal(dlg.restored, timeout=60_000):
        dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dlg.result_value is not None, timeout=10_000)
    result, check = dlg.result_value
    assert result.secrets_restored == 0  # a plain backup carries no passwords
    assert check.counts_match and check.actual["messages"] == 2
    assert ctx.app.messages.count() == 2  # the running app sees the restored archive
    assert dlg.status.text().startswith(
        "Obnoveno: zpráv 2, datových schránek 1, uložených hesel 0.")
    # The seeded "ZFOs" are not signed messages: the check says so, the clerk is told.
    assert not check.ok
    assert "Soubor → Zkontrolovat archiv" in dlg.status.text()
    # The replaced archive was moved aside, not deleted.
    data = Path(ctx.paths.data)
    kept = [p for p in data.rglob("*") if p.is_file() and p.suffix in (".sqlite3", ".db")
            and p.resolve() != Path(ctx.app.db.engine.url.database or "").resolve()]
    assert kept, f"no earlier archive kept aside in {data}"
