"""Encoding and decoding of box owners, users and search results (dbTypes.xsd) with lxml."""

from __future__ import annotations

from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.models import Address, OwnerInfo, UserInfo


def decode_address(el: X.Element | None) -> Address:
    return Address(
        code=X.text(el, "adCode"),
        city=X.text(el, "adCity"),
        district=X.text(el, "adDistrict"),
        street=X.text(el, "adStreet"),
        number_in_street=X.text(el, "adNumberInStreet"),
        number_in_municipality=X.text(el, "adNumberInMunicipality"),
        zip_code=X.text(el, "adZipCode"),
        state=X.text(el, "adState"),
        am_code=X.text(el, "adAMCode"),
    )


def _given(el: X.Element) -> str | None:
    given = X.text(el, "pnGivenNames")
    if given is not None:
        return given
    parts = [p for p in (X.text(el, "pnFirstName"), X.text(el, "pnMiddleName")) if p]
    return " ".join(parts) or None


def decode_owner(el: X.Element | None) -> OwnerInfo:
    """Any owner-info flavour (v1, Ext, Ext2, personal); absent fields stay None."""
    if el is None:
        return OwnerInfo()
    return OwnerInfo(
        box_id=X.text(el, "dbID"),
        box_type=X.text(el, "dbType"),
        ic=X.text(el, "ic"),
        given_names=_given(el),
        first_name=X.text(el, "pnFirstName"),
        middle_name=X.text(el, "pnMiddleName"),
        last_name=X.text(el, "pnLastName"),
        last_name_at_birth=X.text(el, "pnLastNameAtBirth"),
        firm_name=X.text(el, "firmName"),
        birth_date=X.text_date(el, "biDate"),
        birth_city=X.text(el, "biCity"),
        birth_county=X.text(el, "biCounty"),
        birth_state=X.text(el, "biState"),
        address=decode_address(el),
        nationality=X.text(el, "nationality"),
        email=X.text(el, "email"),
        phone=X.text(el, "telNumber"),
        identifier=X.text(el, "identifier"),
        registry_code=X.text(el, "registryCode"),
        state=X.text_int(el, "dbState"),
        effective_ovm=X.text_bool(el, "dbEffectiveOVM"),
        open_addressing=X.text_bool(el, "dbOpenAddressing"),
        ovm_id=X.text(el, "dbIdOVM"),
        upper_box_id=X.text(el, "dbUpperID"),
        aifo_isds=X.text_bool(el, "aifoIsds"),
    )


def decode_user(el: X.Element | None) -> UserInfo:
    if el is None:
        return UserInfo()
    return UserInfo(
        user_id=X.text(el, "userID") or X.text(el, "isdsID"),
        user_type=X.text(el, "userType"),
        privileges=X.text_int(el, "userPrivils"),
        given_names=_given(el),
        first_name=X.text(el, "pnFirstName"),
        middle_name=X.text(el, "pnMiddleName"),
        last_name=X.text(el, "pnLastName"),
        last_name_at_birth=X.text(el, "pnLastNameAtBirth"),
        address=decode_address(el),
        birth_date=X.text_date(el, "biDate"),
        ic=X.text(el, "ic"),
        firm_name=X.text(el, "firmName"),
        contact_street=X.text(el, "caStreet"),
        contact_city=X.text(el, "caCity"),
        contact_zip_code=X.text(el, "caZipCode"),
        contact_state=X.text(el, "caState"),
        aifo_isds=X.text_bool(el, "aifoIsds"),
    )


def encode_owner_query_v1(parent: X.Element, q: OwnerInfo) -> None:
    """dbOwnerInfo of FindDataBox (tDbOwnerInfo): every element present or nil."""
    el = X.sub(parent, "dbOwnerInfo")
    X.nil(el, "dbID", q.box_id)
    X.nil(el, "dbType", q.box_type)
    X.nil(el, "ic", q.ic)
    X.nil(el, "pnFirstName", q.first_name or q.given_names)
    X.nil(el, "pnMiddleName", q.middle_name)
    X.nil(el, "pnLastName", q.last_name)
    X.nil(el, "pnLastNameAtBirth", q.last_name_at_birth)
    X.nil(el, "firmName", q.firm_name)
    X.nil(el, "biDate", q.birth_date)
    X.nil(el, "biCity", q.birth_city)
    X.nil(el, "biCounty", q.birth_county)
    X.nil(el, "biState", q.birth_state)
    a = q.address
    X.nil(el, "adCity", a.city)
    X.nil(el, "adStreet", a.street)
    X.nil(el, "adNumberInStreet", a.number_in_street)
    X.nil(el, "adNumberInMunicipality", a.number_in_municipality)
    X.nil(el, "adZipCode", a.zip_code)
    X.nil(el, "adState", a.state)
    X.nil(el, "nationality", q.nationality)
    X.opt(el, "email", q.email)
    X.opt(el, "telNumber", q.phone)
    X.nil(el, "identifier", q.identifier)
    X.nil(el, "registryCode", q.registry_code)
    X.nil(el, "dbState", q.state)
    X.nil(el, "dbEffectiveOVM", q.effective_ovm)
    X.nil(el, "dbOpenAddressing", q.open_addressing)


def _address2(el: X.Element, a: Address) -> None:
    X.nil(el, "adCode", a.code)
    X.nil(el, "adCity", a.city)
    X.nil(el, "adDistrict", a.district)
    X.nil(el, "adStreet", a.street)
    X.nil(el, "adNumberInStreet", a.number_in_street)
    X.nil(el, "adNumberInMunicipality", a.number_in_municipality)
    X.nil(el, "adZipCode", a.zip_code)
    X.nil(el, "adState", a.state)


def encode_owner_query_v2(parent: X.Element, q: OwnerInfo) -> None:
    """dbOwnerInfo of FindDataBox2 (tDbOwnerInfoExt21)."""
    el = X.sub(parent, "dbOwnerInfo")
    X.nil(el, "dbID", q.box_id)
    X.opt(el, "aifoIsds", q.aifo_isds)
    X.nil(el, "dbType", q.box_type)
    X.nil(el, "ic", q.ic)
    X.nil(el, "pnGivenNames", q.given_names or q.first_name)
    X.nil(el, "pnLastName", q.last_name)
    X.nil(el, "firmName", q.firm_name)
    X.nil(el, "biDate", q.birth_date)
    X.nil(el, "biCity", q.birth_city)
    X.nil(el, "biCounty", q.birth_county)
    X.nil(el, "biState", q.birth_state)
    _address2(el, q.address)
    X.nil(el, "nationality", q.nationality)
    X.nil(el, "dbIdOVM", q.ovm_id)
    X.nil(el, "dbState", q.state)
    X.nil(el, "dbOpenAddressing", q.open_addressing)
    X.nil(el, "dbUpperID", q.upper_box_id)


def encode_personal_query(parent: X.Element, q: OwnerInfo) -> None:
    """dbOwnerInfo of FindPersonalDataBox (tdbPersonalOwnerInfo)."""
    el = X.sub(parent, "dbOwnerInfo")
    X.nil(el, "dbID", q.box_id)
    X.nil(el, "aifoIsds", q.aifo_isds)
    X.nil(el, "pnFirstName", q.first_name or q.given_names)
    X.nil(el, "pnMiddleName", q.middle_name)
    X.nil(el, "pnLastName", q.last_name)
    X.nil(el, "biDate", q.birth_date)
    X.nil(el, "biCity", q.birth_city)
    X.nil(el, "biCounty", q.birth_county)
    X.nil(el, "biState", q.birth_state)
    _address2(el, q.address)
    X.nil(el, "nationality", q.nationality)
