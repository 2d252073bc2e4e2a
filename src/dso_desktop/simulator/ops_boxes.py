"""Box operations: db_search (df), db_access (DsManage) and the OTP password service."""

from __future__ import annotations

from datetime import date, timedelta

from dso_desktop.simulator import render
from dso_desktop.simulator.context import OpContext, OpError
from dso_desktop.simulator.model import PRIVIL_SEARCH_DB, Box
from dso_desktop.simulator.registry import op
from dso_desktop.simulator.status_codes import (
    BAD_REQUEST,
    BOX_DOES_NOT_EXIST,
    NOT_FOUND_BOXES,
    TOO_MANY_BOXES,
    WRONG_PASSWORD,
)
from dso_desktop.simulator.xmlio import (
    NS_ASWS,
    B,
    Builder,
    Element,
    boolean,
    child,
    integer,
    parse_time,
)
from dso_desktop.simulator.xmlio import text as t

MAX_FIND_RESULTS = 100
_VIRTUAL_SCOPES = {
    "OVM_MAIN": lambda b: b.box_type == "OVM",
    "PO_BASE": lambda b: b.box_type == "PO",
    "PFO_BASE": lambda b: b.box_type == "PFO",
}


def _fold(s: str | None) -> str:
    import unicodedata

    s = unicodedata.normalize("NFKD", s or "")
    return "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()


def _send_options(ctx: OpContext, box: Box) -> str:
    if box.state != 1:
        return "DISABLED"
    if box.is_ovm or ctx.box.is_ovm:
        return "ALL"
    return "PDZ" if ctx.box.pdz_allowed else "NONE"


def _db_status(parent: Element, code: str = "0000", message: str | None = None) -> None:
    render.db_status(parent, code, message)


def _owner_info(parent: Element, name: str, box: Box, *, ext2: bool, b: Builder = B) -> Element:
    el = b.node(parent, name)
    b.sub(el, "dbID", box.box_id)
    if ext2:
        b.sub(el, "aifoIsds", False)
    b.sub(el, "dbType", box.box_type)
    b.sub(el, "ic", box.ico)
    if ext2:
        b.sub(el, "pnGivenNames", box.first_name)
        b.sub(el, "pnLastName", box.last_name)
    else:
        b.sub(el, "pnFirstName", box.first_name)
        b.sub(el, "pnMiddleName", None)
        b.sub(el, "pnLastName", box.last_name)
        b.sub(el, "pnLastNameAtBirth", None)
    b.sub(el, "firmName", None if box.box_type == "FO" else box.name)
    b.sub(el, "biDate", box.birth_date)
    b.sub(el, "biCity", box.birth_city)
    b.sub(el, "biCounty", None)
    b.sub(el, "biState", "CZ" if box.birth_date else None)
    if ext2:
        b.sub(el, "adCode", None)
    b.sub(el, "adCity", box.city)
    if ext2:
        b.sub(el, "adDistrict", box.district or None)
    b.sub(el, "adStreet", box.street or None)
    b.sub(el, "adNumberInStreet", box.number_in_street or None)
    b.sub(el, "adNumberInMunicipality", box.number_in_municipality or None)
    b.sub(el, "adZipCode", box.zip_code.replace(" ", ""))
    b.sub(el, "adState", "CZ")
    b.sub(el, "nationality", "CZ")
    if ext2:
        b.sub(el, "dbIdOVM", box.id_ovm)
        b.sub(el, "dbState", box.state)
        b.sub(el, "dbOpenAddressing", box.open_addressing)
        b.sub(el, "dbUpperID", None)
    else:
        b.sub(el, "identifier", None)
        b.sub(el, "registryCode", None)
        b.sub(el, "dbState", box.state)
        b.sub(el, "dbEffectiveOVM", box.effective_ovm)
        b.sub(el, "dbOpenAddressing", box.open_addressing)
    return el


def _find(ctx: OpContext, crit: Element) -> list[Box]:
    ctx.need(PRIVIL_SEARCH_DB)
    box_id = t(crit, "dbID")
    box_type = t(crit, "dbType")
    ico = t(crit, "ic")
    firm = _fold(t(crit, "firmName"))
    last = _fold(t(crit, "pnLastName"))
    first = _fold(t(crit, "pnFirstName") or t(crit, "pnGivenNames"))
    city = _fold(t(crit, "adCity"))
    zip_code = (t(crit, "adZipCode") or "").replace(" ", "")
    if not any((box_id, ico, firm, last, first, city, zip_code)):
        raise OpError(BAD_REQUEST, "Zadejte alespoň jedno kritérium hledání.")
    hits = []
    for box in ctx.world.boxes.values():
        if box_id and box.box_id != box_id:
            continue
        if box_type and box_type in _VIRTUAL_SCOPES:
            if not _VIRTUAL_SCOPES[box_type](box):
                continue
        elif box_type and not box.box_type.startswith(box_type):
            continue
        if ico and box.ico != ico:
            continue
        if firm and firm not in _fold(box.name):
            continue
        if last and last not in _fold(box.last_name):
            continue
        if first and first not in _fold(box.first_name):
            continue
        if city and city not in _fold(box.city):
            continue
        if zip_code and box.zip_code.replace(" ", "") != zip_code:
            continue
        hits.append(box)
    return hits


def _find_response(ctx: OpContext, req: Element, name: str, ext2: bool) -> Element:
    crit = child(req, "dbOwnerInfo")
    if crit is None:
        raise OpError(BAD_REQUEST)
    hits = _find(ctx, crit)
    resp = B.root(name)
    if not hits:
        _db_status(resp, NOT_FOUND_BOXES)
        return resp
    if len(hits) > MAX_FIND_RESULTS:
        _db_status(resp, TOO_MANY_BOXES)
        return resp
    results = B.node(resp, "dbResults")
    for box in hits:
        _owner_info(results, "dbOwnerInfo", box, ext2=ext2)
    _db_status(resp)
    return resp


@op("df", "FindDataBox")
def find_data_box(ctx: OpContext, req: Element) -> Element:
    return _find_response(ctx, req, "FindDataBoxResponse", False)


@op("df", "FindDataBox2")
def find_data_box2(ctx: OpContext, req: Element) -> Element:
    return _find_response(ctx, req, "FindDataBox2Response", True)


def _search(ctx: OpContext, req: Element, name: str, v3: bool) -> Element:
    ctx.need(PRIVIL_SEARCH_DB)
    query = _fold(t(req, "searchText"))
    stype = t(req, "searchType") or "GENERAL"
    scope = t(req, "searchScope") or "ALL"
    page = integer(req, "page") or 0
    size = integer(req, "pageSize") or 50
    if not query:
        raise OpError(BAD_REQUEST, "Zadejte hledaný text.")
    words = query.split()
    hits = []
    for box in ctx.world.boxes.values():
        if scope != "ALL":
            if scope in _VIRTUAL_SCOPES:
                if not _VIRTUAL_SCOPES[scope](box):
                    continue
            elif box.box_type != scope:
                continue
        if stype == "ICO":
            ok = box.ico == query
        elif stype == "DBID":
            ok = box.box_id == query
        elif stype == "IDOVM":
            ok = box.id_ovm == query
        elif stype == "ADDRESS":
            ok = all(w in _fold(box.address) for w in words)
        else:
            hay = _fold(f"{box.name} {box.address} {box.ico or ''}")
            ok = all(w in hay for w in words)
        if ok:
            hits.append(box)
    hits.sort(key=lambda b: _fold(b.name))
    chunk = hits[page * size:(page + 1) * size]
    resp = B.root(name)
    B.sub(resp, "totalCount", len(hits))
    B.sub(resp, "currentCount", len(chunk))
    B.sub(resp, "position", page * size)
    B.sub(resp, "lastPage", (page + 1) * size >= len(hits))
    if chunk:
        results = B.node(resp, "dbResults")
        for box in chunk:
            r = B.node(results, "dbResult")
            B.sub(r, "dbID", box.box_id)
            B.sub(r, "dbType", box.box_type)
            B.sub(r, "dbName", box.name)
            B.sub(r, "dbAddress", box.address)
            B.sub(r, "dbBiDate", box.birth_date)
            B.sub(r, "dbICO", box.ico)
            if v3:
                B.sub(r, "dbIdOVM", box.id_ovm)
            else:
                B.sub(r, "dbEffectiveOVM", box.effective_ovm)
            B.sub(r, "dbSendOptions", _send_options(ctx, box))
    _db_status(resp, "0000" if hits else NOT_FOUND_BOXES)
    return resp


@op("df", "ISDSSearch2")
def isds_search2(ctx: OpContext, req: Element) -> Element:
    return _search(ctx, req, "ISDSSearch2Response", False)


@op("df", "ISDSSearch3")
def isds_search3(ctx: OpContext, req: Element) -> Element:
    return _search(ctx, req, "ISDSSearch3Response", True)


def _box(ctx: OpContext, box_id: str | None) -> Box:
    box = ctx.world.boxes.get(box_id or "")
    if box is None:
        raise OpError(BOX_DOES_NOT_EXIST)
    return box


@op("df", "CheckDataBox")
def check_data_box(ctx: OpContext, req: Element) -> Element:
    resp = B.root("CheckDataBoxResponse")
    box = ctx.world.boxes.get(t(req, "dbID") or "")
    if box is None:
        _db_status(resp, BOX_DOES_NOT_EXIST)
        return resp
    B.sub(resp, "dbState", box.state)
    _db_status(resp)
    return resp


@op("df", "GetDataBoxAddress")
def get_data_box_address(ctx: OpContext, req: Element) -> Element:
    box = ctx.world.boxes.get(t(req, "dbID") or "")
    if box is None:  # tGetAddressOutput has no status element: a fault is the only answer
        from dso_desktop.simulator.xmlio import SoapFault

        raise SoapFault("Datová schránka neexistuje.")
    resp = B.root("GetDataBoxAddressResponse")
    B.sub(resp, "adCode", None)
    B.sub(resp, "adCity", box.city)
    B.sub(resp, "adDistrict", box.district or None)
    B.sub(resp, "adStreet", box.street or None)
    B.sub(resp, "adNumberInStreet", box.number_in_street or None)
    B.sub(resp, "adNumberInMunicipality", box.number_in_municipality or None)
    B.sub(resp, "adZipCode", box.zip_code.replace(" ", ""))
    B.sub(resp, "adState", "CZ")
    B.sub(resp, "adRegistrationNumber", None)
    B.sub(resp, "adFullAddress1", box.address)
    B.sub(resp, "adFullAddress2", None)
    return resp


@op("df", "PDZInfo")
def pdz_info(ctx: OpContext, req: Element) -> Element:
    sender = _box(ctx, t(req, "PDZSender"))
    resp = B.root("PDZInfoResponse")
    records = B.node(resp, "dbPDZRecords")
    if sender.pdz_allowed:
        # PDZInfo answers in its own vocabulary (dbTypes.xsd, tPDZRec): K contractual,
        # O reply-paid, G globally subsidised, E paid from credit -- not PDZSendInfo's
        # input values (Normal/Init/VoDZ). The simulator's senders pay from credit.
        rec = B.node(records, "dbPDZRecord")
        B.sub(rec, "PDZType", "E")
        B.sub(rec, "PDZRecip", None)
        B.sub(rec, "PDZPayer", sender.box_id)
        B.sub(rec, "PDZExpire", None)
        B.sub(rec, "PDZCnt", sender.credit // 10)
        B.sub(rec, "ODZIdent", None)
    # Prepaid replies offered to this box (initiating messages, dmType I): a reply to the
    # initiator naming ODZIdent as dmRecipientRefNumber is paid by the initiator.
    from dso_desktop.simulator.ops_messages import ODZ_DAYS, reply_offers

    for m in sorted(reply_offers(ctx.world, sender.box_id, ctx.now), key=lambda m: m.posted_at):
        rec = B.node(records, "dbPDZRecord")
        B.sub(rec, "PDZType", "O")
        B.sub(rec, "PDZRecip", m.sender_id)
        B.sub(rec, "PDZPayer", m.sender_id)
        B.sub(rec, "PDZExpire", m.posted_at + timedelta(days=ODZ_DAYS))
        B.sub(rec, "PDZCnt", 1)
        B.sub(rec, "ODZIdent", m.sender_ref)
    _db_status(resp)
    return resp


@op("df", "PDZSendInfo")
def pdz_send_info(ctx: OpContext, req: Element) -> Element:
    box = _box(ctx, t(req, "dbId"))
    kind = t(req, "PDZType") or "Normal"
    resp = B.root("PDZSendInfoResponse")
    B.sub(resp, "PDZsiResult", box.pdz_allowed and box.state == 1 and (
        kind != "VoDZ" or box.credit >= 10))
    _db_status(resp)
    return resp


@op("df", "DataBoxCreditInfo")
def data_box_credit_info(ctx: OpContext, req: Element) -> Element:
    box = _box(ctx, t(req, "dbID"))
    since = parse_time(t(req, "ciFromDate"))
    until = parse_time(t(req, "ciTodate"), end_of_day=True)
    resp = B.root("DataBoxCreditInfoResponse")
    B.sub(resp, "currentCredit", box.credit * 100)  # in hellers
    B.sub(resp, "notifEmail", None)
    records = B.node(resp, "ciRecords")
    for at, box_id, change, after, recipient in ctx.world.credit_log:
        if box_id != box.box_id or (since and at < since) or (until and at > until):
            continue
        rec = B.node(records, "ciRecord")
        B.sub(rec, "ciEventTime", at)
        B.sub(rec, "ciEventType", 2)
        B.sub(rec, "ciCreditChange", change * 100)
        B.sub(rec, "ciCreditAfter", after * 100)
        B.sub(rec, "ciRecipientID", recipient)
    _db_status(resp)
    return resp


@op("df", "DTInfo")
def dt_info(ctx: OpContext, req: Element) -> Element:
    box = _box(ctx, t(req, "dbId"))
    resp = B.root("DTInfoResponse")
    B.sub(resp, "ActDTType", box.vault_type)
    B.sub(resp, "ActDTCapacity", None)
    B.sub(resp, "ActDTFrom", None)
    B.sub(resp, "ActDTTo", None)
    B.sub(resp, "ActDTCapUsed", None)
    B.sub(resp, "FutDTType", box.vault_type)
    B.sub(resp, "FutDTCapacity", None)
    B.sub(resp, "FutDTFrom", None)
    B.sub(resp, "FutDTTo", None)
    B.sub(resp, "FutDTPaid", None)
    _db_status(resp)
    return resp


# -- db_access ---------------------------------------------------------------------------

@op("DsManage", "GetOwnerInfoFromLogin")
def get_owner_info_from_login(ctx: OpContext, req: Element) -> Element:
    resp = B.root("GetOwnerInfoFromLoginResponse")
    _owner_info(resp, "dbOwnerInfo", ctx.box, ext2=False)
    _db_status(resp)
    return resp


@op("DsManage", "GetOwnerInfoFromLogin2")
def get_owner_info_from_login2(ctx: OpContext, req: Element) -> Element:
    resp = B.root("GetOwnerInfoFromLogin2Response")
    _owner_info(resp, "dbOwnerInfo", ctx.box, ext2=True)
    _db_status(resp)
    return resp


def _user_info(parent: Element, ctx: OpContext, *, ext2: bool) -> None:
    u = ctx.user
    el = B.node(parent, "dbUserInfo")
    if ext2:
        B.sub(el, "aifoIsds", False)
        B.sub(el, "pnGivenNames", u.first_name)
        B.sub(el, "pnLastName", u.last_name)
        B.sub(el, "adCode", None)
        B.sub(el, "adCity", ctx.box.city)
        B.sub(el, "adDistrict", None)
    else:
        B.sub(el, "pnFirstName", u.first_name)
        B.sub(el, "pnMiddleName", None)
        B.sub(el, "pnLastName", u.last_name)
        B.sub(el, "pnLastNameAtBirth", None)
        B.sub(el, "adCity", ctx.box.city)
    B.sub(el, "adStreet", None)
    B.sub(el, "adNumberInStreet", None)
    B.sub(el, "adNumberInMunicipality", None)
    B.sub(el, "adZipCode", None)
    B.sub(el, "adState", "CZ")
    B.sub(el, "biDate", None)
    if ext2:
        B.sub(el, "isdsID", u.isds_id)
    else:
        B.sub(el, "userID", u.username if 6 <= len(u.username) <= 12 else None)
    B.sub(el, "userType", u.user_type)
    B.sub(el, "userPrivils", u.privileges)
    B.sub(el, "ic", ctx.box.ico)
    B.sub(el, "firmName", ctx.box.name)
    B.sub(el, "caStreet", None)
    B.sub(el, "caCity", None)
    B.sub(el, "caZipCode", None)


@op("DsManage", "GetUserInfoFromLogin")
def get_user_info_from_login(ctx: OpContext, req: Element) -> Element:
    resp = B.root("GetUserInfoFromLoginResponse")
    _user_info(resp, ctx, ext2=False)
    _db_status(resp)
    return resp


@op("DsManage", "GetUserInfoFromLogin2")
def get_user_info_from_login2(ctx: OpContext, req: Element) -> Element:
    resp = B.root("GetUserInfoFromLogin2Response")
    _user_info(resp, ctx, ext2=True)
    _db_status(resp)
    return resp


@op("DsManage", "GetPasswordInfo")
def get_password_info(ctx: OpContext, req: Element) -> Element:
    resp = B.root("GetPasswordInfoResponse")
    B.sub(resp, "pswExpDate", ctx.user.password_expires)
    _db_status(resp)
    return resp


def check_new_password(old: str, new: str, username: str) -> None:
    """ISDS rules: 8-32 characters, letters and digits, not the user name, not the old one."""
    if not 8 <= len(new) <= 32 or not any(c.isdigit() for c in new) or not any(
            c.isalpha() for c in new) or username.lower() in new.lower() or new == old:
        raise OpError("1067", "Nové heslo nesplňuje pravidla (8–32 znaků, písmena a číslice).")


@op("DsManage", "ChangeISDSPassword")
def change_isds_password(ctx: OpContext, req: Element) -> Element:
    from dso_desktop.simulator.xmlio import raw_text

    old = raw_text(req, "dbOldPassword") or ""
    new = raw_text(req, "dbNewPassword") or ""
    resp = B.root("ChangeISDSPasswordResponse")
    if old != ctx.user.password:
        _db_status(resp, WRONG_PASSWORD)
        return resp
    try:
        check_new_password(old, new, ctx.user.username)
    except OpError as exc:
        _db_status(resp, exc.code, exc.message)
        return resp
    ctx.user.password = new
    ctx.user.password_expires = ctx.now + timedelta(days=90)
    _db_status(resp)
    return resp


# -- OTP password service (asws/changePassword) ----------------------------------------

ASWS = Builder(NS_ASWS, "p")


@op("asws", "SendSMSCode")
def send_sms_code(ctx: OpContext, req: Element) -> Element:
    ctx.core.send_sms(ctx.user)
    resp = ASWS.root("SendSMSCodeResponse")
    render.db_status(resp, b=ASWS)
    return resp


@op("asws", "ChangePasswordOTP")
def change_password_otp(ctx: OpContext, req: Element) -> Element:
    from dso_desktop.simulator.xmlio import raw_text

    old = raw_text(req, "dbOldPassword") or ""
    new = raw_text(req, "dbNewPassword") or ""
    otp_type = t(req, "dbOTPType")
    resp = ASWS.root("ChangePasswordOTPResponse")
    if otp_type not in ("TOTP", "HOTP"):
        render.db_status(resp, BAD_REQUEST, b=ASWS)
        return resp
    if old != ctx.user.password:
        render.db_status(resp, WRONG_PASSWORD, b=ASWS)
        return resp
    try:
        check_new_password(old, new, ctx.user.username)
    except OpError as exc:
        render.db_status(resp, exc.code, exc.message, b=ASWS)
        return resp
    ctx.user.password = new
    ctx.user.password_expires = ctx.now + timedelta(days=90)
    render.db_status(resp, b=ASWS)
    return resp


_ = (date, boolean)
