"""ZFO test fixtures and an ISDS-shaped message builder (imported by the tests; no conftest
here, so that other packages' `from conftest import ...` keeps finding the root one)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from dso_desktop.zfo.produce import TsaIdentity, dm_hash, q_timestamp, seal
from dso_desktop.zfo.testpki import (
    TestPki,
    create_pki,
    issue_cert,
    leaf_key_usage,
    pki_name,
    rsa_key,
)
from dso_desktop.zfo.trust import TrustStore

SEALED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
NS = {
    "received": "http://isds.czechpoint.cz/v20/message",
    "sent": "http://isds.czechpoint.cz/v20/SentMessage",
    "delivery-info": "http://isds.czechpoint.cz/v20/delivery",
}


def message_xml(pki: TestPki, *, kind: str = "received", dm_id: str = "4242",
                files: list[tuple[str, bytes]] | None = None, subject: str = "Věc",
                tamper_hash: bool = False, big: bool = False) -> bytes:
    """An ISDS response XML shaped like the real samples, with a correct dmHash."""
    files = [("dopis.pdf", b"%PDF-1.4 test")] if files is None else files
    file_xml = "".join(
        f'<p:dmFile dmMimeType="application/pdf" '
        f'dmFileMetaType="{"main" if i == 0 else "enclosure"}"'
        f' dmFileDescr="{escape(name, {chr(34): "&quot;"})}"><p:dmEncodedContent>'
        f"{base64.b64encode(data).decode()}</p:dmEncodedContent></p:dmFile>"
        for i, (name, data) in enumerate(files)
    )
    env = (
        f"<p:dmID>{dm_id}</p:dmID><p:dbIDSender>abc1234</p:dbIDSender>"
        "<p:dmSender>Úřad městyse Test</p:dmSender><p:dmSenderAddress>Náměstí 1, Test"
        "</p:dmSenderAddress><p:dmSenderType>10</p:dmSenderType>"
        "<p:dmRecipient>Jan Novák</p:dmRecipient><p:dmRecipientAddress>Ulice 2, Brno"
        "</p:dmRecipientAddress><p:dmAmbiguousRecipient>false</p:dmAmbiguousRecipient>"
        '<p:dmSenderOrgUnit xsi:nil="true" /><p:dmSenderOrgUnitNum xsi:nil="true" />'
        "<p:dbIDRecipient>xyz9876</p:dbIDRecipient>"
        '<p:dmRecipientOrgUnit xsi:nil="true" />'
        "<p:dmRecipientOrgUnitNum>5</p:dmRecipientOrgUnitNum>"
        f"<p:dmToHands>k rukám</p:dmToHands><p:dmAnnotation>{escape(subject)}</p:dmAnnotation>"
        '<p:dmRecipientRefNumber xsi:nil="true" />'
        "<p:dmSenderRefNumber>Č.j. 1/2026</p:dmSenderRefNumber>"
        '<p:dmRecipientIdent xsi:nil="true" /><p:dmSenderIdent>SZ-7</p:dmSenderIdent>'
        "<p:dmLegalTitleLaw>300</p:dmLegalTitleLaw><p:dmLegalTitleYear>2008</p:dmLegalTitleYear>"
        '<p:dmLegalTitleSect>17</p:dmLegalTitleSect><p:dmLegalTitlePar xsi:nil="true" />'
        '<p:dmLegalTitlePoint xsi:nil="true" /><p:dmPersonalDelivery>true</p:dmPersonalDelivery>'
        "<p:dmAllowSubstDelivery>true</p:dmAllowSubstDelivery>"
    )
    if kind == "delivery-info":
        dm_dm = f'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">{env}</p:dmDm>'
    else:
        dm_dm = (f'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">{env}'
                 f'<p:dmFiles xmlns:p="http://isds.czechpoint.cz/v20">{file_xml}</p:dmFiles>'
                 "</p:dmDm>")
    h = dm_hash(dm_dm.encode())
    if tamper_hash:
        h = bytes([h[0] ^ 1]) + h[1:]
    qts = base64.b64encode(q_timestamp(h, pki.tsa, SEALED_AT)).decode()
    tail = (f'<q:dmHash algorithm="SHA-256">{base64.b64encode(h).decode()}</q:dmHash>'
            f"<q:dmQTimestamp>{qts}</q:dmQTimestamp>"
            "<q:dmDeliveryTime>2026-03-01T13:00:00.123+01:00</q:dmDeliveryTime>"
            '<q:dmAcceptanceTime xsi:nil="true" /><q:dmMessageStatus>4</q:dmMessageStatus>')
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    if kind == "delivery-info":
        return (f'<q:GetDeliveryInfoResponse xmlns:q="{NS[kind]}" {xsi}><q:dmDelivery>'
                f"{dm_dm}{tail}<q:dmEvents><q:dmEvent><q:dmEventTime>2026-03-01T13:00:00.1+01:00"
                "</q:dmEventTime><q:dmEventDescr>EV5: Datová zpráva byla dodána.</q:dmEventDescr>"
                "</q:dmEvent></q:dmEvents></q:dmDelivery></q:GetDeliveryInfoResponse>").encode()
    vodz = ' dmVODZ="true" attsNum="1"' if big else ""
    return (f'<q:MessageDownloadResponse xmlns:q="{NS[kind]}" {xsi}>'
            f'<q:dmReturnedMessage dmType="V"{vodz}>{dm_dm}{tail}'
            "<q:dmAttachmentSize>1</q:dmAttachmentSize></q:dmReturnedMessage>"
            "</q:MessageDownloadResponse>").encode()


def message_xml_with_short_lived_q_tsa(pki: TestPki) -> tuple[bytes, x509.Certificate]:
    """`message_xml` whose dmQTimestamp (made at SEALED_AT) comes from an ISDS timestamp
    authority whose certificate ends on 2027-12-31, before the seal's and the seal
    timestamp's do; returns the XML and that certificate."""
    key = rsa_key()
    short = issue_cert(pki_name("Short-lived ISDS TSA"), key, issuer=pki.ca_cert,
                       issuer_key=pki.ca_key, not_before=datetime(2025, 1, 1, tzinfo=UTC),
                       days=3 * 365, key_usage=leaf_key_usage(),
                       eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    xml = message_xml(pki)
    h = re.search(rb'<q:dmHash algorithm="SHA-256">([^<]*)</q:dmHash>', xml)
    assert h is not None
    q_tsa = TsaIdentity(short, key, (pki.ca_cert,))
    token = base64.b64encode(q_timestamp(base64.b64decode(h.group(1)), q_tsa, SEALED_AT))
    xml = re.sub(rb"<q:dmQTimestamp>[^<]*</q:dmQTimestamp>",
                 b"<q:dmQTimestamp>" + token + b"</q:dmQTimestamp>", xml)
    return xml, short


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return create_pki(tmp_path_factory.mktemp("pki"),
                      not_before=datetime(2025, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="session")
def pki_dir(pki: TestPki) -> Path:
    assert pki.directory is not None
    return pki.directory


@pytest.fixture
def trust(pki: TestPki) -> TrustStore:
    return TrustStore.from_paths([pki.ca_file])


@pytest.fixture
def make_zfo(pki: TestPki) -> Callable[..., bytes]:
    def make(*, with_tsa: bool = True, when: datetime = SEALED_AT, digest: str = "sha256",
             **xml_kw: object) -> bytes:
        xml = message_xml(pki, **xml_kw)  # type: ignore[arg-type]
        return seal(xml, pki.seal, pki.tsa if with_tsa else None, when, digest=digest)
    return make
