"""Whatever arrives, the dispatcher answers like ISDS would (fault or status), never crashes."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dso_desktop.simulator import Simulator

VALID = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
         b'<p:GetListOfSentMessages xmlns:p="http://isds.czechpoint.cz/v20">'
         b"<p:dmFromTime>2026-01-01T00:00:00</p:dmFromTime><p:dmToTime/>"
         b"<p:dmSenderOrgUnitNum/><p:dmStatusFilter>-1</p:dmStatusFilter>"
         b"<p:dmOffset>1</p:dmOffset><p:dmLimit>3</p:dmLimit>"
         b"</p:GetListOfSentMessages></s:Body></s:Envelope>")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(seed=3, messages=5)
    yield s
    s.stop()


def _auth(sim: Simulator) -> str:
    acc = sim.account("password")
    return "Basic " + base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()


def _check(sim: Simulator, body: bytes) -> None:
    reply = sim.core.handle_soap("/DS/dx", {"authorization": _auth(sim)}, body, None)
    assert reply.status in (200, 500)
    if reply.status == 500:
        assert b"Fault" in reply.body


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes(sim: Simulator, data: bytes) -> None:
    _check(sim, data)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(VALID) - 1), st.binary(min_size=1, max_size=8))
def test_mutated_valid_request(sim: Simulator, pos: int, junk: bytes) -> None:
    _check(sim, VALID[:pos] + junk + VALID[pos + 1:])


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_field_value(sim: Simulator, value: str) -> None:
    from xml.sax.saxutils import escape

    body = VALID.replace(b"<p:dmLimit>3</p:dmLimit>",
                         b"<p:dmLimit>" + escape(value).encode("utf-8", "replace")
                         + b"</p:dmLimit>")
    _check(sim, body)
