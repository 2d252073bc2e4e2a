"""The simulator's data model: boxes, users, messages, uploads (mutable, in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dso_desktop.domain import BOX_TYPE_CODES, owner_name

# userPrivils bits as ISDS defines them (libdatovka's isds.h names them PRIVIL_*).
PRIVIL_READ_NON_PERSONAL = 1
PRIVIL_READ_ALL = 2
PRIVIL_CREATE_DM = 4
PRIVIL_VIEW_INFO = 8
PRIVIL_SEARCH_DB = 16
PRIVIL_OWNER_ADM = 32
PRIVIL_READ_VAULT = 64
PRIVIL_ERASE_VAULT = 128
PRIVIL_ALL = 255


@dataclass
class Box:
    box_id: str
    box_type: str
    name: str  # firmName, or the person's full name for FO/PFO
    city: str
    street: str
    number_in_street: str
    number_in_municipality: str
    zip_code: str
    district: str = ""
    ico: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None  # ISO date
    birth_city: str | None = None
    state: int = 1
    effective_ovm: bool = False
    open_addressing: bool = False
    id_ovm: str | None = None
    credit: int = 0  # PDZ credit in CZK
    pdz_allowed: bool = True
    vault_type: int = 0  # 0 = no data vault

    @property
    def type_code(self) -> int:
        return BOX_TYPE_CODES.get(self.box_type, 0)

    @property
    def is_ovm(self) -> bool:
        return self.box_type.startswith("OVM")

    @property
    def address(self) -> str:
        street = self.street or self.city
        number = self.number_in_municipality
        if self.number_in_street:
            number = f"{number}/{self.number_in_street}" if number else self.number_in_street
        return f"{street} {number}, {self.zip_code} {self.city}".strip()


@dataclass
class User:
    username: str
    password: str
    isds_id: str
    box_id: str
    user_type: str  # tUserType
    privileges: int
    login_method: str  # domain.LoginMethod value
    first_name: str
    last_name: str
    password_expires: datetime | None = None
    hotp_secret: str | None = None  # hex
    hotp_counter: int = 0
    mobile_code: str | None = None  # "komunikační kód" of the Mobile key
    phone: str = "+420 601 000 000"
    cert_sha256: list[str] = field(default_factory=list)
    failed_logins: list[datetime] = field(default_factory=list)
    locked_until: datetime | None = None

    @property
    def full_name(self) -> str:
        return owner_name(None, self.first_name, self.last_name) or ""


@dataclass(slots=True)
class StoredFile:
    """One dmFile: either real bytes (sent through the API) or a generator recipe."""

    name: str
    mime: str
    meta_type: str
    size: int
    data: bytes | None = None
    kind: str | None = None  # generator kind (pdf, docx, ...)
    seed: int = 0
    title: str = ""
    guid: str | None = None
    up_guid: str | None = None


@dataclass(slots=True)
class Message:
    dm_id: str
    sender_id: str
    recipient_id: str
    annotation: str
    posted_at: datetime
    sender_ref: str | None = None
    recipient_ref: str | None = None
    sender_ident: str | None = None
    recipient_ident: str | None = None
    to_hands: str | None = None
    sender_org_unit: str | None = None
    sender_org_unit_num: int | None = None
    recipient_org_unit: str | None = None
    recipient_org_unit_num: int | None = None
    legal: tuple[str | None, str | None, str | None, str | None, str | None] = (
        None, None, None, None, None)
    personal_delivery: bool = False
    allow_fiction: bool = True
    ambiguous: bool = False
    dm_type: str = "V"
    vodz: bool = False
    status: int = 1
    delivered_at: datetime | None = None
    accepted_at: datetime | None = None
    files: list[StoredFile] = field(default_factory=list)
    events: list[tuple[datetime, str]] = field(default_factory=list)
    history: list[tuple[datetime, int]] = field(default_factory=list)
    author: str | None = None  # username of the sending user
    author_type: str | None = None
    erased: bool = False
    hash_b64: str | None = None  # dmHash of dmDm, computed once (ISDS stores it)
    qtimestamp: bytes | None = None

    @property
    def attachment_size_kb(self) -> int:
        """dmAttachmentSize: kB of the base64 form."""
        total = sum((f.size + 2) // 3 * 4 for f in self.files)
        return max(1, (total + 1023) // 1024) if self.files else 0

    def set_status(self, status: int, at: datetime) -> None:
        self.status = status
        self.history.append((at, status))


@dataclass
class Upload:
    """A big attachment uploaded with UploadAttachment, waiting for CreateBigMessage."""

    att_id: str
    box_id: str
    name: str
    mime: str
    data: bytes
    uploaded_at: datetime
    sha256: str
    sha3: str
    used: bool = False
