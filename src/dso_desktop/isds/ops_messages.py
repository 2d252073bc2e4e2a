"""dm_operations (/DS/dz): send, download, authenticate and re-seal messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dso_desktop.isds import codec_dm, soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.endpoints import Service
from dso_desktop.isds.errors import ProtocolError
from dso_desktop.isds.models import (
    MultipleSendResult,
    OutgoingFile,
    OutgoingMessage,
    ReceivedMessage,
    Recipient,
    ResignedDocument,
    SendResult,
    SignedDocument,
)

if TYPE_CHECKING:
    from dso_desktop.isds.soap import BinaryPart, SoapResponse, Status


def signed_document(resp: soap.SoapResponse, status: soap.Status, operation: str) -> SignedDocument:
    """dmSignature (inline base64 or MTOM part) with the status; 0005 is kept as a warning."""
    try:
        data = resp.binary_bytes(resp.element, "dmSignature")
    finally:
        resp.close()
    if data is None:
        raise ProtocolError("response without dmSignature", operation=operation,
                            code=status.code, server_message=status.message)
    return SignedDocument(data=data, status_code=status.code, status_message=status.message)


def decode_returned_message(resp: soap.SoapResponse, operation: str) -> ReceivedMessage:
    rm = X.child(resp.element, "dmReturnedMessage")
    if rm is None or X.is_nil(rm):
        raise ProtocolError("response without dmReturnedMessage", operation=operation)
    dm = X.child(rm, "dmDm")
    atts = rm.get("attsNum")
    return ReceivedMessage(
        envelope=codec_dm.decode_envelope(dm, rm),
        files=codec_dm.decode_files(dm),
        dm_hash=codec_dm.decode_hash(rm),
        q_timestamp=X.text_b64(rm, "dmQTimestamp"),
        attachment_count=int(atts) if atts and atts.strip().isdigit() else None,
    )


class MessageOperations:
    """Operations of dm_operations.wsdl."""

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

    def dummy_operation(self) -> None:
        """DummyOperation: a no-op that proves the credentials and keeps a session alive."""
        el = soap.operation_element("DummyOperation")
        self._call(Service.DZ, el, "DummyOperation")

    def create_message(
        self, message: OutgoingMessage, files: Sequence[OutgoingFile]
    ) -> SendResult:
        """CreateMessage: send a normal-size message (≤ 20 MB) with inline attachments."""
        el = soap.operation_element("CreateMessage")
        codec_dm.encode_envelope(el, message)
        codec_dm.encode_files(el, list(files))
        resp, status = self._call(Service.DZ, el, "CreateMessage")
        dm_id = X.text(resp.element, "dmID")
        if dm_id is None:
            raise ProtocolError("CreateMessage answered 0000 without dmID",
                                operation="CreateMessage")
        return SendResult(dm_id, status.code, status.message)

    def create_multiple_message(
        self,
        message: OutgoingMessage,
        recipients: Sequence[Recipient],
        files: Sequence[OutgoingFile],
    ) -> MultipleSendResult:
        """CreateMultipleMessage: one message to up to 50 recipients."""
        if not recipients:
            raise ValueError("at least one recipient is needed")
        if len(recipients) > 50:
            raise ValueError("a multiple message has at most 50 recipients")
        el = soap.operation_element("CreateMultipleMessage")
        codec_dm.encode_recipients(el, list(recipients))
        codec_dm.encode_multiple_envelope(el, message)
        codec_dm.encode_files(el, list(files))
        resp, status = self._call(Service.DZ, el, "CreateMultipleMessage")
        results = []
        for single in X.children(X.child(resp.element, "dmMultipleStatus"), "dmSingleStatus"):
            st = X.child(single, "dmStatus")
            results.append(
                SendResult(
                    X.text(single, "dmID"),
                    (X.text(st, "dmStatusCode") or "").strip(),
                    X.text(st, "dmStatusMessage") or "",
                )
            )
        return MultipleSendResult(status.code, status.message, tuple(results))

    def message_download(self, dm_id: str) -> ReceivedMessage:
        """MessageDownload: a received message as unsigned XML, with its files."""
        el = soap.operation_element("MessageDownload")
        X.sub(el, "dmID", dm_id)
        resp, _ = self._call(Service.DZ, el, "MessageDownload", huge=True)
        return decode_returned_message(resp, "MessageDownload")

    def signed_message_download(self, dm_id: str) -> SignedDocument:
        """SignedMessageDownload: a received message as ZFO."""
        el = soap.operation_element("SignedMessageDownload")
        X.sub(el, "dmID", dm_id)
        resp, status = self._call(Service.DZ, el, "SignedMessageDownload", huge=True)
        return signed_document(resp, status, "SignedMessageDownload")

    def signed_sent_message_download(self, dm_id: str) -> SignedDocument:
        """SignedSentMessageDownload: a sent message as ZFO."""
        el = soap.operation_element("SignedSentMessageDownload")
        X.sub(el, "dmID", dm_id)
        resp, status = self._call(Service.DZ, el, "SignedSentMessageDownload", huge=True)
        return signed_document(resp, status, "SignedSentMessageDownload")

    def authenticate_message(self, zfo: bytes) -> bool:
        """AuthenticateMessage: did exactly this ZFO pass through ISDS?"""
        el = soap.operation_element("AuthenticateMessage")
        X.sub(el, "dmMessage", zfo)
        resp, _ = self._call(Service.DZ, el, "AuthenticateMessage")
        result = X.text_bool(resp.element, "dmAuthResult")
        if result is None:
            raise ProtocolError("AuthenticateMessage without dmAuthResult",
                                operation="AuthenticateMessage")
        return result

    def re_sign_isds_document(self, zfo: bytes) -> ResignedDocument:
        """Re-signISDSDocument: renew the seal of an old message or delivery-info ZFO."""
        el = soap.operation_element("Re-signISDSDocument")
        X.sub(el, "dmDoc", zfo)
        resp, status = self._call(Service.DZ, el, "Re-signISDSDocument", huge=True)
        return ResignedDocument(
            data=X.text_b64(resp.element, "dmResultDoc"),
            valid_to=X.text_date(resp.element, "dmValidTo"),
            status_code=status.code,
        )
