"""Reading the archive: detail with verdict, saving attachments, ZFO viewer, search, tags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from tests.conftest import ZFO_SAMPLES, require_shared

SUBJECT_ONLY_IN_PDF = "provozní"  # a word of Provozni_rad_ISDS.pdf, not of any subject


@pytest.fixture
def archive_window(qtbot: Any, window: Any) -> Any:
    require_shared(ZFO_SAMPLES)
    files = sorted(ZFO_SAMPLES.glob("*.zfo"))
    with qtbot.waitSignal(window.imported, timeout=30_000) as sig:
        window.import_zfo(files)
    assert sig.args[0].imported >= 5
    qtbot.waitUntil(lambda: window.tree.model_.rowCount() == 1, timeout=10_000)
    # The top node of the imported messages lists all of them.
    window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7, timeout=10_000)
    return window


def _select_dm(qtbot: Any, w: Any, dm_id: str) -> None:
    ids = w.ctx.app.messages.find(dm_id)
    assert ids, dm_id
    qtbot.waitUntil(lambda: w.model.row_of(ids[0]) >= 0, timeout=10_000)
    with qtbot.waitSignal(w.detail.message_loaded, timeout=10_000):
        assert w.select_message(ids[0])


def test_open_message_shows_envelope_verdict_and_attachments(
    qtbot: Any, archive_window: Any
) -> None:
    w = archive_window
    _select_dm(qtbot, w, "3401761")
    d = w.detail
    assert d.title.text() == "test 2015-03-02 001"
    # The official samples are sealed by PostSignum CAs that ship with the product: they
    # verify offline (valid at signing: their certificates have expired since).
    from dso_desktop.gui import fmt

    assert fmt.verdict_text("valid-at-signing") in d.verdict.text()
    assert "3401761" in d.envelope.toPlainText()
    assert d.attachments.count() == 2
    assert d.attachments.item(0).text().startswith("test_01.txt")


def test_save_selected_and_all_attachments(qtbot: Any, archive_window: Any, tmp_path: Path) -> None:
    w = archive_window
    _select_dm(qtbot, w, "3401761")
    with qtbot.waitSignal(w.detail.saved, timeout=10_000) as one:
        w.detail.save_to(tmp_path / "one", [1])
    assert [p.name for p in one.args[0]] == ["test_02.txt"]
    with qtbot.waitSignal(w.detail.saved, timeout=10_000) as every:
        w.detail.save_to(tmp_path / "all")
    saved = sorted(p.name for p in every.args[0])
    assert saved == ["test_01.txt", "test_02.txt"]
    assert (tmp_path / "all" / "test_01.txt").read_bytes() == b"test 01\n"


def test_drag_out_writes_into_the_app_cache_only(qtbot: Any, archive_window: Any) -> None:
    w = archive_window
    _select_dm(qtbot, w, "3401761")
    paths = w.detail.materialize([0, 1])
    cache = w.ctx.paths.cache.resolve()
    assert [p.name for p in paths] == ["test_01.txt", "test_02.txt"]
    assert all(cache in p.resolve().parents for p in paths)


def test_export_message_zfo_delivery_info_and_files(
    qtbot: Any, archive_window: Any, tmp_path: Path
) -> None:
    w = archive_window
    _select_dm(qtbot, w, "3401761")
    with qtbot.waitSignal(w.detail.exported, timeout=10_000) as sig:
        w.detail.export(str(tmp_path))
    names = {p.name for p in sig.args[0]}
    assert "DDZ_3401761.zfo" in names
    assert (tmp_path / "DDZ_3401761.zfo").read_bytes() == (
        ZFO_SAMPLES / "DDZ_3401761.zfo"
    ).read_bytes()


def test_zfo_viewer_shows_verdict_and_imports(qtbot: Any, window: Any, tmp_path: Path) -> None:
    require_shared(ZFO_SAMPLES)
    viewer = window.open_zfo(ZFO_SAMPLES / "received_message-330141.zfo")
    qtbot.addWidget(viewer)
    qtbot.waitSignal(viewer.loaded, timeout=10_000).wait()
    qtbot.waitUntil(lambda: viewer.view is not None, timeout=10_000)
    assert "Vaše datová zpráva byla přijata" in viewer.title.text()
    from dso_desktop.gui import fmt

    assert viewer.verdict.text().startswith(fmt.verdict_text("valid-at-signing"))
    assert viewer.files.count() == 1
    assert viewer.import_button.isEnabled()
    with qtbot.waitSignal(viewer.imported, timeout=10_000) as sig:
        viewer.import_button.click()
    assert sig.args[0].imported == 1
    assert not viewer.import_button.isEnabled()
    with qtbot.waitSignal(viewer.saved, timeout=10_000) as saved:
        viewer.save_attachments(tmp_path)
    assert [p.name for p in saved.args[0]] == ["odpoved_OVM.pdf"]


def test_zfo_viewer_explains_a_broken_file(qtbot: Any, window: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.zfo"
    bad.write_bytes(b"this is not CMS")
    viewer = window.open_zfo(bad)
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.loaded, timeout=10_000):
        pass
    # The ZFO error's own Czech sentence (here: no CMS structure), not one for all ZFO errors.
    assert viewer.title.text() == "Soubor není podepsaná datová zpráva (chybí struktura CMS)."
    assert not viewer.import_button.isEnabled()


def test_full_text_search_finds_a_word_from_an_attachment(qtbot: Any, archive_window: Any) -> None:
    w = archive_window
    dlg = w.open_search()
    qtbot.addWidget(dlg)
    dlg.query.setText(SUBJECT_ONLY_IN_PDF)
    with qtbot.waitSignal(dlg.results_ready, timeout=10_000) as res:
        dlg.go.click()
    assert res.args == [1]
    assert dlg.table.item(0, 1).text() == "3708924"
    with qtbot.waitSignal(w.detail.message_loaded, timeout=10_000):
        dlg._activated(dlg.table.item(0, 0))
    assert w.detail.title.text() == "pokus - prazdny soubor"


def test_quick_filter_narrows_the_list(qtbot: Any, archive_window: Any) -> None:
    w = archive_window
    with qtbot.waitSignal(w.list_loaded, timeout=10_000) as sig:
        w.quick_filter.setText(SUBJECT_ONLY_IN_PDF)
    assert sig.args == [1]


def test_tags_create_assign_and_filter(qtbot: Any, archive_window: Any) -> None:
    w = archive_window
    _select_dm(qtbot, w, "3401761")
    dlg = w.open_tags()
    qtbot.addWidget(dlg)
    assert dlg.message_ids == w.selected_message_ids() and len(dlg.message_ids) == 1
    dlg.create_tag("Faktury", "#c62828")
    qtbot.waitUntil(lambda: dlg.tags.count() == 1, timeout=10_000)
    tag_id = dlg.tags.item(0).data(Qt.ItemDataRole.UserRole)
    dlg.set_checked(tag_id, True)
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        dlg.apply()
    assert dlg.tags.item(0).checkState() == Qt.CheckState.Checked
    # The tag list of the main window offers it as a filter.
    qtbot.waitUntil(lambda: w.tag_list.count() == 2, timeout=10_000)
    with qtbot.waitSignal(w.list_loaded, timeout=10_000) as sig:
        w.tag_list.setCurrentRow(1)
    assert sig.args == [1]
    qtbot.waitUntil(
        lambda: w.model.cached_row(0) is not None or w.model.data(w.model.index(0, 8)) is not None,
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: w.model.data(w.model.index(0, 8)) == "Faktury", timeout=10_000)


def test_mark_unread_makes_the_row_bold_again(qtbot: Any, archive_window: Any) -> None:
    w = archive_window
    _select_dm(qtbot, w, "3401761")
    row = w.model.row_of(w.detail.message_id)
    qtbot.waitUntil(
        lambda: w.model.data(w.model.index(row, 2), Qt.ItemDataRole.FontRole) is None,
        timeout=10_000,
    )
    w.act_unread.trigger()
    qtbot.waitUntil(
        lambda: w.model.data(w.model.index(row, 2), Qt.ItemDataRole.FontRole) is not None,
        timeout=10_000,
    )


def test_dropping_a_zfo_on_the_window_opens_the_viewer(qtbot: Any, window: Any) -> None:
    require_shared(ZFO_SAMPLES)
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from dso_desktop.gui.zfoviewer import ZfoViewer

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ZFO_SAMPLES / "DDZ_3401761.zfo"))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    viewer = window.findChild(ZfoViewer)
    assert viewer is not None
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.view is not None, timeout=10_000)
    assert "test 2015-03-02 001" in viewer.title.text()
