"""Less common operations: erased-message lists, notifications, spam reports, box lists,
activity, constants and the personal-box search (registered in OPERATIONS; listed in
``IMPLEMENTED_OPERATIONS``)."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from datetime import UTC, date, datetime, timedelta

from dso_desktop.simulator import render
from dso_desktop.simulator.context import OpContext, OpError
from dso_desktop.simulator.model import PRIVIL_SEARCH_DB, Message
from dso_desktop.simulator.registry import op
from dso_desktop.simulator.status_codes import (
    BAD_REQUEST,
    BOX_DOES_NOT_EXIST,
    MESSAGE_NOT_FOUND,
    NO_RIGHTS,
    NOT_FOUND_BOXES,
)
from dso_desktop.simulator.xmlio import (
    NS,
    B,
    Element,
    boolean,
    child,
    fmt_time,
    integer,
    parse_time,
)
from dso_desktop.simulator.xmlio import text as t

_async_ids = itertools.count(1)
NOTIFICATION_PAGE = 1000


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


# The asyncReqType of a GetListOfErasedMessages result.  The XSD only says xs:string; CZ.NIC's
# libdatovka (written against the real ISDS) sends and expects "LIST_ERASED", as our client does.
ERASED_REQ_TYPE = "LIST_ERASED"


@op("dx", "GetListOfErasedMessages")
def get_list_of_erased_messages(ctx: OpContext, req: Element) -> Element:
    """Asynchronous: the answer is an id; PickUpAsyncResponse hands over a zipped list."""
    direction = (t(req, "dmMessageType") or "").upper()
    fmt = (t(req, "dmOutFormat") or "").upper()
    if direction not in ("SENT", "RECEIVED") or fmt not in ("XML", "CSV"):
        raise OpError(BAD_REQUEST)
    from_date, to_date = t(req, "dmFromDate"), t(req, "dmToDate")
    start: datetime | None
    end: datetime | None
    if from_date and to_date:
        start = parse_time(from_date)
        end = parse_time(to_date, end_of_day=True)
    else:
        year = integer(req, "dmYear")
        month = integer(req, "dmMonth")
        if year is None:
            raise OpError(BAD_REQUEST, "Zadejte období (od-do nebo rok).")
        start = datetime(year, month or 1, 1, tzinfo=UTC)
        end = (datetime(year + (month or 12) // 12, (month or 12) % 12 + 1, 1, tzinfo=UTC)
               - timedelta(microseconds=1))
    ids = ctx.world.received if direction == "RECEIVED" else ctx.world.sent
    erased = [ctx.world.messages[d] for d in ids.get(ctx.box.box_id, ())
              if ctx.world.messages[d].erased]
    assert start is not None and end is not None
    erased = [m for m in erased if start <= (m.delivered_at or m.posted_at) <= end]
    async_id = f"erased-{next(_async_ids)}"
    ctx.world.async_results[async_id] = (ERASED_REQ_TYPE, _erased_list(ctx, erased, fmt))
    resp = B.root("GetListOfErasedMessagesResponse")
    B.sub(resp, "asyncID", async_id)
    render.dm_status(resp)
    return resp


def _erased_list(ctx: OpContext, msgs: list[Message], fmt: str) -> bytes:
    rows = []
    for m in msgs:
        sender = ctx.world.boxes[m.sender_id]
        recipient = ctx.world.boxes[m.recipient_id]
        rows.append({"dmID": m.dm_id, "dbIDSender": sender.box_id, "dmSender": sender.name,
                     "dbIDRecipient": recipient.box_id, "dmRecipient": recipient.name,
                     "dmAnnotation": m.annotation,
                     "dmDeliveryTime": fmt_time(m.delivered_at) if m.delivered_at else "",
                     "dmAcceptanceTime": fmt_time(m.accepted_at) if m.accepted_at else "",
                     "dmMessageStatus": str(m.status)})
    if fmt == "CSV":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["dmID"],
                                delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
        return _zip("erased.csv", out.getvalue().encode("utf-8"))
    from lxml import etree

    # /isds:dmRecords/isds:dmRecord in the ISDS namespace, as libdatovka's
    # isds_load_erased_messages() reads the unzipped list; dmType is listed too.
    root = etree.Element(f"{{{NS}}}dmRecords", nsmap={None: NS})
    for r, m in zip(rows, msgs, strict=True):
        rec = etree.SubElement(root, f"{{{NS}}}dmRecord")
        for k, v in r.items():
            etree.SubElement(rec, f"{{{NS}}}{k}").text = v
        etree.SubElement(rec, f"{{{NS}}}dmType").text = m.dm_type
    return _zip("erased.xml", etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@op("dx", "PickUpAsyncResponse")
def pick_up_async_response(ctx: OpContext, req: Element) -> Element:
    async_id = t(req, "asyncID") or ""
    entry = ctx.world.async_results.get(async_id)
    # An id asked for with another request type names no pending request of that type;
    # it stays pending for the right question.
    if entry is None or entry[0] != (t(req, "asyncReqType") or ""):
        raise OpError(MESSAGE_NOT_FOUND, "Asynchronní požadavek neexistuje.")
    del ctx.world.async_results[async_id]
    resp = B.root("PickUpAsyncResponseResponse")
    B.sub(resp, "asyncReqType", entry[0])
    B.sub(resp, "asyncResponse", entry[1])
    render.dm_status(resp)
    return resp


@op("dx", "SuspMessageReport")
def susp_message_report(ctx: OpContext, req: Element) -> Element:
    msg = ctx.world.message_for(ctx.box.box_id, t(req, "dmID") or "", "received")
    if msg is None:
        raise OpError(MESSAGE_NOT_FOUND)
    if boolean(req, "allowComplete") is None:
        raise OpError(BAD_REQUEST)
    ctx.world.suspicious.add(msg.dm_id)
    resp = B.root("SuspMessageReportResponse")
    render.dm_status(resp)
    return resp


@op("dx", "RegisterForNotifications")
def register_for_notifications(ctx: OpContext, req: Element) -> Element:
    """Only certificate access may poll notifications (PROTOCOL.md §3, N2109)."""
    if not ctx.system_cert:
        raise OpError(NO_RIGHTS, "Notifikace jsou jen pro přístup certifikátem.")
    action = integer(req, "action")
    if action not in (0, 1):
        raise OpError(BAD_REQUEST)
    if action == 1:
        ctx.world.notification_boxes.add(ctx.box.box_id)
    else:
        ctx.world.notification_boxes.discard(ctx.box.box_id)
    resp = B.root("RegisterForNotificationsResponse")
    render.dm_status(resp)
    return resp


@op("dx", "GetListForNotifications")
def get_list_for_notifications(ctx: OpContext, req: Element) -> Element:
    """Delivered messages since a time; unlike the lists it does not accept anything."""
    if not ctx.system_cert or ctx.box.box_id not in ctx.world.notification_boxes:
        raise OpError(NO_RIGHTS, "Schránka není registrována k notifikacím.")
    since = parse_time(t(req, "ntfFromTime")) or ctx.now - timedelta(days=1)
    hits = [m for m in ctx.world.visible(ctx.box.box_id, "received")
            if m.delivered_at and m.delivered_at >= since]
    page = hits[:NOTIFICATION_PAGE]
    resp = B.root("GetListForNotificationsResponse")
    records = B.node(resp, "ntfRecords")
    for m in page:
        sender = ctx.world.boxes[m.sender_id]
        rec = B.node(records, "ntfRecord")
        B.sub(rec, "ntfType", 1)
        B.sub(rec, "dmID", m.dm_id)
        B.sub(rec, "dmPersonalDelivery", 1 if m.personal_delivery else 0)
        B.sub(rec, "dmDeliveryTime", m.delivered_at)
        B.sub(rec, "dbIDRecipient", m.recipient_id)
        B.sub(rec, "dmAnnotation", m.annotation)
        B.sub(rec, "dbIDSender", sender.box_id)
        B.sub(rec, "dmSender", sender.name)
    B.sub(resp, "ntfListContinues", len(hits) > len(page))
    render.dm_status(resp)
    return resp


@op("df", "GetDataBoxList")
def get_data_box_list(ctx: OpContext, req: Element) -> Element:
    """A zipped CSV of boxes (by type: ALL, or a dbType)."""
    kind = (t(req, "dblType") or "ALL").upper()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["dbID", "dbType", "name", "ico", "address", "dbState"])
    for box in ctx.world.boxes.values():
        if kind in ("ALL", box.box_type):
            writer.writerow([box.box_id, box.box_type, box.name, box.ico or "", box.address,
                             box.state])
    resp = B.root("GetDataBoxListResponse")
    B.sub(resp, "dblData", _zip("seznam_ds.csv", out.getvalue().encode("utf-8")))
    render.db_status(resp)
    return resp


@op("df", "GetDataBoxActivityStatus")
def get_data_box_activity_status(ctx: OpContext, req: Element) -> Element:
    box = ctx.world.boxes.get(t(req, "dbID") or "")
    if box is None:
        raise OpError(BOX_DOES_NOT_EXIST)
    start = parse_time(t(req, "baFrom")) or ctx.now - timedelta(days=30)
    end = parse_time(t(req, "baTo")) or ctx.now
    resp = B.root("GetDataBoxActivityStatusResponse")
    B.sub(resp, "dbID", box.box_id)
    periods = B.node(resp, "Periods")
    period = B.node(periods, "Period")
    B.sub(period, "PeriodFrom", start)
    B.sub(period, "PeriodTo", end)
    B.sub(period, "DbState", box.state)
    render.db_status(resp)
    return resp


# Simulator constants (names chosen here; the official list of GetConstants was not found).
CONSTANTS = (
    ("MaxMessageSize", "20971520"), ("MaxBigMessageSize", "104857600"),
    ("MaxAttachments", "100"), ("MaxRecipients", "50"), ("FictionDays", "10"),
    ("RetentionDays", "90"),
)


@op("df", "GetConstants")
def get_constants(ctx: OpContext, req: Element) -> Element:
    on = t(req, "constDate")
    day = date.fromisoformat(on[:10]) if on else ctx.now.date()
    resp = B.root("GetConstantsResponse")
    records = B.node(resp, "constRecords")
    for name, value in CONSTANTS:
        rec = B.node(records, "constRecord")
        B.sub(rec, "cName", name)
        B.sub(rec, "cValue", value)
        B.sub(rec, "cFrom", date(2024, 1, 1) if day >= date(2024, 1, 1) else date(2009, 7, 1))
        B.sub(rec, "cTo", date(9999, 12, 31))
    render.db_status(resp)
    return resp


_PERSONAL_FIELDS = ("dbID", "aifoIsds", "pnFirstName", "pnMiddleName", "pnLastName", "biDate",
                    "biCity", "biCounty", "biState", "adCode", "adCity", "adDistrict",
                    "adStreet", "adNumberInStreet", "adNumberInMunicipality", "adZipCode",
                    "adState", "nationality")


@op("df", "FindPersonalDataBox")
def find_personal_data_box(ctx: OpContext, req: Element) -> Element:
    """FO boxes by name and birth date; an OVM's search (PROTOCOL.md §3)."""
    if not ctx.box.is_ovm:
        raise OpError(NO_RIGHTS, "Vyhledávání fyzických osob je jen pro OVM.")
    ctx.need(PRIVIL_SEARCH_DB)
    crit = child(req, "dbOwnerInfo")
    if crit is None:
        raise OpError(BAD_REQUEST)
    last = (t(crit, "pnLastName") or "").casefold()
    first = (t(crit, "pnFirstName") or "").casefold()
    born = t(crit, "biDate")
    box_id = t(crit, "dbID")
    if not any((last, first, born, box_id)):
        raise OpError(BAD_REQUEST, "Zadejte alespoň jedno kritérium hledání.")
    hits = [b for b in ctx.world.boxes.values() if b.box_type == "FO"
            and (not box_id or b.box_id == box_id)
            and (not last or (b.last_name or "").casefold() == last)
            and (not first or (b.first_name or "").casefold() == first)
            and (not born or b.birth_date == born)]
    resp = B.root("FindPersonalDataBoxResponse")
    if not hits:
        render.db_status(resp, NOT_FOUND_BOXES)
        return resp
    results = B.node(resp, "dbResults")
    for b in hits:
        el = B.node(results, "dbOwnerInfo")
        values = {"dbID": b.box_id, "aifoIsds": False, "pnFirstName": b.first_name,
                  "pnLastName": b.last_name, "biDate": b.birth_date, "biCity": b.birth_city,
                  "adCity": b.city, "adStreet": b.street or None,
                  "adNumberInStreet": b.number_in_street or None,
                  "adNumberInMunicipality": b.number_in_municipality or None,
                  "adZipCode": b.zip_code.replace(" ", ""), "adState": "CZ",
                  "nationality": "CZ"}
        for name in _PERSONAL_FIELDS:
            B.sub(el, name, values.get(name))
    render.db_status(resp)
    return resp
