"""Qt item models: the lazy message list (ids in the model, rows in a page cache)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from dso_desktop.domain import Direction
from dso_desktop.gui import fmt
from dso_desktop.gui.taskman import TaskManager

if TYPE_CHECKING:
    from dso_desktop.store.records import MessageRow

_Index = QModelIndex | QPersistentModelIndex

# Column key, header (translated at runtime), the store's order_by name.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("verdict", "", ""),
    ("dm_id", "ID", "dm_id"),
    ("subject", "Subject", "subject"),
    ("party", "Sender / recipient", "party"),
    ("delivered", "Delivered", "delivered_at"),
    ("accepted", "Accepted", "accepted_at"),
    ("status", "Status", "status"),
    ("attachments", "Att.", ""),
    ("tags", "Tags", ""),
    ("handover", "Records", ""),
)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


class MessageListModel(QAbstractTableModel):
    """A table of message ids whose visible rows are fetched in pages off the GUI thread.

    Holding 100,000 ints costs little; a row's columns are loaded only when a view asks for
    it, one page (``PAGE`` ids) per store call, and at most ``MAX_PAGES`` pages are cached.
    """

    PAGE = 200
    MAX_PAGES = 60
    page_loaded = Signal(int)
    sort_requested = Signal(str, bool)  # order_by, descending

    def __init__(
        self,
        tasks: TaskManager,
        fetch_rows: Callable[[list[int]], Sequence[MessageRow]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._fetch_rows = fetch_rows
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, MessageRow]] = OrderedDict()
        self._inflight: set[int] = set()
        self._generation = 0
        self._sent_view = False
        self._tags_by_id: dict[int, tuple[str, str]] = {}
        self._normal = QFont()
        self._bold = QFont()
        self._bold.setBold(True)

    # -- content ----------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[int], *, sent: bool = False) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._pages.clear()
        self._inflight.clear()
        self._generation += 1
        self._sent_view = sent
        self.endResetModel()

    def extend_ids(self, ids: Sequence[int]) -> bool:
        """Show ``ids`` when they continue the list shown (the rest of the list after its
        first keyset page): rows are appended, the view keeps its place and its cached
        pages. False (nothing done) when ``ids`` does not start with the shown ids."""
        n = len(self._ids)
        if len(ids) < n or list(ids[:n]) != self._ids:
            return False
        if len(ids) > n:
            self.beginInsertRows(QModelIndex(), n, len(ids) - 1)
            self._ids.extend(ids[n:])
            self.endInsertRows()
        return True

    def ids(self) -> list[int]:
        return self._ids

    @property
    def sent_view(self) -> bool:
        return self._sent_view

    def prefetch(self, row: int) -> None:
        """Ask for the page of ``row`` now (before a view paints it)."""
        if 0 <= row < len(self._ids) and row // self.PAGE not in self._pages:
            self._request(row // self.PAGE)

    def message_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, message_id: int) -> int:
        try:
            return self._ids.index(message_id)
        except ValueError:
            return -1

    def cached_row(self, row: int) -> MessageRow | None:
        page = self._pages.get(row // self.PAGE)
        if page is None:
            return None
        return page.get(self._ids[row])

    def invalidate(self) -> None:
        """Drop cached rows (after a read flag, tag or status change) and repaint."""
        self._pages.clear()
        self._inflight.clear()
        self._generation += 1
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1)
            )

    def set_tags(self, tags: dict[int, tuple[str, str]]) -> None:
        """Tag id -> (name, colour), to show the tag names of a row."""
        self._tags_by_id = dict(tags)

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        key = COLUMNS[section][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._header(key)
        if role == Qt.ItemDataRole.ToolTipRole and key == "verdict":
            return self.tr("Verification of the signature")
        if role == Qt.ItemDataRole.ToolTipRole and key == "handover":
            return self.tr("Handed over to records management")
        return None

    def _header(self, key: str) -> str:
        headers = {
            "verdict": "",
            "dm_id": self.tr("ID"),
            "subject": self.tr("Subject"),
            "party": self.tr("Recipient") if self._sent_view else self.tr("Sender"),
            "delivered": self.tr("Delivered"),
            "accepted": self.tr("Accepted"),
            "status": self.tr("Status"),
            "attachments": self.tr("Att."),
            "tags": self.tr("Tags"),
            "handover": self.tr("Records"),
        }
        return headers[key]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        row_no = index.row()
        if role == ID_ROLE:
            return self._ids[row_no]
        row = self._row(row_no)
        key = COLUMNS[index.column()][0]
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole and key == "subject":
                return "…"
            return None
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == Qt.ItemDataRole.FontRole:
            unread = not row.is_read
            # Always a QFont: returning None here for every painted cell crashed PySide6
            # 6.12 on Python 3.11 ("deallocating None") after many thousands of rows.
            return self._bold if unread and not self._sent_view else self._normal
        if role == Qt.ItemDataRole.ForegroundRole and key == "verdict":
            kind = fmt.verdict_kind(row.verdict)
            return QBrush(QColor(fmt.verdict_color(kind)))
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "verdict":
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key == "verdict":
            kind = fmt.verdict_kind(row.verdict)
            return fmt.verdict_text(kind)
        if role == Qt.ItemDataRole.ForegroundRole and key == "tags":
            ids = list(row.tag_ids)
            if ids and ids[0] in self._tags_by_id:
                return QBrush(QColor(self._tags_by_id[ids[0]][1]))
        if role == Qt.ItemDataRole.ToolTipRole and key == "handover":
            return (self.tr("Handed over to records management") if row.handed_over
                    else self.tr("Not handed over to records management yet"))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if key == "handover":
                return self.tr("handed over") if row.handed_over else self.tr("not handed over")
            if key == "verdict":
                return fmt.verdict_short(fmt.verdict_kind(row.verdict))
            return str(self._display(row, key))
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "attachments":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or not COLUMNS[column][2]:
            return
        order_by = COLUMNS[column][2]
        if order_by == "party":
            order_by = "recipient_name" if self._sent_view else "sender_name"
        self.sort_requested.emit(order_by, order == Qt.SortOrder.DescendingOrder)

    def mimeTypes(self) -> list[str]:
        return ["application/x-dso-message-ids"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids = sorted({self._ids[i.row()] for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData("application/x-dso-message-ids", QByteArray(",".join(map(str, ids)).encode()))
        return mime

    # -- internals --------------------------------------------------------------------------

    def _tags(self, row: MessageRow) -> list[str]:
        return [self._tags_by_id[i][0] for i in row.tag_ids if i in self._tags_by_id]

    def _display(self, row: MessageRow, key: str) -> str | int:
        if key == "verdict":
            if not row.downloaded:
                return ""
            return fmt.verdict_symbol(fmt.verdict_kind(row.verdict))
        if key == "dm_id":
            return row.dm_id
        if key == "subject":
            return row.subject or ""
        if key == "party":
            if self._sent_view or row.direction == Direction.SENT:
                return row.recipient or ""
            return row.sender or ""
        if key == "delivered":
            return fmt.when(row.delivered_at)
        if key == "accepted":
            return fmt.when(row.accepted_at)
        if key == "status":
            return fmt.status_text(row.status)
        if key == "attachments":
            return row.attachment_count
        if key == "tags":
            return ", ".join(self._tags(row))
        if key == "handover":
            return self.tr("handed over") if row.handed_over else ""
        return ""

    def _row(self, row_no: int) -> MessageRow | None:
        page_no = row_no // self.PAGE
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            return page.get(self._ids[row_no])
        self._request(page_no)
        return None

    def _request(self, page_no: int) -> None:
        if page_no in self._inflight:
            return
        self._inflight.add(page_no)
        start = page_no * self.PAGE
        ids = self._ids[start : start + self.PAGE]
        generation = self._generation
        fetch = self._fetch_rows

        def loaded(rows: Sequence[MessageRow]) -> None:
            if generation != self._generation:
                return
            self._inflight.discard(page_no)
            by_id = {r.id: r for r in rows}
            self._pages[page_no] = by_id
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
            end = min(start + self.PAGE, len(self._ids)) - 1
            if end >= start:
                self.dataChanged.emit(self.index(start, 0), self.index(end, len(COLUMNS) - 1))
            self.page_loaded.emit(page_no)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._inflight.discard(page_no)
            raise exc

        self._tasks.run_store(lambda: fetch(ids), loaded, failed, owner=self)
