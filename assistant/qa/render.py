"""Text written by code from tool results: verdicts and numbers are copied, never generated.

Each renderer returns lines and the sources they rest on; a line's ``{n}`` slot
is filled with the citation number the service gives that source.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

CHECK_NAMES = {
    "ecological_protection_redline": "生态保护红线", "permanent_basic_farmland": "永久基本农田",
    "urban_development_boundary": "城镇开发边界", "land_use_compatibility": "用地性质",
    "far": "容积率", "building_density": "建筑密度", "height": "建筑高度", "green_ratio": "绿地率",
    "unit_balance": "单元指标平衡",
}
CONDITION_NAMES = (
    ("land_use", "用地性质", ""), ("land_use_name", "用地名称", ""), ("far_max", "容积率上限", ""),
    ("far_min", "容积率下限", ""), ("density_max", "建筑密度上限", "%"), ("height_max", "建筑限高", "米"),
    ("green_min", "绿地率下限", "%"), ("unit_id", "所属管理单元", ""),
)


class Source(BaseModel):
    """A passage a rendered line rests on (a rule's clause, or a layer)."""

    doc_title: str
    locator: str
    text: str
    version: str = ""
    access: str = "public"  # a rule table shipped with the product is public; a layer has its own level

    @property
    def key(self) -> tuple[str, str]:
        return self.doc_title, self.locator


class Rendered(BaseModel):
    lines: list[tuple[str, list[Source]]]  # text (without marker), the sources it cites
    facts: str  # a plain summary for the model's explanation


def verdict(result: dict[str, Any]) -> Rendered:
    """Lines for a :class:`spatial.verdict.Verdict` as JSON."""
    name = result.get("name") or result.get("project_id", "")
    head = f"审查结论：{result.get('project_id', '')}（{name}）{result.get('label', '')}"
    lines: list[tuple[str, list[Source]]] = [(head, [])]
    facts = [head]
    passed_sources: list[Source] = []
    for check in result.get("checks", []):
        label = CHECK_NAMES.get(check.get("check", ""), check.get("check", ""))
        text = f"{label}：{check.get('label', '')}。{check.get('message', '')}".rstrip()
        rule = check.get("rule") or {}
        src = rule.get("source") or {}
        source = Source(doc_title=src.get("doc_title", ""), locator=src.get("locator", ""),
                        text=rule.get("text", "")) if src.get("doc_title") else None
        if check.get("status") != "pass" or source is None:
            lines.append((text, [source] if source else []))
        elif source.key not in {s.key for s in passed_sources}:
            passed_sources.append(source)
        facts.append(text)
    passed = [CHECK_NAMES.get(c.get("check", ""), "") for c in result.get("checks", []) if c.get("status") == "pass"]
    if passed:
        lines.append((f"其余审查项符合：{'、'.join(p for p in passed if p)}。", passed_sources))
    return Rendered(lines=lines, facts="\n".join(facts))


def conditions(result: dict[str, Any]) -> Rendered:
    """Lines for ``parcel_conditions``."""
    cond = result.get("conditions", {})
    parts = []
    for key, label, unit in CONDITION_NAMES:
        if cond.get(key) not in (None, ""):
            parts.append(f"{label}{_num(cond[key])}{unit}")
    area = result.get("area_m2")
    if area:
        parts.append(f"地块面积约{_num(area)}平方米")
    text = f"地块{result.get('parcel_id', '')}的规划条件：" + "，".join(parts) + "。"
    layer = result.get("source") or {}
    source = Source(doc_title=f"控规地块图层（{layer.get('file') or 'regulatory_parcels'}）",
                    locator=str(result.get("parcel_id", "")), text=text, access=layer.get("access") or "public")
    return Rendered(lines=[(text, [source])], facts=text)


def chain(result: dict[str, Any]) -> Rendered:
    """Lines for ``indicator_chain``: each indicator at the zone, its target, its parts' sum and breaches."""
    lines: list[tuple[str, list[Source]]] = []
    for ch in result.get("chains", []):
        node = ch.get("node", {})
        unit = node.get("unit", "")
        bits = [f"{ch.get('name', node.get('name', ''))}（{node.get('zone_id', '')}）"]
        if node.get("target") is not None:
            bits.append(f"{'上限' if node.get('bound', 'max') == 'max' else '下限'}{_num(node['target'])}{unit}")
        if node.get("current") is not None:
            bits.append(f"现状{_num(node['current'])}{unit}")
        if node.get("children_sum") is not None:
            bits.append(f"下级合计{_num(node['children_sum'])}{unit}")
        text = "，".join(bits) + "。"
        lines.append((text, []))
    for breach in result.get("breaches", []):
        lines.append((f"超标：{breach}", []))
    if not result.get("breaches"):
        lines.append(("传导链上未发现突破上级指标的情况。", []))
    return Rendered(lines=lines, facts="\n".join(t for t, _ in lines))


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "") if value != int(value) else str(int(value))
    return str(value)
