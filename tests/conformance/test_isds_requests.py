"""Every request the ISDS client emits validates against the official XSDs (100 %)."""

from __future__ import annotations

import base64
import email
import email.policy
from typing import Any

import pytest
from lxml import etree
from test_isds_schemas import Schemas, load_fakes
from tests.conftest import WSDL_DIR, require_shared

pytestmark = pytest.mark.conformance

FAKES = load_fakes()
XOP = "{http://www.w3.org/2004/08/xop/include}Include"


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    require_shared(WSDL_DIR)
    return Schemas(WSDL_DIR)


def reconstruct(entry: Any) -> Any:
    """The operation element of a request; for MTOM, xop:Include is replaced by the base64 of
    the part it names (the XOP infoset), using the stdlib MIME parser, not ours."""
    ctype = entry.headers.get("Content-Type", "")
    if not ctype.startswith("multipart/related"):
        return entry.body_element()
    msg = email.message_from_bytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + entry.body, policy=email.policy.HTTP
    )
    parts = list(msg.iter_parts())
    root = etree.fromstring(parts[0].get_payload(decode=True))
    by_cid = {p["Content-ID"].strip("<>"): p.get_payload(decode=True) for p in parts[1:]}
    for inc in root.iter(XOP):
        holder = inc.getparent()
        data = by_cid[inc.get("href")[4:]]
        holder.remove(inc)
        holder.text = base64.b64encode(data).decode()
    body = next(c for c in root if etree.QName(c).localname == "Body")
    return body[0]


CASES = [(op, i) for op, calls in sorted(FAKES.CALLS.items()) for i in range(len(calls))]


@pytest.mark.parametrize(("operation", "variant"), CASES)
def test_request_is_schema_valid(schemas: Schemas, operation: str, variant: int) -> None:
    client, transport = FAKES.make_client()
    FAKES.CALLS[operation][variant](client)
    sent = transport.soap_requests()
    assert [s.operation for s in sent] == [operation]
    schemas.validate(reconstruct(sent[0]))


def test_every_operation_has_a_request_case() -> None:
    assert set(FAKES.CALLS) == set(FAKES.RESPONSES)


def test_mtom_parts_carry_the_bytes(schemas: Schemas) -> None:
    client, transport = FAKES.make_client()
    payload = bytes(range(256)) * 40
    client.upload_attachment(payload, "velky.bin", "application/octet-stream")
    el = reconstruct(transport.sent[0])
    content = el.find(".//{http://isds.czechpoint.cz/v20}dmEncodedContent")
    assert base64.b64decode(content.text) == payload
    schemas.validate(el)
