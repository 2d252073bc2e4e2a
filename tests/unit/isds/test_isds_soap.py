"""SOAP envelopes, MTOM/XOP both ways, multipart splitting and the safe XML parser."""

from __future__ import annotations

import io

import pytest
from isds_fakes import ZFO_BYTES, dm_status, http, make_client

from dso_desktop.isds import soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.errors import ProtocolError


def mtom_response(operation: str, inner_xml: str, parts: dict[str, bytes],
                  boundary: str = "uuid:b0undary") -> tuple[bytes, str]:
    env = (f'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
           f'<{operation}Response xmlns="http://isds.czechpoint.cz/v20" '
           f'xmlns:xop="http://www.w3.org/2004/08/xop/include">{inner_xml}'
           f"</{operation}Response></e:Body></e:Envelope>").encode()
    body = (f"--{boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; "
            f'type="application/soap+xml"\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n'
            ).encode() + env
    for cid, data in parts.items():
        body += (f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                 f"Content-Transfer-Encoding: binary\r\nContent-ID: <{cid}>\r\n\r\n").encode()
        body += data
    body += f"\r\n--{boundary}--\r\n".encode()
    ctype = (f'multipart/related; type="application/xop+xml"; boundary="{boundary}"; '
             'start="<root.message@cxf.apache.org>"; start-info="application/soap+xml"')
    return body, ctype


def test_signed_big_download_over_mtom() -> None:
    payload = ZFO_BYTES + bytes(range(256)) * 100 + b"\r\n--uuid:b0und"  # boundary-like tail
    body, ctype = mtom_response(
        "SignedBigMessageDownload",
        '<dmSignature><xop:Include href="cid:zfo-1%40isds"/></dmSignature>' + dm_status(),
        {"zfo-1@isds": payload})
    client, t = make_client(lambda s: http(200, body, {"Content-Type": ctype}))
    doc = client.signed_big_message_download("777")
    assert doc.data == payload
    assert "multipart/related" in t.sent[0].headers["Accept"]


def test_download_attachment_over_mtom_into_a_sink() -> None:
    payload = b"\x00\xff" * 50_000
    body, ctype = mtom_response(
        "DownloadAttachment",
        '<dmFile dmFileMetaType="main" dmMimeType="application/pdf" dmFileDescr="a.pdf">'
        '<dmEncodedContent><xop:Include href="cid:att"/></dmEncodedContent></dmFile>'
        + dm_status(), {"att": payload})
    client, _ = make_client(lambda s: http(200, body, {"Content-Type": ctype}))
    sink = io.BytesIO()
    att = client.download_attachment("777", 0, sink)
    assert sink.getvalue() == payload and att.size == len(payload) and att.content is None


def test_missing_mtom_part_is_a_protocol_error() -> None:
    body, ctype = mtom_response(
        "SignedBigMessageDownload",
        '<dmSignature><xop:Include href="cid:nowhere"/></dmSignature>' + dm_status(), {})
    client, _ = make_client(lambda s: http(200, body, {"Content-Type": ctype}))
    with pytest.raises(ProtocolError, match="MTOM part"):
        client.signed_big_message_download("777")


def test_find_all_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(soap, "CHUNK", 7)
    data = b"xx--BOUNDyyyy--BOUNDz--BOUND"
    assert soap._find_all(io.BytesIO(data), b"--BOUND") == [2, 13, 21]


def test_multipart_round_trip_through_our_writer_and_reader(tmp_path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"A" * 3_000_001)
    with big.open("rb") as fh:
        part = soap.BinaryPart("p1@x", fh)
        el = soap.operation_element("UploadAttachment")
        f = X.sub(el, "dmFile")
        soap.xop_include(f, "dmEncodedContent", "p1@x")
        body, ctype = soap.mtom_request(el, [part])
        total = len(body)
        chunks = []
        while chunk := body.read(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    assert len(raw) == total
    boundary = ctype.split('boundary="', 1)[1].split('"', 1)[0]
    parts = soap.split_multipart(io.BytesIO(raw), boundary)
    assert len(parts) == 2
    assert parts[1][1].content_id == "p1@x"
    assert parts[1][1].read() == b"A" * 3_000_001
    assert b"xop:Include" in parts[0][1].read()


def test_envelopes() -> None:
    el = soap.operation_element("DummyOperation")
    s11 = soap.envelope(el, soap12=False)
    assert b"http://schemas.xmlsoap.org/soap/envelope/" in s11 and b"Header" not in s11
    el = soap.operation_element("DummyOperation")
    assert b"http://www.w3.org/2003/05/soap-envelope" in soap.envelope(el, soap12=True)
    assert soap.content_type(soap12=True).startswith("application/soap+xml")


@pytest.mark.parametrize(
    "doc",
    [
        b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>',
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY f SYSTEM "file:///etc/passwd">]><x>&f;</x>',
    ],
)
def test_safe_parser_refuses_doctype(doc: bytes) -> None:
    with pytest.raises(ProtocolError):
        X.parse_xml(doc)


def test_time_parsing_variants() -> None:
    from datetime import UTC, datetime

    assert X.parse_datetime("2016-11-16T18:02:38.000000") == datetime(2016, 11, 16, 18, 2, 38,
                                                                      tzinfo=UTC)
    assert X.parse_datetime("2016-11-16T18:02:38Z") == datetime(2016, 11, 16, 18, 2, 38,
                                                                tzinfo=UTC)
    assert X.parse_datetime("2015-03-02T12:02:27.683+01:00") == datetime(
        2015, 3, 2, 11, 2, 27, 683000, tzinfo=UTC)
    assert X.parse_datetime("") is None
    with pytest.raises(ProtocolError):
        X.parse_datetime("yesterday")
    assert X.format_datetime(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000000Z"


def test_a_plain_answer_is_parsed_from_memory_only_when_small(monkeypatch) -> None:
    """A small answer is parsed from one read of its bytes; a big inline one (a message of
    up to 20 MB in base64) from its spooled file, never copied whole into memory first."""
    import tempfile

    seen: list[type] = []
    real = X.parse_xml

    def spy(data, *, huge=False):
        seen.append(type(data))
        return real(data, huge=huge)

    monkeypatch.setattr(X, "parse_xml", spy)
    for size in (10, soap.PARSE_FROM_BYTES + 1):
        inner = f"<dmSignature>{'QUJD' * (size // 4 + 1)}</dmSignature>" + \
            "<dmStatus><dmStatusCode>0000</dmStatusCode></dmStatus>"
        body = (f'<e:Envelope xmlns:e="{soap.SOAP11}"><e:Body><SignedMessageDownloadResponse'
                f' xmlns="{X.NS}">{inner}</SignedMessageDownloadResponse></e:Body>'
                "</e:Envelope>").encode()
        with tempfile.SpooledTemporaryFile() as fh:
            fh.write(body)
            resp = soap.read_response("text/xml", fh, operation="SignedMessageDownload",
                                      huge=True)
            assert resp.binary_bytes(resp.element, "dmSignature") == b"ABC" * (size // 4 + 1)
    assert seen == [bytes, tempfile.SpooledTemporaryFile]
