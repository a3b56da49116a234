"""What every DOCX report shares (python-docx): A4 page, CJK font, title, grid tables, the embedded font.

Every style names the CJK font for East Asian text (``w:eastAsia``, theme fonts
removed, language ``zh-CN``), and a subset of the font with just the glyphs the
document uses is embedded in the package (``word/fonts/font1.odttf``, obfuscated
as ECMA-376 §17.8.1 prescribes, ``w:embedTrueTypeFonts`` set), so the Chinese text
renders on a machine that has no CJK font at all.  Used by :mod:`.render_docx`
(审查意见书) and :mod:`.document_docx` (any :class:`~spatial.compare.report.ReportDocument`).
"""

from __future__ import annotations

import io
import uuid

from lxml import etree

from assistant.reports import AUTHOR
from assistant.reports.fonts import CJKFont, cjk_font, subset_ttf

TABLE_FONT_PT = 8.5
CELL_MARGIN_PT = 5.4  # Word's default left and right cell margin (0.19 cm)
PAGE_MM, MARGIN_MM = (210, 297), 18  # A4; left and right margins (top 16, bottom 18)
TEXT_WIDTH_PT = (PAGE_MM[0] - 2 * MARGIN_MM) * 72 / 25.4
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT_FONT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
CT_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"


def new_document(*, title: str, footer: str):
    """An A4 document in the CJK font, with ``footer`` on every page and ``title`` in its properties."""
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.left_margin = section.right_margin = Mm(MARGIN_MM)
        section.top_margin, section.bottom_margin = Mm(16), Mm(18)
        section.footer.paragraphs[0].text = footer
    use_font(doc, cjk_font().family)
    doc.core_properties.title = title
    doc.core_properties.author = AUTHOR
    return doc


def add_title(doc, text: str):
    """The document title: a centred 18 pt ``Title`` heading."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    title = doc.add_heading(text, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in title.runs:
        run.font.size = Pt(18)
    return title


def add_table(doc, header: list[str] | None, rows: list[list[str]], *,
              colours: dict[tuple[int, int], str] | None = None, bold_first_column: bool = False,
              widths: list[float] | None = None):
    """A ``Table Grid`` table in 8.5 pt, then an empty paragraph; returns the table.

    ``header`` (bold) repeats on every page the table runs over; ``None`` for a key/value table.
    ``colours`` maps (row, column), counting the header as row 0, to an RGB hex colour.
    ``widths`` fixes the column widths (points); without them the columns share the text width.
    """
    from docx.oxml import OxmlElement
    from docx.shared import Pt, RGBColor

    width = len(header) if header is not None else max((len(r) for r in rows), default=1)
    t = doc.add_table(rows=0, cols=width)
    t.style = "Table Grid"
    if header is not None:
        cells = t.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    first = 1 if header is not None else 0
    for r, row in enumerate(rows, first):
        for c, (cell, text) in enumerate(zip(t.add_row().cells, row, strict=True)):
            run = cell.paragraphs[0].add_run(text)
            run.bold = bold_first_column and c == 0
            if colours and (r, c) in colours:
                run.font.color.rgb = RGBColor.from_string(colours[(r, c)])
    for row in t.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                for run in par.runs:
                    run.font.size = Pt(TABLE_FONT_PT)
    if widths is not None:
        t.autofit = False  # fixed layout: the widths hold in Word and LibreOffice alike
        for column, w in zip(t.columns, widths, strict=True):
            column.width = Pt(w)
            for cell in column.cells:
                cell.width = Pt(w)
    doc.add_paragraph()
    return t


def to_bytes(doc, *, embed_font: bool = True) -> bytes:
    """The saved package, with a subset of the CJK font covering every character of the body and footers."""
    if embed_font:
        text = "".join(doc.element.itertext())
        text += "".join("".join(s.footer._element.itertext()) for s in doc.sections)
        _embed_font(doc, cjk_font(), text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def use_font(doc, family: str) -> None:
    """Name ``family`` for ASCII and East Asian text in the defaults and every style; drop theme fonts."""
    styles = doc.styles.element
    defaults = styles.find(f"{{{_W}}}docDefaults/{{{_W}}}rPrDefault/{{{_W}}}rPr")
    targets = [defaults] if defaults is not None else []
    for style in doc.styles:
        if hasattr(style, "font"):
            targets.append(style.element.get_or_add_rPr())
    for rpr in targets:
        _set_rfonts(rpr, family)
    for rfonts in styles.iter(f"{{{_W}}}rFonts"):  # table styles' conditional formats too
        _name_fonts(rfonts, family)


def _set_rfonts(rpr, family: str) -> None:
    rfonts = rpr.find(f"{{{_W}}}rFonts")
    if rfonts is None:
        rfonts = etree.SubElement(rpr, f"{{{_W}}}rFonts")
        rpr.insert(0, rfonts)
    _name_fonts(rfonts, family)
    lang = rpr.find(f"{{{_W}}}lang")
    if lang is None:
        lang = etree.SubElement(rpr, f"{{{_W}}}lang")
    lang.set(f"{{{_W}}}eastAsia", "zh-CN")


def _name_fonts(rfonts, family: str) -> None:
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(f"{{{_W}}}{attr}", None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(f"{{{_W}}}{attr}", family)


def obfuscate(font: bytes, key: str) -> bytes:
    """ECMA-376 font obfuscation: the first 32 bytes XOR the GUID's 16 bytes, read from its end."""
    k = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ k[i % 16] for i, b in enumerate(font[:32]))
    return head + font[32:]


def _embed_font(doc, font: CJKFont, text: str) -> None:
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    key = "{" + str(uuid.uuid4()).upper() + "}"
    package = doc.part.package
    font_part = Part(PackURI("/word/fonts/font1.odttf"), CT_FONT, obfuscate(subset_ttf(text, font), key), package)
    table_part = doc.part.part_related_by("http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable")
    rid = table_part.relate_to(font_part, RT_FONT)
    fonts = etree.fromstring(table_part.blob)
    entry = etree.SubElement(fonts, f"{{{_W}}}font", {f"{{{_W}}}name": font.family})
    etree.SubElement(entry, f"{{{_W}}}charset", {f"{{{_W}}}val": "86"})
    etree.SubElement(entry, f"{{{_W}}}family", {f"{{{_W}}}val": "swiss"})
    etree.SubElement(entry, f"{{{_W}}}pitch", {f"{{{_W}}}val": "variable"})
    etree.SubElement(entry, f"{{{_W}}}embedRegular", {f"{{{_R}}}id": rid, f"{{{_W}}}fontKey": key})
    table_part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)  # a plain Part
    settings = doc.settings.element
    if settings.find(f"{{{_W}}}embedTrueTypeFonts") is None:  # in schema order: after these, before the rest
        before = {"writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                  "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                  "printFractionalCharacterWidth", "printFormsData"}
        at = next((i for i, child in enumerate(settings) if etree.QName(child).localname not in before), len(settings))
        settings.insert(at, etree.Element(f"{{{_W}}}embedTrueTypeFonts"))
