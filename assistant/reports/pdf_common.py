"""What every PDF report shares (reportlab): A4 page, paragraph styles, grid tables, the page footer.

The CJK font is embedded as a subset (:func:`.fonts.reportlab_font`), so any viewer shows
the Chinese text; every style wraps CJK text (``wordWrap="CJK"``: a line may break between
any two characters).  Used by :mod:`.render_pdf` (审查意见书) and :mod:`.document_pdf`
(any :class:`~spatial.compare.report.ReportDocument`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from assistant.reports import AUTHOR
from assistant.reports.fonts import reportlab_font

MM = 72 / 25.4  # points per millimetre
PAGE_WIDTH_MM, MARGIN_MM = 210, 18
FRAME_PADDING = 6  # points, on each side of SimpleDocTemplate's frame
CONTENT_WIDTH = (PAGE_WIDTH_MM - 2 * MARGIN_MM) * MM - 2 * FRAME_PADDING  # points a flowable may take
TABLE_FONT_SIZE = 8
CELL_PADDING = 3  # points, left and right of every cell


@dataclass(frozen=True)
class Styles:
    font: str
    base: Any
    small: Any
    title: Any
    meta: Any
    h2: Any
    h3: Any
    quote: Any
    caption: Any


def styles() -> Styles:
    """The paragraph styles of every report, in the registered CJK font."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    font = reportlab_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=TABLE_FONT_SIZE, leading=11)
    return Styles(
        font=font, base=base, small=small,
        title=ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=4),
        meta=ParagraphStyle("meta", parent=small, alignment=TA_CENTER, textColor=colors.HexColor("#555555")),
        h2=ParagraphStyle("h2", parent=base, fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=5),
        h3=ParagraphStyle("h3", parent=base, fontSize=10.5, leading=15, spaceBefore=4, spaceAfter=3),
        quote=ParagraphStyle("quote", parent=small, textColor=colors.HexColor("#666666")),
        caption=ParagraphStyle("caption", parent=base, fontSize=9, leading=13, alignment=TA_CENTER, spaceBefore=4,
                               spaceAfter=3),
    )


def para(text: str, style):
    """A paragraph of plain text (``<``, ``&`` and ``>`` escaped)."""
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), style)


def grid_table(header: list[str] | None, rows: list[list], widths: list[float], st: Styles):
    """A grid table with column ``widths`` in points, every cell a wrapping paragraph in the small style.

    ``header`` is shaded and repeats at the top of every page the table runs over; ``None`` for a
    key/value table, whose first column is shaded instead.  A cell may be a ready ``Paragraph``.
    """
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [[para(h, st.small) for h in header]] if header is not None else []
    data += [[c if isinstance(c, Paragraph) else para(c, st.small) for c in row] for row in rows]
    shaded = [(0, 0), (-1, 0)] if header is not None else [(0, 0), (0, -1)]  # the header row, or the keys
    t = Table(data, colWidths=widths, repeatRows=1 if header is not None else 0)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", *shaded, colors.HexColor("#e8eef4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]))
    return t


def build_pdf(story: list, st: Styles, *, title: str, footer: str, subject: str = "") -> bytes:
    """The story on A4 pages with ``footer`` and the page number at the foot of each page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    margin = MARGIN_MM * MM

    def page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(st.font, 8)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(margin, 10 * MM, footer)
        canvas.drawRightString(A4[0] - margin, 10 * MM, f"第 {doc.page} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=16 * MM,
                            bottomMargin=18 * MM, title=title, author=AUTHOR, subject=subject)
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()
