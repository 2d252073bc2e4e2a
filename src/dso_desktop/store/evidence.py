"""Which signed copy is a message's evidence: the one rule both write paths follow.

The archive keeps one evidence copy per message (`message_zfos`) and per delivery info
(`delivery_infos`). Another copy of the same dmID can arrive at any time and in any order:
from ISDS (a sync, the archiving of a sent message) or from a file (`dso import`, the GUI
import). `decide` says what happens to it; `MessageRepo` (ORM) and `FastWriter` (the sync's
plain statements) both call it, so the two paths cannot drift apart. The rules for the
message row that go with a copy live here too, for the same reason: a message's state only
moves forward (`state_changes`), and the envelope of the copy that becomes the evidence wins
over what a list said (`signed_envelope_update`). Both paths are reached through
`store.writer.EvidenceWriter`, the store's one write API for evidence.

The promise: a copy whose seal is not trusted never displaces a trusted one, a file that is
not trusted never becomes evidence at all (it is quarantined), and a trusted copy always
displaces an untrusted one. A copy from ISDS itself (fetched over verified TLS for the
account) that does not verify as trusted is still kept as evidence when there is nothing
better: it is the only copy ISDS will ever give (it deletes messages after 90 days), it is
flagged by `dso check`, and the next sync fetches it again in case trust has been fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# One definition of "trusted" (`domain.TRUSTED_VERDICTS`), re-exported for the store.
from dso_desktop.domain import TRUSTED_VERDICTS as TRUSTED_VERDICTS
from dso_desktop.domain import VerdictKind, ZfoKind

NOT_TRUSTED_VERDICTS = (VerdictKind.UNTRUSTED, VerdictKind.INVALID)

MESSAGE = "message"
DELIVERY_INFO = ZfoKind.DELIVERY_INFO.value


def is_trusted(verdict: str | None) -> bool:
    """A verdict that makes a copy acceptable evidence (``None``: never verified: no)."""
    return verdict in TRUSTED_VERDICTS


class Action(StrEnum):
    STORE = "store"  # no evidence yet: this copy becomes it
    KEEP = "keep"  # the same copy (or the same signed content) is already the evidence
    REPLACE = "replace"  # this copy becomes the evidence; the old one is kept aside
    SUPERSEDE = "supersede"  # a newer trusted delivery info replaces the older trusted one
    CONFLICT = "conflict"  # the evidence stays; this copy is kept aside as conflicting
    QUARANTINE = "quarantine"  # an untrusted file: kept apart, attached to nothing
    REFUSE = "refuse"  # an invalid copy from ISDS: not stored, the message stays pending


# Why a copy sits in `evidence_copies`.
REASON_CONFLICT = "conflict"  # arrived while other evidence was in place
REASON_DISPLACED = "displaced"  # was the evidence until a better copy replaced it


@dataclass(frozen=True)
class CopyInfo:
    """What the rule needs to know about one copy."""

    sha256: str
    verdict: str | None
    content_sha256: str | None = None  # SHA-256 of the sealed message core (dmDm)


def same_content(a: CopyInfo, b: CopyInfo) -> bool:
    """Both copies seal the same XML (known for both, and equal)."""
    return a.content_sha256 is not None and a.content_sha256 == b.content_sha256


def decide(current: CopyInfo | None, new: CopyInfo, *, from_isds: bool,
           kind: str = MESSAGE) -> Action:
    """What to do with ``new`` given the evidence ``current`` (None: no evidence yet).

    ``from_isds``: the copy was fetched from ISDS for the account, not read from a file.
    ``kind``: ``MESSAGE`` or ``DELIVERY_INFO`` (a delivery info legitimately changes as the
    message's state moves on, so a newer trusted one supersedes the older trusted one).
    """
    trusted = is_trusted(new.verdict)
    if not trusted and not from_isds:
        return Action.QUARANTINE
    if new.verdict == VerdictKind.INVALID:
        return Action.REFUSE
    if current is None:
        return Action.STORE
    if current.sha256 == new.sha256:
        return Action.KEEP
    if trusted:
        if not is_trusted(current.verdict):
            return Action.REPLACE
        if kind == DELIVERY_INFO:
            return Action.SUPERSEDE
        return Action.KEEP if same_content(current, new) else Action.CONFLICT
    # An untrusted copy from ISDS.
    if is_trusted(current.verdict):
        return Action.KEEP if same_content(current, new) else Action.CONFLICT
    return Action.REPLACE  # ISDS's own copy beats an untrusted one of unknown origin


def verdict_rank(verdict: str | None) -> int:
    """Order of verdicts for refreshing the verdict of the same bytes (never downgrade a
    trusted one because another check, e.g. with a narrower trust store, said less)."""
    if is_trusted(verdict):
        return 2
    return 1 if verdict == VerdictKind.UNTRUSTED else 0


def needs_verdict_refresh(current: str | None, new: str | None) -> bool:
    """The same bytes again with another verdict: store it unless it says less (a check
    with a narrower trust store never downgrades a trusted verdict)."""
    return new != current and verdict_rank(new) >= verdict_rank(current)


# -- the message row ----------------------------------------------------------------------
# Columns an envelope may legitimately change after the first sight (the state moves on).
MUTABLE = ("status", "delivered_at", "accepted_at")


def _same(value: Any) -> Any:
    return value


def status_moves(old: Any, new: Any) -> bool:
    """A message status only moves forward: an older list page, delivery info or state
    change never undoes a newer state (ISDS's dmMessageStatus numbers grow with the
    message's life, 1 posted ... 9 content deleted)."""
    if new is None:
        return False
    return old is None or int(new) > int(old)


def state_changes(current: Mapping[str, Any], offered: Mapping[str, Any],
                  convert: Callable[[Any], Any] = _same) -> dict[str, Any]:
    """The `MUTABLE` columns that an envelope seen again (a list entry, a delivery info)
    changes: a status only moves forward (an older list page or delivery info never undoes
    a newer state), and an unknown (None) value never erases a known one.

    ``current``: the stored values; ``offered``: the envelope's columns; ``convert`` turns
    an offered time into the stored form (the plain-statement path compares raw values).
    """
    changes: dict[str, Any] = {}
    for name in MUTABLE:
        new = offered[name]
        if new is None:
            continue
        if name == "status":
            if status_moves(current["status"], new):
                changes[name] = new
            continue
        value = convert(new)
        if value != current[name]:
            changes[name] = value
    return changes


def signed_envelope_update(offered: Mapping[str, Any], stored_big: bool,
                           stored_status: Any = None, *, displaces: bool = False
                           ) -> dict[str, Any]:
    """The columns a copy that becomes the evidence writes: the signed envelope is
    authoritative, except that it never blanks a state a list entry already knew (a
    `MUTABLE` column it leaves empty), "big message" stays once any source said so, and the
    status only moves forward: a copy signed earlier in the message's life (an old ZFO
    imported after the list said "accepted") does not take it back.

    ``displaces``: the copy replaces evidence that was not trusted; what that copy said
    about the state is no knowledge at all, so the signed envelope's status stands."""
    cols = {name: value for name, value in offered.items()
            if not (name in MUTABLE and value is None)}
    if "status" in cols and not displaces and stored_status is not None \
            and not status_moves(stored_status, cols["status"]):
        del cols["status"]
    cols["big_message"] = bool(stored_big) or bool(offered.get("big_message"))
    return cols
