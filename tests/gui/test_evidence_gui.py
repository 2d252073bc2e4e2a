"""Evidence states in the GUI: an untrusted import is a warning, the archive check runs off
the GUI thread with progress and answers in Czech, conflicting copies show as warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from tests.conftest import ZFO_SAMPLES, require_shared

from dso_desktop.domain import Direction
from dso_desktop.store.messages import MessageRepo

SAMPLE = "received_message-330141.zfo"


@pytest.fixture
def forged(tmp_path: Path) -> tuple[Path, bytes]:
    """A real sample re-sealed by a CA with the simulator's names and another key."""
    from dso_desktop.zfo import parse_zfo
    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import create_pki

    require_shared(ZFO_SAMPLES)
    genuine = (ZFO_SAMPLES / SAMPLE).read_bytes()
    p = parse_zfo(genuine)
    pki = create_pki(None)
    data = seal(p.content_xml, pki.seal, pki.tsa, p.signing_time)  # type: ignore[arg-type]
    path = tmp_path / "podvrh.zfo"
    path.write_bytes(data)
    return path, data


def _plant_legacy(app: Any, data: bytes) -> int:
    """As an earlier release's import did: an untrusted copy became the evidence."""
    from dso_desktop.store.messages import search_text_for
    from dso_desktop.sync.ingest import checked_zfo, parse_and_verify

    parsed, verdict = parse_and_verify(data, app.trust())
    checked = checked_zfo(parsed, verdict)
    assert checked.verdict.kind == "untrusted"
    with app.db.write() as s:
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(None, Direction.RECEIVED, parsed.envelope).id
        assert repo.attach_zfo(mid, data, parsed.envelope,
                               search_text_for(parsed.envelope, checked.texts), 0,
                               checked.verdict)
    return mid


def test_untrusted_import_warns_and_archives_nothing(
        qtbot: Any, window: Any, forged: tuple[Path, bytes]) -> None:
    path, _ = forged
    with qtbot.waitSignal(window.imported, timeout=30_000) as sig:
        window.import_zfo([path])
    assert sig.args[0].quarantined == 1 and sig.args[0].imported == 0
    box = window._import_warning
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "podvrh.zfo" in box.text() and "karanténě" in box.text()
    assert "nedůvěryhodné" in box.text()  # the verdict in words
    box.close()
    assert window.ctx.app.messages.count() == 0


def test_archive_check_from_the_menu_with_progress(
        qtbot: Any, window: Any, forged: tuple[Path, bytes]) -> None:
    assert window.act_check in window.menuBar().actions()[0].menu().actions()
    check = window.check_archive()
    assert check.progress.isVisible()
    with qtbot.waitSignal(check.finished, timeout=30_000) as sig:
        pass
    assert sig.args[0].clean
    assert not check.progress.isVisible()
    assert check.result_box is not None and "Archiv je v pořádku" in check.result_box.text()
    check.result_box.close()

    # An earlier release attached a forgery: the check finds it, in Czech.
    _plant_legacy(window.ctx.app, forged[1])
    steps: list[tuple[int, int]] = []
    check = window.check_archive()
    check.progressed.connect(lambda done, total: steps.append((done, total)))
    with qtbot.waitSignal(check.finished, timeout=30_000) as sig:
        pass
    report = sig.args[0]
    assert not report.clean and [p.problem for p in report.problems] == ["untrusted"]
    text = check.result_box.text()  # type: ignore[union-attr]
    assert "Archiv vyžaduje pozornost" in text and "podpis není důvěryhodný" in text
    assert steps[-1] == (1, 1)  # progress reached the one message


def test_replaced_forgery_shows_in_warnings_and_detail(
        qtbot: Any, window: Any, forged: tuple[Path, bytes]) -> None:
    app = window.ctx.app
    mid = _plant_legacy(app, forged[1])
    with qtbot.waitSignal(window.imported, timeout=30_000) as sig:
        window.import_zfo([ZFO_SAMPLES / SAMPLE])
    assert [i.status for i in sig.args[0].items] == ["replaced"]
    with qtbot.waitSignal(window.warnings_loaded, timeout=10_000):
        window.reload_warnings()
    texts = [window.warning_list.item(i).text() for i in range(window.warning_list.count())]
    assert any(t.startswith("Kopie v rozporu:") for t in texts), texts
    qtbot.waitUntil(lambda: window.tree.model_.rowCount() > 0, timeout=10_000)
    window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    qtbot.waitUntil(lambda: window.model.row_of(mid) >= 0, timeout=10_000)
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        assert window.select_message(mid)
    assert not window.detail.copies.isHidden()
    assert "Pozor: archiv obsahuje 1 další" in window.detail.copies.text()
    assert "dřívější důkaz" in window.detail.copies.text()


def test_zfo_viewer_import_of_a_forgery_says_quarantine(
        qtbot: Any, window: Any, forged: tuple[Path, bytes]) -> None:
    viewer = window.open_zfo(forged[0])
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.view is not None, timeout=10_000)
    assert "nedůvěryhodné" in viewer.verdict.text()
    with qtbot.waitSignal(viewer.imported, timeout=10_000) as sig:
        viewer.import_button.click()
    assert sig.args[0].quarantined == 1
    assert "Neuloženo jako důkaz" in viewer.title.text() and "karanténě" in viewer.title.text()
    assert not viewer.import_button.isEnabled()
    assert window.ctx.app.messages.count() == 0


def _imported_with_a_wrong_verdict(qtbot: Any, window: Any) -> int:
    """A real sample imported, then given the INVALID verdict an earlier release stored
    for every real message over ~10 MB."""
    from datetime import UTC, datetime

    from dso_desktop.store.records import VerdictInfo

    require_shared(ZFO_SAMPLES)
    with qtbot.waitSignal(window.imported, timeout=30_000) as sig:
        window.import_zfo([ZFO_SAMPLES / SAMPLE])
    [mid] = [i.message_id for i in sig.args[0].items]
    with window.ctx.app.db.write() as s:
        MessageRepo(s).set_verdict(mid, VerdictInfo("invalid", datetime(2026, 1, 5, tzinfo=UTC)))
    return mid


def _verdict(app: Any, mid: int) -> str:
    with app.db.read() as s:
        return str(MessageRepo(s).rows([mid])[0].verdict)


def test_the_check_offers_to_store_the_verdicts_that_changed(qtbot: Any, window: Any) -> None:
    from dso_desktop.store.activity import REVERIFIED, ActivityRepo

    app = window.ctx.app
    mid = _imported_with_a_wrong_verdict(qtbot, window)
    check = window.check_archive()
    with qtbot.waitSignal(check.finished, timeout=30_000) as sig:
        pass
    verdicts = sig.args[0].verdicts
    [change] = verdicts.changes
    assert (change.evidence, change.old, change.count) == ("message", "invalid", 1)
    today = change.new
    assert _verdict(app, mid) == "invalid"  # the check itself stores nothing
    text = check.result_box.text()
    assert "Uložené výsledky ověření, které se liší od dnešního ověření: 1" in text
    assert "• datová zpráva: Neplatný → " in text
    assert check.store_button is not None
    assert check.store_button.text() == "Uložit nové výsledky ověření"

    with qtbot.waitSignal(check.verdicts_stored, timeout=30_000):
        check.store_button.click()
    refresh = check.refresh
    assert refresh is not None and refresh.progress.labelText() == (
        "Ukládám nové výsledky ověření…")
    qtbot.waitUntil(lambda: refresh.result_box is not None)
    assert not refresh.progress.isVisible()  # its close on the answer is no cancel
    assert _verdict(app, mid) == today
    with app.db.read() as s:
        assert [(r.action, r.detail) for r in ActivityRepo(s).history(mid)] == [
            (REVERIFIED, f"invalid -> {today}")]
    text = refresh.result_box.text()  # type: ignore[union-attr]
    assert "Uložené nové výsledky ověření: 1; každá změna je v historii zprávy." in text
    assert refresh.store_button is None and not check.result_box.isVisible()


def test_storing_the_verdicts_can_be_cancelled(qtbot: Any, window: Any) -> None:
    from dso_desktop.gui.integrityui import IntegrityCheck

    mid = _imported_with_a_wrong_verdict(qtbot, window)
    run = IntegrityCheck(window, window.ctx, refresh_verdicts=True)
    assert run.progress.findChild(QPushButton).text() == "Zrušit"
    run.cancel()  # asked before the first batch ends: that batch is stored, no more
    with qtbot.waitSignal(run.finished, timeout=30_000) as sig:
        run.start()
    assert sig.args[0].verdicts.cancelled and not sig.args[0].clean
    assert _verdict(window.ctx.app, mid) != "invalid"
    text = run.result_box.text()  # type: ignore[union-attr]
    assert text.startswith("Přerušeno: dosud uložené výsledky zůstávají")
    assert "Archiv" not in text  # no verdict on an archive not checked to its end
