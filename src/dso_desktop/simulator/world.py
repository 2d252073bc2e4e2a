"""The living data-box world: delivery, fiction, acceptance by login, retention, lookups."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dso_desktop.simulator.model import (
    PRIVIL_READ_ALL,
    Box,
    Message,
    StoredFile,
    Upload,
    User,
)

FICTION_AFTER = timedelta(days=10)
RETENTION_AFTER_LOGIN = timedelta(days=90)
RETENTION_OTHERWISE = timedelta(days=3 * 365)
UPLOAD_KEPT = timedelta(hours=24)

EV_TEXT = {
    "EV0": "EV0: Datová zpráva byla podána.",
    "EV1": "EV1: Zpráva byla doručena přihlášením.",
    "EV2": "EV2: Zpráva byla doručena fikcí.",
    "EV3": "EV3: Zpráva nebyla doručena, schránka adresáta je znepřístupněna.",
    "EV4": "EV4: Poštovní datová zpráva byla přijata adresátem.",
    "EV5": ("EV5: Datová zpráva byla dodána do datové schránky příjemce. Je-li příjemcem "
            "datové zprávy orgán veřejné moci vystupující v postavení orgánu veřejné moci, "
            "byla datová zpráva tímto okamžikem doručena."),
    "EV6": "EV6: Zpráva byla doručena fikcí, nebyla osoba oprávněná k doručení.",
    "EV8": "EV8: Zpráva nebyla doručena, obsahovala škodlivý kód.",
    "EV11": "EV11: Zpráva byla doručena přihlášením primárního uživatele nebo likvidátora.",
    "EV12": "EV12: Zpráva byla doručena přihlášením pověřené osoby.",
    "EV13": "EV13: Zpráva byla doručena přihlášením systémovým certifikátem.",
}


@dataclass
class World:
    """All boxes, users and messages; every public method is called under ``lock``."""

    boxes: dict[str, Box] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    received: dict[str, list[str]] = field(default_factory=dict)  # box -> dm ids (by time)
    sent: dict[str, list[str]] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    # PDZ credit history: (time, box, change, credit after, recipient box)
    credit_log: list[tuple[datetime, str, int, int, str]] = field(default_factory=list)
    sms: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # username -> code
    async_results: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    suspicious: set[str] = field(default_factory=set)  # dm ids reported as spam
    notification_boxes: set[str] = field(default_factory=set)
    next_dm_id: int = 1_000_001
    next_att_id: int = 1
    seed: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    dm_cache: dict[tuple[str, bool], bytes] = field(default_factory=dict, repr=False)
    _deadlines: list[tuple[datetime, str, str]] = field(default_factory=list, repr=False)

    # -- building ---------------------------------------------------------------------
    def add_box(self, box: Box) -> Box:
        self.boxes[box.box_id] = box
        self.received.setdefault(box.box_id, [])
        self.sent.setdefault(box.box_id, [])
        return box

    def add_user(self, user: User) -> User:
        self.users[user.username] = user
        return user

    def add_message(self, msg: Message) -> Message:
        """Index a message (generated or posted) and schedule its future transitions."""
        self.messages[msg.dm_id] = msg
        self.received.setdefault(msg.recipient_id, []).append(msg.dm_id)
        self.sent.setdefault(msg.sender_id, []).append(msg.dm_id)
        self.schedule(msg)
        return msg

    def schedule(self, msg: Message) -> None:
        if msg.erased or msg.delivered_at is None:
            return
        if msg.status == 4 and msg.allow_fiction:
            heapq.heappush(self._deadlines, (msg.delivered_at + FICTION_AFTER, "fiction",
                                             msg.dm_id))
        due = self.erase_due(msg)
        if due is not None:
            heapq.heappush(self._deadlines, (due, "erase", msg.dm_id))

    @staticmethod
    def erase_due(msg: Message) -> datetime | None:
        if msg.delivered_at is None:
            return None
        login_time = next((t for t, s in msg.history if s == 6), None)
        if login_time is not None:
            return login_time + RETENTION_AFTER_LOGIN
        return msg.delivered_at + RETENTION_OTHERWISE

    def new_dm_id(self) -> str:
        dm_id = str(self.next_dm_id)
        self.next_dm_id += 1
        return dm_id

    def new_att_id(self) -> str:
        att_id = f"att-{self.next_att_id:08d}"
        self.next_att_id += 1
        return att_id

    # -- time -------------------------------------------------------------------------
    def tick(self, now: datetime) -> None:
        """Apply every transition whose time has come: fiction, then retention erase."""
        while self._deadlines and self._deadlines[0][0] <= now:
            at, kind, dm_id = heapq.heappop(self._deadlines)
            msg = self.messages.get(dm_id)
            if msg is None or msg.erased:
                continue
            if kind == "fiction" and msg.status == 4:
                msg.accepted_at = at
                msg.set_status(5, at)
                msg.events.append((at, EV_TEXT["EV2"]))
            elif kind == "erase" and self.erase_due(msg) == at:
                msg.erased = True
                msg.files = []
                self.dm_cache.clear()
        for att_id, up in list(self.uploads.items()):
            if now - up.uploaded_at > UPLOAD_KEPT:
                del self.uploads[att_id]

    # -- transitions ------------------------------------------------------------------
    def post(self, msg: Message, now: datetime) -> Message:
        """A new message enters ISDS: EV0, timestamped, and delivered (dodána) at once."""
        recipient = self.boxes[msg.recipient_id]
        msg.posted_at = now
        msg.events.append((now, EV_TEXT["EV0"]))
        msg.set_status(1, now)
        msg.set_status(2, now)
        if recipient.state != 1:
            msg.set_status(8, now)
            msg.events.append((now, EV_TEXT["EV3"]))
        else:
            msg.delivered_at = now
            msg.set_status(4, now)
            msg.events.append((now, EV_TEXT["EV5"]))
        return self.add_message(msg)

    def accept_by_login(self, user: User, now: datetime, *, system_cert: bool = False) -> int:
        """§ 17(3): a list of received messages accepts what the user may read. Returns count."""
        count = 0
        for dm_id in self.received.get(user.box_id, ()):
            msg = self.messages[dm_id]
            if msg.status != 4 or msg.erased:
                continue
            if msg.personal_delivery and not user.privileges & PRIVIL_READ_ALL:
                continue
            msg.accepted_at = now
            msg.set_status(6, now)
            if system_cert:
                code = "EV13"
            elif user.user_type in ("PRIMARY_USER", "LIQUIDATOR", "RECEIVER", "GUARDIAN"):
                code = "EV11"
            else:
                code = "EV12"
            msg.events.append((now, EV_TEXT[code]))
            heapq.heappush(self._deadlines, (now + RETENTION_AFTER_LOGIN, "erase", dm_id))
            count += 1
        return count

    def mark_read(self, msg: Message, now: datetime) -> None:
        if msg.status in (5, 6):
            msg.set_status(7, now)

    # -- queries ----------------------------------------------------------------------
    def visible(self, box_id: str, direction: str) -> Iterable[Message]:
        ids = self.received if direction == "received" else self.sent
        for dm_id in ids.get(box_id, ()):
            msg = self.messages[dm_id]
            if not msg.erased:
                yield msg

    def message_for(self, box_id: str, dm_id: str, direction: str | None) -> Message | None:
        msg = self.messages.get(dm_id)
        if msg is None or msg.erased:
            return None
        if direction == "received" and msg.recipient_id != box_id:
            return None
        if direction == "sent" and msg.sender_id != box_id:
            return None
        if direction is None and box_id not in (msg.sender_id, msg.recipient_id):
            return None
        return msg

    def file_bytes(self, f: StoredFile) -> bytes:
        if f.data is not None:
            return f.data
        from dso_desktop.simulator.files import make_file

        assert f.kind is not None
        return make_file(f.kind, f.seed, f.title, f.size)
