"""Saving and loading the world as JSON in the state directory (survives restarts)."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from dso_desktop.paths import atomic_writer
from dso_desktop.simulator.model import Box, Message, StoredFile, Upload, User
from dso_desktop.simulator.world import EV_TEXT, World

STATE_FILE = "world.json"


def _enc(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_enc(v) for v in value]
    if isinstance(value, dict):
        return {k: _enc(v) for k, v in value.items()}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict):
        if "$t" in value:
            return datetime.fromisoformat(value["$t"])
        if "$b" in value:
            return base64.b64decode(value["$b"])
        return {k: _dec(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dec(v) for v in value]
    return value


_MSG_FIELDS = [f.name for f in fields(Message)]
_FILE_FIELDS = [f.name for f in fields(StoredFile)]
_TIMES = {"posted_at", "delivered_at", "accepted_at"}
_EV_CODES = {text: code for code, text in EV_TEXT.items()}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _time(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s is not None else None


def _b64(b: bytes | None) -> str | None:
    return base64.b64encode(b).decode("ascii") if b is not None else None


def _message_row(msg: Message) -> list[Any]:
    """A message as a compact row (fixed field order; event texts by their EV code)."""
    row: list[Any] = []
    for name in _MSG_FIELDS:
        v = getattr(msg, name)
        if name in _TIMES:
            v = _iso(v)
        elif name == "events":
            v = [[_iso(t), _EV_CODES.get(text, text)] for t, text in v]
        elif name == "history":
            v = [[_iso(t), st] for t, st in v]
        elif name == "files":
            v = [[_b64(x) if f == "data" else x for f, x in
                  ((f, getattr(sf, f)) for f in _FILE_FIELDS)] for sf in v]
        elif name == "qtimestamp":
            v = _b64(v)
        elif name == "legal":
            v = list(v)
        row.append(v)
    return row


def _message_from_row(row: list[Any]) -> Message:
    d = dict(zip(_MSG_FIELDS, row, strict=True))
    for name in _TIMES:
        d[name] = _time(d[name])
    d["events"] = [(_time(t), EV_TEXT.get(text, text)) for t, text in d["events"]]
    d["history"] = [(_time(t), st) for t, st in d["history"]]
    files = []
    for frow in d["files"]:
        fd = dict(zip(_FILE_FIELDS, frow, strict=True))
        fd["data"] = base64.b64decode(fd["data"]) if fd["data"] is not None else None
        files.append(StoredFile(**fd))
    d["files"] = files
    d["qtimestamp"] = base64.b64decode(d["qtimestamp"]) if d["qtimestamp"] else None
    d["legal"] = tuple(d["legal"])
    return Message(**d)


def save(world: World, directory: Path, extra: dict[str, Any]) -> Path:
    data = {
        "version": 2, "seed": world.seed, "next_dm_id": world.next_dm_id,
        "next_att_id": world.next_att_id, "extra": extra,
        "boxes": [asdict(b) for b in world.boxes.values()],
        "users": [asdict(u) for u in world.users.values()],
        "messages": [],
        "uploads": [asdict(u) for u in world.uploads.values()],
        "credit_log": world.credit_log,
    }
    path = directory / STATE_FILE
    data = _enc(data)
    data["messages"] = [_message_row(m) for m in world.messages.values()]
    # Streamed into the product's one atomic writer: a crash leaves the old world or the new.
    with atomic_writer(path) as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8")
        try:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
            fh.flush()
        finally:
            fh.detach()  # the writer, not the wrapper, fsyncs and closes the file
    return path


def load(directory: Path) -> tuple[World, dict[str, Any]] | None:
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw.get("version") != 2:
        raise ValueError(f"{path}: unsupported simulator state version {raw.get('version')}")
    rows = raw.pop("messages")
    data = _dec(raw)
    world = World(seed=data["seed"], next_dm_id=data["next_dm_id"],
                  next_att_id=data["next_att_id"])
    for b in data["boxes"]:
        world.add_box(Box(**b))
    for u in data["users"]:
        world.add_user(User(**u))
    for row in rows:
        world.add_message(_message_from_row(row))
    for u in data["uploads"]:
        world.uploads[u["att_id"]] = Upload(**u)
    world.credit_log = [tuple(c) for c in data["credit_log"]]
    return world, data["extra"]
