"""The records hand-over dialog on an archive synced from the simulator (no ../shared
needed): what it hands over (selection or period, only new ones), the target-node picker,
a wrong token, a repeated upload, and a batch of nothing refused in Czech."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from tests.gui.conftest import add_sim_account

from dso_desktop.gui.recordsdialog import NODE_ROLE, HandoverDialog

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    shown: list[Any] = []
    monkeypatch.setattr("dso_desktop.gui.recordsdialog.show_error",
                        lambda parent, exc: shown.append(exc))
    return shown


@pytest.fixture
def records_service() -> Iterator[Any]:
    from dso_desktop.simulator.records import RecordsSimulator

    with RecordsSimulator() as rs:
        yield rs.start()


@pytest.fixture
def synced(sim_ctx: Any, simulator: Any) -> list[int]:
    """The received messages of a simulator account, downloaded with their ZFOs."""
    from dso_desktop.domain import Direction
    from dso_desktop.services.types import MessageFilter

    add_sim_account(sim_ctx.app, simulator, "obec")
    sim_ctx.app.sync.sync_account("obec", accept_delivery=True)
    ids = sim_ctx.app.messages.ids(MessageFilter(account="obec", direction=Direction.RECEIVED))
    assert ids
    return list(ids)


def dialog(qtbot: Any, ctx: Any, selected: list[int], accounts: list[str] | None = None
           ) -> HandoverDialog:
    dlg = HandoverDialog(ctx, selected, accounts or ["obec"])
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def connect(qtbot: Any, dlg: HandoverDialog, service: Any) -> None:
    dlg.url.setText(service.url)
    dlg.token.setText(service.token)
    dlg.ca_file.setText(service.ca_file)
    with qtbot.waitSignal(dlg.nodes_loaded, timeout=15_000):
        dlg.load_nodes.click()


def node(dlg: HandoverDialog, name: str) -> Any:
    stack = [dlg.nodes.topLevelItem(i) for i in range(dlg.nodes.topLevelItemCount())]
    while stack:
        item = stack.pop()
        if item.text(0) == name:
            return item
        stack += [item.child(i) for i in range(item.childCount())]
    raise AssertionError(name)


def whole_period(dlg: HandoverDialog) -> None:
    dlg.use_period.setChecked(True)
    dlg.date_from.setDate(QDate(2000, 1, 1))
    dlg.date_to.setDate(QDate.currentDate().addDays(1))


# --- what is handed over ------------------------------------------------------------------


def test_without_a_selection_a_period_is_offered(qtbot: Any, ctx: Any) -> None:
    dlg = dialog(qtbot, ctx, [], ["obec", "skola"])
    assert dlg.use_period.isChecked() and not dlg.use_selection.isEnabled()
    assert dlg.use_selection.text() == "Vybrané zprávy (0)"
    assert [dlg.account.itemText(i) for i in range(dlg.account.count())] == [
        "Všechny datové schránky", "obec", "skola"]
    assert dlg.only_new.isChecked()  # by default nothing is handed over twice
    assert dlg.target.maxLength() == 10 and dlg.target.text() == "ESSL"


def test_a_selection_is_handed_over_as_chosen(qtbot: Any, ctx: Any) -> None:
    dlg = dialog(qtbot, ctx, [7, 3, 9])
    assert dlg.use_selection.isChecked() and dlg.use_selection.text() == "Vybrané zprávy (3)"
    sel = dlg.selection()
    assert sel.message_ids == (7, 3, 9) and sel.not_handed_over is True
    dlg.only_new.setChecked(False)
    assert dlg.selection().not_handed_over is False


def test_a_period_is_whole_local_days_of_one_or_all_boxes(qtbot: Any, ctx: Any) -> None:
    dlg = dialog(qtbot, ctx, [1], ["obec", "skola"])
    dlg.use_period.setChecked(True)
    dlg.date_from.setDate(QDate(2026, 3, 1))
    dlg.date_to.setDate(QDate(2026, 3, 31))
    sel = dlg.selection()
    assert sel.message_ids is None and sel.account is None
    assert sel.since == datetime(2026, 3, 1).astimezone()
    assert sel.until == datetime(2026, 3, 31).astimezone() + timedelta(days=1)
    dlg.account.setCurrentIndex(dlg.account.findData("skola"))
    assert dlg.selection().account == "skola"


# --- the target nodes ---------------------------------------------------------------------


def test_ticking_nothing_sends_nothing(qtbot: Any, ctx: Any) -> None:
    dlg = dialog(qtbot, ctx, [1])
    assert not dlg.upload_button.isEnabled()  # no nodes loaded yet
    dlg.upload()
    assert dlg.report.toPlainText() == "Zaškrtněte alespoň jedno cílové místo."
    assert ctx.tasks.pending == 0


def test_only_places_that_hold_files_can_be_ticked(qtbot: Any, ctx: Any,
                                                  records_service: Any) -> None:
    dlg = dialog(qtbot, ctx, [1])
    connect(qtbot, dlg, records_service)
    assert dlg.report.toPlainText() == "Připojeno ke službě: Cvičná spisová služba"
    assert dlg.upload_button.isEnabled()
    folder = node(dlg, "Stavební úřad")  # a folder of other places, no id
    assert folder.data(0, NODE_ROLE) is None
    assert folder.toolTip(0) == "Sem nelze ukládat soubory"
    leaf = node(dlg, "Stavební povolení 2026")  # nested two levels down
    leaf.setCheckState(0, Qt.CheckState.Checked)
    node(dlg, "Matrika").setCheckState(0, Qt.CheckState.Checked)
    assert dlg.chosen_nodes() == ["matrika", "su-2026"]
    node(dlg, "Matrika").setCheckState(0, Qt.CheckState.Unchecked)
    assert dlg.chosen_nodes() == ["su-2026"]


def test_a_wrong_token_is_shown_and_nothing_can_be_sent(qtbot: Any, ctx: Any,
                                                        records_service: Any,
                                                        errors: list[Any]) -> None:
    dlg = dialog(qtbot, ctx, [1])
    dlg.url.setText(records_service.url)
    dlg.token.setText("spatny-token")
    dlg.ca_file.setText(records_service.ca_file)
    dlg.load_nodes.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=15_000)
    from dso_desktop.errors import DsoError

    assert isinstance(errors[0], DsoError) and errors[0].message_cs
    assert "spatny-token" not in str(errors[0])
    assert dlg.nodes.topLevelItemCount() == 0 and not dlg.upload_button.isEnabled()


def test_an_untrusted_service_is_refused(qtbot: Any, ctx: Any, records_service: Any,
                                         errors: list[Any]) -> None:
    dlg = dialog(qtbot, ctx, [1])
    dlg.url.setText(records_service.url)
    dlg.token.setText(records_service.token)  # right token, but no CA: TLS must refuse
    dlg.load_nodes.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=15_000)
    assert dlg.nodes.topLevelItemCount() == 0


# --- handing over -------------------------------------------------------------------------


def test_a_period_is_handed_over_once(qtbot: Any, sim_ctx: Any, synced: list[int],
                                      records_service: Any) -> None:
    dlg = dialog(qtbot, sim_ctx, [])
    connect(qtbot, dlg, records_service)
    node(dlg, "Podatelna").setCheckState(0, Qt.CheckState.Checked)
    whole_period(dlg)
    dlg.account.setCurrentIndex(dlg.account.findData("obec"))
    expected = sim_ctx.app.records.select_ids(dlg.selection())
    assert set(synced) <= set(expected)
    with qtbot.waitSignal(dlg.finished_work, timeout=30_000):
        dlg.upload()
    n = len(expected)
    assert dlg.report.toPlainText() == f"Předáno (potvrzeno spisovou službou): {n} z {n}"
    assert dlg.upload_button.isEnabled()
    # Again with "only new": nothing is left to hand over.
    dlg.upload()
    qtbot.waitUntil(lambda: "nic nebylo předáno" in dlg.report.toPlainText(),
                    timeout=30_000)
    assert dlg.report.toPlainText() == \
        "Výběru neodpovídá žádná uložená zpráva; nic nebylo předáno."
    # Without it, the service already holds them: still counted as handed over.
    dlg.only_new.setChecked(False)
    with qtbot.waitSignal(dlg.finished_work, timeout=30_000):
        dlg.upload()
    assert dlg.report.toPlainText().startswith(
        f"Předáno (potvrzeno spisovou službou): {n} z {n}")


def test_a_batch_of_nothing_is_refused(qtbot: Any, ctx: Any, tmp_path: Path,
                                       errors: list[Any]) -> None:
    from dso_desktop.records.errors import RecordsError

    dlg = dialog(qtbot, ctx, [])
    out = tmp_path / "davka.zip"
    dlg.export(str(out))
    qtbot.waitUntil(lambda: bool(errors), timeout=15_000)
    assert isinstance(errors[0], RecordsError)
    assert not out.exists() and dlg.export_button.isEnabled()


def test_a_batch_of_a_period_hands_nothing_over_yet(qtbot: Any, sim_ctx: Any,
                                                    synced: list[int],
                                                    tmp_path: Path) -> None:
    dlg = dialog(qtbot, sim_ctx, [])
    whole_period(dlg)
    dlg.target.setText("SPIS1")
    out = tmp_path / "davka.zip"
    before = sim_ctx.app.records.select_ids(dlg.selection())
    with qtbot.waitSignal(dlg.finished_work, timeout=60_000):
        dlg.export(str(out))
    assert out.is_file()
    text = dlg.report.toPlainText()
    assert text.startswith("Dávka DSO-") and f"uložena: zpráv {len(before)}." in text
    # Only the receiving system's confirmation hands them over.
    assert sim_ctx.app.records.select_ids(dlg.selection()) == before
