"""Compose goes through the same exactly-once send: a lost answer is found (not resent), and
a draft whose earlier send has an unknown outcome is refused with a Czech explanation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.gui.conftest import add_sim_account


@pytest.fixture
def compose_window(qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> Any:
    add_sim_account(sim_ctx.app, simulator, "obec")
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    yield window
    simulator.faults.clear()


def _recipient(simulator: Any) -> str:
    own = simulator.account("password").box_id
    return next(b for b in sorted(simulator.world.boxes) if b != own
                and simulator.world.boxes[b].box_type == "OVM")


def _with_subject(simulator: Any, subject: str) -> list[str]:
    with simulator.world.lock:
        return [d for d, m in simulator.world.messages.items() if m.annotation == subject]


def _dialog(qtbot: Any, window: Any, simulator: Any, subject: str, doc: Path) -> Any:
    dlg = window.compose_new()
    qtbot.addWidget(dlg)
    dlg.add_recipient(_recipient(simulator), "Úřad")
    dlg.subject.setText(subject)
    with qtbot.waitSignal(dlg.checked, timeout=10_000):
        dlg.add_files([doc])
    return dlg


def test_compose_lost_answer_is_found_not_sent_twice(
        qtbot: Any, compose_window: Any, simulator: Any, tmp_path: Path) -> None:
    doc = tmp_path / "dopis.pdf"
    doc.write_bytes(b"%PDF-1.4\n" + b"1" * 3000)
    dlg = _dialog(qtbot, compose_window, simulator, "Odpověď se ztratila", doc)
    simulator.faults.inject("CreateMessage", "commit-then-drop", times=1)
    with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
        dlg.send_button.click()
    (o,) = sent.args[0]
    assert o.ok and o.note
    assert _with_subject(simulator, "Odpověď se ztratila") == [o.message_id]


def test_compose_refuses_a_draft_whose_earlier_send_is_unknown(
        qtbot: Any, compose_window: Any, sim_ctx: Any, simulator: Any,
        tmp_path: Path) -> None:
    from dso_desktop.store.models import OutboxEntry

    app = sim_ctx.app
    doc = tmp_path / "vyzva.pdf"
    doc.write_bytes(b"%PDF-1.4\n" + b"2" * 3000)
    dlg = _dialog(qtbot, compose_window, simulator, "Nejistý osud", doc)
    draft = dlg.draft()
    # A first send that went through, then made "unknown" as a crash would leave it.
    (o,) = app.send.send("obec", draft)
    with app.db.write() as s:
        row = s.get(OutboxEntry, o.outbox_id)
        row.state, row.dm_id = "unknown", None
    simulator.faults.inject("GetListOfSentMessages", "reset")  # cannot be checked now
    with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
        dlg.send_button.click()
    exc = sent.args[0]
    assert type(exc).__name__ == "SendBlocked"
    assert "není jisté" in dlg.status.text() and "Tatáž zpráva" in dlg.status.text()
    assert _with_subject(simulator, "Nejistý osud") == [o.message_id]  # still just one
    assert dlg.send_button.isEnabled()  # the user may decide (and sees why)
