"""Markdown rendering of a :class:`~assistant.reports.model.Report` (the text every other format mirrors)."""

from __future__ import annotations

from assistant.reports.model import Report

SECTIONS = ("一、项目概况", "二、审查依据", "三、审查情况", "四、主要问题", "五、审查说明", "六、审查结论",
            "七、需审查人员核实的事项", "八、附图")
FOOTER = "本意见书为系统依据规则引擎的审查结果自动生成的草稿，数字、结论与条文引用均来自审查引擎，须经审查人员核实后签发。"


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def basis_rows(report: Report) -> list[list[str]]:
    return [[d.doc_title, d.doc_number or "—", d.version or "未收录（待核）", "、".join(d.locators)] for d in report.basis]


def layer_rows(report: Report) -> list[list[str]]:
    return [[f"{layer.label}（{layer.kind}）", layer.source, layer.imported_at, str(layer.features), layer.sha256]
            for layer in report.layers]


def check_rows(report: Report) -> list[list[str]]:
    return [[str(i), r.name, r.value, r.limit, r.label, f"{r.rule_id}（{r.confidence}）", r.citation]
            for i, r in enumerate(report.checks, 1)]


CHECK_HEADER = ["序号", "审查项", "申报值／占用", "控制值", "结论", "规则（置信度）", "依据条文"]
BASIS_HEADER = ["文件", "文号", "版本", "引用条款"]
LAYER_HEADER = ["图层", "来源文件", "导入时间", "要素数", "SHA-256"]


def render_markdown(report: Report, *, figure_path: str | None = None) -> str:
    out: list[str] = [f"# {report.title}", "",
                      f"项目：{report.project_id} {report.project_name}　　生成时间：{report.generated_at}　　"
                      f"查看角色：{report.role}", ""]

    def table(header: list[str], rows: list[list[str]]) -> None:
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
        out.append("")

    out += [f"## {SECTIONS[0]}", ""]
    table(["项目", "内容"], [[s.label, s.value] for s in report.summary])

    out += [f"## {SECTIONS[1]}", "", "### 法规政策与规划文件", ""]
    table(BASIS_HEADER, basis_rows(report))
    out += ["### 数据依据", ""]
    if report.layers:
        table(LAYER_HEADER, layer_rows(report))
    else:
        out += ["未加载任何图层。", ""]

    out += [f"## {SECTIONS[2]}", ""]
    table(CHECK_HEADER, check_rows(report))
    out += ["各审查项说明：", ""]
    out += [f"{i}. **{r.name}（{r.label}）**：{r.message}" for i, r in enumerate(report.checks, 1)]
    out.append("")

    out += [f"## {SECTIONS[3]}", ""]
    if report.findings:
        out += [f"{i}. {f.text}（依据：{f.citation}）" for i, f in enumerate(report.findings, 1)]
    else:
        out.append("未发现不符合或需附条件的审查项。")
    out.append("")

    out += [f"## {SECTIONS[4]}", ""]
    if report.narrative.paragraphs:
        out += ["> 以下段落由模型撰写，仅作解释；数字、结论与条文以第三、四、六部分为准。", ""]
        for p in report.narrative.paragraphs:
            out += [p, ""]
    else:
        out += [report.narrative.note or "无。", ""]

    out += [f"## {SECTIONS[5]}", "", f"**{report.conclusion.label}**", "", report.conclusion.text, ""]

    out += [f"## {SECTIONS[6]}", ""]
    out += [f"{i}. {q}" for i, q in enumerate(report.open_questions, 1)] or ["无。"]
    out.append("")

    out += [f"## {SECTIONS[7]}", ""]
    if figure_path:
        out += [f"![{report.figure_caption}]({figure_path})", "", report.figure_caption, ""]
    elif report.figure_png:
        out += [f"{report.figure_caption}（输出为 Markdown 文件时另存为 PNG）", ""]
    else:
        out += ["无。", ""]
    out += ["---", "", FOOTER, ""]
    return "\n".join(out)
