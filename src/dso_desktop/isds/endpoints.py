"""ISDS environments and the URL of every service per login method (PROTOCOL.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from dso_desktop.domain import LoginMethod


class Service(StrEnum):
    """One ISDS web service endpoint; the value is the last path segment."""

    DZ = "dz"  # dm_operations
    DX = "dx"  # dm_info
    DF = "df"  # db_search
    DS_MANAGE = "DsManage"  # db_access (and db_manipulations)
    VODZ = "vodz"  # dm_VoDZ, SOAP 1.2, on ws2
    ARCH = "arch"  # dm_arch, SOAP 1.2, on ws2
    ASWS = "asws"  # OTP password change service, www /asws/changePassword

    @property
    def soap12(self) -> bool:
        return self in (Service.VODZ, Service.ARCH)

    @property
    def on_ws2(self) -> bool:
        return self in (Service.VODZ, Service.ARCH)


COOKIE_METHODS = frozenset({LoginMethod.HOTP, LoginMethod.TOTP, LoginMethod.MOBILE_KEY})
CERT_METHODS = frozenset({LoginMethod.CERT, LoginMethod.CERT_PASSWORD, LoginMethod.HOSTED})

# URL prefix in front of "DS/<svc>" per login method [PROTOCOL.md §1 table].
_PREFIX: dict[LoginMethod, str] = {
    LoginMethod.PASSWORD: "/DS/",
    LoginMethod.CERT: "/cert/DS/",
    LoginMethod.CERT_PASSWORD: "/certds/DS/",
    LoginMethod.HOSTED: "/hspis/DS/",
    LoginMethod.HOTP: "/apps/DS/",
    LoginMethod.TOTP: "/apps/DS/",
    LoginMethod.MOBILE_KEY: "/apps/DS/",
}


@dataclass(frozen=True)
class Environment:
    """An ISDS installation: a base domain (ws1.<domain>, …) or one custom base URL."""

    name: str
    domain: str | None = None
    base_url: str | None = None  # custom: every host collapses to this URL

    def __post_init__(self) -> None:
        if (self.domain is None) == (self.base_url is None):
            raise ValueError("an Environment has either a domain or a custom base URL")
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            if parts.scheme != "https" or not parts.netloc:
                raise ValueError(
                    f"custom ISDS base URL must be https://host[:port]: {self.base_url!r}"
                )

    @classmethod
    def custom(cls, base_url: str) -> Environment:
        return cls(name="custom", base_url=base_url.rstrip("/"))

    def host_url(self, host: str) -> str:
        """https://<host>.<domain>, or the custom base URL for any host."""
        if self.base_url is not None:
            return self.base_url
        return f"https://{host}.{self.domain}"


PRODUCTION = Environment("production", domain="datovka.gov.cz")
TEST = Environment("test", domain="datovka-test.gov.cz")
LEGACY_PRODUCTION = Environment("legacy-production", domain="mojedatovaschranka.cz")
LEGACY_TEST = Environment("legacy-test", domain="czebox.cz")

ENVIRONMENTS: dict[str, Environment] = {
    e.name: e for e in (PRODUCTION, TEST, LEGACY_PRODUCTION, LEGACY_TEST)
}


def environment(name_or_url: str) -> Environment:
    """Look an environment up by name, or make a custom one from an https:// URL."""
    if name_or_url.startswith("https://"):
        return Environment.custom(name_or_url)
    try:
        return ENVIRONMENTS[name_or_url]
    except KeyError:
        raise ValueError(f"unknown ISDS environment {name_or_url!r}") from None


def _host(method: LoginMethod, service: Service) -> str:
    if service is Service.ASWS or method in COOKIE_METHODS:
        return "www"
    cert = method in CERT_METHODS
    if service.on_ws2:
        return "ws2c" if cert else "ws2"
    return "ws1c" if cert else "ws1"


def service_url(env: Environment, method: LoginMethod, service: Service) -> str:
    """The SOAP endpoint of `service` for a client logged in with `method`."""
    base = env.host_url(_host(method, service))
    if service is Service.ASWS:
        return f"{base}/asws/changePassword"
    return f"{base}{_PREFIX[method]}{service.value}"


def www_url(env: Environment, path: str) -> str:
    """A URL on the www host (cookie login, logout, Mobile key polling)."""
    return f"{env.host_url('www')}{path}"


def process_login_url(env: Environment) -> str:
    return www_url(env, "/as/processLogin")


def process_logout_url(env: Environment) -> str:
    return www_url(env, "/as/processLogout")


def mep_state_url(env: Environment) -> str:
    return www_url(env, "/as/mepWsStateUpdate2")
