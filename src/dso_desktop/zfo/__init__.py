"""ZFO: parse, verify, produce and safely extract ISDS signed data messages (no Qt).

Heavy submodules load on first use so that importing ``dso_desktop.zfo`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dso_desktop.zfo.errors import ZfoError
    from dso_desktop.zfo.model import Zfo, ZfoAttachment, ZfoKind
    from dso_desktop.zfo.parse import parse_zfo
    from dso_desktop.zfo.trust import TrustStore
    from dso_desktop.zfo.verify import Verdict, VerdictKind, check_with_server, verify_zfo

_EXPORTS = {
    "ZfoError": "dso_desktop.zfo.errors",
    "Zfo": "dso_desktop.zfo.model",
    "ZfoAttachment": "dso_desktop.zfo.model",
    "ZfoKind": "dso_desktop.zfo.model",
    "parse_zfo": "dso_desktop.zfo.parse",
    "TrustStore": "dso_desktop.zfo.trust",
    "Verdict": "dso_desktop.zfo.verify",
    "VerdictKind": "dso_desktop.zfo.verify",
    "verify_zfo": "dso_desktop.zfo.verify",
    "check_with_server": "dso_desktop.zfo.verify",
}

__all__ = [
    "TrustStore", "Verdict", "VerdictKind", "Zfo", "ZfoAttachment", "ZfoError", "ZfoKind",
    "check_with_server", "parse_zfo", "verify_zfo",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dso_desktop.zfo' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
