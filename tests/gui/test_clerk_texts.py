"""Texts a clerk reads (issue 14): the compose tab's accent, reference labels from the
clerk's side, recipient search "Nenalezeno", Czech box types, error details, help (F1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtGui import QImage

from dso_desktop.domain import Direction, Envelope


def _tab_image(dlg: Any, text: str) -> QImage:
    bar = dlg.tabs.tabBar()
    bar.setTabText(1, text)
    dlg.tabs.setCurrentIndex(0)  # the second tab inactive, as the clerk first sees it
    bar.repaint()
    return bar.grab(bar.tabRect(1)).toImage()


def test_the_envelope_tab_shows_the_accent_of_its_capital(qtbot: Any, ctx: Any) -> None:
    from dso_desktop.gui.compose import ComposeDialog

    dlg = ComposeDialog(ctx, ["urad"], "urad")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.tabs.tabText(1) == "Údaje obálky"
    # Were the acute clipped, "Údaje" and "Udaje" would paint the same pixels.
    assert _tab_image(dlg, "Údaje obálky") != _tab_image(dlg, "Udaje obálky")


def _seed_pair(app: Any) -> tuple[int, int]:
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    with app.db.write() as s:
        acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                 username="u1").id
        repo = MessageRepo(s)
        got = []
        for dm_id, direction in (("901", Direction.RECEIVED), ("902", Direction.SENT)):
            env = Envelope(message_id=dm_id, subject="Věc", sender_name="A",
                           recipient_name="B", sender_box_id="aaaaaaa",
                           recipient_box_id="bbbbbbb", our_ref="SND/1", your_ref="RCP/2",
                           our_file_mark="SND-SP", your_file_mark="RCP-SP",
                           delivered_at=datetime(2026, 3, 2, tzinfo=UTC))
            got.append(repo.upsert_envelope(acc, direction, env).id)
    return got[0], got[1]


def _envelope_text(qtbot: Any, window: Any, message_id: int) -> dict[str, str]:
    # The window's own start-up loads (a list reload clears the detail) must be over first.
    qtbot.waitUntil(lambda: not window.ctx.tasks.pending, timeout=10_000)
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window.detail.show_message(message_id)
    lines = window.detail.envelope.toPlainText().splitlines()
    labels = ("Naše číslo jednací", "Naše spisová značka",
              "Číslo jednací odesílatele", "Spisová značka odesílatele",
              "Číslo jednací adresáta", "Spisová značka adresáta")
    lines = [x.strip() for x in lines if x.strip()]
    # a table row: the label, then (same or next line) the value
    return {line.split("\t")[0]: (line.split("\t")[1] if "\t" in line else lines[i + 1])
            for i, line in enumerate(lines) if line.split("\t")[0] in labels}


def test_reference_numbers_are_labelled_from_the_clerks_side(qtbot: Any, window: Any) -> None:
    received, sent = _seed_pair(window.ctx.app)
    # Received: the sender's reference (dmSenderRefNumber = our_ref) is the sender's.
    assert _envelope_text(qtbot, window, received) == {
        "Naše číslo jednací": "RCP/2", "Naše spisová značka": "RCP-SP",
        "Číslo jednací odesílatele": "SND/1", "Spisová značka odesílatele": "SND-SP"}
    # Sent: we are the sender.
    assert _envelope_text(qtbot, window, sent) == {
        "Naše číslo jednací": "SND/1", "Naše spisová značka": "SND-SP",
        "Číslo jednací adresáta": "RCP/2", "Spisová značka adresáta": "RCP-SP"}


def test_cli_message_show_labels_references_the_same_way() -> None:
    from dso_desktop.cli.cmd_store import reference_lines

    env = Envelope(message_id="1", our_ref="SND/1", your_ref="RCP/2")
    assert dict(reference_lines(env, True))["Sender's reference number"] == "SND/1"
    assert dict(reference_lines(env, True))["Our reference number"] == "RCP/2"
    assert dict(reference_lines(env, False))["Our reference number"] == "SND/1"
    assert dict(reference_lines(env, False))["Recipient's reference number"] == "RCP/2"


class _Hit:
    def __init__(self, box_id: str, box_type: str) -> None:
        self.box_id, self.box_type, self.name = box_id, box_type, "Exekutorský úřad"
        self.address, self.send_options = "Praha", "ALL"


def test_recipient_search_without_a_match_says_nenalezeno_and_clears(
        qtbot: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.gui.compose import ComposeDialog

    answers: list[Any] = [[_Hit("exe1234", "OVM_EXEKUT")], [],
                          [_Hit("abc1234", "PFO_ADVOK")], RuntimeError("boom")]

    def find_boxes(_account: str, _text: str, _kind: str = "GENERAL") -> Any:
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a

    monkeypatch.setattr(ctx.app.send, "find_boxes", find_boxes)
    dlg = ComposeDialog(ctx, ["urad"], "urad")
    qtbot.addWidget(dlg)
    assert not dlg.add_hit.isEnabled()
    # "Hledat podle: Čehokoli" read oddly: the general search names what it searches
    assert dlg.search_type.itemText(0) == "Název, adresa nebo IČO"
    assert all(dlg.search_type.itemText(i) != "Čehokoli"
               for i in range(dlg.search_type.count()))
    dlg.query.setText("exekutor")
    with qtbot.waitSignal(dlg.search_done, timeout=10_000):
        dlg.search()
    assert dlg.hits.rowCount() == 1 and dlg.hits.item(0, 2).text() == "Soudní exekutor"
    assert dlg.add_hit.isEnabled()
    dlg.query.setText("nikdo takový")
    with qtbot.waitSignal(dlg.search_done, timeout=10_000) as sig:
        dlg.search()
    assert sig.args == [0]
    assert dlg.status.text() == "Nenalezeno"
    assert dlg.hits.rowCount() == 0 and not dlg.add_hit.isEnabled()
    dlg.add_selected_hit()  # even when forced: nothing from the old search is added
    assert dlg.recipient_ids() == []
    with qtbot.waitSignal(dlg.search_done, timeout=10_000):
        dlg.search()
    assert dlg.hits.item(0, 2).text() == "Advokát"
    with qtbot.waitSignal(dlg.search_done, timeout=10_000) as sig:
        dlg.search()
    assert sig.args == [-1] and dlg.hits.rowCount() == 0 and not dlg.add_hit.isEnabled()


def test_every_box_type_of_the_schema_has_a_czech_name(ctx: Any) -> None:
    from dso_desktop.domain import BOX_TYPE_CODES
    from dso_desktop.gui import fmt

    names = {code: fmt.box_type_text(code) for code in BOX_TYPE_CODES}
    assert names["OVM_EXEKUT"] == "Soudní exekutor"
    assert all(name != code for code, name in names.items())
    assert len(set(names.values())) == len(names)  # no two types share a name


def test_box_types_cover_the_xsd(ctx: Any) -> None:
    import re

    from tests.conftest import SHARED, require_shared

    from dso_desktop.gui import fmt

    wsdl = SHARED / "isds-spec" / "wsdl"
    require_shared(wsdl)
    codes: set[str] = set()
    for xsd in wsdl.glob("*.xsd"):
        text = xsd.read_text(encoding="utf-8", errors="replace")
        m = re.search(r'<\w+:simpleType name="tDbType">(.*?)</\w+:simpleType>', text, re.S)
        if m:
            codes |= set(re.findall(r'<\w+:enumeration value="([A-Z_]+)"', m.group(1)))
    assert codes, "tDbType not found in the XSD"
    assert {c for c in codes if fmt.box_type_text(c) == c} == set()


def test_error_details_have_no_english_and_401_is_not_an_isds_code(ctx: Any) -> None:
    from dso_desktop.gui.errors import code_suffix, describe
    from dso_desktop.isds.errors import HttpError, StatusError, WrongCredentials

    exc = WrongCredentials("ISDS refused the credentials", code="401", operation="login")
    plain, detail = describe(exc)
    assert "ISDS refused" not in detail and "ISDS refused" not in plain
    assert "kód ISDS" not in detail and "HTTP" in detail
    assert code_suffix(exc) == " (HTTP 401)"
    http = HttpError("unexpected HTTP 502 from ISDS", status=502, code="502")
    assert "kód ISDS" not in describe(http)[1] and "502" in describe(http)[1]
    st = StatusError("ISDS refused CreateMessage", code="1201",
                     server_message="Nelze odeslat z nepřístupné schránky.")
    plain, detail = describe(st)
    assert detail.splitlines()[0] == "Kód ISDS: 1201"
    assert "Nelze odeslat" in detail and "ISDS refused" not in detail
    assert code_suffix(st) == " (kód ISDS 1201)"
    _plain, detail = describe(RuntimeError("a bug with an English text"))
    assert detail == ""


def test_f1_opens_the_czech_manual(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence

    from dso_desktop.gui.helpview import HelpWindow

    assert QKeySequence("F1") in window.act_help.shortcuts() or \
        window.act_help.shortcut() == QKeySequence("F1")
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    if not window._dialogs:  # offscreen: no active window for shortcuts; the action is F1's
        window.act_help.trigger()
    qtbot.waitUntil(lambda: any(isinstance(d, HelpWindow) and d.isVisible()
                                for d in window._dialogs), timeout=5_000)
    dlg = next(d for d in window._dialogs if isinstance(d, HelpWindow))
    text = dlg.browser.toPlainText()
    for task in ("První přihlášení", "Denní synchronizace", "Odeslání zprávy", "Hledání",
                 "Kontrola zprávy", "Co znamenají upozornění"):
        assert task in text
    # also in the Help menu
    menu_actions = [a for m in window.menuBar().actions() if m.menu()
                    for a in m.menu().actions()]
    assert window.act_help in menu_actions


def test_the_manual_is_shipped_in_the_bundle() -> None:
    import ast
    from pathlib import Path

    from dso_desktop.gui.helpview import MANUAL, manual_path

    root = Path(__file__).resolve().parents[2]
    assert Path(manual_path()).is_file()
    spec = (root / "installer.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    datas = next(n for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 and any(getattr(t, "id", None) == "datas" for t in n.targets))
    shipped = ast.unparse(datas.value)
    # the whole resources folder (hence resources/help/prirucka.md) goes into the bundle
    assert '"resources"' in shipped or "'resources'" in shipped
    assert (root / "resources" / Path(*MANUAL)).is_file()


def test_a_sync_failure_line_has_no_english_in_czech(window: Any) -> None:
    from dso_desktop.sync.events import SyncFailure, SyncSummary

    summary = SyncSummary(account="urad")
    summary.failed.append(SyncFailure("1000054", "download failed: connection reset"))
    window._sync_finished("urad", summary)
    text = window.sync_label.text()
    assert "1000054" in text and "connection reset" not in text
    assert "nepodařilo se stáhnout zpráv: 1 (1000054)" in text


def test_zfo_viewer_names_a_refused_import_in_czech(qtbot: Any, window: Any) -> None:
    """A second import of the same file is a duplicate: said in Czech, not in the
    service's English reason."""
    from tests.conftest import ZFO_SAMPLES, require_shared

    from dso_desktop.domain import ImportStatus, text

    require_shared(ZFO_SAMPLES)
    sample = ZFO_SAMPLES / "received_message-330141.zfo"
    viewers = []
    for _ in range(2):
        viewer = window.open_zfo(sample)
        qtbot.addWidget(viewer)
        qtbot.waitUntil(lambda v=viewer: v.view is not None, timeout=10_000)
        with qtbot.waitSignal(viewer.imported, timeout=10_000):
            viewer.import_into_archive()
        viewers.append(viewer)
    title = viewers[1].title.text()
    assert text(ImportStatus.DUPLICATE, "cs") in title
    reason = next(i.reason for i in window.ctx.app.zfo.import_files([sample]).items)
    assert not reason or reason not in title
