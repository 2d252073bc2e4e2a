"""dm_VoDZ (/DS/vodz) and dm_arch (/DS/arch): big messages over SOAP 1.2 with MTOM/XOP."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from dso_desktop.isds import codec_dm, soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.endpoints import Service
from dso_desktop.isds.errors import ProtocolError
from dso_desktop.isds.models import (
    ArchivedDocument,
    DownloadedAttachment,
    ExtFile,
    OutgoingFile,
    OutgoingMessage,
    ReceivedMessage,
    SendResult,
    SignedDocument,
    UploadedAttachment,
)
from dso_desktop.isds.ops_messages import decode_returned_message, signed_document

if TYPE_CHECKING:
    from dso_desktop.isds.soap import BinaryPart, SoapResponse, Status

Source = bytes | Path | IO[bytes]


def _part(source: Source, content_type: str = "application/octet-stream") -> soap.BinaryPart:
    cid = f"{uuid.uuid4().hex}@dso-desktop"
    if isinstance(source, bytes):
        return soap.BinaryPart(cid, source, content_type=content_type)
    if isinstance(source, Path):
        return soap.BinaryPart(cid, source.open("rb"), content_type=content_type)
    return soap.BinaryPart(cid, source, offset=source.tell(), content_type=content_type)


def _close(part: soap.BinaryPart, source: Source) -> None:
    if isinstance(source, Path) and not isinstance(part.source, bytes):
        part.source.close()


class BigMessageOperations:
    """Operations of dm_VoDZ.wsdl and dm_arch.wsdl."""

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

    def upload_attachment(
        self, source: Source, name: str, mime_type: str = ""
    ) -> UploadedAttachment:
        """UploadAttachment: stream one big attachment (file, path or bytes) as an MTOM part."""
        part = _part(source)
        try:
            el = soap.operation_element("UploadAttachment")
            f = X.sub(el, "dmFile")
            f.set("dmMimeType", mime_type)
            f.set("dmFileDescr", name)
            soap.xop_include(f, "dmEncodedContent", part.content_id)
            resp, _ = self._call(Service.VODZ, el, "UploadAttachment", parts=[part])
        finally:
            _close(part, source)
        r = resp.element
        att_id = X.text(r, "dmAttID")
        h1, h2 = X.child(r, "dmAttHash1"), X.child(r, "dmAttHash2")
        if att_id is None or h1 is None or h2 is None:
            raise ProtocolError("UploadAttachment without dmAttID and hashes",
                                operation="UploadAttachment")
        return UploadedAttachment(
            att_id=att_id,
            hash1=(h1.text or "").strip(), hash1_alg=h1.get("AttHashAlg", ""),
            hash2=(h2.text or "").strip(), hash2_alg=h2.get("AttHashAlg", ""),
        )

    def download_attachment(
        self, dm_id: str, att_num: int, dest: IO[bytes] | None = None
    ) -> DownloadedAttachment:
        """DownloadAttachment: one attachment of a big message (attNum from 0).

        With `dest` the content is copied there from the spooled response and not kept."""
        el = soap.operation_element("DownloadAttachment")
        X.sub(el, "dmID", dm_id)
        X.sub(el, "attNum", att_num)
        resp, _ = self._call(Service.VODZ, el, "DownloadAttachment", accept_mtom=True,
                             huge=True)
        try:
            f = X.child(resp.element, "dmFile")
            if f is None:
                raise ProtocolError("DownloadAttachment without dmFile",
                                    operation="DownloadAttachment")
            part = resp.binary(f, "dmEncodedContent")
            if part is None:
                raise ProtocolError("dmFile without content", operation="DownloadAttachment")
            if dest is not None:
                size, content = part.copy_to(dest), None
            else:
                content = part.read()
                size = len(content)
            return DownloadedAttachment(
                name=f.get("dmFileDescr"), mime_type=f.get("dmMimeType"),
                role=f.get("dmFileMetaType"), size=size, content=content,
            )
        finally:
            resp.close()

    def create_big_message(
        self,
        message: OutgoingMessage,
        ext_files: Sequence[ExtFile],
        files: Sequence[OutgoingFile] = (),
    ) -> SendResult:
        """CreateBigMessage: send a big message (VoDZ) referring to uploaded attachments."""
        if not ext_files:
            raise ValueError("a big message refers to at least one uploaded attachment")
        el = soap.operation_element("CreateBigMessage")
        codec_dm.encode_big_envelope(el, message)
        fs = X.sub(el, "dmFiles")
        for ext in ext_files:
            e = X.sub(fs, "dmExtFile")
            e.set("dmFileMetaType", str(ext.role))
            e.set("dmAttID", ext.uploaded.att_id)
            e.set("dmAttHash1", ext.uploaded.hash1)
            e.set("dmAttHash1Alg", ext.uploaded.hash1_alg)
            e.set("dmAttHash2", ext.uploaded.hash2)
            e.set("dmAttHash2Alg", ext.uploaded.hash2_alg)
            if ext.guid:
                e.set("dmFileGuid", ext.guid)
            if ext.up_guid:
                e.set("dmUpFileGuid", ext.up_guid)
        for f in files:
            if f.content is None:
                raise ValueError("small files of a big message need binary content")
            e = X.sub(fs, "dmFile")
            e.set("dmFileMetaType", str(f.role))
            e.set("dmFileDescr", f.name)
            e.set("dmMimeType", f.mime_type)
            if f.guid:
                e.set("dmFileGuid", f.guid)
            if f.up_guid:
                e.set("dmUpFileGuid", f.up_guid)
            X.sub(e, "dmEncodedContent", f.content)
        resp, status = self._call(Service.VODZ, el, "CreateBigMessage")
        dm_id = X.text(resp.element, "dmID")
        if dm_id is None:
            raise ProtocolError("CreateBigMessage answered without dmID",
                                operation="CreateBigMessage")
        return SendResult(dm_id, status.code, status.message)

    def _zfo_call(self, service: Service, operation: str, zfo: Source) -> SoapResponse:
        part = _part(zfo)
        try:
            el = soap.operation_element(operation)
            soap.xop_include(el, "dmMessage", part.content_id)
            resp, _ = self._call(service, el, operation, parts=[part], accept_mtom=True,
                                 huge=True)
        finally:
            _close(part, zfo)
        return resp

    def authenticate_big_message(self, zfo: Source) -> bool:
        """AuthenticateBigMessage: did exactly this big-message ZFO pass through ISDS?"""
        resp = self._zfo_call(Service.VODZ, "AuthenticateBigMessage", zfo)
        result = X.text_bool(resp.element, "dmAuthResult")
        resp.close()
        if result is None:
            raise ProtocolError("AuthenticateBigMessage without dmAuthResult",
                                operation="AuthenticateBigMessage")
        return result

    def _signed_big(self, operation: str, dm_id: str) -> SignedDocument:
        el = soap.operation_element(operation)
        X.sub(el, "dmID", dm_id)
        resp, status = self._call(Service.VODZ, el, operation, accept_mtom=True, huge=True)
        return signed_document(resp, status, operation)

    def signed_big_message_download(self, dm_id: str) -> SignedDocument:
        """SignedBigMessageDownload: a received big message as ZFO."""
        return self._signed_big("SignedBigMessageDownload", dm_id)

    def signed_sent_big_message_download(self, dm_id: str) -> SignedDocument:
        """SignedSentBigMessageDownload: a sent big message as ZFO."""
        return self._signed_big("SignedSentBigMessageDownload", dm_id)

    def big_message_download(self, dm_id: str) -> ReceivedMessage:
        """BigMessageDownload: a received big message as unsigned XML."""
        el = soap.operation_element("BigMessageDownload")
        X.sub(el, "dmID", dm_id)
        resp, _ = self._call(Service.VODZ, el, "BigMessageDownload", huge=True)
        try:
            msg = decode_returned_message(resp, "BigMessageDownload")
        finally:
            resp.close()
        return msg

    def archive_isds_document(self, zfo: Source) -> ArchivedDocument:
        """ArchiveISDSDocument: add an archive timestamp to a stored ZFO."""
        resp = self._zfo_call(Service.ARCH, "ArchiveISDSDocument", zfo)
        try:
            data = resp.binary_bytes(resp.element, "dmResultDoc")
            return ArchivedDocument(data=data,
                                    next_stamp_to=X.text_date(resp.element, "nextStampTo"))
        finally:
            resp.close()
