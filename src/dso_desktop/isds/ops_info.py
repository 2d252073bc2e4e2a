"""dm_info (/DS/dx): message lists, envelopes, delivery info, state changes, authors."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from dso_desktop.domain import Direction
from dso_desktop.isds import codec_dm, soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.endpoints import Service
from dso_desktop.isds.errors import ProtocolError
from dso_desktop.isds.models import (
    AsyncResponse,
    DeliveryInfo,
    EnvelopeInfo,
    Hash,
    MessageAuthor,
    MessageRecord,
    Notification,
    NotificationPage,
    SignedDocument,
    StateChange,
)
from dso_desktop.isds.ops_messages import signed_document

if TYPE_CHECKING:
    from dso_desktop.isds.soap import BinaryPart, SoapResponse, Status


def _id_request(name: str, dm_id: str) -> X.Element:
    el = soap.operation_element(name)
    X.sub(el, "dmID", dm_id)
    return el


class InfoOperations:
    """Operations of dm_info.wsdl."""

    if TYPE_CHECKING:

        def _call(
            self,
            service: Service,
            element: X.Element,
            operation: str,
            *,
            parts: list[BinaryPart] | None = None,
            accept_mtom: bool = False,
            huge: bool = False,
            status_required: bool = True,
        ) -> tuple[SoapResponse, Status]: ...

    def verify_message(self, dm_id: str) -> Hash:
        """VerifyMessage: the dmHash ISDS stored for the message."""
        resp, _ = self._call(Service.DX, _id_request("VerifyMessage", dm_id), "VerifyMessage")
        h = codec_dm.decode_hash(resp.element)
        if h is None:
            raise ProtocolError("VerifyMessage without dmHash", operation="VerifyMessage")
        return h

    def _envelope(self, operation: str, dm_id: str) -> EnvelopeInfo:
        resp, _ = self._call(Service.DX, _id_request(operation, dm_id), operation)
        rm = X.child(resp.element, "dmReturnedMessageEnvelope")
        if rm is None or X.is_nil(rm):
            raise ProtocolError("response without dmReturnedMessageEnvelope", operation=operation)
        atts = rm.get("attsNum")
        flag = rm.get("specMessFlag")
        return EnvelopeInfo(
            envelope=codec_dm.decode_envelope(X.child(rm, "dmDm"), rm),
            dm_hash=codec_dm.decode_hash(rm),
            q_timestamp=X.text_b64(rm, "dmQTimestamp"),
            attachment_count=int(atts) if atts and atts.strip().isdigit() else None,
            suspicious_flag=int(flag) if flag and flag.strip().isdigit() else None,
        )

    def message_envelope_download(self, dm_id: str) -> EnvelopeInfo:
        """MessageEnvelopeDownload: the envelope of a received message."""
        return self._envelope("MessageEnvelopeDownload", dm_id)

    def sent_message_envelope_download(self, dm_id: str) -> EnvelopeInfo:
        """SentMessageEnvelopeDownload: the envelope of a sent message."""
        return self._envelope("SentMessageEnvelopeDownload", dm_id)

    def mark_message_as_downloaded(self, dm_id: str) -> None:
        """MarkMessageAsDownloaded: mark a received message as read (Přečtená)."""
        self._call(Service.DX, _id_request("MarkMessageAsDownloaded", dm_id),
                   "MarkMessageAsDownloaded")

    def get_delivery_info(self, dm_id: str) -> DeliveryInfo:
        """GetDeliveryInfo: the delivery info (doručenka) as unsigned XML."""
        resp, _ = self._call(Service.DX, _id_request("GetDeliveryInfo", dm_id),
                             "GetDeliveryInfo")
        d = X.child(resp.element, "dmDelivery")
        if d is None or X.is_nil(d):
            raise ProtocolError("GetDeliveryInfo without dmDelivery", operation="GetDeliveryInfo")
        return DeliveryInfo(
            envelope=codec_dm.decode_envelope(X.child(d, "dmDm"), d),
            dm_hash=codec_dm.decode_hash(d),
            events=codec_dm.decode_events(d),
            q_timestamp=X.text_b64(d, "dmQTimestamp"),
        )

    def get_signed_delivery_info(self, dm_id: str) -> SignedDocument:
        """GetSignedDeliveryInfo: the delivery info as ZFO."""
        resp, status = self._call(Service.DX, _id_request("GetSignedDeliveryInfo", dm_id),
                                  "GetSignedDeliveryInfo")
        return signed_document(resp, status, "GetSignedDeliveryInfo")

    def _list(
        self,
        operation: str,
        org_unit_tag: str,
        from_time: datetime | None,
        to_time: datetime | None,
        status_filter: int,
        offset: int | None,
        limit: int | None,
        org_unit_num: int | None,
    ) -> list[MessageRecord]:
        el = soap.operation_element(operation)
        X.nil(el, "dmFromTime", from_time)
        X.nil(el, "dmToTime", to_time)
        X.nil(el, org_unit_tag, org_unit_num)
        X.sub(el, "dmStatusFilter", status_filter)
        X.nil(el, "dmOffset", offset)
        X.nil(el, "dmLimit", limit)
        resp, _ = self._call(Service.DX, el, operation, huge=True)
        return [codec_dm.decode_record(r)
                for r in X.children(X.child(resp.element, "dmRecords"), "dmRecord")]

    def get_list_of_received_messages(
        self,
        from_time: datetime | None,
        to_time: datetime | None,
        status_filter: int = -1,
        offset: int | None = 1,
        limit: int | None = None,
        org_unit_num: int | None = None,
    ) -> list[MessageRecord]:
        """GetListOfReceivedMessages. Legally this is delivery by login (§ 17(3))."""
        return self._list("GetListOfReceivedMessages", "dmRecipientOrgUnitNum", from_time,
                          to_time, status_filter, offset, limit, org_unit_num)

    def get_list_of_sent_messages(
        self,
        from_time: datetime | None,
        to_time: datetime | None,
        status_filter: int = -1,
        offset: int | None = 1,
        limit: int | None = None,
        org_unit_num: int | None = None,
    ) -> list[MessageRecord]:
        """GetListOfSentMessages."""
        return self._list("GetListOfSentMessages", "dmSenderOrgUnitNum", from_time,
                          to_time, status_filter, offset, limit, org_unit_num)

    def get_message_state_changes(
        self, from_time: datetime | None, to_time: datetime | None
    ) -> list[StateChange]:
        """GetMessageStateChanges: status changes of messages in a time window."""
        el = soap.operation_element("GetMessageStateChanges")
        X.nil(el, "dmFromTime", from_time)
        X.nil(el, "dmToTime", to_time)
        resp, _ = self._call(Service.DX, el, "GetMessageStateChanges")
        out = []
        for r in X.children(X.child(resp.element, "dmRecords"), "dmRecord"):
            dm_id, at, st = (X.text(r, "dmID"), X.text_datetime(r, "dmEventTime"),
                             X.text_int(r, "dmMessageStatus"))
            if dm_id is None or at is None or st is None:
                raise ProtocolError("incomplete state-change record",
                                    operation="GetMessageStateChanges")
            out.append(StateChange(dm_id, at, st))
        return out

    def get_message_author(self, dm_id: str) -> MessageAuthor:
        """GetMessageAuthor: user type and name of the sender."""
        resp, _ = self._call(Service.DX, _id_request("GetMessageAuthor", dm_id),
                             "GetMessageAuthor")
        return MessageAuthor(user_type=X.text(resp.element, "userType"),
                             name=X.text(resp.element, "authorName"))

    def get_message_author2(self, dm_id: str) -> MessageAuthor:
        """GetMessageAuthor2: the sender's identity as key/value items."""
        resp, _ = self._call(Service.DX, _id_request("GetMessageAuthor2", dm_id),
                             "GetMessageAuthor2")
        items = tuple(
            (i.get("key", ""), i.get("value", ""))
            for i in X.children(X.child(resp.element, "dmMessageAuthor"), "maItem")
        )
        lookup = dict(items)
        return MessageAuthor(user_type=lookup.get("userType"),
                             name=lookup.get("authorName") or lookup.get("name"),
                             details=items)

    def erase_message(self, dm_id: str, incoming: bool) -> None:
        """EraseMessage: delete a message kept in the data vault."""
        el = _id_request("EraseMessage", dm_id)
        X.sub(el, "dmIncoming", incoming)
        self._call(Service.DX, el, "EraseMessage")

    def get_list_of_erased_messages(
        self,
        direction: Direction,
        *,
        from_date: date | None = None,
        to_date: date | None = None,
        year: int | None = None,
        month: int | None = None,
        out_format: str = "XML",
    ) -> str:
        """GetListOfErasedMessages: start an asynchronous listing; returns the asyncID."""
        el = soap.operation_element("GetListOfErasedMessages")
        if from_date is not None and to_date is not None:
            X.sub(el, "dmFromDate", from_date)
            X.sub(el, "dmToDate", to_date)
        elif year is not None:
            X.sub(el, "dmYear", year)
            X.opt(el, "dmMonth", month)
        else:
            raise ValueError("give from_date and to_date, or a year (and month)")
        X.sub(el, "dmMessageType", "RECEIVED" if direction is Direction.RECEIVED else "SENT")
        if out_format not in ("XML", "CSV"):
            raise ValueError("out_format is XML or CSV")
        X.sub(el, "dmOutFormat", out_format)
        resp, _ = self._call(Service.DX, el, "GetListOfErasedMessages")
        async_id = X.text(resp.element, "asyncID")
        if async_id is None:
            raise ProtocolError("no asyncID", operation="GetListOfErasedMessages")
        return async_id

    def pick_up_async_response(self, async_id: str, request_type: str) -> AsyncResponse:
        """PickUpAsyncResponse: fetch the result of an asynchronous request (zipped XML/CSV)."""
        el = soap.operation_element("PickUpAsyncResponse")
        X.sub(el, "asyncID", async_id)
        X.sub(el, "asyncReqType", request_type)
        resp, _ = self._call(Service.DX, el, "PickUpAsyncResponse", huge=True)
        return AsyncResponse(X.text(resp.element, "asyncReqType"),
                             X.text_b64(resp.element, "asyncResponse"))

    def get_list_for_notifications(self, from_time: datetime, scope: str) -> NotificationPage:
        """GetListForNotifications: delivered messages without § 17 delivery (cert access)."""
        el = soap.operation_element("GetListForNotifications")
        X.sub(el, "ntfFromTime", from_time)
        X.sub(el, "ntfScope", scope)
        resp, _ = self._call(Service.DX, el, "GetListForNotifications")
        records = []
        for r in X.children(X.child(resp.element, "ntfRecords"), "ntfRecord"):
            records.append(Notification(
                kind=X.text_int(r, "ntfType") or 0,
                message_id=X.text(r, "dmID") or "",
                personal_delivery=X.text_int(r, "dmPersonalDelivery") or 0,
                delivered_at=X.text_datetime(r, "dmDeliveryTime"),
                recipient_box_id=X.text(r, "dbIDRecipient") or "",
                subject=X.text(r, "dmAnnotation") or "",
                sender_box_id=X.text(r, "dbIDSender") or "",
                sender_name=X.text(r, "dmSender") or "",
            ))
        return NotificationPage(tuple(records),
                                bool(X.text_bool(resp.element, "ntfListContinues")))

    def register_for_notifications(self, action: int) -> None:
        """RegisterForNotifications: switch the notification list on or off (action code)."""
        el = soap.operation_element("RegisterForNotifications")
        X.sub(el, "action", action)
        self._call(Service.DX, el, "RegisterForNotifications")

    def susp_message_report(
        self,
        dm_id: str,
        *,
        allow_complete: bool,
        name: str | None = None,
        mail: str | None = None,
        phone: str | None = None,
        note: str | None = None,
    ) -> None:
        """SuspMessageReport: report a suspicious message or spam."""
        el = _id_request("SuspMessageReport", dm_id)
        X.opt(el, "repName", name)
        X.opt(el, "repMail", mail)
        X.opt(el, "repTel", phone)
        X.sub(el, "allowComplete", allow_complete)
        X.opt(el, "note", note)
        self._call(Service.DX, el, "SuspMessageReport")
