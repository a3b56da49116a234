"""The comparison report (详规成果比对审查报告) as a typed document, and its Markdown rendering.

:func:`comparison_report` turns a :class:`PlanComparison` into a :class:`ReportDocument`:
a title, key/value facts and sections of paragraphs and tables, with nothing
format-specific in it, so a DOCX or PDF renderer only has to walk the same blocks.
:func:`render_markdown` is the Markdown renderer.

Examples
--------
>>> doc = ReportDocument(title="示例", sections=[Section(heading="一、概况", blocks=[
...     Paragraph(text="无变化。"), Table(header=["地块", "变化"], rows=[["A|1", "—"]])])])
>>> print(render_markdown(doc))
# 示例
<BLANKLINE>
## 一、概况
<BLANKLINE>
无变化。
<BLANKLINE>
| 地块 | 变化 |
|---|---|
| A\\|1 | — |
<BLANKLINE>
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from spatial.compare.engine import fmt, fmt_field
from spatial.compare.models import BalanceStatus, ChangeKind, PlanComparison


class Paragraph(BaseModel):
    kind: Literal["paragraph"] = "paragraph"
    text: str


class Table(BaseModel):
    kind: Literal["table"] = "table"
    caption: str | None = None
    header: list[str]
    rows: list[list[str]]


Block = Annotated[Paragraph | Table, Field(discriminator="kind")]


class Section(BaseModel):
    heading: str
    blocks: list[Block] = Field(default_factory=list)


class ReportDocument(BaseModel):
    """A report independent of its output format."""

    title: str
    facts: list[tuple[str, str]] = Field(default_factory=list, description="Key/value lines under the title.")
    sections: list[Section] = Field(default_factory=list)


# --------------------------------------------------------------------------- building


def comparison_report(cmp: PlanComparison, *, title: str = "详规成果比对审查报告") -> ReportDocument:
    """The report of one comparison: overview, parcel changes, unit balances, control lines, notes."""
    counts = cmp.counts()
    facts = [("原方案", _name(cmp.old_source)), ("新方案", _name(cmp.new_source)),
             ("地块数量", f"原方案{cmp.old_parcels}个，新方案{cmp.new_parcels}个，未变化{cmp.unchanged_parcels}个"),
             ("比对容差", f"图形{fmt(cmp.options.geometry_tolerance_m2)}平方米（面积变化或图形差异），"
                      f"指标{cmp.options.value_tolerance:g}")]
    pushed = [u for u in cmp.units if u.pushed_over]
    summary = [f"共识别{len(cmp.changes)}个地块发生变化：" + ("，".join(
        f"{k.label}{counts[k.value]}个" for k in ChangeKind if counts[k.value]) or "无") + "。"]
    if pushed:
        summary.append("调整后超出建筑总量上限的管理单元：" + "、".join(u.unit_id for u in pushed) + "。")
    new_hits = [h for h in cmp.control_lines if h.status != "existing"]
    if new_hits:
        summary.append("触及三条控制线的变更：" + "；".join(
            f"{h.parcel_id}（{h.line_label}）" for h in new_hits) + "。")
    sections = [Section(heading="一、比对结论", blocks=[Paragraph(text=t) for t in summary])]
    sections.append(_changes_section(cmp))
    sections.append(_units_section(cmp))
    sections.append(_lines_section(cmp))
    if cmp.notes:
        sections.append(Section(heading="五、说明", blocks=[Paragraph(text=n) for n in cmp.notes]))
    return ReportDocument(title=title, facts=facts, sections=sections)


def _changes_section(cmp: PlanComparison) -> Section:
    if not cmp.changes:
        return Section(heading="二、地块变化", blocks=[Paragraph(text="两个版本的地块一致，未发现变化。")])
    rows = []
    for c in cmp.changes:
        rows.append([c.parcel_id, c.unit_id or "—", "、".join(k.label for k in c.kinds), _detail(c.message, c.parcel_id),
                     f"{c.planned_gfa_old_m2:,.0f}", f"{c.planned_gfa_new_m2:,.0f}"])
    attr_rows = [[c.parcel_id, a.label, fmt_field(a.field, a.old), fmt_field(a.field, a.new)]
                 for c in cmp.changes for a in c.attributes]
    geo_rows = [[c.parcel_id, fmt(c.geometry.old_area_m2), fmt(c.geometry.new_area_m2),
                 fmt(c.geometry.area_change_m2), fmt(c.geometry.symmetric_difference_m2)]
                for c in cmp.changes if c.geometry is not None and ChangeKind.GEOMETRY in c.kinds]
    blocks: list[Paragraph | Table] = [Table(caption="表1 地块变化一览表", header=[
        "地块编号", "单元", "变化类型", "变化内容", "原规划建筑量(m²)", "新规划建筑量(m²)"], rows=rows)]
    if attr_rows:
        blocks.append(Table(caption="表2 控制指标变化明细表", header=["地块编号", "指标", "原方案", "新方案"],
                            rows=attr_rows))
    if geo_rows:
        blocks.append(Table(caption="表3 地块边界调整表", header=[
            "地块编号", "原用地面积(m²)", "新用地面积(m²)", "面积变化(m²)", "图形差异(m²)"], rows=geo_rows))
    return Section(heading="二、地块变化", blocks=blocks)


def _units_section(cmp: PlanComparison) -> Section:
    if not cmp.units:
        return Section(heading="三、管理单元建筑总量平衡", blocks=[Paragraph(text="地块未标明所属管理单元，无法核算。")])
    rows = [[u.unit_id, fmt(u.cap_m2) if u.cap_m2 is None else f"{u.cap_m2:,.0f}", f"{u.before_m2:,.0f}",
             f"{u.after_m2:,.0f}", f"{u.change_m2:+,.0f}", u.status_before.label,
             u.status_after.label + ("（新增超限）" if u.pushed_over else "")] for u in cmp.units]
    blocks: list[Paragraph | Table] = [
        Paragraph(text="单元规划建筑量按各地块容积率上限×用地面积之和计算（无容积率上限的地块计0），"
                       "与单元建筑总量上限比较（单元内平衡为地方规则）。"),
        Table(caption="表4 管理单元建筑总量平衡表", header=["单元", "建筑总量上限(m²)", "调整前(m²)", "调整后(m²)",
                                                   "变化(m²)", "调整前", "调整后"], rows=rows)]
    blocks += [Paragraph(text=u.message) for u in cmp.units
               if u.change_m2 or u.status_after is BalanceStatus.OVER]
    return Section(heading="三、管理单元建筑总量平衡", blocks=blocks)


def _lines_section(cmp: PlanComparison) -> Section:
    heading = "四、涉及三条控制线的变更"
    if not cmp.control_lines:
        return Section(heading=heading, blocks=[Paragraph(text="新增和调整的地块未触及已提供的三条控制线图层。")])
    rows = [[h.parcel_id, h.line_label, "、".join(h.feature_ids) or "—", f"{h.area_m2:,.1f}",
             fmt(h.before_area_m2), {"new": "新增", "enlarged": "扩大", "existing": "原已涉及"}[h.status]]
            for h in cmp.control_lines]
    blocks: list[Paragraph | Table] = [
        Table(caption="表5 变更地块与三条控制线关系表", header=["地块编号", "控制线", "涉及要素", "面积(m²)",
                                                     "原方案面积(m²)", "情形"], rows=rows)]
    blocks += [Paragraph(text=h.message) for h in cmp.control_lines]
    return Section(heading=heading, blocks=blocks)


def _detail(message: str, parcel_id: str) -> str:
    prefix = f"地块{parcel_id}："
    return message[len(prefix):] if message.startswith(prefix) else message


def _name(source: str) -> str:
    return Path(source).name if source else "—"


# --------------------------------------------------------------------------- Markdown


def render_markdown(doc: ReportDocument) -> str:
    """The document as Markdown: ``#`` title, facts as a list, ``##`` sections, pipe tables."""
    lines = [f"# {doc.title}", ""]
    if doc.facts:
        lines += [f"- {k}：{v}" for k, v in doc.facts] + [""]
    for s in doc.sections:
        lines += [f"## {s.heading}", ""]
        for b in s.blocks:
            if isinstance(b, Paragraph):
                lines += [b.text, ""]
                continue
            if b.caption:
                lines += [b.caption, ""]
            lines.append("| " + " | ".join(_cell(h) for h in b.header) + " |")
            lines.append("|" + "|".join("---" for _ in b.header) + "|")
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
