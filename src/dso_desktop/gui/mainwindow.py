"""The main window: account tree, lazy message list, detail pane, warnings, sync state."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QSystemTrayIcon,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import Direction
from dso_desktop.gui import fmt
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.detail import DetailPane
from dso_desktop.gui.errors import describe, show_error
from dso_desktop.gui.models import COLUMNS, MessageListModel
from dso_desktop.gui.syncui import SyncController
from dso_desktop.gui.tree import AccountTree

if TYPE_CHECKING:
    from dso_desktop.gui.compose import ComposeDialog
    from dso_desktop.gui.integrityui import IntegrityCheck
    from dso_desktop.gui.searchdialog import SearchDialog
    from dso_desktop.gui.settingsdialog import SettingsDialog
    from dso_desktop.gui.tagsdialog import TagsDialog
    from dso_desktop.gui.wizard import AccountWizard
    from dso_desktop.gui.zfoviewer import ZfoViewer
    from dso_desktop.services.types import (
        ArchiveWarning,
        ImportSummary,
        MessageFilter,
        TreeNode,
    )
    from dso_desktop.settings import Settings
    from dso_desktop.store.records import TagRecord
    from dso_desktop.sync.events import SyncSummary

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
RECENT_DAYS = 90
QUICK_FILTER_LIMIT = 5000


class MainWindow(QMainWindow):
    """Everything a clerk works with all day, in one window."""

    list_loaded = Signal(int)  # number of ids shown
    tree_loaded = Signal()
    warnings_loaded = Signal(int)
    outbox_reconciled = Signal(list)  # sentences about the sends a crash had left open
    imported = Signal(object)
    # Another computer changed the shared archive (PostgreSQL LISTEN/NOTIFY; emitted from
    # the listener's thread, delivered queued on the GUI thread).
    office_changed = Signal(str)

    # Actions, created by gui.actions.build_actions.
    act_about: QAction
    act_add_account: QAction
    act_cancel_sync: QAction
    act_check_updates: QAction
    act_export: QAction
    act_filter: QAction
    act_forward: QAction
    act_import: QAction
    act_new: QAction
    act_open_zfo: QAction
    act_quit: QAction
    act_read: QAction
    act_remove_account: QAction
    act_reply: QAction
    act_search: QAction
    act_settings: QAction
    act_sync: QAction
    act_sync_all: QAction
    act_tags: QAction
    act_unread: QAction
    act_verify: QAction
    act_warnings: QAction
    act_check: QAction

    def __init__(self, ctx: GuiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._order_by = "delivered_at"
        self._descending = True
        self._quick_text = ""
        self._tag_filter: int | None = None
        self._list_generation = 0
        self._accounts: list[str] = []
        self._tags: dict[int, tuple[str, str]] = {}
        self._dialogs: list[QWidget] = []
        self._sync_error_boxes: list[Any] = []
        # Set by the launcher: rebuilds the window in the new language.
        self.language_changed: Callable[[], None] | None = None

        self.setWindowTitle(self._title())
        self.setAcceptDrops(True)
        self.resize(1360, 820)

        self.sync = SyncController(ctx, self)
        self.sync.job_started.connect(self._sync_started)
        self.sync.job_progress.connect(self._sync_progress)
        self.sync.job_finished.connect(self._sync_finished)
        self.sync.job_failed.connect(self._sync_failed)
        self.sync.job_cancelled.connect(self._sync_cancelled)

        self._build_widgets()
        self._build_actions()
        self._build_status_bar()

        self._tree_timer = QTimer(self)
        self._tree_timer.setSingleShot(True)
        self._tree_timer.setInterval(700)
        self._tree_timer.timeout.connect(self._recount_tree)
        self.schedule = QTimer(self)
        self.schedule.timeout.connect(self.sync_all)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(self.windowIcon(), self)
            self.tray.setToolTip(self._title())
            self.tray.show()

    # -- layout -----------------------------------------------------------------------------

    def _title(self) -> str:
        base = "DSO Desktop"
        if self.ctx.demo:
            return base + " — " + self.tr("Training environment")
        return base

    def _build_widgets(self) -> None:
        self.tree = AccountTree()
        self.tree.node_selected.connect(lambda _key: self.reload_list())

        self.tag_list = QListWidget()
        self.tag_list.setAccessibleName(self.tr("Tags"))
        self.tag_list.currentItemChanged.connect(self._tag_chosen)
        self.warning_list = QListWidget()
        self.warning_list.setAccessibleName(self.tr("Warnings"))
        self.warning_list.setWordWrap(True)
        self.warning_list.itemActivated.connect(self._warning_activated)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._titled(self.tr("Data boxes"), self.tree))
        left.addWidget(self._titled(self.tr("Tags"), self.tag_list))
        self.warnings_box = self._titled(self.tr("Warnings"), self.warning_list)
        self._last_warnings: list[ArchiveWarning] = []
        self.update_problem: dict[str, Any] | None = None  # a failed update check's cause
        left.addWidget(self.warnings_box)
        left.setStretchFactor(0, 5)
        left.setStretchFactor(1, 1)
        left.setStretchFactor(2, 2)

        self.model = MessageListModel(self.ctx.tasks, self.ctx.app.messages.rows, self)
        self.model.sort_requested.connect(self._sort_requested)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Messages"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(4, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        # Fixed widths from the font (sizing to contents would read every row).
        fm = self.table.fontMetrics()
        pad = 18
        date_w = fm.horizontalAdvance("88.88.8888 88:88") + pad
        widths = {
            "verdict": fm.horizontalAdvance("✔") + pad,
            "dm_id": fm.horizontalAdvance("88888888") + pad,
            "subject": 280,
            "party": fm.horizontalAdvance("M") * 14 + pad,
            "delivered": date_w,
            "accepted": date_w,
            "status": fm.horizontalAdvance(self.tr("Status")) + fm.horizontalAdvance("M") * 7,
            "attachments": fm.horizontalAdvance(self.tr("Att.")) + pad + 6,
            "tags": fm.horizontalAdvance("M") * 7 + pad,
        }
        for i, (key, _h, _o) in enumerate(COLUMNS):
            self.table.setColumnWidth(i, widths[key])
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

        self.quick_filter = QLineEdit()
        self.quick_filter.setPlaceholderText(
            self.tr("Quick filter: words from the subject, parties or attachments (Ctrl+F)")
        )
        self.quick_filter.setClearButtonEnabled(True)
        self.quick_filter.setAccessibleName(self.tr("Quick filter"))
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(self._apply_quick_filter)
        self.quick_filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of messages"))

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.quick_filter, 1)
        bar.addWidget(self.count_label)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.table, 1)

        self.detail = DetailPane(self.ctx)
        self.detail.verdict_changed.connect(lambda _i: self.model.invalidate())

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(self.detail)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(right)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 4)
        main.setSizes([250, 1110])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        if self.ctx.demo:
            self.banner = QLabel(
                self.tr(
                    "Training environment — an embedded ISDS simulator with demo data. "
                    "Nothing is sent to the real data-box system."
                )
            )
            self.banner.setObjectName("trainingBanner")
            self.banner.setAccessibleName(self.tr("Training environment"))
            self.banner.setStyleSheet(
                "#trainingBanner { background: #fff3cd; color: #664d03; font-weight: bold;"
                " border: 1px solid #ffcd39; border-radius: 3px; padding: 6px 10px; }"
            )
            layout.addWidget(self.banner)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

    def _titled(self, title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        label = QLabel(f"<b>{title}</b>")
        label.setBuddy(widget)
        lay.addWidget(label)
        lay.addWidget(widget, 1)
        return box

    def _build_actions(self) -> None:
        from dso_desktop.gui.actions import build_actions

        build_actions(self)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.sync_label = QLabel(self.tr("Not synchronized in this session"))
        self.sync_label.setAccessibleName(self.tr("Synchronization state"))
        self.sync_bar = QProgressBar()
        self.sync_bar.setMaximumWidth(220)
        self.sync_bar.setVisible(False)
        self.sync_bar.setAccessibleName(self.tr("Synchronization progress"))
        self.sync_cancel = QPushButton(self.tr("Cancel"))
        self.sync_cancel.setVisible(False)
        self.sync_cancel.setAccessibleName(self.tr("Cancel synchronization"))
        self.sync_cancel.clicked.connect(self.sync.cancel_all)
        sb.addWidget(self.sync_label, 1)
        sb.addPermanentWidget(self.sync_bar)
        sb.addPermanentWidget(self.sync_cancel)

    # -- loading ----------------------------------------------------------------------------

    def start(self) -> None:
        """Fill the window from the store (all of it off the GUI thread).

        The received messages are listed first, and their first page is fetched before the
        tree counts and warnings, so the list paints as early as possible; the tree then
        selects the first account's Received folder (the same list with one account).
        """
        from dso_desktop.services.types import MessageFilter

        app = self.ctx.app
        generation = self._list_generation = self._list_generation + 1
        order_by, desc = self._order_by, self._descending
        self._watch_office()

        def first_list() -> list[int]:
            flt = MessageFilter(direction=Direction.RECEIVED)
            return list(app.messages.ids(flt, order_by=order_by, descending=desc))

        def shown(ids: list[int]) -> None:
            if generation == self._list_generation:
                self.model.set_ids(ids)
                self.model.prefetch(0)
                self.count_label.setText(self.tr("Messages: %1").replace("%1", str(len(ids))))
                self.list_loaded.emit(len(ids))
            self._load_the_rest()

        def failed(exc: BaseException) -> None:
            self._load_the_rest()
            show_error(self, exc)

        self.ctx.tasks.run_store(first_list, shown, failed, owner=self)

    def _load_the_rest(self) -> None:
        self.reload_tags()
        self.reload_tree()
        self.reload_warnings()
        self.apply_settings()
        self.reconcile_outbox()

    def reconcile_outbox(self) -> None:
        """Settle sends a crash left open (exactly-once sending), off the GUI thread: what
        was found goes to the status bar, what stays unknown to the warnings."""
        from dso_desktop.gui import i18n

        svc = self.ctx.app.outbox
        lang = i18n.current()

        def work() -> list[str]:
            lines: list[str] = []
            if not svc.open_accounts():
                return lines
            for results in svc.reconcile_all().values():
                if isinstance(results, Exception):
                    continue  # the records stay unknown and show as warnings
                for r in results:
                    if r.record.unreported:
                        svc.acknowledge(r.record.id)  # the user is told right now
                    lines.append(r.text(lang))
            return lines

        def done(lines: list[str]) -> None:
            self.outbox_reconciled.emit(lines)
            if lines:
                self.statusBar().showMessage(" ".join(lines), 60_000)
                self.reload_warnings()
                self.reload_tree()

        def failed(exc: BaseException) -> None:
            log.info("outbox reconciliation at start failed: %s", type(exc).__name__)

        self.ctx.tasks.run_net(work, done, failed, owner=self)

    def apply_settings(self) -> None:
        svc = self.ctx.app.settings

        def done(settings: Settings) -> None:
            minutes = settings.sync_interval_minutes
            if minutes > 0:
                self.schedule.start(minutes * 60_000)
            else:
                self.schedule.stop()

        self.ctx.tasks.run_store(
            svc.get, done, lambda e: log.warning("settings: %s", e), owner=self
        )

    def reload_tree(self) -> None:
        """Reload accounts and folder counts; the selected folder's list reloads with it."""
        app = self.ctx.app

        def work() -> tuple[list[str], list[TreeNode]]:
            names = [a.name for a in app.accounts.list()]
            return names, list(app.messages.tree_counts())

        def done(result: tuple[list[str], list[TreeNode]]) -> None:
            self._accounts, nodes = result
            self.tree.populate(nodes)
            self.tree_loaded.emit()

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)

    def current_filter(self) -> MessageFilter:
        from dso_desktop.services.types import MessageFilter

        flt = self.tree.current_filter()
        if flt is None:
            flt = MessageFilter()
        if flt.since is not None:
            # "Last 90 days" counts from now, not from when the tree was loaded.
            flt = dataclasses.replace(flt, since=datetime.now(UTC) - timedelta(days=RECENT_DAYS))
        if self._tag_filter is not None:
            flt = dataclasses.replace(flt, tag_id=self._tag_filter)
        return flt

    def reload_list(self) -> None:
        """Load the ids of the selected node (and quick filter); rows come lazily."""
        self._list_generation += 1
        generation = self._list_generation
        app = self.ctx.app
        flt = self.current_filter()
        text = self._quick_text
        order_by, desc = self._order_by, self._descending
        sent = flt.direction == Direction.SENT

        def work() -> list[int]:
            ids = app.messages.ids(flt, order_by=order_by, descending=desc)
            if text:
                wanted = set(
                    app.search.search_ids(text, account=flt.account, limit=QUICK_FILTER_LIMIT)
                )
                ids = [i for i in ids if i in wanted]
            return list(ids)

        def done(ids: list[int]) -> None:
            if generation != self._list_generation:
                return
            current = self.detail.message_id
            if ids != self.model.ids() or sent != self.model.sent_view:
                self.model.set_ids(ids, sent=sent)
            self.count_label.setText(self.tr("Messages: %1").replace("%1", str(len(ids))))
            row = self.model.row_of(current) if current is not None else -1
            if row >= 0:
                self.table.selectRow(row)
            else:
                self.detail.clear()
            self.list_loaded.emit(len(ids))

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)

    def reload_tags(self) -> None:
        svc = self.ctx.app.tags

        def done(tags: list[TagRecord]) -> None:
            self._tags = {t.id: (t.name, t.color) for t in tags}
            self.model.set_tags(self._tags)
            self.tag_list.blockSignals(True)
            self.tag_list.clear()
            all_item = QListWidgetItem(self.tr("All messages"))
            all_item.setData(Qt.ItemDataRole.UserRole, None)
            self.tag_list.addItem(all_item)
            for tag_id, (name, color) in sorted(self._tags.items(), key=lambda kv: kv[1][0]):
                item = QListWidgetItem(f"● {name}")
                item.setForeground(_color(color))
                item.setData(Qt.ItemDataRole.UserRole, tag_id)
                self.tag_list.addItem(item)
                if tag_id == self._tag_filter:
                    self.tag_list.setCurrentItem(item)
            if self._tag_filter is None:
                self.tag_list.setCurrentItem(all_item)
            self.tag_list.blockSignals(False)
            self.model.invalidate()

        self.ctx.tasks.run_store(svc.list, done, lambda e: show_error(self, e), owner=self)

    def reload_warnings(self) -> None:
        svc = self.ctx.app.warnings
        self.ctx.tasks.run_store(
            svc.collect, self.show_warnings, lambda e: show_error(self, e), owner=self
        )

    def show_warnings(self, warnings: list[ArchiveWarning]) -> None:
        from dso_desktop.gui.warningsview import (
            update_problem_text,
            warning_color,
            warning_text,
        )

        self._last_warnings = list(warnings)
        self.warning_list.clear()
        for w in warnings:
            item = QListWidgetItem(warning_text(w))
            item.setData(Qt.ItemDataRole.UserRole, w)
            item.setToolTip(warning_text(w))
            item.setForeground(_color(warning_color(w)))
            self.warning_list.addItem(item)
        problem = self.update_problem
        if problem:  # a failed update check: its cause, until a check succeeds
            item = QListWidgetItem(update_problem_text(problem))
            item.setToolTip(update_problem_text(problem))
            item.setForeground(_color("#8a5300"))
            self.warning_list.addItem(item)
        elif not warnings:
            self.warning_list.addItem(QListWidgetItem(self.tr("No warnings.")))
        self.warnings_loaded.emit(len(warnings))

    # -- list interaction -------------------------------------------------------------------

    def _sort_requested(self, order_by: str, descending: bool) -> None:
        self._order_by, self._descending = order_by, descending
        self.reload_list()

    def _apply_quick_filter(self) -> None:
        self._quick_text = self.quick_filter.text().strip()
        self.reload_list()

    def _focus_filter(self) -> None:
        self.quick_filter.setFocus()
        self.quick_filter.selectAll()

    def _tag_chosen(self, item: QListWidgetItem | None,
                    _prev: QListWidgetItem | None = None) -> None:
        self._tag_filter = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.reload_list()

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        msg = self.model.message_id(current.row()) if current.isValid() else None
        if msg is None:
            return
        self.detail.show_message(msg)
        row = self.model.cached_row(current.row())
        if row is not None and not row.is_read:
            svc = self.ctx.app.messages
            self.ctx.tasks.run_store(
                lambda: svc.mark_read(msg, True), lambda _r: self._after_read_change(), owner=self
            )

    def _after_read_change(self) -> None:
        self.model.invalidate()
        # Reading message after message must not queue a tree recount for each one.
        self._tree_timer.start()

    def _recount_tree(self) -> None:
        if self.ctx.tasks.pending:
            self._tree_timer.start()  # the store is busy (paging, sync): try a bit later
        else:
            self.reload_tree()

    def selected_message_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [m for m in (self.model.message_id(r) for r in rows) if m is not None]

    def select_message(self, message_id: int) -> bool:
        row = self.model.row_of(message_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _mark_read(self, read: bool) -> None:
        svc = self.ctx.app.messages
        ids = self.selected_message_ids()

        def work() -> None:
            for i in ids:
                svc.mark_read(i, read)

        self.ctx.tasks.run_store(work, lambda _r: self._after_read_change(), owner=self)

    def _warning_activated(self, item: QListWidgetItem) -> None:
        w = item.data(Qt.ItemDataRole.UserRole)  # an ArchiveWarning, or None (other lines)
        msg = w.message_id if w is not None else None
        if isinstance(msg, int):
            self.select_message(msg)

    # -- sync -------------------------------------------------------------------------------

    def sync_current(self) -> None:
        account = self.tree.current_account() or (self._accounts[0] if self._accounts else None)
        if account:
            self.sync.sync(account)

    def sync_all(self) -> None:
        for name in self._accounts:
            self.sync.sync(name)

    def _sync_started(self, account: str) -> None:
        self.sync_label.setText(self.tr("Synchronizing %1…").replace("%1", account))
        self.sync_bar.setRange(0, 0)
        self.sync_bar.setVisible(True)
        self.sync_cancel.setVisible(True)
        self.act_cancel_sync.setEnabled(True)

    def _sync_progress(self, account: str, phase: str, done: int, total: int) -> None:
        if total > 0:
            self.sync_bar.setRange(0, total)
            self.sync_bar.setValue(min(done, total))
            self.sync_bar.setFormat(f"{account}: %v / %m")
        self.sync_label.setText(
            self.tr("Synchronizing %1: %2").replace("%1", account).replace("%2", _phase_text(phase))
        )

    def _sync_idle(self, text: str) -> None:
        if self.sync.running:
            return
        self.sync_label.setText(text)
        self.sync_bar.setVisible(False)
        self.sync_cancel.setVisible(False)
        self.act_cancel_sync.setEnabled(False)

    def _sync_finished(self, account: str, summary: SyncSummary) -> None:
        if summary.cancelled:
            self._sync_cancelled(account)
            return
        new = summary.new
        now = datetime.now().strftime("%H:%M")
        text = (
            self.tr("Synchronized %1 at %2, new messages: %3")
            .replace("%1", account)
            .replace("%2", now)
            .replace("%3", str(new))
        )
        failures = summary.failed
        if failures:
            text += " — " + self.tr("%1 message(s) could not be downloaded: %2").replace(
                "%1", str(len(failures))
            ).replace("%2", failures[0].reason or "")
        self._sync_idle(text)
        if new and self.tray is not None:
            self.tray.showMessage(
                self.tr("New data messages"),
                self.tr("%1: %2 new message(s)").replace("%1", account).replace("%2", str(new)),
            )
        self.reload_tree()
        self.reload_warnings()

    def _sync_failed(self, account: str, exc: BaseException) -> None:
        plain, _detail = describe(exc)
        code = getattr(exc, "code", None)
        suffix = self.tr(" (ISDS code %1)").replace("%1", str(code)) if code else ""
        self._sync_idle(
            self.tr("Synchronization of %1 failed: %2")
            .replace("%1", account)
            .replace("%2", plain + suffix)
        )
        if self.sync.interactive:
            self._sync_error_boxes.append(show_error(self, exc, self.tr("Synchronization")))

    def _sync_cancelled(self, account: str) -> None:
        self._sync_idle(self.tr("Synchronization of %1 was cancelled").replace("%1", account))
        self.reload_tree()

    # -- dialogs ----------------------------------------------------------------------------

    def _keep(self, dlg: QWidget) -> QWidget:
        self._dialogs = [d for d in self._dialogs if d.isVisible()]
        self._dialogs.append(dlg)
        return dlg

    def compose_new(self, *, reply_to: int | None = None, forward: int | None = None
                    ) -> ComposeDialog | None:
        from dso_desktop.gui.compose import ComposeDialog

        account = self.tree.current_account() or (self._accounts[0] if self._accounts else None)
        if account is None:
            QMessageBox.information(self, self.tr("New message"), self.tr("Add a data box first."))
            return None
        dlg = ComposeDialog(
            self.ctx, self._accounts, account, self, reply_to=reply_to, forward=forward
        )
        dlg.sent.connect(lambda _r: self.reload_tree())
        self._keep(dlg).show()
        return dlg

    def compose_reply(self) -> ComposeDialog | None:
        if self.detail.message_id is not None:
            return self.compose_new(reply_to=self.detail.message_id)
        return None

    def compose_forward(self) -> ComposeDialog | None:
        if self.detail.message_id is not None:
            return self.compose_new(forward=self.detail.message_id)
        return None

    def add_account(self) -> AccountWizard:
        from dso_desktop.gui.wizard import AccountWizard

        wiz = AccountWizard(self.ctx, self)
        wiz.account_added.connect(self._account_added)
        self._keep(wiz).show()
        return wiz

    def _account_added(self, name: str) -> None:
        self.reload_tree()

    def remove_account(self) -> None:
        name = self.tree.current_account()
        if not name:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Remove data box"),
            self.tr(
                "Remove the data box \u201e%1\u201c from this application? The archived "
                "messages stay in the data folder."
            ).replace("%1", name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        svc = self.ctx.app.accounts
        self.ctx.tasks.run_store(
            lambda: svc.remove(name),
            lambda _r: self.reload_tree(),
            lambda e: show_error(self, e),
            owner=self,
        )

    def open_zfo_dialog(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, self.tr("Open ZFO file"), "", self.tr("Signed data messages (*.zfo);;All (*)")
        )
        if path:
            self.open_zfo(Path(path))

    def open_zfo(self, path: Path) -> ZfoViewer:
        from dso_desktop.gui.zfoviewer import ZfoViewer

        viewer = ZfoViewer(self.ctx, path, self._accounts, self)
        viewer.imported.connect(lambda _s: self.reload_tree())
        self._keep(viewer).show()
        return viewer

    def import_zfo_dialog(self) -> None:
        paths, _f = QFileDialog.getOpenFileNames(
            self, self.tr("Import ZFO files"), "", self.tr("Signed data messages (*.zfo)")
        )
        if paths:
            self.import_zfo([Path(p) for p in paths])

    def import_zfo(self, paths: list[Path], account: str | None = None) -> None:
        svc = self.ctx.app.zfo

        def done(summary: ImportSummary) -> None:
            self.statusBar().showMessage(
                self.tr("Imported: %1, already present: %2, failed: %3")
                .replace("%1", str(summary.imported))
                .replace("%2", str(summary.duplicates))
                .replace("%3", str(summary.failed)),
                10_000,
            )
            self._warn_untrusted_import(summary)
            self.imported.emit(summary)
            self.reload_tree()

        self.ctx.tasks.run_store(
            lambda: svc.import_files(paths, account=account),
            done,
            lambda e: show_error(self, e),
            owner=self,
        )

    def _warn_untrusted_import(self, summary: ImportSummary) -> QMessageBox | None:
        """Files whose seal is not trusted were quarantined, not archived: say so plainly."""
        items = [i for i in summary.items if i.status in ("quarantined", "conflict")]
        if not items:
            return None
        lines = []
        for i in items[:20]:
            name = Path(i.path).name
            if i.status == "quarantined":
                lines.append(self.tr("%1: %2 Kept in quarantine, not archived as "
                                     "evidence.").replace("%1", name).replace(
                    "%2", fmt.verdict_text(fmt.verdict_kind(i.verdict))))
            else:
                lines.append(self.tr("%1: another copy of this message is already the "
                                     "evidence — kept beside it as a conflicting copy")
                             .replace("%1", name))
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Import"), self.tr(
            "Some files were not archived as evidence. The messages are downloaded from "
            "ISDS at the next synchronization.") + "\n\n" + "\n".join(lines),
            QMessageBox.StandardButton.Ok, self)
        box.setDetailedText("\n".join(
            f"{i.path}: {i.reason or ''}"
            for i in items))
        self._import_warning = box
        box.open()
        return box

    def check_archive(self) -> IntegrityCheck:
        """Re-verify the whole archive (menu): progress, then the result in plain words."""
        from dso_desktop.gui.integrityui import IntegrityCheck

        check = IntegrityCheck(self, self.ctx)
        self._integrity_check = check
        check.start()
        return check

    def set_update_problem(self, problem: dict[str, Any] | None) -> None:
        """The update controller's last failure (or None): shown in the warnings panel."""
        self.update_problem = problem
        self.show_warnings(self._last_warnings)

    def check_updates_now(self) -> None:
        """Help → "Zkontrolovat aktualizace"."""
        if self.ctx.updates is not None:
            self.ctx.updates.check_now(self)
            return
        QMessageBox.information(self, self.tr("Check for updates"), self.tr(
            "This copy does not update itself: it was not started from an installation "
            "(or it runs in training mode)."))

    def open_settings(self) -> SettingsDialog:
        from dso_desktop.gui.settingsdialog import SettingsDialog

        dlg = SettingsDialog(self.ctx, self)
        dlg.applied.connect(self.apply_settings)
        dlg.language_changed.connect(self._language_changed)
        self._keep(dlg).show()
        return dlg

    def _language_changed(self, _lang: str) -> None:
        if callable(self.language_changed):
            QTimer.singleShot(0, self.language_changed)
        else:
            self.setWindowTitle(self._title())
            self.reload_tree()

    def open_search(self) -> SearchDialog:
        from dso_desktop.gui.searchdialog import SearchDialog

        dlg = SearchDialog(self.ctx, self._accounts, self)
        dlg.message_chosen.connect(self._show_found)
        self._keep(dlg).show()
        return dlg

    def _show_found(self, message_id: int) -> None:
        if not self.select_message(message_id):
            self.detail.show_message(message_id)

    def open_tags(self) -> TagsDialog:
        from dso_desktop.gui.tagsdialog import TagsDialog

        dlg = TagsDialog(self.ctx, self.selected_message_ids(), self)
        dlg.changed.connect(self.reload_tags)
        self._keep(dlg).show()
        return dlg

    def _about(self) -> None:
        from dso_desktop import __version__

        QMessageBox.about(
            self,
            self.tr("About DSO Desktop"),
            self.tr("DSO Desktop %1\nA client for the Czech data-box system (ISDS).").replace(
                "%1", __version__
            ),
        )

    # -- drag & drop of ZFO files -------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.toLocalFile().lower().endswith(".zfo") for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [
            Path(u.toLocalFile())
            for u in event.mimeData().urls()
            if u.toLocalFile().lower().endswith(".zfo")
        ]
        if len(paths) == 1:
            self.open_zfo(paths[0])
        elif paths:
            self.import_zfo(paths)
        event.acceptProposedAction()

    def _watch_office(self) -> None:
        """On a shared archive, reload the lists soon after another computer's change."""
        if getattr(self, "_office_listener", None) is not None:
            return
        listen = getattr(self.ctx.app, "listen_changes", None)
        if listen is None:
            return
        self._office_timer = QTimer(self)
        self._office_timer.setSingleShot(True)
        self._office_timer.setInterval(300)  # a burst of changes is one reload
        self._office_timer.timeout.connect(self._office_reload)
        self.office_changed.connect(lambda _payload: self._office_timer.start())
        self._office_listener = listen(self.office_changed.emit)

    def _office_reload(self) -> None:
        self.reload_tree()
        self.reload_list()
        self.reload_warnings()

    def closeEvent(self, event: QCloseEvent) -> None:
        listener = getattr(self, "_office_listener", None)
        if listener is not None:
            listener.stop()
            self._office_listener = None
        self.sync.cancel_all()
        self.schedule.stop()
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)


def _phase_text(phase: str) -> str:
    texts = {
        "login": translate("MainWindow", "logging in"),
        "list-received": translate("MainWindow", "listing received messages"),
        "list-sent": translate("MainWindow", "listing sent messages"),
        "state": translate("MainWindow", "updating message states"),
        "download": translate("MainWindow", "downloading messages"),
        "delivery-info": translate("MainWindow", "downloading delivery info"),
        "done": translate("MainWindow", "done"),
    }
    return texts.get(phase, phase)


def _color(name: str) -> QColor:
    return QColor(name)
