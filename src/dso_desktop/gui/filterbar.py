"""The filter bar above the message list: date range, party, state, verdict, attachments, tag.

Every choice narrows the selected folder's list (and the quick filter's words); the store
does the filtering in the one list query (`store.records.MessageFilter`), so the lazy list
stays as fast as without filters. `dso messages list` offers the same filters.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from dso_desktop.domain import MessageStatus, VerdictKind

if TYPE_CHECKING:
    from dso_desktop.services.types import MessageFilter

UNVERIFIED = "unverified"  # = store.records.UNVERIFIED (the GUI does not import the store)

# (key, statuses); the labels are set in FilterBar (translated).
STATE_CHOICES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("any", ()),
    ("delivered", (int(MessageStatus.DELIVERED),)),
    ("accepted", (int(MessageStatus.ACCEPTED_BY_FICTION), int(MessageStatus.ACCEPTED_BY_LOGIN),
                  int(MessageStatus.READ))),
    ("fiction", (int(MessageStatus.ACCEPTED_BY_FICTION),)),
    ("undeliverable", (int(MessageStatus.UNDELIVERABLE),)),
    ("deleted", (int(MessageStatus.CONTENT_DELETED),)),
)
VERDICT_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("any", ()),
    ("trusted", tuple(str(k) for k in VerdictKind if k.trusted)),
    ("expiring", (str(VerdictKind.EXPIRING),)),
    ("problem", tuple(str(k) for k in VerdictKind if not k.trusted)),
    ("unverified", (UNVERIFIED,)),
)


class FilterBar(QWidget):
    """Emits ``changed`` whenever a filter changes (the party text after a short pause is
    the window's business: it connects ``changed`` to its own timer)."""

    changed = Signal()
    tag_chosen = Signal(object)  # tag id or None: the window keeps the tag list in step

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use_from = QCheckBox(self.tr("From"))
        self.date_from = QDateEdit()
        self.use_to = QCheckBox(self.tr("To"))
        self.date_to = QDateEdit()
        today = QDate.currentDate()
        for check, edit, day, name in (
            (self.use_from, self.date_from, today.addMonths(-1), self.tr("Delivered from")),
            (self.use_to, self.date_to, today, self.tr("Delivered until")),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.setDate(day)
            edit.setEnabled(False)
            edit.setAccessibleName(name)
            check.setAccessibleName(name)
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(lambda _on: self.changed.emit())
            edit.dateChanged.connect(lambda _d, c=check: self._date_changed(c))
        self.party = QLineEdit()
        self.party.setPlaceholderText(self.tr("Sender or recipient"))
        self.party.setAccessibleName(self.tr("Sender or recipient"))
        self.party.setClearButtonEnabled(True)
        self.party.textChanged.connect(lambda _t: self.changed.emit())
        self.state = QComboBox()
        self.state.setAccessibleName(self.tr("State"))
        state_labels = {
            "any": self.tr("State: any"),
            "delivered": self.tr("Delivered, not accepted yet"),
            "accepted": self.tr("Accepted"),
            "fiction": self.tr("Accepted by fiction"),
            "undeliverable": self.tr("Undeliverable"),
            "deleted": self.tr("Content deleted"),
        }
        for key, statuses in STATE_CHOICES:
            self.state.addItem(state_labels[key], statuses)
        self.verdict = QComboBox()
        self.verdict.setAccessibleName(self.tr("Verification"))
        verdict_labels = {
            "any": self.tr("Verification: any"),
            "trusted": self.tr("Signature valid"),
            "expiring": self.tr("Timestamp expiring"),
            "problem": self.tr("Signature not trusted or invalid"),
            "unverified": self.tr("Not verified (not downloaded)"),
        }
        for key, verdicts in VERDICT_CHOICES:
            self.verdict.addItem(verdict_labels[key], verdicts)
        self.attachments = QComboBox()
        self.attachments.setAccessibleName(self.tr("Attachments"))
        self.attachments.addItem(self.tr("Attachments: any"), None)
        self.attachments.addItem(self.tr("With attachments"), True)
        self.attachments.addItem(self.tr("Without attachments"), False)
        self.tag = QComboBox()
        self.tag.setAccessibleName(self.tr("Tag"))
        self.tag.addItem(self.tr("Tag: any"), None)
        for combo in (self.state, self.verdict, self.attachments):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.tag.currentIndexChanged.connect(
            lambda _i: self.tag_chosen.emit(self.tag.currentData()))
        self.reset = QPushButton(self.tr("Clear filters"))
        self.reset.setAccessibleName(self.tr("Clear filters"))
        self.reset.clicked.connect(self.clear)

        # Narrow combos (the full text is in the popup and the tooltip): the bar must not
        # make the window wider than a laptop screen.
        for combo in (self.state, self.verdict, self.attachments, self.tag):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(9)
            combo.currentTextChanged.connect(combo.setToolTip)
        self.party.setMinimumWidth(90)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        widgets: tuple[QWidget, ...] = (self.use_from, self.date_from, self.use_to,
                                        self.date_to)
        for w in widgets:
            lay.addWidget(w)
        lay.addWidget(self.party, 1)
        widgets = (self.state, self.verdict, self.attachments, self.tag, self.reset)
        for w in widgets:
            lay.addWidget(w)

    def _date_changed(self, check: QCheckBox) -> None:
        if check.isChecked():
            self.changed.emit()

    # -- state --------------------------------------------------------------------------

    def set_tags(self, tags: dict[int, tuple[str, str]], current: int | None) -> None:
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem(self.tr("Tag: any"), None)
        for tag_id, (name, _color) in sorted(tags.items(), key=lambda kv: kv[1][0]):
            self.tag.addItem(name, tag_id)
        self.set_tag(current)
        self.tag.blockSignals(False)

    def set_tag(self, tag_id: int | None) -> None:
        """Follow the tag list (no signal: the window already reloads)."""
        i = self.tag.findData(tag_id)
        was = self.tag.blockSignals(True)
        self.tag.setCurrentIndex(max(i, 0))
        self.tag.blockSignals(was)

    def is_active(self) -> bool:
        return bool(self.use_from.isChecked() or self.use_to.isChecked()
                    or self.party.text().strip() or self.state.currentIndex() > 0
                    or self.verdict.currentIndex() > 0 or self.attachments.currentIndex() > 0
                    or self.tag.currentIndex() > 0)

    def clear(self) -> None:
        widgets = (self.use_from, self.use_to, self.party, self.state, self.verdict,
                   self.attachments, self.tag)
        for w in widgets:
            w.blockSignals(True)
        self.use_from.setChecked(False)
        self.use_to.setChecked(False)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)
        self.party.clear()
        for combo in (self.state, self.verdict, self.attachments, self.tag):
            combo.setCurrentIndex(0)
        for w in widgets:
            w.blockSignals(False)
        self.tag_chosen.emit(None)
        self.changed.emit()

    def apply(self, flt: MessageFilter) -> MessageFilter:
        """``flt`` (the folder's filter) narrowed by the bar: a date range intersects the
        folder's (e.g. "last 90 days"); days are the clerk's local days."""
        since, until = flt.since, flt.until
        if self.use_from.isChecked():
            start = _local(self.date_from.date(), 0)
            since = start if since is None else max(since, start)
        if self.use_to.isChecked():
            end = _local(self.date_to.date(), 1)
            until = end if until is None else min(until, end)
        return dataclasses.replace(
            flt, since=since, until=until,
            party=self.party.text().strip() or None,
            statuses=tuple(self.state.currentData() or ()),
            verdicts=tuple(self.verdict.currentData() or ()),
            has_attachments=self.attachments.currentData(),
        )


def _local(day: QDate, plus_days: int) -> datetime:
    d = datetime(day.year(), day.month(), day.day()).date() + timedelta(days=plus_days)
    return datetime.combine(d, time()).astimezone()
