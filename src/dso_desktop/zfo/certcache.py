"""A per-object cache for facts derived from one parsed certificate (hot path of verify_zfo).

``functools.lru_cache`` keyed by an ``x509.Certificate`` hashes the certificate on every
call, and cryptography computes that hash anew from the whole certificate each time
(~20 µs, measured with cryptography 48): a verdict asks a dozen such questions of the same
few certificates, which cost more than its RSA checks. The certificates a verification uses
are the same objects from one ZFO to the next (``cmscheck.load_cert`` caches them by their
DER, the trust store keeps its own), so keying by identity finds them in ~0.1 µs.

Each entry keeps a reference to its certificate, so no other object can take the same
``id()`` while the entry exists. The functions cached are pure functions of the
certificate, so two equal certificates in separate entries get the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class by_identity(Generic[K, V]):
    """Cache ``fn(obj)`` per object identity; forget everything past ``maxsize`` entries."""

    def __init__(self, fn: Callable[[K], V], maxsize: int = 1024) -> None:
        self._fn = fn
        self._maxsize = maxsize
        self._entries: dict[int, tuple[K, V]] = {}
        update_wrapper(self, fn)

    def __call__(self, obj: K) -> V:
        hit = self._entries.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = self._fn(obj)
        if len(self._entries) >= self._maxsize:
            self._entries.clear()  # a sync meets a handful of certificates: rarely reached
        self._entries[id(obj)] = (obj, value)
        return value

    def cache_clear(self) -> None:
        self._entries.clear()
