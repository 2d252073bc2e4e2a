"""Client of the records-management REST service that Datovka speaks (CZ.NIC).

No prose specification is public; the shape follows Datovka's client code (see
../shared/records-spec/REST-API.md and docs/records.md): URL = base URL + ``/`` + service name;
headers ``Authentication: <token>`` (so spelled), ``Accept`` and ``Content-Type``
``application/json``; GET for ``service_info`` and ``upload_hierarchy``, POST with a JSON body
for ``upload_file`` and ``stored_files``. TLS verification is always on: the system roots plus
an optional extra CA (PEM or DER); there is no "ignore SSL errors" switch.

Every answer is checked before use (types, sizes); a malformed answer is a
`RestServiceError`, never a half-read result.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dso_desktop import net
from dso_desktop.records.errors import RestServiceError

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
KNOWN_CODES = ("MALFORMED_REQUEST", "MISSING_IDENTIFIER", "WRONG_IDENTIFIER",
               "UNSUPPORTED_FILE_FORMAT", "ALREADY_PRESENT", "LIMIT_EXCEEDED", "UNSPECIFIED")


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    token_name: str
    logo_svg: bytes | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "token_name": self.token_name,
                "has_logo": self.logo_svg is not None}


@dataclass(frozen=True)
class HierarchyNode:
    """A node of the upload hierarchy; ``id`` None means it cannot take files itself."""

    name: str
    id: str | None
    metadata: tuple[str, ...] = ()
    sub: tuple[HierarchyNode, ...] = field(default=())

    def walk(self, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], HierarchyNode]]:
        here = (*path, self.name)
        out = [(here, self)]
        for s in self.sub:
            out += s.walk(here)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.id, "metadata": list(self.metadata),
                "sub": [s.to_json() for s in self.sub]}


@dataclass(frozen=True)
class UploadResult:
    id: str
    locations: tuple[str, ...]


@dataclass(frozen=True)
class StoredFiles:
    dms: dict[str, tuple[str, ...]]  # dmID -> locations ([] = not held)
    dis: dict[str, tuple[str, ...]]
    limit: int | None


def zfo_file_name(dm_id: str, received: bool | None) -> str:
    """The name Datovka uploads a message under: DDZ_ (received), ODZ_ (sent), DZ_."""
    prefix = "DZ" if received is None else ("DDZ" if received else "ODZ")
    return f"{prefix}_{dm_id}.zfo"


def _ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    try:
        return net.client_tls_context(ca_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise RestServiceError(f"cannot load the extra CA file {ca_file}: {exc}") from None


def _str(obj: Any, key: str, *, optional: bool = False) -> str | None:
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise RestServiceError(f"malformed answer: {key!r} is not a string")
    return v


def _strings(v: Any, what: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise RestServiceError(f"malformed answer: {what} is not a list of strings")
    return tuple(v)


def _node(obj: Any, depth: int = 0) -> HierarchyNode:
    if depth > MAX_DEPTH:
        raise RestServiceError("malformed answer: the upload hierarchy is too deep")
    if not isinstance(obj, dict):
        raise RestServiceError("malformed answer: a hierarchy node is not an object")
    name = _str(obj, "name") or ""
    node_id = obj.get("id")
    if node_id is not None and not isinstance(node_id, str):
        raise RestServiceError("malformed answer: a node id is not a string")
    subs = obj.get("sub") or []
    if not isinstance(subs, list):
        raise RestServiceError("malformed answer: 'sub' is not a list")
    return HierarchyNode(name, node_id, _strings(obj.get("metadata"), "metadata"),
                         tuple(_node(s, depth + 1) for s in subs))


def _check_error(obj: Any) -> None:
    err = obj.get("error") if isinstance(obj, dict) else None
    if err is None:
        return
    if not isinstance(err, dict):
        raise RestServiceError("the service reported an error it did not describe")
    code = err.get("code") if isinstance(err.get("code"), str) else "UNSPECIFIED"
    descr = err.get("description") if isinstance(err.get("description"), str) else ""
    raise RestServiceError(f"the records service refused the request: {code}"
                           + (f" ({descr[:300]})" if descr else ""), code=code,
                           description=descr or None)


class RecordsRestClient:
    """One records-management service: ``base_url`` (https only), ``token``, extra CA."""

    def __init__(self, base_url: str, token: str, *, ca_file: Path | None = None,
                 config: net.NetConfig | None = None, session: Any = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise RestServiceError("the records service URL must be https://host/...")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise RestServiceError("the records service URL must not hold credentials, a "
                                   "query or a fragment")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._config = config or net.NetConfig()
        self._ctx = _ssl_context(ca_file)
        self._session = session if session is not None else self._new_session()
        self._proxies = net.ProxyResolver(self._config.proxy)

    def _new_session(self) -> Any:
        return net.new_session(tls=self._ctx)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> RecordsRestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ------------------------------------------------------------------------
    def _call(self, service: str, body: dict[str, Any] | None) -> Any:
        import requests

        url = f"{self.base_url}/{service}"
        headers = {"Authentication": self._token, "Accept": "application/json",
                   "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        try:
            resp = self._session.request(
                "POST" if data is not None else "GET", url, data=data, headers=headers,
                timeout=self._config.timeouts, allow_redirects=False, stream=True,
                proxies=self._proxies.for_url(url))
        except requests.exceptions.SSLError:
            raise RestServiceError(f"TLS failure talking to {self.base_url} (certificate "
                                   "not trusted? give the service's CA as extra CA)") from None
        except requests.exceptions.RequestException as exc:
            raise RestServiceError(f"cannot reach {self.base_url}: "
                                   f"{type(exc).__name__}") from None
        try:
            raw = resp.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
        finally:
            resp.close()
        if len(raw) > MAX_ANSWER_BYTES:
            raise RestServiceError(f"{service}: the answer is too large")
        if resp.status_code in (401, 403):
            raise RestServiceError(f"{service}: the service refused the token "
                                   f"(HTTP {resp.status_code})", code="UNAUTHORISED")
        try:
            obj = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            obj = None
        if resp.status_code != 200:
            if isinstance(obj, dict):
                _check_error(obj)
            raise RestServiceError(f"{service}: HTTP {resp.status_code}")
        if obj is None:
            raise RestServiceError(f"{service}: the answer is not JSON")
        log.info("records service %s: %s OK", self.base_url, service)
        return obj

    # -- the four services ----------------------------------------------------------------
    def service_info(self) -> ServiceInfo:
        obj = self._call("service_info", None)
        _check_error(obj)
        logo = _str(obj, "logo_svg", optional=True)
        svg: bytes | None = None
        if logo:
            try:
                svg = base64.b64decode(logo, validate=True)
            except ValueError:
                svg = None
        return ServiceInfo(_str(obj, "name") or "", _str(obj, "token_name", optional=True)
                           or "", svg)

    def upload_hierarchy(self) -> HierarchyNode:
        obj = self._call("upload_hierarchy", None)
        _check_error(obj)
        return _node(obj)

    def upload_file(self, node_ids: Sequence[str], file_name: str,
                    content: bytes) -> UploadResult:
        """Upload one file (the complete signed ZFO, unchanged) into the given nodes."""
        if not node_ids:
            raise RestServiceError("choose at least one target node")
        obj = self._call("upload_file", {
            "ids": list(node_ids), "file_name": file_name,
            "file_content": base64.b64encode(content).decode("ascii")})
        _check_error(obj)
        return UploadResult(_str(obj, "id") or "", _strings(obj.get("locations"),
                                                             "locations"))

    def stored_files(self, dm_ids: Sequence[str] = (),
                     di_ids: Sequence[str] = ()) -> StoredFiles:
        """Where the service holds these messages / delivery infos. The service states a
        per-request limit; longer lists are sent in chunks of that size."""
        dms: dict[str, tuple[str, ...]] = {}
        dis: dict[str, tuple[str, ...]] = {}
        limit: int | None = None
        todo_dm, todo_di = [str(x) for x in dm_ids], [str(x) for x in di_ids]
        chunk = 100
        while todo_dm or todo_di:
            part_dm, part_di = todo_dm[:chunk], todo_di[:max(0, chunk - len(todo_dm[:chunk]))]
            obj = self._call("stored_files", {"dm_ids": part_dm, "di_ids": part_di})
            err = obj.get("error") if isinstance(obj, dict) else None
            lim = obj.get("limit") if isinstance(obj, dict) else None
            if isinstance(lim, int) and not isinstance(lim, bool) and lim > 0:
                limit = lim
            if isinstance(err, dict) and err.get("code") == "LIMIT_EXCEEDED" \
                    and limit is not None and limit < chunk:
                chunk = limit  # ask again with the size the service allows
                continue
            _check_error(obj)
            for key, out, asked in (("dms", dms, part_dm), ("dis", dis, part_di)):
                items = obj.get(key) or []
                if not isinstance(items, list):
                    raise RestServiceError(f"malformed answer: {key!r} is not a list")
                id_key = "dm_id" if key == "dms" else "di_id"
                for it in items:
                    ident = _str(it, id_key) or ""
                    if ident not in asked:
                        continue  # not asked for: ignored rather than trusted
                    out[ident] = _strings(it.get("locations"), "locations")
            todo_dm, todo_di = todo_dm[len(part_dm):], todo_di[len(part_di):]
            if limit is not None:
                chunk = min(chunk, limit)
        return StoredFiles(dms, dis, limit)
