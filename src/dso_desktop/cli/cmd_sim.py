"""`dso sim serve`: run the loopback ISDS simulator and print how to reach it."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, UsageError, localized


def add_parser(subparsers: Any) -> None:
    sim = subparsers.add_parser("sim", help="loopback ISDS simulator (training, tests)")
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND")
    serve = sim_sub.add_parser(
        "serve", help="serve the simulator until interrupted",
        description="Start the ISDS simulator on a loopback address and print one JSON line "
                    "with url, ca_file and accounts once it accepts connections.")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: any free one)")
    serve.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    serve.add_argument("--messages", type=int, default=20,
                       help="generated messages of the demo municipality (default 20)")
    serve.add_argument("--state-dir", type=Path, default=None,
                       help="keep CA and world here across restarts (default: in memory)")
    serve.add_argument("--evidence-days", type=float, default=None, metavar="N",
                       help="the timestamps and TSA certificates of the evidence issued "
                            "stop being valid N days from now (re-signing gives fresh "
                            "evidence); also POST /_sim/evidence {\"days\": N}")
    serve.set_defaults(handler=serve_command)
    rec = sim_sub.add_parser(
        "records-serve", help="serve a loopback records-management service (REST)",
        description="Start the training records service (spisová služba) on a loopback "
                    "address and print one JSON line with url, ca_file and token.")
    rec.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    rec.add_argument("--port", type=int, default=0, help="TCP port (default: any free one)")
    rec.add_argument("--state-dir", type=Path, default=None,
                     help="keep its CA here across restarts (default: temporary)")
    rec.set_defaults(handler=records_serve_command)
    conf = sim_sub.add_parser(
        "records-confirm", help="answer a transfer batch as the training records service",
        description="Read a transfer batch (ZIP) and write the confirmation "
                    "(PrenosPotvrzeni) a receiving records system would send.")
    conf.add_argument("batch", type=Path, metavar="BATCH.zip")
    conf.add_argument("--out", type=Path, required=True, metavar="FILE.xml")
    conf.add_argument("--refuse", action="append", default=[], metavar="IDENTITY=REASON",
                      help="report this entity as not loaded (repeatable)")
    conf.set_defaults(handler=records_confirm_command)
    sim.set_defaults(handler=lambda args, ctx: _missing(sim))


def _missing(parser: argparse.ArgumentParser) -> int:
    raise localized(UsageError,
                    "dso sim: choose a subcommand (serve, records-serve, records-confirm)")


def _wait_for_signal() -> tuple[threading.Event, dict[Any, Any]]:
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    return stop, {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}


def records_serve_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.net import is_loopback
    from dso_desktop.simulator.records import RecordsSimulator

    if not is_loopback(args.host):
        raise localized(UsageError, "--host must be a loopback address, not {host!r}",
                        host=args.host)
    if not 0 <= args.port <= 65535:
        raise localized(UsageError, "--port must be 0-65535")
    service = RecordsSimulator(args.state_dir, host=args.host, port=args.port)
    stop, previous = _wait_for_signal()
    try:
        info = service.start()
        ctx.out.write(json.dumps(info.to_json(), ensure_ascii=False) + "\n")
        ctx.out.flush()
        while not stop.wait(0.5):
            pass
    finally:
        service.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0


def records_confirm_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.paths import atomic_write
    from dso_desktop.simulator.records import confirm_batch

    refuse = {}
    for item in args.refuse:
        ident, sep, reason = item.partition("=")
        if not sep or not ident:
            raise localized(UsageError, "--refuse needs IDENTITY=REASON, not {item!r}",
                            item=item)
        refuse[ident] = reason or "nenačteno"
    data = confirm_batch(args.batch, refuse=refuse)
    atomic_write(args.out, data)
    ctx.out.write(f"{args.out}\n")
    return 0


def serve_command(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.net import is_loopback
    from dso_desktop.simulator import Simulator

    if not is_loopback(args.host):
        raise localized(UsageError, "--host must be a loopback address, not {host!r}",
                        host=args.host)
    if not 0 <= args.port <= 65535 or args.messages < 0:
        raise localized(UsageError, "--port must be 0-65535 and --messages not negative")
    if args.evidence_days is not None and args.evidence_days < 0:
        raise localized(UsageError, "--evidence-days must not be negative")
    sim = Simulator(args.state_dir, seed=args.seed, messages=args.messages, host=args.host,
                    port=args.port, evidence_days=args.evidence_days)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        info = sim.start()
        ctx.out.write(json.dumps(info.to_json(), ensure_ascii=False) + "\n")
        ctx.out.flush()
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0
