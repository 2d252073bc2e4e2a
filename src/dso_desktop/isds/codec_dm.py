"""Encoding and decoding of message envelopes and files (dmBaseTypes.xsd) with lxml."""

from __future__ import annotations

from lxml import etree

from dso_desktop.domain import AttachmentRole, DeliveryEvent, Envelope, LegalTitle
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.errors import ProtocolError
from dso_desktop.isds.models import (
    Hash,
    MessageFile,
    MessageRecord,
    OutgoingFile,
    OutgoingMessage,
    Recipient,
)

# --- encoding -------------------------------------------------------------------------------


def _legal_title(parent: X.Element, lt: LegalTitle) -> None:
    X.nil(parent, "dmLegalTitleLaw", lt.law)
    X.nil(parent, "dmLegalTitleYear", lt.year)
    X.nil(parent, "dmLegalTitleSect", lt.section)
    X.nil(parent, "dmLegalTitlePar", lt.paragraph)
    X.nil(parent, "dmLegalTitlePoint", lt.point)


def _publish(parent: X.Element, msg: OutgoingMessage) -> None:
    X.opt(parent, "dmOVM", msg.ovm)
    if msg.publish_own_id is not None:
        el = X.sub(parent, "dmPublishOwnID", msg.publish_own_id)
        if msg.id_level is not None:
            el.set("IdLevel", str(msg.id_level))


def encode_envelope(parent: X.Element, msg: OutgoingMessage) -> X.Element:
    """dmEnvelope of CreateMessage (gMessageEnvelopeSub, every element present or nil)."""
    env = X.sub(parent, "dmEnvelope")
    if msg.message_type:
        env.set("dmType", msg.message_type)
    X.nil(env, "dmSenderOrgUnit", msg.sender_org_unit)
    X.nil(env, "dmSenderOrgUnitNum", msg.sender_org_unit_num)
    X.nil(env, "dbIDRecipient", msg.recipient_box_id)
    X.nil(env, "dmRecipientOrgUnit", msg.recipient_org_unit)
    X.nil(env, "dmRecipientOrgUnitNum", msg.recipient_org_unit_num)
    X.nil(env, "dmToHands", msg.to_hands)
    X.nil(env, "dmAnnotation", msg.subject)
    X.nil(env, "dmRecipientRefNumber", msg.your_ref)
    X.nil(env, "dmSenderRefNumber", msg.our_ref)
    X.nil(env, "dmRecipientIdent", msg.your_file_mark)
    X.nil(env, "dmSenderIdent", msg.our_file_mark)
    _legal_title(env, msg.legal_title)
    X.nil(env, "dmPersonalDelivery", msg.personal_delivery)
    X.nil(env, "dmAllowSubstDelivery", msg.allow_fiction)
    _publish(env, msg)
    return env


def encode_multiple_envelope(parent: X.Element, msg: OutgoingMessage) -> X.Element:
    """dmEnvelope of CreateMultipleMessage (no recipient fields; dmType is required)."""
    env = X.sub(parent, "dmEnvelope")
    env.set("dmType", msg.message_type or "V")
    X.nil(env, "dmSenderOrgUnit", msg.sender_org_unit)
    X.nil(env, "dmSenderOrgUnitNum", msg.sender_org_unit_num)
    X.nil(env, "dmAnnotation", msg.subject)
    X.nil(env, "dmRecipientRefNumber", msg.your_ref)
    X.nil(env, "dmSenderRefNumber", msg.our_ref)
    X.nil(env, "dmRecipientIdent", msg.your_file_mark)
    X.nil(env, "dmSenderIdent", msg.our_file_mark)
    _legal_title(env, msg.legal_title)
    X.nil(env, "dmPersonalDelivery", msg.personal_delivery)
    X.nil(env, "dmAllowSubstDelivery", msg.allow_fiction)
    _publish(env, msg)
    return env


def encode_big_envelope(parent: X.Element, msg: OutgoingMessage) -> X.Element:
    """dmEnvelope of CreateBigMessage (tBigMessEnvelope: most elements optional)."""
    env = X.sub(parent, "dmEnvelope")
    if msg.message_type:
        env.set("dmType", msg.message_type)
    X.opt(env, "dmSenderOrgUnit", msg.sender_org_unit)
    X.opt(env, "dmSenderOrgUnitNum", msg.sender_org_unit_num)
    X.nil(env, "dbIDRecipient", msg.recipient_box_id)
    X.opt(env, "dmRecipientOrgUnit", msg.recipient_org_unit)
    X.opt(env, "dmRecipientOrgUnitNum", msg.recipient_org_unit_num)
    X.opt(env, "dmToHands", msg.to_hands)
    X.nil(env, "dmAnnotation", msg.subject)
    X.opt(env, "dmRecipientRefNumber", msg.your_ref)
    X.opt(env, "dmSenderRefNumber", msg.our_ref)
    X.opt(env, "dmRecipientIdent", msg.your_file_mark)
    X.opt(env, "dmSenderIdent", msg.our_file_mark)
    lt = msg.legal_title
    X.opt(env, "dmLegalTitleLaw", lt.law)
    X.opt(env, "dmLegalTitleYear", lt.year)
    X.opt(env, "dmLegalTitleSect", lt.section)
    X.opt(env, "dmLegalTitlePar", lt.paragraph)
    X.opt(env, "dmLegalTitlePoint", lt.point)
    X.opt(env, "dmPersonalDelivery", msg.personal_delivery)
    X.opt(env, "dmAllowSubstDelivery", msg.allow_fiction)
    _publish(env, msg)
    return env


def encode_recipients(parent: X.Element, recipients: list[Recipient]) -> None:
    rs = X.sub(parent, "dmRecipients")
    for r in recipients:
        el = X.sub(rs, "dmRecipient")
        X.sub(el, "dbIDRecipient", r.box_id)
        X.opt(el, "dmRecipientOrgUnit", r.org_unit)
        X.opt(el, "dmRecipientOrgUnitNum", r.org_unit_num)
        X.nil(el, "dmToHands", r.to_hands)


def file_attrs(el: X.Element, f: OutgoingFile) -> None:
    el.set("dmMimeType", f.mime_type)
    el.set("dmFileMetaType", str(f.role))
    if f.guid:
        el.set("dmFileGuid", f.guid)
    if f.up_guid:
        el.set("dmUpFileGuid", f.up_guid)
    el.set("dmFileDescr", f.name)


def encode_files(parent: X.Element, files: list[OutgoingFile]) -> X.Element:
    if not files:
        raise ValueError("a message needs at least one file")
    fs = X.sub(parent, "dmFiles")
    for f in files:
        el = X.sub(fs, "dmFile")
        file_attrs(el, f)
        if f.content is not None:
            X.sub(el, "dmEncodedContent", f.content)
        else:
            holder = X.sub(el, "dmXMLContent")
            assert f.xml_content is not None
            holder.append(X.parse_xml(f.xml_content))
    return fs


# --- decoding -------------------------------------------------------------------------------


def _str(el: X.Element | None, name: str) -> str | None:
    return X.text(el, name)


def decode_envelope(
    dm: X.Element | None, outer: X.Element | None = None, *, big: bool | None = None
) -> Envelope:
    """An Envelope from dmDm (gMessageEnvelope) plus the outer record's status and times."""
    if dm is None:
        raise ProtocolError("message without dmDm")
    message_id = _str(dm, "dmID")
    if message_id is None:
        raise ProtocolError("message without dmID")
    carrier = outer if outer is not None else dm
    vodz = X.parse_bool(carrier.get("dmVODZ"))
    return Envelope(
        message_id=message_id,
        sender_box_id=_str(dm, "dbIDSender"),
        sender_name=_str(dm, "dmSender"),
        sender_address=_str(dm, "dmSenderAddress"),
        sender_type=X.text_int(dm, "dmSenderType"),
        recipient_box_id=_str(dm, "dbIDRecipient"),
        recipient_name=_str(dm, "dmRecipient"),
        recipient_address=_str(dm, "dmRecipientAddress"),
        subject=_str(dm, "dmAnnotation"),
        sender_org_unit=_str(dm, "dmSenderOrgUnit"),
        sender_org_unit_num=X.text_int(dm, "dmSenderOrgUnitNum"),
        recipient_org_unit=_str(dm, "dmRecipientOrgUnit"),
        recipient_org_unit_num=X.text_int(dm, "dmRecipientOrgUnitNum"),
        to_hands=_str(dm, "dmToHands"),
        our_ref=_str(dm, "dmSenderRefNumber"),
        your_ref=_str(dm, "dmRecipientRefNumber"),
        our_file_mark=_str(dm, "dmSenderIdent"),
        your_file_mark=_str(dm, "dmRecipientIdent"),
        legal_title=LegalTitle(
            law=_str(dm, "dmLegalTitleLaw"),
            year=_str(dm, "dmLegalTitleYear"),
            section=_str(dm, "dmLegalTitleSect"),
            paragraph=_str(dm, "dmLegalTitlePar"),
            point=_str(dm, "dmLegalTitlePoint"),
        ),
        personal_delivery=X.text_bool(dm, "dmPersonalDelivery"),
        allow_fiction=X.text_bool(dm, "dmAllowSubstDelivery"),
        ambiguous_recipient=X.text_bool(dm, "dmAmbiguousRecipient"),
        message_type=carrier.get("dmType") or dm.get("dmType"),
        status=X.text_int(outer, "dmMessageStatus") if outer is not None else None,
        delivered_at=X.text_datetime(outer, "dmDeliveryTime") if outer is not None else None,
        accepted_at=X.text_datetime(outer, "dmAcceptanceTime") if outer is not None else None,
        attachment_size_kb=X.text_int(outer, "dmAttachmentSize") if outer is not None else None,
        big_message=bool(vodz) if big is None else big,
    )


def decode_record(rec: X.Element) -> MessageRecord:
    """A tRecord: the envelope fields sit directly in dmRecord, next to dmOrdinal."""
    flag = rec.get("specMessFlag")
    return MessageRecord(
        envelope=decode_envelope(rec, rec),
        ordinal=X.text_int(rec, "dmOrdinal"),
        suspicious_flag=int(flag) if flag and flag.strip().lstrip("-").isdigit() else None,
    )


def decode_hash(el: X.Element | None) -> Hash | None:
    h = X.child(el, "dmHash")
    if h is None:
        return None
    value = X.text_b64(h)
    return Hash(algorithm=h.get("algorithm", ""), value=value or b"")


def decode_files(dm: X.Element | None) -> tuple[MessageFile, ...]:
    out = []
    for f in X.children(X.child(dm, "dmFiles"), "dmFile"):
        role_text = f.get("dmFileMetaType", "")
        role: AttachmentRole | str
        try:
            role = AttachmentRole(role_text)
        except ValueError:
            role = role_text
        xml_holder = X.child(f, "dmXMLContent")
        xml_bytes = None
        if xml_holder is not None:
            xml_bytes = b"".join(
                etree.tostring(c) for c in xml_holder if isinstance(c.tag, str)
            )
        out.append(
            MessageFile(
                name=f.get("dmFileDescr", ""),
                mime_type=f.get("dmMimeType", ""),
                role=role,
                content=X.text_b64(f, "dmEncodedContent"),
                xml_content=xml_bytes,
                guid=f.get("dmFileGuid"),
                up_guid=f.get("dmUpFileGuid"),
            )
        )
    return tuple(out)


def decode_events(delivery: X.Element) -> tuple[DeliveryEvent, ...]:
    events = []
    for ev in X.children(X.child(delivery, "dmEvents"), "dmEvent"):
        at = X.text_datetime(ev, "dmEventTime")
        if at is None:
            continue
        events.append(DeliveryEvent(at=at, description=X.text(ev, "dmEventDescr") or ""))
    return tuple(events)
