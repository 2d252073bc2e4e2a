"""The simulator's commit-then-drop / commit-then-delay faults: the operation commits (the
message exists for the recipient), then the answer is lost or late — in process and over the
``/_sim`` HTTPS control."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dso_desktop.isds.errors import IsdsError, TransportError
from dso_desktop.simulator import Simulator

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=9, messages=0) as s:
        yield s


def _client(sim: Simulator, **options: Any) -> Any:
    from dso_desktop.domain import LoginMethod
    from dso_desktop.isds.client import Credentials, IsdsClient
    from dso_desktop.isds.endpoints import Environment

    acc = sim.account("password")
    c = IsdsClient(Environment.custom(sim.url), LoginMethod.PASSWORD,
                   Credentials(acc.username, acc.password), ca_file=Path(sim.info.ca_file),
                   **options)
    c.login()
    return c


def _send(client: Any, sim: Simulator, subject: str) -> Any:
    from dso_desktop.domain import AttachmentRole
    from dso_desktop.isds.models import OutgoingFile, OutgoingMessage

    own = sim.account("password").box_id
    to = next(b for b in sorted(sim.world.boxes) if b != own
              and sim.world.boxes[b].box_type == "OVM")
    return client.create_message(
        OutgoingMessage(recipient_box_id=to, subject=subject),
        [OutgoingFile("a.pdf", b"%PDF-1.4\n" + b"x" * 100, "application/pdf",
                      AttachmentRole.MAIN)])


def _with_subject(sim: Simulator, subject: str) -> list[str]:
    with sim.world.lock:
        return [d for d, m in sim.world.messages.items() if m.annotation == subject]


def test_commit_then_drop_creates_the_message_and_closes_without_answer(
        sim: Simulator) -> None:
    fault = sim.faults.inject("CreateMessage", "commit-then-drop", times=1)
    client = _client(sim)
    try:
        with pytest.raises(TransportError):
            _send(client, sim, "Zahozená odpověď")
        assert len(_with_subject(sim, "Zahozená odpověď")) == 1  # committed exactly once
        assert fault.committed.is_set() and sim.faults.committed == {"CreateMessage": 1}
        # The fault was used up: the next one is answered normally.
        assert _send(client, sim, "Další").message_id in _with_subject(sim, "Další")
    finally:
        client.close()


def test_commit_then_delay_commits_before_the_withheld_answer(sim: Simulator) -> None:
    release = threading.Event()
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the test decides when the answer may go
        slept.append(seconds)
        release.wait(10)

    sim.core.sleep = sleep
    fault = sim.faults.inject("CreateMessage", "commit-then-delay", times=1, delay=42)
    client = _client(sim)
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(_send(client, sim, "Pozdní")))
    t.start()
    try:
        assert fault.committed.wait(10)
        assert len(_with_subject(sim, "Pozdní")) == 1 and not result  # answer still held
        assert slept == [42.0]
    finally:
        release.set()
        t.join(10)
        client.close()
    assert result and result[0].message_id == _with_subject(sim, "Pozdní")[0]


def test_commit_faults_do_not_fire_on_a_refused_operation(sim: Simulator) -> None:
    fault = sim.faults.inject("CreateMessage", "commit-then-drop", times=1)
    client = _client(sim)
    try:
        from dso_desktop.domain import AttachmentRole
        from dso_desktop.isds.models import OutgoingFile, OutgoingMessage

        with pytest.raises(IsdsError):  # unknown recipient: nothing committed, answered
            client.create_message(OutgoingMessage(recipient_box_id="zzzzzzz", subject="x"),
                                  [OutgoingFile("a.pdf", b"%PDF-1.4\n", "application/pdf",
                                                AttachmentRole.MAIN)])
        assert not fault.committed.is_set()
    finally:
        client.close()


def test_commit_faults_over_the_https_control(sim: Simulator) -> None:
    assert sim.info is not None
    s = requests.Session()
    s.trust_env = False
    headers = {"X-Sim-Token": sim.info.control_token}
    r = s.post(sim.url + "/_sim/fault", json={"mode": "commit-then-delay",
                                               "operation": "CreateBigMessage"},
               headers=headers, verify=sim.info.ca_file)
    assert r.status_code == 200, r.text
    assert r.json() == {"mode": "commit-then-delay", "operation": "CreateBigMessage",
                        "times": None, "delay": 30.0, "committed": False}
    r = s.get(sim.url + "/_sim/faults", headers=headers, verify=sim.info.ca_file)
    assert r.json()["active"][0]["mode"] == "commit-then-delay"
    assert r.json()["committed"] == {}
    r = s.post(sim.url + "/_sim/fault", json={"mode": "commit-then-explode"},
               headers=headers, verify=sim.info.ca_file)
    assert r.status_code == 400
