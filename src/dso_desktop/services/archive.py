"""ZFO files (open, import) and the integrity check of the archive."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dso_desktop.services.types import (
    AttachmentInfo,
    ImportItem,
    ImportSummary,
    IntegrityProblem,
    IntegrityReport,
    ZfoView,
)
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, sha256_hex
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.ingest import IngestError, import_zfo

log = logging.getLogger(__name__)
MAX_ZFO_BYTES = 2_000_000_000


def iter_zfo_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The .zfo files among ``paths``; folders are walked (symlinks not followed)."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and not child.is_symlink() and \
                        child.suffix.lower() == ".zfo":
                    yield child
        else:
            yield p


def scope_store(trust: Callable[..., Any], parsed: Any, by_box: dict[str, int],
                account_id: int | None = None, account_box_id: str | None = None,
                attaches_to: Iterable[int | None] = ()) -> Any:
    """The trust store for a ZFO that did not come from an account's own sync.

    An account's CA (test environment, simulator) may vouch only for that account's
    messages. So a ZFO is verified in an account's scope only when it will be that
    account's: a message is filed under ``account_id`` (the account the user chose; its
    box, when known, must be named in the ZFO) or else under the account of its own box
    (the sender's for a sent message, the recipient's otherwise, as `import_zfo` files it);
    a delivery info joins the stored messages of its dmID (``attaches_to``: their accounts,
    None = unassigned). Every known account the ZFO names, and every message it joins, must
    share that scope. Otherwise (a ZFO that would be unassigned, that also names a
    production account, or joins one's message) only the global anchors count.
    """
    env = parsed.envelope
    kind = str(getattr(parsed.kind, "value", parsed.kind))
    boxes = {b for b in (env.sender_box_id, env.recipient_box_id) if b}
    scopes: set[int | None] = {by_box[b] for b in boxes if b in by_box}
    scopes.update(attaches_to)
    if account_id is not None:
        if account_box_id and account_box_id not in boxes:
            return trust(None)
        scopes.add(account_id)
    elif kind != "delivery-info":
        own = env.sender_box_id if kind == "sent" else env.recipient_box_id
        owner = by_box.get(own or "")
        if owner is None:  # filed unassigned: no account vouches for it
            return trust(None)
        scopes.add(owner)
    if not scopes:
        return trust(None)
    stores = {id(st): st for st in (trust(a) for a in scopes)}
    if len(stores) == 1:
        return next(iter(stores.values()))
    return trust(None)


class ZfoService:
    def __init__(self, db: Database, trust: Callable[..., Any]) -> None:
        self._db = db
        self._trust = trust

    def _by_box(self) -> dict[str, int]:
        with self._db.read() as s:
            return {a.box_id: a.id for a in AccountRepo(s).list() if a.box_id}

    def open_file(self, path: Path, now: datetime | None = None) -> ZfoView:
        from dso_desktop.services.messages import message_accounts
        from dso_desktop.zfo import parse_zfo, verify_zfo

        data = Path(path).read_bytes()
        parsed = parse_zfo(data)
        with self._db.read() as s:
            in_archive = MessageRepo(s).id_by_zfo_sha(sha256_hex(data))
        if in_archive is not None:  # the same bytes are evidence of one of our messages
            trust = self._trust(message_accounts(self._db, [in_archive]).get(in_archive))
        else:
            trust = self._scope_for(parsed, self._by_box(), None, None)
        verdict = verify_zfo(parsed, trust, now=now)
        atts = tuple(
            AttachmentInfo(i, a.name, a.mime_type or "", str(getattr(a.role, "value", a.role)),
                           int(a.size))
            for i, a in enumerate(parsed.attachments)
        )
        return ZfoView(Path(path), parsed, verdict, atts, in_archive)

    def import_files(self, paths: Iterable[Path], account: str | None = None,
                     now: datetime | None = None) -> ImportSummary:
        """Import ZFO files and folders: verified first, duplicates recognised, none lost."""
        account_id = box_id = None
        by_box: dict[str, int] = {}
        with self._db.read() as s:
            if account is not None:
                rec = AccountRepo(s).get(account)
                account_id, box_id = rec.id, rec.box_id
            else:
                by_box = {a.box_id: a.id for a in AccountRepo(s).list() if a.box_id}
            all_boxes = {a.box_id: a.id for a in AccountRepo(s).list() if a.box_id}
        items: list[ImportItem] = []
        for path in iter_zfo_files(paths):
            try:
                if path.stat().st_size > MAX_ZFO_BYTES:
                    raise IngestError("file too large for a ZFO")
                data = path.read_bytes()
                trust = self._import_scope(data, all_boxes, account_id, box_id)
                r = import_zfo(self._db, trust, data, account_id=account_id,
                               account_box_id=box_id, now=now, accounts_by_box=by_box,
                               source_name=path.name)
                status = "imported" if r.status == "stored" else r.status
                items.append(ImportItem(str(path), status, r.message_id, r.dm_id, r.verdict,
                                        r.reason))
            except IngestError as exc:
                items.append(ImportItem(str(path), "invalid", reason=str(exc)))
            except OSError as exc:
                items.append(ImportItem(str(path), "error", reason=f"{type(exc).__name__}: "
                                        f"{exc.strerror or exc}"))
        return ImportSummary(tuple(items))

    def _import_scope(self, data: bytes, by_box: dict[str, int], account_id: int | None,
                      box_id: str | None) -> Any:
        """The scope to verify an imported file in (see `scope_store`); a file that does
        not parse gets the global one (the import refuses it anyway)."""
        from dso_desktop.zfo import ZfoError, parse_zfo

        try:
            parsed = parse_zfo(data)
        except ZfoError:
            return self._trust(None)
        return self._scope_for(parsed, by_box, account_id, box_id)

    def _scope_for(self, parsed: Any, by_box: dict[str, int], account_id: int | None,
                   box_id: str | None) -> Any:
        attaches_to: list[int | None] = []
        if str(getattr(parsed.kind, "value", parsed.kind)) == "delivery-info":
            from dso_desktop.services.messages import message_accounts

            with self._db.read() as s:
                targets = MessageRepo(s).ids_by_dm_id(parsed.envelope.message_id)
            owners = message_accounts(self._db, targets)
            attaches_to = [owners.get(t) for t in targets]
        return scope_store(self._trust, parsed, by_box, account_id, box_id, attaches_to)


class IntegrityService:
    def __init__(self, db: Database, trust: Callable[..., Any]) -> None:
        self._db = db
        self._trust = trust

    def check(self, now: datetime | None = None,
              progress: Callable[[int, int], None] | None = None) -> IntegrityReport:
        """Re-verify every stored ZFO and its checksum; report, never modify the evidence."""
        from dso_desktop.services.messages import message_accounts
        from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

        db_problems = self._db.integrity_check()
        problems: list[IntegrityProblem] = []
        with self._db.read() as s:
            ids = list(MessageRepo(s).iter_zfo_ids())
        # Each message is verified in its own account's trust scope (one store per account).
        owner = message_accounts(self._db, ids)
        scopes: dict[int | None, Any] = {}

        def trust_of(mid: int) -> Any:
            acc = owner.get(mid)
            if acc not in scopes:
                scopes[acc] = self._trust(acc)
            return scopes[acc]

        ok = 0
        for n, mid in enumerate(ids, 1):
            with self._db.read() as s:
                repo = MessageRepo(s)
                z = repo.zfo(mid)
                dm_id = repo.rows([mid])[0].dm_id
            if z is None:
                problems.append(IntegrityProblem(mid, dm_id, "missing-zfo", "no ZFO stored"))
                continue
            data, digest = z
            if sha256_hex(data) != digest:
                problems.append(IntegrityProblem(mid, dm_id, "checksum",
                                                 "stored bytes do not match their SHA-256"))
                continue
            try:
                parsed = parse_zfo(data)
            except ZfoError as exc:
                problems.append(IntegrityProblem(mid, dm_id, "unparsable", str(exc)))
                continue
            verdict = verify_zfo(parsed, trust_of(mid), now=now)
            kind = str(getattr(verdict.kind, "value", verdict.kind))
            if kind in ("invalid", "untrusted"):
                problems.append(IntegrityProblem(mid, dm_id, kind,
                                                 "; ".join(verdict.reasons) or kind))
            elif parsed.envelope.message_id != dm_id:
                problems.append(IntegrityProblem(mid, dm_id, "mismatch",
                                                 f"ZFO is message {parsed.envelope.message_id}"))
            else:
                ok += 1
            if progress is not None:
                progress(n, len(ids))
        # Delivery infos are evidence too: checksum and seal.
        with self._db.read() as s:
            di_ids = MessageRepo(s).delivery_info_ids()
        owner.update(message_accounts(self._db, [i for i in di_ids if i not in owner]))
        for mid in di_ids:
            with self._db.read() as s:
                repo = MessageRepo(s)
                di = repo.delivery_info_checked(mid)
                dm_id = repo.rows([mid])[0].dm_id
            if di is None:
                continue
            if sha256_hex(di[0]) != di[1]:
                problems.append(IntegrityProblem(mid, dm_id, "checksum",
                                                 "delivery info bytes do not match their "
                                                 "SHA-256"))
                continue
            try:
                dv = verify_zfo(di[0], trust_of(mid), now=now)
            except ZfoError as exc:
                problems.append(IntegrityProblem(mid, dm_id, "unparsable",
                                                 f"delivery info: {exc}"))
                continue
            dkind = str(getattr(dv.kind, "value", dv.kind))
            if dkind in ("invalid", "untrusted"):
                problems.append(IntegrityProblem(
                    mid, dm_id, dkind, "delivery info: " + ("; ".join(dv.reasons) or dkind)))
        # Other copies kept beside the evidence, and imported files kept in quarantine.
        with self._db.read() as s:
            repo = MessageRepo(s)
            copies = repo.evidence_copies()
            quarantined = repo.quarantined()
        for c in copies:
            what = "delivery info" if c.kind == "delivery-info" else "signed message"
            why = ("was the evidence until a trusted copy replaced it" if c.reason == "displaced"
                   else "arrived while another copy was the evidence")
            problems.append(IntegrityProblem(
                c.message_id, c.dm_id, "conflict-reviewed" if c.reviewed_at else "conflict",
                f"another {what} (SHA-256 {c.sha256[:16]}…, seal {c.verdict or 'unverified'}) "
                f"{why}; kept beside the evidence"))
        for q in quarantined:
            problems.append(IntegrityProblem(
                0, q.dm_id or "", "quarantined",
                f"imported file {q.source_name or '?'} (seal {q.verdict}: "
                f"{q.reasons or '-'}) is quarantined, not evidence"))
        with self._db.read() as s:
            from dso_desktop.store.records import MessageFilter

            missing = MessageRepo(s).ids(MessageFilter(downloaded=False), limit=10_000)
            for row in MessageRepo(s).rows(missing):
                problems.append(IntegrityProblem(row.id, row.dm_id, "missing-zfo",
                                                 "listed but not downloaded yet"))
        for p in db_problems:
            problems.append(IntegrityProblem(0, "", "database", p))
        return IntegrityReport(checked=len(ids), ok=ok, problems=tuple(problems),
                               database_ok=not db_problems)

    def mark_copies_reviewed(self) -> int:
        """Mark every conflicting copy kept now as reviewed (they stay in the archive and
        with their messages; the check lists them without failing). Returns how many."""
        with self._db.write() as s:
            repo = MessageRepo(s)
            return repo.mark_copies_reviewed([c.id for c in repo.evidence_copies(
                unreviewed=True)])
