"""Display text for domain values: statuses, verdicts, dates, sizes (translatable)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from dso_desktop.domain import MessageStatus, VerdictKind

if TYPE_CHECKING:
    from dso_desktop.services.types import VerdictView
    from dso_desktop.zfo.verify import Verdict

translate = QCoreApplication.translate


def status_text(status: int | None) -> str:
    """Plain words for dmMessageStatus 1-10 (ISDS terms as users know them)."""
    if status is None:
        return ""
    try:
        st = MessageStatus(status)
    except ValueError:
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


def box_type_text(code: str | None) -> str:
    """A data-box type (dbType) in the words a clerk knows, not the code: OVM_EXEKUT ->
    "Soudní exekutor" (every type of the XSD's tDbType; an unknown code is shown as is)."""
    if not code:
        return ""
    names = {
        "SYSTEM": translate("Format", "System box"),
        "OVM": translate("Format", "Public authority"),
        "OVM_NOTAR": translate("Format", "Notary"),
        "OVM_EXEKUT": translate("Format", "Court executor"),
        "OVM_REQ": translate("Format", "Public authority (on request)"),
        "OVM_FO": translate("Format", "Natural person acting as a public authority"),
        "OVM_PFO": translate("Format", "Self-employed person acting as a public authority"),
        "OVM_PO": translate("Format", "Legal person acting as a public authority"),
        "PO": translate("Format", "Legal person"),
        "PO_ZAK": translate("Format", "Legal person established by law"),
        "PO_REQ": translate("Format", "Legal person (on request)"),
        "PFO": translate("Format", "Self-employed person"),
        "PFO_ADVOK": translate("Format", "Attorney"),
        "PFO_DANPOR": translate("Format", "Tax advisor"),
        "PFO_INSSPR": translate("Format", "Insolvency administrator"),
        "PFO_AUDITOR": translate("Format", "Statutory auditor"),
        "PFO_ZNALEC": translate("Format", "Court expert"),
        "PFO_TLUMOCNIK": translate("Format", "Court interpreter"),
        "PFO_ARCH": translate("Format", "Chartered architect"),
        "PFO_AIAT": translate("Format", "Chartered engineer or technician in construction"),
        "PFO_AZI": translate("Format", "Chartered surveyor"),
        "PFO_REQ": translate("Format", "Self-employed person (on request)"),
        "FO": translate("Format", "Natural person"),
    }
    return names.get(code.strip().upper(), code)


VERDICT_KINDS = tuple(VerdictKind)


def verdict_kind(verdict: VerdictView | Verdict | str | None) -> str | None:
    """The verdict kind as a plain string, from a verdict (fresh or stored) or a stored
    kind; None for no verdict or an unknown kind."""
    if verdict is None:
        return None
    kind = verdict if isinstance(verdict, str) else verdict.kind
    text = str(kind)  # VerdictKind is a StrEnum: its str() is its value
    return text if text in VERDICT_KINDS else None


def verdict_text(kind: str | None) -> str:
    """One short sentence a clerk understands."""
    texts: dict[str, str] = {
        VerdictKind.VALID: translate(
            "Format", "Signature valid: the message is authentic and unchanged."),
        VerdictKind.EXPIRING: translate(
            "Format", "Signature valid, but the timestamp expires soon."),
        VerdictKind.VALID_AT_SIGNING: translate(
            "Format", "Signature was valid when the message was signed."),
        VerdictKind.UNTRUSTED: translate(
            "Format", "Signature is intact but from an untrusted authority."),
        VerdictKind.INVALID: translate(
            "Format", "Signature INVALID: the message may have been altered."),
    }
    if kind is None:
        return translate("Format", "Not verified yet.")
    return texts.get(kind, translate("Format", "Not verified yet."))


def reasons_text(reasons: Iterable[str]) -> str:
    """The verdict's reasons as sentences one after another (each ends with its full stop)."""
    out = []
    for r in reasons:
        r = str(r).strip()
        if r:
            out.append(r if r[-1] in ".!?" else r + ".")
    return " ".join(out)


def verdict_short(kind: str | None) -> str:
    texts: dict[str, str] = {
        VerdictKind.VALID: translate("Format", "Valid"),
        VerdictKind.EXPIRING: translate("Format", "Expiring"),
        VerdictKind.VALID_AT_SIGNING: translate("Format", "Valid at signing"),
        VerdictKind.UNTRUSTED: translate("Format", "Untrusted"),
        VerdictKind.INVALID: translate("Format", "Invalid"),
    }
    return texts.get(kind or "", translate("Format", "Not verified"))


def verdict_color(kind: str | None) -> str:
    colors: dict[str, str] = {
        VerdictKind.VALID: "#2e7d32",
        VerdictKind.EXPIRING: "#ef6c00",
        VerdictKind.VALID_AT_SIGNING: "#558b2f",
        VerdictKind.UNTRUSTED: "#ef6c00",
        VerdictKind.INVALID: "#c62828",
    }
    return colors.get(kind or "", "#757575")


VERDICT_SYMBOLS: dict[str, str] = {
    VerdictKind.VALID: "✔",
    VerdictKind.EXPIRING: "⚠",
    VerdictKind.VALID_AT_SIGNING: "✔",
    VerdictKind.UNTRUSTED: "⚠",
    VerdictKind.INVALID: "✖",
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


def when(value: datetime | str | None) -> str:
    """Local date and time; a stored ISO string is parsed, other text is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        at = value
    if at.tzinfo is not None:
        at = at.astimezone()
    return at.strftime("%d.%m.%Y %H:%M")


def size(n: int | None) -> str:
    if n is None:
        return ""
    b = n
    if b < 1024:
        return f"{b} B"
    if b < 1024 * 1024:
        return f"{b / 1024:.0f} kB"
    return f"{b / 1024 / 1024:.1f} MB"

