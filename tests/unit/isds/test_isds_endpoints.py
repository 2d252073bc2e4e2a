"""ISDS endpoints: host and path per login method and service (PROTOCOL.md §1)."""

from __future__ import annotations

import pytest

from dso_desktop.domain import LoginMethod as M
from dso_desktop.isds import endpoints as ep
from dso_desktop.isds.endpoints import Service as S


@pytest.mark.parametrize(
    ("method", "service", "url"),
    [
        (M.PASSWORD, S.DZ, "https://ws1.datovka.gov.cz/DS/dz"),
        (M.PASSWORD, S.DX, "https://ws1.datovka.gov.cz/DS/dx"),
        (M.PASSWORD, S.DF, "https://ws1.datovka.gov.cz/DS/df"),
        (M.PASSWORD, S.DS_MANAGE, "https://ws1.datovka.gov.cz/DS/DsManage"),
        (M.PASSWORD, S.VODZ, "https://ws2.datovka.gov.cz/DS/vodz"),
        (M.PASSWORD, S.ARCH, "https://ws2.datovka.gov.cz/DS/arch"),
        (M.CERT, S.DZ, "https://ws1c.datovka.gov.cz/cert/DS/dz"),
        (M.CERT, S.VODZ, "https://ws2c.datovka.gov.cz/cert/DS/vodz"),
        (M.CERT_PASSWORD, S.DX, "https://ws1c.datovka.gov.cz/certds/DS/dx"),
        (M.HOSTED, S.DF, "https://ws1c.datovka.gov.cz/hspis/DS/df"),
        (M.HOTP, S.DZ, "https://www.datovka.gov.cz/apps/DS/dz"),
        (M.TOTP, S.DS_MANAGE, "https://www.datovka.gov.cz/apps/DS/DsManage"),
        (M.MOBILE_KEY, S.DX, "https://www.datovka.gov.cz/apps/DS/dx"),
        (M.PASSWORD, S.ASWS, "https://www.datovka.gov.cz/asws/changePassword"),
        (M.TOTP, S.ASWS, "https://www.datovka.gov.cz/asws/changePassword"),
    ],
)
def test_production_urls(method: M, service: S, url: str) -> None:
    assert ep.service_url(ep.PRODUCTION, method, service) == url


def test_other_environments() -> None:
    assert ep.service_url(ep.TEST, M.PASSWORD, S.DZ) == "https://ws1.datovka-test.gov.cz/DS/dz"
    assert ep.service_url(ep.LEGACY_TEST, M.CERT, S.VODZ) == "https://ws2c.czebox.cz/cert/DS/vodz"
    assert (ep.service_url(ep.LEGACY_PRODUCTION, M.PASSWORD, S.DF)
            == "https://ws1.mojedatovaschranka.cz/DS/df")
    assert ep.environment("test") is ep.TEST


@pytest.mark.parametrize("method", list(M))
def test_custom_base_url_keeps_isds_paths(method: M) -> None:
    env = ep.Environment.custom("https://127.0.0.1:8443/")
    prod = ep.service_url(ep.PRODUCTION, method, S.DZ)
    path = prod.split(".gov.cz", 1)[1]
    assert ep.service_url(env, method, S.DZ) == "https://127.0.0.1:8443" + path
    assert ep.process_login_url(env) == "https://127.0.0.1:8443/as/processLogin"
    assert ep.mep_state_url(env) == "https://127.0.0.1:8443/as/mepWsStateUpdate2"
    assert ep.process_logout_url(env) == "https://127.0.0.1:8443/as/processLogout"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "ftp://x", "https://"])
def test_custom_base_url_must_be_https(url: str) -> None:
    with pytest.raises(ValueError):
        ep.Environment.custom(url)


def test_soap_flavours() -> None:
    assert {s for s in S if s.soap12} == {S.VODZ, S.ARCH}
