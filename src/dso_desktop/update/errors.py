"""Errors of the update layer: what went wrong, in English, with a Czech text for the GUI."""

from __future__ import annotations

from dso_desktop.errors import DsoError, ErrorKind, error_text


class UpdateError(DsoError):
    """An update could not be checked, downloaded or staged; the installed app is unchanged."""

    kind = ErrorKind.UPDATE


class UpdatesDisabled(UpdateError):
    kind = ErrorKind.UPDATE_DISABLED


class NotInstalledError(UpdateError):
    kind = ErrorKind.UPDATE_NOT_INSTALLED


class UpdateNetworkError(UpdateError):
    kind = ErrorKind.UPDATE_NETWORK


class UpdateTlsError(UpdateNetworkError):
    """The portal's certificate does not chain to the configured CA (or the system roots)."""

    kind = ErrorKind.UPDATE_TLS


class UpdateCancelled(UpdateError):
    kind = ErrorKind.UPDATE_CANCELLED


class UpdateVerificationError(UpdateError):
    """Signed metadata or a file failed verification: possibly an attack, never installed."""

    kind = ErrorKind.UPDATE_VERIFICATION


class UnsafeReleaseError(UpdateVerificationError):
    """A correctly signed release archive with unsafe entries (e.g. a link out of its folder).

    Only a stolen targets key or a broken build produces one; nothing was written outside
    the temporary staging folder, which is removed again.
    """

    kind = ErrorKind.UPDATE_UNSAFE_RELEASE


class UpdateStagingError(UpdateError):
    """The verified release could not be unpacked (disk full, no write permission)."""

    kind = ErrorKind.UPDATE_STAGING


class FailedVersionError(UpdateError):
    """The offered version was rolled back on this computer before: never installed again."""

    kind = ErrorKind.UPDATE_FAILED_VERSION


class UpdatePortalOutdated(UpdateError):
    """The portal's signed metadata has expired: its operator's daily job has stopped.

    Not a signature failure: the signatures are fine, the portal is simply not kept up to
    date (a frozen mirror looks the same, so nothing is installed either way). The clerk's
    remedy is to tell the administrator, not to suspect an attack.
    """

    kind = ErrorKind.UPDATE_PORTAL_OUTDATED


class UpdatesManaged(UpdatesDisabled):
    """A managed install (machine-wide, deployed by IT): it never updates itself."""

    kind = ErrorKind.UPDATE_MANAGED


class UpdateConfigError(UpdateError):
    """The update settings cannot work: a non-HTTPS portal URL, an unusable CA file or proxy."""

    kind = ErrorKind.UPDATE_CONFIG


# What a failed check means for the person in front of the screen: a stable kind (for the
# GUI, logs and `dso update check --json`) and a Czech sentence a clerk can pass on.
PROBLEM_KINDS: tuple[tuple[type[UpdateError], str], ...] = (
    (UpdatesManaged, "managed"),
    (UpdatesDisabled, "disabled"),
    (UpdatePortalOutdated, "portal-outdated"),
    (UpdateTlsError, "tls"),
    (UpdateNetworkError, "unreachable"),
    (UpdateVerificationError, "signature"),
    (UpdateConfigError, "config"),
    (UpdateCancelled, "cancelled"),
)


def problem_kind(exc: BaseException) -> str:
    """The stable kind of a failed check (``failed`` for anything unforeseen)."""
    for cls, kind in PROBLEM_KINDS:
        if isinstance(exc, cls):
            return kind
    return "failed"


# The same causes for an English user interface (``message_en`` is the technical detail).
PROBLEM_TEXT_EN = {
    "managed": "This installation is managed by your IT department; it does not update "
               "itself.",
    "disabled": "Update checks are turned off by the administrator or in the settings.",
    "portal-outdated": "The update portal is not up to date; contact your administrator.",
    "tls": "The update portal's certificate is not trusted; nothing was downloaded. "
           "Tell your administrator.",
    "unreachable": "The update portal cannot be reached; try again later.",
    "signature": "The update failed its signature check and was not installed. If this "
                 "happens again, tell your administrator.",
    "config": "The update settings are wrong (portal address, portal certificate or proxy); "
              "contact your administrator.",
    "cancelled": "The download was cancelled; it continues where it stopped next time.",
    "failed": "The update failed; the installed version is unchanged.",
}


def describe_problem(exc: BaseException) -> dict[str, str]:
    """``kind``, ``message_cs`` (the cause, for the clerk), ``text_en`` (the same in
    English) and ``message_en`` (the technical detail, for logs and the helpdesk)."""
    kind = problem_kind(exc)
    cs = getattr(exc, "message_cs", None) or error_text(ErrorKind.UPDATE, "cs")
    return {"kind": kind, "message_cs": str(cs), "text_en": PROBLEM_TEXT_EN[kind],
            "message_en": (str(exc) or type(exc).__name__)[:500]}
