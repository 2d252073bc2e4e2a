"""How a warning from the services reads in the warnings panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from dso_desktop.domain import WarningKind, text
from dso_desktop.gui import i18n

if TYPE_CHECKING:
    from dso_desktop.services.types import ArchiveWarning

translate = QCoreApplication.translate


def kind_label(kind: str) -> str:
    """The warning kind's label from the shared vocabulary (`domain.TEXTS`), in the UI
    language."""
    try:
        member = WarningKind(kind)
    except ValueError:
        return kind
    return text(member, i18n.current())


def warning_text(w: ArchiveWarning) -> str:
    """'Kind: sentence' in the current language (the services word the sentence)."""
    text = w.text_en if i18n.current() == "en" else w.text_cs
    kind = str(w.kind)
    return f"{kind_label(kind)}: {text}" if kind else text


def warning_color(w: ArchiveWarning) -> str:
    """Red when the deadline has passed or is within three days, amber otherwise."""
    from datetime import UTC, datetime, timedelta

    due = w.due
    if due is not None:
        if due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        if due <= datetime.now(UTC) + timedelta(days=3):
            return "#c62828"
    return "#8a5300"


def update_problem_text(problem: dict[str, Any] | None) -> str:
    """'Aktualizace: cause' for a failed update check (Czech first, see gui.updates)."""
    from dso_desktop.gui.updates import problem_text

    label = translate("Warnings", "Updates")
    return f"{label}: {problem_text(problem)}"
