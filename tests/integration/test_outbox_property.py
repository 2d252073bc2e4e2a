"""Property: whatever sequence of crashes (at any phase) and server faults (lost answers,
refusals, an unreadable sent list) a send goes through, once the user runs it again in a
healthy moment the recipient has exactly one message — never none, never two."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.send import SendBlocked, SendLimits
from dso_desktop.services.types import AccountSpec, Draft

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PHASES = [None, "before-outbox", "prepared", "submitting", "answered", "recorded"]
FAULTS = [None, ("CreateMessage", "commit-then-drop"), ("CreateMessage", "maintenance"),
          ("CreateMessage", "reset"), ("GetListOfSentMessages", "reset")]
_counter = itertools.count()


class _Crash(BaseException):
    """The process dies here (nothing after this line of the send runs)."""


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=44, messages=0)
    s.start()
    yield s
    s.stop()


def _delivered(sim: Any, to: str, subject: str) -> list[str]:
    with sim.world.lock:
        return [d for d in sim.world.received[to] if sim.world.messages[d].annotation == subject]


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(st.tuples(st.sampled_from(PHASES), st.sampled_from(FAULTS)),
                         min_size=1, max_size=4))
def test_any_crashes_and_faults_then_a_clean_run_deliver_exactly_once(
        sim: Any, attempts: list[tuple[str | None, tuple[str, str] | None]]) -> None:
    own = sim.account("password")
    to = next(b for b in sorted(sim.world.boxes) if b != own.box_id
              and sim.world.boxes[b].box_type == "OVM")
    folder = Path(tempfile.mkdtemp(prefix="dso-outbox-prop-"))
    subject = f"Vlastnost {next(_counter)}"
    doc = folder / "d.pdf"
    doc.write_bytes(b"%PDF-1.4\n" + subject.encode() * 30)
    draft = Draft(recipients=(to,), subject=subject, attachments=(doc,))
    done = None  # the outcome the user saw: once a run reported "sent", they stop
    try:
        for crash_at, fault in attempts:
            # Every attempt is a fresh process over the same archive.
            with App.open(AppPaths.default(folder / "data"), offline=True,
                          send_limits=SendLimits(reconcile_settle=0)) as app:
                if not app.accounts.exists("urad"):
                    app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, own.username,
                                                 sim.url, ca_file=Path(sim.info.ca_file)),
                                     password=own.password, save_password=True)

                def hook(phase: str, crash_at: str | None = crash_at) -> None:
                    if phase == crash_at:
                        raise _Crash(phase)

                app.send.phase_hook = hook
                if fault is not None:
                    sim.faults.inject(fault[0], fault[1], times=None if fault[0].startswith(
                        "GetList") else 1)
                try:
                    (outcome,) = app.send.send("urad", draft)
                    if outcome.ok:
                        done = outcome
                except (_Crash, SendBlocked):
                    pass
                finally:
                    sim.faults.clear()
            assert len(_delivered(sim, to, subject)) <= 1  # never two, at any moment
            if done is not None:
                break
        if done is None:  # the user runs the same send again in a healthy moment
            with App.open(AppPaths.default(folder / "data"), offline=True,
                          send_limits=SendLimits(reconcile_settle=0)) as app:
                (done,) = app.send.send("urad", draft)
                assert not app.outbox.records("urad", open_only=True)
        assert done.ok, done
        assert _delivered(sim, to, subject) == [done.message_id]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
