"""`dso update check|apply|status|rollback|config|self-check`: the self-update from the portal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError


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
    raise UsageError("update needs an action: check, apply, status, config or self-check\n"
                     + p.format_usage())


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
        sys.stderr.write(f"dso: the app's proxy setting is unreadable ({type(exc).__name__}); "
                         "using the system's proxy\n")
        return net.NetConfig()
    return config


def _fail(exc: Exception) -> CliError:
    from dso_desktop.update.errors import problem_kind

    kind = problem_kind(exc) if hasattr(exc, "message_cs") else "failed"
    return CliError(f"update {kind}: {exc} — {getattr(exc, 'message_cs', '')}".rstrip(" —"))


MANAGED_TEXT = ("Tuto instalaci spravuje IT oddělení; nové verze instaluje správce. / "
                "This install is managed by the IT department: updates come from IT.")


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.update.errors import UpdateError, UpdatesManaged

    svc = _service(args, ctx)
    try:
        # force=True: not the GUI's scheduled check, so its 24-hour clock is not moved.
        result = svc.check(force=True)
    except UpdatesManaged:
        ctx.emit({"managed": True, "current": svc.current_version(), "available": None},
                 MANAGED_TEXT)
        return 0
    except (UpdateError, ValueError) as exc:
        raise _fail(exc) from exc

    def text(r: Any) -> str:
        if r.available is None:
            return f"DSO Desktop {r.current} je aktuální. / is up to date."
        size = f"{r.size / 1024 / 1024:.1f} MB" if r.size else "?"
        return (f"Nainstalováno / installed: {r.current}\n"
                f"K dispozici / available:   {r.available} ({size}, {r.reason})\n\n"
                f"{r.notes_cs}\n\n{r.notes_en}")

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
            ctx.err.write(f"\rstahování / downloading: {pct:3d} %")
            if done >= total:
                ctx.err.write("\n")

    if svc.managed():
        raise CliError(MANAGED_TEXT)
    try:
        result = svc.check(force=True)
        if result.available is None:
            ctx.emit({"current": result.current, "staged": None},
                     f"DSO Desktop {result.current} je aktuální. / is up to date.")
            return 0
        svc.download(progress)
        folder = svc.stage()
    except (UpdateError, ValueError) as exc:
        raise _fail(exc) from exc
    ctx.emit({"current": result.current, "staged": result.available, "folder": str(folder)},
             f"Verze {result.available} je připravena; použije se při příštím spuštění.\n"
             f"Version {result.available} is staged; it is used from the next start.")
    return 0


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    info = _service(args, ctx).install_status()
    if not info["installed"]:
        ctx.emit(info, f"DSO Desktop {info['current']}: tato kopie se neaktualizuje sama "
                       "(není spuštěna spouštěčem). / This copy does not update itself "
                       "(not started through the launcher).")
        return 0
    lines = [f"Nainstalováno / installed: {info['current']}",
             f"Spravuje IT / managed:     {'ano / yes' if info['managed'] else 'ne / no'}",
             f"Záznam spouštěče / log:    {info['log']}",
             f"Předchozí / previous:      {info['previous'] or '-'}",
             f"Připraveno / staged:       {info['pending'] or '-'}"]
    trial = info["trial"]
    if trial:
        lines.append(f"Zkušební provoz / on trial: {trial['version']} "
                     f"({trial['failures']} chybných spuštění / abnormal ends)")
    if info["failed"]:
        lines.append("Vráceno, znovu se neinstaluje / rolled back, not installed again: "
                     + ", ".join(info["failed"]))
    rb = info["last_rollback"]
    if rb:
        lines.append(f"Poslední návrat / last rollback {rb.get('at', '')}: "
                     f"{rb.get('version')} -> {rb.get('to')}")
        lines.append(f"  {rb.get('reason_cs', '')}")
        lines.append(f"  {rb.get('reason', '')}")
    ctx.emit(info, "\n".join(lines))
    return 0


def cmd_rollback(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.launcher import RollbackRefused, rollback
    from dso_desktop.update.layout import InstallLayout, find_install_root

    root = args.install_root or find_install_root()
    if root is None:
        raise CliError("not an installed copy: give --install-root DIR")
    try:
        state = rollback(InstallLayout(root))
    except RollbackRefused as exc:
        raise CliError(f"rollback refused: {exc} — {RollbackRefused.message_cs}") from exc
    except OSError as exc:
        raise CliError(f"rollback failed: {exc}") from exc
    rb = state.last_rollback or {}
    ctx.emit({"current": state.current, "rolled_back": rb.get("version")},
             f"Vráceno na verzi {state.current}; verze {rb.get('version')} se znovu "
             f"nenainstaluje. / Back at version {state.current}; version "
             f"{rb.get('version')} will not be installed again.")
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
        raise UsageError("--channel is a per-user setting (without --policy)")
    return changes


def cmd_config(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop import net

    svc = _service(argparse.Namespace(install_root=args.install_root), ctx)
    if args.enable and args.disable:
        raise UsageError("--enable and --disable together")
    if not args.policy and (args.proxy is not None or args.ca_file is not None
                            or args.managed):
        raise UsageError("--proxy, --ca-file and --managed are the administrator's policy: "
                         "add --policy (the app's own proxy is set in its settings)")
    if args.policy:
        if svc.layout is None:
            raise CliError("not an installed copy: give --install-root DIR")
        try:
            svc.layout.update_policy(_policy_changes(args, svc))
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        except OSError as exc:
            raise CliError(f"cannot write {exc.filename or 'update-policy.json'}: "
                           f"{exc.strerror or exc} (run as the administrator)") from exc
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
    from dso_desktop.update.selfcheck import run

    items = run(gui=args.gui)
    ok = all(i.ok for i in items)
    ctx.emit({"ok": ok, "checks": [i.__dict__ for i in items]},
             "\n".join(f"{'OK ' if i.ok else 'FAIL'} {i.name}: {i.detail}" for i in items))
    if not ok:
        ctx.err.write("dso: self-check failed\n")
    sys.stdout.flush()
    return 0 if ok else 1
