"""GUI start reconciles the sends a crash left open (off the GUI thread): found → reported in
the status bar (Czech), not there → may be sent again, undecidable → a Czech warning."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.gui.conftest import add_sim_account


def _reopen(app: Any, record_id: int, *, account: str | None = None) -> None:
    """Put a record back where a crash during CreateMessage leaves it."""
    from dso_desktop.store.models import OutboxEntry
    from dso_desktop.store.timeutil import to_db, utcnow

    then = to_db(utcnow() - timedelta(minutes=5))
    with app.db.write() as s:
        row = s.get(OutboxEntry, record_id)
        row.state, row.dm_id, row.unreported = "submitting", None, False
        row.created_at = row.submitted_at = then
        if account is not None:
            row.account_name = account


def test_start_reconciles_open_sends(qtbot: Any, sim_ctx: Any, simulator: Any,
                                     tmp_path: Path) -> None:
    from dso_desktop.gui.mainwindow import MainWindow
    from dso_desktop.services.types import Draft

    app = sim_ctx.app
    add_sim_account(app, simulator, "urad")
    own = simulator.account("password").box_id
    to = next(b for b in sorted(simulator.world.boxes) if b != own
              and simulator.world.boxes[b].box_type == "OVM")
    outcomes = []
    for i, subject in enumerate(("Odešlo před pádem", "Neodešlo", "Účet zmizel")):
        doc = tmp_path / f"d{i}.pdf"
        doc.write_bytes(b"%PDF-1.4\n" + subject.encode() * 40)
        (o,) = app.send.send("urad", Draft(recipients=(to,), subject=subject,
                                           attachments=(doc,)))
        outcomes.append(o)
    found, gone, orphan = outcomes
    _reopen(app, found.outbox_id)
    _reopen(app, gone.outbox_id)
    # "Neodešlo" never reached ISDS: take it out of the simulator's world.
    with simulator.world.lock:
        simulator.world.messages[gone.message_id].annotation = "přejmenováno"
    _reopen(app, orphan.outbox_id, account="smazany-ucet")

    w = MainWindow(sim_ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.outbox_reconciled, timeout=30_000) as sig:
        w.start()
    lines = sig.args[0]
    assert any("Odešlo před pádem" in x and found.message_id in x and "proběhlo" in x
               for x in lines)
    assert any("Neodešlo" in x and "neodešla" in x for x in lines)
    assert found.message_id in w.statusBar().currentMessage()
    assert app.outbox.get(found.outbox_id).state == "sent"
    assert app.outbox.get(gone.outbox_id).state == "failed"
    assert app.outbox.get(orphan.outbox_id).state == "unknown"
    qtbot.waitUntil(lambda: any(
        w.warning_list.item(i).text().startswith("Nepotvrzené odeslání: Není jisté")
        and "Účet zmizel" in w.warning_list.item(i).text()
        for i in range(w.warning_list.count())), timeout=10_000)
    w.sync.cancel_all()
