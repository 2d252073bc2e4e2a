"""SQLAlchemy models of the archive: accounts, messages, raw ZFOs, events, tags, settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Explicit constraint names keep migrations portable (PostgreSQL, batch mode on SQLite).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Account(Base):
    """One data box login; the password lives in the OS keyring, never here."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    environment: Mapped[str] = mapped_column(String(300))  # production | test | base URL
    login_method: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(100))
    cert_file: Mapped[str | None] = mapped_column(String(1000))
    key_file: Mapped[str | None] = mapped_column(String(1000))
    ca_file: Mapped[str | None] = mapped_column(String(1000))
    # Legal guard: received messages are synced (delivery by login) only when both are set.
    sync_received: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    mark_downloaded: Mapped[bool] = mapped_column(Boolean, default=False)
    box_id: Mapped[str | None] = mapped_column(String(7))
    box_type: Mapped[str | None] = mapped_column(String(20))
    owner_name: Mapped[str | None] = mapped_column(String(300))
    received_synced_until: Mapped[datetime | None] = mapped_column(DateTime)
    sent_synced_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Message(Base):
    """Envelope columns for listing and filtering; the evidence itself is in `MessageZfo`."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("account_id", "direction", "dm_id", name="uq_messages_account_dir_dm"),
        Index("ix_messages_list", "account_id", "direction", "delivered_at"),
        Index("ix_messages_dm_id", "dm_id"),
        Index("ix_messages_delivered", "delivered_at"),
        Index("ix_messages_evidence_expires", "evidence_expires"),
        # Issue 18 (revision 0008): one index per sortable list column, led by the
        # direction every folder of the tree filters on, ending in (id, account_id) so the
        # list's id queries are covered (ordered index scan, no sort, no table lookups)
        # with or without an account. Kept in step with records.ORDER_COLUMNS.
        *(Index(f"ix_messages_sort_{c}", "direction", c, "id", "account_id")
          for c in ("delivered_at", "accepted_at", "subject", "sender_name", "recipient_name",
                    "dm_id", "status")),
        Index("ix_messages_sort_id", "direction", "id", "account_id"),
        # Issue 18 (revision 0010): the watch's deletion range, the untrusted evidence of
        # the warnings, and the tree counts read from an index alone.
        Index("ix_messages_downloaded_accepted", "downloaded", "accepted_at"),
        Index("ix_messages_verdict", "verdict"),
        Index("ix_messages_tree", "is_read", "account_id", "direction", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(10))
    dm_id: Mapped[str] = mapped_column(String(20))
    sender_box_id: Mapped[str | None] = mapped_column(String(7))
    sender_name: Mapped[str | None] = mapped_column(String(300))
    sender_address: Mapped[str | None] = mapped_column(String(300))
    sender_type: Mapped[int | None] = mapped_column(Integer)
    recipient_box_id: Mapped[str | None] = mapped_column(String(7))
    recipient_name: Mapped[str | None] = mapped_column(String(300))
    recipient_address: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(300))
    to_hands: Mapped[str | None] = mapped_column(String(300))
    our_ref: Mapped[str | None] = mapped_column(String(60))
    your_ref: Mapped[str | None] = mapped_column(String(60))
    our_file_mark: Mapped[str | None] = mapped_column(String(60))
    your_file_mark: Mapped[str | None] = mapped_column(String(60))
    legal_title: Mapped[str | None] = mapped_column(String(200))  # "law/year/§/par/point"
    personal_delivery: Mapped[bool | None] = mapped_column(Boolean)
    allow_fiction: Mapped[bool | None] = mapped_column(Boolean)
    message_type: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    attachment_size_kb: Mapped[int | None] = mapped_column(Integer)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    big_message: Mapped[bool] = mapped_column(Boolean, default=False)
    # True once the signed ZFO is stored; False for an envelope seen in a list only.
    downloaded: Mapped[bool] = mapped_column(Boolean, default=False)
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_json: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    timestamp_expires: Mapped[datetime | None] = mapped_column(DateTime)
    # The day the current evidence (the newest version) stops being verifiable and why
    # (`zfo.horizon`; `domain.EvidenceCause`), stored at verification so that the watch
    # is one indexed query (revision 0005; NULL until verified or backfilled).
    evidence_expires: Mapped[datetime | None] = mapped_column(DateTime)
    evidence_cause: Mapped[str | None] = mapped_column(String(30))
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10), default="sync")  # sync | import | send
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    zfo: Mapped[MessageZfo | None] = relationship(
        back_populates="message", cascade="all, delete-orphan", uselist=False, lazy="raise"
    )


class MessageZfo(Base):
    """The signed message byte-exact as received (the evidence) and its SHA-256."""

    __tablename__ = "message_zfos"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(DateTime)
    # SHA-256 of the sealed message core (dmDm; `sync.ingest.content_digest`): two seals of
    # the same content are one message, not a conflict (NULL before revision 0002).
    content_sha256: Mapped[str | None] = mapped_column(String(64))

    message: Mapped[Message] = relationship(back_populates="zfo")


class DeliveryInfo(Base):
    """The signed delivery info (doručenka) ZFO of a message, byte-exact."""

    __tablename__ = "delivery_infos"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    verdict: Mapped[str | None] = mapped_column(String(20))
    stored_at: Mapped[datetime] = mapped_column(DateTime)
    content_sha256: Mapped[str | None] = mapped_column(String(64))


class EvidenceCopy(Base):
    """Another signed copy of a message's ZFO or delivery info, kept beside the evidence:
    one that arrived with different content while evidence was in place (``conflict``), or
    former evidence a trusted copy replaced (``displaced``). Never evidence itself."""

    __tablename__ = "evidence_copies"
    __table_args__ = (
        UniqueConstraint("message_id", "kind", "sha256", name="uq_evidence_copies_msg_sha"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # message | delivery-info
    sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_json: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(20))  # conflict | displaced
    stored_at: Mapped[datetime] = mapped_column(DateTime)
    # Set when the user has looked at it (`dso check --mark-reviewed`): still kept and
    # shown with its message, no longer a reason for the check to fail.
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)


class QuarantinedZfo(Base):
    """An imported ZFO file whose seal is not trusted: kept byte-exact, attached to no
    message, never counted as downloaded."""

    __tablename__ = "quarantined_zfos"
    __table_args__ = (Index("ix_quarantined_zfos_dm_id", "dm_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    zfo_kind: Mapped[str | None] = mapped_column(String(20))  # received | sent | delivery-info
    dm_id: Mapped[str | None] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(20))
    verdict_json: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[str | None] = mapped_column(Text)
    source_name: Mapped[str | None] = mapped_column(String(1000))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class Event(Base):
    """One delivery event (dmEvent) of a message."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("message_id", "at", "description", name="uq_events_message_at_descr"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)
    description: Mapped[str] = mapped_column(String(500))


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    color: Mapped[str] = mapped_column(String(9))  # #rrggbb


class MessageTag(Base):
    __tablename__ = "message_tags"
    __table_args__ = (Index("ix_message_tags_tag", "tag_id"),)

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class Setting(Base):
    """Application settings as JSON values by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OutboxEntry(Base):
    """One message on its way out (one recipient of a draft): the exactly-once send record.

    Written and committed before any request that could create the message in ISDS, so that
    after a crash the next start knows what may have been sent and reconciles it with the
    account's sent list instead of sending it blindly again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_account_state", "account_name", "state"),
        Index("ix_outbox_fingerprint", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(36))  # one draft sent to several recipients
    # The name, not a foreign key: the record must outlive a removed account (it is the only
    # trace of a message that may have been sent).
    account_name: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(7))
    subject: Mapped[str] = mapped_column(String(255))
    our_ref: Mapped[str | None] = mapped_column(String(50))
    your_ref: Mapped[str | None] = mapped_column(String(50))
    our_file_mark: Mapped[str | None] = mapped_column(String(50))
    your_file_mark: Mapped[str | None] = mapped_column(String(50))
    options: Mapped[str] = mapped_column(Text)  # JSON: the other envelope options
    attachments: Mapped[str] = mapped_column(Text)  # JSON: [{name, size, sha256, path}]
    fingerprint: Mapped[str] = mapped_column(String(64))  # what "the same message" means
    big_message: Mapped[bool] = mapped_column(Boolean, default=False)
    # prepared | submitting | sent | failed | unknown | discarded
    state: Mapped[str] = mapped_column(String(12))
    dm_id: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    # Sent, but the user has not been told yet (the sender died before it could report, or
    # reconciliation found it): a re-run of the same send reports it instead of sending it
    # again. Cleared once the outcome was reported.
    unreported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime)


# -- hand-over to records management (spisová služba; issue 17, revision 0006) ------------


class RecordsBatch(Base):
    """One NSESSS Annex 7 transfer batch (`Davka`) this archive wrote, and what the
    receiving system confirmed about it (`PrenosPotvrzeni`)."""

    __tablename__ = "records_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(40), unique=True)  # DavkaId
    source: Mapped[str] = mapped_column(String(10))  # Zdroj
    target: Mapped[str] = mapped_column(String(10))  # Cil
    file_name: Mapped[str] = mapped_column(String(1000))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    message_count: Mapped[int] = mapped_column(Integer)
    entity_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # exported | confirmed | partial | rejected (the last confirmation read)
    state: Mapped[str] = mapped_column(String(12))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)  # DatumCasPotvrzeni
    confirmation_note: Mapped[str | None] = mapped_column(Text)


class RecordsBatchEntity(Base):
    """One `Entita` of a batch: the message it belongs to and the bytes it carried, so that a
    confirmation maps back to messages and a purge can check it removes what was handed
    over."""

    __tablename__ = "records_batch_entities"
    __table_args__ = (
        UniqueConstraint("batch_pk", "poradi", name="uq_records_batch_entities_batch_poradi"),
        Index("ix_records_batch_entities_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_pk: Mapped[int] = mapped_column(ForeignKey("records_batches.id", ondelete="CASCADE"))
    poradi: Mapped[int] = mapped_column(Integer)
    entity_type: Mapped[str] = mapped_column(String(20))  # Dokument | Soubor
    entity_id: Mapped[str] = mapped_column(String(40))  # IdEntity
    # Not a foreign key: the record must outlive a purged message (it is its trace).
    message_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))  # document | message | delivery-info
    sha256: Mapped[str | None] = mapped_column(String(64))  # the evidence bytes it carried
    status: Mapped[str | None] = mapped_column(String(12))  # nacteno | nenacteno | None
    reason: Mapped[str | None] = mapped_column(Text)


class RecordsHandover(Base):
    """A message the records service confirmed it holds: by a batch confirmation or by the
    REST service's "stored files". Several rows are allowed (several services)."""

    __tablename__ = "records_handovers"
    __table_args__ = (Index("ix_records_handovers_message", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(Integer)  # kept after a purge
    dm_id: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(10))  # batch | rest
    target: Mapped[str] = mapped_column(String(300))  # Cil, or the service's name / URL
    location: Mapped[str | None] = mapped_column(Text)  # JSON list of locations (REST)
    batch_id: Mapped[str | None] = mapped_column(String(40))
    zfo_sha256: Mapped[str | None] = mapped_column(String(64))  # the bytes handed over
    delivery_info_sha256: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class RecordsUpload(Base):
    """A ZFO sent to the REST service (`upload_file`), before the service has confirmed by
    "stored files" that it holds it."""

    __tablename__ = "records_uploads"
    __table_args__ = (Index("ix_records_uploads_message", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(Integer)
    dm_id: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(300))
    node_ids: Mapped[str] = mapped_column(Text)  # JSON list
    file_name: Mapped[str] = mapped_column(String(100))
    zfo_sha256: Mapped[str] = mapped_column(String(64))
    remote_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)


class RecordsPurgeLog(Base):
    """What `dso records purge` removed from the archive, and on whose confirmation."""

    __tablename__ = "records_purge_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    dm_id: Mapped[str] = mapped_column(String(20))
    account_name: Mapped[str | None] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(10))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    zfo_sha256: Mapped[str | None] = mapped_column(String(64))
    handover_id: Mapped[int] = mapped_column(Integer)
    handover_method: Mapped[str] = mapped_column(String(10))
    handover_target: Mapped[str] = mapped_column(String(300))
    batch_id: Mapped[str | None] = mapped_column(String(40))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)
    purged_at: Mapped[datetime] = mapped_column(DateTime)
class EvidenceVersion(Base):
    """A later version of a message's evidence, kept beside the byte-exact original in
    `message_zfos` (which is version 1): a ZFO ISDS re-sealed (Re-signISDSDocument) or an
    RFC 3161 archive timestamp over the then newest version (``covers_sha256``). NSESSS
    counts a restamped ZFO as a new version, so nothing is ever replaced."""

    __tablename__ = "evidence_versions"
    __table_args__ = (
        UniqueConstraint("message_id", "version", name="uq_evidence_versions_msg_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)  # 2, 3, ... (1 = the original)
    kind: Mapped[str] = mapped_column(String(20))  # domain.EvidenceVersionKind
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    covers_sha256: Mapped[str] = mapped_column(String(64))  # the version it renews
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_json: Mapped[str | None] = mapped_column(Text)
    evidence_expires: Mapped[datetime | None] = mapped_column(DateTime)
    evidence_cause: Mapped[str | None] = mapped_column(String(30))
    source: Mapped[str | None] = mapped_column(String(300))  # "isds" or the TSA's URL
    created_at: Mapped[datetime] = mapped_column(DateTime)


class OnlineCheck(Base):
    """One answer of ISDS's AuthenticateMessage about a stored ZFO, with its time."""

    __tablename__ = "online_checks"
    __table_args__ = (Index("ix_online_checks_message", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)  # which evidence version was checked
    sha256: Mapped[str] = mapped_column(String(64))
    account_name: Mapped[str | None] = mapped_column(String(100))
    authentic: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[datetime] = mapped_column(DateTime)
class MessageActivity(Base):
    """Who did what to a message, when (revision 0004): in an office several clerks share
    one archive, so read state, tags and notes are the office's, and this says who read,
    tagged or annotated which message. Only ever appended to."""

    __tablename__ = "message_activity"
    __table_args__ = (Index("ix_message_activity_message", "message_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    # read | unread | tag | untag | note
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(200))  # the tag's name
    actor: Mapped[str] = mapped_column(String(200))  # "os-user@host (db-user)"
    at: Mapped[datetime] = mapped_column(DateTime)
