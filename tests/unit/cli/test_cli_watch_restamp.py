"""`dso watch`, `dso restamp` and `dso message verify-online` in-process: exit 1 when
something is due or failed (for schedulers), usage errors exit 2, nothing leaves loopback."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import dso, dso_json, offline_english, seed_message  # noqa: F401 - fixture
from tests.unit.zfo.zfo_factory import pki  # noqa: F401 - pytest fixture

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.zfo.testpki import TestPki

pytestmark = pytest.mark.usefixtures("offline_english")


@pytest.fixture
def data(tmp_path: Path, pki: TestPki) -> Path:
    d = tmp_path / "data"
    with App.open(AppPaths.default(d), offline=True) as app:
        # No password saved: any login attempt fails here, before the network.
        app.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "u"))
    seed_message(d, pki, "5501", subject="Obnovit")
    return d


def test_watch_exit_codes_and_shape(data: Path, tmp_path: Path) -> None:
    assert dso("watch", "--data-dir", str(tmp_path / "empty"))[:2] == (0, "Nothing is due.\n")
    code, _, err = dso("watch", "--within", "-1", "--data-dir", str(data))
    assert code == 2 and "--within must not be negative" in err
    # Everything due within 20 years: the seeded message's evidence expires in that window.
    code, items, _ = dso_json("watch", "--within", "7300", "--data-dir", str(data))
    assert code == 1
    [item] = [i for i in items if i["dm_id"] == "5501"]
    assert item["kind"] == "timestamp-expiry" and item["account"] == "obec"
    assert item["due"] and item["remedy"]
    code, out, _ = dso("watch", "--within", "7300", "--data-dir", str(data))
    assert code == 1 and out.splitlines()[0].startswith("due         kind")
    assert any("5501" in line for line in out.splitlines()[1:])


def test_watch_limit_shows_the_nearest_items_and_the_total(data: Path, pki: TestPki) -> None:
    seed_message(data, pki, "5502", subject="Druhá")
    code, every, _ = dso_json("watch", "--within", "7300", "--data-dir", str(data))
    assert code == 1 and len(every) >= 2
    code, first, _ = dso_json("watch", "--within", "7300", "--limit", "1",
                              "--data-dir", str(data))
    assert code == 1 and first == every[:1]  # the nearest one, the same item
    code, out, _ = dso("watch", "--within", "7300", "--limit", "1", "--data-dir", str(data))
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3  # header, one item, the total
    assert lines[-1] == f"(1 of {len(every)} items due; without --limit: all of them)"
    # A limit above the total: all items, no total line.
    code, out, _ = dso("watch", "--within", "7300", "--limit", "1000", "--data-dir",
                       str(data))
    assert code == 1 and len(out.splitlines()) == len(every) + 1
    code, _, err = dso("watch", "--limit", "0", "--data-dir", str(data))
    assert code == 2 and "--limit must be at least 1" in err


def test_restamp_refusals(data: Path) -> None:
    code, _, err = dso("restamp", "--expiring-within", "-5", "--data-dir", str(data))
    assert code == 2 and "--expiring-within must not be negative" in err
    code, _, err = dso("restamp", "999", "--data-dir", str(data))
    assert code == 1 and err == "dso: error: message 999 is not in the archive\n"
    code, _, err = dso("restamp", "5501", "--account", "jiný", "--data-dir", str(data))
    assert code == 1 and "5501 is not in the archive" in err
    code, _, err = dso("restamp", "5501", "--password-stdin", "--data-dir", str(data),
                       stdin="\n")
    assert code == 2 and "no password on standard input" in err


def test_restamp_without_login_or_tsa_fails_with_both_reasons(data: Path) -> None:
    code, outcomes, _ = dso_json("restamp", "5501", "--data-dir", str(data))
    assert code == 1
    [o] = outcomes
    assert (o["dm_id"], o["ok"], o["version"]) == ("5501", False, None)
    assert "no password saved for account 'obec'" in o["isds_refused"]
    assert "no TSA is configured" in o["error"]
    code, out, err = dso("restamp", "5501", "--data-dir", str(data))
    assert code == 1 and out.startswith("5501: FAILED: ISDS did not re-seal the message")
    assert err == "[1/1] 5501\n"  # progress on stderr, the result on stdout


def test_restamp_with_nothing_expiring(data: Path) -> None:
    code, out, _ = dso("restamp", "--expiring-within", "0", "--data-dir", str(data))
    assert (code, out) == (0, "Nothing to restamp.\n")


def test_verify_online_needs_the_message_and_a_login(data: Path) -> None:
    code, _, err = dso("message", "verify-online", "999", "--data-dir", str(data))
    assert code == 1 and "message 999 is not in the archive" in err
    code, res, err = dso_json("message", "verify-online", "5501", "--data-dir", str(data))
    assert code == 1 and res["kind"] == "account.password-missing"
    assert "no password saved for account 'obec'" in err
