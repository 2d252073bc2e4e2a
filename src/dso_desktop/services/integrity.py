"""The integrity check of the archive: every stored ZFO verified again, in its account's scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dso_desktop.services.types import (
    IntegrityProblem,
    IntegrityReport,
)
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, sha256_hex


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
