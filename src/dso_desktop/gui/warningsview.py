"""How a warning from the services reads in the warnings panel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from dso_desktop.gui import fmt, i18n

translate = QCoreApplication.translate


def kind_label(kind: str) -> str:
    labels = {
        "password-expiry": translate("Warnings", "Password"),
        "timestamp-expiry": translate("Warnings", "Timestamp"),
        "deletion": translate("Warnings", "Deletion from ISDS"),
        "not-downloaded": translate("Warnings", "Not downloaded"),
        "fiction": translate("Warnings", "Acceptance by fiction"),
        "untrusted-evidence": translate("Warnings", "Untrusted signature"),
        "evidence-conflict": translate("Warnings", "Conflicting copy"),
        "quarantined": translate("Warnings", "Quarantine"),
        "send-unknown": translate("Warnings", "Sending not confirmed"),
    }
    return labels.get(kind, kind)


def warning_text(w: Any) -> str:
    """'Kind: sentence' in the current language (the services word the sentence)."""
    if i18n.current() == "en":
        text = fmt.field(w, "text_en", "text_cs", default="")
    else:
        text = fmt.field(w, "text_cs", "text_en", default="")
    kind = str(fmt.field(w, "kind", default=""))
    return f"{kind_label(kind)}: {text}" if kind else str(text)


def warning_color(w: Any) -> str:
    """Red when the deadline has passed or is within three days, amber otherwise."""
    from datetime import UTC, datetime, timedelta

    due = fmt.field(w, "due")
    if isinstance(due, datetime):
        if due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        if due <= datetime.now(UTC) + timedelta(days=3):
            return "#c62828"
    return "#8a5300"


def update_problem_text(problem: Any) -> str:
    """'Aktualizace: cause' for a failed update check (Czech first, see gui.updates)."""
    from dso_desktop.gui.updates import problem_text

    label = translate("Warnings", "Updates")
    return f"{label}: {problem_text(problem)}"
