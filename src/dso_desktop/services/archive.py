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


class ZfoService:
    def __init__(self, db: Database, trust: Callable[[], Any]) -> None:
        self._db = db
        self._trust = trust

    def open_file(self, path: Path, now: datetime | None = None) -> ZfoView:
        from dso_desktop.zfo import parse_zfo, verify_zfo

        data = Path(path).read_bytes()
        parsed = parse_zfo(data)
        verdict = verify_zfo(parsed, self._trust(), now=now)
        with self._db.read() as s:
            in_archive = MessageRepo(s).id_by_zfo_sha(sha256_hex(data))
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
        trust = self._trust()
        items: list[ImportItem] = []
        for path in iter_zfo_files(paths):
            try:
                if path.stat().st_size > MAX_ZFO_BYTES:
                    raise IngestError("file too large for a ZFO")
                data = path.read_bytes()
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


class IntegrityService:
    def __init__(self, db: Database, trust: Callable[[], Any]) -> None:
        self._db = db
        self._trust = trust

    def check(self, now: datetime | None = None,
              progress: Callable[[int, int], None] | None = None) -> IntegrityReport:
        """Re-verify every stored ZFO and its checksum; report, never modify the evidence."""
        from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

        db_problems = self._db.integrity_check()
        trust = self._trust()
        problems: list[IntegrityProblem] = []
        with self._db.read() as s:
            ids = list(MessageRepo(s).iter_zfo_ids())
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
            verdict = verify_zfo(parsed, trust, now=now)
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
                dv = verify_zfo(di[0], trust, now=now)
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
