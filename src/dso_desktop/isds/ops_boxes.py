"""db_search (/DS/df), db_access (/DS/DsManage) and the OTP password service (asws)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from lxml import etree

from dso_desktop.isds import codec_db, soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.endpoints import Service
from dso_desktop.isds.errors import ProtocolError
from dso_desktop.isds.models import (
    BoxActivityPeriod,
    BoxSearchHit,
    BoxSearchPage,
    Constant,
    CreditEvent,
    CreditInfo,
    FullAddress,
    OwnerInfo,
    PdzRecord,
    UserInfo,
    VaultInfo,
)

if TYPE_CHECKING:
    from dso_desktop.isds.soap import BinaryPart, SoapResponse, Status

SEARCH_TYPES = ("GENERAL", "ADDRESS", "ICO", "IDOVM", "DBID")
PDZ_TYPES = ("Normal", "Init", "VoDZ")


def _dummy(name: str) -> X.Element:
    el = soap.operation_element(name)
    X.sub(el, "dbDummy")  # libdatovka sends it empty too [PROTOCOL.md §11]
    return el


class BoxOperations:
    """Operations of db_search.wsdl, db_access.wsdl and ChangePassword.wsdl."""

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

    # -- db_search ------------------------------------------------------------------------

    def find_data_box(self, query: OwnerInfo) -> list[OwnerInfo]:
        """FindDataBox: parametric search; 0002 (nothing found) gives an empty list."""
        el = soap.operation_element("FindDataBox")
        codec_db.encode_owner_query_v1(el, query)
        return self._find("FindDataBox", el)

    def find_data_box2(self, query: OwnerInfo) -> list[OwnerInfo]:
        """FindDataBox2: parametric search with the v2 owner format."""
        el = soap.operation_element("FindDataBox2")
        codec_db.encode_owner_query_v2(el, query)
        return self._find("FindDataBox2", el)

    def find_personal_data_box(self, query: OwnerInfo) -> list[OwnerInfo]:
        """FindPersonalDataBox: search for a natural person's box (OVM only)."""
        el = soap.operation_element("FindPersonalDataBox")
        codec_db.encode_personal_query(el, query)
        return self._find("FindPersonalDataBox", el)

    def _find(self, operation: str, el: X.Element) -> list[OwnerInfo]:
        from dso_desktop.isds.errors import StatusError

        try:
            resp, _ = self._call(Service.DF, el, operation)
        except StatusError as exc:
            if exc.code == "0002":  # no box matches
                return []
            raise
        return [codec_db.decode_owner(o)
                for o in X.children(X.child(resp.element, "dbResults"), "dbOwnerInfo")]

    def check_data_box(
        self, box_id: str, *, approved: bool | None = None, extern_ref: str | None = None
    ) -> int:
        """CheckDataBox: the box state (1 = accessible)."""
        el = soap.operation_element("CheckDataBox")
        X.sub(el, "dbID", box_id)
        X.opt(el, "dbApproved", approved)
        X.opt(el, "dbExternRefNumber", extern_ref)
        resp, _ = self._call(Service.DF, el, "CheckDataBox")
        state = X.text_int(resp.element, "dbState")
        if state is None:
            raise ProtocolError("CheckDataBox without dbState", operation="CheckDataBox")
        return state

    def get_data_box_list(self, list_type: str | None) -> bytes:
        """GetDataBoxList: the (zipped) list of boxes of a type, as ISDS sends it."""
        el = soap.operation_element("GetDataBoxList")
        X.nil(el, "dblType", list_type)
        resp, _ = self._call(Service.DF, el, "GetDataBoxList", huge=True)
        return X.text_b64(resp.element, "dblData") or b""

    def pdz_info(self, sender_box_id: str) -> list[PdzRecord]:
        """PDZInfo: which commercial messages the box may send and who pays."""
        el = soap.operation_element("PDZInfo")
        X.sub(el, "PDZSender", sender_box_id)
        resp, _ = self._call(Service.DF, el, "PDZInfo")
        return [
            PdzRecord(
                pdz_type=X.text(r, "PDZType") or "",
                recipient=X.text(r, "PDZRecip"),
                payer=X.text(r, "PDZPayer") or "",
                expires=X.text_datetime(r, "PDZExpire"),
                count=X.text_int(r, "PDZCnt"),
                odz_ident=X.text(r, "ODZIdent"),
            )
            for r in X.children(X.child(resp.element, "dbPDZRecords"), "dbPDZRecord")
        ]

    def pdz_send_info(self, box_id: str, pdz_type: str = "Normal") -> bool:
        """PDZSendInfo: may this box send a commercial message of this type?"""
        if pdz_type not in PDZ_TYPES:
            raise ValueError(f"pdz_type is one of {PDZ_TYPES}")
        el = soap.operation_element("PDZSendInfo")
        X.sub(el, "dbId", box_id)
        X.sub(el, "PDZType", pdz_type)
        resp, _ = self._call(Service.DF, el, "PDZSendInfo")
        return bool(X.text_bool(resp.element, "PDZsiResult"))

    def data_box_credit_info(
        self, box_id: str, from_date: date | None = None, to_date: date | None = None
    ) -> CreditInfo:
        """DataBoxCreditInfo: PDZ credit and its history."""
        el = soap.operation_element("DataBoxCreditInfo")
        X.sub(el, "dbID", box_id)
        X.nil(el, "ciFromDate", from_date)
        X.nil(el, "ciTodate", to_date)
        resp, _ = self._call(Service.DF, el, "DataBoxCreditInfo")
        events = []
        known = {"ciEventTime", "ciEventType", "ciCreditChange", "ciCreditAfter"}
        for r in X.children(X.child(resp.element, "ciRecords"), "ciRecord"):
            details = tuple(
                (etree.QName(c).localname, c.text or "")
                for c in r if isinstance(c.tag, str) and etree.QName(c).localname not in known
            )
            events.append(CreditEvent(
                at=X.text_datetime(r, "ciEventTime"),
                event_type=X.text_int(r, "ciEventType"),
                change=X.text_int(r, "ciCreditChange"),
                after=X.text_int(r, "ciCreditAfter"),
                details=details,
            ))
        return CreditInfo(
            current_credit=X.text_int(resp.element, "currentCredit"),
            notify_email=X.text(resp.element, "notifEmail"),
            events=tuple(events),
        )

    def _search(self, operation: str, text: str, search_type: str | None,
                scope: str | None, page: int | None, page_size: int | None,
                highlighting: bool | None) -> BoxSearchPage:
        el = soap.operation_element(operation)
        X.sub(el, "searchText", text)
        X.nil(el, "searchType", search_type)
        X.nil(el, "searchScope", scope)
        X.nil(el, "page", page)
        X.nil(el, "pageSize", page_size)
        X.opt(el, "highlighting", highlighting)
        resp, _ = self._call(Service.DF, el, operation)
        r = resp.element
        hits = []
        for h in X.children(X.child(r, "dbResults"), "dbResult"):
            hits.append(BoxSearchHit(
                box_id=X.text(h, "dbID") or "",
                box_type=X.text(h, "dbType") or "",
                name=X.text(h, "dbName") or "",
                address=X.text(h, "dbAddress") or "",
                birth_date=X.text_date(h, "dbBiDate"),
                ic=X.text(h, "dbICO"),
                effective_ovm=X.text_bool(h, "dbEffectiveOVM"),
                ovm_id=X.text(h, "dbIdOVM"),
                send_options=X.text(h, "dbSendOptions"),
            ))
        return BoxSearchPage(
            total=X.text_int(r, "totalCount"),
            current=X.text_int(r, "currentCount"),
            position=X.text_int(r, "position"),
            last_page=X.text_bool(r, "lastPage"),
            hits=tuple(hits),
        )

    def isds_search2(self, text: str, search_type: str | None = "GENERAL",
                     scope: str | None = "ALL", page: int | None = 0,
                     page_size: int | None = 50,
                     highlighting: bool | None = None) -> BoxSearchPage:
        """ISDSSearch2: full-text box search (no IDOVM search type)."""
        if search_type == "IDOVM":
            raise ValueError("ISDSSearch2 has no IDOVM search; use isds_search3")
        return self._search("ISDSSearch2", text, search_type, scope, page, page_size,
                            highlighting)

    def isds_search3(self, text: str, search_type: str | None = "GENERAL",
                     scope: str | None = "ALL", page: int | None = 0,
                     page_size: int | None = 50,
                     highlighting: bool | None = None) -> BoxSearchPage:
        """ISDSSearch3: full-text box search."""
        if search_type is not None and search_type not in SEARCH_TYPES:
            raise ValueError(f"search_type is one of {SEARCH_TYPES}")
        return self._search("ISDSSearch3", text, search_type, scope, page, page_size,
                            highlighting)

    def get_data_box_activity_status(
        self, box_id: str | None, start: datetime, end: datetime
    ) -> list[BoxActivityPeriod]:
        """GetDataBoxActivityStatus: the box's states over a period."""
        el = soap.operation_element("GetDataBoxActivityStatus")
        X.nil(el, "dbID", box_id)
        X.sub(el, "baFrom", start)
        X.sub(el, "baTo", end)
        resp, _ = self._call(Service.DF, el, "GetDataBoxActivityStatus")
        return [
            BoxActivityPeriod(X.text_datetime(p, "PeriodFrom"), X.text_datetime(p, "PeriodTo"),
                              X.text_int(p, "DbState"))
            for p in X.children(X.child(resp.element, "Periods"), "Period")
        ]

    def dt_info(self, box_id: str) -> VaultInfo:
        """DTInfo: the data-vault type, current and future."""
        el = soap.operation_element("DTInfo")
        X.sub(el, "dbId", box_id)
        resp, _ = self._call(Service.DF, el, "DTInfo")
        r = resp.element
        return VaultInfo(
            current_type=X.text_int(r, "ActDTType"),
            current_capacity=X.text_int(r, "ActDTCapacity"),
            current_from=X.text_date(r, "ActDTFrom"),
            current_to=X.text_date(r, "ActDTTo"),
            current_used=X.text_int(r, "ActDTCapUsed"),
            future_type=X.text_int(r, "FutDTType"),
            future_capacity=X.text_int(r, "FutDTCapacity"),
            future_from=X.text_date(r, "FutDTFrom"),
            future_to=X.text_date(r, "FutDTTo"),
            future_paid=X.text_int(r, "FutDTPaid"),
        )

    def get_constants(self, at: date | None = None) -> list[Constant]:
        """GetConstants: the system constants valid on a date (today when None)."""
        el = soap.operation_element("GetConstants")
        X.nil(el, "constDate", at)
        resp, _ = self._call(Service.DF, el, "GetConstants")
        return [
            Constant(X.text(c, "cName") or "", X.text(c, "cValue") or "",
                     X.text_date(c, "cFrom"), X.text_date(c, "cTo"))
            for c in X.children(X.child(resp.element, "constRecords"), "constRecord")
        ]

    def get_data_box_address(self, box_id: str) -> FullAddress:
        """GetDataBoxAddress: the address of a box."""
        el = soap.operation_element("GetDataBoxAddress")
        X.sub(el, "dbID", box_id)
        resp, _ = self._call(Service.DF, el, "GetDataBoxAddress", status_required=False)
        r = resp.element
        return FullAddress(
            address=codec_db.decode_address(r),
            registration_number=X.text(r, "adRegistrationNumber"),
            full_line1=X.text(r, "adFullAddress1"),
            full_line2=X.text(r, "adFullAddress2"),
        )

    # -- db_access ------------------------------------------------------------------------

    def _owner(self, operation: str) -> OwnerInfo:
        resp, _ = self._call(Service.DS_MANAGE, _dummy(operation), operation)
        el = X.child(resp.element, "dbOwnerInfo")
        if el is None:
            raise ProtocolError("no dbOwnerInfo", operation=operation)
        return codec_db.decode_owner(el)

    def get_owner_info_from_login(self) -> OwnerInfo:
        """GetOwnerInfoFromLogin: the logged-in box (v1 format)."""
        return self._owner("GetOwnerInfoFromLogin")

    def get_owner_info_from_login2(self) -> OwnerInfo:
        """GetOwnerInfoFromLogin2: the logged-in box (v2 format)."""
        return self._owner("GetOwnerInfoFromLogin2")

    def _user(self, operation: str) -> UserInfo:
        resp, _ = self._call(Service.DS_MANAGE, _dummy(operation), operation)
        return codec_db.decode_user(X.child(resp.element, "dbUserInfo"))

    def get_user_info_from_login(self) -> UserInfo:
        """GetUserInfoFromLogin: the logged-in user (v1 format)."""
        return self._user("GetUserInfoFromLogin")

    def get_user_info_from_login2(self) -> UserInfo:
        """GetUserInfoFromLogin2: the logged-in user (v2 format)."""
        return self._user("GetUserInfoFromLogin2")

    def get_password_info(self) -> datetime | None:
        """GetPasswordInfo: when the password expires (None: never, e.g. certificate login)."""
        resp, _ = self._call(Service.DS_MANAGE, _dummy("GetPasswordInfo"), "GetPasswordInfo")
        return X.text_datetime(resp.element, "pswExpDate")

    def change_isds_password(self, old_password: str, new_password: str) -> None:
        """ChangeISDSPassword: change the password of a name+password account."""
        self._call(Service.DS_MANAGE, change_isds_password_element(old_password, new_password),
                   "ChangeISDSPassword")

    # -- ChangePassword (asws) -------------------------------------------------------------

    def send_sms_code(self) -> None:
        """SendSMSCode: ask for an SMS code before ChangePasswordOTP (TOTP accounts)."""
        el = soap.operation_element("SendSMSCode", X.NS_ASWS)
        self._call(Service.ASWS, el, "SendSMSCode")

    def change_password_otp(self, old_password: str, new_password: str, otp_type: str) -> None:
        """ChangePasswordOTP: change the password of an OTP account (otp_type TOTP/HOTP)."""
        self._call(Service.ASWS, change_password_otp_element(old_password, new_password,
                                                             otp_type), "ChangePasswordOTP")


def change_isds_password_element(old_password: str, new_password: str) -> X.Element:
    """The ChangeISDSPassword request (db_access, tChngPasswInput)."""
    el = soap.operation_element("ChangeISDSPassword")
    X.sub(el, "dbOldPassword", old_password)
    X.sub(el, "dbNewPassword", new_password)
    return el


def change_password_otp_element(old_password: str, new_password: str,
                                otp_type: str) -> X.Element:
    """The ChangePasswordOTP request (ChangePasswordTypes.xsd, tChngPasswInputOTP)."""
    if otp_type not in ("TOTP", "HOTP"):
        raise ValueError("otp_type is TOTP or HOTP")
    el = soap.operation_element("ChangePasswordOTP", X.NS_ASWS)
    X.sub(el, "dbOldPassword", old_password, ns=X.NS_ASWS)
    X.sub(el, "dbNewPassword", new_password, ns=X.NS_ASWS)
    X.sub(el, "dbOTPType", otp_type, ns=X.NS_ASWS)
    return el
