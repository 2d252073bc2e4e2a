"""The watch's remedies: restamping (Re-signISDSDocument, else an RFC 3161 archive
timestamp) and online verification (AuthenticateMessage), each result kept in the archive.

The original ZFO is never touched: a re-sealed ZFO or an archive timestamp is a new
evidence version (`store.versions`), verified before it is kept, and the message's
evidence horizon follows it (so the watch moves the due date).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from dso_desktop.domain import TRUSTED_VERDICTS, EvidenceVersionKind, VerdictKind
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.models import Account, Message
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.timeutil import to_db
from dso_desktop.store.versions import (
    ORIGINAL,
    EvidenceVersionRecord,
    EvidenceVersionRepo,
    OnlineCheckRecord,
)

log = logging.getLogger(__name__)


class RemedyError(DsoError):
    """A remedy could not be applied to a message (nothing was changed)."""

    kind = ErrorKind.REMEDY

    def __init__(self, message: str, message_cs: str | None = None) -> None:
        super().__init__(message)
        if message_cs is not None:
            self.message_cs = message_cs


@dataclass(frozen=True)
class RemedyOutcome:
    """What restamping one message did."""

    message_id: int
    dm_id: str
    account: str | None
    ok: bool
    kind: EvidenceVersionKind | None = None  # the version added
    version: int | None = None
    evidence_expires: datetime | None = None
    error: str | None = None  # English
    error_cs: str | None = None
    isds_refused: str | None = None  # why ISDS did not re-seal (then a TSA stamped it)

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "dm_id": self.dm_id, "account": self.account,
                "ok": self.ok, "kind": self.kind.value if self.kind else None,
                "version": self.version,
                "evidence_expires": (self.evidence_expires.isoformat()
                                     if self.evidence_expires else None),
                "error": self.error, "isds_refused": self.isds_refused}


@dataclass(frozen=True)
class VersionCheck:
    """The verifier's answer about one evidence version (the detail shows all)."""

    version: int
    kind: EvidenceVersionKind | None  # None: the original
    ok: bool
    verdict: str | None
    reasons: tuple[str, ...]
    reasons_cs: tuple[str, ...]
    evidence_expires: datetime | None
    created_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "kind": self.kind.value if self.kind else "original",
                "ok": self.ok, "verdict": self.verdict, "reasons": list(self.reasons),
                "evidence_expires": (self.evidence_expires.isoformat()
                                     if self.evidence_expires else None),
                "created_at": self.created_at.isoformat() if self.created_at else None}


Progress = Callable[[int, int, str], None]  # (done, total, dmID)


class RemedyService:
    def __init__(self, db: Database, accounts: Any, trust: Callable[..., Any],
                 settings: Callable[[], Settings], net_config: Callable[[], Any]) -> None:
        self._db = db
        self._accounts = accounts
        self._trust = trust
        self._settings = settings
        self._net_config = net_config

    # -- what to restamp ------------------------------------------------------------------
    def candidates(self, within_days: int | None = None, now: datetime | None = None
                   ) -> list[int]:
        """Messages whose evidence stops being verifiable within ``within_days`` (the
        setting `restamp_within_days` by default), soonest first."""
        now = now or datetime.now(UTC)
        days = self._settings().restamp_within_days if within_days is None else within_days
        with self._db.read() as s:
            return list(s.scalars(select(Message.id).where(
                Message.evidence_expires.is_not(None),
                Message.evidence_expires <= to_db(now + timedelta(days=days)),
            ).order_by(Message.evidence_expires, Message.id)))

    def find(self, dm_id: str) -> list[int]:
        with self._db.read() as s:
            return list(s.scalars(select(Message.id).where(Message.dm_id == dm_id)
                                  .order_by(Message.id)))

    # -- restamping -----------------------------------------------------------------------
    def restamp(self, message_ids: Sequence[int], *, progress: Progress | None = None,
                cancel: threading.Event | None = None, password: str | None = None,
                now: datetime | None = None) -> list[RemedyOutcome]:
        """Renew the evidence of each message, one by one: ISDS re-seals it; where ISDS
        cannot (refusal, no account, a copy ISDS did not issue) the configured TSA stamps
        it. One login per account. A cancel stops before the next message; what was
        done stays done. An outcome per message handled."""
        info = self._message_info(message_ids)
        total = len(message_ids)
        out: list[RemedyOutcome] = []
        clients: dict[str, Any] = {}
        try:
            for n, mid in enumerate(message_ids):
                if cancel is not None and cancel.is_set():
                    break
                dm_id, account, account_id = info.get(mid, ("?", None, None))
                out.append(self._restamp_one(mid, dm_id, account, account_id, clients,
                                             password, cancel, now))
                if progress is not None:
                    progress(n + 1, total, dm_id)
        finally:
            for client in clients.values():
                try:
                    client.close()
                except Exception:  # logging out is a courtesy; the work is stored
                    log.debug("logout after restamping failed", exc_info=True)
        return out

    def _restamp_one(self, mid: int, dm_id: str, account: str | None,
                     account_id: int | None, clients: dict[str, Any], password: str | None,
                     cancel: threading.Event | None, now: datetime | None) -> RemedyOutcome:
        from dso_desktop.isds.errors import IsdsError

        refused: str | None = None
        try:
            with self._db.read() as s:
                current = EvidenceVersionRepo(s).current_zfo(mid)
        except DsoError as exc:
            return RemedyOutcome(mid, dm_id, account, False, error=exc.message,
                                 error_cs=exc.message_cs)
        if account is None:
            refused = "the message belongs to no account"
        else:
            try:
                client = clients.get(account)
                if client is None:
                    client = self._accounts.client(account, password=password, cancel=cancel)
                    client.login()
                    clients[account] = client
                answer = client.re_sign_isds_document(current.data)
                if not answer.data:
                    raise RemedyError("ISDS returned no document")
                return self._keep_resigned(mid, dm_id, account, account_id, current.data,
                                           current.sha256, answer.data, now)
            except (IsdsError, RemedyError) as exc:
                refused = exc.message
            except DsoError as exc:  # e.g. the password is missing
                refused = exc.message
        if self._settings().tsa_url:
            try:
                rec = self.archive_timestamp(mid, now=now)
            except DsoError as exc:
                return RemedyOutcome(mid, dm_id, account, False, error=exc.message,
                                     error_cs=exc.message_cs, isds_refused=refused)
            return RemedyOutcome(mid, dm_id, account, True, rec.kind, rec.version,
                                 rec.evidence_expires, isds_refused=refused)
        return RemedyOutcome(
            mid, dm_id, account, False, isds_refused=refused,
            error=f"ISDS did not re-seal the message ({refused}) and no TSA is configured "
                  "for an archive timestamp",
            error_cs="ISDS zprávu znovu nezapečetilo a pro archivní časové razítko není "
                     "nastavena autorita časových razítek.")

    def _keep_resigned(self, mid: int, dm_id: str, account: str | None,
                       account_id: int | None, old: bytes, old_sha: str, new: bytes,
                       now: datetime | None) -> RemedyOutcome:
        from dso_desktop.sync.ingest import content_digest, verdict_info
        from dso_desktop.zfo import parse_zfo, verify_zfo

        verdict = verify_zfo(new, self._trust(account_id), now=now)
        if verdict.kind not in TRUSTED_VERDICTS:
            raise RemedyError(f"the re-sealed ZFO does not verify ({verdict.kind})")
        # A re-seal renews the seal of the same message, nothing else: the sealed core
        # must be byte-identical to what we had.
        # (a digest the parse cannot give proves nothing: None never equals None here)
        new_core, old_core = content_digest(parse_zfo(new)), content_digest(parse_zfo(old))
        if new_core is None or new_core != old_core or verdict.message_id != dm_id:
            raise RemedyError("the re-sealed ZFO is not the same message")
        vinfo = verdict_info(verdict)
        with self._db.write() as s:
            rec = EvidenceVersionRepo(s).add(mid, EvidenceVersionKind.RESIGNED, new,
                                             covers_sha256=old_sha, verdict=vinfo,
                                             source="isds")
        log.info("message %s re-sealed by ISDS (version %d)", dm_id, rec.version)
        return RemedyOutcome(mid, dm_id, account, True, rec.kind, rec.version,
                             rec.evidence_expires)

    def archive_timestamp(self, message_id: int, *, now: datetime | None = None
                          ) -> EvidenceVersionRecord:
        """An RFC 3161 timestamp from the configured TSA over the newest ZFO, verified
        (imprint, TSA chain to `tsa_ca_file`) and kept as a new version."""
        from dso_desktop.zfo import TrustStore
        from dso_desktop.zfo.archivets import verify_archive_timestamp

        st = self._settings()
        if not st.tsa_url or not st.tsa_ca_file:
            raise RemedyError("no time-stamping authority is configured (tsa_url, "
                              "tsa_ca_file)",
                              "Není nastavena autorita časových razítek (adresa a její "
                              "certifikační autorita).")
        with self._db.read() as s:
            current = EvidenceVersionRepo(s).current_zfo(message_id)
        token = self._ask_tsa(st.tsa_url, st.tsa_ca_file, current.data)
        anchors = TrustStore.from_paths([st.tsa_ca_file])
        check = verify_archive_timestamp(token, current.data, anchors, now=now)
        if not check.ok or check.horizon is None:
            raise RemedyError(f"the archive timestamp does not verify: "
                              f"{'; '.join(check.reasons)}",
                              "Archivní časové razítko nelze ověřit.")
        vinfo = VerdictInfo(kind=VerdictKind.VALID.value,
                            checked_at=now or datetime.now(UTC),
                            evidence_expires=check.horizon.expires,
                            evidence_cause=check.horizon.cause.value)
        with self._db.write() as s:
            return EvidenceVersionRepo(s).add(
                message_id, EvidenceVersionKind.ARCHIVE_TIMESTAMP, token,
                covers_sha256=current.sha256, verdict=vinfo, source=st.tsa_url)

    def _ask_tsa(self, url: str, ca_file: str, data: bytes) -> bytes:
        from dso_desktop import net
        from dso_desktop.zfo.archivets import (
            CONTENT_TYPE_QUERY,
            MAX_REPLY_BYTES,
            build_request,
            token_from_response,
        )

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RemedyError(f"the TSA address is not an http(s) URL: {url}",
                              "Adresa autority časových razítek není platná.")
        config = self._net_config()
        request = build_request(data)
        session = net.new_session()
        # TLS is always verified: a loopback TSA (the simulator, the test kit) with the
        # CA given for its timestamps, any other with the system's CAs.
        verify = net.verify_value(ca_file if net.is_loopback(parts.hostname) else None)
        try:
            resp = session.post(url, data=request.der, timeout=config.timeouts,
                                headers={"Content-Type": CONTENT_TYPE_QUERY},
                                proxies=net.ProxyResolver(config.proxy).for_url(url),
                                verify=verify, stream=True)
            body = resp.raw.read(MAX_REPLY_BYTES + 1, decode_content=True)
        except OSError as exc:
            raise RemedyError(f"the time-stamping authority is unreachable: {exc}",
                              "Autorita časových razítek není dostupná.") from exc
        except Exception as exc:  # requests' own errors (TLS, connection) end here
            raise RemedyError(f"the time-stamping authority is unreachable: "
                              f"{type(exc).__name__}",
                              "Autorita časových razítek není dostupná.") from exc
        finally:
            session.close()
        if resp.status_code != 200:
            raise RemedyError(f"the time-stamping authority answered HTTP {resp.status_code}",
                              "Autorita časových razítek žádost nepřijala.")
        return token_from_response(body, request)

    # -- online verification --------------------------------------------------------------
    def verify_online(self, message_id: int, *, password: str | None = None,
                      cancel: threading.Event | None = None) -> OnlineCheckRecord:
        """AuthenticateMessage with the newest ZFO: ISDS's answer and its time are kept."""
        info = self._message_info([message_id])
        if message_id not in info:
            raise RemedyError(f"no message {message_id}", "Zpráva neexistuje.")
        dm_id, account, _acc_id = info[message_id]
        if account is None:
            raise RemedyError(f"message {dm_id} belongs to no account; ISDS can only be "
                              "asked through one", "Zpráva nepatří k žádnému účtu; ISDS se "
                              "lze zeptat jen přes účet.")
        with self._db.read() as s:
            current = EvidenceVersionRepo(s).current_zfo(message_id)
        client = self._accounts.client(account, password=password, cancel=cancel)
        try:
            client.login()
            authentic = bool(client.authenticate_message(current.data))
        finally:
            try:
                client.close()
            except Exception:
                log.debug("logout after AuthenticateMessage failed", exc_info=True)
        with self._db.write() as s:
            return EvidenceVersionRepo(s).add_online_check(
                message_id, current.version, current.sha256, account, authentic)

    # -- what the detail shows ------------------------------------------------------------
    def versions(self, message_id: int) -> list[EvidenceVersionRecord]:
        with self._db.read() as s:
            return EvidenceVersionRepo(s).versions(message_id)

    def online_checks(self, message_id: int) -> list[OnlineCheckRecord]:
        with self._db.read() as s:
            return EvidenceVersionRepo(s).online_checks(message_id)

    def verify_versions(self, message_id: int, now: datetime | None = None
                        ) -> list[VersionCheck]:
        """Verify the original and every later version with what it covers."""
        from dso_desktop.zfo import TrustStore, verify_zfo
        from dso_desktop.zfo.archivets import verify_archive_timestamp

        account_id = self._message_info([message_id]).get(message_id, ("", None, None))[2]
        trust = self._trust(account_id)
        with self._db.read() as s:
            repo = EvidenceVersionRepo(s)
            original = repo.data(message_id, ORIGINAL)
            records = repo.versions(message_id)
            blobs = {r.version: repo.data(message_id, r.version) for r in records}
        by_sha = {hashlib.sha256(original).hexdigest(): original}
        out = []
        v = verify_zfo(original, trust, now=now)
        out.append(VersionCheck(ORIGINAL, None, v.kind in TRUSTED_VERDICTS, v.kind.value,
                                v.reasons, v.reasons_cs, v.evidence_expires))
        for r in records:
            data = blobs[r.version]
            if r.kind is EvidenceVersionKind.RESIGNED:
                by_sha[r.sha256] = data
                v = verify_zfo(data, trust, now=now)
                out.append(VersionCheck(r.version, r.kind, v.kind in TRUSTED_VERDICTS,
                                        v.kind.value, v.reasons, v.reasons_cs,
                                        v.evidence_expires, r.created_at))
                continue
            covered = by_sha.get(r.covers_sha256)
            anchors = self._settings().tsa_ca_file
            if covered is None or not anchors:
                out.append(VersionCheck(
                    r.version, r.kind, False, None,
                    ("the archive timestamp cannot be checked: "
                     + ("the data it covers is missing" if covered is None
                        else "no TSA trust anchor is configured"),),
                    ("Archivní časové razítko nelze ověřit.",), r.evidence_expires,
                    r.created_at))
                continue
            c = verify_archive_timestamp(data, covered, TrustStore.from_paths([anchors]),
                                         now=now)
            out.append(VersionCheck(r.version, r.kind, c.ok, None, c.reasons, c.reasons_cs,
                                    c.horizon.expires if c.horizon else None, r.created_at))
        return out

    # -- helpers --------------------------------------------------------------------------
    def _message_info(self, ids: Sequence[int]) -> dict[int, tuple[str, str | None, int | None]]:
        out: dict[int, tuple[str, str | None, int | None]] = {}
        with self._db.read() as s:
            for i in range(0, len(ids), 500):
                chunk = list(ids[i:i + 500])
                q = select(Message.id, Message.dm_id, Account.name, Message.account_id
                           ).outerjoin(Account, Account.id == Message.account_id
                                       ).where(Message.id.in_(chunk))
                for mid, dm_id, name, acc_id in s.execute(q):
                    out[int(mid)] = (dm_id, name, acc_id)
        return out
