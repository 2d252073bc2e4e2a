"""What portal and client agree on: versions, platform tags, target paths, release manifests."""

from __future__ import annotations

import json
import platform
import re
import sys
from dataclasses import dataclass, field
from functools import total_ordering
from typing import Any

CHANNELS = ("stable", "beta")
MANIFEST_NAME = "dso-version.json"
TOP_DIR = "dso-desktop"  # the one folder at the top of every release archive
LAUNCHER_NAMES = ("dso-launcher", "dso-launcher.exe")
CUSTOM_KEY = "dso"  # our part of a target's signed "custom" metadata

_VERSION_RE = re.compile(r"^(\d{1,6})\.(\d{1,6})\.(\d{1,6})(?:(a|b|rc)(\d{1,6}))?$")
_PRE_ORDER = {"a": 0, "b": 1, "rc": 2}


class ReleaseFormatError(ValueError):
    """A version string, manifest or index document is not what the format says."""


@total_ordering
@dataclass(frozen=True)
class Version:
    """A release version ``MAJOR.MINOR.PATCH`` with an optional ``aN``/``bN``/``rcN``."""

    text: str
    key: tuple[int, ...] = field(compare=False, repr=False)

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION_RE.match(text.strip())
        if not m:
            raise ReleaseFormatError(f"not a release version: {text!r} (expected e.g. 1.4.2)")
        major, minor, patch, pre, pre_n = m.groups()
        pre_key = (_PRE_ORDER[pre], int(pre_n)) if pre else (9, 0)
        return cls(text.strip(), (int(major), int(minor), int(patch), *pre_key))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __str__(self) -> str:
        return self.text


def platform_tag() -> str:
    """The platform a release archive is built for, e.g. ``linux-x86_64``, ``windows-x86_64``."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    machine = platform.machine().lower() or "unknown"
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return f"{system}-{machine}"


def _check_name(kind: str, value: str, allowed: re.Pattern[str]) -> None:
    if not allowed.match(value):
        raise ReleaseFormatError(f"bad {kind}: {value!r}")


_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")


def release_dir(channel: str, plat: str) -> str:
    if channel not in CHANNELS:
        raise ReleaseFormatError(f"unknown channel {channel!r} (use {', '.join(CHANNELS)})")
    _check_name("platform", plat, _TAG_RE)
    return f"releases/{channel}/{plat}"


ARCHIVE_SUFFIXES = (".tar.xz", ".tar.gz")


def archive_target(channel: str, plat: str, version: Version, suffix: str = ".tar.gz") -> str:
    if suffix not in ARCHIVE_SUFFIXES:
        raise ReleaseFormatError(f"release archives are {' or '.join(ARCHIVE_SUFFIXES)}")
    return f"{release_dir(channel, plat)}/dso-desktop-{version}-{plat}{suffix}"


def index_target(channel: str, plat: str) -> str:
    return f"{release_dir(channel, plat)}/latest.json"


def files_target(channel: str, plat: str, version: Version) -> str:
    """The signed list of the files of one release (for small, file-level updates)."""
    return f"{release_dir(channel, plat)}/dso-desktop-{version}-{plat}.files.json"


_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def blob_target(sha256: str) -> str:
    """Content-addressed target of one file of the unpacked tree, named by its SHA-256.

    Shared by every channel, platform and version: a file that did not change between two
    releases is stored and downloaded once.
    """
    if not _SHA256_RE.match(sha256):
        raise ReleaseFormatError(f"bad sha256 {sha256!r}")
    return f"files/{sha256[:2]}/{sha256}"


@dataclass(frozen=True)
class Notes:
    """Release notes in Czech (shown first) and English."""

    cs: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"cs": self.cs, "en": self.en}

    @classmethod
    def from_json(cls, obj: Any) -> Notes:
        if not isinstance(obj, dict) or not isinstance(obj.get("cs"), str) \
                or not isinstance(obj.get("en"), str):
            raise ReleaseFormatError("release notes need text in 'cs' and 'en'")
        return cls(obj["cs"], obj["en"])


@dataclass(frozen=True)
class LatestIndex:
    """``latest.json`` of one channel and platform: the newest version and its patches."""

    version: Version
    archive: str  # target path of the full archive
    patches: dict[str, str]  # from-version -> target path of a bsdiff patch
    files: str | None = None  # target path of the release's file list (small updates)
    # Versions the operator withdrew: clients on one of them are offered ``version`` as a
    # rollback although it is lower. Older clients ignore both keys.
    withdrawn: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        obj: dict[str, Any] = {"format": 1, "version": str(self.version),
                               "archive": self.archive,
                               "patches": dict(sorted(self.patches.items()))}
        if self.files:
            obj["files"] = self.files
        if self.withdrawn:
            obj["withdrawn"] = sorted(self.withdrawn, key=lambda v: Version.parse(v).key)
        return json.dumps(obj, indent=2, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> LatestIndex:
        try:
            obj = json.loads(data)
            if obj.get("format") != 1:
                raise ReleaseFormatError("unknown latest.json format")
            patches = obj.get("patches", {})
            if not isinstance(patches, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in patches.items()
            ):
                raise ReleaseFormatError("bad patches in latest.json")
            files = obj.get("files")
            if files is not None and not isinstance(files, str):
                raise ReleaseFormatError("bad files in latest.json")
            withdrawn = obj.get("withdrawn", [])
            if not isinstance(withdrawn, list) or not all(
                isinstance(v, str) for v in withdrawn
            ):
                raise ReleaseFormatError("bad withdrawn list in latest.json")
            return cls(Version.parse(obj["version"]), str(obj["archive"]), dict(patches),
                       files, tuple(str(Version.parse(v)) for v in withdrawn))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReleaseFormatError(f"bad latest.json: {exc}") from exc


@dataclass(frozen=True)
class Manifest:
    """``dso-version.json`` inside ``versions/<ver>/``: how the launcher runs that version.

    Commands are paths relative to the version folder followed by arguments.
    """

    version: Version
    gui: tuple[str, ...]
    cli: tuple[str, ...]
    self_check: tuple[str, ...]

    def to_bytes(self) -> bytes:
        obj = {"format": 1, "version": str(self.version), "gui": list(self.gui),
               "cli": list(self.cli), "self_check": list(self.self_check)}
        return json.dumps(obj, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            obj = json.loads(data)
            if obj.get("format") != 1:
                raise ReleaseFormatError(f"unknown {MANIFEST_NAME} format")
            cmds = {}
            for name in ("gui", "cli", "self_check"):
                value = obj[name]
                if not isinstance(value, list) or not value or not all(
                    isinstance(x, str) for x in value
                ):
                    raise ReleaseFormatError(f"{MANIFEST_NAME}: '{name}' must be a command list")
                program = value[0]
                if program.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", program) \
                        or ":" in program:
                    raise ReleaseFormatError(f"{MANIFEST_NAME}: program outside the folder")
                cmds[name] = tuple(value)
            return cls(Version.parse(obj["version"]), cmds["gui"], cmds["cli"],
                       cmds["self_check"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReleaseFormatError(f"bad {MANIFEST_NAME}: {exc}") from exc
