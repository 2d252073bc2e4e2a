"""The message list's pieces without a window: the lazy model (keyset extension, stale pages,
sorting, what each column shows), the filter bar (what it adds to a folder's filter) and the
remembered window state (robust against a damaged file)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from dso_desktop.domain import Direction, MessageStatus, VerdictKind
from dso_desktop.gui.filterbar import FilterBar
from dso_desktop.gui.models import COLUMNS, ID_ROLE, ROW_ROLE, MessageListModel
from dso_desktop.gui.taskman import TaskManager
from dso_desktop.gui.windowstate import WindowState
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import MessageFilter
from dso_desktop.store.records import MessageRow

COL = {key: i for i, (key, _h, _o) in enumerate(COLUMNS)}
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def cs(qapp: Any) -> None:
    from dso_desktop.gui import i18n

    i18n.install("cs")


@pytest.fixture
def tasks(qapp: Any) -> Any:
    t = TaskManager()
    yield t
    t.shutdown(wait=True)


def row(i: int, **kw: Any) -> MessageRow:
    values: dict[str, Any] = dict(
        id=i, dm_id=str(5000 + i), account="urad", direction=Direction.RECEIVED,
        subject=f"Zpráva {i}", sender=f"Odesílatel {i}", sender_box_id="abc1234",
        recipient="Obec Lhota", recipient_box_id="obec111", status=int(MessageStatus.DELIVERED),
        delivered_at=T0 + timedelta(hours=i), accepted_at=None, verdict=str(VerdictKind.VALID),
        is_read=False, downloaded=True, attachment_count=i % 3, big_message=False)
    values.update(kw)
    return MessageRow(**values)


def loaded_model(qtbot: Any, tasks: Any, rows: list[MessageRow], *, sent: bool = False
                 ) -> MessageListModel:
    by_id = {r.id: r for r in rows}
    model = MessageListModel(tasks, lambda ids: [by_id[i] for i in ids if i in by_id])
    model.set_ids([r.id for r in rows], sent=sent)
    with qtbot.waitSignal(model.page_loaded, timeout=5_000):
        model.prefetch(0)
    return model


def shown(model: MessageListModel, r: int, key: str, role: int = Qt.ItemDataRole.DisplayRole
          ) -> Any:
    return model.data(model.index(r, COL[key]), role)


# --- the model: keyset extension and stale pages ----------------------------------------


def test_extend_ids_appends_the_rest_of_a_keyset_list_and_keeps_pages(
        qtbot: Any, tasks: Any) -> None:
    rows = [row(i) for i in range(10)]
    model = loaded_model(qtbot, tasks, rows)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    assert model.extend_ids([r.id for r in rows] + [10, 11, 12])
    assert inserted == [(10, 12)] and model.rowCount() == 13
    assert model.cached_row(3) == rows[3]  # the first page stays cached
    assert model.extend_ids(model.ids())  # the same list again: nothing to do
    assert inserted == [(10, 12)]


@pytest.mark.parametrize("other", [[1, 0, 2], [0, 1], [5, 6, 7, 8]])
def test_extend_ids_refuses_a_list_that_does_not_continue_the_shown_one(
        qtbot: Any, tasks: Any, other: list[int]) -> None:
    model = loaded_model(qtbot, tasks, [row(i) for i in range(3)])
    assert not model.extend_ids(other)
    assert model.ids() == [0, 1, 2]


def test_a_page_fetched_for_an_old_list_is_thrown_away(qtbot: Any, tasks: Any) -> None:
    gate = threading.Event()
    asked: list[list[int]] = []

    def fetch(ids: list[int]) -> list[MessageRow]:
        asked.append(list(ids))
        if len(asked) == 1:
            gate.wait(5)  # the first (old) page is slow
        return [row(i, subject=f"{'stará' if len(asked) == 1 else 'nová'} {i}") for i in ids]

    model = MessageListModel(tasks, fetch)
    model.set_ids([1, 2, 3])
    model.prefetch(0)
    model.set_ids([7, 8])  # the folder changed while the first page was on its way
    gate.set()
    with qtbot.waitSignal(model.page_loaded, timeout=5_000):
        model.prefetch(0)
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=5_000)
    assert shown(model, 0, "subject") == "nová 7"
    assert model.cached_row(0) is not None and model.cached_row(0).id == 7
    assert asked == [[1, 2, 3], [7, 8]]


def test_invalidate_refetches_what_changed(qtbot: Any, tasks: Any) -> None:
    state = {"read": False}
    model = MessageListModel(tasks, lambda ids: [row(i, is_read=state["read"]) for i in ids])
    model.set_ids([1])
    with qtbot.waitSignal(model.page_loaded, timeout=5_000):
        model.prefetch(0)
    assert shown(model, 0, "subject", Qt.ItemDataRole.FontRole).bold()
    state["read"] = True
    with qtbot.waitSignal(model.dataChanged, timeout=5_000):
        model.invalidate()
    assert model.cached_row(0) is None
    with qtbot.waitSignal(model.page_loaded, timeout=5_000):
        model.prefetch(0)
    assert not shown(model, 0, "subject", Qt.ItemDataRole.FontRole).bold()


def test_a_failed_page_can_be_asked_for_again(qtbot: Any, tasks: Any) -> None:
    calls = {"n": 0}

    def fetch(ids: list[int]) -> list[MessageRow]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk hiccup")
        return [row(i) for i in ids]

    model = MessageListModel(tasks, fetch)
    model.set_ids([1, 2])
    with qtbot.waitSignal(tasks.unhandled_error, timeout=5_000) as err:
        model.prefetch(0)
    assert isinstance(err.args[0], OSError)  # reported, not swallowed
    with qtbot.waitSignal(model.page_loaded, timeout=5_000):
        model.prefetch(0)
    assert shown(model, 1, "subject") == "Zpráva 2" and calls["n"] == 2


def test_ids_and_rows_by_position(qtbot: Any, tasks: Any) -> None:
    model = loaded_model(qtbot, tasks, [row(i) for i in (11, 22, 33)])
    assert [model.message_id(r) for r in (-1, 0, 2, 3)] == [None, 11, 33, None]
    assert model.row_of(22) == 1 and model.row_of(99) == -1
    assert model.data(model.index(2, 0), ID_ROLE) == 33
    assert model.data(model.index(2, 0), ROW_ROLE).dm_id == "5033"
    assert model.data(model.index(5, 0)) is None


# --- the model: what the columns show ---------------------------------------------------


def test_received_rows_show_the_sender_and_unread_in_bold(qtbot: Any, tasks: Any,
                                                          cs: None) -> None:
    model = loaded_model(qtbot, tasks, [row(1), row(2, is_read=True)])
    assert model.headerData(COL["party"], Qt.Orientation.Horizontal) == "Odesílatel"
    assert shown(model, 0, "party") == "Odesílatel 1"
    assert shown(model, 0, "dm_id") == "5001"
    assert shown(model, 0, "subject", Qt.ItemDataRole.FontRole).bold()
    assert not shown(model, 1, "subject", Qt.ItemDataRole.FontRole).bold()
    assert shown(model, 0, "status") == "Dodána do schránky"
    assert shown(model, 0, "attachments") == 1
    assert shown(model, 0, "delivered") != ""


def test_the_sent_view_shows_the_recipient_and_no_bold(qtbot: Any, tasks: Any,
                                                       cs: None) -> None:
    model = loaded_model(qtbot, tasks, [row(1, direction=Direction.SENT)], sent=True)
    assert model.headerData(COL["party"], Qt.Orientation.Horizontal) == "Adresát"
    assert shown(model, 0, "party") == "Obec Lhota"
    assert not shown(model, 0, "subject", Qt.ItemDataRole.FontRole).bold()


def test_a_sent_row_in_a_mixed_folder_shows_its_recipient(qtbot: Any, tasks: Any) -> None:
    model = loaded_model(qtbot, tasks, [row(1), row(2, direction=Direction.SENT)])
    assert [shown(model, r, "party") for r in (0, 1)] == ["Odesílatel 1", "Obec Lhota"]


def test_verdict_column_symbol_tooltip_and_accessible_text(qtbot: Any, tasks: Any,
                                                           cs: None) -> None:
    from dso_desktop.gui import fmt

    model = loaded_model(qtbot, tasks, [
        row(1), row(2, verdict=str(VerdictKind.INVALID)),
        row(3, downloaded=False, verdict=None)])
    assert shown(model, 0, "verdict") == fmt.verdict_symbol(str(VerdictKind.VALID))
    assert shown(model, 1, "verdict") == fmt.verdict_symbol(str(VerdictKind.INVALID))
    assert shown(model, 0, "verdict") != shown(model, 1, "verdict")
    assert shown(model, 2, "verdict") == ""  # only the envelope is known: nothing to verify
    assert shown(model, 1, "verdict", Qt.ItemDataRole.ToolTipRole) == \
        fmt.verdict_text(str(VerdictKind.INVALID))
    assert shown(model, 2, "verdict", Qt.ItemDataRole.AccessibleTextRole) == "Neověřeno"
    colours = {shown(model, r, "verdict", Qt.ItemDataRole.ForegroundRole).color().name()
               for r in (0, 1)}
    assert len(colours) == 2


def test_tags_and_records_hand_over_columns(qtbot: Any, tasks: Any, cs: None) -> None:
    model = loaded_model(qtbot, tasks, [row(1, tag_ids=(7, 9, 8)), row(2, handed_over=True)])
    model.set_tags({7: ("Spis 12", "#2e7d32"), 9: ("Faktury", "#1565c0")})
    assert shown(model, 0, "tags") == "Spis 12, Faktury"  # an unknown tag is left out
    assert shown(model, 0, "tags", Qt.ItemDataRole.ForegroundRole).color().name() == "#2e7d32"
    assert shown(model, 1, "handover") == "předáno" and shown(model, 0, "handover") == ""
    assert shown(model, 0, "handover", Qt.ItemDataRole.AccessibleTextRole) == "nepředáno"


def test_a_row_not_loaded_yet_shows_a_placeholder_only_in_the_subject(
        qapp: Any, tasks: Any) -> None:
    gate = threading.Event()
    model = MessageListModel(tasks, lambda ids: gate.wait(5) and [row(i) for i in ids])
    model.set_ids([1])
    try:
        assert shown(model, 0, "subject") == "…"
        assert shown(model, 0, "dm_id") is None
        assert model.data(model.index(0, 0), ID_ROLE) == 1  # the id is always known
    finally:
        gate.set()


# --- sorting -------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "sent", "expected"), [
    ("dm_id", False, "dm_id"), ("subject", False, "subject"),
    ("party", False, "sender_name"), ("party", True, "recipient_name"),
    ("delivered", False, "delivered_at"), ("accepted", True, "accepted_at"),
    ("status", False, "status")])
def test_sorting_a_column_asks_the_store(qtbot: Any, tasks: Any, key: str, sent: bool,
                                         expected: str) -> None:
    model = MessageListModel(tasks, lambda ids: [])
    model.set_ids([], sent=sent)
    with qtbot.waitSignal(model.sort_requested) as sig:
        model.sort(COL[key], Qt.SortOrder.AscendingOrder)
    assert sig.args == [expected, False]


@pytest.mark.parametrize("key", ["verdict", "attachments", "tags", "handover"])
def test_columns_without_a_store_order_do_not_sort(qtbot: Any, tasks: Any, key: str) -> None:
    model = MessageListModel(tasks, lambda ids: [])
    asked: list[Any] = []
    model.sort_requested.connect(lambda *a: asked.append(a))
    model.sort(COL[key], Qt.SortOrder.DescendingOrder)
    model.sort(99, Qt.SortOrder.DescendingOrder)
    assert asked == []


def test_dragged_rows_carry_their_ids_once_and_sorted(qtbot: Any, tasks: Any) -> None:
    model = loaded_model(qtbot, tasks, [row(i) for i in (30, 10, 20)])
    indexes = [model.index(r, c) for r in (0, 2, 1) for c in (1, 2)]
    mime = model.mimeData(indexes)
    assert bytes(mime.data("application/x-dso-message-ids").data()) == b"10,20,30"
    assert model.mimeTypes() == ["application/x-dso-message-ids"]


# --- the filter bar ------------------------------------------------------------------------


@pytest.fixture
def bar(qtbot: Any, cs: None) -> FilterBar:
    b = FilterBar()
    qtbot.addWidget(b)
    return b


def test_an_untouched_bar_leaves_the_folder_filter_alone(bar: FilterBar) -> None:
    folder = MessageFilter(account="urad", direction=Direction.RECEIVED,
                           since=T0, until=T0 + timedelta(days=90))
    out = bar.apply(folder)
    assert out.since == folder.since and out.until == folder.until
    assert out.party is None and out.statuses == () and out.verdicts == ()
    assert out.has_attachments is None and out.account == "urad"
    assert not bar.is_active()
    assert bar.state.currentText() == "Stav: vše" and bar.reset.text() == "Zrušit filtry"


def test_dates_are_whole_local_days_and_intersect_the_folders_range(bar: FilterBar) -> None:
    bar.date_from.setDate(QDate(2026, 3, 10))
    bar.date_to.setDate(QDate(2026, 3, 12))
    assert bar.apply(MessageFilter()).since is None  # not ticked: not used
    bar.use_from.setChecked(True)
    bar.use_to.setChecked(True)
    out = bar.apply(MessageFilter())
    start = datetime(2026, 3, 10).astimezone()
    assert out.since == start
    assert out.until == datetime(2026, 3, 13).astimezone()  # the whole 12th included
    # Intersected with a folder that starts later and ends earlier.
    folder = MessageFilter(since=start + timedelta(days=1), until=start + timedelta(days=2))
    narrowed = bar.apply(folder)
    assert (narrowed.since, narrowed.until) == (folder.since, folder.until)


def test_party_state_verdict_and_attachments_reach_the_filter(bar: FilterBar) -> None:
    bar.party.setText("  Novák ")
    bar.state.setCurrentIndex(bar.state.findText("Doručeno"))
    bar.verdict.setCurrentIndex(4)  # not verified
    bar.attachments.setCurrentIndex(2)  # without attachments
    out = bar.apply(MessageFilter())
    assert out.party == "Novák"
    assert set(out.statuses) == {int(MessageStatus.ACCEPTED_BY_FICTION),
                                 int(MessageStatus.ACCEPTED_BY_LOGIN), int(MessageStatus.READ)}
    assert out.verdicts == ("unverified",)
    assert out.has_attachments is False
    assert bar.is_active()


def test_the_problem_verdict_choice_covers_exactly_the_untrusted_kinds(bar: FilterBar) -> None:
    bar.verdict.setCurrentIndex(3)
    problems = set(bar.apply(MessageFilter()).verdicts)
    assert problems == {str(k) for k in VerdictKind if not k.trusted}
    assert str(VerdictKind.VALID) not in problems and problems


def test_every_change_is_announced_but_a_date_only_when_ticked(qtbot: Any,
                                                                bar: FilterBar) -> None:
    seen: list[int] = []
    bar.changed.connect(lambda: seen.append(1))
    bar.date_from.setDate(QDate(2025, 1, 1))
    assert seen == []
    bar.use_from.setChecked(True)
    bar.date_from.setDate(QDate(2025, 2, 1))
    bar.party.setText("x")
    bar.attachments.setCurrentIndex(1)
    assert len(seen) == 4


def test_clear_resets_everything_with_one_announcement(qtbot: Any, bar: FilterBar) -> None:
    bar.set_tags({3: ("Spis", "#000000")}, 3)
    bar.use_to.setChecked(True)
    bar.party.setText("Novák")
    bar.state.setCurrentIndex(2)
    bar.verdict.setCurrentIndex(1)
    changed: list[int] = []
    tags: list[Any] = []
    bar.changed.connect(lambda: changed.append(1))
    bar.tag_chosen.connect(tags.append)
    bar.clear()
    assert changed == [1] and tags == [None]
    assert not bar.is_active() and not bar.date_to.isEnabled()
    assert bar.party.text() == "" and bar.tag.currentIndex() == 0


def test_tags_are_listed_by_name_and_the_current_one_kept(qtbot: Any, bar: FilterBar) -> None:
    chosen: list[Any] = []
    bar.tag_chosen.connect(chosen.append)
    bar.set_tags({5: ("Žádosti", "#111111"), 2: ("Faktury", "#222222"),
                  9: ("Odvolání", "#333333")}, 9)
    assert [bar.tag.itemText(i) for i in range(bar.tag.count())] == [
        "Štítek: vše", "Faktury", "Odvolání", "Žádosti"]
    assert bar.tag.currentData() == 9 and chosen == []  # following the list is silent
    bar.set_tag(None)
    assert bar.tag.currentIndex() == 0 and chosen == []
    bar.tag.setCurrentIndex(1)
    assert chosen == [2]  # a clerk's choice is announced
    bar.set_tags({5: ("Žádosti", "#111111")}, 2)  # the current tag was deleted
    assert bar.tag.currentIndex() == 0


# --- the remembered window state -----------------------------------------------------------


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.default(tmp_path / "data").ensure()


def test_window_state_round_trips(paths: AppPaths) -> None:
    state = WindowState(geometry="QUJD", maximized=True, splitters={"main": [300, 900]},
                        header="SEVBRA==", columns=[20, 80, 300], sort_column=4,
                        sort_descending=False, folder=["urad", "received", 2026, None])
    state.save(paths)
    assert WindowState.load(paths) == state


@pytest.mark.parametrize("content", [
    b"", b"{not json", b"[1, 2, 3]", b"\xff\xfe\x00", b"null"])
def test_a_damaged_state_file_gives_the_default_layout(paths: AppPaths, content: bytes) -> None:
    (paths.config / "window.json").write_bytes(content)
    assert WindowState.load(paths) == WindowState()


def test_wrong_types_in_the_state_file_are_dropped_one_by_one(paths: AppPaths) -> None:
    (paths.config / "window.json").write_text(json.dumps({
        "geometry": 42, "maximized": "yes", "header": "SEVBRA==", "sort_column": "4",
        "sort_descending": False,
        "splitters": {"main": [300, -5], "left": [100, 200], "right": "wide"},
        "columns": [20, 0, 300], "folder": ["urad", "received"]}))
    state = WindowState.load(paths)
    assert state.geometry == "" and state.maximized is False
    assert state.header == "SEVBRA==" and state.sort_column == -1
    assert state.sort_descending is False
    assert state.splitters == {"left": [100, 200]}
    assert state.columns == [] and state.folder is None


def test_a_config_folder_that_cannot_be_written_does_not_stop_closing(
        paths: AppPaths, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from dso_desktop.gui import windowstate

    def refuse(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(windowstate, "atomic_write", refuse)
    WindowState(sort_column=2).save(paths)  # must not raise: the window is closing
    assert "window layout not saved" in caplog.text
    assert WindowState.load(paths) == WindowState()
