"""Settings (incl. the language switch), the warnings panel, and Qt warnings failing tests."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from tests.conftest import REPO_ROOT, ZFO_SAMPLES, require_shared

from dso_desktop.gui import i18n


def test_settings_load_save_and_switch_language(qtbot: Any, window: Any, ctx: Any) -> None:
    switched: list[bool] = []
    window.language_changed = lambda: switched.append(True)
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        pass
    assert dlg.language.currentData() == "cs"
    assert dlg.interval.value() == 0  # scheduled sync is off by default
    dlg.interval.setValue(30)
    dlg.proxy.setText("http://proxy.example:3128")
    dlg.language.setCurrentIndex(dlg.language.findData("en"))
    dlg.check_updates.setChecked(False)
    with qtbot.waitSignal(dlg.language_changed, timeout=10_000) as changed:
        dlg.buttons.accepted.emit()
    assert changed.args == ["en"]
    settings = ctx.app.settings.get()
    assert (settings.language, settings.sync_interval_minutes) == ("en", 30)
    assert settings.proxy == "http://proxy.example:3128"
    assert i18n.current() == "en"
    qtbot.waitUntil(lambda: bool(switched), timeout=5_000)
    qtbot.waitUntil(window.schedule.isActive, timeout=5_000)
    from dso_desktop.gui.prefs import GuiPrefs

    prefs = GuiPrefs.load(ctx.paths)
    assert prefs.language == "en" and prefs.check_updates is False


def test_a_window_built_in_english_speaks_english(qtbot: Any, ctx: Any) -> None:
    from dso_desktop.gui.mainwindow import MainWindow

    i18n.install("en")
    try:
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        assert w.act_sync_all.text() == "Synchronize &all"
        assert w.menuBar().actions()[0].text() == "&File"
    finally:
        i18n.install("cs")
    w2 = MainWindow(ctx)
    qtbot.addWidget(w2)
    assert w2.act_sync_all.text() == "Synchronizovat &vše"
    assert w2.menuBar().actions()[0].text() == "&Soubor"


def _warning(kind: str, text: str, message_id: int | None = None, days: int = 5) -> Any:
    from dso_desktop.services.types import ArchiveWarning

    return ArchiveWarning(
        kind=kind,
        account="obec",
        message_id=message_id,
        due=datetime.now(UTC) + timedelta(days=days),
        text_cs=text,
        text_en=f"EN {text}",
    )


def test_each_kind_of_warning_is_shown_in_czech(qtbot: Any, window: Any) -> None:
    warnings = [
        _warning("password-expiry", "Heslo vyprší za 5 dní."),
        _warning("timestamp-expiry", "Časové razítko vyprší."),
        _warning("deletion", "ISDS zprávu brzy smaže.", days=1),
        _warning("send-unknown", "Není jisté, zda zpráva odešla."),
        _warning("fiction", "Zpráva bude doručena fikcí."),
    ]
    with qtbot.waitSignal(window.warnings_loaded) as sig:
        window.show_warnings(warnings)
    assert sig.args == [5]
    texts = [window.warning_list.item(i).text() for i in range(5)]
    assert texts == [
        "Heslo: Heslo vyprší za 5 dní.",
        "Konec ověřitelnosti: Časové razítko vyprší.",
        "Smazání z ISDS: ISDS zprávu brzy smaže.",
        "Nepotvrzené odeslání: Není jisté, zda zpráva odešla.",
        "Doručení fikcí: Zpráva bude doručena fikcí.",
    ]
    urgent = window.warning_list.item(2).foreground().color().name()
    later = window.warning_list.item(0).foreground().color().name()
    assert urgent != later
    window.show_warnings([])
    assert window.warning_list.item(0).text() == "Žádná upozornění."
    # Every kind the services produce has a label of its own (not its code).
    from dso_desktop.domain import WarningKind
    from dso_desktop.gui.warningsview import kind_label

    assert all(kind_label(k) != str(k) for k in WarningKind)


def test_warnings_from_the_archive_and_jump_to_the_message(qtbot: Any, window: Any) -> None:
    require_shared(ZFO_SAMPLES)
    with qtbot.waitSignal(window.imported, timeout=30_000):
        window.import_zfo(sorted(ZFO_SAMPLES.glob("*.zfo")))
    with qtbot.waitSignal(window.warnings_loaded, timeout=10_000) as sig:
        window.reload_warnings()
    assert sig.args[0] > 0
    item = window.warning_list.item(0)
    # the samples' evidence stopped being verifiable long ago: first in the list (by due)
    assert item.text().startswith("Konec ověřitelnosti:")
    w = item.data(Qt.ItemDataRole.UserRole)
    window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    qtbot.waitUntil(lambda: window.model.row_of(w.message_id) >= 0, timeout=10_000)
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window._warning_activated(item)
    assert window.detail.message_id == w.message_id


def test_a_qt_warning_fails_a_gui_test(tmp_path: Path) -> None:
    test = tmp_path / "test_emits_qt_warning.py"
    test.write_text(
        textwrap.dedent("""
        from PySide6.QtCore import qWarning

        def test_warns(qtbot):
            qWarning("something is wrong")
    """),
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(REPO_ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(test),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Qt messages with level WARNING or above emitted" in run.stdout
