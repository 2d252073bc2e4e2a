"""Typed errors of the ZFO layer: everything hostile or broken input can cause."""

from __future__ import annotations

from dso_desktop.errors import DsoError, ErrorKind


class ZfoError(DsoError):
    """Base of every error `dso_desktop.zfo` raises for bad input; ``message_cs`` is Czech."""

    kind = ErrorKind.ZFO

    def __init__(self, message: str, message_cs: str | None = None) -> None:
        super().__init__(message)
        if message_cs is not None:
            self.message_cs = message_cs


class TooLargeError(ZfoError):
    """The input exceeds the size cap (checked before any parsing)."""

    kind = ErrorKind.ZFO_TOO_LARGE


class NotCmsError(ZfoError):
    """Not a DER/BER CMS SignedData at all (random bytes, a PDF, truncated header, ...)."""

    kind = ErrorKind.ZFO_NOT_CMS


class MalformedCmsError(ZfoError):
    """CMS-like but broken: bad lengths, absurd nesting, truncated, trailing garbage."""

    kind = ErrorKind.ZFO_MALFORMED_CMS


class DetachedContentError(ZfoError):
    """The CMS does not carry its content (detached signature); a ZFO always does."""

    kind = ErrorKind.ZFO_DETACHED_CONTENT


class HostileXmlError(ZfoError):
    """The content XML has a DOCTYPE/entities or is not safe to process."""

    kind = ErrorKind.ZFO_HOSTILE_XML


class MalformedXmlError(ZfoError):
    """The content is not well-formed XML or not an ISDS message / delivery info."""

    kind = ErrorKind.ZFO_MALFORMED_XML


class UnsupportedZfoError(ZfoError):
    """Well-formed but of a kind this program does not know (other namespace/root)."""

    kind = ErrorKind.ZFO_UNSUPPORTED


class UnsafePathError(ZfoError):
    """Extraction would write outside the target folder or through a symlink."""

    kind = ErrorKind.ZFO_UNSAFE_PATH


class ArchiveTimestampError(ZfoError):
    """A time-stamping authority refused, answered something else than a timestamp over
    our data, or its timestamp does not verify."""

    kind = ErrorKind.ZFO_ARCHIVE_TIMESTAMP
