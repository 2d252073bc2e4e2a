"""The compose dialog as a clerk uses it, against the simulator: finding a recipient
("Nenalezeno", boxes that cannot receive, failures in Czech), what enables "Odeslat", the
envelope options that reach the draft, and a send that fails for one recipient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.gui.conftest import add_sim_account

from dso_desktop.domain import LegalTitle
from dso_desktop.gui.compose import ComposeDialog, can_receive

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def dlg(qtbot: Any, sim_ctx: Any, simulator: Any) -> Iterator[ComposeDialog]:
    add_sim_account(sim_ctx.app, simulator, "obec")
    d = ComposeDialog(sim_ctx, ["obec"], "obec")
    qtbot.addWidget(d)
    d.show()
    yield d
    simulator.faults.clear()


def search(qtbot: Any, d: ComposeDialog, text: str, kind: str = "GENERAL") -> int:
    d.query.setText(text)
    d.search_type.setCurrentIndex(d.search_type.findData(kind))
    with qtbot.waitSignal(d.search_done, timeout=30_000) as found:
        d.search_button.click()
    return int(found.args[0])


def pdf(tmp_path: Path, name: str = "dopis.pdf") -> Path:
    p = tmp_path / name
    p.write_bytes(PDF)
    return p


def add_checked(qtbot: Any, d: ComposeDialog, paths: list[Path]) -> list[str]:
    with qtbot.waitSignal(d.checked, timeout=10_000) as checked:
        d.add_files(paths)
    return list(checked.args[0])


# --- search --------------------------------------------------------------------------------


def test_a_search_that_finds_nothing_says_nenalezeno(qtbot: Any, dlg: ComposeDialog) -> None:
    assert search(qtbot, dlg, "Qwzx Neexistující Úřad") == 0
    assert dlg.status.text() == "Nenalezeno"
    assert dlg.hits.rowCount() == 0
    assert not dlg.add_hit.isEnabled()
    dlg.add_selected_hit()  # nothing selected, nothing added
    assert dlg.recipient_ids() == []
    assert dlg.search_button.isEnabled()


def test_found_boxes_are_counted_in_czech(qtbot: Any, dlg: ComposeDialog) -> None:
    n = search(qtbot, dlg, "úřad")
    assert n > 0 and dlg.hits.rowCount() == n
    assert dlg.status.text() == f"Nalezeno: {n}"
    assert dlg.hits.currentRow() == 0 and dlg.add_hit.isEnabled()
    headers = [dlg.hits.horizontalHeaderItem(c).text() for c in range(dlg.hits.columnCount())]
    assert headers == ["Název", "Datová schránka", "Typ", "Adresa", "Může přijímat"]


def test_search_by_box_id_finds_that_box_only(qtbot: Any, dlg: ComposeDialog,
                                             simulator: Any) -> None:
    target = next(b for b in simulator.world.boxes.values() if b.state == 1 and b.is_ovm)
    assert search(qtbot, dlg, target.box_id, "DBID") == 1
    assert dlg.hits.item(0, 1).text() == target.box_id
    assert dlg.hits.item(0, 0).text() == target.name
    dlg.add_selected_hit()
    assert dlg.recipient_ids() == [target.box_id]
    assert dlg.recipients.item(0).text() == f"{target.name} ({target.box_id})"


def test_a_new_search_clears_the_old_hits_before_its_answer(qtbot: Any,
                                                            dlg: ComposeDialog) -> None:
    assert search(qtbot, dlg, "úřad") > 0
    dlg.query.setText("Qwzx nic")
    with qtbot.waitSignal(dlg.search_done, timeout=30_000):
        dlg.search_button.click()
        # While the second search runs, nothing from the first may be added.
        assert dlg.hits.rowCount() == 0 and not dlg.add_hit.isEnabled()
        assert not dlg.search_button.isEnabled()
        assert dlg.status.text() == "Hledám v ISDS…"
        dlg.add_selected_hit()
        assert dlg.recipient_ids() == []


def test_an_empty_query_starts_no_search(qtbot: Any, dlg: ComposeDialog) -> None:
    dlg.query.setText("   ")
    dlg.search_button.click()
    assert dlg.search_button.isEnabled() and dlg.status.text() == ""
    assert dlg.hits.rowCount() == 0


def test_a_box_that_cannot_receive_is_shown_but_not_added(qtbot: Any, dlg: ComposeDialog,
                                                          simulator: Any) -> None:
    box = next(b for b in simulator.world.boxes.values() if b.state == 1 and b.is_ovm
               and b.box_id != simulator.account("password").box_id)
    box.state = 4  # made inaccessible: ISDS answers dbSendOptions DISABLED
    try:
        assert search(qtbot, dlg, box.box_id, "DBID") == 1
        assert dlg.hits.item(0, 4).text() == "ne"
        dlg.add_selected_hit()
        assert dlg.recipient_ids() == []
        assert dlg.status.text() == "Tato datová schránka nemůže přijímat datové zprávy."
    finally:
        box.state = 1


@pytest.mark.parametrize(("options", "ok"), [
    (None, True), ("ALL", True), ("dz", True), ("PDZ", True), ("NONE", False),
    ("DISABLED", False)])
def test_can_receive_reads_send_options(options: str | None, ok: bool) -> None:
    assert can_receive(options) is ok


def test_a_failed_search_is_explained_in_czech(qtbot: Any, dlg: ComposeDialog,
                                               simulator: Any) -> None:
    simulator.faults.inject("ISDSSearch3", "maintenance")
    assert search(qtbot, dlg, "úřad") == -1
    assert dlg.status.text() == "ISDS má odstávku; zkuste to později."
    assert dlg.hits.rowCount() == 0 and dlg.search_button.isEnabled()
    simulator.faults.clear()
    assert search(qtbot, dlg, "úřad") > 0


# --- what enables sending ----------------------------------------------------------------


def test_send_needs_recipient_subject_and_clean_attachments(qtbot: Any, dlg: ComposeDialog,
                                                            tmp_path: Path) -> None:
    assert not dlg.send_button.isEnabled()
    dlg.add_recipient("abcdefg", "Obec")
    assert not dlg.send_button.isEnabled()
    dlg.subject.setText("Žádost")
    assert not dlg.send_button.isEnabled()  # no attachment yet
    assert add_checked(qtbot, dlg, [pdf(tmp_path)]) == []
    assert dlg.send_button.isEnabled()
    assert dlg.size_label.text().startswith("Celková velikost: ")
    dlg.subject.setText("   ")
    assert not dlg.send_button.isEnabled()  # a blank subject is no subject
    dlg.subject.setText("Žádost")
    dlg.recipients.setCurrentRow(0)
    dlg.remove_recipient.click()
    assert dlg.recipient_ids() == [] and not dlg.send_button.isEnabled()


def test_the_same_recipient_and_file_are_added_once(qtbot: Any, dlg: ComposeDialog,
                                                    tmp_path: Path) -> None:
    dlg.add_recipient("abcdefg", "Obec")
    dlg.add_recipient("abcdefg", "Obec jinak")
    dlg.add_recipient("hijklmn")
    assert dlg.recipient_ids() == ["abcdefg", "hijklmn"]
    assert dlg.recipients.item(1).text() == "hijklmn"
    f = pdf(tmp_path)
    add_checked(qtbot, dlg, [f])
    add_checked(qtbot, dlg, [f, tmp_path / "neexistuje.pdf"])
    assert dlg.file_paths() == [f]


def test_a_refused_attachment_blocks_until_removed(qtbot: Any, dlg: ComposeDialog,
                                                   tmp_path: Path) -> None:
    dlg.add_recipient("abcdefg")
    dlg.subject.setText("Předmět")
    good = pdf(tmp_path)
    bad = tmp_path / "skript.bat"
    bad.write_bytes(b"echo")
    problems = add_checked(qtbot, dlg, [good, bad])
    assert problems and all("skript.bat" in p for p in problems)
    assert "skript.bat" in dlg.problems.text()
    assert not dlg.send_button.isEnabled()
    dlg.files.setCurrentRow(1)
    with qtbot.waitSignal(dlg.checked, timeout=10_000) as checked:
        dlg.remove_selected_files()
    assert checked.args[0] == [] and dlg.problems.text() == ""
    assert dlg.send_button.isEnabled()


# --- the draft -----------------------------------------------------------------------------


def test_every_envelope_option_reaches_the_draft(qtbot: Any, dlg: ComposeDialog,
                                                 tmp_path: Path) -> None:
    dlg.add_recipient("abcdefg")
    dlg.add_recipient("hijklmn")
    dlg.subject.setText("  Rozhodnutí o přestupku  ")
    add_checked(qtbot, dlg, [pdf(tmp_path)])
    dlg.to_hands.setText("Jana Nováková")
    dlg.personal.setChecked(True)
    dlg.no_fiction.setChecked(True)
    dlg.own_id.setChecked(True)
    dlg.our_ref.setText("MU/12/2026")
    dlg.your_ref.setText("VJ-7")
    dlg.our_mark.setText("SZ 44")
    dlg.your_mark.setText("  ")
    for w, v in ((dlg.law, "250"), (dlg.year, "2016"), (dlg.section, "7"),
                 (dlg.paragraph, "2"), (dlg.point, "b")):
        w.setText(v)
    dlg.pdz.setCurrentIndex(dlg.pdz.findData("K"))
    d = dlg.draft()
    assert d.recipients == ("abcdefg", "hijklmn")
    assert d.subject == "Rozhodnutí o přestupku"
    assert d.attachments == (tmp_path / "dopis.pdf",)
    assert d.to_hands == "Jana Nováková"
    assert d.personal_delivery is True and d.allow_fiction is False
    assert d.publish_own_id is True
    assert (d.our_ref, d.your_ref, d.our_file_mark, d.your_file_mark) == (
        "MU/12/2026", "VJ-7", "SZ 44", None)
    assert d.legal_title == LegalTitle("250", "2016", "7", "2", "b")
    assert d.message_type == "K"


def test_unset_options_are_left_to_isds_defaults(dlg: ComposeDialog) -> None:
    d = dlg.draft()
    # None, not False: the envelope leaves the element out and ISDS applies its default.
    assert d.personal_delivery is None and d.allow_fiction is None
    assert d.publish_own_id is None and d.message_type is None
    assert d.legal_title == LegalTitle(None, None, None, None, None)
    assert dlg.pdz.itemText(0) == "Datová zpráva (zdarma)"


def test_reference_fields_are_limited_to_what_isds_accepts(dlg: ComposeDialog) -> None:
    dlg.our_ref.setText("x" * 80)
    dlg.subject.setText("y" * 300)
    assert len(dlg.our_ref.text()) == 50 and len(dlg.subject.text()) == 255


# --- sending ---------------------------------------------------------------------------------


def test_a_refused_recipient_keeps_the_dialog_open_and_says_why(
        qtbot: Any, dlg: ComposeDialog, tmp_path: Path) -> None:
    dlg.add_recipient("zzzzzzz", "Neexistující")
    dlg.subject.setText("Zkouška")
    add_checked(qtbot, dlg, [pdf(tmp_path)])
    with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
        dlg.send_button.click()
    (outcome,) = sent.args[0]
    assert not outcome.ok and outcome.recipient == "zzzzzzz"
    assert dlg.status.text().startswith("Neodesláno adresátovi zzzzzzz: ")
    assert dlg.isVisible()  # the clerk can correct the recipient and send again
    assert dlg.send_button.isEnabled() and not dlg.progress.isVisible()


def test_one_good_and_one_refused_recipient(qtbot: Any, dlg: ComposeDialog, simulator: Any,
                                            tmp_path: Path) -> None:
    good = next(b for b in simulator.world.boxes.values() if b.state == 1 and b.is_ovm
                and b.box_id != simulator.account("password").box_id)
    dlg.add_recipient(good.box_id, good.name)
    dlg.add_recipient("zzzzzzz")
    dlg.subject.setText("Oznámení")
    add_checked(qtbot, dlg, [pdf(tmp_path)])
    with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
        dlg.send_button.click()
    outcomes = {o.recipient: o for o in sent.args[0]}
    assert outcomes[good.box_id].ok and not outcomes["zzzzzzz"].ok
    dm_id = outcomes[good.box_id].message_id
    assert simulator.world.messages[dm_id].annotation == "Oznámení"
    lines = dlg.status.text().split("\n")
    assert f"Odesláno adresátovi {good.box_id} jako zpráva {dm_id}" in lines
    assert any(line.startswith("Neodesláno adresátovi zzzzzzz") for line in lines)
    assert dlg.isVisible()


def test_a_failed_send_shows_the_reason_with_the_code(qtbot: Any, dlg: ComposeDialog,
                                                      simulator: Any, tmp_path: Path) -> None:
    dlg.add_recipient(simulator.account("password").box_id)
    dlg.subject.setText("Během odstávky")
    add_checked(qtbot, dlg, [pdf(tmp_path)])
    simulator.faults.inject(None, "maintenance")
    try:
        with qtbot.waitSignal(dlg.sent, timeout=60_000) as sent:
            dlg.send_button.click()
    finally:
        simulator.faults.clear()
    # The login before the send already meets the maintenance: the whole send fails.
    from dso_desktop.isds.errors import MaintenanceError

    assert isinstance(sent.args[0], MaintenanceError)
    assert dlg.status.text() == "ISDS má odstávku; zkuste to později. (HTTP 503)"
    assert dlg.isVisible() and dlg.send_button.isEnabled()


# --- commercial messages ----------------------------------------------------------------


def test_a_reply_without_an_open_prepaid_offer_is_blocked(qtbot: Any, dlg: ComposeDialog,
                                                          tmp_path: Path) -> None:
    dlg.add_recipient("abcdefg")
    dlg.subject.setText("Odpověď")
    add_checked(qtbot, dlg, [pdf(tmp_path)])
    assert dlg.send_button.isEnabled()
    dlg.your_ref.setText("NIKDY/1")
    dlg.pdz.setCurrentIndex(dlg.pdz.findData("O"))
    qtbot.waitUntil(lambda: dlg.pdz_panel.options is not None and not dlg.pdz_panel.loading,
                    timeout=30_000)
    assert dlg.pdz_panel.blocked and not dlg.send_button.isEnabled()
    assert "předplacen" in dlg.pdz_panel.label.text()
    dlg.pdz.setCurrentIndex(dlg.pdz.findData(None))
    assert not dlg.pdz_panel.blocked and dlg.send_button.isEnabled()
    assert not dlg.pdz_panel.isVisibleTo(dlg)
