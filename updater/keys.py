"""Signing keys of the release repository: generated Ed25519 keys in passphrase-protected files."""

from __future__ import annotations

import getpass
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


class KeyError_(Exception):
    """A key file is missing, unreadable, or its passphrase is wrong."""


def env_name(stem: str) -> str:
    """Environment variable holding the passphrase of key file ``stem`` (e.g. ROOT_1)."""
    return f"{ENV_PREFIX}_{re.sub(r'[^A-Za-z0-9]', '_', stem).upper()}"


def default_passphrase(stem: str, new: bool) -> str:
    """Passphrase from the environment (automation) or asked on the terminal."""
    for name in (env_name(stem), ENV_PREFIX):
        value = os.environ.get(name)
        if value:
            return value
    if not sys.stdin.isatty():
        raise KeyError_(
            f"no passphrase for key '{stem}': set {env_name(stem)} (or {ENV_PREFIX}) "
            "or run on a terminal"
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
    return KeyFile(path, CryptoSigner(private))


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
        self.passphrase = passphrase or default_passphrase
        self._opened: dict[Path, KeyFile] = {}

    def signers(self, role: str, keyids: Iterable[str], threshold: int) -> list[CryptoSigner]:
        """Open key files of ``role`` until ``threshold`` of ``keyids`` are available."""
        wanted = set(keyids)
        found: dict[str, CryptoSigner] = {}
        for path in self._candidates(role):
            if len(found) >= threshold:
                break
            key = self._open(path)
            if key.keyid in wanted and key.keyid not in found:
                found[key.keyid] = key.signer
        if len(found) < threshold:
            raise KeyError_(
                f"role '{role}' needs {threshold} of its keys, found {len(found)} in "
                + ", ".join(str(d) for d in self.dirs)
            )
        return list(found.values())

    def _candidates(self, role: str) -> list[Path]:
        paths: list[Path] = []
        for d in self.dirs:
            for prefix in ROLE_PREFIXES[role]:
                paths.extend(sorted(d.glob(f"{prefix}*.key")))
        # Already opened keys first: no extra passphrase prompts when they suffice.
        return sorted(dict.fromkeys(paths), key=lambda p: p not in self._opened)

    def _open(self, path: Path) -> KeyFile:
        if path not in self._opened:
            self._opened[path] = load_key(path, self.passphrase)
        return self._opened[path]
