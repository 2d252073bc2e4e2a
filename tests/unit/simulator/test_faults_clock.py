"""The simulator's fault switchboard and clock, which every failure test relies on: a fault
hits the operations it names, counts itself down, clears per operation; the clock only
moves forward and a frozen clock stays put."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from dso_desktop.simulator.clock import SimClock
from dso_desktop.simulator.faults import COMMIT_DELAY, MODES, RESTRICTED_DELAY, Faults

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def test_a_fault_for_one_operation_leaves_the_others_alone() -> None:
    f = Faults()
    f.inject("CreateMessage", "3009")
    assert f.match("DummyOperation") is None
    hit = f.match("CreateMessage")
    assert hit is not None and hit.mode == "3009" and hit.operation == "CreateMessage"
    assert f.match("CreateMessage") is hit  # no count: until cleared


def test_a_fault_for_every_operation() -> None:
    f = Faults()
    f.inject(None, "maintenance")
    assert {f.match(op).mode for op in ("DummyOperation", "MessageDownload")} == {  # type: ignore[union-attr]
        "maintenance"}
    f.inject("", "reset")  # an empty operation is "every operation" too
    assert f.active()[1].operation is None


def test_a_counted_fault_disappears_after_its_last_hit() -> None:
    f = Faults()
    f.inject("CheckDataBox", "3008", times=2)
    assert f.match("CheckDataBox") is not None
    assert f.match("CheckDataBox") is not None
    assert f.match("CheckDataBox") is None and f.active() == []


def test_the_first_matching_fault_wins_and_the_next_follows() -> None:
    f = Faults()
    f.inject("GetListOfReceivedMessages", "3009", times=1)
    f.inject(None, "slow", times=1)
    assert f.match("GetListOfReceivedMessages").mode == "3009"  # type: ignore[union-attr]
    assert f.match("GetListOfReceivedMessages").mode == "slow"  # type: ignore[union-attr]
    assert f.match("GetListOfReceivedMessages") is None


def test_clearing_one_operation_keeps_the_rest() -> None:
    f = Faults()
    f.inject("A", "3008")
    f.inject("B", "3009")
    f.inject(None, "malformed")
    f.clear("A")
    assert sorted(str(x.operation) for x in f.active()) == ["B", "None"]
    f.clear()
    assert f.active() == []


@pytest.mark.parametrize(("mode", "delay"), [
    ("restricted", RESTRICTED_DELAY), ("slow", 2.0), ("commit-then-delay", COMMIT_DELAY),
    ("3008", 0.0), ("commit-then-drop", 0.0)])
def test_default_delays(mode: str, delay: float) -> None:
    assert Faults().inject(None, mode).delay == delay
    assert Faults().inject(None, mode, delay=0.25).delay == 0.25


def test_unknown_modes_are_refused_with_the_known_ones_named() -> None:
    with pytest.raises(ValueError) as info:
        Faults().inject(None, "explode")
    assert all(m in str(info.value) for m in MODES)


def test_a_committed_answer_is_counted_and_signalled() -> None:
    f = Faults()
    fault = f.inject("CreateMessage", "commit-then-drop")
    assert not fault.committed.is_set()
    f.note_committed(fault, "CreateMessage")
    f.note_committed(fault, "CreateMessage")
    assert fault.committed.is_set() and f.committed == {"CreateMessage": 2}
    assert fault.to_json() == {"mode": "commit-then-drop", "operation": "CreateMessage",
                               "times": None, "delay": 0.0, "committed": True}


def test_counting_down_is_safe_from_many_threads() -> None:
    f = Faults()
    f.inject("X", "3009", times=500)
    hits: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(100):
            if f.match("X") is not None:
                with lock:
                    hits.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(hits) == 500 and f.active() == []


# --- the clock ---------------------------------------------------------------------------


def test_a_frozen_clock_stays_and_advances_exactly() -> None:
    c = SimClock(T0, frozen=True)
    assert c.now() == T0 == c.now()
    assert c.advance(days=10, hours=1, minutes=2, seconds=3) == T0 + timedelta(
        days=10, hours=1, minutes=2, seconds=3)
    assert c.now() == T0 + timedelta(days=10, hours=1, minutes=2, seconds=3)


def test_the_clock_never_goes_back() -> None:
    c = SimClock(T0, frozen=True)
    with pytest.raises(ValueError, match="only moves forward"):
        c.advance(days=-1)
    assert c.now() == T0


def test_a_running_clock_starts_at_its_start_and_runs() -> None:
    c = SimClock(T0)
    first = c.now()
    assert abs(first - T0) < timedelta(seconds=5)
    assert c.now() >= first
    c.advance(days=90)
    assert c.now() - first >= timedelta(days=90)
    assert abs(c.offset - (T0 - datetime.now(UTC)) - timedelta(days=90)) < timedelta(seconds=5)


def test_freezing_a_running_clock_keeps_its_offset() -> None:
    c = SimClock(T0)
    c.advance(days=3)
    c.freeze()
    frozen = c.now()
    assert abs(frozen - (T0 + timedelta(days=3))) < timedelta(seconds=5)
    assert c.now() == frozen
    c.freeze()  # freezing twice changes nothing
    assert c.now() == frozen


def test_an_offset_restored_from_a_saved_state() -> None:
    c = SimClock()
    c.set_offset(timedelta(days=-30))
    assert abs(c.now() - (datetime.now(UTC) - timedelta(days=30))) < timedelta(seconds=5)
