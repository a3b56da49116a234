"""Render simple Markdown to real DOCX and PDF files (demo data and tests).

The input understood is what :func:`ingest.readers.markdown.parse_markdown`
understands: ``#`` headings, paragraphs and pipe tables (front matter and
HTML tables are accepted too).  Output fonts handle Chinese text:

* DOCX: East Asian font "SimSun" (宋体) set on the Normal, heading and title
  styles (``w:eastAsia``), so Word/WPS render CJK text in a Song face.
* PDF: reportlab's built-in CID font ``STSong-Light`` (no font file needed);
  pypdf extracts its text back character-exact.  Lines wrap per character
  (CJK has no spaces), pipe tables become real tables, pages are numbered
  ``- N -`` in the footer.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from ingest.models import Block
from ingest.readers._tables import collapse_whitespace, parse_pipe_table
from ingest.readers.markdown import parse_markdown

_FIXED_TIME = datetime(2000, 1, 1)


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times, in the original order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()

EAST_ASIA_FONT = "SimSun"
PDF_FONT = "STSong-Light"
_TEXT_WIDTH_PT = 160 * 72 / 25.4  # A4 width minus 2 x 25 mm margins


def render_docx(markdown_text: str, path: Path, *, title: str | None = None) -> Path:
    """Write ``markdown_text`` as a Word document.

    Headings use the built-in "Heading N" styles, tables are real Word
    tables (style "Table Grid", bold header row), the title (if given) uses
    the "Title" style and is also stored in the core properties.

    Parameters
    ----------
    markdown_text : str
        Simple Markdown: ``#`` headings, paragraphs, pipe tables.
    path : Path
        Output file (parent directories are created).
    title : str, optional
        Document title.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> render_docx("# 第一章 总则\\n\\n第一条 为了……", Path("/tmp/a.docx"), title="示例")  # doctest: +SKIP
    PosixPath('/tmp/a.docx')
    """
    import docx
    from docx.shared import Pt

    path = Path(path)
    document = docx.Document()
    for style_name in ("Normal", "Title", *(f"Heading {n}" for n in range(1, 7))):
        _set_east_asia_font(document.styles[style_name])
    document.styles["Normal"].font.size = Pt(11)
    if title:
        document.core_properties.title = title
        document.add_heading(title, level=0)
    for block in parse_markdown(markdown_text).blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=min(max(block.level, 1), 6))
        elif block.kind == "table":
            _add_docx_table(document, parse_pipe_table(block.text.split("\n")))
        else:
            document.add_paragraph(collapse_whitespace(block.text))
    path.parent.mkdir(parents=True, exist_ok=True)
    # same input, same bytes: fixed document dates and zip entry times, so re-rendering is a no-op for ingest
    document.core_properties.created = document.core_properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_stable_zip(buffer.getvalue()))
    return path


def _set_east_asia_font(style: object) -> None:
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    fonts.set(qn("w:ascii"), "Times New Roman")
    fonts.set(qn("w:hAnsi"), "Times New Roman")


def _add_docx_table(document: object, rows: list[list[str]]) -> None:
    if not rows:
        return
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell.text = row[c] if c < len(row) else ""
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def render_pdf(markdown_text: str, path: Path, *, title: str | None = None) -> Path:
    """Write ``markdown_text`` as an A4 PDF with Chinese text.

    Parameters
    ----------
    markdown_text : str
        Simple Markdown: ``#`` headings, paragraphs, pipe tables.
    path : Path
        Output file (parent directories are created).
    title : str, optional
        Printed as a centred title and stored in the PDF metadata.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> render_pdf("# 第一章 总则\\n\\n第一条 为了……", Path("/tmp/a.pdf"))  # doctest: +SKIP
    PosixPath('/tmp/a.pdf')
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

    styles = _pdf_styles()
    story: list[object] = []
    if title:
        story.append(Paragraph(escape(title), styles["title"]))
    for block in parse_markdown(markdown_text).blocks:
        story.extend(_pdf_flowables(block, styles, Paragraph, Spacer, Table, TableStyle, colors))

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    margin = 25 * mm
    doc = BaseDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title or "",
        author="OneMap Copilot",
        invariant=True,  # no creation date or random id: same input, same bytes
    )
    frame = Frame(margin, margin, A4[0] - 2 * margin, A4[1] - 2 * margin, id="body")
    # page number drawn at page end, so text extraction yields it after the page body
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=_page_number)])
    doc.build(story or [Spacer(1, 1)])
    return path


def _pdf_styles() -> dict[str, object]:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=11, leading=17, wordWrap="CJK", spaceAfter=6)
    styles: dict[str, object] = {
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13, spaceAfter=0),
        "title": ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=14),
    }
    for level in range(1, 7):
        size = max(18 - 2 * (level - 1), 11)
        styles[f"h{level}"] = ParagraphStyle(
            f"h{level}", parent=body, fontSize=size, leading=size * 1.5, spaceBefore=8, spaceAfter=6
        )
    return styles


def _pdf_flowables(block: Block, styles, Paragraph, Spacer, Table, TableStyle, colors) -> list[object]:  # noqa: N803
    if block.kind == "heading":
        return [Paragraph(escape(block.text), styles[f"h{min(max(block.level, 1), 6)}"])]
    if block.kind == "paragraph":
        return [Paragraph(escape(collapse_whitespace(block.text)), styles["body"])]
    rows = parse_pipe_table(block.text.split("\n"))
    if not rows:
        return []
    width = max(len(row) for row in rows)
    data = [[Paragraph(escape(row[c]) if c < len(row) else "", styles["cell"]) for c in range(width)] for row in rows]
    table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=[_TEXT_WIDTH_PT / width] * width)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [table, Spacer(1, 8)]


def _page_number(canvas: object, doc: object) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    canvas.saveState()  # type: ignore[attr-defined]
    canvas.setFont(PDF_FONT, 9)  # type: ignore[attr-defined]
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {doc.page} -")  # type: ignore[attr-defined]
    canvas.restoreState()  # type: ignore[attr-defined]


def encrypt_pdf(src: Path, dst: Path, password: str, *, owner_password: str | None = None) -> Path:
    """Copy ``src`` to ``dst`` encrypted with ``password`` (RC4-128).

    RC4 needs no extra crypto package in pypdf.  With ``password=""`` and an
    owner password the file opens without a password (permissions only).

    Examples
    --------
    >>> encrypt_pdf(Path("a.pdf"), Path("locked.pdf"), "secret")  # doctest: +SKIP
    PosixPath('locked.pdf')
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.encrypt(user_password=password, owner_password=owner_password or password or "owner", algorithm="RC4-128")
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("wb") as handle:
        writer.write(handle)
    return dst
