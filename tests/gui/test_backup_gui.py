"""The backup GUI (issue 21): "Přenést na jiný počítač" end to end (two data folders, two
keyrings), the first-start choices, the Backup menu, the schedule in the settings and the
background scheduler, the Datovka dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest

from dso_desktop.domain import LoginMethod, WarningKind
from dso_desktop.memkeyring import MemoryKeyring
from dso_desktop.paths import AppPaths
from dso_desktop.secretstore import SERVICE
from dso_desktop.services.types import AccountSpec

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dso_desktop.services.backupformat.SCRYPT_N", 1 << 14)


def _ctx(app: Any, paths: AppPaths) -> Any:
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.gui.taskman import TaskManager

    return GuiContext(app=app, tasks=TaskManager(), paths=paths)


def test_transfer_to_a_new_computer_end_to_end(qtbot: Any, qapp: Any, tmp_path: Path,
                                               simulator: Any) -> None:
    from dso_desktop.app import App
    from dso_desktop.gui import backupui, i18n
    from dso_desktop.gui.mainwindow import MainWindow

    i18n.install("cs")
    sim = simulator
    acc = sim.account("password")
    old_ring, new_ring = MemoryKeyring(), MemoryKeyring()
    keyring.set_keyring(old_ring)
    old_paths = AppPaths.default(tmp_path / "stary-pc").ensure()
    old = App.open(old_paths, offline=True)
    old.accounts.add(AccountSpec("Podatelna", LoginMethod.PASSWORD, acc.username, sim.url,
                                 ca_file=Path(sim.info.ca_file)),
                     password=acc.password, save_password=True)
    old.sync.sync_account("Podatelna", accept_delivery=True)
    messages = old.messages.count()
    ctx_old = _ctx(old, old_paths)
    out = tmp_path / "prenos.dsobackup"
    dlg = backupui.BackupDialog(ctx_old, None, transfer=True)
    qtbot.addWidget(dlg)
    dlg.path.setText(str(out))
    dlg.passphrase.setText("krátké")
    dlg.again.setText("krátké")
    dlg.go()
    assert not out.exists() and "nejméně" in dlg.status.text()  # too short for secrets
    dlg.passphrase.setText("dlouhé heslo k přenosu")
    dlg.again.setText("dlouhé heslo k přenosu")
    with qtbot.waitSignal(dlg.finished_ok, timeout=60_000):
        dlg.go()
    assert out.is_file() and dlg.result_value.header.with_secrets
    ctx_old.tasks.shutdown(wait=True)
    old.close()

    # The new computer: its own data folder and keyring, the app started on an empty archive.
    keyring.set_keyring(new_ring)
    new_paths = AppPaths.default(tmp_path / "novy-pc").ensure()
    new = App.open(new_paths, offline=True)
    ctx_new = _ctx(new, new_paths)
    window = MainWindow(ctx_new)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.start()
    backupui.maybe_first_start(window)
    qtbot.waitUntil(lambda: getattr(window, "first_start", None) is not None, timeout=10_000)
    first = window.first_start
    assert first.isVisible()
    first.restore.click()
    restore = next(w for w in window.findChildren(backupui.RestoreDialog))
    restore.path.setText(str(out))
    restore.passphrase.setText("dlouhé heslo k přenosu")
    with qtbot.waitSignal(restore.finished_ok, timeout=60_000):
        restore.go()
    result, check = restore.result_value
    assert result.secrets_restored == 1
    assert check.ok and check.actual["messages"] == messages
    assert new_ring.get_password(SERVICE, "Podatelna:password") == acc.password
    assert [a.name for a in new.accounts.list()] == ["Podatelna"]
    assert new.accounts.get("Podatelna").password_saved
    summary = new.sync.sync_account("Podatelna", accept_delivery=True)  # no password typed
    assert summary.failed == []
    window.close()
    ctx_new.tasks.shutdown(wait=True)
    new.close()


def test_backup_menu_and_settings_schedule(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from dso_desktop.gui import backupui
    from dso_desktop.gui.settingsdialog import SettingsDialog

    titles = [a.text() for a in window.menuBar().actions()]
    assert any("Zálohy" in t or "Backup" in t for t in titles)
    folder = tmp_path / "zalohy"
    folder.mkdir()
    dlg = SettingsDialog(window.ctx, window)
    qtbot.addWidget(dlg)
    qtbot.waitSignal(dlg.loaded, timeout=10_000)
    qtbot.waitUntil(lambda: dlg.buttons.isEnabled(), timeout=10_000)
    dlg.backup_interval.setCurrentIndex(dlg.backup_interval.findData("daily"))
    dlg.backup_folder.setText(str(folder))
    dlg.backup_keep.setValue(3)
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        dlg.save()
    st = window.ctx.app.settings.get()
    assert (st.backup_interval, st.backup_folder, st.backup_keep) == ("daily", str(folder), 3)
    # The scheduler finds it due and backs up in the background; the warning goes away.
    kinds = [w.kind for w in window.ctx.app.warnings.collect()]
    assert WarningKind.BACKUP_OVERDUE in kinds
    sched = window.backup_scheduler
    assert isinstance(sched, backupui.BackupScheduler)
    with qtbot.waitSignal(sched.ran, timeout=60_000):
        sched.check()
    assert len(list(folder.glob("dso-zaloha-*.dsobackup"))) == 1
    kinds = [w.kind for w in window.ctx.app.warnings.collect()]
    assert WarningKind.BACKUP_OVERDUE not in kinds and WarningKind.BACKUP_FAILED not in kinds


def test_datovka_dialog_imports(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from tests.conftest import ZFO_SAMPLES, require_shared
    from tests.datovka_builder import Acc, build, sample_messages

    from dso_desktop.gui import backupui

    require_shared(ZFO_SAMPLES)
    folder = build(tmp_path / ".dsgui", [Acc("Vzorky", "vzorky",
                                             messages=sample_messages(ZFO_SAMPLES))])
    dlg = backupui.open_datovka(window)
    dlg.path.setText(str(folder))
    with qtbot.waitSignal(dlg.finished_ok, timeout=60_000):
        dlg.go()
    report = dlg.result_value
    assert report.adds_up and report.imported > 0
    assert "Nalezeno" in dlg.status.text() or "Found" in dlg.status.text()
    assert window.ctx.app.accounts.exists("Vzorky")
