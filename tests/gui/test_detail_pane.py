"""The message detail on messages that came through the simulator: the envelope reads in
Czech with every field the sender filled, text from the sender is shown as text (never as
markup), hostile attachment names are saved inside the chosen folder only, and a message
known only from the list cannot be opened, saved or checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.gui.conftest import add_sim_account

from dso_desktop.domain import AttachmentRole, LegalTitle, LoginMethod
from dso_desktop.gui.detail import DetailPane
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.endpoints import Environment
from dso_desktop.isds.models import Credentials, OutgoingFile, OutgoingMessage

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

HOSTILE = ("../../utek.txt", "..\\..\\utek2.txt", "/etc/cron.d/x.txt", "CON.txt",
           ".bashrc.txt")


def send_from_firm(sim: Any, **envelope: Any) -> str:
    """A message from the simulator's firm to the office box, sent with the real client."""
    firm = sim.account("password", "PO")
    office = sim.account("password").box_id
    files = envelope.pop("files", None) or [
        OutgoingFile("zadost.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf", AttachmentRole.MAIN),
        OutgoingFile("priloha.txt", "Příloha žádosti".encode(), "text/plain")]
    with IsdsClient(Environment.custom(sim.info.url), LoginMethod.PASSWORD,
                    Credentials(firm.username, firm.password),
                    ca_file=Path(sim.info.ca_file), max_retries=0) as client:
        client.login()
        result = client.create_message(OutgoingMessage(recipient_box_id=office, **envelope),
                                       files)
    assert result.message_id
    return result.message_id


@pytest.fixture
def pane(qtbot: Any, sim_ctx: Any) -> Iterator[DetailPane]:
    p = DetailPane(sim_ctx)
    qtbot.addWidget(p)
    p.show()
    yield p


@pytest.fixture
def office(sim_ctx: Any, simulator: Any) -> Any:
    add_sim_account(sim_ctx.app, simulator, "obec")
    return sim_ctx.app


def synced_id(app: Any, dm_id: str) -> int:
    app.sync.sync_account("obec", accept_delivery=True)
    (mid,) = app.messages.find(dm_id)
    return int(mid)


def show(qtbot: Any, pane: DetailPane, mid: int) -> None:
    with qtbot.waitSignal(pane.message_loaded, timeout=15_000):
        pane.show_message(mid)


def test_the_envelope_reads_in_czech_with_what_the_sender_filled(
        qtbot: Any, pane: DetailPane, office: Any, simulator: Any) -> None:
    dm_id = send_from_firm(simulator, subject="Žádost o vyjádření", to_hands="Jana Nováková",
                           our_ref="FIRMA/12", your_ref="OBEC/7", personal_delivery=True,
                           allow_fiction=False,
                           legal_title=LegalTitle("183", "2006", "94", "2", "a"))
    mid = synced_id(office, dm_id)
    show(qtbot, pane, mid)
    assert pane.title.text() == "Žádost o vyjádření"
    text = pane.envelope.toPlainText()
    assert dm_id in text and "Jana Nováková" in text
    assert "183/2006 § 94 odst. 2 písm. a" in text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    field = {lines[i]: lines[i + 1] for i in range(len(lines) - 1)}
    assert field["Do vlastních rukou"] == "ano"
    assert field["Doručení fikcí"] == "zakázáno"
    assert field["ID zprávy"] == dm_id
    assert "FIRMA/12" in text and "OBEC/7" in text
    assert [pane.attachments.item(i).text().split()[0] for i in range(2)] == [
        "zadost.pdf", "priloha.txt"]
    assert pane.save_button.isEnabled() and pane.save_all_button.isEnabled()
    assert pane.online_button.isEnabled()


def test_text_from_the_sender_is_shown_as_text_not_markup(qtbot: Any, pane: DetailPane,
                                                          office: Any, simulator: Any) -> None:
    dm_id = send_from_firm(simulator, subject="Faktura & dobropis",
                           to_hands="<img src=x onerror=alert(1)><b>Jana</b>")
    mid = synced_id(office, dm_id)
    show(qtbot, pane, mid)
    text = pane.envelope.toPlainText()
    assert "<img src=x onerror=alert(1)><b>Jana</b>" in text  # shown literally
    assert "<img" not in pane.envelope.toHtml().replace("&lt;img", "")
    assert pane.title.text() == "Faktura & dobropis"


def test_hostile_attachment_names_stay_inside_the_chosen_folder(
        qtbot: Any, pane: DetailPane, office: Any, simulator: Any, tmp_path: Path) -> None:
    files = [OutgoingFile(name, f"obsah {i}".encode(), "text/plain",
                          AttachmentRole.MAIN if i == 0 else AttachmentRole.ENCLOSURE)
             for i, name in enumerate(HOSTILE)]
    dm_id = send_from_firm(simulator, subject="Nebezpečné názvy", files=files)
    mid = synced_id(office, dm_id)
    show(qtbot, pane, mid)
    target = tmp_path / "prilohy" / "sem"
    target.mkdir(parents=True)
    with qtbot.waitSignal(pane.saved, timeout=15_000) as saved:
        pane.save_to(target)
    paths = [Path(p) for p in saved.args[0]]
    assert len(paths) == len(HOSTILE)
    for p in paths:
        assert p.resolve().parent == target.resolve(), p
    assert sorted(p.read_bytes() for p in paths) == sorted(
        f"obsah {i}".encode() for i in range(len(HOSTILE)))
    # Nothing landed next to or above the folder.
    assert sorted(x.name for x in (tmp_path / "prilohy").iterdir()) == ["sem"]
    assert not (tmp_path / "utek.txt").exists() and not (tmp_path / "utek2.txt").exists()


def test_saving_twice_never_overwrites(qtbot: Any, pane: DetailPane, office: Any,
                                       simulator: Any, tmp_path: Path) -> None:
    dm_id = send_from_firm(simulator, subject="Dvakrát")
    mid = synced_id(office, dm_id)
    show(qtbot, pane, mid)
    with qtbot.waitSignal(pane.saved, timeout=15_000) as first:
        pane.save_to(tmp_path, [1])
    with qtbot.waitSignal(pane.saved, timeout=15_000) as second:
        pane.save_to(tmp_path, [1])
    (a,), (b,) = first.args[0], second.args[0]
    assert Path(a) != Path(b)
    assert Path(a).read_bytes() == Path(b).read_bytes() == "Příloha žádosti".encode()


def test_a_message_known_only_from_the_list_cannot_be_saved_or_checked(
        qtbot: Any, pane: DetailPane, sim_ctx: Any, simulator: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An account that does not accept deliveries lists the message but downloads nothing.
    add_sim_account(sim_ctx.app, simulator, "jen-seznam", sync_received=False)
    dm_id = send_from_firm(simulator, subject="Jen obálka")
    from dso_desktop.domain import Direction, Envelope
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    with sim_ctx.app.db.write() as s:
        acc = AccountRepo(s).get("jen-seznam").id
        mid = MessageRepo(s).upsert_envelope(
            acc, Direction.RECEIVED, Envelope(message_id=dm_id, subject="Jen obálka",
                                              status=4)).id
    show(qtbot, pane, mid)
    assert pane.title.text() == "Jen obálka"
    assert pane.attachments.count() == 0
    for b in (pane.save_button, pane.save_all_button, pane.open_button, pane.online_button,
              pane.restamp_button):
        assert not b.isEnabled()
    errors: list[Any] = []
    monkeypatch.setattr("dso_desktop.gui.detail.show_error", lambda p, e: errors.append(e))
    out = tmp_path / "ven"
    out.mkdir()
    pane.save_to(out)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert list(out.iterdir()) == []


def test_a_message_without_a_subject_says_so(qtbot: Any, pane: DetailPane, sim_ctx: Any) -> None:
    from dso_desktop.domain import Direction, Envelope
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    with sim_ctx.app.db.write() as s:
        acc = AccountRepo(s).add("x", environment="test", login_method="password",
                                 username="x1").id
        mid = MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED,
                                             Envelope(message_id="1", subject=None)).id
    show(qtbot, pane, mid)
    assert pane.title.text() == "(bez předmětu)"
