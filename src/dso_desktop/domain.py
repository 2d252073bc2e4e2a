"""Domain vocabulary shared by every layer: directions, states, box types, envelopes, and
the kinds the layers report (verdicts, ZFO kinds, sync phases, ingest and import statuses,
warnings, integrity problems).

Every enum member has a text in English and Czech (`text(member, lang)`); the values are
the strings stored in the archive and printed by ``--json``, so they never change.
Standard library only: this module is imported at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, IntEnum, StrEnum
from typing import Any


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


# -- what the layers report ------------------------------------------------------------------


class VerdictKind(StrEnum):
    """The verdict on a ZFO's seal (`zfo.verify_zfo`); stored as is in the archive."""

    VALID = "valid"
    EXPIRING = "expiring"  # valid, but the timestamp stops being verifiable soon
    VALID_AT_SIGNING = "valid-at-signing"  # sealed while valid; not (fully) provable today
    UNTRUSTED = "untrusted"  # signature fine, chain does not reach a trust anchor
    INVALID = "invalid"  # a check failed; reasons say which

    @property
    def trusted(self) -> bool:
        """May be evidence: the seal verifies and chains to a trust anchor."""
        return self in TRUSTED_VERDICTS


TRUSTED_VERDICTS = frozenset({VerdictKind.VALID, VerdictKind.EXPIRING,
                              VerdictKind.VALID_AT_SIGNING})


class ZfoKind(StrEnum):
    """What a ZFO holds (the root element of its signed XML)."""

    RECEIVED = "received"  # …/v20/message
    SENT = "sent"  # …/v20/SentMessage
    DELIVERY_INFO = "delivery-info"  # …/v20/delivery (doručenka)


class HashCheck(StrEnum):
    """A hash check of a ZFO (`Verdict.dm_hash`: dmHash against the dmDm bytes; also
    dmQTimestamp against dmHash)."""

    OK = "ok"
    MISMATCH = "mismatch"
    NOT_RECOMPUTABLE = "not-recomputable"  # a delivery info lacks the attachments
    UNLOCATABLE = "unlocatable"  # the dmDm bytes cannot be found in their encoding
    ABSENT = "absent"
    UNREADABLE = "unreadable"  # a dmQTimestamp token that cannot be read
    NOT_CHECKED = "not-checked"


class SyncPhase(StrEnum):
    """The phase a `sync.SyncProgress` event reports."""

    LOGIN = "login"
    LIST_RECEIVED = "list-received"
    LIST_SENT = "list-sent"
    STATE = "state"
    DOWNLOAD = "download"
    DELIVERY_INFO = "delivery-info"
    DONE = "done"


class IngestStatus(StrEnum):
    """What storing one ZFO did (`sync.ingest.IngestResult.status`)."""

    STORED = "stored"
    REPLACED = "replaced"  # became the evidence in place of an untrusted copy
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"  # kept beside other evidence
    DELIVERY_INFO = "delivery-info"
    QUARANTINED = "quarantined"  # untrusted file: kept apart, not evidence


class ImportStatus(StrEnum):
    """What importing one file did (`services.types.ImportItem.status`)."""

    IMPORTED = "imported"
    REPLACED = "replaced"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    DELIVERY_INFO = "delivery-info"
    QUARANTINED = "quarantined"
    INVALID = "invalid"  # not a readable ZFO, or refused
    ERROR = "error"  # the file could not be read

    @classmethod
    def of(cls, ingest: IngestStatus) -> ImportStatus:
        """The import status of an ingest status (a stored file is "imported")."""
        return cls.IMPORTED if ingest is IngestStatus.STORED else cls(ingest.value)


class WarningKind(StrEnum):
    """What an archive warning (`services.types.ArchiveWarning`) is about."""

    PASSWORD_EXPIRY = "password-expiry"  # noqa: S105 - a kind, not a password
    TIMESTAMP_EXPIRY = "timestamp-expiry"
    DELETION = "deletion"
    FICTION = "fiction"
    UNTRUSTED_EVIDENCE = "untrusted-evidence"
    EVIDENCE_CONFLICT = "evidence-conflict"
    QUARANTINED = "quarantined"
    SEND_UNKNOWN = "send-unknown"
    BACKUP_FAILED = "backup-failed"
    BACKUP_OVERDUE = "backup-overdue"
    UNDELIVERED = "undelivered"  # a sent message not delivered after N days


class EvidenceCause(StrEnum):
    """What ends the verifiability of a message's evidence first (the watch's due date)."""

    SEAL_CERTIFICATE = "seal-certificate"
    TIMESTAMP_CERTIFICATE = "timestamp-certificate"
    QUALIFIED_TIMESTAMP = "qualified-timestamp"  # dmQTimestamp's TSA certificate
    ALGORITHM = "algorithm"  # a key size the verifier stops accepting on that day
    ARCHIVE_TIMESTAMP = "archive-timestamp"  # our RFC 3161 archive timestamp's TSA


class Remedy(StrEnum):
    """What the user (or a script) does about a watch item."""

    RESTAMP = "restamp"  # Re-signISDSDocument (or an archive timestamp where ISDS cannot)
    ACCEPT = "accept"  # open the message: log in and accept it before the fiction applies
    DOWNLOAD = "download"  # sync the account: download the signed message before deletion
    CHECK_DELIVERY = "check-delivery"  # sync the account / ask the recipient
    CHANGE_PASSWORD = "change-password"  # noqa: S105 - a remedy, not a password


class EvidenceVersionKind(StrEnum):
    """A later version of a message's evidence, kept beside the byte-exact original."""

    RESIGNED = "resigned"  # ISDS re-sealed the ZFO (Re-signISDSDocument)
    ARCHIVE_TIMESTAMP = "archive-timestamp"  # an RFC 3161 token over the stored ZFO


class IntegrityProblemKind(StrEnum):
    """What the integrity check of the archive found (`services.types.IntegrityProblem`)."""

    MISSING_ZFO = "missing-zfo"
    CHECKSUM = "checksum"
    UNPARSABLE = "unparsable"
    INVALID = "invalid"
    UNTRUSTED = "untrusted"
    MISMATCH = "mismatch"
    CONFLICT = "conflict"
    CONFLICT_REVIEWED = "conflict-reviewed"
    QUARANTINED = "quarantined"
    DATABASE = "database"
    DUPLICATE = "duplicate"  # one message kept under two accounts of the same data box


# enum -> member -> (English, Czech): short labels a user understands. Keyed by the enum
# first: StrEnum members of different enums with one value are equal ("invalid").
TEXTS: dict[type[Enum], dict[Any, tuple[str, str]]] = {
    Direction: {
        Direction.RECEIVED: ("Received", "Přijaté"),
        Direction.SENT: ("Sent", "Odeslané"),
    },
    MessageStatus: {
        MessageStatus.POSTED: ("Posted", "Podána"),
        MessageStatus.STAMPED: ("Timestamped", "Opatřena časovým razítkem"),
        MessageStatus.INFECTED_REMOVED: ("Infected attachment removed",
                                         "Infikovaná příloha odstraněna"),
        MessageStatus.DELIVERED: ("Delivered to the box", "Dodána do schránky"),
        MessageStatus.ACCEPTED_BY_FICTION: ("Accepted by fiction", "Doručena fikcí"),
        MessageStatus.ACCEPTED_BY_LOGIN: ("Accepted by login", "Doručena přihlášením"),
        MessageStatus.READ: ("Read", "Přečtena"),
        MessageStatus.UNDELIVERABLE: ("Undeliverable", "Nedoručitelná"),
        MessageStatus.CONTENT_DELETED: ("Content deleted", "Obsah smazán"),
        MessageStatus.IN_VAULT: ("In the data vault", "V datovém trezoru"),
    },
    AttachmentRole: {
        AttachmentRole.MAIN: ("Main document", "Hlavní písemnost"),
        AttachmentRole.ENCLOSURE: ("Enclosure", "Příloha"),
        AttachmentRole.SIGNATURE: ("Signature", "Podpis"),
        AttachmentRole.META: ("Metadata", "Metadata"),
    },
    LoginMethod: {
        LoginMethod.PASSWORD: ("Name and password", "Jméno a heslo"),
        LoginMethod.CERT: ("System certificate", "Systémový certifikát"),
        LoginMethod.CERT_PASSWORD: ("Certificate and password", "Certifikát a heslo"),
        LoginMethod.HOSTED: ("Hosted records system", "Hostovaná spisová služba"),
        LoginMethod.HOTP: ("Security code (HOTP)", "Bezpečnostní kód (HOTP)"),
        LoginMethod.TOTP: ("SMS code", "SMS kód"),
        LoginMethod.MOBILE_KEY: ("Mobile key", "Mobilní klíč"),
    },
    VerdictKind: {
        VerdictKind.VALID: ("Valid", "Platný"),
        VerdictKind.EXPIRING: ("Expiring", "Brzy vyprší"),
        VerdictKind.VALID_AT_SIGNING: ("Valid at signing", "Platný při podpisu"),
        VerdictKind.UNTRUSTED: ("Untrusted", "Nedůvěryhodný"),
        VerdictKind.INVALID: ("Invalid", "Neplatný"),
    },
    ZfoKind: {
        ZfoKind.RECEIVED: ("Received data message", "Přijatá datová zpráva"),
        ZfoKind.SENT: ("Sent data message", "Odeslaná datová zpráva"),
        ZfoKind.DELIVERY_INFO: ("Delivery info", "Doručenka"),
    },
    HashCheck: {
        HashCheck.OK: ("the message hash matches its content", "otisk zprávy odpovídá obsahu"),
        HashCheck.MISMATCH: ("the message hash does not match its content",
                             "otisk zprávy neodpovídá obsahu"),
        HashCheck.NOT_RECOMPUTABLE: ("the message hash cannot be recomputed",
                                     "otisk zprávy nelze přepočítat"),
        HashCheck.UNLOCATABLE: ("the hashed part cannot be found (encoding)",
                                "otištěnou část zprávy nelze najít (kódování)"),
        HashCheck.ABSENT: ("no hash to check", "není co ověřit (otisk chybí)"),
        HashCheck.UNREADABLE: ("the hash token cannot be read", "otisk nelze přečíst"),
        HashCheck.NOT_CHECKED: ("not checked", "neověřeno"),
    },
    SyncPhase: {
        SyncPhase.LOGIN: ("logging in", "přihlašování"),
        SyncPhase.LIST_RECEIVED: ("listing received messages", "seznam přijatých zpráv"),
        SyncPhase.LIST_SENT: ("listing sent messages", "seznam odeslaných zpráv"),
        SyncPhase.STATE: ("updating message states", "aktualizace stavů zpráv"),
        SyncPhase.DOWNLOAD: ("downloading messages", "stahování zpráv"),
        SyncPhase.DELIVERY_INFO: ("downloading delivery info", "stahování doručenek"),
        SyncPhase.DONE: ("done", "hotovo"),
    },
    IngestStatus: {
        IngestStatus.STORED: ("stored", "uloženo"),
        IngestStatus.REPLACED: ("replaced an untrusted copy", "nahradilo nedůvěryhodnou kopii"),
        IngestStatus.DUPLICATE: ("already in the archive", "už v archivu"),
        IngestStatus.CONFLICT: ("kept beside another copy", "uloženo vedle jiné kopie"),
        IngestStatus.DELIVERY_INFO: ("delivery info stored", "doručenka uložena"),
        IngestStatus.QUARANTINED: ("in quarantine (not evidence)",
                                   "v karanténě (není důkazem)"),
    },
    ImportStatus: {
        ImportStatus.IMPORTED: ("imported", "importováno"),
        ImportStatus.REPLACED: ("replaced an untrusted copy", "nahradilo nedůvěryhodnou kopii"),
        ImportStatus.DUPLICATE: ("already in the archive", "už v archivu"),
        ImportStatus.CONFLICT: ("kept beside another copy", "uloženo vedle jiné kopie"),
        ImportStatus.DELIVERY_INFO: ("delivery info stored", "doručenka uložena"),
        ImportStatus.QUARANTINED: ("in quarantine (not evidence)", "v karanténě (není důkazem)"),
        ImportStatus.INVALID: ("not a valid ZFO", "není platný soubor ZFO"),
        ImportStatus.ERROR: ("the file cannot be read", "soubor nelze přečíst"),
    },
    WarningKind: {
        WarningKind.PASSWORD_EXPIRY: ("Password", "Heslo"),
        WarningKind.TIMESTAMP_EXPIRY: ("Evidence expires", "Konec ověřitelnosti"),
        WarningKind.DELETION: ("Deletion from ISDS", "Smazání z ISDS"),
        WarningKind.FICTION: ("Acceptance by fiction", "Doručení fikcí"),
        WarningKind.UNTRUSTED_EVIDENCE: ("Untrusted signature", "Nedůvěryhodný podpis"),
        WarningKind.EVIDENCE_CONFLICT: ("Conflicting copy", "Kopie v rozporu"),
        WarningKind.QUARANTINED: ("Quarantine", "Karanténa"),
        WarningKind.SEND_UNKNOWN: ("Sending not confirmed", "Nepotvrzené odeslání"),
        WarningKind.BACKUP_FAILED: ("Backup failed", "Záloha selhala"),
        WarningKind.BACKUP_OVERDUE: ("Backup overdue", "Záloha chybí"),
        WarningKind.UNDELIVERED: ("Not delivered", "Nedodaná zpráva"),
    },
    EvidenceCause: {
        EvidenceCause.SEAL_CERTIFICATE: ("the seal certificate expires",
                                         "vyprší certifikát pečeti"),
        EvidenceCause.TIMESTAMP_CERTIFICATE: ("the timestamp certificate expires",
                                              "vyprší certifikát časového razítka"),
        EvidenceCause.QUALIFIED_TIMESTAMP: ("the ISDS qualified timestamp expires",
                                            "vyprší kvalifikované časové razítko ISDS"),
        EvidenceCause.ALGORITHM: ("the key length stops being accepted",
                                  "délka klíče přestane být přijímána"),
        EvidenceCause.ARCHIVE_TIMESTAMP: ("the archive timestamp expires",
                                          "vyprší archivní časové razítko"),
    },
    Remedy: {
        Remedy.RESTAMP: ("restamp", "obnovit razítko"),
        Remedy.ACCEPT: ("open and accept", "otevřít a převzít"),
        Remedy.DOWNLOAD: ("download now", "stáhnout zprávu"),
        Remedy.CHECK_DELIVERY: ("check the delivery", "prověřit dodání"),
        Remedy.CHANGE_PASSWORD: ("change the password", "změnit heslo"),
    },
    EvidenceVersionKind: {
        EvidenceVersionKind.RESIGNED: ("re-sealed by ISDS", "znovu zapečetěno ISDS"),
        EvidenceVersionKind.ARCHIVE_TIMESTAMP: ("archive timestamp", "archivní časové razítko"),
    },
    IntegrityProblemKind: {
        IntegrityProblemKind.MISSING_ZFO: ("not downloaded yet", "dosud nestaženo"),
        IntegrityProblemKind.CHECKSUM: ("stored bytes damaged", "uložená data jsou poškozena"),
        IntegrityProblemKind.UNPARSABLE: ("unreadable ZFO", "nečitelný soubor ZFO"),
        IntegrityProblemKind.INVALID: ("signature invalid", "podpis je neplatný"),
        IntegrityProblemKind.UNTRUSTED: ("signature not trusted", "podpis není důvěryhodný"),
        IntegrityProblemKind.MISMATCH: ("ZFO of another message", "ZFO jiné zprávy"),
        IntegrityProblemKind.CONFLICT: ("another copy with different content",
                                        "jiná kopie s odlišným obsahem"),
        IntegrityProblemKind.CONFLICT_REVIEWED: ("another copy, reviewed",
                                                 "jiná kopie, zkontrolováno"),
        IntegrityProblemKind.QUARANTINED: ("imported file in quarantine",
                                           "importovaný soubor v karanténě"),
        IntegrityProblemKind.DUPLICATE: ("message kept twice (two accounts of one box)",
                                         "zpráva uložena dvakrát (dva účty jedné schránky)"),
        IntegrityProblemKind.DATABASE: ("database damaged", "databáze je poškozena"),
    },
}

# The enums `TEXTS` covers completely (a test checks every member of each).
VOCABULARY: tuple[type[Enum], ...] = (
    Direction, MessageStatus, AttachmentRole, LoginMethod, VerdictKind, ZfoKind, HashCheck,
    SyncPhase, IngestStatus, ImportStatus, WarningKind, IntegrityProblemKind,
    EvidenceCause, Remedy, EvidenceVersionKind,
)


def text(member: Enum, lang: str = "cs") -> str:
    """The label of a vocabulary member in ``lang`` (``cs`` or ``en``)."""
    en, cs = TEXTS[type(member)][member]
    return cs if lang == "cs" else en
