"""The public face: ``Simulator`` (start/stop, control API) and the ``/_sim`` HTTPS control."""

from __future__ import annotations

import hmac
import json
import secrets
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dso_desktop.paths import private_dir
from dso_desktop.simulator.clock import SimClock
from dso_desktop.simulator.dispatcher import Reply, SimulatorCore
from dso_desktop.simulator.generator import GeneratedAccount, build_world
from dso_desktop.simulator.pki import load_or_create
from dso_desktop.simulator.server import HttpFront, json_reply

AUTOSAVE_SECONDS = 30.0


@dataclass(frozen=True)
class SimAccount:
    username: str
    password: str
    box_id: str
    box_type: str
    login_method: str
    description: str = ""
    cert_file: str | None = None  # for certificate logins: PEM client certificate
    key_file: str | None = None  # and its private key (unencrypted PEM)
    mobile_code: str | None = None  # Mobile key: the "komunikační kód" used instead of a password


@dataclass(frozen=True)
class SimulatorInfo:
    url: str
    ca_file: str
    accounts: list[SimAccount]
    control_token: str = ""  # header X-Sim-Token for /_sim/... (other local users stay out)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "ca_file": self.ca_file,
                "accounts": [asdict(a) for a in self.accounts],
                "control_token": self.control_token}


class Simulator:
    """A loopback ISDS. In memory without ``state_dir``; persisted (CA, world) with one."""

    def __init__(self, state_dir: Path | None = None, *, seed: int = 0, messages: int = 0,
                 host: str = "127.0.0.1", port: int = 0, now: datetime | None = None,
                 evidence_days: float | None = None) -> None:
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.seed = seed
        self.messages = messages
        self.host = host
        self.port = port
        self._tmp: Path | None = None
        self._front: HttpFront | None = None
        self._accounts: list[GeneratedAccount] = []
        self._saver: threading.Thread | None = None
        self._last_port = 0
        self._stop_saver = threading.Event()
        self.info: SimulatorInfo | None = None
        root = self._root()
        self.pki = load_or_create(root / "pki", persistent=self.state_dir is not None)
        loaded = None
        if self.state_dir is not None:
            from dso_desktop.simulator.persist import load

            loaded = load(self.state_dir)
        if loaded is not None:
            world, extra = loaded
            self.clock = SimClock()
            self.clock.set_offset(timedelta(seconds=float(extra.get("clock_offset", 0))))
            self._accounts = [GeneratedAccount(**a) for a in extra["accounts"]]
            self._last_port = int(extra.get("port") or 0)
        else:
            self.clock = SimClock(now)
            world, self._accounts = build_world(seed, messages,
                                                now=now or datetime.now(UTC))
        self.core = SimulatorCore(world, self.pki, self.clock)
        self.core.set_evidence_days(evidence_days)
        self.world = world
        self.faults = self.core.faults

    def _root(self) -> Path:
        if self.state_dir is not None:
            # An existing folder is the caller's (`dso sim serve --state`); a new one is private.
            return private_dir(self.state_dir, tighten_existing=False)
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="dso-sim-"))
        return self._tmp

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> SimulatorInfo:
        self._front = None
        if self.port == 0 and self._last_port:
            # A persisted training setup keeps its URL (accounts saved in the app use it).
            try:
                self._front = HttpFront(self.core, self.host, self._last_port, self._control)
            except OSError:
                self._front = None
        if self._front is None:
            self._front = HttpFront(self.core, self.host, self.port, self._control)
        self._last_port = self._front.port
        self._front.start()
        if self.state_dir is not None:
            self._stop_saver.clear()
            self._saver = threading.Thread(target=self._autosave, name="isds-simulator-save",
                                           daemon=True)
            self._saver.start()
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"https://{host}:{self._front.port}"
        accounts = []
        for a in self._accounts:
            cert = key = None
            if a.login_method in ("cert", "cert-password", "hosted"):
                cert_path, key_path = self.issue_client_cert(a.username)
                cert, key = str(cert_path), str(key_path)
            user = self.world.users.get(a.username)
            accounts.append(SimAccount(a.username, a.password, a.box_id, a.box_type,
                                       a.login_method, a.description, cert, key,
                                       user.mobile_code if user else None))
        self.info = SimulatorInfo(url, str(self.pki.ca_file), accounts,
                                  secrets.token_urlsafe(18))
        return self.info

    def _autosave(self) -> None:
        """A training setup survives even a hard kill: save when requests changed things."""
        seen = self.core.requests
        while not self._stop_saver.wait(AUTOSAVE_SECONDS):
            if self.core.requests != seen:
                seen = self.core.requests
                self.save()

    def stop(self) -> None:
        self._stop_saver.set()
        if self._saver is not None:
            self._saver.join(timeout=10)
            self._saver = None
        if self._front is not None:
            self._front.stop()
            self._front = None
        self.save()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def save(self) -> Path | None:
        if self.state_dir is None:
            return None
        from dso_desktop.simulator.persist import save

        with self.world.lock:
            return save(self.world, self.state_dir, {
                "clock_offset": self.clock.offset.total_seconds(),
                "port": self._last_port,
                "accounts": [asdict(a) for a in self._accounts],
            })

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def tsa_url(self) -> str:
        """The loopback RFC 3161 TSA (archive timestamps; trust anchor: ``ca_file``)."""
        return f"{self.url}/_tsa"

    @property
    def url(self) -> str:
        if self.info is None:
            raise RuntimeError("simulator not started")
        return self.info.url

    # -- control -------------------------------------------------------------------------
    def account(self, login_method: str = "password", box_type: str | None = None
                ) -> SimAccount:
        """The first account with this login method (and box type)."""
        pool = self.info.accounts if self.info else [
            SimAccount(a.username, a.password, a.box_id, a.box_type, a.login_method,
                       a.description) for a in self._accounts]
        return next(a for a in pool if a.login_method == login_method and (
            box_type is None or a.box_type == box_type))

    def sms_code(self, username: str) -> str | None:
        with self.world.lock:
            entry = self.world.sms.get(username)
        return entry[0] if entry else None

    def approve_mobile_key(self, username: str, approve: bool = True) -> bool:
        return self.core.auth.approve_mobile_key(username, approve=approve)

    def hotp_code(self, username: str) -> str:
        """The next valid HOTP code (what the user's token would show)."""
        from dso_desktop.simulator.auth import hotp

        user = self.world.users[username]
        assert user.hotp_secret is not None
        return hotp(bytes.fromhex(user.hotp_secret), user.hotp_counter)

    def issue_client_cert(self, username: str) -> tuple[Path, Path]:
        """PEM certificate and key files from the simulator CA, registered to ``username``."""
        cert, key, sha = self.pki.issue_client_cert(username, self._root() / "clients")
        with self.world.lock:
            self.world.users[username].cert_sha256.append(sha)
        return cert, key

    def set_evidence_days(self, days: float | None) -> None:
        """Evidence issued from now on stops being verifiable ``days`` after the simulator's
        clock (its TSA certificate ends then); None: the long-lived TSA again."""
        if days is not None and days < 0:
            raise ValueError("evidence days must not be negative")
        self.core.set_evidence_days(days)

    def expire_password(self, username: str) -> None:
        with self.world.lock:
            self.world.users[username].password_expires = self.clock.now() - timedelta(
                seconds=1)

    def _control(self, path: str, query: dict[str, list[str]], body: bytes,
                 headers: dict[str, str]) -> Reply:
        """``/_sim/...`` JSON control for a simulator in another process."""
        token = self.info.control_token if self.info else ""
        given = headers.get("x-sim-token") or (query.get("token") or [""])[0]
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            return json_reply({"error": "missing or wrong X-Sim-Token"}, 403)
        try:
            args: dict[str, Any] = json.loads(body) if body.strip() else {}
        except ValueError:
            return json_reply({"error": "body must be JSON"}, 400)
        for k, v in query.items():
            args.setdefault(k, v[0])
        name = path.removeprefix("/_sim/").strip("/")
        try:
            if name == "info":
                return json_reply(self.info.to_json() if self.info else {})
            if name == "clock":
                return json_reply({"now": self.clock.now().isoformat()})
            if name == "advance":
                now = self.clock.advance(days=float(args.get("days", 0)),
                                         hours=float(args.get("hours", 0)),
                                         minutes=float(args.get("minutes", 0)),
                                         seconds=float(args.get("seconds", 0)))
                return json_reply({"now": now.isoformat()})
            if name == "fault":
                fault = self.faults.inject(args.get("operation"), str(args["mode"]),
                                           times=int(args["times"]) if args.get("times")
                                           else None,
                                           delay=float(args["delay"]) if args.get("delay")
                                           is not None else None)
                return json_reply(fault.to_json())
            if name == "faults":
                return json_reply({"active": [f.to_json() for f in self.faults.active()],
                                   "committed": dict(self.faults.committed)})
            if name == "faults/clear":
                self.faults.clear(args.get("operation"))
                return json_reply({"cleared": True})
            if name == "sms":
                return json_reply({"code": self.sms_code(str(args["username"]))})
            if name == "approve":
                ok = self.approve_mobile_key(str(args["username"]),
                                             approve=args.get("approve", True) is not False)
                return json_reply({"approved": ok})
            if name == "hotp":
                return json_reply({"code": self.hotp_code(str(args["username"]))})
            if name == "client-cert":
                cert, key = self.issue_client_cert(str(args["username"]))
                return json_reply({"cert_file": str(cert), "key_file": str(key)})
            if name == "evidence":
                days = args.get("days")
                self.set_evidence_days(None if days in (None, "") else float(days))
                return json_reply({"evidence_days": self.core.evidence_days})
            if name == "save":
                return json_reply({"saved": str(self.save())})
        except (KeyError, ValueError, StopIteration) as exc:
            return json_reply({"error": f"bad control request: {exc}"}, 400)
        return json_reply({"error": f"unknown control {name!r}"}, 404)
