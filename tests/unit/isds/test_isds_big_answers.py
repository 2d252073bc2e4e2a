"""Big answers are read whole: a list page of thousands of records (ISDS pages are up to
10,000 records), tens of thousands of state changes, a message with many attachments, an
incomplete record refused instead of silently dropped."""

from __future__ import annotations

import base64

import pytest
from isds_fakes import FILES, RETURNED, dm_status, make_client, record, soap_http

from dso_desktop.isds.errors import ProtocolError

N_RECORDS = 10_000


def test_a_full_list_page_keeps_every_record_in_order() -> None:
    inner = ("<dmRecords>" + "".join(record(str(3_000_000 + i), i + 1)
                                     for i in range(N_RECORDS))
             + "</dmRecords>" + dm_status())
    assert len(inner) > 10 * 1024 * 1024  # a page of over 10 MB, as a full ISDS page is
    client, _ = make_client(lambda s: soap_http("GetListOfReceivedMessages", inner))
    page = client.get_list_of_received_messages(None, None, offset=1, limit=N_RECORDS)
    assert len(page) == N_RECORDS
    assert [r.ordinal for r in page[:3]] == [1, 2, 3] and page[-1].ordinal == N_RECORDS
    ids = [r.envelope.message_id for r in page]
    assert len(set(ids)) == N_RECORDS and ids[-1] == str(3_000_000 + N_RECORDS - 1)
    assert all(r.envelope.subject == "Rozhodnutí č. 5" for r in page[::997])


def test_tens_of_thousands_of_state_changes() -> None:
    n = 30_000
    inner = ("<dmRecords>" + "".join(
        f"<dmRecord><dmID>{5_000_000 + i}</dmID>"
        f"<dmEventTime>2026-06-02T08:{i % 60:02d}:00Z</dmEventTime>"
        f"<dmMessageStatus>{4 + i % 4}</dmMessageStatus></dmRecord>" for i in range(n))
        + "</dmRecords>" + dm_status())
    client, _ = make_client(lambda s: soap_http("GetMessageStateChanges", inner))
    changes = client.get_message_state_changes(None, None)
    assert len(changes) == n
    assert {c.status for c in changes} == {4, 5, 6, 7}
    assert changes[12_345].message_id == str(5_000_000 + 12_345)


@pytest.mark.parametrize("broken", [
    "<dmRecord><dmEventTime>2026-06-02T08:00:00Z</dmEventTime>"
    "<dmMessageStatus>6</dmMessageStatus></dmRecord>",
    "<dmRecord><dmID>1</dmID><dmMessageStatus>6</dmMessageStatus></dmRecord>",
    "<dmRecord><dmID>1</dmID><dmEventTime>2026-06-02T08:00:00Z</dmEventTime></dmRecord>",
])
def test_an_incomplete_state_change_is_refused_not_dropped(broken: str) -> None:
    good = ("<dmRecord><dmID>7</dmID><dmEventTime>2026-06-02T08:00:00Z</dmEventTime>"
            "<dmMessageStatus>6</dmMessageStatus></dmRecord>")
    inner = "<dmRecords>" + good * 100 + broken + good + "</dmRecords>" + dm_status()
    client, _ = make_client(lambda s: soap_http("GetMessageStateChanges", inner))
    with pytest.raises(ProtocolError, match="incomplete state-change record"):
        client.get_message_state_changes(None, None)


def test_a_message_with_many_attachments_keeps_each_one() -> None:
    n = 100
    files = "<dmFiles>" + "".join(
        f'<dmFile dmMimeType="text/plain" dmFileMetaType="{"main" if i == 0 else "enclosure"}"'
        f' dmFileDescr="priloha-{i:03d}.txt"><dmEncodedContent>'
        f'{base64.b64encode(f"obsah {i}".encode()).decode()}</dmEncodedContent></dmFile>'
        for i in range(n)) + "</dmFiles>"
    inner = RETURNED.replace(FILES, files) + dm_status()
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    msg = client.message_download("123456")
    assert [f.name for f in msg.files] == [f"priloha-{i:03d}.txt" for i in range(n)]
    assert [f.content for f in msg.files[:2]] == [b"obsah 0", b"obsah 1"]
    assert msg.files[-1].content == b"obsah 99"


def test_a_notification_page_says_whether_the_list_continues() -> None:
    base = ("<ntfRecords><ntfRecord><ntfType>1</ntfType><dmID>1001</dmID>"
            "<dmPersonalDelivery>1</dmPersonalDelivery>"
            "<dmDeliveryTime>2026-06-01T10:00:00Z</dmDeliveryTime>"
            "<dbIDRecipient>xyz7890</dbIDRecipient><dmAnnotation>Výzva</dmAnnotation>"
            "<dbIDSender>abc1234</dbIDSender><dmSender>Město</dmSender></ntfRecord>"
            "</ntfRecords>")
    for flag, expected in (("true", True), ("false", False), ("1", True)):
        inner = base + f"<ntfListContinues>{flag}</ntfListContinues>" + dm_status()
        client, _ = make_client(lambda s, i=inner: soap_http("GetListForNotifications", i))
        from datetime import UTC, datetime

        page = client.get_list_for_notifications(datetime(2026, 6, 1, tzinfo=UTC), "ALL")
        assert page.continues is expected
        (n,) = page.records
        assert (n.message_id, n.personal_delivery, n.subject) == ("1001", 1, "Výzva")


def test_an_xml_attachment_keeps_its_structure_however_deep() -> None:
    depth = 200
    xml = "".join(f"<u{i}>" for i in range(depth)) + "list" + "".join(
        f"</u{i}>" for i in reversed(range(depth)))
    files = ('<dmFiles><dmFile dmMimeType="text/xml" dmFileMetaType="main" '
             f'dmFileDescr="data.xml"><dmXMLContent><r xmlns="urn:x">{xml}</r>'
             "</dmXMLContent></dmFile></dmFiles>")
    inner = RETURNED.replace(FILES, files) + dm_status()
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    (f,) = client.message_download("1").files
    assert f.xml_content is not None and b"list" in f.xml_content
    assert f.xml_content.count(b"<u") == depth
