"""Loopback ISDS simulator for tests, benchmarks and the training (demo) mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# ISDS operations the simulator serves (docs/isds-coverage.md checks its column against it).
IMPLEMENTED_OPERATIONS: frozenset[str] = frozenset({
    # dm_operations (/DS/dz)
    "CreateMessage", "CreateMultipleMessage", "MessageDownload", "SignedMessageDownload",
    "SignedSentMessageDownload", "AuthenticateMessage", "Re-signISDSDocument",
    "DummyOperation",
    # dm_info (/DS/dx)
    "VerifyMessage", "MessageEnvelopeDownload", "SentMessageEnvelopeDownload",
    "MarkMessageAsDownloaded", "GetDeliveryInfo", "GetSignedDeliveryInfo",
    "GetListOfReceivedMessages", "GetListOfSentMessages", "GetMessageStateChanges",
    "GetMessageAuthor", "GetMessageAuthor2", "EraseMessage",
    # db_search (/DS/df)
    "FindDataBox", "FindDataBox2", "ISDSSearch2", "ISDSSearch3", "CheckDataBox",
    "GetDataBoxAddress", "PDZInfo", "PDZSendInfo", "DataBoxCreditInfo", "DTInfo",
    # db_access (/DS/DsManage)
    "GetOwnerInfoFromLogin", "GetOwnerInfoFromLogin2", "GetUserInfoFromLogin",
    "GetUserInfoFromLogin2", "GetPasswordInfo", "ChangeISDSPassword",
    # dm_VoDZ (/DS/vodz)
    "UploadAttachment", "DownloadAttachment", "CreateBigMessage", "AuthenticateBigMessage",
    "SignedBigMessageDownload", "SignedSentBigMessageDownload", "BigMessageDownload",
    # dm_arch (/DS/arch)
    "ArchiveISDSDocument",
    # ChangePassword (/asws/changePassword)
    "SendSMSCode", "ChangePasswordOTP",
    # asynchronous, notification and statistics operations (simulator/ops_extra.py)
    "GetListOfErasedMessages", "PickUpAsyncResponse", "SuspMessageReport",
    "RegisterForNotifications", "GetListForNotifications", "GetDataBoxList",
    "GetDataBoxActivityStatus", "GetConstants", "FindPersonalDataBox",
})

if TYPE_CHECKING:
    from dso_desktop.simulator.control import SimAccount, Simulator, SimulatorInfo

__all__ = [
    "IMPLEMENTED_OPERATIONS", "SimAccount", "Simulator", "SimulatorInfo",
]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package (e.g. for IMPLEMENTED_OPERATIONS) stays cheap.
    if name in ("Simulator", "SimAccount", "SimulatorInfo"):
        from dso_desktop.simulator import control

        return getattr(control, name)
    raise AttributeError(name)
