"""Login flows of the simulator over real HTTPS: Basic, certificates, OTP, Mobile key."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from dso_desktop.simulator import Simulator

DUMMY = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
         b'<DummyOperation xmlns="http://isds.czechpoint.cz/v20"/></s:Body></s:Envelope>')


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(seed=21, messages=3) as s:
        yield s


def _session(sim: Simulator, auth: Any = None, cert: Any = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override verify
    s.verify = sim.info.ca_file
    s.auth = auth
    s.cert = cert
    return s


def _dummy(s: requests.Session, url: str) -> requests.Response:
    return s.post(url, data=DUMMY, headers={"Content-Type": "text/xml"}, allow_redirects=False)


def test_basic_login_and_wrong_password(sim: Simulator) -> None:
    acc = sim.account("password")
    assert b"0000" in _dummy(_session(sim, (acc.username, acc.password)),
                             sim.url + "/DS/dz").content
    r = _dummy(_session(sim, (acc.username, "wrong")), sim.url + "/DS/dz")
    assert r.status_code == 401
    assert r.headers["X-Response-message-code"] == "authentication.error.userIsNotAuthenticated"
    assert r.headers["X-Response-message-text"].startswith("=?UTF-8?B?")


def test_intruder_lockout_after_repeated_failures(sim: Simulator) -> None:
    acc = sim.account("password", "FO")
    bad = _session(sim, (acc.username, "nope"))
    codes = [_dummy(bad, sim.url + "/DS/dz").headers["X-Response-message-code"]
             for _ in range(5)]
    assert codes[-1] == "authentication.error.intruderDetected"
    good = _dummy(_session(sim, (acc.username, acc.password)), sim.url + "/DS/dz")
    assert good.headers["X-Response-message-code"] == "authentication.error.intruderDetected"
    sim.clock.advance(minutes=61)
    assert _dummy(_session(sim, (acc.username, acc.password)),
                  sim.url + "/DS/dz").status_code == 200


def test_bad_role_and_expired_password(sim: Simulator) -> None:
    admin = next(a for a in sim.info.accounts if "administrátor" in a.description)
    r = _dummy(_session(sim, (admin.username, admin.password)), sim.url + "/DS/dz")
    assert r.status_code == 403
    assert r.headers["X-Response-message-code"] == "authentication.error.badRole"
    other = next(a for a in sim.info.accounts if "asistentka" in a.description)
    sim.expire_password(other.username)
    r = _dummy(_session(sim, (other.username, other.password)), sim.url + "/DS/dz")
    assert r.headers["X-Response-message-code"] == "authentication.error.paswordExpired"


def test_certificate_logins(sim: Simulator) -> None:
    cert = sim.account("cert")
    s = _session(sim, cert=(cert.cert_file, cert.key_file))
    assert _dummy(s, sim.url + "/cert/DS/dz").status_code == 200
    assert _dummy(_session(sim), sim.url + "/cert/DS/dz").status_code == 403
    certds = sim.account("cert-password")
    s = _session(sim, (certds.username, certds.password), (certds.cert_file, certds.key_file))
    assert _dummy(s, sim.url + "/certds/DS/dz").status_code == 200
    # the password alone is not enough for a cert-password account
    assert _dummy(_session(sim, (certds.username, certds.password)),
                  sim.url + "/certds/DS/dz").status_code == 403
    hosted = sim.account("hosted")
    assert hosted.username == hosted.box_id and hosted.password == ""
    s = _session(sim, (hosted.username, ""), (hosted.cert_file, hosted.key_file))
    assert _dummy(s, sim.url + "/hspis/DS/dz").status_code == 200


def test_hotp_cookie_session_idle_expiry_and_logout(sim: Simulator) -> None:
    acc = sim.account("hotp")
    s = _session(sim)
    login = f"{sim.url}/as/processLogin?type=hotp&uri={sim.url}/apps/DS/dz"
    assert s.post(login, allow_redirects=False).status_code == 401  # first POST: no creds
    r = s.post(login, auth=(acc.username, acc.password + sim.hotp_code(acc.username)),
               allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].endswith("/apps/DS/dz")
    assert _dummy(s, sim.url + "/apps/DS/dz").status_code == 200
    sim.clock.advance(minutes=29)
    assert _dummy(s, sim.url + "/apps/DS/dz").status_code == 200  # activity renews it
    sim.clock.advance(minutes=31)
    assert _dummy(s, sim.url + "/apps/DS/dz").status_code == 401
    r = s.post(login, auth=(acc.username, acc.password + sim.hotp_code(acc.username)),
               allow_redirects=False)
    assert r.status_code == 302
    out = s.get(f"{sim.url}/as/processLogout?uri={sim.url}/apps/DS/dz", allow_redirects=False)
    assert out.status_code == 200 and "Location" not in out.headers  # as a real ISDS logout
    assert _dummy(s, sim.url + "/apps/DS/dz").status_code == 401


def test_totp_sms_flow(sim: Simulator) -> None:
    acc = sim.account("totp")
    s = _session(sim)
    uri = f"{sim.url}/apps/DS/dz"
    r = s.post(f"{sim.url}/as/processLogin?type=totp&sendSms=true&uri={uri}",
               auth=(acc.username, acc.password), allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["X-Response-message-code"] == "authentication.info.totpSended"
    code = sim.sms_code(acc.username)
    assert code and len(code) == 6
    assert any(entry[1] == acc.username for entry in sim.core.sms_log)
    r = s.post(sim.url + r.headers["Location"], auth=(acc.username, acc.password + code),
               allow_redirects=False)
    assert r.status_code == 302 and "IPCZ-X-COOKIE" in s.cookies
    assert _dummy(s, uri).status_code == 200


def test_mobile_key_flow_and_expiry(sim: Simulator) -> None:
    acc = sim.account("mobile-key")
    user = sim.world.users[acc.username]
    assert acc.mobile_code and acc.mobile_code == user.mobile_code  # printed by `sim serve`
    uri = f"{sim.url}/apps/DS/dz"
    login = f"{sim.url}/as/processLogin?type=mep-ws&applicationName=test&uri={uri}"
    s = _session(sim)
    r = s.post(login, auth=(acc.username, acc.mobile_code), allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/as/mepWsStateUpdate"
    state = json.loads(s.get(sim.url + "/as/mepWsStateUpdate2").content)
    assert state["status"] in (1, 11)
    assert s.get(sim.url + "/as/mepWsStateUpdate").text == "1"
    assert sim.approve_mobile_key(acc.username)
    assert json.loads(s.get(sim.url + "/as/mepWsStateUpdate2").content)["status"] == 2
    r = s.post(login, allow_redirects=False)  # repeated with the S-COOKIE
    assert r.status_code == 302 and "IPCZ-X-COOKIE" in s.cookies
    assert _dummy(s, uri).status_code == 200
    late = _session(sim)
    late.post(login, auth=(acc.username, user.mobile_code), allow_redirects=False)
    sim.clock.advance(seconds=241)
    assert json.loads(late.get(sim.url + "/as/mepWsStateUpdate2").content)["status"] == 3
    assert late.post(login, allow_redirects=False).status_code == 401


def test_http_control_api(sim: Simulator) -> None:
    assert _session(sim).get(sim.url + "/_sim/clock").status_code == 403  # token needed
    s = _session(sim)
    s.headers["X-Sim-Token"] = sim.info.control_token
    before = s.get(sim.url + "/_sim/clock").json()["now"]
    after = s.post(sim.url + "/_sim/advance", json={"days": 1}).json()["now"]
    assert after > before
    acc = sim.account("totp")
    sim.core.send_sms(sim.world.users[acc.username])
    assert s.get(f"{sim.url}/_sim/sms?username={acc.username}").json()["code"] == \
        sim.sms_code(acc.username)
    issued = s.post(sim.url + "/_sim/client-cert", json={"username": acc.username}).json()
    assert issued["cert_file"].endswith(".pem")
    fault = s.post(sim.url + "/_sim/fault", json={"mode": "3009", "operation": "DummyOperation",
                                                  "times": 1}).json()
    assert fault["mode"] == "3009"
    clerk = sim.account("password")
    assert b"3009" in _dummy(_session(sim, (clerk.username, clerk.password)),
                             sim.url + "/DS/dz").content
    assert s.post(sim.url + "/_sim/fault", json={"mode": "bogus"}).status_code == 400


_ = base64
