"""A failed check says why, in words a clerk can pass on; checks from the CLI or "check now"
do not postpone the scheduled one; the admin policy's proxy reaches the portal requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from updater.server import StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop import net
from dso_desktop.paths import AppPaths
from dso_desktop.update.errors import (
    UpdateConfigError,
    UpdateNetworkError,
    UpdatePortalOutdated,
    UpdatesManaged,
    UpdateTlsError,
    UpdateVerificationError,
    describe_problem,
    problem_kind,
)
from dso_desktop.update.layout import POLICY_FILE
from dso_desktop.update.service import UpdateService


def _service(portal: Portal, root: Path, url: str, tmp_path: Path, **kw: Any) -> UpdateService:
    return UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=root,
                         trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes(),
                         portal_url=url, platform=PLATFORM, **kw)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Portal, Path, str]]:
    portal = Portal(tmp_path / "portal")
    portal.publish("1.0.0")
    root = install(tmp_path / "install", build_release(tmp_path / "c", "1.0.0"), "1.0.0")
    server = StaticServer(portal.public).start()
    yield portal, root, server.url
    server.stop()


def test_expired_portal_reads_as_outdated_not_as_an_attack(tmp_path: Path) -> None:
    past = datetime.now(UTC) - timedelta(days=30)
    portal = Portal(tmp_path / "portal", now=lambda: past)
    portal.publish("1.0.0")
    root = install(tmp_path / "install", build_release(tmp_path / "c", "1.0.0"), "1.0.0")
    server = StaticServer(portal.public).start()
    try:
        svc = _service(portal, root, server.url, tmp_path)
        with pytest.raises(UpdatePortalOutdated) as info:
            svc.check(force=True)
    finally:
        server.stop()
    assert not isinstance(info.value, UpdateVerificationError)
    assert info.value.message_cs == "Portál aktualizací není aktuální, obraťte se na správce."
    problem = svc.last_problem()
    assert problem is not None and problem["kind"] == "portal-outdated"
    assert problem["message_cs"].startswith("Portál aktualizací není aktuální")


def test_each_failure_has_its_own_kind_and_czech_cause() -> None:
    from dso_desktop.update.errors import UpdateError

    cases = [UpdatePortalOutdated("x"), UpdateVerificationError("x"), UpdateTlsError("x"),
             UpdateNetworkError("x"), UpdateConfigError("x"), UpdatesManaged("x")]
    kinds = [problem_kind(e) for e in cases]
    assert kinds == ["portal-outdated", "signature", "tls", "unreachable", "config", "managed"]
    texts = [describe_problem(e)["message_cs"] for e in cases]
    assert len(set(texts)) == len(texts)  # none falls back to another's sentence
    assert UpdateError.message_cs not in texts
    assert problem_kind(RuntimeError("bug")) == "failed"


def test_unreachable_portal_is_recorded_and_a_success_clears_it(
        served: tuple[Portal, Path, str], tmp_path: Path) -> None:
    import socket

    portal, root, url = served
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    with pytest.raises(UpdateNetworkError):
        _service(portal, root, dead, tmp_path).check(force=True)
    svc = _service(portal, root, url, tmp_path)
    problem = svc.last_problem()
    assert problem is not None and problem["kind"] == "unreachable"
    assert "není dostupný" in problem["message_cs"]
    svc.check(force=True)
    assert svc.last_problem() is None
    assert svc.settings().last_result is not None and svc.settings().last_result["ok"]


def test_a_forced_check_does_not_postpone_the_scheduled_one(
        served: tuple[Portal, Path, str], tmp_path: Path) -> None:
    portal, root, url = served
    svc = _service(portal, root, url, tmp_path)
    assert svc.check_due()
    svc.check(force=True)  # `dso update check`, the GUI's "check now"
    assert svc.settings().last_check is None
    assert svc.check_due()  # the GUI's own 24-hour check still runs
    svc.check()  # the scheduled check
    assert svc.settings().last_check is not None and not svc.check_due()


def test_policy_proxy_overrides_the_apps_own_and_reaches_the_portal_requests(
        served: tuple[Portal, Path, str], tmp_path: Path) -> None:
    import socket

    portal, root, _url = served
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{s.getsockname()[1]}"
    # The app's own proxy setting applies to updates: a dead one makes the check fail
    # with a proxy error (no proxy would have reached the portal on loopback).
    portal_url = "https://portal.invalid/"
    svc = _service(portal, root, portal_url, tmp_path,
                   net_config=lambda: net.NetConfig(proxy=dead_proxy))
    assert svc.net_config().proxy == dead_proxy
    with pytest.raises(UpdateNetworkError, match=r"(?i)proxy"):
        svc.check(force=True)
    # The administrator's policy wins over the user's setting ("" = direct).
    (root / POLICY_FILE).write_text(json.dumps({"proxy": ""}), encoding="utf-8")
    assert svc.net_config().proxy == ""
    (root / POLICY_FILE).write_text(json.dumps({"proxy": "ftp://x"}), encoding="utf-8")
    with pytest.raises(UpdateConfigError):
        svc.check(force=True)
    assert svc.last_problem()["kind"] == "config"  # type: ignore[index]


def test_managed_install_never_checks_or_stages(served: tuple[Portal, Path, str],
                                                tmp_path: Path) -> None:
    portal, root, url = served
    svc = _service(portal, root, url, tmp_path)
    assert not svc.managed()
    (root / POLICY_FILE).write_text(json.dumps({"managed": True}), encoding="utf-8")
    assert svc.managed() and not svc.check_due()
    with pytest.raises(UpdatesManaged) as info:
        svc.check(force=True)
    assert "IT oddělení" in info.value.message_cs
    with pytest.raises(UpdatesManaged):
        svc.stage()
    assert not (root / "versions" / ".staging").exists()
