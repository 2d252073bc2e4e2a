"""The compose dialog and commercial messages (PDZ), against the simulator: the payment
options and the credit are shown before sending; a reply to an initiating PDZ uses the
prepaid reply (dmType O, your reference = the initiator's), and only while it is open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.gui.compose import ComposeDialog
from dso_desktop.services.types import AccountSpec, Draft, MessageFilter


def _accounts(app: Any, sim: Any) -> tuple[str, str]:
    for name, box_type in (("firma", "PO"), ("osoba", "FO")):
        acc = sim.account("password", box_type)
        app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, acc.username, sim.info.url,
                                     ca_file=Path(sim.info.ca_file)),
                         password=acc.password, save_password=True)
        app.accounts.test_login(name)
    return app.accounts.get("firma").box_id, app.accounts.get("osoba").box_id


def _loaded(qtbot: Any, dlg: ComposeDialog) -> None:
    qtbot.waitUntil(lambda: dlg.pdz_panel.options is not None and not dlg.pdz_panel.loading,
                    timeout=30_000)


def test_payment_options_and_credit_before_sending(
        qtbot: Any, sim_ctx: Any, simulator: Any) -> None:
    app = sim_ctx.app
    _accounts(app, simulator)
    dlg = ComposeDialog(sim_ctx, ["firma", "osoba"], "firma")
    qtbot.addWidget(dlg)
    assert not dlg.pdz_panel.isVisibleTo(dlg)  # a free data message needs no payment
    dlg.pdz.setCurrentIndex(dlg.pdz.findData("K"))
    assert dlg.pdz_panel.isVisibleTo(dlg)
    _loaded(qtbot, dlg)
    firm = simulator.world.boxes[app.accounts.get("firma").box_id]
    text = dlg.pdz_panel.label.text()
    assert f"Kredit: {firm.credit} Kč" in text and "z kreditu" in text
    assert not dlg.pdz_panel.blocked


def test_reply_to_an_initiating_pdz_uses_the_prepaid_reply(
        qtbot: Any, sim_ctx: Any, simulator: Any, tmp_path: Path) -> None:
    app = sim_ctx.app
    firm_box, person_box = _accounts(app, simulator)
    doc = tmp_path / "nabidka.pdf"
    doc.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (sent,) = app.send.send("firma", Draft(recipients=(person_box,), subject="Nabídka",
                                           attachments=(doc,), message_type="I",
                                           our_ref="ODZ-77"))
    assert sent.ok, sent.error
    app.sync.sync_account("osoba", accept_delivery=True)
    (mid,) = [i for i in app.messages.ids(MessageFilter(account="osoba",
                                                        direction=Direction.RECEIVED))
              if app.messages.rows([i])[0].dm_id == sent.message_id]

    dlg = ComposeDialog(sim_ctx, ["osoba", "firma"], "osoba", reply_to=mid)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.pdz.currentData() == "O", timeout=10_000)
    _loaded(qtbot, dlg)
    assert dlg.recipient_ids() == [firm_box] and dlg.your_ref.text() == "ODZ-77"
    assert "předplacenou odpověď" in dlg.pdz_panel.label.text()
    assert not dlg.pdz_panel.blocked
    dlg.add_files([doc])
    qtbot.waitUntil(dlg.send_button.isEnabled, timeout=10_000)
    credit = simulator.world.boxes[firm_box].credit
    with qtbot.waitSignal(dlg.sent, timeout=30_000) as done:
        dlg.send_button.click()
    (outcome,) = done.args[0]
    assert outcome.ok, outcome.error
    assert simulator.world.boxes[firm_box].credit == credit - 10  # the initiator paid

    # The prepaid reply is used up: a second reply is not offered to send as one.
    again = ComposeDialog(sim_ctx, ["osoba", "firma"], "osoba", reply_to=mid)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.pdz.currentData() == "O", timeout=10_000)
    _loaded(qtbot, again)
    again.add_files([doc])
    assert again.pdz_panel.blocked
    assert "Žádná předplacená odpověď" in again.pdz_panel.label.text()
    assert not again.send_button.isEnabled()
