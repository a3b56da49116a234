"""DOCX rendering (python-docx), readable in Word and LibreOffice without a CJK font installed.

Every style names the CJK font for East Asian text (``w:eastAsia``, theme fonts
removed, language ``zh-CN``), and a subset of the font with just the glyphs the
report uses is embedded in the package (``word/fonts/font1.odttf``, obfuscated
as ECMA-376 §17.8.1 prescribes, ``w:embedTrueTypeFonts`` set), so the Chinese text
renders on a machine that has no CJK font at all.
"""

from __future__ import annotations

import io
import uuid

from lxml import etree

from assistant.reports.fonts import CJKFont, cjk_font, subset_ttf
from assistant.reports.model import Report
from assistant.reports.render_md import (
    BASIS_HEADER,
    CHECK_HEADER,
    FOOTER,
    LAYER_HEADER,
    SECTIONS,
    basis_rows,
    check_rows,
    layer_rows,
)
from spatial.verdict import Status

_STATUS_RGB = {Status.FAIL: "C0392B", Status.CONDITIONAL: "D68910", Status.UNKNOWN: "7F8C8D", Status.PASS: "1E8449"}
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT_FONT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
CT_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"


def render_docx(report: Report, *, embed_font: bool = True) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    font = cjk_font()
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(18)
        section.top_margin, section.bottom_margin = Mm(16), Mm(18)
        footer = section.footer.paragraphs[0]
        footer.text = f"{report.project_id} 审查意见书（草稿）"
    _use_font(doc, font.family)
    doc.core_properties.title = f"{report.project_id} {report.title}"
    doc.core_properties.author = "OneMap Copilot 一张图智审助手"

    title = doc.add_heading(report.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in title.runs:
        run.font.size = Pt(18)
    meta = doc.add_paragraph(f"项目：{report.project_id} {report.project_name}　生成时间：{report.generated_at}　"
                             f"查看角色：{report.role}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(header: list[str], rows: list[list[str]], colours: dict[tuple[int, int], str] | None = None) -> None:
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
        for r, row in enumerate(rows, 1):
            cells = t.add_row().cells
            for c, text in enumerate(row):
                cells[c].text = ""
                run = cells[c].paragraphs[0].add_run(text)
                if colours and (r, c) in colours:
                    run.font.color.rgb = RGBColor.from_string(colours[(r, c)])
        for row in t.rows:
            for cell in row.cells:
                for par in cell.paragraphs:
                    for run in par.runs:
                        run.font.size = Pt(8.5)
        doc.add_paragraph()

    doc.add_heading(SECTIONS[0], level=1)
    table(["项目", "内容"], [[s.label, s.value] for s in report.summary])
    doc.add_heading(SECTIONS[1], level=1)
    doc.add_heading("法规政策与规划文件", level=2)
    table(BASIS_HEADER, basis_rows(report))
    doc.add_heading("数据依据", level=2)
    if report.layers:
        table(LAYER_HEADER, layer_rows(report))
    else:
        doc.add_paragraph("未加载任何图层。")

    doc.add_heading(SECTIONS[2], level=1)
    table(CHECK_HEADER, check_rows(report), {(i, 4): _STATUS_RGB[r.status] for i, r in enumerate(report.checks, 1)})
    for i, r in enumerate(report.checks, 1):
        par = doc.add_paragraph()
        par.add_run(f"{i}. {r.name}（{r.label}）：").bold = True
        par.add_run(r.message)

    doc.add_heading(SECTIONS[3], level=1)
    for i, f in enumerate(report.findings, 1):
        doc.add_paragraph(f"{i}. {f.text}（依据：{f.citation}）")
    if not report.findings:
        doc.add_paragraph("未发现不符合或需附条件的审查项。")

    doc.add_heading(SECTIONS[4], level=1)
    if report.narrative.paragraphs:
        note = doc.add_paragraph().add_run("以下段落由模型撰写，仅作解释；数字、结论与条文以第三、四、六部分为准。")
        note.italic = True
        for text in report.narrative.paragraphs:
            doc.add_paragraph(text)
    else:
        doc.add_paragraph(report.narrative.note or "无。")

    doc.add_heading(SECTIONS[5], level=1)
    verdict = doc.add_paragraph().add_run(report.conclusion.label)
    verdict.bold = True
    verdict.font.size = Pt(14)
    verdict.font.color.rgb = RGBColor.from_string(_STATUS_RGB[report.conclusion.status])
    doc.add_paragraph(report.conclusion.text)

    doc.add_heading(SECTIONS[6], level=1)
    for i, q in enumerate(report.open_questions, 1):
        doc.add_paragraph(f"{i}. {q}")
    if not report.open_questions:
        doc.add_paragraph("无。")

    if report.figure_png:
        doc.add_heading(SECTIONS[7], level=1)
        doc.add_picture(io.BytesIO(report.figure_png), width=Mm(170))
        doc.add_paragraph(report.figure_caption)
    doc.add_paragraph().add_run(FOOTER).italic = True

    if embed_font:
        _embed_font(doc, font, report.text() + report.title + report.figure_caption)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _use_font(doc, family: str) -> None:
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
