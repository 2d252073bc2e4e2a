"""The world's state machine: delivery, fiction after ten days, login acceptance, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dso_desktop.simulator.generator import build_world
from dso_desktop.simulator.model import Message, StoredFile
from dso_desktop.simulator.world import World

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _world() -> tuple[World, str, str]:
    world, accounts = build_world(4, 0, now=NOW)
    demo = accounts[0].box_id
    firm = next(a.box_id for a in accounts if a.box_type == "PO")
    return world, demo, firm


def _post(world: World, sender: str, recipient: str, **kw) -> Message:
    msg = Message(dm_id=world.new_dm_id(), sender_id=sender, recipient_id=recipient,
                  annotation="Test", posted_at=NOW, **kw)
    return world.post(msg, NOW)


def test_post_delivers_at_once_with_events() -> None:
    world, demo, firm = _world()
    msg = _post(world, firm, demo)
    assert msg.status == 4 and msg.delivered_at == NOW
    assert [e[1][:4] for e in msg.events] == ["EV0:", "EV5:"]
    assert [s for _, s in msg.history] == [1, 2, 4]


def test_fiction_after_ten_days_only() -> None:
    world, demo, firm = _world()
    msg = _post(world, firm, demo)
    world.tick(NOW + timedelta(days=9, hours=23))
    assert msg.status == 4
    world.tick(NOW + timedelta(days=10))
    assert msg.status == 5
    assert msg.accepted_at == NOW + timedelta(days=10)
    assert msg.events[-1][1].startswith("EV2:")


def test_no_fiction_when_forbidden() -> None:
    world, demo, firm = _world()
    msg = _post(world, firm, demo, allow_fiction=False)
    world.tick(NOW + timedelta(days=30))
    assert msg.status == 4


def test_login_accepts_but_personal_delivery_needs_the_right() -> None:
    world, demo, firm = _world()
    normal = _post(world, firm, demo)
    personal = _post(world, firm, demo, personal_delivery=True)
    assistant = next(u for u in world.users.values()
                     if u.box_id == demo and not u.privileges & 2 and u.privileges & 1)
    assert world.accept_by_login(assistant, NOW + timedelta(hours=1)) == 1
    assert normal.status == 6 and personal.status == 4
    clerk = next(u for u in world.users.values()
                 if u.box_id == demo and u.user_type == "ENTRUSTED_USER" and u.privileges & 2)
    assert world.accept_by_login(clerk, NOW + timedelta(hours=2)) == 1
    assert personal.status == 6 and personal.events[-1][1].startswith("EV12:")


def test_erased_ninety_days_after_login() -> None:
    world, demo, firm = _world()
    msg = _post(world, firm, demo)
    clerk = next(u for u in world.users.values() if u.box_id == demo and u.privileges & 2)
    world.accept_by_login(clerk, NOW)
    world.tick(NOW + timedelta(days=89))
    assert not msg.erased
    world.tick(NOW + timedelta(days=90, seconds=1))
    assert msg.erased and msg.files == []
    assert msg not in list(world.visible(demo, "received"))


def test_state_round_trip_keeps_everything(tmp_path) -> None:
    from dso_desktop.simulator.persist import load, save

    world, demo, firm = _world()
    msg = _post(world, firm, demo, files=[StoredFile("a.txt", "text/plain", "main", 3, b"abc")])
    msg.qtimestamp = b"\x30\x03\x02\x01\x01"
    clerk = next(u for u in world.users.values() if u.box_id == demo and u.privileges & 2)
    world.accept_by_login(clerk, NOW + timedelta(hours=1))
    world.credit_log.append((NOW, firm, -10, 90, demo))
    save(world, tmp_path, {"k": 1})
    loaded, extra = load(tmp_path)
    assert extra == {"k": 1}
    again = loaded.messages[msg.dm_id]
    assert again.files[0].data == b"abc" and again.qtimestamp == msg.qtimestamp
    assert again.events == msg.events and again.history == msg.history
    assert again.status == 6 and again.accepted_at == msg.accepted_at
    assert loaded.users.keys() == world.users.keys()
    assert loaded.credit_log == world.credit_log
    assert loaded.next_dm_id == world.next_dm_id
    # the fiction/erase schedule is rebuilt on load
    loaded.tick(NOW + timedelta(days=91))
    assert loaded.messages[msg.dm_id].erased
