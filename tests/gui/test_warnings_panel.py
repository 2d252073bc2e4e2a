"""The warnings panel: how each line reads and is coloured, and what a double click does
(open the message, offer the restamp, open the password dialog of the account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from dso_desktop.domain import Direction, Envelope, LoginMethod, Remedy, WarningKind
from dso_desktop.gui import i18n
from dso_desktop.gui.accountdialogs import PasswordDialog
from dso_desktop.gui.settingsdialog import SettingsDialog
from dso_desktop.gui.warningsview import kind_label, warning_color, warning_text
from dso_desktop.services.types import AccountSpec, ArchiveWarning

RED, AMBER = "#c62828", "#8a5300"


def warning(kind: WarningKind, *, days: float | None = 10, account: str | None = "obec",
            message_id: int | None = None, remedy: Remedy | None = None,
            dm_id: str | None = None) -> ArchiveWarning:
    due = None if days is None else datetime.now(UTC) + timedelta(days=days)
    return ArchiveWarning(kind=kind, account=account, message_id=message_id, due=due,
                          text_cs="Věta pro úřednici.", text_en="A sentence for the clerk.",
                          dm_id=dm_id, remedy=remedy)


# --- how a line reads ----------------------------------------------------------------------


@pytest.mark.parametrize(("days", "colour"), [
    (-30, RED), (0, RED), (2.9, RED), (3.1, AMBER), (60, AMBER), (None, AMBER)])
def test_a_deadline_within_three_days_is_red(qapp: Any, days: float | None,
                                             colour: str) -> None:
    assert warning_color(warning(WarningKind.DELETION, days=days)) == colour


def test_a_deadline_without_a_zone_is_read_as_utc(qapp: Any) -> None:
    w = warning(WarningKind.DELETION, days=1)
    naive = ArchiveWarning(kind=w.kind, account=w.account, message_id=None,
                           due=w.due.replace(tzinfo=None) if w.due else None,
                           text_cs="x", text_en="x")
    assert warning_color(naive) == RED  # no TypeError comparing naive and aware times


def test_the_line_follows_the_language(qapp: Any) -> None:
    w = warning(WarningKind.PASSWORD_EXPIRY)
    i18n.install("en")
    try:
        english = warning_text(w)
    finally:
        i18n.install("cs")
    assert english.endswith(": A sentence for the clerk.")
    assert warning_text(w) == f"{kind_label('password-expiry')}: Věta pro úřednici."
    assert english.split(":")[0] != warning_text(w).split(":")[0]


def test_an_unknown_kind_is_shown_as_it_is(qapp: Any) -> None:
    assert kind_label("something-new") == "something-new"


def test_every_kind_has_a_czech_and_an_english_label(qapp: Any) -> None:
    czech = {k: kind_label(str(k)) for k in WarningKind}
    i18n.install("en")
    try:
        english = {k: kind_label(str(k)) for k in WarningKind}
    finally:
        i18n.install("cs")
    assert all(czech[k] and english[k] and czech[k] != str(k) for k in WarningKind)
    assert len(set(czech.values())) == len(czech)  # two kinds never read the same


# --- the panel in the window ---------------------------------------------------------------


def lines(window: Any) -> list[str]:
    return [window.warning_list.item(i).text() for i in range(window.warning_list.count())]


def test_the_panel_lists_warnings_with_their_colour(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.warnings_loaded) as loaded:
        window.show_warnings([warning(WarningKind.DELETION, days=1),
                              warning(WarningKind.FICTION, days=8)])
    assert loaded.args == [2]
    colours = [window.warning_list.item(i).foreground().color().name() for i in range(2)]
    assert colours == [RED, AMBER]
    item = window.warning_list.item(0)
    assert item.toolTip() == item.text()
    assert item.data(Qt.ItemDataRole.UserRole).kind == WarningKind.DELETION


def test_a_failed_update_check_stays_in_the_panel(qtbot: Any, window: Any) -> None:
    window.update_problem = {"kind": "network"}
    try:
        window.show_warnings([])
        assert len(lines(window)) == 1 and lines(window)[0].startswith("Aktualizace: ")
        assert "Žádná upozornění." not in lines(window)
        window.show_warnings([warning(WarningKind.FICTION)])
        assert len(lines(window)) == 2 and lines(window)[1].startswith("Aktualizace: ")
    finally:
        window.update_problem = None
    window.show_warnings([])
    assert lines(window) == ["Žádná upozornění."]


def test_double_clicking_a_line_without_a_warning_does_nothing(qtbot: Any,
                                                               window: Any) -> None:
    window.show_warnings([])
    before = list(window._dialogs)
    window._warning_activated(window.warning_list.item(0))
    assert window._dialogs == before and window.detail.message_id is None


def test_a_password_warning_opens_the_accounts_password_dialog(qtbot: Any, window: Any,
                                                              ctx: Any) -> None:
    # Regression: the remedy "změnit heslo" opened the settings, where no password is.
    for name in ("obec", "skola"):
        ctx.app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, f"{name}01", "test"),
                             password="Heslo-12345", save_password=True)
    window.show_warnings([warning(WarningKind.PASSWORD_EXPIRY, account="skola",
                                  remedy=Remedy.CHANGE_PASSWORD)])
    window._warning_activated(window.warning_list.item(0))
    qtbot.waitUntil(lambda: any(isinstance(d, PasswordDialog) and d.isVisible()
                                for d in window._dialogs), timeout=10_000)
    dlg = next(d for d in window._dialogs if isinstance(d, PasswordDialog))
    assert dlg.account == "skola" and dlg.windowTitle() == "Změna hesla – skola"
    assert not any(isinstance(d, SettingsDialog) for d in window._dialogs)


def test_a_password_warning_without_an_account_opens_the_settings(qtbot: Any,
                                                                 window: Any) -> None:
    window.show_warnings([warning(WarningKind.PASSWORD_EXPIRY, account=None,
                                  remedy=Remedy.CHANGE_PASSWORD)])
    window._warning_activated(window.warning_list.item(0))
    assert any(isinstance(d, SettingsDialog) for d in window._dialogs)


def _idle(qtbot: Any, ctx: Any) -> None:
    """The window's own start-up loads are done (a late list load would clear the detail)."""
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)


def _stored_message(ctx: Any) -> int:
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    with ctx.app.db.write() as s:
        acc = AccountRepo(s).add("obec", environment="test", login_method="password",
                                 username="obec01").id
        env = Envelope(message_id="770001", subject="Rozhodnutí o dotaci", status=6,
                       sender_name="Krajský úřad", sender_box_id="kraj123",
                       recipient_name="Obec", recipient_box_id="obec111",
                       delivered_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
        return MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, env).id


def test_a_message_warning_opens_the_message_even_outside_the_list(qtbot: Any, window: Any,
                                                                   ctx: Any) -> None:
    mid = _stored_message(ctx)
    _idle(qtbot, ctx)
    window.model.set_ids([])  # a folder that does not hold the message is shown
    assert window.model.row_of(mid) < 0
    window.show_warnings([warning(WarningKind.DELETION, message_id=mid, dm_id="770001",
                                  remedy=Remedy.DOWNLOAD)])
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window._warning_activated(window.warning_list.item(0))
    assert window.detail.message_id == mid
    assert window.detail.title.text() == "Rozhodnutí o dotaci"
    assert getattr(window, "remedy_box", None) is None  # no restamp offered for a deletion


def test_refusing_the_offered_restamp_starts_nothing(qtbot: Any, window: Any,
                                                     ctx: Any) -> None:
    mid = _stored_message(ctx)
    _idle(qtbot, ctx)
    window.show_warnings([warning(WarningKind.TIMESTAMP_EXPIRY, message_id=mid,
                                  dm_id="770001", remedy=Remedy.RESTAMP)])
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window._warning_activated(window.warning_list.item(0))
    box = window.remedy_box
    assert "770001" in box.text() and box.windowTitle() == "Obnovit razítko"
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)
    assert getattr(window, "_restamp_run", None) is None
