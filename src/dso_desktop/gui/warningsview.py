"""How a warning from the services reads in the warnings panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from dso_desktop.domain import WarningKind
from dso_desktop.gui import i18n

if TYPE_CHECKING:
    from dso_desktop.services.types import ArchiveWarning

translate = QCoreApplication.translate


def kind_label(kind: str) -> str:
    labels: dict[str, str] = {
        WarningKind.PASSWORD_EXPIRY: translate("Warnings", "Password"),
        WarningKind.TIMESTAMP_EXPIRY: translate("Warnings", "Timestamp"),
        WarningKind.DELETION: translate("Warnings", "Deletion from ISDS"),
        WarningKind.FICTION: translate("Warnings", "Acceptance by fiction"),
        WarningKind.UNTRUSTED_EVIDENCE: translate("Warnings", "Untrusted signature"),
        WarningKind.EVIDENCE_CONFLICT: translate("Warnings", "Conflicting copy"),
        WarningKind.QUARANTINED: translate("Warnings", "Quarantine"),
        WarningKind.SEND_UNKNOWN: translate("Warnings", "Sending not confirmed"),
    }
    return labels.get(kind, kind)


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
