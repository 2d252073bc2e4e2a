"""Typed errors of the ZFO layer: everything hostile or broken input can cause."""

from __future__ import annotations


class ZfoError(Exception):
    """Base of every error `dso_desktop.zfo` raises for bad input; ``message_cs`` is Czech."""

    message_cs: str = "Soubor není platná datová zpráva (ZFO)."

    def __init__(self, message: str, message_cs: str | None = None) -> None:
        super().__init__(message)
        if message_cs is not None:
            self.message_cs = message_cs


class TooLargeError(ZfoError):
    """The input exceeds the size cap (checked before any parsing)."""

    message_cs = "Soubor je větší, než jaký může datová zpráva mít."


class NotCmsError(ZfoError):
    """Not a DER/BER CMS SignedData at all (random bytes, a PDF, truncated header, ...)."""

    message_cs = "Soubor není podepsaná datová zpráva (chybí struktura CMS)."


class MalformedCmsError(ZfoError):
    """CMS-like but broken: bad lengths, absurd nesting, truncated, trailing garbage."""

    message_cs = "Podpisová struktura souboru je poškozená."


class DetachedContentError(ZfoError):
    """The CMS does not carry its content (detached signature); a ZFO always does."""

    message_cs = "Soubor neobsahuje vlastní zprávu (oddělený podpis)."


class HostileXmlError(ZfoError):
    """The content XML has a DOCTYPE/entities or is not safe to process."""

    message_cs = "Obsah zprávy obsahuje nepovolené konstrukce XML (DTD, entity)."


class MalformedXmlError(ZfoError):
    """The content is not well-formed XML or not an ISDS message / delivery info."""

    message_cs = "Obsah zprávy není platný dokument ISDS."


class UnsupportedZfoError(ZfoError):
    """Well-formed but of a kind this program does not know (other namespace/root)."""

    message_cs = "Tento druh dokumentu ISDS program nezná."


class UnsafePathError(ZfoError):
    """Extraction would write outside the target folder or through a symlink."""

    message_cs = "Přílohu nelze bezpečně uložit do zvolené složky."
