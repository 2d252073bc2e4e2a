"""Operation registry: ISDS operation name → (services that serve it, handler)."""

from __future__ import annotations

from collections.abc import Callable

from dso_desktop.simulator.context import OpContext
from dso_desktop.simulator.xmlio import Element

# (context, the operation's request element) -> the response element
Handler = Callable[[OpContext, Element], Element]
OPERATIONS: dict[str, tuple[frozenset[str], Handler]] = {}


def op(services: str, *names: str) -> Callable[[Handler], Handler]:
    """Register a handler for operation ``names`` on the space-separated ``services``."""
    svc = frozenset(services.split())

    def deco(fn: Handler) -> Handler:
        for name in names:
            OPERATIONS[name] = (svc, fn)
        return fn

    return deco
