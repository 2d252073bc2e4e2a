"""Commercial messages (PDZ) against the simulator: PDZInfo and the credit are offered
before sending; an initiating message (dmType I, our reference = the ODZ identifier) offers
a prepaid reply, which a reply (dmType O, your reference = that identifier) uses once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec, Draft

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[App, Any, Path]]:
    from dso_desktop.simulator import Simulator

    with Simulator(seed=3, messages=1) as sim:
        app = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                       client_options={"max_retries": 0})
        for name, box_type in (("firma", "PO"), ("osoba", "FO")):
            acc = sim.account("password", box_type)
            app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, acc.username, sim.url,
                                         ca_file=Path(sim.info.ca_file)),
                             password=acc.password, save_password=True)
            app.accounts.test_login(name)
        doc = tmp_path / "nabidka.pdf"
        doc.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        yield app, sim, doc
        app.close()


def _draft(to: str, doc: Path, **kw: Any) -> Draft:
    return Draft(recipients=(to,), subject=kw.pop("subject", "Nabídka"),
                 attachments=(doc,), **kw)


def test_prepaid_reply_is_offered_and_used_once(world: tuple[App, Any, Path]) -> None:
    app, sim, doc = world
    firm_box = app.accounts.get("firma").box_id
    person_box = app.accounts.get("osoba").box_id
    assert firm_box and person_box
    before = app.send.pdz_info("firma")
    assert before.can_pay and before.credit == sim.world.boxes[firm_box].credit
    # No reference: ISDS would not know which reply the initiator pays.
    (bad,) = app.send.send("firma", _draft(person_box, doc, message_type="I"))
    assert not bad.ok and "dmSenderRefNumber" in (bad.error or "")
    (sent,) = app.send.send("firma", _draft(person_box, doc, message_type="I",
                                            our_ref="ODZ-2027-1"))
    assert sent.ok, sent.error
    credit_after_initiating = app.send.pdz_info("firma").credit

    offers = app.send.pdz_info("osoba")
    offer = offers.reply_offer(firm_box, "ODZ-2027-1")
    assert offer is not None and offer.payer == firm_box and offer.count == 1
    assert offers.reply_offer(firm_box, "jine-cislo") is None

    (wrong,) = app.send.send("osoba", _draft(firm_box, doc, message_type="O",
                                             your_ref="jine-cislo", subject="Re: Nabídka"))
    assert not wrong.ok
    (reply,) = app.send.send("osoba", _draft(firm_box, doc, message_type="O",
                                             your_ref="ODZ-2027-1", subject="Re: Nabídka"))
    assert reply.ok, reply.error
    # The initiator paid the reply; the offer is used up.
    assert app.send.pdz_info("firma").credit == credit_after_initiating - 10
    assert app.send.pdz_info("osoba").reply_offer(firm_box, "ODZ-2027-1") is None
    (again,) = app.send.send("osoba", _draft(firm_box, doc, message_type="O",
                                             your_ref="ODZ-2027-1", subject="Re: znovu"))
    assert not again.ok
