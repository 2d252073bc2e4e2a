"""Documents on paper and in reports (issue 16), generated in the core (no Qt).

- `reports.model`: the plain data a document is made from (the services fill it in from
  the archive; nothing here reads the store or parses a ZFO).
- `reports.pdfdoc`: PDF/A-2b documents of one message: the envelope ("Obálka datové
  zprávy") and the delivery info ("Doručenka"), each or both in one file.
- `reports.overview`: the correspondence overview ("Přehled korespondence") as CSV, HTML
  and PDF.
- `reports.eml`: an e-mail (.eml) carrying a message's ZFO, and when asked its attachments
  and its PDF envelope.

The PDF library is fpdf2 (pure Python, embeds TrueType subsets, writes PDF/A XMP);
docs/reports.md says why.
"""

from __future__ import annotations

from dso_desktop.errors import DsoError, ErrorKind


class ReportError(DsoError):
    """A document cannot be made (no font with Czech glyphs, an unwritable target)."""

    kind = ErrorKind.REPORT
