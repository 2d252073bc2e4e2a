"""Settings dialog: the trust anchors the user adds are archive settings (trusted for every
account, named in verdicts); a file that holds no CA certificate is refused in Czech."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from dso_desktop.gui.prefs import GuiPrefs
from dso_desktop.zfo.testpki import create_pki


def _open(qtbot: Any, window: Any) -> Any:
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled(),
                    timeout=10_000)
    return dlg


def test_added_anchor_is_saved_in_the_archive_settings(qtbot: Any, window: Any, ctx: Any,
                                                       tmp_path: Path) -> None:
    ca = create_pki(tmp_path / "pki").ca_file
    dlg = _open(qtbot, window)
    dlg.anchors.addItem(str(ca))
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        dlg.buttons.accepted.emit()
    assert ctx.app.settings.get().trust_anchors == (str(ca),)
    store = ctx.app.trust()
    assert any(a.subject == create_pki(tmp_path / "pki").ca_cert.subject for a in store.anchors)
    # Shown again next time; removing it there removes the trust.
    dlg = _open(qtbot, window)
    assert [dlg.anchors.item(i).text() for i in range(dlg.anchors.count())] == [str(ca)]
    dlg.anchors.takeItem(0)
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        dlg.buttons.accepted.emit()
    assert ctx.app.settings.get().trust_anchors == ()


def test_anchors_from_old_gui_prefs_move_to_the_settings(qtbot: Any, window: Any, ctx: Any,
                                                         tmp_path: Path) -> None:
    ca = create_pki(tmp_path / "pki").ca_file
    GuiPrefs(trust_anchors=(str(ca),)).save(ctx.paths)
    dlg = _open(qtbot, window)
    assert dlg.anchors.count() == 1
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        dlg.buttons.accepted.emit()
    assert ctx.app.settings.get().trust_anchors == (str(ca),)
    assert GuiPrefs.load(ctx.paths).trust_anchors == ()


def test_a_file_without_a_ca_is_refused(qtbot: Any, window: Any, ctx: Any,
                                        tmp_path: Path) -> None:
    junk = tmp_path / "not-a-ca.pem"
    junk.write_text("hello")
    dlg = _open(qtbot, window)
    dlg.anchors.addItem(str(junk))
    applied: list[bool] = []
    dlg.applied.connect(lambda: applied.append(True))
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dlg.findChild(QMessageBox) is not None, timeout=10_000)
    box = dlg.findChild(QMessageBox)
    assert "certifikát" in box.text()  # the Czech reason, not a traceback
    assert not applied and ctx.app.settings.get().trust_anchors == ()


def test_viewer_and_detail_name_the_added_anchor(qtbot: Any, window: Any, ctx: Any,
                                                 tmp_path: Path) -> None:
    """A message that verifies only through an anchor the user added says so, even when
    the verdict is valid."""
    from datetime import UTC, datetime, timedelta

    from tests.unit.zfo.zfo_factory import message_xml

    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import issue_leaf

    pki = create_pki(tmp_path / "pki")
    f = tmp_path / "m.zfo"
    f.write_bytes(seal(message_xml(pki), issue_leaf(pki), pki.tsa,
                       datetime.now(UTC) - timedelta(days=1)))
    ctx.app.trust_anchors.add(pki.ca_file)
    from dso_desktop.gui.zfoviewer import ZfoViewer

    viewer = ZfoViewer(ctx, f, [])
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.view is not None, timeout=10_000)
    assert viewer.view.verdict.kind.value in ("valid", "expiring"), viewer.view.verdict.reasons
    assert "v nastavení přidali" in viewer.verdict.text()
    ctx.app.trust_anchors.remove(pki.ca_file)
    viewer2 = ZfoViewer(ctx, f, [])
    qtbot.addWidget(viewer2)
    qtbot.waitUntil(lambda: viewer2.view is not None, timeout=10_000)
    assert viewer2.view.verdict.kind.value == "untrusted"


def test_detail_pane_names_the_added_anchor(qtbot: Any, window: Any, ctx: Any,
                                            tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.unit.zfo.zfo_factory import message_xml

    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import issue_leaf

    pki = create_pki(tmp_path / "pki")
    f = tmp_path / "m.zfo"
    f.write_bytes(seal(message_xml(pki, dm_id="8080"), issue_leaf(pki), pki.tsa,
                       datetime.now(UTC) - timedelta(days=1)))
    ctx.app.trust_anchors.add(pki.ca_file)
    with qtbot.waitSignal(window.imported, timeout=30_000):
        window.import_zfo([f])
    qtbot.waitUntil(lambda: window.tree.model_.rowCount() == 1, timeout=10_000)
    window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    (mid,) = ctx.app.messages.find("8080")
    qtbot.waitUntil(lambda: window.model.row_of(mid) >= 0, timeout=10_000)
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        assert window.select_message(mid)
    assert "v nastavení přidali" in window.detail.verdict.text()
