"""Trust anchors the user adds in the settings: CA certificates trusted for every account.

These are *added* anchors: a verdict that relies on one names it. The CA file of a single
non-production account is not one of them; it stays that account's (see `App.trust`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.services.settings import SettingsService


class TrustAnchorError(DsoError, ValueError):
    """The file cannot be an anchor (missing, unreadable, no CA certificate in it)."""

    kind = ErrorKind.TRUST_ANCHOR

    def __init__(self, message: str, message_cs: str) -> None:
        super().__init__(message)
        self.message_cs = message_cs


@dataclass(frozen=True)
class AnchorCert:
    name: str
    sha256: str
    self_signed: bool  # only self-signed certificates become anchors

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "self_signed": self.self_signed}


@dataclass(frozen=True)
class AnchorFile:
    path: str
    certificates: tuple[AnchorCert, ...]
    problem: str | None = None  # e.g. the file has gone

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "problem": self.problem,
                "certificates": [c.to_json() for c in self.certificates]}


def describe(path: Path) -> AnchorFile:
    """What a file or folder of CA certificates holds (raises TrustAnchorError)."""
    from dso_desktop.zfo.trust import _cn, _files, _is_ca, fingerprint, load_certificates

    if not path.exists():
        raise TrustAnchorError(f"{path}: no such file or folder",
                               f"Soubor nebo složka {path} neexistuje.")
    certs = []
    try:
        for f in _files(path):
            for c in load_certificates(f.read_bytes()):
                if _is_ca(c):
                    certs.append(AnchorCert(_cn(c), fingerprint(c), c.subject == c.issuer))
    except OSError as exc:
        raise TrustAnchorError(f"{path}: {exc.strerror or exc}",
                               f"Soubor {path} nelze přečíst.") from None
    if not any(c.self_signed for c in certs):
        raise TrustAnchorError(
            f"{path}: no self-signed CA certificate (PEM/DER) in it",
            f"V souboru {path} není žádný certifikát kořenové certifikační autority.")
    return AnchorFile(str(path), tuple(certs))


class TrustAnchorService:
    """List, add and remove the user's anchors (setting ``trust_anchors``)."""

    def __init__(self, settings: SettingsService) -> None:
        self._settings = settings

    def list(self) -> list[AnchorFile]:
        out = []
        for p in self._settings.get().trust_anchors:
            try:
                out.append(describe(Path(p)))
            except TrustAnchorError as exc:
                out.append(AnchorFile(p, (), str(exc)))
        return out

    def add(self, path: Path) -> AnchorFile:
        """Check the file and remember it (absolute path); adding twice changes nothing."""
        path = Path(path).expanduser().resolve()
        info = describe(path)
        current = tuple(self._settings.get().trust_anchors)
        if str(path) not in current:
            self._settings.update(trust_anchors=(*current, str(path)))
        return info

    def remove(self, path: Path | str) -> bool:
        current = tuple(self._settings.get().trust_anchors)
        wanted = {str(path), str(Path(path).expanduser().resolve())}
        kept = tuple(p for p in current if p not in wanted)
        if kept == current:
            return False
        self._settings.update(trust_anchors=kept)
        return True


def open_trust_store(cache: Path | None, *, offline: bool, net_config: Any = None,
                     anchors: Sequence[Path] = (),
                     on_unreadable: Callable[[Path, Exception], None] | None = None) -> Any:
    """The one trust-store factory (``App.trust`` and ``dso zfo`` both build theirs here).

    ``cache`` is the application's cache folder (``AppPaths.cache``): fetched CA
    certificates are kept in ``cache/trust/`` and CRLs in ``cache/trust/crl/``. ``None`` is
    the training mode: the shipped PostSignum CAs only, nothing fetched, nothing cached, no
    OS store. Downloads go through ``net.fetcher(net_config)`` (the user's proxy and
    timeouts; ``None``: the system's proxy). ``anchors`` are the user's added anchors; one
    that cannot be read is passed to ``on_unreadable`` and left out, never fatal.
    """
    from dso_desktop import net
    from dso_desktop.zfo.trust import MAX_FETCH_BYTES, USER, TrustStore

    if cache is None:
        store = TrustStore.default(None, allow_download=False, os_bundles=())
    else:
        store = TrustStore.default(
            cache, allow_download=not offline,
            fetcher=net.fetcher(net_config or net.NetConfig(), max_bytes=MAX_FETCH_BYTES))
    for anchor in anchors:
        try:
            store.add_anchor_files([anchor], source=USER)
        except (OSError, ValueError) as exc:
            if on_unreadable is not None:
                on_unreadable(anchor, exc)
    return store
