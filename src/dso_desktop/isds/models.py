"""Typed request and result objects of the ISDS operations (frozen dataclasses, domain names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO

from dso_desktop.domain import AttachmentRole, DeliveryEvent, Envelope, LegalTitle

__all__ = [
    "Address",
    "ArchivedDocument",
    "AsyncResponse",
    "BoxActivityPeriod",
    "BoxSearchHit",
    "BoxSearchPage",
    "Constant",
    "Credentials",
    "CreditEvent",
    "CreditInfo",
    "DeliveryInfo",
    "DownloadedAttachment",
    "EnvelopeInfo",
    "ExtFile",
    "FullAddress",
    "Hash",
    "MessageAuthor",
    "MessageFile",
    "MessageRecord",
    "MultipleSendResult",
    "Notification",
    "NotificationPage",
    "OutgoingFile",
    "OutgoingMessage",
    "OwnerInfo",
    "PdzRecord",
    "ReceivedMessage",
    "Recipient",
    "ResignedDocument",
    "SendResult",
    "SignedDocument",
    "StateChange",
    "UploadedAttachment",
    "UserInfo",
    "VaultInfo",
]


@dataclass(frozen=True)
class Credentials:
    """What a login method needs; secrets come from `dso_desktop.secretstore`, never from disk."""

    username: str
    password: str | None = field(default=None, repr=False)
    cert_file: Path | None = None
    key_file: Path | None = None
    cert_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SignedDocument:
    """A ZFO (CMS SignedData) as ISDS returned it; 0005 means "sent without a timestamp"."""

    data: bytes = field(repr=False)
    status_code: str
    status_message: str

    @property
    def without_timestamp(self) -> bool:
        return self.status_code == "0005"


@dataclass(frozen=True)
class Hash:
    """dmHash: the hash of dmDm and its algorithm name (SHA-1, SHA-256, …)."""

    algorithm: str
    value: bytes


@dataclass(frozen=True)
class MessageRecord:
    """One row of a message list (tRecord)."""

    envelope: Envelope
    ordinal: int | None = None
    suspicious_flag: int | None = None  # specMessFlag


@dataclass(frozen=True)
class StateChange:
    message_id: str
    at: datetime
    status: int


@dataclass(frozen=True)
class MessageFile:
    """A dmFile of a downloaded message."""

    name: str
    mime_type: str
    role: AttachmentRole | str
    content: bytes | None = field(default=None, repr=False)  # dmEncodedContent
    xml_content: bytes | None = field(default=None, repr=False)  # dmXMLContent, serialised
    guid: str | None = None
    up_guid: str | None = None


@dataclass(frozen=True)
class ReceivedMessage:
    """MessageDownload / BigMessageDownload: the unsigned message with its files."""

    envelope: Envelope
    files: tuple[MessageFile, ...]
    dm_hash: Hash | None
    q_timestamp: bytes | None = field(default=None, repr=False)
    attachment_count: int | None = None  # attsNum (big messages)


@dataclass(frozen=True)
class EnvelopeInfo:
    """MessageEnvelopeDownload / SentMessageEnvelopeDownload."""

    envelope: Envelope
    dm_hash: Hash | None
    q_timestamp: bytes | None = field(default=None, repr=False)
    attachment_count: int | None = None
    suspicious_flag: int | None = None


@dataclass(frozen=True)
class DeliveryInfo:
    """GetDeliveryInfo: envelope, hash and the delivery events (doručenka)."""

    envelope: Envelope
    dm_hash: Hash | None
    events: tuple[DeliveryEvent, ...]
    q_timestamp: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OutgoingFile:
    """An attachment to send inline (dmFile); exactly one of content / xml_content."""

    name: str  # dmFileDescr; ISDS detects the format from its extension
    content: bytes | None = field(default=None, repr=False)
    mime_type: str = ""
    role: AttachmentRole = AttachmentRole.ENCLOSURE
    xml_content: bytes | None = field(default=None, repr=False)
    guid: str | None = None
    up_guid: str | None = None

    def __post_init__(self) -> None:
        if (self.content is None) == (self.xml_content is None):
            raise ValueError("an OutgoingFile has exactly one of content and xml_content")


@dataclass(frozen=True)
class Recipient:
    box_id: str
    org_unit: str | None = None
    org_unit_num: int | None = None
    to_hands: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """The caller-settable envelope of a message to send (tMessageEnvelopeSub)."""

    recipient_box_id: str | None
    subject: str
    sender_org_unit: str | None = None
    sender_org_unit_num: int | None = None
    recipient_org_unit: str | None = None
    recipient_org_unit_num: int | None = None
    to_hands: str | None = None
    your_ref: str | None = None  # dmRecipientRefNumber
    our_ref: str | None = None  # dmSenderRefNumber
    your_file_mark: str | None = None  # dmRecipientIdent
    our_file_mark: str | None = None  # dmSenderIdent
    legal_title: LegalTitle = field(default_factory=LegalTitle)
    personal_delivery: bool | None = None
    allow_fiction: bool | None = None
    ovm: bool | None = None  # dmOVM: send as a public authority
    publish_own_id: bool | None = None
    id_level: int | None = None  # IdLevel attribute of dmPublishOwnID
    message_type: str | None = None  # dmType: K, O, I, V; None = public message


@dataclass(frozen=True)
class SendResult:
    message_id: str | None
    status_code: str
    status_message: str


@dataclass(frozen=True)
class MultipleSendResult:
    """CreateMultipleMessage: overall status plus one result per recipient, in order."""

    status_code: str
    status_message: str
    results: tuple[SendResult, ...]


@dataclass(frozen=True)
class MessageAuthor:
    """GetMessageAuthor(2): who sent the message; `details` holds the maItem key/values."""

    user_type: str | None = None
    name: str | None = None
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Notification:
    """One ntfRecord of GetListForNotifications."""

    kind: int
    message_id: str
    personal_delivery: int
    delivered_at: datetime | None
    recipient_box_id: str
    subject: str
    sender_box_id: str
    sender_name: str


@dataclass(frozen=True)
class NotificationPage:
    records: tuple[Notification, ...]
    continues: bool


@dataclass(frozen=True)
class AsyncResponse:
    request_type: str | None
    data: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ResignedDocument:
    data: bytes | None = field(repr=False)
    valid_to: date | None
    status_code: str = "0000"


@dataclass(frozen=True)
class ArchivedDocument:
    data: bytes | None = field(repr=False)
    next_stamp_to: date | None
    status_code: str = "0000"


@dataclass(frozen=True)
class UploadedAttachment:
    """UploadAttachment result: the id and the two hashes CreateBigMessage must quote."""

    att_id: str
    hash1: str
    hash1_alg: str
    hash2: str
    hash2_alg: str


@dataclass(frozen=True)
class ExtFile:
    """A dmExtFile of CreateBigMessage: an uploaded attachment and its role."""

    uploaded: UploadedAttachment
    role: AttachmentRole = AttachmentRole.ENCLOSURE
    guid: str | None = None
    up_guid: str | None = None


@dataclass(frozen=True)
class DownloadedAttachment:
    """DownloadAttachment: metadata; the content went to the caller's file or is here."""

    name: str | None
    mime_type: str | None
    role: str | None
    size: int
    content: bytes | None = field(default=None, repr=False)


# --- boxes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    code: str | None = None  # adCode (RÚIAN)
    city: str | None = None
    district: str | None = None
    street: str | None = None
    number_in_street: str | None = None
    number_in_municipality: str | None = None
    zip_code: str | None = None
    state: str | None = None
    am_code: str | None = None


@dataclass(frozen=True)
class OwnerInfo:
    """A box owner (tDbOwnerInfo, …Ext, …Ext2); also the query of FindDataBox(2)."""

    box_id: str | None = None
    box_type: str | None = None
    ic: str | None = None
    given_names: str | None = None  # pnGivenNames (v2) or first + middle name (v1)
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    last_name_at_birth: str | None = None
    firm_name: str | None = None
    birth_date: date | None = None
    birth_city: str | None = None
    birth_county: str | None = None
    birth_state: str | None = None
    address: Address = field(default_factory=Address)
    nationality: str | None = None
    email: str | None = None
    phone: str | None = None
    identifier: str | None = None
    registry_code: str | None = None
    state: int | None = None  # dbState
    effective_ovm: bool | None = None
    open_addressing: bool | None = None
    ovm_id: str | None = None  # dbIdOVM
    upper_box_id: str | None = None  # dbUpperID
    aifo_isds: bool | None = None


@dataclass(frozen=True)
class UserInfo:
    """The logged-in user (tDbUserInfo / tDbUserInfoExt2)."""

    user_id: str | None = None  # userID (v1) or isdsID (v2)
    user_type: str | None = None
    privileges: int | None = None
    given_names: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    last_name_at_birth: str | None = None
    address: Address = field(default_factory=Address)
    birth_date: date | None = None
    ic: str | None = None
    firm_name: str | None = None
    contact_street: str | None = None
    contact_city: str | None = None
    contact_zip_code: str | None = None
    contact_state: str | None = None
    aifo_isds: bool | None = None


@dataclass(frozen=True)
class BoxSearchHit:
    """One dbResult of ISDSSearch2/3."""

    box_id: str
    box_type: str
    name: str
    address: str
    birth_date: date | None = None
    ic: str | None = None
    effective_ovm: bool | None = None
    ovm_id: str | None = None
    send_options: str | None = None  # DZ, ALL, PDZ, NONE, DISABLED


@dataclass(frozen=True)
class BoxSearchPage:
    total: int | None
    current: int | None
    position: int | None
    last_page: bool | None
    hits: tuple[BoxSearchHit, ...]


@dataclass(frozen=True)
class PdzRecord:
    pdz_type: str
    recipient: str | None
    payer: str
    expires: datetime | None
    count: int | None
    odz_ident: str | None


@dataclass(frozen=True)
class CreditEvent:
    at: datetime | None
    event_type: int | None
    change: int | None
    after: int | None
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CreditInfo:
    current_credit: int | None
    notify_email: str | None
    events: tuple[CreditEvent, ...]


@dataclass(frozen=True)
class BoxActivityPeriod:
    start: datetime | None
    end: datetime | None
    state: int | None


@dataclass(frozen=True)
class VaultInfo:
    """DTInfo: the data-vault (datový trezor) type now and in future."""

    current_type: int | None = None
    current_capacity: int | None = None
    current_from: date | None = None
    current_to: date | None = None
    current_used: int | None = None
    future_type: int | None = None
    future_capacity: int | None = None
    future_from: date | None = None
    future_to: date | None = None
    future_paid: int | None = None


@dataclass(frozen=True)
class Constant:
    name: str
    value: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True)
class FullAddress:
    """GetDataBoxAddress."""

    address: Address
    registration_number: str | None
    full_line1: str | None
    full_line2: str | None


# Where a download may go: a writable binary file, or None to keep it in memory.
Sink = IO[bytes] | None
