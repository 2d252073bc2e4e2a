"""An in-memory ISDS account for service unit tests: a sent list and signed copies that are
real ZFOs sealed by the test PKI (so the services' own verification decides), without a
simulator or a socket. The service logic is what these tests are about; the wire format is
covered by the simulator and the ISDS client tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

from dso_desktop.domain import Envelope
from dso_desktop.isds.errors import IsdsError, StatusError
from dso_desktop.isds.models import SignedDocument
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki

# What message_xml() puts on every envelope (the ZFO factory's fixed fields): a draft that
# should match its signed copy uses these.
RECIPIENT = "xyz9876"
TO_HANDS = "k rukám"
OUR_REF = "Č.j. 1/2026"
OUR_FILE_MARK = "SZ-7"


def sent_zfo(pki: TestPki, dm_id: str, subject: str, files: list[tuple[str, bytes]],
             *, tamper: bool = False, big: bool = False) -> bytes:
    """A signed sent-message ZFO as ISDS's SignedSentMessageDownload returns it."""
    xml = message_xml(pki, kind="sent", dm_id=dm_id, subject=subject, files=files,
                      tamper_hash=tamper, big=big)
    return seal(xml, pki.seal, pki.tsa, SEALED_AT)


@dataclass
class SentEntry:
    envelope: Envelope
    zfo: bytes | None  # None: ISDS does not offer the signed copy (download fails)
    big: bool = False


@dataclass
class FakeIsds:
    """One account's ISDS as a send or a reconciliation sees it."""

    pki: TestPki
    sent: dict[str, SentEntry] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    login_error: Exception | None = None
    list_error: Exception | None = None
    # CreateMessage behaviour: None = accept; an exception = raise it; with
    # ``create_lost`` the message is created and then the answer is lost.
    create_error: Exception | None = None
    create_lost: bool = False
    download_error: dict[str, Exception] = field(default_factory=dict)
    logged_in: bool = False
    closed: int = 0
    ids: Any = field(default_factory=lambda: itertools.count(700001))
    on_list: Callable[[], None] | None = None

    # -- what a test puts there --------------------------------------------------------
    def add_sent(self, subject: str, files: list[tuple[str, bytes]], *,
                 dm_id: str | None = None, recipient: str = RECIPIENT,
                 size_kb: int | None = None, tamper: bool = False,
                 big: bool = False, offer_zfo: bool = True) -> str:
        dm_id = dm_id or str(next(self.ids))
        zfo = sent_zfo(self.pki, dm_id, subject, files, tamper=tamper, big=big) \
            if offer_zfo else None
        self.sent[dm_id] = SentEntry(
            Envelope(dm_id, recipient_box_id=recipient, subject=subject,
                     attachment_size_kb=size_kb, big_message=big), zfo, big)
        return dm_id

    # -- the client's surface the services use -----------------------------------------
    def login(self) -> None:
        self.calls.append("login")
        if self.login_error is not None:
            raise self.login_error
        self.logged_in = True

    def close(self) -> None:
        self.closed += 1
        self.logged_in = False

    def get_list_of_sent_messages(self, since: datetime, until: datetime | None, *,
                                  status_filter: int, offset: int, limit: int) -> list[Any]:
        self.calls.append(f"list:{offset}:{limit}")
        assert self.logged_in, "the sent list is read only when logged in"
        if self.on_list is not None:
            self.on_list()
        if self.list_error is not None:
            raise self.list_error
        entries = [e.envelope for e in self.sent.values()]
        return entries[offset - 1:offset - 1 + limit]

    def _signed(self, dm_id: str, big: bool) -> SignedDocument:
        if dm_id in self.download_error:
            raise self.download_error[dm_id]
        entry = self.sent.get(dm_id)
        if entry is None:
            raise StatusError("no such message", code="1219")
        if entry.big != big:
            # ISDS answers 1281 when a big message is asked for through the normal
            # service or vice versa.
            raise StatusError("wrong service for this message", code="1281")
        if entry.zfo is None:
            raise StatusError("the signed copy is not available", code="1222")
        return SignedDocument(entry.zfo, "0000", "OK")

    def signed_sent_message_download(self, dm_id: str) -> SignedDocument:
        self.calls.append(f"download:{dm_id}")
        return self._signed(dm_id, False)

    def signed_sent_big_message_download(self, dm_id: str) -> SignedDocument:
        self.calls.append(f"download-big:{dm_id}")
        return self._signed(dm_id, True)

    def _create(self, msg: Any, files: list[tuple[str, bytes]], big: bool) -> Any:
        if self.create_error is not None and not self.create_lost:
            raise self.create_error
        dm_id = self.add_sent(msg.subject, files, recipient=msg.recipient_box_id, big=big)
        if self.create_lost:
            raise self.create_error or IsdsError("connection reset")
        return _Created(dm_id)

    def create_message(self, msg: Any, files: list[Any]) -> Any:
        self.calls.append(f"create:{msg.recipient_box_id}")
        return self._create(msg, [(f.name, f.content) for f in files], False)

    def upload_attachment(self, path: Any, name: str, mime: str) -> Any:
        self.calls.append(f"upload:{name}")
        return (name, path.read_bytes())

    def create_big_message(self, msg: Any, ext_files: list[Any]) -> Any:
        self.calls.append(f"create-big:{msg.recipient_box_id}")
        # upload_attachment() above hands back (name, bytes) as the "uploaded" handle.
        return self._create(msg, [x.uploaded for x in ext_files], True)


@dataclass(frozen=True)
class _Created:
    message_id: str


class FakeAccounts:
    """The part of AccountService the outbox and the send use, with the fake ISDS as every
    account's client (records come from the real store)."""

    def __init__(self, real: Any, isds: FakeIsds) -> None:
        self._real = real
        self.isds = isds
        self.clients = 0

    def record(self, name: str) -> Any:
        return self._real.record(name)

    def get(self, name: str) -> Any:
        return self._real.get(name)

    def client(self, name: str, **_kw: Any) -> FakeIsds:
        self._real.record(name)  # an unknown account fails as the real one does
        self.clients += 1
        return self.isds
