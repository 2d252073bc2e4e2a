"""Signing keys of the release repository: generated Ed25519 keys in passphrase-protected files."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner, SSlibKey

ENV_PREFIX = "DSO_RELEASE_PASSPHRASE"
MIN_PASSPHRASE = 8

# Which key files may hold a key of a role (file name prefix). The snapshot and timestamp
# roles share the one online key until a rotation gives one of them its own.
ROLE_PREFIXES: dict[str, tuple[str, ...]] = {
    "root": ("root-",),
    "targets": ("targets-",),
    "snapshot": ("online-", "snapshot-"),
    "timestamp": ("online-", "timestamp-"),
}

PassphraseSource = Callable[[str, bool], str]
KEYRING_SERVICE = "dso-release"  # OS keyring entries: service "dso-release", user = role name


class KeyError_(Exception):
    """A key file is missing, unreadable, or its passphrase is wrong."""


def env_name(stem: str) -> str:
    """Environment variable holding the passphrase of key file ``stem`` (e.g. ROOT_1)."""
    return f"{ENV_PREFIX}_{re.sub(r'[^A-Za-z0-9]', '_', stem).upper()}"


def role_env_name(role: str) -> str:
    """Variable holding the passphrase of whatever key currently serves ``role``.

    Named by role, not by key file, so that a key rotation (which creates a new file such
    as ``timestamp-1.key``) does not change what the daily job's environment must contain.
    """
    return f"{ENV_PREFIX}_{role.upper()}"


def _os_keyring(names: Iterable[str]) -> str | None:
    """The passphrase stored in the OS keyring (service dso-release) under one of ``names``."""
    try:
        import keyring
    except ImportError:  # pragma: no cover - keyring is a dependency of the app
        return None
    for name in names:
        try:
            value = keyring.get_password(KEYRING_SERVICE, name)
        except Exception:  # no backend (cron without a desktop session), locked, refused
            return None
        if value:
            return value
    return None


def passphrase_sources(stem: str, role: str | None) -> list[str]:
    """Where a passphrase for key file ``stem`` (serving ``role``) is looked for, in order."""
    names = [env_name(stem)]
    if role:
        names.append(role_env_name(role))
    names.append(ENV_PREFIX)
    return names


def default_passphrase(stem: str, new: bool, role: str | None = None) -> str:
    """Passphrase from the environment or the OS keyring (automation), else the terminal.

    Order: ``DSO_RELEASE_PASSPHRASE_<KEYFILE>``, ``DSO_RELEASE_PASSPHRASE_<ROLE>``,
    ``DSO_RELEASE_PASSPHRASE``, the OS keyring (service ``dso-release``, user = the role
    name, then the key file name), the terminal.
    """
    names = passphrase_sources(stem, role)
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    # A new key (init, rotate) never takes a stored passphrase: after a rotation because of
    # a stolen key the operator chooses the new one (in the variable or on the terminal).
    stored = None if new else _os_keyring([n for n in (role, stem) if n])
    if stored:
        return stored
    if not sys.stdin.isatty():
        raise KeyError_(
            f"no passphrase for key '{stem}': set {' or '.join(names)}, store it in the OS "
            f"keyring (service {KEYRING_SERVICE}, user {role or stem}) or run on a terminal"
        )
    while True:
        first = getpass.getpass(f"Passphrase for key '{stem}': ")
        if not new:
            return first
        if len(first) < MIN_PASSPHRASE:
            print(f"Use at least {MIN_PASSPHRASE} characters.", file=sys.stderr)
            continue
        if getpass.getpass("Repeat: ") == first:
            return first
        print("The passphrases differ, try again.", file=sys.stderr)


@dataclass(frozen=True)
class KeyFile:
    path: Path
    signer: CryptoSigner

    @property
    def keyid(self) -> str:
        return str(self.signer.public_key.keyid)

    @property
    def public_key(self) -> SSlibKey:
        return self.signer.public_key


def generate_key(keys_dir: Path, stem: str, passphrase: PassphraseSource) -> KeyFile:
    """Create a new Ed25519 key and store it encrypted as ``keys_dir/stem.key``."""
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = keys_dir / f"{stem}.key"
    if path.exists():
        raise KeyError_(f"{path} already exists; refusing to overwrite a key")
    secret = passphrase(stem, True)
    if len(secret) < MIN_PASSPHRASE:
        raise KeyError_(f"passphrase for '{stem}' is shorter than {MIN_PASSPHRASE} characters")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret.encode("utf-8")),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    key = KeyFile(path, CryptoSigner(private))
    write_public(key)
    return key


def public_path(path: Path) -> Path:
    return path.with_suffix(".pub")


def write_public(key: KeyFile) -> None:
    """``stem.pub`` beside the key: its key id, readable without the passphrase.

    It lets a job skip key files of other (or revoked) keys without asking for their
    passphrases, and lets `dso-release status` say which key files are present.
    """
    data = {"keyid": key.keyid, "public": key.public_key.to_dict()}
    # A read-only offline medium: the sidecar is only an optimisation.
    with contextlib.suppress(OSError):
        public_path(key.path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def read_public_keyid(path: Path) -> str | None:
    try:
        obj = json.loads(public_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keyid = obj.get("keyid") if isinstance(obj, dict) else None
    return keyid if isinstance(keyid, str) else None


def load_key(path: Path, passphrase: PassphraseSource) -> KeyFile:
    secret = passphrase(path.stem, False)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), secret.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise KeyError_(f"cannot open key {path.name}: wrong passphrase or damaged file") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyError_(f"{path.name} is not an Ed25519 key")
    return KeyFile(path, CryptoSigner(private))


def next_stem(keys_dirs: Iterable[Path], prefix: str) -> str:
    """First free ``prefix-N`` name across the key folders."""
    taken: set[int] = set()
    for d in keys_dirs:
        for p in d.glob(f"{prefix}-*.key"):
            tail = p.stem[len(prefix) + 1:]
            if tail.isdigit():
                taken.add(int(tail))
    n = 1
    while n in taken:
        n += 1
    return f"{prefix}-{n}"


class KeyRing:
    """Finds and opens (once) the key files a role needs, in the given folders."""

    def __init__(self, keys_dirs: Iterable[Path], passphrase: PassphraseSource | None = None):
        self.dirs = [Path(d) for d in keys_dirs]
        # The default source also knows the role a key is opened for (role-named variables,
        # the OS keyring); a source given by the caller (tests, init) is used as it is.
        self._role_aware = passphrase is None
        self.passphrase = passphrase or default_passphrase
        self._opened: dict[Path, KeyFile] = {}

    def source_for(self, role: str) -> PassphraseSource:
        if not self._role_aware:
            return self.passphrase
        return lambda stem, new: default_passphrase(stem, new, role)

    def signers(self, role: str, keyids: Iterable[str], threshold: int) -> list[CryptoSigner]:
        """Open key files of ``role`` until ``threshold`` of ``keyids`` are available.

        Files whose ``.pub`` names a key the role does not use (a revoked key after a
        rotation, the other online role's key) are skipped without asking for a passphrase;
        a file that cannot be opened does not stop the search while others may suffice.
        """
        wanted = set(keyids)
        found: dict[str, CryptoSigner] = {}
        problems: list[str] = []
        for path in self._candidates(role):
            if len(found) >= threshold:
                break
            known = self._opened[path].keyid if path in self._opened else read_public_keyid(path)
            if known is not None and (known not in wanted or known in found):
                continue
            try:
                key = self._open(path, role)
            except KeyError_ as exc:
                problems.append(str(exc))
                continue
            if key.keyid in wanted and key.keyid not in found:
                found[key.keyid] = key.signer
        if len(found) < threshold:
            raise KeyError_(
                f"role '{role}' needs {threshold} of its keys, found {len(found)} in "
                + ", ".join(str(d) for d in self.dirs)
                + (" (" + "; ".join(problems) + ")" if problems else "")
            )
        return list(found.values())

    def key_files(self, role: str) -> list[tuple[Path, str | None]]:
        """Key files that may serve ``role`` with their key id when known (``.pub``)."""
        return [(p, self._opened[p].keyid if p in self._opened else read_public_keyid(p))
                for p in self._candidates(role)]

    def _candidates(self, role: str) -> list[Path]:
        paths: list[Path] = []
        for d in self.dirs:
            for prefix in ROLE_PREFIXES[role]:
                paths.extend(sorted(d.glob(f"{prefix}*.key")))
        # Already opened keys first: no extra passphrase prompts when they suffice.
        return sorted(dict.fromkeys(paths), key=lambda p: p not in self._opened)

    def _open(self, path: Path, role: str) -> KeyFile:
        if path not in self._opened:
            key = load_key(path, self.source_for(role))
            if read_public_keyid(path) is None:
                write_public(key)  # key files made before sidecars existed
            self._opened[path] = key
        return self._opened[path]
