"""Errors of the update layer: what went wrong, in English, with a Czech text for the GUI."""

from __future__ import annotations


class UpdateError(Exception):
    """An update could not be checked, downloaded or staged; the installed app is unchanged."""

    message_cs = "Aktualizace se nezdařila; nainstalovaná verze zůstává beze změny."


class UpdatesDisabled(UpdateError):
    message_cs = "Kontrola aktualizací je vypnuta správcem nebo v nastavení."


class NotInstalledError(UpdateError):
    message_cs = "Tato instalace se neaktualizuje sama (chybí spouštěč a složka versions)."


class UpdateNetworkError(UpdateError):
    message_cs = "Portál s aktualizacemi není dostupný; zkuste to později."


class UpdateTlsError(UpdateNetworkError):
    """The portal's certificate does not chain to the configured CA (or the system roots)."""

    message_cs = ("Certifikát portálu s aktualizacemi není důvěryhodný (ověřuje se proti "
                  "nastavené certifikační autoritě portálu, jinak proti kořenovým certifikátům "
                  "systému); aktualizace nebyla stažena. Informujte správce.")


class UpdateCancelled(UpdateError):
    message_cs = "Stahování aktualizace bylo zrušeno; příště naváže, kde skončilo."


class UpdateVerificationError(UpdateError):
    """Signed metadata or a file failed verification: possibly an attack, never installed."""

    message_cs = ("Aktualizace neprošla ověřením podpisu a nebyla nainstalována. "
                  "Pokud se to opakuje, informujte správce.")


class UnsafeReleaseError(UpdateVerificationError):
    """A correctly signed release archive with unsafe entries (e.g. a link out of its folder).

    Only a stolen targets key or a broken build produces one; nothing was written outside
    the temporary staging folder, which is removed again.
    """

    message_cs = ("Balíček aktualizace obsahuje nebezpečné položky (například odkaz mimo svou "
                  "složku) a nebyl nainstalován; nainstalovaná verze zůstává beze změny. "
                  "Informujte správce portálu s aktualizacemi.")


class UpdateStagingError(UpdateError):
    """The verified release could not be unpacked (disk full, no write permission)."""

    message_cs = ("Aktualizaci se nepodařilo rozbalit (plný disk nebo chybějící oprávnění); "
                  "nainstalovaná verze zůstává beze změny.")


class FailedVersionError(UpdateError):
    """The offered version was rolled back on this computer before: never installed again."""

    message_cs = ("Tato verze se na tomto počítači již jednou nespustila správně a byla vrácena; "
                  "znovu se neinstaluje. Počkejte na novější verzi.")


class UpdatePortalOutdated(UpdateError):
    """The portal's signed metadata has expired: its operator's daily job has stopped.

    Not a signature failure: the signatures are fine, the portal is simply not kept up to
    date (a frozen mirror looks the same, so nothing is installed either way). The clerk's
    remedy is to tell the administrator, not to suspect an attack.
    """

    message_cs = "Portál aktualizací není aktuální, obraťte se na správce."


class UpdatesManaged(UpdatesDisabled):
    """A managed install (machine-wide, deployed by IT): it never updates itself."""

    message_cs = ("Tuto instalaci spravuje IT oddělení; nové verze instaluje správce. "
                  "Aplikace se sama neaktualizuje.")


class UpdateConfigError(UpdateError):
    """The update settings cannot work: a non-HTTPS portal URL, an unusable CA file or proxy."""

    message_cs = ("Nastavení aktualizací je chybné (adresa portálu, certifikát portálu nebo "
                  "proxy); obraťte se na správce.")


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
    cs = getattr(exc, "message_cs", None) or UpdateError.message_cs
    return {"kind": kind, "message_cs": str(cs), "text_en": PROBLEM_TEXT_EN[kind],
            "message_en": (str(exc) or type(exc).__name__)[:500]}
