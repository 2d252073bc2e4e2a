"""What `UpdateService.check` answers for each offer, with the metadata side scripted.

The signed metadata is python-tuf's and the portal's business (tests/integration); here a
scripted client returns an offer, so that every outcome (up to date, available, skipped,
remind later, failed before, withdrawn with a rollback) is checked field by field, with what
the check records in the settings. Written against survivors of a mutmut run over
``update/service.py`` (docs/testing.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import TargetFile
from updater.testkit import build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update import service as service_mod
from dso_desktop.update.client import Offer
from dso_desktop.update.errors import (
    UpdatesDisabled,
    UpdatesManaged,
    UpdateVerificationError,
)
from dso_desktop.update.layout import POLICY_FILE, InstallLayout, InstallState
from dso_desktop.update.release import Notes, Version
from dso_desktop.update.service import CheckResult, UpdateService

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
SHA = "cd" * 32


def _offer(version: str, withdrawn: tuple[str, ...] = (), released: str = "2026-11-20"
           ) -> Offer:
    archive = TargetFile(4321, {"sha256": SHA}, f"r/dso-desktop-{version}.tar.gz")
    return Offer(Version.parse(version), Notes(f"Novinky {version}", f"News {version}"),
                 released, archive, {}, None, withdrawn)


class Scripted:
    def __init__(self, offer: Offer | None, fail: Exception | None = None) -> None:
        self.offer, self.fail = offer, fail
        self.asked: list[tuple[str, str]] = []

    def refresh(self) -> None:
        if self.fail is not None:
            raise self.fail

    def latest(self, channel: str, platform: str) -> Offer | None:
        self.asked.append((channel, platform))
        return self.offer


def _service(tmp_path: Path, offer: Offer | None, *, current: str = "1.1.0",
             root: Path | None = None, fail: Exception | None = None,
             clock: list[datetime] | None = None) -> tuple[UpdateService, Scripted]:
    clock = clock or [NOW]
    svc = UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=root,
                        trusted_root=b"{}", portal_url="https://portal.example/",
                        platform="linux-x86_64", current_version=current,
                        now=lambda: clock[0])
    client = Scripted(offer, fail)
    svc._new_client = lambda cancel=None: client  # type: ignore[method-assign]
    return svc, client


def test_an_available_version_is_offered_with_its_data(tmp_path: Path) -> None:
    svc, client = _service(tmp_path, _offer("1.2.0"))
    svc.set_channel("beta")
    result = svc.check()
    assert result == CheckResult("1.1.0", "1.2.0", "Novinky 1.2.0", "News 1.2.0", 4321, SHA,
                                 "2026-11-20", True, "available", NOW.isoformat())
    assert client.asked == [("beta", "linux-x86_64")]
    assert svc._offer is not None and str(svc._offer.version) == "1.2.0"
    assert svc.settings().last_result == {
        "at": NOW.isoformat(), "ok": True, "kind": "ok", "message_cs": "", "message_en": "",
        "available": "1.2.0"}
    assert svc.settings().last_check == NOW.isoformat()  # a scheduled check moves the clock
    assert result.to_json()["reason"] == "available"


def test_an_offer_without_a_release_date_has_none(tmp_path: Path) -> None:
    svc, _ = _service(tmp_path, _offer("1.2.0", released=""))
    assert svc.check().released is None


@pytest.mark.parametrize("offered", ["1.1.0", "1.0.9"])
def test_the_same_or_an_older_version_is_up_to_date(tmp_path: Path, offered: str) -> None:
    svc, _ = _service(tmp_path, _offer(offered))
    assert svc.check(force=True) == CheckResult("1.1.0", None, "", "", None, None, None,
                                                False, "up-to-date", NOW.isoformat())
    assert svc._offer is None
    assert svc.settings().last_result["available"] == offered  # type: ignore[index]
    assert svc.settings().last_check is None  # a forced check does not move the clock


def test_no_release_at_all_is_up_to_date(tmp_path: Path) -> None:
    svc, _ = _service(tmp_path, None)
    assert svc.check().reason == "up-to-date"
    assert svc.settings().last_result["available"] is None  # type: ignore[index]


def test_a_withdrawn_running_version_is_offered_back(tmp_path: Path) -> None:
    svc, _ = _service(tmp_path, _offer("1.0.0", withdrawn=("1.1.0",)))
    assert svc.check() == CheckResult("1.1.0", "1.0.0", "Novinky 1.0.0", "News 1.0.0", 4321,
                                      SHA, "2026-11-20", True, "withdrawn", NOW.isoformat(),
                                      rollback=True)
    assert svc._offer is not None and str(svc._offer.version) == "1.0.0"
    # Another withdrawn version than the running one: nothing to do here.
    svc, _ = _service(tmp_path / "b", _offer("1.0.0", withdrawn=("1.0.5",)))
    assert svc.check().reason == "up-to-date"


def test_skipped_and_remind_later_do_not_prompt(tmp_path: Path) -> None:
    clock = [NOW]
    svc, _ = _service(tmp_path, _offer("1.2.0"), clock=clock)
    svc.skip_version("1.2.0")
    r = svc.check()
    assert (r.available, r.prompt, r.reason) == ("1.2.0", False, "skipped")
    svc._save(skipped_version=None)
    svc.remind_later(timedelta(hours=5))
    r = svc.check()
    assert (r.available, r.prompt, r.reason) == ("1.2.0", False, "remind-later")
    clock[0] = NOW + timedelta(hours=5)
    r = svc.check()
    assert (r.prompt, r.reason) == (True, "available")


def test_a_version_that_failed_here_is_shown_but_not_prompted(tmp_path: Path) -> None:
    root = install(tmp_path / "install", build_release(tmp_path / "c", "1.1.0"), "1.1.0")
    InstallLayout(root).save_state(InstallState(current="1.1.0", failed=("1.2.0",)))
    svc, _ = _service(tmp_path, _offer("1.2.0"), root=root)
    r = svc.check()
    assert (r.available, r.prompt, r.reason) == ("1.2.0", False, "failed-before")


def test_managed_and_disabled_say_why(tmp_path: Path) -> None:
    root = install(tmp_path / "install", build_release(tmp_path / "c", "1.1.0"), "1.1.0")
    (root / POLICY_FILE).write_text(json.dumps({"managed": True}), encoding="utf-8")
    svc, client = _service(tmp_path, _offer("1.2.0"), root=root)
    with pytest.raises(UpdatesManaged) as info:
        svc.check(force=True)
    assert str(info.value) == ("this install is managed by the IT department: updates come "
                               "from IT, not from the portal")
    svc, client = _service(tmp_path / "d", _offer("1.2.0"))
    svc.set_enabled(False)
    with pytest.raises(UpdatesDisabled, match=r"^update checks are turned off$"):
        svc.check()
    assert client.asked == []
    assert svc.check(force=True).reason == "available"  # "check now" still checks


def test_a_refused_refresh_is_recorded_with_its_message(tmp_path: Path) -> None:
    svc, _ = _service(tmp_path, None, fail=tuf_exc.UnsignedMetadataError("bad signature"))
    with pytest.raises(UpdateVerificationError, match=r"^bad signature$"):
        svc.check()
    problem = svc.last_problem()
    assert problem is not None and problem["kind"] == "signature"
    assert problem["message_en"] == "bad signature" and problem["available"] is None
    assert svc.settings().last_check is None


def test_the_client_works_below_the_users_cache(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Capture:
        def __init__(self, url: str, metadata_dir: Path, root: bytes, transport: object,
                     work_dir: Path) -> None:
            seen.update(url=url, metadata_dir=metadata_dir, root=root, work_dir=work_dir)

    monkeypatch.setattr(service_mod, "TufClient", Capture)
    paths = AppPaths.default(tmp_path / "user").ensure()
    svc = UpdateService(paths, install_root=None, trusted_root=b'{"signed": 1}',
                        portal_url="https://portal.example/")
    svc._new_client()
    assert seen == {"url": "https://portal.example/",
                    "metadata_dir": paths.data / "update" / "metadata",
                    "root": b'{"signed": 1}', "work_dir": paths.cache / "update" / "work"}
