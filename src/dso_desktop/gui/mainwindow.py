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
    QApplication,
    QComboBox,
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
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import Direction, ImportStatus, LoginMethod
from dso_desktop.gui import fmt
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.detail import DetailPane
from dso_desktop.gui.errors import code_suffix, describe, show_error
from dso_desktop.gui.headerfit import fit_headers
from dso_desktop.gui.models import COLUMNS, MessageListModel
from dso_desktop.gui.syncui import SyncController
from dso_desktop.gui.tray import Tray, TrayAvailable, system_tray_available
from dso_desktop.gui.tree import AccountTree

if TYPE_CHECKING:
    from dso_desktop.gui.compose import ComposeDialog
    from dso_desktop.gui.integrityui import IntegrityCheck
    from dso_desktop.gui.paperui import DocumentsDialog, OverviewDialog
    from dso_desktop.gui.remedyui import RestampRun
    from dso_desktop.gui.searchdialog import SearchDialog
    from dso_desktop.gui.settingsdialog import SettingsDialog
    from dso_desktop.gui.tagsdialog import TagsDialog
    from dso_desktop.gui.wizard import AccountWizard
    from dso_desktop.gui.zfoviewer import ZfoViewer
    from dso_desktop.services.notify import DueItem, NotifyOutcome
    from dso_desktop.services.types import (
        ArchiveWarning,
        ImportSummary,
        MessageFilter,
        TreeNode,
    )
    from dso_desktop.services.warnings import WarningPage
    from dso_desktop.settings import Settings
    from dso_desktop.store.records import TagRecord
    from dso_desktop.sync.events import SyncSummary

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
RECENT_DAYS = 90
QUICK_FILTER_LIMIT = 5000
# Ids in the list's first keyset page: a screenful and more, read before the rest of the
# list (issue 18: the list paints at once at a million messages).
FIRST_PAGE = 200
# The warnings panel and the tray read this many of the watch's nearest items, with the
# totals from SQL aggregates; "show more" adds a page (issue 18: a million messages may
# have 300,000 items due, which as list items blocked the GUI thread for 40 s).
WARNINGS_PAGE = 200
DUE_ITEMS_LIMIT = 500
# The "show more" line of the warnings panel (a role of its own: UserRole is the warning).
MORE_ROLE = Qt.ItemDataRole.UserRole + 1
# Logins that need a person at each login (a code, the Mobile key): a background sync never
# starts them (an SMS code would be sent at every interval).
INTERACTIVE_LOGINS = frozenset({LoginMethod.TOTP, LoginMethod.HOTP, LoginMethod.MOBILE_KEY})


class MainWindow(QMainWindow):
    """Everything a clerk works with all day, in one window."""

    list_loaded = Signal(int)  # number of ids shown
    tree_loaded = Signal()
    warnings_loaded = Signal(int)
    outbox_reconciled = Signal(list)  # sentences about the sends a crash had left open
    imported = Signal(object)
    hidden_to_tray = Signal()  # the window closed, the app keeps running in the tray
    quit_requested = Signal()  # the user quit (menu or tray): the application ends
    digest_done = Signal(object)  # services.notify.NotifyOutcome after a sync batch
    due_checked = Signal(list)  # the due items found after a sync (or at start)
    # Another computer changed the shared archive (PostgreSQL LISTEN/NOTIFY; emitted from
    # the listener's thread, delivered queued on the GUI thread).
    office_changed = Signal(str)

    # Actions, created by gui.actions.build_actions.
    act_about: QAction
    act_help: QAction
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
    act_edit_account: QAction
    act_change_password: QAction
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
    act_handover: QAction
    act_documents: QAction  # envelope / delivery info: PDF, print, e-mail (issue 16)
    act_export_pdfs: QAction
    act_overview: QAction
    act_restamp: QAction

    def __init__(self, ctx: GuiContext, *,
                 tray_available: TrayAvailable = system_tray_available) -> None:
        super().__init__()
        self.ctx = ctx
        self._settings: Settings | None = None
        self._quitting = False
        self._started_syncs = False  # sync-on-start done (once per window)
        self._login_methods: dict[str, LoginMethod] = {}
        self._background: set[str] = set()  # accounts whose running sync nobody asked for
        self._batch: dict[str, object] = {}  # this batch's results: SyncSummary | exception
        self._notified_due: set[str] = set()
        self._tray_hint_shown = False
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
        self.sync.all_idle.connect(self._sync_batch_done)

        self._build_widgets()
        self._build_actions()
        self._build_status_bar()
        self.restore_layout()

        self._tree_timer = QTimer(self)
        self._tree_timer.setSingleShot(True)
        self._tree_timer.setInterval(700)
        self._tree_timer.timeout.connect(self._recount_tree)
        self.schedule = QTimer(self)
        self.schedule.timeout.connect(self.sync_in_background)
        self.tray: Tray | None = None
        if tray_available():
            self.tray = Tray(self.windowIcon(), self._title(), self)
            self.tray.open_requested.connect(self.show_from_tray)
            self.tray.sync_requested.connect(self.sync_all)
            self.tray.quit_requested.connect(self.quit_app)

    # -- layout -----------------------------------------------------------------------------

    def _title(self) -> str:
        base = "DSO Desktop"
        if self.ctx.demo:
            return base + " — " + self.tr("Training environment")
        return base

    def _build_widgets(self) -> None:
        from dso_desktop.gui.filterbar import FilterBar

        # First: sorting the table below already asks for the current filter (and
        # the hand-over filter, issue 17).
        self.filter_bar = FilterBar()
        # Hand-over to records management (issue 17): all / handed over / not yet.
        self.handover_filter = QComboBox()
        self.handover_filter.addItem(self.tr("Records: all"), None)
        self.handover_filter.addItem(self.tr("Handed over"), True)
        self.handover_filter.addItem(self.tr("Not handed over"), False)
        self.handover_filter.setAccessibleName(self.tr("Hand-over state filter"))
        self.handover_filter.currentIndexChanged.connect(lambda _i: self.reload_list())
        self.tree = AccountTree()
        self.tree.node_selected.connect(lambda _key: self.reload_list())

        self.tag_list = QListWidget()
        self.tag_list.setAccessibleName(self.tr("Tags"))
        self.tag_list.currentItemChanged.connect(self._tag_chosen)
        self.warning_list = QListWidget()
        self.warning_list.setAccessibleName(self.tr("Warnings"))
        self.warning_list.setWordWrap(True)
        self.warning_list.itemActivated.connect(self._warning_activated)

        left = self.left_split = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._titled(self.tr("Data boxes"), self.tree))
        left.addWidget(self._titled(self.tr("Tags"), self.tag_list))
        self.warnings_box = self._titled(self.tr("Warnings"), self.warning_list)
        self._last_warnings: list[ArchiveWarning] = []
        self._warnings_total: int | None = None  # every warning, shown or not
        self._warnings_limit = WARNINGS_PAGE
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
            "handover": fm.horizontalAdvance(self.tr("handed over")) + pad,
        }
        for i, (key, _h, _o) in enumerate(COLUMNS):
            self.table.setColumnWidth(i, widths[key])
        fit_headers(header)  # a title longer than the content ("Spisová služba") is not cut
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
        self.filter_bar.changed.connect(self._filter_timer.start)
        self.filter_bar.tag_chosen.connect(self._select_tag)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.quick_filter, 1)
        bar.addWidget(self.handover_filter)
        bar.addWidget(self.count_label)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.filter_bar)
        top_layout.addWidget(self.table, 1)

        self.detail = DetailPane(self.ctx)
        self.detail.verdict_changed.connect(lambda _i: self.model.invalidate())

        right = self.right_split = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(self.detail)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)

        main = self.main_split = QSplitter(Qt.Orientation.Horizontal)
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
        from dso_desktop.gui import backupui
        from dso_desktop.gui.actions import build_actions

        build_actions(self)
        backupui.install(self)  # issue 21: the Backup menu and the scheduled backups

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
        self._backfill_horizons()
        generation = self._list_generation = self._list_generation + 1
        order_by, desc = self._order_by, self._descending
        self._watch_office()

        flt = MessageFilter(direction=Direction.RECEIVED)

        def first_list() -> list[int]:
            # One keyset page first (an index walk of FIRST_PAGE entries, whatever the size
            # of the archive), so the list paints before the whole id list is read.
            return [i for _, i in app.messages.page(flt, order_by, desc, limit=FIRST_PAGE)]

        def shown(ids: list[int]) -> None:
            if generation == self._list_generation:
                self.model.set_ids(ids)
                self.model.prefetch(0)
                self._load_full_list(generation, flt, order_by, desc, first=ids)
            self._load_the_rest()

        def failed(exc: BaseException) -> None:
            self._load_the_rest()
            show_error(self, exc)

        self.ctx.tasks.run_store(first_list, shown, failed, owner=self)

    def _load_full_list(self, generation: int, flt: MessageFilter, order_by: str,
                        desc: bool, first: list[int]) -> None:
        """The whole id list after its first page (off the GUI thread); its rows follow the
        shown ones without a reset, and ``list_loaded`` reports the full count."""
        app = self.ctx.app

        def work() -> list[int]:
            if len(first) < FIRST_PAGE:
                return first  # the first page was the whole list
            return list(app.messages.ids(flt, order_by=order_by, descending=desc))

        def done(ids: list[int]) -> None:
            if generation != self._list_generation:
                return
            if not self.model.extend_ids(ids):  # changed meanwhile (a sync): show it anew
                self.model.set_ids(ids, sent=self.model.sent_view)
            self.count_label.setText(self.tr("Messages: %1").replace("%1", str(len(ids))))
            current = self.detail.message_id
            if current is not None:
                row = self.model.row_of(current)
                if row >= 0:
                    self.table.selectRow(row)
                else:
                    self.detail.clear()
            self.list_loaded.emit(len(ids))

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)

    def _backfill_horizons(self) -> None:
        """Messages stored before the watch existed get their evidence horizon on a
        background thread, not on the store thread the list and the detail use (on a large
        archive it verifies every ZFO); the warnings panel reloads when it is done."""
        watch = self.ctx.app.watch
        watch.defer_backfill()

        def done(count: int) -> None:
            if count:
                self.statusBar().showMessage(self.tr(
                    "Evidence expiry computed for %1 stored messages.").replace(
                        "%1", str(count)), 10_000)
                self.reload_warnings()

        self.ctx.tasks.run_net(watch.backfill, done,
                               lambda e: log.warning("evidence horizon backfill: %s",
                                                     type(e).__name__), owner=self)

    def _load_the_rest(self) -> None:
        self.reload_tags()
        self.reload_tree()
        self.reload_warnings()
        self.apply_settings()
        self.reconcile_outbox()
        self.check_due_items()

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
            self._settings = settings
            minutes = settings.sync_interval_minutes
            if minutes > 0:
                self.schedule.start(minutes * 60_000)
            else:
                self.schedule.stop()
            if settings.sync_on_start and not self._started_syncs:
                self._started_syncs = True
                self.sync_in_background()

        self.ctx.tasks.run_store(
            svc.get, done, lambda e: log.warning("settings: %s", e), owner=self
        )

    def reload_tree(self) -> None:
        """Reload accounts and folder counts; the selected folder's list reloads with it."""
        app = self.ctx.app

        def work() -> tuple[dict[str, LoginMethod], list[TreeNode]]:
            methods = {a.name: LoginMethod(a.login_method) for a in app.accounts.list()}
            return methods, list(app.messages.tree_counts())

        def done(result: tuple[dict[str, LoginMethod], list[TreeNode]]) -> None:
            self._login_methods, nodes = result
            self._accounts = list(self._login_methods)
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
        handed_over = self.handover_filter.currentData()
        if handed_over is not None:
            flt = dataclasses.replace(flt, handed_over=bool(handed_over))
        return self.filter_bar.apply(flt)

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
            if not text:
                # A keyset first page (FIRST_PAGE index entries) paints the folder, filter
                # or sort at once; the rest of the ids follow (`_load_full_list`).
                return [i for _, i in app.messages.page(flt, order_by, desc,
                                                        limit=FIRST_PAGE)]
            ids = app.messages.ids(flt, order_by=order_by, descending=desc)
            wanted = set(
                app.search.search_ids(text, account=flt.account, limit=QUICK_FILTER_LIMIT)
            )
            return [i for i in ids if i in wanted]

        def done(ids: list[int]) -> None:
            if generation != self._list_generation:
                return
            current = self.detail.message_id
            shown = self.model.ids()
            if not text and len(ids) == FIRST_PAGE and shown[:FIRST_PAGE] == ids \
                    and sent == self.model.sent_view:
                pass  # the same list (a reload): keep its rows until the rest arrives
            elif ids != shown or sent != self.model.sent_view:
                self.model.set_ids(ids, sent=sent)
            if not text and len(ids) == FIRST_PAGE:
                # The selection may be in the rest: it is settled when the rest arrives.
                self._load_full_list(generation, flt, order_by, desc, first=ids)
                return
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
            self.filter_bar.set_tags(self._tags, self._tag_filter)
            self.model.invalidate()

        self.ctx.tasks.run_store(svc.list, done, lambda e: show_error(self, e), owner=self)

    def reload_warnings(self) -> None:
        """The first ``WARNINGS_PAGE`` (or more, after "show more") warnings and their
        total, off the GUI thread."""
        svc = self.ctx.app.warnings
        limit = self._warnings_limit

        def done(page: WarningPage) -> None:
            self.show_warnings(page.items, total=page.total)

        self.ctx.tasks.run_store(
            lambda: svc.page(limit), done, lambda e: show_error(self, e), owner=self
        )

    def show_more_warnings(self) -> None:
        """The panel's "show more": the next page of the watch's list."""
        self._warnings_limit += WARNINGS_PAGE
        self.reload_warnings()

    def show_warnings(self, warnings: list[ArchiveWarning], total: int | None = None) -> None:
        """Show ``warnings`` (the first of ``total``; None: all of them)."""
        from dso_desktop.gui.warningsview import (
            update_problem_text,
            warning_color,
            warning_text,
        )

        self._last_warnings = list(warnings)
        self._warnings_total = total
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
        rest = (total or 0) - len(warnings)
        if rest > 0:
            more = QListWidgetItem(self.tr("…and %1 more (double-click to show more)")
                                   .replace("%1", f"{rest:,}".replace(",", "\u00a0")))
            more.setData(MORE_ROLE, True)
            self.warning_list.addItem(more)
        self.warnings_box.setToolTip(self.tr("Warnings: %1").replace(
            "%1", str(total if total is not None else len(warnings))))
        self.warnings_loaded.emit(total if total is not None else len(warnings))

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
        self.filter_bar.set_tag(self._tag_filter)
        self.reload_list()

    def _select_tag(self, tag_id: int | None) -> None:
        """The filter bar's tag: the same filter as the tag list (kept in step)."""
        for i in range(self.tag_list.count()):
            if self.tag_list.item(i).data(Qt.ItemDataRole.UserRole) == tag_id:
                self.tag_list.setCurrentRow(i)  # -> _tag_chosen -> reload
                return

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
        """Double click: open the message; for expiring evidence also offer its remedy
        (restamp); for an expiring password, the account's password dialog."""
        from dso_desktop.domain import Remedy

        if item.data(MORE_ROLE):
            self.show_more_warnings()
            return
        w = item.data(Qt.ItemDataRole.UserRole)  # an ArchiveWarning, or None (other lines)
        msg = w.message_id if w is not None else None
        if isinstance(msg, int) and not self.select_message(msg):
            self.detail.show_message(msg)  # not in the list shown now: open it anyway
        remedy = w.remedy if w is not None else None
        if remedy is Remedy.RESTAMP and isinstance(msg, int):
            # Window-modal, not a nested event loop: the answer arrives as a signal.
            box = QMessageBox(
                QMessageBox.Icon.Question, self.tr("Restamp"),
                self.tr("The evidence of message %1 stops being verifiable soon. Renew it "
                        "now (ISDS re-seals it; the original stays as it is)?").replace(
                    "%1", w.dm_id or str(msg)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
            target = msg

            def answered(button: object) -> None:
                if box.standardButton(button) == QMessageBox.StandardButton.Yes:  # type: ignore[arg-type]
                    self.restamp_messages([target])

            box.buttonClicked.connect(answered)
            self.remedy_box = box
            box.open()
        elif remedy is Remedy.CHANGE_PASSWORD:
            # The remedy is what its name says: the password dialog of that account (the
            # settings only hold how early the warning comes).
            if w.account:
                self.change_password(w.account)
            else:
                self.open_settings()

    def restamp_messages(self, message_ids: list[int]) -> RestampRun:
        """Restamp these messages with progress and cancellation; then refresh."""
        from dso_desktop.gui.remedyui import RestampRun, outcome_text

        run = RestampRun(self, self.ctx, message_ids)
        self._restamp_run = run

        def finished(outcomes: list[Any]) -> None:
            self.statusBar().showMessage(outcome_text(outcomes).splitlines()[0], 10_000)
            if any(not o.ok for o in outcomes):
                box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Restamping"),
                                  outcome_text(outcomes), parent=self)
                self._restamp_box = box
                box.open()
            self.reload_warnings()
            if self.detail.message_id in message_ids:
                self.detail.load_versions()

        run.finished.connect(finished)
        run.start()
        return run

    def restamp_expiring(self) -> None:
        """Menu: restamp every message whose evidence expires within the set days."""
        svc = self.ctx.app.remedies

        def got(ids: list[int]) -> None:
            if not ids:
                box = QMessageBox(QMessageBox.Icon.Information, self.tr("Restamping"),
                                  self.tr("No message needs restamping now."), parent=self)
                self._restamp_box = box
                box.open()
                return
            self.restamp_messages(ids)

        self.ctx.tasks.run_store(svc.candidates, got, lambda e: show_error(self, e),
                                 owner=self)

    # -- sync -------------------------------------------------------------------------------

    def sync_current(self) -> None:
        account = self.tree.current_account() or (self._accounts[0] if self._accounts else None)
        if account:
            self.sync.sync(account)

    def sync_all(self) -> None:
        for name in self._accounts:
            self.sync.sync(name)

    def sync_in_background(self) -> list[str]:
        """The scheduled (and on-start) sync: asks nothing. Accounts whose login needs a
        person are left for a manual sync; the delivery-by-login question is not asked (the
        account is reported as needing a decision). Returns the accounts started."""
        started = []
        for name in self._accounts:
            if self._login_methods.get(name) in INTERACTIVE_LOGINS:
                continue
            # A job already running (a manual one) stays what it is. Its outcome arrives
            # through a queued signal, after this marks it as a background job.
            if self.sync.sync(name, background=True):
                self._background.add(name)
                started.append(name)
        return started

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
        self._batch[account] = summary
        self._background.discard(account)
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
            from dso_desktop.gui import i18n

            # The reasons are the sync's English texts: shown only in the English UI; in
            # Czech the message ids (the log has the reasons), never an English line.
            for f in failures:
                log.info("sync of %s: %s not downloaded: %s", account, f.dm_id, f.reason)
            if i18n.current() == "en":
                detail = failures[0].reason or ""
            else:
                ids = [f.dm_id for f in failures if f.dm_id][:3]
                detail = ", ".join(ids) + ("…" if len(failures) > len(ids) else "")
            text += " — " + self.tr("%1 message(s) could not be downloaded: %2").replace(
                "%1", str(len(failures))
            ).replace("%2", detail)
        self._sync_idle(text)
        if new and self.tray is not None:
            self.tray.notify(
                self.tr("New data messages"),
                self.tr("%1: %2 new message(s)").replace("%1", account).replace("%2", str(new)),
            )
        self.reload_tree()
        self.reload_warnings()

    def _sync_failed(self, account: str, exc: BaseException) -> None:
        from dso_desktop.isds.errors import PasswordExpired

        self._batch[account] = exc
        background = account in self._background
        self._background.discard(account)
        plain, _detail = describe(exc)
        suffix = code_suffix(exc)
        self._sync_idle(
            self.tr("Synchronization of %1 failed: %2")
            .replace("%1", account)
            .replace("%2", plain + suffix)
        )
        if background:
            # Nobody is waiting at the screen: no message box, a tray notification.
            if self.tray is not None:
                self.tray.notify(self.tr("Synchronization of %1").replace("%1", account),
                                 plain, warning=True)
        elif isinstance(exc, PasswordExpired):
            # Never "wrong password": say it expired and offer the change right here.
            self._sync_error_boxes.append(self.offer_password_change(account))
        elif self.sync.interactive:
            self._sync_error_boxes.append(show_error(self, exc, self.tr("Synchronization")))

    def _sync_cancelled(self, account: str) -> None:
        self._background.discard(account)
        self._sync_idle(self.tr("Synchronization of %1 was cancelled").replace("%1", account))
        self.reload_tree()

    def _sync_batch_done(self) -> None:
        """Every sync job ended: the e-mail digest of the batch (off the GUI thread; its
        failure is reported beside the sync, which stays ok) and the due items."""
        results, self._batch = self._batch, {}
        self._background.clear()
        self.check_due_items()
        if not results:
            return
        svc = self.ctx.app.notify

        def done(outcome: NotifyOutcome) -> None:
            if outcome.error is not None:
                text = self.tr("The e-mail digest was not sent: %1").replace(
                    "%1", outcome.error.message_cs)
                self.statusBar().showMessage(text, 60_000)
                if self.tray is not None:
                    self.tray.notify(self.tr("E-mail notification"), text, warning=True)
            self.digest_done.emit(outcome)

        self.ctx.tasks.run_net(lambda: svc.after_sync(results), done,
                               lambda e: log.warning("digest: %s", type(e).__name__),
                               owner=self)

    def check_due_items(self) -> None:
        """Due items (the watch) not shown before raise one tray notification. Only the
        ``DUE_ITEMS_LIMIT`` nearest are read (an index walk each), whatever the archive's
        size: the nearest new one is what the notification names."""
        svc = self.ctx.app.notify

        def work() -> list[DueItem]:
            return svc.due_items(limit=DUE_ITEMS_LIMIT)

        def done(items: list[DueItem]) -> None:
            fresh = [i for i in items if i.key() not in self._notified_due]
            self._notified_due = {i.key() for i in items}
            if fresh and self.tray is not None:
                first = fresh[0]
                when = first.due.astimezone().strftime("%d.%m.%Y") if first.due else ""
                self.tray.notify(
                    self.tr("Deadlines and expiring evidence"),
                    self.tr("%1 new item(s) need attention; the nearest: %2 %3 — %4")
                    .replace("%1", str(len(fresh))).replace("%2", when)
                    .replace("%3", first.dm_id or first.account or "")
                    .replace("%4", first.remedy_cs or first.remedy),
                    warning=True)
            self.due_checked.emit(items)

        self.ctx.tasks.run_store(work, done,
                                 lambda e: log.warning("due items: %s", type(e).__name__),
                                 owner=self)

    # -- tray and quitting -------------------------------------------------------------------

    def keeps_running_in_tray(self) -> bool:
        """Closing the window hides it: there is a tray, background sync is on and the
        user did not turn this off."""
        s = self._settings
        return (self.tray is not None and s is not None and s.close_to_tray
                and s.sync_interval_minutes > 0)

    def show_from_tray(self) -> None:
        QApplication.setQuitOnLastWindowClosed(True)
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def close_for_good(self) -> None:
        """Close the window even when it would go to the tray (language switch, quit)."""
        self._quitting = True
        self.close()

    def quit_app(self) -> None:
        """Quit (File menu, tray menu): the window closes, the application ends."""
        self.close_for_good()
        self.quit_requested.emit()

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
        wiz.password_expired.connect(
            lambda name: self._sync_error_boxes.append(self.offer_password_change(name)))
        self._keep(wiz).show()
        return wiz

    def _account_added(self, name: str) -> None:
        self.reload_tree()

    def offer_password_change(self, account: str) -> QMessageBox:
        """The password of ``account`` has expired: say so and offer the change (non-modal;
        "Change password" opens the dialog)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Password expired"))
        text = self.tr("The password of the data box \u201e%1\u201c has expired. "
                       "Change it now?").replace("%1", account)
        box.setText(text)
        box.setAccessibleName(text)
        change = box.addButton(self.tr("Change password…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        change.clicked.connect(lambda: self.change_password(account, expired=True))
        box.open()
        return box

    def _with_account(self, name: str | None, then: Callable[[Any], None]) -> None:
        """Read the account (archive + keyring: off the GUI thread), then call ``then``."""
        name = name or self.tree.current_account() or (
            self._accounts[0] if self._accounts else None)
        if not name:
            QMessageBox.information(self, self.tr("Data box"), self.tr("Add a data box first."))
            return
        svc = self.ctx.app.accounts
        self.ctx.tasks.run_store(lambda: svc.get(name), then, lambda e: show_error(self, e),
                                 owner=self)

    def change_password(self, account: str | None = None, *, expired: bool = False) -> None:
        """Open the password dialog for ``account`` (default: the selected one)."""
        from dso_desktop.gui.accountdialogs import PasswordDialog

        def show(view: Any) -> None:
            dlg = PasswordDialog(self.ctx, view, self, expired=expired)
            dlg.changed.connect(self._password_changed)
            self._keep(dlg).show()

        self._with_account(account, show)

    def _password_changed(self, _account: str) -> None:
        self.reload_tree()
        self.reload_warnings()  # the expiry warning of the old password goes

    def edit_account(self, account: str | None = None) -> None:
        """Open the account dialog for ``account`` (default: the selected one)."""
        from dso_desktop.gui.accountdialogs import AccountEditDialog

        def show(view: Any) -> None:
            dlg = AccountEditDialog(self.ctx, view, self)
            dlg.saved.connect(lambda _n: self.reload_tree())
            self._keep(dlg).show()

        self._with_account(account, show)

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
        items = [i for i in summary.items
                 if i.status in (ImportStatus.QUARANTINED, ImportStatus.CONFLICT)]
        if not items:
            return None
        lines = []
        for i in items[:20]:
            name = Path(i.path).name
            if i.status == ImportStatus.QUARANTINED:
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
        from dso_desktop.gui import i18n

        english = i18n.current() == "en"  # the reasons are the services' English texts
        box.setDetailedText("\n".join(
            f"{i.path}: {i.reason or ''}" if english else str(i.path)
            for i in items))
        self._import_warning = box
        box.open()
        return box

    def check_archive(self) -> IntegrityCheck:
        """Re-verify the whole archive (menu): progress, then the result in plain words."""
        from dso_desktop.gui.integrityui import IntegrityCheck

        check = IntegrityCheck(self, self.ctx)
        self._integrity_check = check
        check.verdicts_stored.connect(self._verdicts_stored)
        check.start()
        return check

    def _verdicts_stored(self, _report: object) -> None:
        """New verdicts stored by the archive check: the list and warnings show them."""
        self.model.invalidate()
        self.reload_warnings()

    def set_update_problem(self, problem: dict[str, Any] | None) -> None:
        """The update controller's last failure (or None): shown in the warnings panel."""
        self.update_problem = problem
        self.show_warnings(self._last_warnings, self._warnings_total)

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

        dlg = SettingsDialog(self.ctx, self, tray=self.tray is not None)
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

    def open_handover(self) -> Any:
        """ "Předat do spisové služby": the selected messages or a period."""
        from dso_desktop.gui.recordsdialog import HandoverDialog

        dlg = HandoverDialog(self.ctx, self.selected_message_ids(), list(self._accounts), self)
        dlg.finished_work.connect(self._after_handover)
        self._keep(dlg).show()
        return dlg

    def _after_handover(self) -> None:
        self.model.invalidate()
        self.reload_list()
        if self.detail.message_id is not None:
            self.detail.show_message(self.detail.message_id)

    def open_documents(self, message_ids: list[int] | None = None
                       ) -> DocumentsDialog | None:
        """Envelope and delivery info of the selected message(s): save, print, e-mail; with
        several selected, a batch export of their PDFs."""
        from dso_desktop.gui.paperui import DocumentsDialog

        ids = message_ids if message_ids is not None else self.selected_message_ids()
        if not ids and self.detail.message_id is not None:
            ids = [self.detail.message_id]
        if not ids:
            return None
        dlg = DocumentsDialog(self.ctx, ids, self)
        self._keep(dlg).show()
        return dlg

    def open_overview(self) -> OverviewDialog:
        """File → Correspondence overview."""
        from dso_desktop.gui.paperui import OverviewDialog

        dlg = OverviewDialog(self.ctx, list(self._accounts), self)
        self._keep(dlg).show()
        return dlg

    def open_help(self) -> QWidget:
        """F1 / Help → User manual: the Czech manual shipped in resources/help."""
        from dso_desktop.gui.helpview import HelpWindow

        dlg = HelpWindow(self)
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

    # -- remembered layout --------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.main_split, "left": self.left_split, "right": self.right_split,
                "detail": self.detail.split}

    def save_layout(self) -> None:
        """Geometry, splitters, column widths, sort order and folder, for the next start."""
        from dso_desktop.gui.tree import node_key
        from dso_desktop.gui.windowstate import WindowState, encode

        header = self.table.horizontalHeader()
        flt = self.tree.current_filter()
        state = WindowState(
            geometry=encode(self.saveGeometry()),
            maximized=self.isMaximized(),
            splitters={k: list(sp.sizes()) for k, sp in self._splitters().items()},
            header=encode(header.saveState()),
            columns=[header.sectionSize(i) for i in range(header.count())],
            sort_column=header.sortIndicatorSection(),
            sort_descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
            folder=list(node_key(flt)) if flt is not None else None,
        )
        state.save(self.ctx.paths)

    def restore_layout(self) -> None:
        """Put back what `save_layout` kept (before `start`: the first list is sorted and
        the first folder chosen as last time)."""
        from dso_desktop.gui.models import COLUMNS
        from dso_desktop.gui.windowstate import WindowState, decode

        state = WindowState.load(self.ctx.paths)
        geometry = decode(state.geometry)
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, sizes in state.splitters.items():
            sp = self._splitters().get(key)
            if sp is not None and len(sizes) == sp.count() and sum(sizes) > 0:
                sp.setSizes(sizes)
        header = self.table.horizontalHeader()
        blob = decode(state.header)
        self.model.blockSignals(True)  # no list load before start(): it sorts anyway
        try:
            if blob is not None:
                header.restoreState(blob)
            if len(state.columns) == header.count():
                for i, width in enumerate(state.columns):
                    if header.sectionResizeMode(i) != QHeaderView.ResizeMode.Stretch:
                        self.table.setColumnWidth(i, width)
                fit_headers(header)  # a width saved by an older version may cut the title
            if 0 <= state.sort_column < len(COLUMNS) and COLUMNS[state.sort_column][2]:
                order = (Qt.SortOrder.DescendingOrder if state.sort_descending
                         else Qt.SortOrder.AscendingOrder)
                header.setSortIndicator(state.sort_column, order)
                order_by = COLUMNS[state.sort_column][2]
                if order_by == "party":
                    order_by = "sender_name"
                self._order_by, self._descending = order_by, state.sort_descending
        finally:
            self.model.blockSignals(False)
        if state.folder is not None:
            self.tree.prefer(tuple(state.folder))
        if state.maximized:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

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
        self.save_layout()
        if not self._quitting and self.keeps_running_in_tray():
            event.ignore()
            self.hide()
            # Closing a dialog while the window is hidden must not end the application.
            QApplication.setQuitOnLastWindowClosed(False)
            if self.tray is not None and not self._tray_hint_shown:
                self._tray_hint_shown = True
                self.tray.notify(self.tr("DSO Desktop keeps running"), self.tr(
                    "Synchronization goes on in the background. Quit from the icon's menu."))
            self.hidden_to_tray.emit()
            return
        QApplication.setQuitOnLastWindowClosed(True)
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
