"""Property tests: the MTOM writer and reader agree for any payloads and read sizes."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop.isds import soap
from dso_desktop.isds import xmlutil as X


@settings(max_examples=60, deadline=None)
@given(
    payloads=st.lists(st.binary(min_size=0, max_size=3000), min_size=1, max_size=4),
    read_size=st.integers(min_value=1, max_value=5000),
    chunk=st.integers(min_value=3, max_value=4096),
)
def test_write_then_split_round_trips(payloads: list[bytes], read_size: int, chunk: int) -> None:
    el = soap.operation_element("UploadAttachment")
    parts = []
    for i, data in enumerate(payloads):
        cid = f"p{i}@test"
        soap.xop_include(X.sub(el, "dmFile"), "dmEncodedContent", cid)
        parts.append(soap.BinaryPart(cid, io.BytesIO(data)))
    body, ctype = soap.mtom_request(el, parts)
    expected_len = len(body)
    out = bytearray()
    while piece := body.read(read_size):
        assert len(piece) <= read_size
        out += piece
    assert len(out) == expected_len
    boundary = ctype.split('boundary="', 1)[1].split('"', 1)[0]
    original_chunk = soap.CHUNK
    soap.CHUNK = chunk  # scanning across chunk edges must find every delimiter
    try:
        split = soap.split_multipart(io.BytesIO(bytes(out)), boundary)
    finally:
        soap.CHUNK = original_chunk
    assert [p.content_id for _, p in split[1:]] == [p.content_id for p in parts]
    assert [p.read() for _, p in split[1:]] == payloads
    root = X.parse_xml(split[0][1].read())
    assert root.tag.endswith("Envelope")
