"""The GUI never fails silently on updates: the warnings panel and the settings page say
why a check failed (in Czech), "Zkontrolovat aktualizace" checks now and answers, and a
managed install says that updates come from IT."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from updater.server import StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.gui import updates
from dso_desktop.update.layout import POLICY_FILE
from dso_desktop.update.service import UpdateService

OUTDATED_CS = "Portál aktualizací není aktuální, obraťte se na správce."


@pytest.fixture
def portal_env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A portal on loopback whose metadata expired (its daily job stopped a month ago),
    ``renew()`` (the daily job runs again), and an installed 1.0.0."""
    clock = [datetime.now(UTC) - timedelta(days=30)]
    portal = Portal(tmp_path / "portal", now=lambda: clock[0])
    portal.publish("1.0.0")
    root = install(tmp_path / "install", build_release(tmp_path / "b", "1.0.0"), "1.0.0")
    server = StaticServer(portal.public).start()

    def renew() -> None:
        clock[0] = datetime.now(UTC)
        portal.repo.refresh_timestamp()

    yield {"root": root, "portal": portal, "url": server.url, "renew": renew}
    server.stop()


def _service(env: dict[str, Any], paths: Any, url: str | None = None) -> UpdateService:
    portal = env["portal"]
    return UpdateService(paths, install_root=env["root"],
                         trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes(),
                         portal_url=url or env["url"], platform=PLATFORM,
                         current_version="1.0.0")


def _controller(window: Any, ctx: Any, service: UpdateService) -> updates.UpdateController:
    controller = updates.UpdateController(window, ctx.tasks, service)
    controller.problem_changed.connect(window.set_update_problem)
    ctx.updates = controller
    return controller


def _warning_texts(window: Any) -> list[str]:
    return [window.warning_list.item(i).text() for i in range(window.warning_list.count())]


def test_expired_portal_shows_in_the_warnings_panel_as_outdated(
        qtbot: Any, window: Any, ctx: Any, portal_env: dict[str, Any]) -> None:
    controller = _controller(window, ctx, _service(portal_env, ctx.paths))
    controller.check_if_due()  # the scheduled check
    qtbot.waitUntil(lambda: controller.problem is not None, timeout=20_000)
    assert controller.problem["kind"] == "portal-outdated"  # type: ignore[index]
    assert f"Aktualizace: {OUTDATED_CS}" in _warning_texts(window)
    assert not any("podpis" in t for t in _warning_texts(window))  # not an "attack"
    # The operator's daily job runs again: the next check succeeds and clears it.
    portal_env["renew"]()
    controller.check_if_due()
    qtbot.waitUntil(lambda: controller.problem is None, timeout=20_000)
    qtbot.waitUntil(lambda: not any(t.startswith("Aktualizace:")
                                    for t in _warning_texts(window)), timeout=5_000)


def test_a_failure_recorded_earlier_shows_at_start(qtbot: Any, window: Any, ctx: Any,
                                                   portal_env: dict[str, Any]) -> None:
    """E.g. yesterday's run or `dso update check` found the portal unreachable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    with pytest.raises(Exception):
        _service(portal_env, ctx.paths, dead).check(force=True)
    controller = _controller(window, ctx, _service(portal_env, ctx.paths))
    controller.start(schedule=False)
    qtbot.waitUntil(lambda: controller.problem is not None, timeout=10_000)
    assert any("Aktualizace: Portál s aktualizacemi není dostupný" in t
               for t in _warning_texts(window))


def test_check_now_answers_every_outcome_and_does_not_postpone(
        qtbot: Any, window: Any, ctx: Any, portal_env: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(("info", a[2])))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append(("warn", a[2])))
    service = _service(portal_env, ctx.paths)
    _controller(window, ctx, service)
    window.act_check_updates.trigger()  # Nápověda → Zkontrolovat aktualizace
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    assert told == [("warn", OUTDATED_CS)]
    told.clear()
    portal_env["renew"]()
    window.act_check_updates.trigger()
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    assert told == [("info", "DSO Desktop 1.0.0 je aktuální.")]
    assert service.settings().last_check is None and service.check_due()


def test_help_menu_offers_the_check_in_czech(window: Any) -> None:
    assert window.act_check_updates.text() == "Zkontrolovat &aktualizace"
    help_menu = window.menuBar().actions()[-1].menu()
    assert window.act_check_updates in help_menu.actions()


def test_check_now_outside_an_installation_says_so(qtbot: Any, window: Any, ctx: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    ctx.updates = None
    window.act_check_updates.trigger()
    assert told and "neaktualizuje sama" in told[0]


def test_settings_page_shows_the_cause_and_checks_now(
        qtbot: Any, window: Any, ctx: Any, portal_env: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    controller = _controller(window, ctx, _service(portal_env, ctx.paths))
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.update_status.text() == "Zatím nezkontrolováno.",
                    timeout=10_000)
    assert dlg.check_now.isEnabled() and dlg.check_now.text() == "Zkontrolovat aktualizace"
    dlg.check_now.click()
    qtbot.waitUntil(lambda: bool(warned), timeout=20_000)
    assert warned == [OUTDATED_CS]
    qtbot.waitUntil(lambda: OUTDATED_CS in dlg.update_status.text(), timeout=10_000)
    assert dlg.update_status.text().startswith("Poslední kontrola se nezdařila")
    assert controller.problem is not None


def test_managed_install_says_updates_come_from_it(
        qtbot: Any, window: Any, ctx: Any, portal_env: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append("WARN " + a[2]))
    (portal_env["root"] / POLICY_FILE).write_text(json.dumps({"managed": True}))
    controller = _controller(window, ctx, _service(portal_env, ctx.paths))
    controller.start(schedule=True)
    qtbot.waitUntil(lambda: controller.managed, timeout=10_000)
    assert not controller.service.check_due()  # the scheduled checks stay quiet
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: "IT oddělení" in dlg.update_status.text(), timeout=10_000)
    assert not dlg.check_now.isEnabled() and not dlg.check_updates.isEnabled()
    controller.check_now(window)  # e.g. from the Help menu
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    assert "IT oddělení" in told[0] and not told[0].startswith("WARN")
    assert not any(t.startswith("Aktualizace:") for t in _warning_texts(window))
    controller.stop()


def test_gui_start_of_a_managed_install_is_normal(
        qtbot: Any, ctx: Any, portal_env: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Machine-wide install deployed by IT: the window opens, no error box, no traceback,
    and the settings page says that updates come from IT."""
    import time

    from dso_desktop.gui.main import parse_args
    from dso_desktop.gui.startup import Launcher

    root = portal_env["root"]
    (root / POLICY_FILE).write_text(json.dumps({"managed": True}))
    monkeypatch.setenv("DSO_INSTALL_ROOT", str(root))
    monkeypatch.delenv("DSO_TRIAL_VERSION", raising=False)
    boxes: list[str] = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, n=name: boxes.append(f"{n} {a[2]}"))
    launcher = Launcher(parse_args(["--lang", "cs"]), ctx.paths, started=time.perf_counter())
    launcher.tasks = ctx.tasks
    launcher._opened((ctx.app, "cs"))
    try:
        assert launcher.window.isVisible()
        controller = launcher.updates
        assert controller is not None and launcher.ctx.updates is controller
        qtbot.waitUntil(lambda: controller.managed, timeout=10_000)
        dlg = launcher.window.open_settings()
        qtbot.addWidget(dlg)
        qtbot.waitUntil(lambda: "IT oddělení" in dlg.update_status.text(), timeout=10_000)
        assert boxes == []
        assert sorted(p.name for p in root.iterdir()) == [POLICY_FILE, "versions"]
    finally:
        controller.stop()
        launcher.window.close()
        launcher.window.deleteLater()


def test_admin_lock_holds_for_check_now(qtbot: Any, window: Any, ctx: Any,
                                        portal_env: dict[str, Any],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append("WARN " + a[2]))
    (portal_env["root"] / POLICY_FILE).write_text(json.dumps({"enabled": False}))
    service = _service(portal_env, ctx.paths)
    controller = _controller(window, ctx, service)
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: "vypnul správce" in dlg.update_status.text(), timeout=10_000)
    assert not dlg.check_now.isEnabled()
    controller.check_now(window)  # the Help menu stays: it answers why nothing happens
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    assert told == ["Kontrola aktualizací je vypnuta správcem nebo v nastavení."]
    assert service.settings().last_result is None  # no request was made
