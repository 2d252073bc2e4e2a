"""Test doubles for the ISDS client: a recording fake transport and XSD-valid response fixtures."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from dso_desktop.domain import LoginMethod
from dso_desktop.isds import endpoints as ep
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.models import Credentials
from dso_desktop.isds.transport import HttpResponse

NS = "http://isds.czechpoint.cz/v20"
NS_ASWS = "http://isds.czechpoint.cz/v20/asws"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"

ZFO_BYTES = b"0\x82\x01\x00fake-cms-der-for-transport-tests"
B64_ZFO = base64.b64encode(ZFO_BYTES).decode()
HASH_B64 = base64.b64encode(b"\x01" * 32).decode()


def dm_status(code: str = "0000", message: str = "Provedeno úspěšně.") -> str:
    return (f"<dmStatus><dmStatusCode>{code}</dmStatusCode>"
            f"<dmStatusMessage>{message}</dmStatusMessage></dmStatus>")


def db_status(code: str = "0000", message: str = "Provedeno úspěšně.") -> str:
    return (f"<dbStatus><dbStatusCode>{code}</dbStatusCode>"
            f"<dbStatusMessage>{message}</dbStatusMessage></dbStatus>")


NIL = ' xsi:nil="true"'


def envelope_fields(dm_id: str = "123456") -> str:
    """gMessageEnvelope in schema order, with some nil and some filled values."""
    return (
        f"<dmID>{dm_id}</dmID><dbIDSender>abc1234</dbIDSender>"
        "<dmSender>Město Příkladov</dmSender><dmSenderAddress>Náměstí 1, 123 45 Příkladov"
        "</dmSenderAddress><dmSenderType>10</dmSenderType>"
        "<dmRecipient>Jan Novák</dmRecipient>"
        "<dmRecipientAddress>Ulice 2, Praha</dmRecipientAddress>"
        "<dmAmbiguousRecipient>false</dmAmbiguousRecipient>"
        f"<dmSenderOrgUnit{NIL}/><dmSenderOrgUnitNum{NIL}/>"
        "<dbIDRecipient>xyz7890</dbIDRecipient>"
        f"<dmRecipientOrgUnit{NIL}/><dmRecipientOrgUnitNum{NIL}/><dmToHands>Jana</dmToHands>"
        "<dmAnnotation>Rozhodnutí č. 5</dmAnnotation>"
        f"<dmRecipientRefNumber{NIL}/><dmSenderRefNumber>MP/2026/1</dmSenderRefNumber>"
        f"<dmRecipientIdent{NIL}/><dmSenderIdent>SZ 1</dmSenderIdent>"
        "<dmLegalTitleLaw>500</dmLegalTitleLaw><dmLegalTitleYear>2004</dmLegalTitleYear>"
        "<dmLegalTitleSect>19</dmLegalTitleSect>"
        f"<dmLegalTitlePar{NIL}/><dmLegalTitlePoint{NIL}/>"
        "<dmPersonalDelivery>true</dmPersonalDelivery>"
        "<dmAllowSubstDelivery>true</dmAllowSubstDelivery>"
    )


def record(dm_id: str, ordinal: int) -> str:
    return (
        f'<dmRecord dmType="V" dmVODZ="false"><dmOrdinal>{ordinal}</dmOrdinal>'
        f"{envelope_fields(dm_id)}<dmMessageStatus>6</dmMessageStatus>"
        "<dmAttachmentSize>12</dmAttachmentSize>"
        "<dmDeliveryTime>2026-06-01T10:00:00.123+02:00</dmDeliveryTime>"
        "<dmAcceptanceTime>2026-06-02T08:30:00+02:00</dmAcceptanceTime></dmRecord>"
    )


FILES = (
    '<dmFiles><dmFile dmMimeType="application/pdf" dmFileMetaType="main" '
    'dmFileDescr="rozhodnuti.pdf"><dmEncodedContent>'
    + base64.b64encode(b"%PDF-1.4 test").decode()
    + '</dmEncodedContent></dmFile><dmFile dmMimeType="text/xml" dmFileMetaType="enclosure" '
    'dmFileDescr="data.xml"><dmXMLContent><a xmlns="urn:test">1</a></dmXMLContent></dmFile>'
    "</dmFiles>"
)

RETURNED = (
    '<dmReturnedMessage dmType="V"><dmDm>' + envelope_fields() + FILES + "</dmDm>"
    f'<dmHash algorithm="SHA-256">{HASH_B64}</dmHash><dmQTimestamp>{B64_ZFO}</dmQTimestamp>'
    "<dmDeliveryTime>2026-06-01T10:00:00.123+02:00</dmDeliveryTime>"
    f"<dmAcceptanceTime{NIL}/><dmMessageStatus>4</dmMessageStatus>"
    "<dmAttachmentSize>12</dmAttachmentSize></dmReturnedMessage>"
)

ENVELOPE = (
    '<dmReturnedMessageEnvelope dmType="V" dmVODZ="true" attsNum="3"><dmDm>'
    + envelope_fields() + "</dmDm>"
    f'<dmHash algorithm="SHA-256">{HASH_B64}</dmHash><dmQTimestamp>{B64_ZFO}</dmQTimestamp>'
    "<dmDeliveryTime>2026-06-01T10:00:00+02:00</dmDeliveryTime>"
    "<dmAcceptanceTime>2026-06-11T00:00:00+02:00</dmAcceptanceTime>"
    "<dmMessageStatus>5</dmMessageStatus><dmAttachmentSize>30000</dmAttachmentSize>"
    "</dmReturnedMessageEnvelope>"
)

DELIVERY = (
    "<dmDelivery><dmDm>" + envelope_fields() + "</dmDm>"
    f'<dmHash algorithm="SHA-256">{HASH_B64}</dmHash><dmQTimestamp>{B64_ZFO}</dmQTimestamp>'
    "<dmDeliveryTime>2026-06-01T10:00:00+02:00</dmDeliveryTime>"
    "<dmAcceptanceTime>2026-06-02T08:30:00+02:00</dmAcceptanceTime>"
    "<dmMessageStatus>6</dmMessageStatus><dmEvents>"
    "<dmEvent><dmEventTime>2026-06-01T10:00:00+02:00</dmEventTime>"
    "<dmEventDescr>EV5: Datová zpráva byla dodána do schránky.</dmEventDescr></dmEvent>"
    "<dmEvent><dmEventTime>2026-06-02T08:30:00+02:00</dmEventTime>"
    "<dmEventDescr>EV11: Přihlásila se oprávněná osoba.</dmEventDescr></dmEvent>"
    "</dmEvents></dmDelivery>"
)

OWNER_V1 = (
    "<dbOwnerInfo><dbID>abc1234</dbID><dbType>OVM</dbType><ic>00123456</ic>"
    f"<pnFirstName{NIL}/><pnMiddleName{NIL}/><pnLastName{NIL}/><pnLastNameAtBirth{NIL}/>"
    "<firmName>Město Příkladov</firmName>"
    f"<biDate{NIL}/><biCity{NIL}/><biCounty{NIL}/><biState{NIL}/>"
    "<adCity>Příkladov</adCity><adStreet>Náměstí</adStreet><adNumberInStreet>1</adNumberInStreet>"
    "<adNumberInMunicipality>100</adNumberInMunicipality><adZipCode>12345</adZipCode>"
    "<adState>CZ</adState><nationality>CZ</nationality>"
    f"<identifier{NIL}/><registryCode{NIL}/><dbState>1</dbState>"
    "<dbEffectiveOVM>true</dbEffectiveOVM><dbOpenAddressing>false</dbOpenAddressing>"
    "</dbOwnerInfo>"
)

ADDRESS2 = (
    "<adCode>12345678</adCode><adCity>Příkladov</adCity><adDistrict>Střed</adDistrict>"
    "<adStreet>Náměstí</adStreet><adNumberInStreet>1</adNumberInStreet>"
    "<adNumberInMunicipality>100</adNumberInMunicipality><adZipCode>12345</adZipCode>"
    "<adState>CZ</adState>"
)

OWNER_V2 = (
    "<dbOwnerInfo><dbID>abc1234</dbID><aifoIsds>false</aifoIsds><dbType>OVM</dbType>"
    "<ic>00123456</ic>"
    f"<pnGivenNames{NIL}/><pnLastName{NIL}/><firmName>Město Příkladov</firmName>"
    f"<biDate{NIL}/><biCity{NIL}/><biCounty{NIL}/><biState{NIL}/>"
    + ADDRESS2
    + "<nationality>CZ</nationality><dbIdOVM>00123456</dbIdOVM><dbState>1</dbState>"
    f"<dbOpenAddressing>false</dbOpenAddressing><dbUpperID{NIL}/></dbOwnerInfo>"
)

USER_V1 = (
    "<dbUserInfo><pnFirstName>Jana</pnFirstName><pnMiddleName" + NIL + "/>"
    "<pnLastName>Nováková</pnLastName><pnLastNameAtBirth" + NIL + "/>"
    "<adCity>Praha</adCity><adStreet>Dlouhá</adStreet><adNumberInStreet>5</adNumberInStreet>"
    "<adNumberInMunicipality>700</adNumberInMunicipality><adZipCode>11000</adZipCode>"
    "<adState>CZ</adState><biDate>1980-02-03</biDate><userID>user01</userID>"
    "<userType>PRIMARY_USER</userType><userPrivils>255</userPrivils>"
    f"<ic{NIL}/><firmName{NIL}/><caStreet{NIL}/><caCity{NIL}/><caZipCode{NIL}/></dbUserInfo>"
)

USER_V2 = (
    "<dbUserInfo><aifoIsds>true</aifoIsds><pnGivenNames>Jana Marie</pnGivenNames>"
    "<pnLastName>Nováková</pnLastName>" + ADDRESS2
    + "<biDate>1980-02-03</biDate><isdsID>123456789012</isdsID>"
    "<userType>OFFICIAL</userType><userPrivils>63</userPrivils>"
    f"<ic{NIL}/><firmName{NIL}/><caStreet{NIL}/><caCity{NIL}/><caZipCode{NIL}/></dbUserInfo>"
)

SEARCH_HIT3 = (
    "<dbResult><dbID>abc1234</dbID><dbType>OVM</dbType><dbName>Město Příkladov</dbName>"
    "<dbAddress>Náměstí 1, 123 45 Příkladov</dbAddress>" + f"<dbBiDate{NIL}/>"
    "<dbICO>00123456</dbICO><dbIdOVM>00123456</dbIdOVM><dbSendOptions>ALL</dbSendOptions>"
    "</dbResult>"
)
SEARCH_HIT2 = (
    "<dbResult><dbID>abc1234</dbID><dbType>OVM</dbType><dbName>Město Příkladov</dbName>"
    "<dbAddress>Náměstí 1, 123 45 Příkladov</dbAddress>" + f"<dbBiDate{NIL}/>"
    "<dbICO>00123456</dbICO><dbEffectiveOVM>true</dbEffectiveOVM>"
    "<dbSendOptions>DZ</dbSendOptions></dbResult>"
)

# The content of every <XResponse> this suite answers with, valid against the official XSDs.
RESPONSES: dict[str, str] = {
    # dm_operations
    "DummyOperation": dm_status(),
    "CreateMessage": "<dmID>123456</dmID>" + dm_status(),
    "CreateMultipleMessage": (
        "<dmMultipleStatus><dmSingleStatus><dmID>1001</dmID>" + dm_status() + "</dmSingleStatus>"
        "<dmSingleStatus>" + dm_status("1201", "Schránka není přístupná.") + "</dmSingleStatus>"
        "</dmMultipleStatus>" + dm_status()
    ),
    "MessageDownload": RETURNED + dm_status(),
    "SignedMessageDownload": f"<dmSignature>{B64_ZFO}</dmSignature>" + dm_status(),
    "SignedSentMessageDownload": f"<dmSignature>{B64_ZFO}</dmSignature>" + dm_status(),
    "AuthenticateMessage": "<dmAuthResult>true</dmAuthResult>" + dm_status(),
    "Re-signISDSDocument": (f"<dmResultDoc>{B64_ZFO}</dmResultDoc><dmValidTo>2031-01-01</dmValidTo>"
                            + dm_status()),
    # dm_info
    "VerifyMessage": f'<dmHash algorithm="SHA-256">{HASH_B64}</dmHash>' + dm_status(),
    "MessageEnvelopeDownload": ENVELOPE + dm_status(),
    "SentMessageEnvelopeDownload": ENVELOPE + dm_status(),
    "MarkMessageAsDownloaded": dm_status(),
    "GetDeliveryInfo": DELIVERY + dm_status(),
    "GetSignedDeliveryInfo": f"<dmSignature>{B64_ZFO}</dmSignature>" + dm_status(),
    "GetListOfReceivedMessages": "<dmRecords>" + record("1001", 1) + record("1002", 2)
    + "</dmRecords>" + dm_status(),
    "GetListOfSentMessages": "<dmRecords>" + record("2001", 1) + "</dmRecords>" + dm_status(),
    "GetMessageStateChanges": (
        "<dmRecords><dmRecord><dmID>1001</dmID><dmEventTime>2026-06-02T08:30:00Z</dmEventTime>"
        "<dmMessageStatus>6</dmMessageStatus></dmRecord></dmRecords>" + dm_status()
    ),
    "GetMessageAuthor": ("<userType>PRIMARY_USER</userType><authorName>Jana Nováková</authorName>"
                         + dm_status()),
    "GetMessageAuthor2": (
        '<dmMessageAuthor><maItem key="userType" value="OFFICIAL"/>'
        '<maItem key="authorName" value="Jana Nováková"/></dmMessageAuthor>' + dm_status()
    ),
    "EraseMessage": dm_status(),
    "GetListOfErasedMessages": "<asyncID>ASYNC-1</asyncID>" + dm_status(),
    "PickUpAsyncResponse": ("<asyncReqType>LIST_ERASED</asyncReqType><asyncResponse>"
                            + base64.b64encode(b"PK\x03\x04zip").decode() + "</asyncResponse>"
                            + dm_status()),
    "GetListForNotifications": (
        "<ntfRecords><ntfRecord><ntfType>1</ntfType><dmID>1001</dmID>"
        "<dmPersonalDelivery>0</dmPersonalDelivery>"
        "<dmDeliveryTime>2026-06-01T10:00:00Z</dmDeliveryTime><dbIDRecipient>xyz7890</dbIDRecipient>"
        "<dmAnnotation>Výzva</dmAnnotation><dbIDSender>abc1234</dbIDSender>"
        "<dmSender>Město Příkladov</dmSender></ntfRecord></ntfRecords>"
        "<ntfListContinues>true</ntfListContinues>" + dm_status()
    ),
    "RegisterForNotifications": dm_status(),
    "SuspMessageReport": dm_status(),
    # db_search
    "FindDataBox": "<dbResults>" + OWNER_V1.replace(
        "<adState>CZ</adState>", "<adState>CZ</adState>", 1) + "</dbResults>" + db_status(),
    "FindDataBox2": "<dbResults>" + OWNER_V2 + "</dbResults>" + db_status(),
    "FindPersonalDataBox": (
        "<dbResults><dbOwnerInfo><dbID>fo12345</dbID><aifoIsds>true</aifoIsds>"
        "<pnFirstName>Jan</pnFirstName>" + f"<pnMiddleName{NIL}/>"
        "<pnLastName>Novák</pnLastName>"
        "<biDate>1970-01-01</biDate>" + f"<biCity{NIL}/><biCounty{NIL}/><biState{NIL}/>"
        "<adCode>1</adCode><adCity>Brno</adCity>" + f"<adDistrict{NIL}/>"
        "<adStreet>Úzká</adStreet>"
        "<adNumberInStreet>1</adNumberInStreet><adNumberInMunicipality>2</adNumberInMunicipality>"
        "<adZipCode>60200</adZipCode><adState>CZ</adState><nationality>CZ</nationality>"
        "</dbOwnerInfo></dbResults>" + db_status()
    ),
    "CheckDataBox": "<dbState>1</dbState>" + db_status(),
    "GetDataBoxList": "<dblData>" + base64.b64encode(b"PK\x03\x04list").decode() + "</dblData>"
    + db_status(),
    "PDZInfo": (
        "<dbPDZRecords><dbPDZRecord><PDZType>K</PDZType><PDZRecip" + NIL + "/>"
        "<PDZPayer>abc1234</PDZPayer><PDZExpire>2027-01-01T00:00:00Z</PDZExpire>"
        "<PDZCnt>10</PDZCnt><ODZIdent" + NIL + "/></dbPDZRecord></dbPDZRecords>" + db_status()
    ),
    "PDZSendInfo": "<PDZsiResult>true</PDZsiResult>" + db_status(),
    "DataBoxCreditInfo": (
        "<currentCredit>15000</currentCredit><notifEmail>ucetni@example.cz</notifEmail><ciRecords>"
        "<ciRecord><ciEventTime>2026-05-01T09:00:00Z</ciEventTime><ciEventType>2</ciEventType>"
        "<ciCreditChange>-1000</ciCreditChange><ciCreditAfter>15000</ciCreditAfter>"
        "<ciRecipientID>xyz7890</ciRecipientID><ciPDZID>PDZ-9</ciPDZID></ciRecord>"
        "</ciRecords>" + db_status()
    ),
    "ISDSSearch2": ("<totalCount>1</totalCount><currentCount>1</currentCount><position>0</position>"
                    "<lastPage>true</lastPage><dbResults>" + SEARCH_HIT2 + "</dbResults>"
                    + db_status()),
    "ISDSSearch3": ("<totalCount>1</totalCount><currentCount>1</currentCount><position>0</position>"
                    "<lastPage>true</lastPage><dbResults>" + SEARCH_HIT3 + "</dbResults>"
                    + db_status()),
    "GetDataBoxActivityStatus": (
        "<dbID>abc1234</dbID><Periods><Period><PeriodFrom>2026-01-01T00:00:00Z</PeriodFrom>"
        "<PeriodTo>2026-06-01T00:00:00Z</PeriodTo><DbState>1</DbState></Period></Periods>"
        + db_status()
    ),
    "DTInfo": ("<ActDTType>1</ActDTType><ActDTCapacity>100</ActDTCapacity>"
               "<ActDTFrom>2026-01-01</ActDTFrom><ActDTTo>2026-12-31</ActDTTo>"
               "<ActDTCapUsed>7</ActDTCapUsed><FutDTType>0</FutDTType>" + db_status()),
    "GetConstants": (
        "<constRecords><constRecord><cName>MAX_ATTS</cName><cValue>100</cValue>"
        "<cFrom>2024-01-01</cFrom><cTo>2099-12-31</cTo></constRecord></constRecords>" + db_status()
    ),
    "GetDataBoxAddress": (ADDRESS2 + "<adRegistrationNumber" + NIL + "/>"
                          "<adFullAddress1>Náměstí 1</adFullAddress1>"
                          "<adFullAddress2>123 45 Příkladov</adFullAddress2>"),  # no dbStatus
    # db_access
    "GetOwnerInfoFromLogin": OWNER_V1 + db_status(),
    "GetOwnerInfoFromLogin2": OWNER_V2 + db_status(),
    "GetUserInfoFromLogin": USER_V1 + db_status(),
    "GetUserInfoFromLogin2": USER_V2 + db_status(),
    "ChangeISDSPassword": db_status(),
    "GetPasswordInfo": "<pswExpDate>2026-12-31T23:59:59+01:00</pswExpDate>" + db_status(),
    # ChangePassword (asws namespace)
    "SendSMSCode": db_status(),
    "ChangePasswordOTP": db_status(),
    # dm_VoDZ / dm_arch
    "UploadAttachment": (
        '<dmAttID>ATT-1</dmAttID><dmAttHash1 AttHashAlg="SHA-256">aGFzaDE=</dmAttHash1>'
        '<dmAttHash2 AttHashAlg="SHA3-256">aGFzaDI=</dmAttHash2>' + dm_status()
    ),
    "DownloadAttachment": (
        '<dmFile dmFileMetaType="main" dmMimeType="application/pdf" dmFileDescr="velky.pdf">'
        "<dmEncodedContent>" + base64.b64encode(b"%PDF big").decode() + "</dmEncodedContent>"
        "</dmFile>" + dm_status()
    ),
    "CreateBigMessage": "<dmID>777</dmID>" + dm_status(),
    "AuthenticateBigMessage": "<dmAuthResult>false</dmAuthResult>" + dm_status(),
    "SignedBigMessageDownload": f"<dmSignature>{B64_ZFO}</dmSignature>" + dm_status(),
    "SignedSentBigMessageDownload": f"<dmSignature>{B64_ZFO}</dmSignature>" + dm_status(),
    "BigMessageDownload": RETURNED.replace('dmType="V"', 'dmType="V" dmVODZ="true" attsNum="2"')
    + dm_status(),
    "ArchiveISDSDocument": (f"<dmResultDoc>{B64_ZFO}</dmResultDoc><nextStampTo>2036-01-01"
                            "</nextStampTo>" + dm_status()),
}

ASWS_OPERATIONS = {"SendSMSCode", "ChangePasswordOTP"}
SOAP12_OPERATIONS = {
    "UploadAttachment", "DownloadAttachment", "CreateBigMessage", "AuthenticateBigMessage",
    "SignedBigMessageDownload", "SignedSentBigMessageDownload", "BigMessageDownload",
    "ArchiveISDSDocument",
}


def response_body(operation: str, inner: str | None = None, *, soap12: bool | None = None) -> bytes:
    """A complete SOAP response envelope for `operation`."""
    if inner is None:
        inner = RESPONSES[operation]
    if soap12 is None:
        soap12 = operation in SOAP12_OPERATIONS
    ns = NS_ASWS if operation in ASWS_OPERATIONS else NS
    env = SOAP12 if soap12 else SOAP11
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{env}"><s:Body>'
        f'<{operation}Response xmlns="{ns}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{inner}</{operation}Response>'
        "</s:Body></s:Envelope>"
    ).encode()


def response_element(operation: str, inner: str | None = None) -> Any:
    """The <XResponse> element itself (for schema validation of the fixtures)."""
    root = etree.fromstring(response_body(operation, inner))
    return root[0][0]


@dataclass
class Sent:
    """One request the client made."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    auth: tuple[str, str] | None

    @property
    def operation(self) -> str | None:
        el = self.body_element()
        return None if el is None else etree.QName(el).localname

    def body_element(self) -> Any:
        xml = root_xml_of(self)
        if not xml or not xml.lstrip().startswith(b"<"):
            return None
        root = etree.fromstring(xml)
        body = next(c for c in root if etree.QName(c).localname == "Body")
        return body[0]


def http(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None,
         set_cookies: tuple[str, ...] = ()) -> HttpResponse:
    h = {k.lower(): v for k, v in (headers or {}).items()}
    return HttpResponse(status=status, headers=h, body=io.BytesIO(body), set_cookies=set_cookies)


def soap_http(operation: str, inner: str | None = None, status: int = 200,
              soap12: bool | None = None) -> HttpResponse:
    s12 = operation in SOAP12_OPERATIONS if soap12 is None else soap12
    ctype = "application/soap+xml; charset=utf-8" if s12 else "text/xml; charset=utf-8"
    return http(status, response_body(operation, inner, soap12=s12), {"Content-Type": ctype})


Handler = Callable[["Sent"], HttpResponse]


@dataclass
class FakeTransport:
    """Records every request; answers with `handler` or the stock response of the operation."""

    handler: Handler | None = None
    sent: list[Sent] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    def request(self, method: str, url: str, *, body: bytes | IO[bytes] | None = None,
                headers: Any = None, basic_auth: tuple[str, str] | None = None) -> HttpResponse:
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        else:
            data = body.read()
        entry = Sent(method, url, dict(headers or {}), data, basic_auth)
        self.sent.append(entry)
        if self.handler is not None:
            return self.handler(entry)
        return default_answer(entry)

    def cookie(self, name: str) -> str | None:
        return self.cookies.get(name)

    def clear_cookies(self) -> None:
        self.cookies.clear()

    def close(self) -> None:
        self.closed = True

    def soap_requests(self) -> list[Sent]:
        return [s for s in self.sent if s.operation is not None]


def root_xml_of(entry: Sent) -> bytes:
    """The SOAP envelope of a request, taking the root part out of an MTOM body."""
    ctype = entry.headers.get("Content-Type", "")
    if not ctype.startswith("multipart/related"):
        return entry.body
    start = entry.body.index(b"\r\n\r\n") + 4
    end = entry.body.index(b"\r\n--MIMEBoundary_", start)
    return entry.body[start:end]


def default_answer(entry: Sent) -> HttpResponse:
    xml = root_xml_of(entry)
    root = etree.fromstring(xml)
    body = next(c for c in root if etree.QName(c).localname == "Body")
    return soap_http(etree.QName(body[0]).localname)


def make_client(
    handler: Handler | None = None,
    method: LoginMethod = LoginMethod.PASSWORD,
    *,
    logged_in: bool = True,
    **kw: Any,
) -> tuple[IsdsClient, FakeTransport]:
    t = FakeTransport(handler)
    sleeps: list[float] = []
    kw.setdefault("sleep", sleeps.append)
    client = IsdsClient(
        ep.Environment.custom("https://isds.test:8443"),
        method,
        Credentials("user01", "heslo-č"),
        transport=t,
        **kw,
    )
    client.sleeps = sleeps  # type: ignore[attr-defined]
    if logged_in:
        client._logged_in = True
        client._last_used = 0.0
        if client.uses_cookie_session:
            client._clock = lambda: 0.0
    return client, t


# --- one call (or more) of every operation, with fields filled and left out -----------------

def _calls() -> dict[str, list[Callable[[IsdsClient], Any]]]:
    from datetime import UTC, date, datetime

    from dso_desktop.domain import AttachmentRole, Direction, LegalTitle
    from dso_desktop.isds.models import (
        Address,
        ExtFile,
        OutgoingFile,
        OutgoingMessage,
        OwnerInfo,
        Recipient,
        UploadedAttachment,
    )

    t0 = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    t1 = datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)
    full = OutgoingMessage(
        recipient_box_id="xyz7890", subject="Žádost o informace", sender_org_unit="Odbor",
        sender_org_unit_num=3, recipient_org_unit="Podatelna", recipient_org_unit_num=1,
        to_hands="Jana Nováková", your_ref="VJ/1", our_ref="NJ/2", your_file_mark="VSZ",
        our_file_mark="NSZ",
        legal_title=LegalTitle(law="106", year="1999", section="14", paragraph="5", point="a"),
        personal_delivery=True, allow_fiction=False, ovm=False, publish_own_id=True, id_level=1,
        message_type="K",
    )
    minimal = OutgoingMessage(recipient_box_id="xyz7890", subject="Test")
    files = [
        OutgoingFile("dopis.pdf", b"%PDF-1.4", "application/pdf", AttachmentRole.MAIN,
                     guid="g1"),
        OutgoingFile("data.xml", xml_content=b"<d xmlns='urn:x'>1</d>", mime_type="text/xml",
                     role=AttachmentRole.ENCLOSURE, up_guid="g1"),
    ]
    up = UploadedAttachment("ATT-1", "aGFzaDE=", "SHA-256", "aGFzaDI=", "SHA3-256")
    q_full = OwnerInfo(box_id="abc1234", box_type="OVM", ic="00123456", first_name="Jan",
                       last_name="Novák", firm_name="Firma", birth_date=date(1970, 1, 1),
                       address=Address(code="1", city="Brno", zip_code="60200"),
                       email="a@b.cz", phone="+420123456789", state=1)
    q_min = OwnerInfo(firm_name="Příkladov")
    return {
        "DummyOperation": [lambda c: c.dummy_operation()],
        "CreateMessage": [lambda c: c.create_message(full, files),
                          lambda c: c.create_message(minimal, files[:1])],
        "CreateMultipleMessage": [
            lambda c: c.create_multiple_message(full, [Recipient("xyz7890", "Podatelna", 1, "J"),
                                                       Recipient("abc1234")], files)],
        "MessageDownload": [lambda c: c.message_download("123456")],
        "SignedMessageDownload": [lambda c: c.signed_message_download("123456")],
        "SignedSentMessageDownload": [lambda c: c.signed_sent_message_download("123456")],
        "AuthenticateMessage": [lambda c: c.authenticate_message(ZFO_BYTES)],
        "Re-signISDSDocument": [lambda c: c.re_sign_isds_document(ZFO_BYTES)],
        "VerifyMessage": [lambda c: c.verify_message("123456")],
        "MessageEnvelopeDownload": [lambda c: c.message_envelope_download("123456")],
        "SentMessageEnvelopeDownload": [lambda c: c.sent_message_envelope_download("123456")],
        "MarkMessageAsDownloaded": [lambda c: c.mark_message_as_downloaded("123456")],
        "GetDeliveryInfo": [lambda c: c.get_delivery_info("123456")],
        "GetSignedDeliveryInfo": [lambda c: c.get_signed_delivery_info("123456")],
        "GetListOfReceivedMessages": [
            lambda c: c.get_list_of_received_messages(t0, t1, limit=100, org_unit_num=2),
            lambda c: c.get_list_of_received_messages(None, None, offset=None)],
        "GetListOfSentMessages": [lambda c: c.get_list_of_sent_messages(t0, t1, 1 << 4, 1, 10)],
        "GetMessageStateChanges": [lambda c: c.get_message_state_changes(t0, None)],
        "GetMessageAuthor": [lambda c: c.get_message_author("123456")],
        "GetMessageAuthor2": [lambda c: c.get_message_author2("123456")],
        "EraseMessage": [lambda c: c.erase_message("123456", True)],
        "GetListOfErasedMessages": [
            lambda c: c.get_list_of_erased_messages(Direction.RECEIVED, from_date=date(2026, 1, 1),
                                                    to_date=date(2026, 1, 31)),
            lambda c: c.get_list_of_erased_messages(Direction.SENT, year=2025, month=3,
                                                    out_format="CSV")],
        "PickUpAsyncResponse": [lambda c: c.pick_up_async_response("ASYNC-1", "LIST_ERASED")],
        "GetListForNotifications": [lambda c: c.get_list_for_notifications(t0, "ALL")],
        "RegisterForNotifications": [lambda c: c.register_for_notifications(1)],
        "SuspMessageReport": [
            lambda c: c.susp_message_report("123456", allow_complete=True, name="Jan",
                                            mail="j@x.cz", phone="123", note="spam"),
            lambda c: c.susp_message_report("123456", allow_complete=False)],
        "FindDataBox": [lambda c: c.find_data_box(q_full), lambda c: c.find_data_box(q_min)],
        "FindDataBox2": [lambda c: c.find_data_box2(q_full), lambda c: c.find_data_box2(q_min)],
        "FindPersonalDataBox": [lambda c: c.find_personal_data_box(q_full)],
        "CheckDataBox": [lambda c: c.check_data_box("abc1234"),
                         lambda c: c.check_data_box("abc1234", approved=True, extern_ref="R1")],
        "GetDataBoxList": [lambda c: c.get_data_box_list("OVM")],
        "PDZInfo": [lambda c: c.pdz_info("abc1234")],
        "PDZSendInfo": [lambda c: c.pdz_send_info("abc1234", "VoDZ")],
        "DataBoxCreditInfo": [lambda c: c.data_box_credit_info("abc1234", date(2026, 1, 1)),
                              lambda c: c.data_box_credit_info("abc1234")],
        "ISDSSearch2": [lambda c: c.isds_search2("Příkladov", highlighting=True)],
        "ISDSSearch3": [lambda c: c.isds_search3("00123456", "ICO", "OVM_MAIN", 1, 10),
                        lambda c: c.isds_search3("x", None, None, None, None)],
        "GetDataBoxActivityStatus": [lambda c: c.get_data_box_activity_status("abc1234", t0, t1)],
        "DTInfo": [lambda c: c.dt_info("abc1234")],
        "GetConstants": [lambda c: c.get_constants(date(2026, 6, 1)),
                         lambda c: c.get_constants()],
        "GetDataBoxAddress": [lambda c: c.get_data_box_address("abc1234")],
        "GetOwnerInfoFromLogin": [lambda c: c.get_owner_info_from_login()],
        "GetOwnerInfoFromLogin2": [lambda c: c.get_owner_info_from_login2()],
        "GetUserInfoFromLogin": [lambda c: c.get_user_info_from_login()],
        "GetUserInfoFromLogin2": [lambda c: c.get_user_info_from_login2()],
        "ChangeISDSPassword": [lambda c: c.change_isds_password("stare-heslo", "Nove-heslo-1")],
        "GetPasswordInfo": [lambda c: c.get_password_info()],
        "SendSMSCode": [lambda c: c.send_sms_code()],
        "ChangePasswordOTP": [lambda c: c.change_password_otp("stare", "Nove-heslo-1", "TOTP")],
        "UploadAttachment": [lambda c: c.upload_attachment(b"%PDF big" * 100, "velky.pdf",
                                                           "application/pdf")],
        "DownloadAttachment": [lambda c: c.download_attachment("777", 0)],
        "CreateBigMessage": [
            lambda c: c.create_big_message(full, [ExtFile(up, AttachmentRole.MAIN, guid="a")],
                                           [files[0]]),
            lambda c: c.create_big_message(minimal, [ExtFile(up)])],
        "AuthenticateBigMessage": [lambda c: c.authenticate_big_message(ZFO_BYTES)],
        "SignedBigMessageDownload": [lambda c: c.signed_big_message_download("777")],
        "SignedSentBigMessageDownload": [lambda c: c.signed_sent_big_message_download("777")],
        "BigMessageDownload": [lambda c: c.big_message_download("777")],
        "ArchiveISDSDocument": [lambda c: c.archive_isds_document(ZFO_BYTES)],
    }


CALLS = _calls()
