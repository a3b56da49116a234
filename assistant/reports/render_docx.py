"""DOCX rendering of the review report (python-docx), readable in Word and LibreOffice without a CJK font
installed: the page, fonts, tables and the embedded font subset come from :mod:`.docx_common`.
"""

from __future__ import annotations

import io

from assistant.reports.docx_common import add_table, add_title, new_document, to_bytes
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


def render_docx(report: Report, *, embed_font: bool = True) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    doc = new_document(title=f"{report.project_id} {report.title}", footer=f"{report.project_id} 审查意见书（草稿）")
    add_title(doc, report.title)
    meta = doc.add_paragraph(f"项目：{report.project_id} {report.project_name}　生成时间：{report.generated_at}　"
                             f"查看角色：{report.role}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(SECTIONS[0], level=1)
    add_table(doc, ["项目", "内容"], [[s.label, s.value] for s in report.summary])
    doc.add_heading(SECTIONS[1], level=1)
    doc.add_heading("法规政策与规划文件", level=2)
    add_table(doc, BASIS_HEADER, basis_rows(report))
    doc.add_heading("数据依据", level=2)
    if report.layers:
        add_table(doc, LAYER_HEADER, layer_rows(report))
    else:
        doc.add_paragraph("未加载任何图层。")

    doc.add_heading(SECTIONS[2], level=1)
    add_table(doc, CHECK_HEADER, check_rows(report),
              colours={(i, 4): _STATUS_RGB[r.status] for i, r in enumerate(report.checks, 1)})
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

    return to_bytes(doc, embed_font=embed_font)
