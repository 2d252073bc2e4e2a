"""Typed results of parsing a ZFO: kind, attachments, signer, timestamp token, the whole Zfo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from dso_desktop.domain import AttachmentRole, DeliveryEvent, Envelope
from dso_desktop.domain import ZfoKind as ZfoKind  # re-exported: zfo.ZfoKind

if TYPE_CHECKING:
    from dso_desktop.zfo.fastcms import Pieces


@dataclass(frozen=True)
class ZfoAttachment:
    """One dmFile (or a VoDZ dmExtFile reference, which carries no content)."""

    name: str  # dmFileDescr as sent: never use it as a path, see extract.safe_filename
    mime_type: str
    role: AttachmentRole | None  # None when dmFileMetaType is not one of the four known
    size: int  # bytes of the decoded content (0 for an external VoDZ reference)
    is_xml: bool = False  # dmXMLContent rather than dmEncodedContent
    external_id: str | None = None  # dmAttID of a VoDZ dmExtFile
    file_guid: str | None = None
    up_file_guid: str | None = None
    _content: Callable[[], bytes] = field(default=lambda: b"", repr=False, compare=False)
    # A big attachment (base64 read from the file, see xmlcontent._Lean) decodes in pieces.
    _chunks: Callable[[], Iterator[bytes]] | None = field(default=None, repr=False,
                                                          compare=False)

    def content(self) -> bytes:
        """The decoded bytes (computed on demand; big attachments are not kept twice)."""
        return self._content()

    def chunks(self) -> Iterator[bytes]:
        """The decoded bytes in pieces (a big attachment is never whole in memory)."""
        if self._chunks is not None:
            return self._chunks()
        return iter((self.content(),))


@dataclass(frozen=True)
class CertInfo:
    """What a user needs to know about a certificate, plus its DER for the verifier."""

    subject: str
    common_name: str | None
    organization: str | None
    issuer: str
    serial: int
    not_before: datetime
    not_after: datetime
    sha256: str  # hex fingerprint of the DER
    der: bytes = field(repr=False)


@dataclass(frozen=True)
class TimestampInfo:
    """An RFC 3161 token as found in the ZFO (not yet verified)."""

    gen_time: datetime
    hash_algorithm: str
    imprint: bytes
    serial: int
    policy: str
    tsa: CertInfo | None  # the signing TSA certificate if the token carries it
    der: bytes = field(repr=False)


@dataclass(frozen=True)
class Zfo:
    """A parsed, NOT yet verified ZFO. Everything here comes from untrusted bytes."""

    kind: ZfoKind
    raw: bytes = field(repr=False)
    # The signed XML; on a big DER ZFO (parse._skeleton) a view of ``raw``, not a copy;
    # on a big BER one (as ISDS seals) its chunks where they lie in ``raw`` (never joined).
    content_xml: bytes | memoryview | Pieces = field(repr=False)
    envelope: Envelope
    attachments: tuple[ZfoAttachment, ...]
    events: tuple[DeliveryEvent, ...]
    dm_hash: bytes | None
    dm_hash_algorithm: str | None  # as written in the XML, e.g. "SHA-256"
    # The raw dmDm element bytes (message kinds); a view of ``raw`` on a big ZFO (Pieces
    # of it on a big BER one).
    dm_dm_bytes: bytes | memoryview | Pieces | None = field(repr=False)
    q_timestamp: bytes | None = field(repr=False)  # dmQTimestamp token, DER
    signer: CertInfo | None = None
    signing_time: datetime | None = None
    timestamp: TimestampInfo | None = None  # CAdES signature timestamp (unsigned attr)
    digest_algorithm: str = "sha256"  # CMS digest of the SignerInfo

    @property
    def message_id(self) -> str:
        return self.envelope.message_id
