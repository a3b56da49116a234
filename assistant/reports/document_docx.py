"""Any :class:`~spatial.compare.report.ReportDocument` as DOCX, in the review report's style.

The title as a centred heading, the facts as a key/value table, each section a level-1
heading with its paragraphs and tables (caption above, bold header row repeated on every
page, column widths from the content as in the PDF); the CJK font is named and embedded by
:mod:`.docx_common`.
"""

from __future__ import annotations

from spatial.compare.report import Paragraph, ReportDocument


def render_document_docx(doc: ReportDocument, *, embed_font: bool = True) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from assistant.reports.docx_common import (
        CELL_MARGIN_PT,
        TABLE_FONT_PT,
        TEXT_WIDTH_PT,
        add_table,
        add_title,
        new_document,
        to_bytes,
    )
    from assistant.reports.fonts import reportlab_font
    from assistant.reports.table_layout import column_widths

    font = reportlab_font()  # for measuring the text: the same font the DOCX embeds

    def widths(header: list[str] | None, rows: list[list[str]]) -> list[float]:
        return column_widths(header, rows, font, size=TABLE_FONT_PT, total=TEXT_WIDTH_PT, padding=CELL_MARGIN_PT)

    out = new_document(title=doc.title, footer=doc.title)
    add_title(out, doc.title)
    if doc.facts:
        facts = [[k, v] for k, v in doc.facts]
        add_table(out, None, facts, bold_first_column=True, widths=widths(None, facts))
    for section in doc.sections:
        out.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out.add_paragraph(block.text)
                continue
            if block.caption:
                caption = out.add_paragraph()
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
                caption.paragraph_format.keep_with_next = True
                caption.add_run(block.caption).bold = True
            add_table(out, block.header, block.rows, widths=widths(block.header, block.rows))
    return to_bytes(out, embed_font=embed_font)
