"""`dso update check|apply|status|rollback|config|self-check`: the self-update from the portal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import language, tr, yes_no
from dso_desktop.errors import DsoError


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("update", help="signed updates from the regional portal",
                              description="Check for, download and stage signed updates.")
    sub = p.add_subparsers(dest="update_command", metavar="ACTION")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--portal", metavar="URL", help="update portal (default: settings)")
        sp.add_argument("--ca-file", type=Path, metavar="PEM",
                        help="the CA certificate(s) the portal's TLS must chain to "
                             "(instead of the system roots)")
        sp.add_argument("--install-root", type=Path, metavar="DIR",
                        help="install folder with versions/ (default: from the launcher)")

    sp = sub.add_parser("check", help="current and available version, release notes")
    common(sp)
    sp.set_defaults(handler=cmd_check)
    sp = sub.add_parser("apply", help="download and stage the newest version (next start)")
    common(sp)
    sp.set_defaults(handler=cmd_apply)
    sp = sub.add_parser("status", help="installed versions, a version on trial, last rollback")
    sp.add_argument("--install-root", type=Path, metavar="DIR",
                    help="install folder with versions/ (default: from the launcher)")
    sp.set_defaults(handler=cmd_status)
    sp = sub.add_parser("rollback", help="go back to the previous, older version "
                                         "(never forward; the version left is not "
                                         "installed again)")
    sp.add_argument("--install-root", type=Path, metavar="DIR",
                    help="install folder with versions/ (default: from the launcher)")
    sp.set_defaults(handler=cmd_rollback)
    sp = sub.add_parser("config", help="show or change update settings",
                        description="Without --policy: this user's settings. With --policy: "
                                    "the administrator's update-policy.json in the install "
                                    "folder (for every user; needs write access there).")
    sp.add_argument("--enable", action="store_true")
    sp.add_argument("--disable", action="store_true")
    sp.add_argument("--portal", metavar="URL", help="set the portal URL ('' for the default)")
    sp.add_argument("--channel", choices=("stable", "beta"))
    sp.add_argument("--install-root", type=Path, metavar="DIR")
    sp.add_argument("--policy", action="store_true",
                    help="change update-policy.json (IT) instead of this user's settings")
    sp.add_argument("--proxy", metavar="URL",
                    help="with --policy: proxy for the portal ('' = direct, 'system' = "
                         "remove the entry: the app's own proxy setting, else the system's)")
    sp.add_argument("--ca-file", metavar="PEM",
                    help="with --policy: the portal's CA file, relative to the install "
                         "folder ('' removes it: system roots)")
    sp.add_argument("--managed", choices=("yes", "no"),
                    help="with --policy: a managed install (IT installs new versions)")
    sp.set_defaults(handler=cmd_config)
    sp = sub.add_parser("self-check", help="start-up self-check of this version")
    sp.add_argument("--gui", action="store_true", help="also check that Qt loads")
    sp.set_defaults(handler=cmd_self_check)
    p.set_defaults(handler=lambda args, ctx: _usage(p))


def _usage(p: argparse.ArgumentParser) -> int:
    text = "update needs an action: check, apply, status, config or self-check"
    err = UsageError(tr(text, "en") + "\n" + p.format_usage())
    err.message_cs = tr(text, "cs") + "\n" + p.format_usage()
    raise err


def _service(args: argparse.Namespace, ctx: CliContext) -> Any:
    from dso_desktop.paths import AppPaths
    from dso_desktop.update.service import UpdateService

    paths = AppPaths.default(ctx.data_dir).ensure()
    return UpdateService(paths,
                         install_root=getattr(args, "install_root", None),
                         portal_url=getattr(args, "portal", None) or None,
                         ca_file=getattr(args, "ca_file", None),
                         net_config=lambda: _app_net_config(paths))


def _app_net_config(paths: Any) -> Any:
    """The app's own HTTP settings (the proxy of the GUI's settings page), as the GUI's
    checks use them; the archive is only read, and only when it exists."""
    from dso_desktop import net

    if not paths.database.exists():
        return net.NetConfig()
    from dso_desktop.app import App

    try:
        with App.open(paths, offline=True) as app:
            config: net.NetConfig = app.net_config()
    except Exception as exc:  # an archive that cannot be opened must not stop an update
        sys.stderr.write("dso: " + tr("the app's proxy setting is unreadable ({type}); using "
                                      "the system's proxy", type=type(exc).__name__) + "\n")
        return net.NetConfig()
    return config


def _fail(exc: Exception) -> CliError:
    from dso_desktop.update.errors import problem_kind

    kind = problem_kind(exc) if hasattr(exc, "message_cs") else "failed"
    err = CliError(f"update {kind}: {exc}")
    # In Czech: the update error's own Czech sentence with its details in Czech (issue 14:
    # no English sentence in a Czech line; the English text is the error's ``message``).
    cs = exc.user_text("cs") if isinstance(exc, DsoError) else ""
    err.message_cs = f"{tr('update', 'cs')} {kind}: {cs}" if cs else str(err)
    return err


MANAGED = "This install is managed by the IT department: updates come from IT."


def _managed_error() -> CliError:
    return localized(CliError, MANAGED)


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.update.errors import UpdateError, UpdatesManaged

    svc = _service(args, ctx)
    try:
        # force=True: not the GUI's scheduled check, so its 24-hour clock is not moved.
        result = svc.check(force=True)
    except UpdatesManaged:
        ctx.emit({"managed": True, "current": svc.current_version(), "available": None},
                 tr(MANAGED))
        return 0
    except (UpdateError, ValueError) as exc:
        raise _fail(exc) from exc

    def text(r: Any) -> str:
        if r.available is None:
            return tr("DSO Desktop {version} is up to date.", version=r.current)
        size = f"{r.size / 1024 / 1024:.1f} MB" if r.size else "?"
        notes = r.notes_cs if language() == "cs" else r.notes_en
        return (tr("Installed: {version}", version=r.current) + "\n"
                + tr("Available: {version} ({size}, {reason})", version=r.available,
                     size=size, reason=r.reason) + f"\n\n{notes or ''}")

    ctx.emit(result.to_json(), text(result))
    return 0


def cmd_apply(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.update.errors import UpdateError

    svc = _service(args, ctx)
    last = [-1]

    def progress(done: int, total: int) -> None:
        pct = done * 100 // total if total else 100
        if pct != last[0] and not ctx.json:
            last[0] = pct
            ctx.err.write("\r" + tr("downloading: {pct} %", pct=f"{pct:3d}"))
            if done >= total:
                ctx.err.write("\n")

    if svc.managed():
        raise _managed_error()
    try:
        result = svc.check(force=True)
        if result.available is None:
            ctx.emit({"current": result.current, "staged": None},
                     tr("DSO Desktop {version} is up to date.", version=result.current))
            return 0
        svc.download(progress)
        folder = svc.stage()
    except (UpdateError, ValueError) as exc:
        raise _fail(exc) from exc
    ctx.emit({"current": result.current, "staged": result.available, "folder": str(folder)},
             tr("Version {version} is staged; it is used from the next start.",
                version=result.available))
    return 0


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    info = _service(args, ctx).install_status()
    if not info["installed"]:
        ctx.emit(info, tr("DSO Desktop {version}: this copy does not update itself (not "
                          "started through the launcher).", version=info["current"]))
        return 0
    rows = [(tr("Installed"), info["current"]),
            (tr("Managed by IT"), yes_no(bool(info["managed"]))),
            (tr("Launcher log"), info["log"]),
            (tr("Previous"), info["previous"] or "-"),
            (tr("Staged"), info["pending"] or "-")]
    trial = info["trial"]
    if trial:
        rows.append((tr("On trial"), tr("{version} ({n} abnormal ends)",
                                        version=trial["version"], n=trial["failures"])))
    if info["failed"]:
        rows.append((tr("Rolled back, not installed again"), ", ".join(info["failed"])))
    width = max(len(k) for k, _v in rows) + 2
    lines = [f"{(k + ':').ljust(width)}{v}" for k, v in rows]
    rb = info["last_rollback"]
    if rb:
        lines.append(tr("Last rollback {at}: {version} -> {to}", at=rb.get("at", ""),
                        version=rb.get("version"), to=rb.get("to")))
        reason = rb.get("reason_cs") if language() == "cs" else rb.get("reason")
        lines.append(f"  {reason or rb.get('reason', '')}")
    ctx.emit(info, "\n".join(lines))
    return 0


def cmd_rollback(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.launcher import RollbackRefused, rollback
    from dso_desktop.update.layout import InstallLayout, find_install_root

    root = args.install_root or find_install_root()
    if root is None:
        raise localized(CliError, "not an installed copy: give --install-root DIR")
    try:
        state = rollback(InstallLayout(root))
    except RollbackRefused as exc:
        err = CliError(f"rollback refused: {exc}")
        err.message_cs = tr("rollback refused: {error}", "cs", error=RollbackRefused.message_cs)
        raise err from exc
    except OSError as exc:
        raise localized(CliError, "rollback failed: {error}", error=exc) from exc
    rb = state.last_rollback or {}
    ctx.emit({"current": state.current, "rolled_back": rb.get("version")},
             tr("Back at version {current}; version {version} will not be installed again.",
                current=state.current, version=rb.get("version")))
    return 0


def _policy_changes(args: argparse.Namespace, svc: Any) -> dict[str, Any]:
    """Validated changes to update-policy.json (None removes a key)."""
    from dso_desktop import net
    from dso_desktop.update.transport import ca_bundle, check_url

    changes: dict[str, Any] = {}
    if args.enable or args.disable:
        changes["enabled"] = None if args.enable else False
    if args.portal is not None:
        changes["portal_url"] = check_url(args.portal) if args.portal else None
    if args.proxy is not None:
        changes["proxy"] = None if args.proxy == "system" else net.check_proxy(args.proxy)
    if args.ca_file is not None:
        if args.ca_file:
            ca_bundle(svc.layout.root / args.ca_file)  # refuse an unusable file now
        changes["ca_file"] = args.ca_file or None
    if args.managed:
        changes["managed"] = True if args.managed == "yes" else None
    if args.channel:
        raise localized(UsageError, "--channel is a per-user setting (without --policy)")
    return changes


def cmd_config(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop import net

    svc = _service(argparse.Namespace(install_root=args.install_root), ctx)
    if args.enable and args.disable:
        raise localized(UsageError, "--enable and --disable together")
    if not args.policy and (args.proxy is not None or args.ca_file is not None
                            or args.managed):
        raise localized(UsageError, "--proxy, --ca-file and --managed are the "
                        "administrator's policy: add --policy (the app's own proxy is set "
                        "in its settings)")
    if args.policy:
        if svc.layout is None:
            raise localized(CliError, "not an installed copy: give --install-root DIR")
        try:
            svc.layout.update_policy(_policy_changes(args, svc))
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        except OSError as exc:
            raise localized(CliError, "cannot write {file}: {error} (run as the "
                            "administrator)", file=exc.filename or "update-policy.json",
                            error=exc.strerror or exc) from exc
    try:
        if not args.policy:
            if args.enable or args.disable:
                svc.set_enabled(args.enable)
            if args.portal is not None:
                svc.set_portal_url(args.portal)
            if args.channel:
                svc.set_channel(args.channel)
        portal = svc.portal_url()
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    s = svc.settings()
    try:
        transport = dict(net.describe(svc.net_config()))
    except ValueError as exc:
        transport = {"proxy": f"invalid: {exc}"}
    ca = svc.portal_ca_file()
    obj = {"enabled": svc.checks_enabled(), "admin_locked": svc.admin_locked(),
           "managed": svc.managed(), "portal_url": portal, "channel": s.channel,
           "proxy": transport.get("proxy"), "timeouts": transport.get("timeouts"),
           "ca_file": str(ca) if ca else "system roots", "policy": svc.policy(),
           "skipped_version": s.skipped_version, "last_check": s.last_check,
           "last_result": s.last_result, "current": svc.current_version()}
    ctx.emit(obj, "\n".join(f"{k}: {v}" for k, v in obj.items()))
    return 0


def cmd_self_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.selfcheck import run

    items = run(gui=args.gui)
    ok = all(i.ok for i in items)
    ctx.emit({"ok": ok, "checks": [i.__dict__ for i in items]},
             "\n".join(f"{'OK ' if i.ok else 'FAIL'} {i.name}: {i.detail}" for i in items))
    if not ok:
        ctx.err.write("dso: " + tr("self-check failed") + "\n")
    sys.stdout.flush()
    return 0 if ok else 1
