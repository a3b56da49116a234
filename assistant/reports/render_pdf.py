"""PDF rendering of the review report (reportlab); page, styles and tables from :mod:`.pdf_common`."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from assistant.reports.model import Report
from assistant.reports.pdf_common import build_pdf, grid_table, para, styles
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

_STATUS_COLOURS = {Status.FAIL: "#c0392b", Status.CONDITIONAL: "#d68910", Status.UNKNOWN: "#7f8c8d",
                   Status.PASS: "#1e8449"}


def render_pdf(report: Report) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer

    st = styles()
    base, small, title, meta, h2, h3, quote = st.base, st.small, st.title, st.meta, st.h2, st.h3, st.quote

    def p(text: str, style=base) -> Paragraph:
        return para(text, style)

    def table(header: list[str], rows: list[list], widths: list[float]):
        return grid_table(header, rows, [w * mm for w in widths], st)

    story: list = [p(report.title, title),
                   p(f"项目：{report.project_id} {report.project_name}　生成时间：{report.generated_at}　"
                     f"查看角色：{report.role}", meta), Spacer(1, 4 * mm)]
    story += [p(SECTIONS[0], h2), table(["项目", "内容"], [[s.label, s.value] for s in report.summary], [35, 135])]
    story += [p(SECTIONS[1], h2), p("法规政策与规划文件", h3), table(BASIS_HEADER, basis_rows(report), [70, 35, 25, 40]),
              p("数据依据", h3)]
    story.append(table(LAYER_HEADER, layer_rows(report), [45, 55, 32, 14, 24]) if report.layers else p("未加载任何图层。"))

    story.append(p(SECTIONS[2], h2))
    rows = check_rows(report)
    for cells, row in zip(rows, report.checks, strict=True):  # the status in its colour
        cells[4] = Paragraph(f'<font color="{_STATUS_COLOURS[row.status]}">{escape(row.label)}</font>', small)
    story.append(table(CHECK_HEADER, rows, [9, 22, 30, 25, 15, 30, 39]))
    story.append(Spacer(1, 2 * mm))
    story += [p(f"{i}. {r.name}（{r.label}）：{r.message}", small) for i, r in enumerate(report.checks, 1)]

    story.append(p(SECTIONS[3], h2))
    story += [p(f"{i}. {f.text}（依据：{f.citation}）") for i, f in enumerate(report.findings, 1)] \
        or [p("未发现不符合或需附条件的审查项。")]

    story.append(p(SECTIONS[4], h2))
    if report.narrative.paragraphs:
        story.append(p("以下段落由模型撰写，仅作解释；数字、结论与条文以第三、四、六部分为准。", quote))
        story += [p(x) for x in report.narrative.paragraphs]
    else:
        story.append(p(report.narrative.note or "无。"))

    colour = _STATUS_COLOURS[report.conclusion.status]
    story += [p(SECTIONS[5], h2),
              Paragraph(f'<font color="{colour}" size="13">{escape(report.conclusion.label)}</font>', base),
              p(report.conclusion.text)]

    story.append(p(SECTIONS[6], h2))
    story += [p(f"{i}. {q}") for i, q in enumerate(report.open_questions, 1)] or [p("无。")]

    if report.figure_png:
        img = Image(io.BytesIO(report.figure_png), width=170 * mm, height=170 * mm * 5.6 / 7.0)
        story.append(KeepTogether([p(SECTIONS[7], h2), img, p(report.figure_caption, small)]))
    story += [Spacer(1, 6 * mm), p(FOOTER, quote)]

    return build_pdf(story, st, title=f"{report.project_id} {report.title}",
                     footer=f"{report.project_id} 审查意见书（草稿）", subject=report.project_name)
