"""Domain vocabulary shared by every layer: directions, states, box types, envelopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class Direction(StrEnum):
    RECEIVED = "received"
    SENT = "sent"


class MessageStatus(IntEnum):
    """dmMessageStatus, 1-10."""

    POSTED = 1  # put into ISDS
    STAMPED = 2  # timestamped
    INFECTED_REMOVED = 3  # an infected attachment was removed
    DELIVERED = 4  # dodána: delivered into the box (dmDeliveryTime)
    ACCEPTED_BY_FICTION = 5  # doručena fikcí (dmAcceptanceTime)
    ACCEPTED_BY_LOGIN = 6  # doručena přihlášením (dmAcceptanceTime)
    READ = 7  # přečtena
    UNDELIVERABLE = 8  # nedoručitelná
    CONTENT_DELETED = 9  # obsah smazán
    IN_VAULT = 10  # v datovém trezoru

    @property
    def is_accepted(self) -> bool:
        return self in (
            MessageStatus.ACCEPTED_BY_FICTION,
            MessageStatus.ACCEPTED_BY_LOGIN,
            MessageStatus.READ,
            MessageStatus.IN_VAULT,
        )


class AttachmentRole(StrEnum):
    """dmFileMetaType."""

    MAIN = "main"
    ENCLOSURE = "enclosure"
    SIGNATURE = "signature"
    META = "meta"


class LoginMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a method name; HTTP Basic on ws1 /DS/
    CERT = "cert"  # system certificate on ws1c /cert/DS/
    CERT_PASSWORD = "cert-password"  # noqa: S105 - method name; cert + Basic, /certds/DS/
    HOSTED = "hosted"  # hosted records-management cert, ws1c /hspis/DS/, user = box id
    HOTP = "hotp"  # cookie session via /as/processLogin?type=hotp
    TOTP = "totp"  # SMS code via /as/processLogin?type=totp
    MOBILE_KEY = "mobile-key"  # Mobilní klíč via type=mep-ws


# Box types as dbType strings (dbTypes.xsd) and their numeric dmSenderType codes.
BOX_TYPE_CODES: dict[str, int] = {
    "SYSTEM": 0,
    "OVM": 10, "OVM_NOTAR": 11, "OVM_EXEKUT": 12, "OVM_REQ": 13, "OVM_FO": 14,
    "OVM_PFO": 15, "OVM_PO": 16,
    "PO": 20, "PO_ZAK": 21, "PO_REQ": 22,
    "PFO": 30, "PFO_ADVOK": 31, "PFO_DANPOR": 32, "PFO_INSSPR": 33, "PFO_AUDITOR": 34,
    "PFO_ZNALEC": 35, "PFO_TLUMOCNIK": 36, "PFO_ARCH": 37, "PFO_AIAT": 38, "PFO_AZI": 39,
    "FO": 40, "PFO_REQ": 50,
}


def owner_name(firm_name: str | None, given_names: str | None,
               last_name: str | None) -> str | None:
    """A box owner's display name, the one formula: the firm's name (firmName) if there is
    one, else given names and last name (pnGivenNames or pnFirstName, pnLastName); None
    when ISDS gave neither."""
    return firm_name or " ".join(p for p in (given_names, last_name) if p) or None


@dataclass(frozen=True)
class LegalTitle:
    """Zmocnění: law / year / section / paragraph / point (dmLegalTitle*)."""

    law: str | None = None
    year: str | None = None
    section: str | None = None
    paragraph: str | None = None
    point: str | None = None

    def is_empty(self) -> bool:
        return not any((self.law, self.year, self.section, self.paragraph, self.point))


@dataclass(frozen=True)
class Envelope:
    """Obálka: what ISDS says about a message, at the protocol boundary's level of detail."""

    message_id: str  # dmID
    sender_box_id: str | None = None  # dbIDSender
    sender_name: str | None = None  # dmSender
    sender_address: str | None = None  # dmSenderAddress
    sender_type: int | None = None  # dmSenderType
    recipient_box_id: str | None = None  # dbIDRecipient
    recipient_name: str | None = None  # dmRecipient
    recipient_address: str | None = None  # dmRecipientAddress
    subject: str | None = None  # dmAnnotation
    sender_org_unit: str | None = None
    sender_org_unit_num: int | None = None
    recipient_org_unit: str | None = None
    recipient_org_unit_num: int | None = None
    to_hands: str | None = None  # dmToHands
    our_ref: str | None = None  # dmSenderRefNumber
    your_ref: str | None = None  # dmRecipientRefNumber
    our_file_mark: str | None = None  # dmSenderIdent
    your_file_mark: str | None = None  # dmRecipientIdent
    legal_title: LegalTitle = field(default_factory=LegalTitle)
    personal_delivery: bool | None = None  # dmPersonalDelivery
    allow_fiction: bool | None = None  # dmAllowSubstDelivery
    ambiguous_recipient: bool | None = None  # dmAmbiguousRecipient
    message_type: str | None = None  # dmType attribute (V, K, O, I, ...)
    status: int | None = None  # dmMessageStatus
    delivered_at: datetime | None = None  # dmDeliveryTime (dodání)
    accepted_at: datetime | None = None  # dmAcceptanceTime (doručení)
    attachment_size_kb: int | None = None  # dmAttachmentSize
    big_message: bool = False  # dmVODZ


@dataclass(frozen=True)
class DeliveryEvent:
    """One dmEvent: time and the EVn-prefixed description."""

    at: datetime
    description: str

    @property
    def code(self) -> str | None:
        head = self.description.split(":", 1)[0].strip()
        return head if head.startswith("EV") and head[2:].isdigit() else None
