"""Column widths that never clip a column's title (issue 14: "Spisová služba", "Může
přijímat" were cut off).

Widths the code sets from the font (the message list sizes its columns without reading
every row) or Qt's default section size know nothing of the header's title, whose length
depends on the language; `fit_headers` widens every section that is narrower than its title
needs, measured the way the header itself measures it (the style's size of a header section
with that text, its margins and the sort arrow).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader


def title_metrics(header: QHeaderView) -> QFontMetrics:
    """The metrics of the font a title is painted in: bold while its column is highlighted
    (a selected row highlights every section of a header with ``highlightSections``)."""
    if not header.highlightSections():
        return header.fontMetrics()
    bold = QFont(header.font())
    bold.setBold(True)
    return QFontMetrics(bold)


def header_text_width(header: QHeaderView, section: int) -> int:
    """Pixels section ``section`` of ``header`` needs to show its whole title."""
    model = header.model()
    if model is None:
        return 0
    text = model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
    opt = QStyleOptionHeader()
    opt.initFrom(header)
    opt.section = section
    opt.text = "" if text is None else str(text)
    opt.fontMetrics = title_metrics(header)
    opt.orientation = header.orientation()
    if header.isSortIndicatorShown():  # room for the arrow even where it is not shown now
        opt.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
    size = header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, opt,
                                           QSize(), header)
    plain = opt.fontMetrics.horizontalAdvance(opt.text) + 2 * header.style().pixelMetric(
        QStyle.PixelMetric.PM_HeaderMargin, opt, header)
    return max(size.width(), plain)


def fit_headers(header: QHeaderView) -> None:
    """Widen every section narrower than its title (stretched sections size themselves)."""
    for section in range(header.count()):
        if header.sectionResizeMode(section) == QHeaderView.ResizeMode.Stretch:
            continue
        need = header_text_width(header, section)
        if header.sectionSize(section) < need:
            header.resizeSection(section, need)
