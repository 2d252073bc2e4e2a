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
