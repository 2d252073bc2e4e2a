"""`scope_store`: which trust store verifies a ZFO that did not come from an account's sync.

An account's own CA (a test environment, the simulator) may vouch only for that account's
messages; everything else is verified against the global anchors alone. A wrong answer here
lets a test CA make a forged ZFO "valid" in a production account's archive."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dso_desktop.domain import ZfoKind
from dso_desktop.services.zfofiles import scope_store

BY_BOX = {"box0001": 1, "box0002": 2}  # box ID -> account id


@dataclass
class _Env:
    sender_box_id: str | None
    recipient_box_id: str | None


@dataclass
class _Parsed:
    kind: str
    envelope: _Env


def _trust(account: int | None) -> str:
    """A distinct store per scope: "global" for None, "acc<N>" for an account."""
    return "global" if account is None else f"acc{account}"


def _scope(kind: ZfoKind, sender: str | None, recipient: str | None, **kw: object) -> str:
    return scope_store(_trust, _Parsed(kind.value, _Env(sender, recipient)), BY_BOX,
                       **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "sender", "recipient", "kw", "expected"), [
    # filed under the account of its own box
    (ZfoKind.RECEIVED, "foreign1", "box0001", {}, "acc1"),
    (ZfoKind.SENT, "box0002", "foreign1", {}, "acc2"),
    # its own box is nobody's: filed unassigned, no account vouches
    (ZfoKind.RECEIVED, "box0001", "foreign1", {}, "global"),
    (ZfoKind.SENT, "foreign1", "box0001", {}, "global"),
    # ... unless it joins a stored message of an account (and only that account)
    (ZfoKind.RECEIVED, "foreign1", "foreign2", {"attaches_to": [2]}, "acc2"),
    (ZfoKind.RECEIVED, "foreign1", "foreign2", {"attaches_to": [None]}, "global"),
    # it names two accounts: no single scope
    (ZfoKind.RECEIVED, "box0002", "box0001", {}, "global"),
    (ZfoKind.RECEIVED, "foreign1", "box0001", {"attaches_to": [2]}, "global"),
    (ZfoKind.RECEIVED, "foreign1", "box0001", {"attaches_to": [1, None]}, "global"),
    # the account the user chose: its box must be named in the ZFO
    (ZfoKind.RECEIVED, "foreign1", "box0001", {"account_id": 1, "account_box_id": "box0001"},
     "acc1"),
    (ZfoKind.RECEIVED, "foreign1", "foreign2", {"account_id": 1, "account_box_id": "box0001"},
     "global"),
    (ZfoKind.RECEIVED, "foreign1", "foreign2", {"account_id": 1}, "acc1"),
    (ZfoKind.RECEIVED, "foreign1", "box0002", {"account_id": 1}, "global"),
    # a delivery info joins the messages of its dmID, or nothing
    (ZfoKind.DELIVERY_INFO, "foreign1", "box0001", {}, "acc1"),
    (ZfoKind.DELIVERY_INFO, "foreign1", "foreign2", {}, "global"),
    (ZfoKind.DELIVERY_INFO, "foreign1", "foreign2", {"attaches_to": [2]}, "acc2"),
    (ZfoKind.DELIVERY_INFO, None, None, {"attaches_to": [2, 2]}, "acc2"),
])
def test_the_scope_of_a_zfo(kind: ZfoKind, sender: str | None, recipient: str | None,
                            kw: dict[str, object], expected: str) -> None:
    assert _scope(kind, sender, recipient, **kw) == expected


def test_two_accounts_sharing_one_store_keep_it() -> None:
    """Two accounts that both use only the global anchors are one scope, not a conflict."""
    shared = object()
    got = scope_store(lambda account: shared,
                      _Parsed("received", _Env("box0002", "box0001")), BY_BOX)
    assert got is shared
