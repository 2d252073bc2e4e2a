"""Putting a signed ZFO into the archive: parse, verify, index and store in one transaction."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dso_desktop.domain import Direction
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for, sha256_hex
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.textextract import attachment_text


class IngestError(Exception):
    """The ZFO cannot be stored (unparsable, or its signature is invalid)."""


@dataclass(frozen=True)
class IngestResult:
    status: str  # stored | duplicate | delivery-info
    message_id: int | None
    dm_id: str
    verdict: str | None
    direction: Direction | None = None


def verdict_info(verdict: Any) -> VerdictInfo:
    kind = getattr(verdict.kind, "value", verdict.kind)
    payload = verdict.to_json() if hasattr(verdict, "to_json") else None
    return VerdictInfo(
        kind=str(kind),
        checked_at=verdict.checked_at,
        json=json.dumps(payload, ensure_ascii=False, default=str) if payload is not None else None,
        timestamp_expires=getattr(verdict, "timestamp_expires", None),
    )


def zfo_kind(zfo: Any) -> str:
    return str(getattr(zfo.kind, "value", zfo.kind))


def _attachment_texts(zfo: Any) -> list[tuple[str, str]]:
    out = []
    for att in zfo.attachments:
        try:
            body = attachment_text(att.name, att.content())
        except Exception:  # a strange attachment must not stop archiving the evidence
            body = ""
        out.append((att.name, body))
    return out


def parse_and_verify(data: bytes, trust: Any, *, now: datetime | None = None) -> tuple[Any, Any]:
    """Parse and verify a ZFO; raises IngestError for garbage."""
    from dso_desktop import zfo as zfo_mod

    try:
        parsed = zfo_mod.parse_zfo(data)
    except zfo_mod.ZfoError as exc:
        raise IngestError(f"not a readable ZFO: {exc}") from exc
    verdict = zfo_mod.verify_zfo(parsed, trust, now=now)
    return parsed, verdict


def store_message_zfo(
    db: Database,
    data: bytes,
    parsed: Any,
    verdict: Any,
    *,
    account_id: int | None,
    direction: Direction,
    source: str,
    big_message: bool = False,
) -> IngestResult:
    """Store a parsed, verified message ZFO; idempotent by (account, direction, dmID).

    ``big_message``: it came through the big-message (VoDZ) operations, whatever the
    envelope inside says.
    """
    env = parsed.envelope
    if big_message and not env.big_message:
        env = dataclasses.replace(env, big_message=True)
    texts = _attachment_texts(parsed)
    info = verdict_info(verdict) if verdict is not None else None
    with db.write() as s:
        repo = MessageRepo(s)
        existing = repo.get_id(account_id, direction, env.message_id)
        if existing is not None and repo.zfo(existing) is not None:
            return IngestResult("duplicate", existing, env.message_id,
                                info.kind if info else None, direction)
        up = repo.upsert_envelope(account_id, direction, env, source=source)
        if not repo.attach_zfo(up.id, data, env, search_text_for(env, texts),
                               len(parsed.attachments), info):
            # an imported copy the account has just adopted already holds its ZFO
            return IngestResult("duplicate", up.id, env.message_id,
                                info.kind if info else None, direction)
        if parsed.events:
            repo.add_events(up.id, parsed.events)
        return IngestResult("stored", up.id, env.message_id, info.kind if info else None,
                            direction)


def store_delivery_info(
    db: Database, message_id: int, data: bytes, parsed: Any, verdict: Any
) -> bool:
    """Keep a signed delivery info with its events; moves the message status on."""
    kind = str(getattr(verdict.kind, "value", verdict.kind)) if verdict is not None else None
    with db.write() as s:
        repo = MessageRepo(s)
        repo.update_state(message_id, parsed.envelope)
        repo.add_events(message_id, parsed.events)
        s.flush()
        return repo.store_delivery_info(message_id, data, kind)


def import_zfo(
    db: Database,
    trust: Any,
    data: bytes,
    *,
    account_id: int | None,
    account_box_id: str | None,
    now: datetime | None = None,
    accounts_by_box: dict[str, int] | None = None,
) -> IngestResult:
    """Import one ZFO file: verified first, duplicates recognised by content and by dmID.

    Without an explicit account, a message to or from the box of a known account is filed
    under that account (``accounts_by_box``: box id -> account id).
    """
    with db.read() as s:
        dup = MessageRepo(s).id_by_zfo_sha(sha256_hex(data))
    parsed, verdict = parse_and_verify(data, trust, now=now)
    kind = zfo_kind(parsed)
    vkind = str(getattr(verdict.kind, "value", verdict.kind))
    if vkind == "invalid":
        reasons = "; ".join(getattr(verdict, "reasons", ()) or ()) or "signature invalid"
        raise IngestError(f"the signature does not verify: {reasons}")
    dm_id = parsed.envelope.message_id
    if dup is not None:
        return IngestResult("duplicate", dup, dm_id, vkind)
    if kind == "delivery-info":
        with db.read() as s:
            targets = MessageRepo(s).ids_by_dm_id(dm_id)
        if not targets:
            raise IngestError(f"delivery info of message {dm_id}, which is not in the archive")
        changed = [store_delivery_info(db, mid, data, parsed, verdict) for mid in targets]
        return IngestResult("delivery-info" if any(changed) else "duplicate", targets[0],
                            dm_id, vkind)
    direction = Direction.SENT if kind == "sent" else Direction.RECEIVED
    if account_box_id:
        if parsed.envelope.sender_box_id == account_box_id:
            direction = Direction.SENT
        elif parsed.envelope.recipient_box_id == account_box_id:
            direction = Direction.RECEIVED
    if account_id is None and accounts_by_box:
        own = (parsed.envelope.sender_box_id if direction is Direction.SENT
               else parsed.envelope.recipient_box_id)
        account_id = accounts_by_box.get(own or "")
    with db.read() as s:
        same = MessageRepo(s).ids_by_dm_id(dm_id, direction)
    if same:
        return IngestResult("duplicate", same[0], dm_id, vkind, direction)
    return store_message_zfo(db, data, parsed, verdict, account_id=account_id,
                             direction=direction, source="import")
