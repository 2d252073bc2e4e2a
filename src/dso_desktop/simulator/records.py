"""A loopback records-management service (spisová služba) for tests and the training mode.

It speaks the REST interface of docs/records.md (service_info, upload_hierarchy, upload_file,
stored_files; ``Authentication: <token>``) over HTTPS with the simulator's CA, keeps what was
uploaded in memory, and can read an NSESSS Annex 7 batch and answer it with a confirmation
(`PrenosPotvrzeni`), so that both hand-over paths run without a real eSSL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

from dso_desktop.net import is_loopback
from dso_desktop.records import nsesss
from dso_desktop.simulator.pki import load_or_create

MAX_BODY = 64 * 1024 * 1024

HIERARCHY: dict[str, Any] = {
    "name": "Obec Lhota pod Lesem", "id": None, "metadata": [], "sub": [
        {"name": "Podatelna", "id": "podatelna", "metadata": [], "sub": []},
        {"name": "Stavební úřad", "id": None, "metadata": [], "sub": [
            {"name": "Stavební povolení 2026", "id": "su-2026", "metadata": ["SZ 12/2026"],
             "sub": []},
        ]},
        {"name": "Matrika", "id": "matrika", "metadata": [], "sub": []},
    ]}


def _node_ids(node: dict[str, Any]) -> set[str]:
    out = {node["id"]} if node.get("id") else set()
    for s in node.get("sub", []):
        out |= _node_ids(s)
    return out


@dataclass
class StoredFile:
    id: str
    node_ids: list[str]
    file_name: str
    sha256: str
    dm_id: str
    delivery_info: bool
    data: bytes


@dataclass
class RecordsState:
    token: str
    limit: int = 50
    files: list[StoredFile] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def locations(self, dm_id: str, delivery_info: bool) -> list[str]:
        with self.lock:
            return sorted({f"{nid}/{f.file_name}" for f in self.files
                           if f.dm_id == dm_id and f.delivery_info == delivery_info
                           for nid in f.node_ids})


def _error(code: str, description: str) -> dict[str, Any]:
    return {"code": code, "description": description}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no bodies in logs
        pass

    def _reply(self, obj: Any, status: int = 200) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        # Datovka spells it "Authentication" (not "Authorization"); so do we.
        given = self.headers.get("Authentication", "").encode("utf-8", "surrogateescape")
        if secrets.compare_digest(given, self.server.state.token.encode()):
            return True
        self._reply({"error": _error("UNSPECIFIED", "invalid token")}, 401)
        return False

    def do_GET(self) -> None:
        if not self._authorised():
            return
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        if name == "service_info":
            logo = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode()
            self._reply({"logo_svg": logo, "name": "Cvičná spisová služba",
                         "token_name": "Cvičný token"})
        elif name == "upload_hierarchy":
            self._reply(HIERARCHY)
        else:
            self._reply({"error": _error("MALFORMED_REQUEST", "unknown service")}, 404)

    def do_POST(self) -> None:
        if not self._authorised():
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._reply({"error": _error("MALFORMED_REQUEST", "too large")}, 413)
            return
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._reply({"error": _error("MALFORMED_REQUEST", "not a JSON object")}, 400)
            return
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        if name == "upload_file":
            self._reply(self._upload(body))
        elif name == "stored_files":
            self._reply(self._stored(body))
        else:
            self._reply({"error": _error("MALFORMED_REQUEST", "unknown service")}, 404)

    def _upload(self, body: dict[str, Any]) -> dict[str, Any]:
        from dso_desktop.zfo import ZfoError, ZfoKind, parse_zfo

        fail: dict[str, Any] = {"id": None, "locations": []}
        ids, name, content = body.get("ids"), body.get("file_name"), body.get("file_content")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return {**fail, "error": _error("MISSING_IDENTIFIER", "no target node")}
        if not set(ids) <= _node_ids(HIERARCHY):
            return {**fail, "error": _error("WRONG_IDENTIFIER", "unknown node")}
        if not isinstance(name, str) or not isinstance(content, str):
            return {**fail, "error": _error("MALFORMED_REQUEST", "file_name/file_content")}
        try:
            data = base64.b64decode(content, validate=True)
            parsed = parse_zfo(data)
        except (ValueError, ZfoError):
            return {**fail, "error": _error("UNSUPPORTED_FILE_FORMAT", "not a signed ZFO")}
        sha = hashlib.sha256(data).hexdigest()
        state = self.server.state
        with state.lock:
            if any(f.sha256 == sha and set(ids) <= set(f.node_ids) for f in state.files):
                return {**fail, "error": _error("ALREADY_PRESENT", "already stored")}
            f = StoredFile(f"f{len(state.files) + 1}", list(ids), name, sha,
                           parsed.envelope.message_id,
                           parsed.kind is ZfoKind.DELIVERY_INFO, data)
            state.files.append(f)
        return {"id": f.id, "error": None,
                "locations": [f"{nid}/{name}" for nid in ids]}

    def _stored(self, body: dict[str, Any]) -> dict[str, Any]:
        state = self.server.state
        dm_ids, di_ids = body.get("dm_ids") or [], body.get("di_ids") or []
        if not isinstance(dm_ids, list) or not isinstance(di_ids, list):
            return {"dms": [], "dis": [], "limit": state.limit,
                    "error": _error("MALFORMED_REQUEST", "dm_ids/di_ids")}
        if len(dm_ids) + len(di_ids) > state.limit:
            return {"dms": [], "dis": [], "limit": state.limit,
                    "error": _error("LIMIT_EXCEEDED", f"at most {state.limit} ids")}
        return {"dms": [{"dm_id": str(d), "locations": state.locations(str(d), False)}
                        for d in dm_ids],
                "dis": [{"di_id": str(d), "locations": state.locations(str(d), True)}
                        for d in di_ids],
                "limit": state.limit, "error": None}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr: tuple[str, int], state: RecordsState,
                 ctx: ssl.SSLContext) -> None:
        super().__init__(addr, _Handler)
        self.state = state
        self.ctx = ctx

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        return self.ctx.wrap_socket(sock, server_side=True), addr


@dataclass(frozen=True)
class RecordsServiceInfo:
    url: str
    ca_file: str
    token: str

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "ca_file": self.ca_file, "token": self.token}


class RecordsSimulator:
    """The loopback service: ``start() -> RecordsServiceInfo``; ``stop()``."""

    def __init__(self, state_dir: Path | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, token: str | None = None, limit: int = 50) -> None:
        if not is_loopback(host):
            raise ValueError(f"the records service listens on loopback only, not {host!r}")
        self._tmp = None if state_dir else tempfile.TemporaryDirectory(prefix="dso-rec-")
        directory = Path(state_dir) if state_dir else Path(self._tmp.name)  # type: ignore[union-attr]
        self.pki = load_or_create(directory / "pki", persistent=state_dir is not None)
        self.state = RecordsState(token or secrets.token_urlsafe(24), limit)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.pki.server_cert_file, self.pki.server_key_file)
        self.httpd = _Server((host, port), self.state, ctx)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="records-sim",
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.host = host

    def start(self) -> RecordsServiceInfo:
        self.thread.start()
        host = f"[{self.host}]" if ":" in self.host else self.host
        return RecordsServiceInfo(f"https://{host}:{self.httpd.server_address[1]}/records",
                                  str(self.pki.ca_file), self.state.token)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> RecordsSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def confirm_batch(zip_path: Path, *, system_id: str = "ESSL",
                  refuse: dict[str, str] | None = None,
                  now: datetime | None = None) -> bytes:
    """Read a transfer batch as a receiving eSSL would and answer with a confirmation.

    Every entity whose XML hash (`Otisk`) matches and whose id is not in ``refuse`` (IdEntity
    -> reason) is ``nacteno``; the others ``nenacteno`` with the reason. The batch status is
    ``nacteno`` only when every entity was loaded."""
    refuse = dict(refuse or {})
    parser = nsesss.safe_parser()
    ns = {"a": nsesss.API_NS}
    statuses: list[nsesss.EntityStatus] = []
    with zipfile.ZipFile(zip_path) as z:
        manifest = etree.fromstring(z.read(nsesss.MANIFEST), parser)
        batch_id = manifest.findtext("a:DavkaId", namespaces=ns) or ""
        source = manifest.findtext("a:Zdroj", namespaces=ns) or ""
        target = manifest.findtext("a:Cil", namespaces=ns) or ""
        for e in manifest.iterfind("a:Obsah/a:Entita", ns):
            path = f"{e.get('Umisteni')}/{e.get('Jmeno')}"
            try:
                ok = hashlib.sha256(z.read(path)).hexdigest() == e.get("Otisk")
            except KeyError:
                ok = False
            eid = e.get("IdEntity", "")
            reason = refuse.get(eid) or (None if ok else "otisk nesouhlasí")
            statuses.append(nsesss.EntityStatus(
                int(e.get("Poradi", "0")), e.get("TypEntity", ""), eid,
                nsesss.NOT_LOADED if reason else nsesss.LOADED, reason))
    loaded = [s for s in statuses if s.status == nsesss.LOADED]
    status = (nsesss.LOADED if len(loaded) == len(statuses) else
              nsesss.NOT_LOADED if not loaded else nsesss.PARTLY_LOADED)
    return nsesss.confirmation_xml(nsesss.Confirmation(
        confirmed_at=now or datetime.now(UTC), source=system_id, target=source,
        batch_id=batch_id, batch_source=source, batch_target=target, status=status,
        note=None, entities=tuple(statuses)))
