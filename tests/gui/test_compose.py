"""Compose against the simulator: recipient search, checks, normal and big send, reply."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from tests.gui.conftest import add_sim_account

from dso_desktop.domain import Direction

MIB = 1024 * 1024


@pytest.fixture
def compose_window(qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> Any:
    add_sim_account(sim_ctx.app, simulator, "obec")
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    return window


def _pdf(path: Path, size: int = 2000) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + b"0" * (size - 9))
    return path


def _search(qtbot: Any, dlg: Any, text: str) -> int:
    dlg.query.setText(text)
    with qtbot.waitSignal(dlg.search_done, timeout=30_000) as found:
        dlg.search_button.click()
    return int(found.args[0])


def _sent_count(app: Any) -> int:
    from dso_desktop.services.types import MessageFilter

    return app.messages.count(MessageFilter(account="obec", direction=Direction.SENT))


def test_recipient_search_shows_box_type_and_whether_it_can_receive(
    qtbot: Any, compose_window: Any
) -> None:
    dlg = compose_window.compose_new()
    qtbot.addWidget(dlg)
    assert _search(qtbot, dlg, "úřad") > 0
    assert dlg.hits.item(0, 2).text()  # box type
    assert dlg.hits.item(0, 4).text() == "ano"  # can receive
    dlg.add_selected_hit()
    assert len(dlg.recipient_ids()) == 1
    dlg.add_selected_hit()
    assert len(dlg.recipient_ids()) == 1  # no duplicates


def test_attachment_checks_block_sending(qtbot: Any, compose_window: Any, tmp_path: Path) -> None:
    dlg = compose_window.compose_new()
    qtbot.addWidget(dlg)
    dlg.add_recipient("abcdefg", "Někdo")
    dlg.subject.setText("Předmět")
    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ")
    with qtbot.waitSignal(dlg.checked, timeout=10_000) as checked:
        dlg.add_files([bad])
    assert any(".exe" in p for p in checked.args[0])
    assert ".exe" in dlg.problems.text()
    assert not dlg.send_button.isEnabled()
    with qtbot.waitSignal(dlg.checked, timeout=10_000) as checked:
        dlg.files.setCurrentRow(0)
        dlg.remove_selected_files()
    with qtbot.waitSignal(dlg.checked, timeout=10_000) as checked:
        dlg.add_files([_pdf(tmp_path / "dopis.pdf")])
    assert checked.args[0] == []
    assert dlg.send_button.isEnabled()


def test_send_normal_message_appears_in_sent(
    qtbot: Any, compose_window: Any, sim_ctx: Any, tmp_path: Path
) -> None:
    w = compose_window
    before = _sent_count(sim_ctx.app)
    dlg = w.compose_new()
    qtbot.addWidget(dlg)
    assert _search(qtbot, dlg, "Krajský úřad") > 0
    dlg.add_selected_hit()
    dlg.subject.setText("Žádost o součinnost")
    dlg.our_ref.setText("OU-12/2026")
    dlg.personal.setChecked(True)
    dlg.no_fiction.setChecked(True)
    dlg.law.setText("500")
    dlg.year.setText("2004")
    draft = dlg.draft()
    assert draft.personal_delivery is True and draft.allow_fiction is False
    assert draft.legal_title.law == "500" and draft.our_ref == "OU-12/2026"
    with qtbot.waitSignal(dlg.checked, timeout=10_000):
        dlg.add_files([_pdf(tmp_path / "zadost.pdf")])
    with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
        dlg.send_button.click()
    outcomes = sent.args[0]
    assert [o.ok for o in outcomes] == [True]
    assert outcomes[0].big_message is False
    assert not dlg.isVisible()
    qtbot.waitUntil(lambda: _sent_count(sim_ctx.app) == before + 1, timeout=10_000)


def test_big_message_is_sent_automatically(
    qtbot: Any, compose_window: Any, sim_ctx: Any, simulator: Any, tmp_path: Path
) -> None:
    # Shrink the limits on both sides (same rule, small files) to keep the test fast.
    old_limits = simulator.core.limits
    simulator.core.limits = dataclasses.replace(old_limits, normal_max=MIB, big_tolerance=0)
    sim_ctx.app.send.limits = dataclasses.replace(sim_ctx.app.send.limits, normal_max=MIB)
    try:
        dlg = compose_window.compose_new()
        qtbot.addWidget(dlg)
        assert _search(qtbot, dlg, "Finanční úřad") > 0
        dlg.add_selected_hit()
        dlg.subject.setText("Velká příloha")
        with qtbot.waitSignal(dlg.checked, timeout=10_000):
            dlg.add_files([_pdf(tmp_path / "plan.pdf", 2 * MIB)])
        assert "velkoobjemová" in dlg.size_label.text() or dlg.size_label.text()
        with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
            dlg.send_button.click()
        outcomes = sent.args[0]
        assert [o.ok for o in outcomes] == [True], outcomes
        assert outcomes[0].big_message is True
    finally:
        simulator.core.limits = old_limits


def test_reply_prefills_recipient_subject_and_references(
    qtbot: Any, compose_window: Any, sim_ctx: Any
) -> None:
    w = compose_window
    w.sync.confirm_delivery = lambda account: True
    with qtbot.waitSignal(w.sync.job_finished, timeout=60_000):
        w.sync_current()
    from dso_desktop.services.types import MessageFilter

    ids = sim_ctx.app.messages.ids(MessageFilter(account="obec", direction=Direction.RECEIVED))
    assert ids
    original = sim_ctx.app.messages.detail(ids[0]).envelope
    w.detail.show_message(ids[0])
    qtbot.waitUntil(lambda: w.detail.message_id == ids[0], timeout=5_000)
    dlg = w.compose_reply()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: bool(dlg.recipient_ids()), timeout=10_000)
    assert dlg.recipient_ids() == [original.sender_box_id]
    assert dlg.subject.text().startswith("Re: ")
    assert dlg.your_ref.text() == (original.our_ref or "")
