"""E-mail notification: after a sync, a digest of new messages and due items over SMTP + TLS.

The promise (docs/notifications.md): mail goes only over an encrypted connection (STARTTLS
or implicit TLS, the server's certificate always verified), the SMTP password lives only in
the OS keyring and is never logged, and a message's content (subject, parties, the signed
ZFO) goes out only for the accounts the user opted in. A failed mail never fails the sync:
`NotifyService.after_sync` reports the failure beside the sync's own result.

Due items come from a provider, ``Callable[[], list[DueItem]]``, handed in by the
composition root (`app.App`): the one place where the watch plugs in.
"""

from __future__ import annotations

import inspect
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from typing import Any, Protocol

from dso_desktop import secretstore
from dso_desktop.domain import Direction
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.records import MessageRow
from dso_desktop.store.repos import SettingsRepo

log = logging.getLogger(__name__)

# The keyring entry of the SMTP password: "notify-smtp:smtp-password" in service
# "dso-desktop" (account secrets are "<account name>:<kind>", with other kinds).
SECRET_ACCOUNT = "notify-smtp"  # noqa: S105 - a keyring entry name
SECRET_KIND = "smtp-password"  # noqa: S105 - the name of a keyring entry, not a password
# An archive setting that is not a user setting (`Settings.from_mapping` ignores it): the
# keys of the due items the last digest reported, so one is mailed when it first appears
# and not again after every sync.
STATE_KEY = "notify_reported_due"
MAX_ATTACHED_BYTES = 20 * 1024 * 1024  # ZFOs attached to one digest, in total
MAX_LISTED_DUE = 50  # due items listed in one digest; the rest are counted
# The nearest due items a digest reads and remembers (a million-message archive has some
# 300,000; building them all took 24 s after every sync, and their keys were stored in the
# archive). An item farther out is counted, and mailed as fresh once it comes this near.
DIGEST_DUE_WINDOW = 1000
DEFAULT_TIMEOUT = 20.0


class DigestStatus(StrEnum):
    """What happened to the digest after a sync (`NotifyOutcome.status`)."""

    SENT = "sent"
    DISABLED = "disabled"
    NOTHING_NEW = "nothing-new"  # no new message, no due item not mailed before
    FAILED = "failed"


class SmtpSecurity(StrEnum):
    """How the connection is encrypted; there is no unencrypted mode."""

    STARTTLS = "starttls"  # port 587: plain greeting, then STARTTLS before anything else
    TLS = "tls"  # port 465 (SMTPS): TLS from the first byte


# -- errors ---------------------------------------------------------------------------------

class NotifyError(DsoError):
    """The notification e-mail could not be sent (the sync itself is not affected)."""

    kind = ErrorKind.NOTIFY


class NotifyConfigError(NotifyError):
    """The e-mail notification settings are incomplete or wrong."""

    kind = ErrorKind.NOTIFY_CONFIG


class SmtpAuthError(NotifyError):
    """The mail server refused the user name or password."""

    kind = ErrorKind.NOTIFY_AUTH


class SmtpUnreachable(NotifyError):
    """No connection to the mail server (down, wrong host or port, timeout)."""

    kind = ErrorKind.NOTIFY_UNREACHABLE


class SmtpTlsError(NotifyError):
    """TLS failed: the certificate is not trusted, or the server offers no STARTTLS."""

    kind = ErrorKind.NOTIFY_TLS


class SmtpRefused(NotifyError):
    """The server took the connection but refused the sender, a recipient or the data."""

    kind = ErrorKind.NOTIFY_REFUSED


# -- due items: the interface the watch plugs into ----------------------------------------

@dataclass(frozen=True)
class DueItem:
    """Something the user must act on by a date: one line of the watch."""

    kind: str
    account: str | None
    dm_id: str | None
    due: datetime | None
    remedy: str  # English: what to do
    remedy_cs: str = ""  # Czech, when the provider has it

    def key(self) -> str:
        """Identity across syncs: the same item with a moved due date is a new one."""
        day = self.due.date().isoformat() if self.due is not None else ""
        return f"{self.kind}|{self.account or ''}|{self.dm_id or ''}|{day}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "account": self.account, "dm_id": self.dm_id,
                "due": self.due.isoformat() if self.due else None, "remedy": self.remedy}


# Called with no argument (every item) or with ``limit=n`` (the n nearest) when the provider
# takes it: the tray reads a page of a list that has 300,000 items at a million messages.
DueItemsProvider = Callable[..., list[DueItem]]

# What to do about an archive warning (the words carry no message content).
def due_items_from_watch(items: Sequence[Any]) -> list[DueItem]:
    """The watch's items (`services.watch.WatchItem`) as due items: kind, account, dmID, due
    date and the remedy's own text; never the item's sentence, which may name a subject."""
    from dso_desktop.domain import text

    out = [DueItem(kind=str(i.kind), account=i.account, dm_id=i.dm_id, due=i.due,
                   remedy=text(i.remedy, "en"), remedy_cs=text(i.remedy, "cs"))
           for i in items]
    return sorted(out, key=lambda i: (i.due or datetime.max.replace(tzinfo=UTC), i.key()))


# -- configuration and sending -------------------------------------------------------------

@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: SmtpSecurity
    sender: str
    recipient: str
    username: str = ""
    password: str | None = field(default=None, repr=False)  # never in a repr or a log
    ca_file: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, password: str | None) -> SmtpConfig:
        """Validated settings; raises `NotifyConfigError` naming what is missing."""
        missing = [name for name, value in (
            ("SMTP server", settings.notify_smtp_host), ("recipient", settings.notify_email_to),
        ) if not value.strip()]
        if missing:
            err = NotifyConfigError("e-mail notification needs: " + ", ".join(missing))
            err.message_cs = ("Upozornění e-mailem není úplně nastavené: chybí "
                              + ", ".join({"SMTP server": "poštovní server",
                                           "recipient": "příjemce"}[m] for m in missing) + ".")
            raise err
        try:
            security = SmtpSecurity(settings.notify_smtp_security)
        except ValueError:
            raise NotifyConfigError(
                f"unknown SMTP security {settings.notify_smtp_security!r}; "
                "use starttls or tls") from None
        if not 0 < settings.notify_smtp_port < 65536:
            raise NotifyConfigError(f"SMTP port {settings.notify_smtp_port} is out of range")
        recipient = _address(settings.notify_email_to, "recipient")
        sender = _address(settings.notify_email_from or settings.notify_smtp_username
                          or settings.notify_email_to, "sender")
        username = settings.notify_smtp_username.strip()
        if username and not password:
            err = NotifyConfigError("the SMTP password is not saved (set it in the settings "
                                    "or with `dso notify password`)")
            err.message_cs = "Heslo k poštovnímu serveru není uložené."
            raise err
        return cls(host=settings.notify_smtp_host.strip(), port=settings.notify_smtp_port,
                   security=security, sender=sender, recipient=recipient,
                   username=username, password=password if username else None,
                   ca_file=settings.notify_smtp_ca_file or None)


def check_address(value: str, what: str) -> str:
    """``value`` as one plain e-mail address; raises `NotifyConfigError` naming ``what``
    (recipient, sender)."""
    return _address(value, what)


def check_addresses(changes: Mapping[str, Any]) -> None:
    """The addresses among settings ``changes``: the recipient when the digest is on or an
    address is given, the sender when given. Raises `NotifyConfigError`."""
    to = str(changes.get("notify_email_to") or "")
    if changes.get("notify_email") or to:
        check_address(to, "recipient")
    sender = str(changes.get("notify_email_from") or "")
    if sender:
        check_address(sender, "sender")


def _address(value: str, what: str) -> str:
    """One plain address (no display names, no lists, no header injection)."""
    text = value.strip()
    if not text or any(c in text for c in "\r\n,;<>\"") or text.count("@") != 1:
        err = NotifyConfigError(f"the {what} is not one e-mail address: {text!r}")
        err.message_cs = f"Adresa ({'příjemce' if what == 'recipient' else 'odesílatele'}) " \
                         f"není jedna platná e-mailová adresa: {text}"
        raise err
    local, domain = text.split("@")
    try:
        Address(username=local, domain=domain)
    except (ValueError, IndexError):
        raise NotifyConfigError(f"the {what} is not a valid e-mail address") from None
    if not local or "." not in domain.strip("."):
        raise NotifyConfigError(f"the {what} is not a valid e-mail address: {text!r}")
    return text


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificate and host name always verified: against ``ca_file`` when given (a
    company's own CA), else the system's and certifi's roots."""
    from dso_desktop import net

    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=net.verify_value(ca_file))
    if ca_file is None:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def send_mail(config: SmtpConfig, msg: EmailMessage, *,
              timeout: float = DEFAULT_TIMEOUT) -> None:
    """Deliver ``msg`` to the server; every failure is a `NotifyError` whose text names the
    cause without the password (smtplib's debug output stays off)."""
    where = f"{config.host}:{config.port}"
    try:
        ctx = tls_context(config.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise NotifyConfigError(f"the CA file for the mail server cannot be read: "
                                f"{type(exc).__name__}") from None
    smtp: smtplib.SMTP | None = None
    try:
        try:
            if config.security is SmtpSecurity.TLS:
                smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=ctx)
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=timeout)
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    # Never fall back to plain text: credentials and content would travel
                    # unencrypted.
                    raise SmtpTlsError(f"mail server {where} does not offer STARTTLS")
                smtp.starttls(context=ctx)
                smtp.ehlo()
        except ssl.SSLError as exc:
            raise SmtpTlsError(f"TLS with mail server {where} failed: "
                               f"{getattr(exc, 'verify_message', None) or exc.reason}") from None
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SmtpUnreachable(f"mail server {where} cannot be reached: "
                                  f"{_os_reason(exc)}") from None
        try:
            if config.username:
                _login(smtp, config.username, config.password or "")
            smtp.send_message(msg, from_addr=config.sender, to_addrs=[config.recipient])
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpAuthError(f"mail server {where} refused the login of "
                                f"{config.username!r} (SMTP {exc.smtp_code})") from None
        except smtplib.SMTPNotSupportedError:
            raise SmtpAuthError(f"mail server {where} does not support login") from None
        except smtplib.SMTPRecipientsRefused:
            raise SmtpRefused(f"mail server {where} refused the recipient") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise SmtpRefused(f"mail server {where} refused the message "
                              f"(SMTP {exc.smtp_code})") from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SmtpUnreachable(f"mail server {where} dropped the connection: "
                                  f"{_os_reason(exc)}") from None
        except smtplib.SMTPException as exc:
            raise SmtpRefused(f"mail server {where} refused: {type(exc).__name__}") from None
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """One AUTH attempt (PLAIN, else LOGIN; both inside TLS). smtplib's `login` tries every
    mechanism in turn, so one wrong password counted as several failures on the server."""
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("no AUTH")
    offered = smtp.esmtp_features["auth"].upper().split()
    smtp.user, smtp.password = username, password
    if "PLAIN" in offered:
        smtp.auth("PLAIN", smtp.auth_plain)
    elif "LOGIN" in offered:
        smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
    else:
        raise smtplib.SMTPNotSupportedError("no PLAIN or LOGIN")


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return type(exc).__name__


# -- the digest -----------------------------------------------------------------------------

class MessageSource(Protocol):
    """What the digest reads from the archive (`services.messages.MessageService`)."""

    def rows(self, ids: Sequence[int]) -> list[MessageRow]: ...

    def zfo_bytes(self, message_id: int) -> bytes: ...


@dataclass(frozen=True)
class NotifyOutcome:
    """What `after_sync` did."""

    status: DigestStatus
    recipient: str | None = None
    new_messages: int = 0
    due_items: int = 0
    attached: int = 0
    error: NotifyError | None = None

    @property
    def sent(self) -> bool:
        return self.status is DigestStatus.SENT

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": str(self.status), "recipient": self.recipient,
                               "new_messages": self.new_messages, "due_items": self.due_items,
                               "attached": self.attached}
        if self.error is not None:
            out["error"] = self.error.message
            out["kind"] = str(self.error.kind)
        return out


@dataclass
class Digest:
    message: EmailMessage
    new_messages: int
    due_items: int
    attached: int


def new_message_ids(results: Mapping[str, Any]) -> dict[str, list[int]]:
    """Archive ids of the messages each account's sync stored for the first time (from
    `SyncSummary.new_ids`; a failed sync's summary counts too: what it stored is new)."""
    out: dict[str, list[int]] = {}
    for name, res in results.items():
        summary = res if hasattr(res, "new_ids") else getattr(res, "summary", None)
        ids = list(getattr(summary, "new_ids", None) or [])
        if ids:
            out[name] = ids
    return out


class NotifyService:
    """Sends the digest after a sync and the test mail; settings from the archive, the SMTP
    password from the keyring."""

    def __init__(self, db: Database, settings: Callable[[], Settings], messages: MessageSource,
                 due_items: DueItemsProvider, *, timeout: float = DEFAULT_TIMEOUT,
                 clock: Callable[[], datetime] | None = None,
                 due_count: Callable[[], int] | None = None) -> None:
        self._db = db
        self._settings = settings
        self._messages = messages
        self._due_items = due_items
        # How many due items there are in all (counted by the database), when the window
        # of the nearest is full; without it the window's length is the count.
        self._due_count = due_count
        try:
            self._provider_limits = "limit" in inspect.signature(due_items).parameters
        except (TypeError, ValueError):  # no signature to read: call it without a limit
            self._provider_limits = False
        self.timeout = timeout
        self._clock = clock or (lambda: datetime.now(UTC))

    # password in the keyring
    def set_password(self, password: str | None) -> None:
        """Keep the SMTP password in the OS keyring (None or "" removes it)."""
        if password:
            secretstore.set_secret(SECRET_ACCOUNT, SECRET_KIND, password)
        else:
            secretstore.delete_secret(SECRET_ACCOUNT, SECRET_KIND)

    def has_password(self) -> bool:
        return bool(secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND))

    def config(self, settings: Settings | None = None,
               password: str | None = None) -> SmtpConfig:
        """The SMTP configuration of the stored settings (or of ``settings`` not saved yet,
        e.g. the settings dialog's); the password from the keyring unless given."""
        settings = settings or self._settings()
        if settings.notify_smtp_username.strip() and not password:
            password = secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND)
        return SmtpConfig.from_settings(settings, password)

    def due_items(self, limit: int | None = None) -> list[DueItem]:
        """The due items, nearest first; with ``limit`` only that many (read as few from
        the provider when it takes a limit)."""
        if limit is None:
            return list(self._due_items())
        items = self._due_items(limit=limit) if self._provider_limits else self._due_items()
        return list(items[:max(0, limit)])

    # the test mail
    def send_test(self, settings: Settings | None = None, password: str | None = None) -> str:
        """Send a short test mail (with ``settings``/``password`` when given, else the
        stored ones); returns the recipient. Raises `NotifyError`."""
        cfg = self.config(settings, password)
        lang = (settings or self._settings()).language
        msg = self._envelope(cfg)
        when = self._clock().astimezone().strftime("%d.%m.%Y %H:%M")
        if lang == "cs":
            msg["Subject"] = "DSO Desktop: zkušební upozornění"
            msg.set_content(f"Upozornění e-mailem z DSO Desktop fungují ({when}).\n"
                            "Po každé synchronizaci sem přijde přehled nových zpráv a "
                            "hlídaných lhůt.\n")
        else:
            msg["Subject"] = "DSO Desktop: test notification"
            msg.set_content(f"E-mail notifications from DSO Desktop work ({when}).\n"
                            "After each sync a digest of new messages and due items comes "
                            "here.\n")
        send_mail(cfg, msg, timeout=self.timeout)
        log.info("notification test mail sent")
        return cfg.recipient

    # the digest after a sync
    def after_sync(self, results: Mapping[str, Any]) -> NotifyOutcome:
        """Mail the digest of a finished sync (``results``: account -> `SyncSummary` or the
        exception it ended with). Never raises: a failure is in the outcome, and the sync's
        own result stays what it was."""
        settings = self._settings()
        if not settings.notify_email:
            return NotifyOutcome(DigestStatus.DISABLED)
        try:
            cfg = self.config()
            new = new_message_ids(results)
            due = self.due_items(limit=DIGEST_DUE_WINDOW)
            total = (self._due_count() if self._due_count is not None
                     and len(due) >= DIGEST_DUE_WINDOW else len(due))
            total = max(total, len(due))
            reported = self._reported()
            fresh_due = [d for d in due if d.key() not in reported]
            if not new and not fresh_due:
                return NotifyOutcome(DigestStatus.NOTHING_NEW, cfg.recipient, due_items=total)
            digest = self.build_digest(cfg, settings, new, due, fresh={d.key() for d in fresh_due},
                                       due_total=total)
            send_mail(cfg, digest.message, timeout=self.timeout)
        except NotifyError as exc:
            log.warning("notification e-mail not sent: %s", exc.message)
            return NotifyOutcome(DigestStatus.FAILED, error=exc)
        except DsoError as exc:  # the keyring, the archive: still not the sync's failure
            log.warning("notification e-mail not sent: %s", exc.message)
            err = NotifyError(exc.message)
            err.message_cs = exc.message_cs
            return NotifyOutcome(DigestStatus.FAILED, error=err)
        except Exception as exc:  # a bug here must not turn a good sync into a failed one
            log.error("notification digest failed", exc_info=exc)
            return NotifyOutcome(DigestStatus.FAILED, error=NotifyError(
                f"internal error while preparing the digest ({type(exc).__name__})"))
        self._remember({d.key() for d in due})
        log.info("notification digest sent: %d new, %d due", digest.new_messages,
                 digest.due_items)
        return NotifyOutcome(DigestStatus.SENT, cfg.recipient, digest.new_messages,
                             digest.due_items, digest.attached)

    def _box_mates(self, names: set[str]) -> set[str]:
        """``names`` and every account that logs in to the same data box as one of them.
        The archive keeps one copy of a box's messages, and which of the box's accounts
        synced a message first is chance, so the content opt-in holds for the box."""
        from dso_desktop.store.errors import NotFound
        from dso_desktop.store.repos import AccountRepo

        if not names:
            return set()
        out = set(names)
        with self._db.read() as s:
            repo = AccountRepo(s)
            by_id = {a.id: a.name for a in repo.list()}
            for name in names:
                try:
                    out.update(by_id[i] for i in repo.same_box_ids(name) if i in by_id)
                except NotFound:
                    continue  # an opted-in account removed since: nothing to add
        return out

    def build_digest(self, cfg: SmtpConfig, settings: Settings, new: Mapping[str, list[int]],
                     due: Sequence[DueItem], *, fresh: set[str] | None = None,
                     due_total: int | None = None) -> Digest:
        """The digest mail. Without the account's opt-in a new message is its dmID and
        direction only; with it also subject, parties and time, and its ZFO attached.
        ``due`` is the nearest due items, ``due_total`` how many there are in all (default:
        ``len(due)``)."""
        n_due = max(len(due), due_total or 0)
        cs = settings.language == "cs"
        opted = self._box_mates(set(settings.notify_content_accounts))
        fresh = fresh or set()
        msg = self._envelope(cfg)
        total_new = sum(len(v) for v in new.values())
        lines: list[str] = []
        when = self._clock().astimezone().strftime("%d.%m.%Y %H:%M")
        lines.append(f"DSO Desktop — {'přehled po synchronizaci' if cs else 'sync digest'} "
                     f"{when}")
        lines.append("")
        attachments: list[tuple[str, bytes]] = []
        attached_bytes = 0
        skipped_large = 0
        if new:
            lines.append(f"{'Nové zprávy' if cs else 'New messages'}: {total_new}")
            for account in sorted(new):
                ids = new[account]
                rows = self._messages.rows(ids)
                lines.append(f"  {account}: {len(rows)}")
                content = account in opted
                for r in rows:
                    received = r.direction == Direction.RECEIVED
                    what = (("přijatá" if received else "odeslaná") if cs
                            else ("received" if received else "sent"))
                    lines.append(f"    {r.dm_id} ({what})")
                    if not content:
                        continue
                    party = r.sender if received else r.recipient
                    lines.append(f"      {'Věc' if cs else 'Subject'}: {r.subject or ''}")
                    who = (("Odesílatel" if received else "Příjemce") if cs
                           else ("From" if received else "To"))
                    lines.append(f"      {who}: {party or ''}")
                    if r.delivered_at is not None:
                        lines.append(f"      {'Dodáno' if cs else 'Delivered'}: "
                                     f"{r.delivered_at.astimezone():%d.%m.%Y %H:%M}")
                    try:
                        data = self._messages.zfo_bytes(r.id)
                    except DsoError:
                        continue  # listed, not yet downloaded signed: nothing to attach
                    if attached_bytes + len(data) > MAX_ATTACHED_BYTES:
                        skipped_large += 1
                        continue
                    attached_bytes += len(data)
                    prefix = "DDZ" if received else "ODZ"
                    attachments.append((f"{prefix}_{r.dm_id}.zfo", data))
            if skipped_large:
                lines.append(f"  ({skipped_large} "
                             + ("ZFO nepřiloženo, překročilo by 20 MiB" if cs
                                else "ZFO not attached: over 20 MiB in total") + ")")
            if not any(a in opted for a in new):
                lines.append("  " + ("Obsah zpráv se posílá jen u schránek, kde jste to "
                                     "povolili v nastavení." if cs else
                                     "Message content is sent only for the accounts you "
                                     "opted in."))
            lines.append("")
        lines.append(f"{'Hlídané lhůty' if cs else 'Due items'}: {n_due}")
        for d in list(due)[:MAX_LISTED_DUE]:
            day = d.due.astimezone().strftime("%d.%m.%Y") if d.due else "—"
            mark = "* " if d.key() in fresh else "  "
            remedy = (d.remedy_cs or d.remedy) if cs else d.remedy
            lines.append(f"  {mark}{day}  {d.account or '-'}  {d.dm_id or '-'}  {remedy}")
        if n_due > MAX_LISTED_DUE:
            lines.append(f"  … {'a dalších' if cs else 'and'} {n_due - MAX_LISTED_DUE}"
                         f"{'' if cs else ' more'}")
        if fresh:
            lines.append("  " + ("* nové od minulého přehledu" if cs else "* new since the "
                                                                         "last digest"))
        subject_bits = []
        if total_new:
            subject_bits.append(f"{total_new} {'nových zpráv' if cs else 'new messages'}")
        if n_due:
            subject_bits.append(f"{n_due} {'hlídaných lhůt' if cs else 'due items'}")
        msg["Subject"] = "DSO Desktop: " + ", ".join(subject_bits)
        msg.set_content("\n".join(lines) + "\n")
        for name, data in attachments:
            msg.add_attachment(data, maintype="application", subtype="vnd.software602.filler."
                               "form-xml-zip", filename=name)
        return Digest(msg, total_new, n_due, len(attachments))

    def _envelope(self, cfg: SmtpConfig) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = cfg.sender
        msg["To"] = cfg.recipient
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=cfg.sender.split("@", 1)[1])
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        return msg

    def _reported(self) -> set[str]:
        with self._db.read() as s:
            value = SettingsRepo(s).all().get(STATE_KEY)
        return set(value) if isinstance(value, list) else set()

    def _remember(self, keys: set[str]) -> None:
        try:
            with self._db.write() as s:
                SettingsRepo(s).put(STATE_KEY, sorted(keys))
        except DsoError as exc:  # the mail went out; at worst the items are mailed again
            log.warning("cannot record the mailed due items: %s", exc.message)

