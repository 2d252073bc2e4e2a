"""The simulator's engine: routes a request through faults, login and the operation."""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from lxml import etree

from dso_desktop.simulator import ops_boxes, ops_extra, ops_messages, render, status_codes
from dso_desktop.simulator.auth import Authenticator, AuthFailure
from dso_desktop.simulator.clock import SimClock
from dso_desktop.simulator.context import Limits, OpContext, OpError
from dso_desktop.simulator.faults import COMMIT_MODES, Fault, Faults
from dso_desktop.simulator.model import Message, User
from dso_desktop.simulator.pki import SimPki
from dso_desktop.simulator.registry import OPERATIONS
from dso_desktop.simulator.signing import FastSigner
from dso_desktop.simulator.world import World
from dso_desktop.simulator.xmlio import (
    NS,
    NS_ASWS,
    Builder,
    Request,
    SoapFault,
    envelope,
    fault,
    mtom_envelope,
    parse_xml,
)
from dso_desktop.simulator.xmlio import parse_request as parse_soap

log = logging.getLogger("dso_desktop.simulator")
_ = (ops_boxes, ops_extra, ops_messages)  # importing them registers the operations

SERVICES = ("dz", "dx", "df", "DsManage", "vodz", "arch")
PREFIXES = ("", "cert", "certds", "hspis", "apps")
DB_SERVICES = frozenset({"df", "DsManage", "asws"})
# A refusal (a status other than 0000) must still be a valid answer for a strict client.
# These answers have nillable elements the official schema requires before the status:
# a refusal carries them as xsi:nil.
NIL_BEFORE_STATUS: dict[str, tuple[str, ...]] = {
    "Re-signISDSDocument": ("dmResultDoc",),
    "ArchiveISDSDocument": ("dmResultDoc", "nextStampTo"),
}
# These require the (complete) owner information before the status: a refusal after the
# login carries the caller's own, which ISDS knows by then. The value: the Ext2 form.
OWNER_BEFORE_STATUS: dict[str, bool] = {"GetOwnerInfoFromLogin": False,
                                        "GetOwnerInfoFromLogin2": True}
# tGetAddressOutput has no status element at all: a refusal can only be a SOAP Fault.
NO_STATUS = frozenset({"GetDataBoxAddress"})


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    action: str | None = None  # "reset" | "truncated" | "drop"
    delay: float = 0.0
    committed: bool = False  # the operation itself succeeded (its changes are in the world)


def split_path(path: str) -> tuple[str, str] | None:
    """'/cert/DS/dz' -> ('cert', 'dz'); '/DS/vodz' -> ('', 'vodz'); else None."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "DS" and parts[1] in SERVICES:
        return "", parts[1]
    if len(parts) == 3 and parts[0] in PREFIXES[1:] and parts[1] == "DS" and \
            parts[2] in SERVICES:
        return parts[0], parts[2]
    if parts == ["asws", "changePassword"]:
        return "apps", "asws"
    return None


class SimulatorCore:
    def __init__(self, world: World, pki: SimPki, clock: SimClock) -> None:
        self.world = world
        self.pki = pki
        self.clock = clock
        self.faults = Faults()
        self.limits = Limits()
        self.auth = Authenticator(self)
        p = pki.pki
        self.signer = FastSigner(p.seal.cert, p.seal.key, p.tsa.cert, p.tsa.key)
        self._signer_lock = threading.Lock()
        self._short_signers: dict[object, FastSigner] = {}
        self.sleep = time.sleep  # tests may replace it to drive delays without waiting
        self._busy: dict[str, int] = {}
        self._busy_lock = threading.Lock()
        self.sms_log: list[tuple[str, str, str]] = []  # (time, username, code)
        self.requests = 0  # operations run (the autosave watches it)

    # -- signing -------------------------------------------------------------------------
    # ``evidence_days`` (``dso sim serve --evidence-days N``, ``POST /_sim/evidence``): the
    # timestamps of the evidence issued from now on come from a TSA certificate that ends
    # N days after the simulator's clock, so the app's watch sees them expiring. Re-signing
    # (Re-signISDSDocument, ArchiveISDSDocument) and the loopback TSA always use the
    # long-lived TSA: fresh evidence.
    evidence_days: float | None = None

    def set_evidence_days(self, days: float | None) -> None:
        with self._signer_lock:
            self.evidence_days = days

    def issuing_signer(self) -> FastSigner:
        """The signer of newly issued evidence (short-lived with ``evidence_days``)."""
        with self._signer_lock:
            days = self.evidence_days
            if days is None:
                return self.signer
            from dso_desktop.zfo.testpki import short_lived_tsa

            end = (self.clock.now() + timedelta(days=days)).replace(minute=0, second=0,
                                                                    microsecond=0)
            signer = self._short_signers.get(end)
            if signer is None:
                p = self.pki.pki
                tsa = short_lived_tsa(p, end)
                signer = FastSigner(p.seal.cert, p.seal.key, tsa.cert, tsa.key)
                self._short_signers = {end: signer}  # one at a time: the clock moves on
            return signer

    def qtimestamp(self, msg: Message) -> bytes:
        """dmQTimestamp: an RFC 3161 token whose imprint is the message's dmHash itself."""
        if msg.qtimestamp is None:
            msg.qtimestamp = self.issuing_signer().token(
                render.message_hash(self.world, msg), msg.posted_at)
        return msg.qtimestamp

    def sign_zfo(self, content: bytes, ctx: OpContext, *, fresh: bool = False) -> bytes:
        if ctx.no_timestamp:
            ctx.status_code = status_codes.NO_TIMESTAMP
        signer = self.signer if fresh else self.issuing_signer()
        return signer.seal_content(content, ctx.now, timestamp=not ctx.no_timestamp)

    def tsa_reply(self, request_der: bytes) -> bytes:
        """The loopback RFC 3161 TSA (``POST /_tsa``): signs with the test PKI's TSA."""
        from dso_desktop.zfo.produce import timestamp_response

        return timestamp_response(request_der, self.pki.pki.tsa, self.clock.now())

    def authenticate(self, zfo: bytes) -> bytes | None:
        """The encapsulated XML if ``zfo`` is a ZFO this simulator issued, unchanged."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        from dso_desktop.zfo import fastcms

        try:
            # The C reader (BER included; asn1crypto would join a big message's 1000-byte
            # chunks one by one, in time quadratic in their number).
            parts = fastcms.signed_data(zfo)
            content = parts.content
            if not isinstance(content, bytes) or parts.signed_attrs_set is None:  # not lean
                return None
            hash_alg = hashes.SHA256() if parts.digest == "sha256" else hashes.SHA1()  # noqa: S303
            self.pki.pki.seal.key.public_key().verify(
                parts.signature, parts.signed_attrs_set, padding.PKCS1v15(), hash_alg)
            import hashlib

            (digest,) = parts.attrs[fastcms.OID_MESSAGE_DIGEST]
            if hashlib.new(parts.digest, content).digest() != fastcms.octets(parts.buf, digest):
                return None
            # A high-volume message carries its attachments inline (text nodes over
            # libxml2's 10 MB default); the seal was verified above, so the big parser
            # (still without DTDs or entities) only ever sees content this simulator signed.
            root = parse_xml(content, huge=True)
        except Exception:  # anything unparsable or unverifiable is simply not authentic
            return None
        dm = next(root.iter(f"{{{NS}}}dmDm"), None)
        if dm is None:
            return None
        dm_id = dm.findtext(f"{{{NS}}}dmID")
        with self.world.lock:
            msg = self.world.messages.get(dm_id or "")
            if msg is None:
                return None
            # The seal proves the content is ours; the message must also still match.
            expected = render.message_hash(self.world, msg)
        hash_el = next((e for e in root.iter() if isinstance(e.tag, str)
                        and etree.QName(e).localname == "dmHash"), None)
        if hash_el is None or base64.b64decode(hash_el.text or "") != expected:
            return None
        return content

    # -- SMS ---------------------------------------------------------------------------
    def send_sms(self, user: User) -> str:
        code = f"{secrets.randbelow(10 ** 6):06d}"
        now = self.clock.now()
        self.world.sms[user.username] = (code, now + timedelta(minutes=5))
        self.sms_log.append((now.isoformat(), user.username, code))
        log.info("simulated SMS to %s (user %s): code %s", user.phone, user.username, code)
        return code

    # -- SOAP dispatch -------------------------------------------------------------------
    def handle_soap(self, path: str, headers: dict[str, str], body: bytes,
                    cert_sha256: str | None) -> Reply:
        route = split_path(path)
        if route is None:
            return Reply(404, {"Content-Type": "text/plain"}, b"Not Found")
        prefix, service = route
        huge = service in ("vodz", "arch")
        try:
            req = parse_soap(body, headers.get("content-type", "text/xml"), huge=huge)
        except SoapFault as exc:
            return Reply(exc.http_status, {"Content-Type": "text/xml; charset=utf-8"},
                         fault(str(exc), "1.1"))
        soap_ct = ("text/xml; charset=utf-8" if req.soap_version == "1.1"
                   else "application/soap+xml; charset=utf-8")
        # Faults that strike before login, as an overloaded or closed server would.
        # The ws2 services (dm_VoDZ and dm_arch, PROTOCOL.md §1) answer with MTOM/XOP when the
        # client accepts multipart/related (libdatovka's ArchiveISDSDocument_mtomxop does).
        mtom = huge and "multipart/related" in headers.get("accept", "").lower()
        injected = self.faults.match(req.operation)
        reply_delay = 0.0
        if injected is not None:
            if injected.mode == "maintenance":
                return Reply(503, {"Content-Type": soap_ct},
                             fault("Probíhá plánovaná údržba systému.", req.soap_version,
                                   "Server"))
            if injected.mode == "reset":
                return Reply(action="reset")
            if injected.mode == "slow":
                reply_delay = injected.delay
        try:
            if prefix == "apps":
                token = _cookie(headers.get("cookie"), "IPCZ-X-COOKIE")
                if service == "asws" and token is None:
                    # The password service also takes HTTP Basic (password + code), so an
                    # expired password, which no login accepts, can still be replaced.
                    user = self.auth.asws(req.operation, headers.get("authorization"))
                    system_cert = False
                else:
                    user, system_cert = self.auth.session_user(token), False
            else:
                user, system_cert = self.auth.stateless(
                    prefix, headers.get("authorization"), cert_sha256,
                    allow_expired=req.operation == "ChangeISDSPassword")
        except AuthFailure as exc:
            return Reply(exc.status, {"Content-Type": "text/plain; charset=utf-8",
                                      **exc.headers()}, b"Unauthorized")
        if injected is not None and injected.mode in ("3008", "3009"):
            return self._status_reply(req, service, injected.mode, soap_ct, user)
        if injected is not None and injected.mode == "restricted":
            with self._busy_lock:
                if self._busy.get(user.username):
                    return self._status_reply(req, service, "3008", soap_ct, user)
                self._busy[user.username] = self._busy.get(user.username, 0) + 1
            try:
                self.sleep(injected.delay)
                reply = self._run(req, service, user, system_cert, soap_ct, injected, mtom)
            finally:
                with self._busy_lock:
                    self._busy[user.username] -= 1
            return reply
        reply = self._run(req, service, user, system_cert, soap_ct, injected, mtom)
        reply.delay = reply_delay
        if injected is not None and injected.mode in COMMIT_MODES and reply.committed:
            # The world holds the result (e.g. the new message); only the answer is lost.
            self.faults.note_committed(injected, req.operation)
            log.info("%s committed; answer %s by fault", req.operation,
                     "dropped" if injected.mode == "commit-then-drop" else "delayed")
            if injected.mode == "commit-then-drop":
                return Reply(action="drop")
            reply.delay = injected.delay
        if injected is not None and injected.mode == "malformed":
            reply.body = reply.body[: len(reply.body) // 2] + b"<unclosed"
        if injected is not None and injected.mode == "truncated":
            reply.action = "truncated"
        return reply

    def _status_reply(self, req: Request, service: str, code: str, soap_ct: str,
                      user: User | None = None) -> Reply:
        return self._refusal(req, service, code, status_codes.MESSAGES.get(code), soap_ct,
                             user)

    def _refusal(self, req: Request, service: str, code: str, message: str | None,
                 soap_ct: str, user: User | None) -> Reply:
        """A status answer of the operation, valid against the official schema."""
        served = code != status_codes.UNKNOWN_OPERATION  # else the schema does not apply
        if served and req.operation in NO_STATUS:
            return Reply(500, {"Content-Type": soap_ct},
                         fault(message or code, req.soap_version, "Server"))
        ns = NS_ASWS if service == "asws" else NS
        b = Builder(ns)
        resp = b.root(f"{req.operation}Response")
        if served:
            for name in NIL_BEFORE_STATUS.get(req.operation, ()):
                b.sub(resp, name, None)
            ext2 = OWNER_BEFORE_STATUS.get(req.operation)
            box = self.world.boxes.get(user.box_id) if user is not None else None
            if ext2 is not None and box is not None:
                ops_boxes._owner_info(resp, "dbOwnerInfo", box, ext2=ext2, b=b)
        if service in DB_SERVICES:
            render.db_status(resp, code, message, b=b)
        else:
            render.dm_status(resp, code, message, b=b)
        return Reply(200, {"Content-Type": soap_ct}, envelope(resp, req.soap_version))

    def _run(self, req: Request, service: str, user: User, system_cert: bool, soap_ct: str,
             injected: Fault | None, mtom: bool = False) -> Reply:
        entry = OPERATIONS.get(req.operation)
        if entry is None or service not in entry[0]:
            return self._status_reply(req, service, status_codes.UNKNOWN_OPERATION, soap_ct)
        handler = entry[1]
        with self.world.lock:
            self.requests += 1
            now = self.clock.now()
            self.world.tick(now)
            box = self.world.boxes[user.box_id]
            ctx = OpContext(core=self, world=self.world, user=user, box=box, now=now,
                            soap_version=req.soap_version, service=service,
                            system_cert=system_cert,
                            no_timestamp=injected is not None and
                            injected.mode == "no-timestamp")
            try:
                resp = handler(ctx, req.body)
            except OpError as exc:
                log.info("%s by %s: %s", req.operation, user.username, exc.code)
                return self._status_reply(req, service, exc.code, soap_ct, user) if not \
                    exc.message else self._error_reply(req, service, exc, soap_ct, user)
            except SoapFault as exc:
                return Reply(exc.http_status, {"Content-Type": soap_ct},
                             fault(str(exc), req.soap_version))
        log.debug("%s by %s: ok", req.operation, user.username)
        if mtom:
            content_type, body = mtom_envelope(resp, req.soap_version)
            return Reply(200, {"Content-Type": content_type}, body, committed=True)
        return Reply(200, {"Content-Type": soap_ct}, envelope(resp, req.soap_version),
                     committed=True)

    def _error_reply(self, req: Request, service: str, exc: OpError, soap_ct: str,
                     user: User | None = None) -> Reply:
        return self._refusal(req, service, exc.code, exc.message, soap_ct, user)


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
