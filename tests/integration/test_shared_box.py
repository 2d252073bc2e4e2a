"""Two accounts (two users) of the same data box keep one copy of each message and one set
of the messages' warnings; either account shows the box's messages; removing one leaves
them with the other."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.records import MessageFilter

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_two_logins_to_one_box_keep_one_copy(tmp_path: Path) -> None:
    from dso_desktop.simulator import Simulator

    with Simulator(seed=23, messages=12) as sim:
        clerk = sim.world.users[sim.account("password").username]
        second = dataclasses.replace(clerk, username=clerk.username[:4] + "b2",
                                     password="Druhe-heslo-1", failed_logins=[])
        sim.world.users[second.username] = second
        app = App.open(AppPaths.default(tmp_path / "data"), offline=True)
        try:
            for name, user in (("referentka", clerk), ("zastupce", second)):
                app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, user.username,
                                             sim.url, ca_file=Path(sim.info.ca_file)),
                                 password=user.password, save_password=True)
            first = app.sync.sync_account("referentka", accept_delivery=True)
            assert first.new > 0 and not first.failed
            ids = app.messages.ids()
            again = app.sync.sync_account("zastupce", accept_delivery=True)
            assert again.new == 0 and not again.failed, again
            assert app.messages.ids() == ids  # no second copy
            dm_ids = Counter((r.direction, r.dm_id) for r in app.messages.rows(ids))
            assert max(dm_ids.values()) == 1
            for name in ("referentka", "zastupce"):  # each account shows the box's messages
                assert sorted(app.messages.ids(MessageFilter(account=name))) == sorted(ids)
                assert app.search.search_ids("a", account=name) == app.search.search_ids("a")
            later = sim.clock.now() + timedelta(days=365 * 40)  # every timestamp expired
            per_message = Counter((w.kind, w.message_id) for w in app.warnings.collect(now=later)
                                  if w.message_id is not None)
            assert per_message and max(per_message.values()) == 1

            app.accounts.remove("referentka")
            assert sorted(app.messages.ids(MessageFilter(account="zastupce"))) == sorted(ids)
            third = app.sync.sync_account("zastupce", accept_delivery=True)
            assert third.new == 0 and app.messages.ids() == ids
        finally:
            app.close()
