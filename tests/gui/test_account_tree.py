"""The account tree across reloads: the clerk's folder stays selected (also the moving
"last 90 days"), the folder of the last session is chosen once, a folder that went away
falls back to the first one, and counts read in Czech (bold only for unread received)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from dso_desktop.domain import Direction
from dso_desktop.gui.tree import AccountTree, node_key
from dso_desktop.services.types import MessageFilter, TreeNode

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def node(flt: MessageFilter, total: int = 0, unread: int = 0, *children: TreeNode) -> TreeNode:
    return TreeNode(account=flt.account, direction=flt.direction, label="", filter=flt,
                    total=total, unread=unread, children=children)


def folders(account: str, since: datetime = NOW - timedelta(days=90),
            years: tuple[int, ...] = (2026, 2025), unread: int = 1) -> TreeNode:
    received = MessageFilter(account=account, direction=Direction.RECEIVED)
    sent = MessageFilter(account=account, direction=Direction.SENT)
    recent = MessageFilter(account=account, direction=Direction.RECEIVED, since=since)
    return node(MessageFilter(account=account), 10, unread,
                node(received, 8, unread, node(recent, 3, unread),
                     *(node(MessageFilter(account=account, direction=Direction.RECEIVED,
                                          year=y), 2, 0) for y in years)),
                node(sent, 2, 5))


@pytest.fixture
def tree(qtbot: Any, ctx: Any) -> AccountTree:
    t = AccountTree()
    qtbot.addWidget(t)
    return t


def select(tree: AccountTree, *path: int) -> None:
    item = tree.model_.item(path[0])
    for i in path[1:]:
        item = item.child(i)
    tree.setCurrentIndex(item.index())


def test_the_selected_folder_survives_a_reload(qtbot: Any, tree: AccountTree) -> None:
    tree.populate([folders("obec"), folders("skola")])
    select(tree, 1, 0, 2)  # skola / Received / 2025
    assert tree.current_filter() == MessageFilter(account="skola",
                                                  direction=Direction.RECEIVED, year=2025)
    with qtbot.waitSignal(tree.node_selected) as chosen:
        tree.populate([folders("obec", unread=4), folders("skola", unread=2)])
    assert chosen.args[0].year == 2025 and chosen.args[0].account == "skola"
    assert tree.currentIndex().data() == "2025"


def test_last_90_days_stays_selected_although_its_start_moved(qtbot: Any,
                                                              tree: AccountTree) -> None:
    tree.populate([folders("obec")])
    select(tree, 0, 0, 0)
    assert tree.current_filter().since == NOW - timedelta(days=90)
    later = NOW + timedelta(hours=3) - timedelta(days=90)
    with qtbot.waitSignal(tree.node_selected) as chosen:
        tree.populate([folders("obec", since=later)])
    assert chosen.args[0].since == later  # the new filter, the same folder
    assert node_key(chosen.args[0]) == ("obec", "received", None, True)


def test_a_folder_that_went_away_falls_back_to_the_first(qtbot: Any,
                                                         tree: AccountTree) -> None:
    tree.populate([folders("obec"), folders("skola")])
    select(tree, 1, 0, 1)  # skola / Received / 2026
    with qtbot.waitSignal(tree.node_selected) as chosen:
        tree.populate([folders("obec")])  # the account "skola" was removed
    assert chosen.args[0] == MessageFilter(account="obec", direction=Direction.RECEIVED)
    assert tree.current_account() == "obec"


def test_the_folder_of_the_last_session_is_chosen_at_start(qtbot: Any,
                                                           tree: AccountTree) -> None:
    tree.prefer(("skola", "sent", None, False))
    with qtbot.waitSignal(tree.node_selected) as chosen:
        tree.populate([folders("obec"), folders("skola")])
    assert chosen.args == [MessageFilter(account="skola", direction=Direction.SENT)]
    select(tree, 0, 0)
    tree.populate([folders("obec"), folders("skola")])
    # Once used, the preference never overrides the clerk's own choice again.
    assert tree.current_filter() == MessageFilter(account="obec",
                                                  direction=Direction.RECEIVED)


def test_a_preferred_folder_that_is_gone_is_ignored(qtbot: Any, tree: AccountTree) -> None:
    tree.prefer(("zruseny-ucet", "received", 2019, False))
    tree.populate([folders("obec")])
    assert tree.current_filter() == MessageFilter(account="obec",
                                                  direction=Direction.RECEIVED)


def test_an_empty_archive_selects_nothing(qtbot: Any, tree: AccountTree) -> None:
    with qtbot.waitSignal(tree.node_selected) as chosen:
        tree.populate([])
    assert chosen.args == [None]
    assert tree.current_filter() is None and tree.current_account() is None


def test_counts_read_in_czech_and_only_unread_received_are_bold(tree: AccountTree) -> None:
    tree.populate([folders("obec", unread=3)])
    top = tree.model_.item(0)
    received, sent = top.child(0), top.child(1)
    assert received.text() == "Přijaté (3)" and received.font().bold()
    # the (possibly elided) name first, then the counts
    assert received.toolTip() == "Přijaté\nzpráv: 8, nepřečtených: 3"
    assert sent.text() == "Odeslané" and not sent.font().bold()  # sent is never "unread"
    year = received.child(1)
    assert year.text() == "2026" and not year.font().bold()
    assert received.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Přijaté (3), ")


def test_messages_of_no_account_are_their_own_folder(tree: AccountTree) -> None:
    tree.populate([node(MessageFilter(), 4, 0)])
    assert tree.model_.item(0).text() == "Importované zprávy"
    assert tree.current_filter() == MessageFilter()
    assert tree.current_account() is None


def test_choosing_a_folder_hands_its_filter_on(qtbot: Any, tree: AccountTree) -> None:
    tree.populate([folders("obec")])
    with qtbot.waitSignal(tree.node_selected) as chosen:
        select(tree, 0, 1)
    assert chosen.args == [MessageFilter(account="obec", direction=Direction.SENT)]
