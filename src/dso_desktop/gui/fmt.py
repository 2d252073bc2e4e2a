"""Display text for domain values: statuses, verdicts, dates, sizes (translatable)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication

from dso_desktop.domain import MessageStatus

translate = QCoreApplication.translate


def status_text(status: Any) -> str:
    """Plain words for dmMessageStatus 1-10 (ISDS terms as users know them)."""
    try:
        st = MessageStatus(int(status))
    except (TypeError, ValueError):
        return ""
    names = {
        MessageStatus.POSTED: translate("Format", "Posted"),
        MessageStatus.STAMPED: translate("Format", "Timestamped"),
        MessageStatus.INFECTED_REMOVED: translate("Format", "Infected attachment removed"),
        MessageStatus.DELIVERED: translate("Format", "Delivered to the box"),
        MessageStatus.ACCEPTED_BY_FICTION: translate("Format", "Accepted by fiction"),
        MessageStatus.ACCEPTED_BY_LOGIN: translate("Format", "Accepted by login"),
        MessageStatus.READ: translate("Format", "Read"),
        MessageStatus.UNDELIVERABLE: translate("Format", "Undeliverable"),
        MessageStatus.CONTENT_DELETED: translate("Format", "Content deleted"),
        MessageStatus.IN_VAULT: translate("Format", "In the data vault"),
    }
    return names[st]


VERDICT_KINDS = ("valid", "expiring", "valid-at-signing", "untrusted", "invalid")


def verdict_kind(verdict: Any) -> str | None:
    """The verdict kind as a plain string, from a Verdict, its kind, or a stored string."""
    if verdict is None:
        return None
    kind = getattr(verdict, "kind", verdict)
    value = getattr(kind, "value", kind)
    text = str(value) if value is not None else None
    return text if text in VERDICT_KINDS else None


def verdict_text(kind: str | None) -> str:
    """One short sentence a clerk understands."""
    texts = {
        "valid": translate("Format", "Signature valid: the message is authentic and unchanged."),
        "expiring": translate("Format", "Signature valid, but the timestamp expires soon."),
        "valid-at-signing": translate("Format", "Signature was valid when the message was signed."),
        "untrusted": translate("Format", "Signature is intact but from an untrusted authority."),
        "invalid": translate("Format", "Signature INVALID: the message may have been altered."),
    }
    if kind is None:
        return translate("Format", "Not verified yet.")
    return texts.get(kind, translate("Format", "Not verified yet."))


def verdict_short(kind: str | None) -> str:
    texts = {
        "valid": translate("Format", "Valid"),
        "expiring": translate("Format", "Expiring"),
        "valid-at-signing": translate("Format", "Valid at signing"),
        "untrusted": translate("Format", "Untrusted"),
        "invalid": translate("Format", "Invalid"),
    }
    return texts.get(kind or "", translate("Format", "Not verified"))


def verdict_color(kind: str | None) -> str:
    return {
        "valid": "#2e7d32",
        "expiring": "#ef6c00",
        "valid-at-signing": "#558b2f",
        "untrusted": "#ef6c00",
        "invalid": "#c62828",
    }.get(kind or "", "#757575")


VERDICT_SYMBOLS = {
    "valid": "✔",
    "expiring": "⚠",
    "valid-at-signing": "✔",
    "untrusted": "⚠",
    "invalid": "✖",
}


def verdict_symbol(kind: str | None) -> str:
    return VERDICT_SYMBOLS.get(kind or "", "?")


def verdict_style(color: str) -> str:
    """A label style: a bar in the verdict colour on a light tint of it."""
    c = color.lstrip("#")
    r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    return (
        f"QLabel {{ border-left: 4px solid {color}; padding: 5px 8px;"
        f" background: rgba({r}, {g}, {b}, 28); }}"
    )


def when(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone()
        return value.strftime("%d.%m.%Y %H:%M")
    return str(value)


def size(n: Any) -> str:
    try:
        b = int(n)
    except (TypeError, ValueError):
        return ""
    if b < 1024:
        return f"{b} B"
    if b < 1024 * 1024:
        return f"{b / 1024:.0f} kB"
    return f"{b / 1024 / 1024:.1f} MB"


def field(obj: Any, *names: str, default: Any = None) -> Any:
    """First present, non-None attribute (or mapping key) of ``names`` on ``obj``."""
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def build(cls: Any, **values: Any) -> Any:
    """Construct a dataclass from the values it has fields for (others are dropped)."""
    if dataclasses.is_dataclass(cls):
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in values.items() if k in names}
    return cls(**values)
