"""Saving and loading the world as JSON in the state directory (survives restarts)."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from dso_desktop.simulator.model import Box, Message, StoredFile, Upload, User
from dso_desktop.simulator.world import World

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


def _message_dict(msg: Message) -> dict[str, Any]:
    d = {f.name: getattr(msg, f.name) for f in fields(Message) if f.name != "files"}
    d["files"] = [{f.name: getattr(sf, f.name) for f in fields(StoredFile)} for sf in msg.files]
    return d


def save(world: World, directory: Path, extra: dict[str, Any]) -> Path:
    data = {
        "version": 1, "seed": world.seed, "next_dm_id": world.next_dm_id,
        "next_att_id": world.next_att_id, "extra": extra,
        "boxes": [asdict(b) for b in world.boxes.values()],
        "users": [asdict(u) for u in world.users.values()],
        "messages": [_message_dict(m) for m in world.messages.values()],
        "uploads": [asdict(u) for u in world.uploads.values()],
        "credit_log": world.credit_log,
    }
    path = directory / STATE_FILE
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(_enc(data), fh, ensure_ascii=False, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def load(directory: Path) -> tuple[World, dict[str, Any]] | None:
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    data = _dec(json.loads(path.read_text(encoding="utf-8")))
    world = World(seed=data["seed"], next_dm_id=data["next_dm_id"],
                  next_att_id=data["next_att_id"])
    for b in data["boxes"]:
        world.add_box(Box(**b))
    for u in data["users"]:
        world.add_user(User(**u))
    for m in data["messages"]:
        files = [StoredFile(**f) for f in m.pop("files")]
        m["legal"] = tuple(m["legal"])
        m["events"] = [tuple(e) for e in m["events"]]
        m["history"] = [tuple(h) for h in m["history"]]
        world.add_message(Message(files=files, **m))
    for u in data["uploads"]:
        world.uploads[u["att_id"]] = Upload(**u)
    world.credit_log = [tuple(c) for c in data["credit_log"]]
    return world, data["extra"]
