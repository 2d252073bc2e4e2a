"""Hand-over to records management in the GUI: the column and the filter of the list, the
state in the detail, and "Předat do spisové služby" for a selection (REST upload with a
target-node picker against the loopback records service) or a period (transfer batch)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from tests.conftest import ZFO_SAMPLES, require_shared

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def archive_window(qtbot: Any, window: Any) -> Any:
    require_shared(ZFO_SAMPLES)
    files = sorted(ZFO_SAMPLES.glob("*.zfo"))
    with qtbot.waitSignal(window.imported, timeout=30_000):
        window.import_zfo(files)
    qtbot.waitUntil(lambda: window.tree.model_.rowCount() == 1, timeout=10_000)
    window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7, timeout=10_000)
    return window


@pytest.fixture
def records_service() -> Iterator[Any]:
    from dso_desktop.simulator.records import RecordsSimulator

    with RecordsSimulator() as rs:
        yield rs.start()


def _column(model: Any, key: str) -> int:
    from dso_desktop.gui.models import COLUMNS

    return [c[0] for c in COLUMNS].index(key)


def _set_filter(qtbot: Any, w: Any, value: bool | None) -> None:
    index = w.handover_filter.findData(value)
    with qtbot.waitSignal(w.list_loaded, timeout=10_000):
        w.handover_filter.setCurrentIndex(index)


def test_hand_over_a_selection_by_rest_with_a_node_picker(
        qtbot: Any, archive_window: Any, records_service: Any) -> None:
    w = archive_window
    col = _column(w.model, "handover")
    assert w.model.headerData(col, Qt.Orientation.Horizontal) == "Spisová služba"
    _set_filter(qtbot, w, True)
    assert w.model.rowCount() == 0
    _set_filter(qtbot, w, False)
    assert w.model.rowCount() == 7
    _set_filter(qtbot, w, None)
    # Select one message; its detail says it was not handed over yet.
    mid = w.ctx.app.messages.find("3401761")[0]
    with qtbot.waitSignal(w.detail.message_loaded, timeout=10_000):
        assert w.select_message(mid)
    qtbot.waitUntil(lambda: bool(w.detail.handover.text()), timeout=10_000)
    assert not w.detail.handover.isHidden()
    assert "Dosud nepředáno" in w.detail.handover.text()
    assert w.act_handover.text() == "Předat do &spisové služby…"

    dlg = w.open_handover()
    assert dlg.windowTitle() == "Předat do spisové služby"
    assert dlg.use_selection.isChecked() and dlg.selected == [mid]
    dlg.url.setText(records_service.url)
    dlg.token.setText(records_service.token)
    dlg.ca_file.setText(records_service.ca_file)
    with qtbot.waitSignal(dlg.nodes_loaded, timeout=15_000):
        dlg.fetch_nodes()
    # The picker shows the hierarchy; only nodes with an id can be ticked.
    root = dlg.nodes.topLevelItem(0)
    assert root.text(0) == "Obec Lhota pod Lesem" and root.data(0, 0x0101) is None
    assert dlg.chosen_nodes() == []
    dlg.upload()
    assert "Zaškrtněte" in dlg.report.toPlainText()  # nothing ticked: nothing sent
    podatelna = next(root.child(i) for i in range(root.childCount())
                     if root.child(i).text(0) == "Podatelna")
    podatelna.setCheckState(0, Qt.CheckState.Checked)
    assert dlg.chosen_nodes() == ["podatelna"]
    with qtbot.waitSignal(dlg.finished_work, timeout=15_000):
        dlg.upload()
    assert "1 z 1" in dlg.report.toPlainText()
    qtbot.waitUntil(lambda: "Předáno do spisové služby" in w.detail.handover.text(),
                    timeout=10_000)
    assert "podatelna/DDZ_3401761.zfo" in w.detail.handover.text()
    # The list: the filter for handed-over messages now shows it, with the column.
    _set_filter(qtbot, w, True)
    assert w.model.ids() == [mid]
    qtbot.waitUntil(lambda: w.model.data(w.model.index(0, col)) == "předáno", timeout=10_000)
    _set_filter(qtbot, w, False)
    assert mid not in w.model.ids() and w.model.rowCount() == 6
    dlg.close()


def test_hand_over_a_period_as_a_transfer_batch(qtbot: Any, archive_window: Any,
                                                tmp_path: Path) -> None:
    from PySide6.QtCore import QDate

    w = archive_window
    dlg = w.open_handover()
    dlg.use_period.setChecked(True)
    dlg.date_from.setDate(QDate(2000, 1, 1))
    dlg.date_to.setDate(QDate.currentDate())
    out = tmp_path / "davka.zip"
    with qtbot.waitSignal(dlg.finished_work, timeout=30_000):
        dlg.export(str(out))
    assert out.is_file()
    assert "uložena: zpráv 7" in dlg.report.toPlainText()
    # An export alone hands nothing over: the filter still shows all as not handed over.
    _set_filter(qtbot, w, False)
    assert w.model.rowCount() == 7
    dlg.close()


def test_training_mode_prefills_the_loopback_records_service(
        qtbot: Any, window: Any, records_service: Any) -> None:
    """In training mode the dialog is set up for the loopback records service (the demo
    starts it beside the ISDS simulator), so the clerk only loads the nodes and picks one."""
    window.ctx.records_info = records_service
    dlg = window.open_handover()
    assert (dlg.url.text(), dlg.token.text(), dlg.ca_file.text()) == (
        records_service.url, records_service.token, records_service.ca_file)
    assert dlg.use_period.isChecked()  # nothing selected: a period
    with qtbot.waitSignal(dlg.nodes_loaded, timeout=15_000):
        dlg.fetch_nodes()
    assert "Cvičná spisová služba" in dlg.report.toPlainText()
    dlg.close()
