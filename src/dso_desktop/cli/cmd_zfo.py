"""`dso zfo show|verify|extract`: read, verify and unpack signed data messages (ZFO files)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import language, tr
from dso_desktop.errors import os_error_text


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("zfo", help="show, verify and extract ZFO files",
                              description="Signed data messages and delivery infos (ZFO).")
    sub = p.add_subparsers(dest="zfo_command", metavar="ACTION")

    def trust_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--trust", action="append", type=Path, metavar="FILE_OR_DIR",
                        help="trust exactly these CA certificates (PEM/DER file or folder) "
                             "instead of the PostSignum ones; nothing is downloaded, so "
                             "revocation is not checked")
        sp.add_argument("--offline", action="store_true",
                        help="download nothing: the PostSignum CAs shipped with DSO Desktop "
                             "and cached ones only; revocation is checked only against "
                             "cached CRLs that are still current")
        sp.add_argument("--expiry-days", type=int, default=60, metavar="N",
                        help="warn when the timestamp expires within N days (default 60)")

    sp = sub.add_parser("show", help="kind, envelope, attachments, events and verdict")
    sp.add_argument("file", type=Path, metavar="FILE")
    trust_opts(sp)
    sp.set_defaults(handler=cmd_show)
    sp = sub.add_parser("verify", help="one verdict per file (exit 1 if any is not trusted)")
    sp.add_argument("files", type=Path, nargs="+", metavar="FILE")
    trust_opts(sp)
    sp.set_defaults(handler=cmd_verify)
    sp = sub.add_parser("extract", help="write the attachments with safe names")
    sp.add_argument("file", type=Path, metavar="FILE")
    sp.add_argument("--out", type=Path, required=True, metavar="DIR")
    sp.set_defaults(handler=cmd_extract)
    p.set_defaults(handler=lambda args, ctx: _usage(p))


def _usage(p: argparse.ArgumentParser) -> int:
    text = "zfo needs an action: show, verify or extract"
    err = UsageError(tr(text, "en") + "\n" + p.format_usage())
    err.message_cs = tr(text, "cs") + "\n" + p.format_usage()
    raise err


def _zfo_error(file: Path, exc: Any) -> CliError:
    """A ZfoError about ``file``: English with the error's text, Czech with its Czech."""
    err = CliError(f"{file}: {exc}")
    err.message_cs = f"{file}: {exc.message_cs}"
    return err


@contextmanager
def _service(args: argparse.Namespace, ctx: CliContext) -> Iterator[Any]:
    """The ZFO service the GUI's viewer uses, with the trust the options ask for.

    ``--trust``: exactly those CAs, for every file. Otherwise the application's trust store
    (``services.trust.open_trust_store``, the one ``App`` builds): the shipped PostSignum
    CAs, certificates cached in the data folder's ``cache/trust``, the anchors the user
    added, downloads through the user's proxy. A file that is the stored evidence of an
    account's message (or that one of the accounts would file) is verified in that account's
    scope, as in the GUI. Without an archive in the data folder none is created: the global
    scope, the system's proxy.
    """
    from dso_desktop.services.zfofiles import ZfoService

    if args.expiry_days < 0:
        raise localized(UsageError, "--expiry-days must not be negative")
    if args.trust:
        from dso_desktop.zfo.trust import TrustStore

        try:
            given = TrustStore.from_paths(args.trust)
        except (OSError, ValueError) as exc:
            raise localized(CliError, "cannot read trust certificates: {error}",
                            error=exc) from None
        yield ZfoService(None, lambda account_id=None: given)
        return
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.storeconfig import resolve_store_url

    paths = AppPaths.default(ctx.data_dir)
    store_url = resolve_store_url(paths, ctx.store)  # an office archive (issue 13)
    if store_url is None and not paths.database.exists():
        from dso_desktop.services.trust import open_trust_store

        store = open_trust_store(paths.cache, offline=args.offline)
        yield ZfoService(None, lambda account_id=None: store)
        return
    from dso_desktop.app import App

    try:
        app = App.open(paths, offline=args.offline, store_url=store_url)
    except Exception as exc:
        raise localized(CliError, "cannot open the archive: {error}", error=exc) from None
    with app:
        yield app.zfo


def _read(path: Path) -> bytes:
    from dso_desktop.zfo.parse import MAX_ZFO_SIZE

    try:
        size = path.stat().st_size
        if size > MAX_ZFO_SIZE:
            from dso_desktop.zfo.errors import TooLargeError

            raise TooLargeError(f"{size} bytes, more than the {MAX_ZFO_SIZE} allowed")
        return path.read_bytes()
    except OSError as exc:
        err = CliError(f"{path}: {exc.strerror or exc}")
        err.message_cs = os_error_text(exc, "cs")
        raise err from None


def _iso(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def zfo_summary(z: Any) -> dict[str, Any]:
    """The JSON form of a parsed ZFO (shared by show and tests)."""
    e = z.envelope
    return {
        "kind": z.kind.value,
        "dm_id": e.message_id,
        "sender": {"box_id": e.sender_box_id, "name": e.sender_name,
                   "address": e.sender_address, "type": e.sender_type},
        "recipient": {"box_id": e.recipient_box_id, "name": e.recipient_name,
                      "address": e.recipient_address},
        "subject": e.subject,
        "message_type": e.message_type,
        "status": e.status,
        "delivered_at": _iso(e.delivered_at),
        "accepted_at": _iso(e.accepted_at),
        "big_message": e.big_message,
        "attachments": [
            {"name": a.name, "mime_type": a.mime_type,
             "role": a.role.value if a.role else None, "size": a.size,
             "external": a.external_id is not None}
            for a in z.attachments
        ],
        "events": [{"at": _iso(ev.at), "description": ev.description} for ev in z.events],
        "signer": z.signer.subject if z.signer else None,
        "signing_time": _iso(z.signing_time),
        "timestamp_time": _iso(z.timestamp.gen_time) if z.timestamp else None,
    }


def cmd_show(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import ZfoKind
    from dso_desktop.zfo.errors import ZfoError

    data = _read(args.file)
    with _service(args, ctx) as service:
        try:
            view = service.view(data, args.file, expiry_warning_days=args.expiry_days)
        except ZfoError as exc:
            raise _zfo_error(args.file, exc) from None
    obj = zfo_summary(view.zfo)
    obj["file"] = str(args.file)
    obj["verdict"] = view.verdict.to_json()

    def text(o: dict[str, Any]) -> str:
        kinds = {ZfoKind.RECEIVED: tr("received message"),
                 ZfoKind.SENT: tr("sent message"),
                 ZfoKind.DELIVERY_INFO: tr("delivery info")}
        rows = [
            (tr("File"), o["file"]),
            (tr("Kind"), kinds.get(o["kind"], o["kind"])),
            (tr("Message ID"), o["dm_id"]),
            (tr("Sender"), f"{o['sender']['name']} ({o['sender']['box_id']})"),
            (tr("Recipient"), f"{o['recipient']['name']} ({o['recipient']['box_id']})"),
            (tr("Subject"), o["subject"] or ""),
            (tr("Delivered"), o["delivered_at"] or "-"),
            (tr("Accepted"), o["accepted_at"] or "-"),
            (tr("Sealed"), o["signing_time"] or "-"),
        ]
        width = max(len(k) for k, _v in rows) + 2
        lines = [f"{(k + ':').ljust(width)}{v}" for k, v in rows]
        if o["attachments"]:
            lines.append(tr("Attachments") + ":")
            lines += [f"  {a['name']}  ({a['size']} B, {a['mime_type'] or '?'}, "
                      f"{a['role'] or '?'})" for a in o["attachments"]]
        if o["events"]:
            lines.append(tr("Events") + ":")
            lines += [f"  {ev['at']}  {ev['description']}" for ev in o["events"]]
        v = o["verdict"]
        lines.append(f"{(tr('Verification') + ':').ljust(width)}{v['verdict']}")
        reasons = v["reasons_cs"] if language() == "cs" else v["reasons"]
        lines += [f"  - {r}" for r in reasons]
        return "\n".join(lines)

    ctx.emit(obj, text)
    return 0


def cmd_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.zfo.errors import ZfoError

    results: list[dict[str, Any]] = []
    failed = False
    with _service(args, ctx) as service:
        for path in args.files:
            try:
                data = _read(path)
            except (CliError, ZfoError) as exc:
                results.append({"file": str(path), "kind": None, "dm_id": None,
                                "verdict": "invalid", "reasons": [str(exc)],
                                "reasons_cs": ["Soubor nelze přečíst."], "signing_time": None,
                                "timestamp_expires": None})
                failed = True
                continue
            v = service.verify(data, expiry_warning_days=args.expiry_days)
            failed = failed or not v.ok
            results.append({"file": str(path), **v.to_json()})

    def text(items: list[dict[str, Any]]) -> str:
        out = []
        for it in items:
            out.append(f"{it['file']}: {it['verdict']}"
                       + (f" ({it['kind']} {it['dm_id']})" if it["dm_id"] else ""))
            reasons = it.get("reasons_cs") if language() == "cs" else it["reasons"]
            out += [f"  - {r}" for r in reasons or it["reasons"]]
        return "\n".join(out)

    ctx.emit(results, text)
    return 1 if failed else 0


def cmd_extract(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.zfo.errors import ZfoError
    from dso_desktop.zfo.extract import extract_attachments
    from dso_desktop.zfo.parse import parse_zfo

    data = _read(args.file)
    try:
        z = parse_zfo(data)
        paths = extract_attachments(z, args.out)
    except ZfoError as exc:
        raise _zfo_error(args.file, exc) from None
    except OSError as exc:
        err = CliError(f"{args.out}: {exc.strerror or exc}")
        err.message_cs = os_error_text(exc, "cs")
        raise err from None
    skipped = [a.name for a in z.attachments if a.external_id is not None]
    obj = {"file": str(args.file), "written": [str(p) for p in paths],
           "skipped_external": skipped}

    def text(o: dict[str, Any]) -> str:
        lines = list(o["written"])
        lines += [tr("(not saved: a big-message attachment kept outside the file: {name})",
                     name=n) for n in o["skipped_external"]]
        return "\n".join(lines) if lines else tr("(no attachments)")

    ctx.emit(obj, text)
    return 0
