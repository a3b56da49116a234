"""Any :class:`~spatial.compare.report.ReportDocument` as PDF, in the review report's style.

The title, the facts as a key/value table, each section a heading with its paragraphs and
tables (caption above, shaded header row repeated on every page).  Column widths follow the
content (:func:`.table_layout.column_widths`) and sum to the frame's width, so no table runs off
the page: every cell wraps (CJK wrap, a line may break between any two characters).  A table
starts on a new page only when its caption, header and first row do not fit on this one; a
section heading is not left at the foot of a page.

Examples
--------
>>> from spatial.compare.report import Section, Table
>>> doc = ReportDocument(title="示例", sections=[Section(heading="一、概况", blocks=[
...     Table(header=["地块", "变化"], rows=[["A-01", "容积率上限由2.5提高至3.4"]])])])
>>> render_document_pdf(doc)[:5]
b'%PDF-'
"""

from __future__ import annotations

from spatial.compare.report import Paragraph, ReportDocument

SECTION_ROOM_MM = 30  # a section heading starts a new page when less than this is left


def render_document_pdf(doc: ReportDocument) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Spacer

    from assistant.reports.pdf_common import (
        CELL_PADDING,
        CONTENT_WIDTH,
        TABLE_FONT_SIZE,
        build_pdf,
        grid_table,
        para,
        styles,
    )
    from assistant.reports.table_layout import column_widths

    st = styles()

    def widths(header: list[str] | None, rows: list[list[str]]) -> list[float]:
        return column_widths(header, rows, st.font, size=TABLE_FONT_SIZE, total=CONTENT_WIDTH, padding=CELL_PADDING)

    def height(*flowables) -> float:
        return sum(f.wrap(CONTENT_WIDTH, 1e6)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)

    story: list = [para(doc.title, st.title), Spacer(1, 3 * mm)]
    if doc.facts:
        facts = [[k, v] for k, v in doc.facts]
        story.append(grid_table(None, facts, widths(None, facts), st))
    for section in doc.sections:
        story += [CondPageBreak(SECTION_ROOM_MM * mm), para(section.heading, st.h2)]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                story.append(para(block.text, st.base))
                continue
            w = widths(block.header, block.rows)
            lead = [para(block.caption, st.caption)] if block.caption else []
            story += [CondPageBreak(height(*lead, grid_table(block.header, block.rows[:1], w, st))), *lead,
                      grid_table(block.header, block.rows, w, st), Spacer(1, 2 * mm)]
    return build_pdf(story, st, title=doc.title, footer=doc.title)
