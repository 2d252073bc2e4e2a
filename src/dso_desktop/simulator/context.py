"""What an operation handler sees: the world, the caller, the time, and the limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dso_desktop.simulator.model import Box, User
from dso_desktop.simulator.status_codes import MESSAGES, NO_RIGHTS, OK
from dso_desktop.simulator.world import World

if TYPE_CHECKING:
    from dso_desktop.simulator.dispatcher import SimulatorCore

MIB = 1024 * 1024

class OpError(Exception):
    """An operation ends with a non-0000 dmStatus/dbStatus."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "Chyba."))
        self.code = code
        self.message = message or MESSAGES.get(code, "Chyba.")


@dataclass(frozen=True)
class Limits:
    normal_max: int = 20 * MIB  # one ordinary message (DZ)
    big_max: int = 100 * MIB  # one big message (VoDZ)
    big_tolerance: int = 2 * MIB  # a VoDZ may be this much under normal_max
    max_files: int = 100
    max_recipients: int = 50
    upload_quota_factor: int = 10  # unused uploads: 10 x the maximum attachment size


@dataclass
class OpContext:
    core: SimulatorCore
    world: World
    user: User
    box: Box
    now: datetime
    soap_version: str
    service: str
    system_cert: bool = False
    no_timestamp: bool = False
    status_code: str = OK  # set to 0005 when a signed answer lacks its timestamp
    extra: dict[str, Any] = field(default_factory=dict)

    def need(self, privilege: int) -> None:
        if not self.user.privileges & privilege:
            raise OpError(NO_RIGHTS)
