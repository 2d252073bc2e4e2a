"""`dso update check|apply|status|config|self-check`: the self-update from the portal."""

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
    sp = sub.add_parser("config", help="show or change update settings")
    sp.add_argument("--enable", action="store_true")
    sp.add_argument("--disable", action="store_true")
    sp.add_argument("--portal", metavar="URL", help="set the portal URL ('' for the default)")
    sp.add_argument("--channel", choices=("stable", "beta"))
    sp.add_argument("--install-root", type=Path, metavar="DIR")
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

    return UpdateService(AppPaths.default(ctx.data_dir).ensure(),
                         install_root=getattr(args, "install_root", None),
                         portal_url=getattr(args, "portal", None) or None,
                         ca_file=getattr(args, "ca_file", None))


def _fail(exc: Exception) -> CliError:
    return CliError(f"{exc} — {getattr(exc, 'message_cs', '')}".rstrip(" —"))


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.update.errors import UpdateError

    svc = _service(args, ctx)
    try:
        result = svc.check(force=True)
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


def cmd_config(args: argparse.Namespace, ctx: CliContext) -> int:
    svc = _service(argparse.Namespace(install_root=args.install_root), ctx)
    if args.enable and args.disable:
        raise UsageError("--enable and --disable together")
    try:
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
    obj = {"enabled": svc.checks_enabled(), "admin_locked": svc.admin_locked(),
           "portal_url": portal, "channel": s.channel, "skipped_version": s.skipped_version,
           "last_check": s.last_check, "current": svc.current_version()}
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
