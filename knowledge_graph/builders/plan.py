"""Zones, indicators and the transmission chain 县 → 片区 → 单元 → 地块 from a plan's tables and layers.

Reads the county master plan's indicator table (表2-1 规划指标表) and district allocation table
(表2-2 规划指标片区分解表), the regulatory plan's unit table (表2-1 管理单元控制指标表), and the
layers (management units, regulatory parcels, control lines, planning zones). Built for the demo
county's documents; another county's plan with the same table captions and columns works too.

Indicator values keep the unit of the county table along a chain (a unit's 城乡建设用地规模 in ha
becomes km²) so that levels compare directly. ``bound`` says whether the target is a cap (max:
规模, 面积 of development, 建筑总量) or a floor (min: 保有量, 保护面积, 红线面积, 覆盖率).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from knowledge_graph.builders.documents import SourceDocument
from knowledge_graph.schema import CONTROL_LINES, GraphData, line_zone_id
from spatial.kinds import LayerKind
from spatial.layers import Layer

COUNTY_TABLE = "表2-1 规划指标表"
DISTRICT_TABLE = "表2-2 规划指标片区分解表"
UNIT_TABLE = "表2-1 管理单元控制指标表"
LAND_QUOTA = "城乡建设用地规模"
GFA = "建筑总量"
_MIN_WORDS = ("保有量", "保护面积", "红线面积", "湿地面积", "覆盖率", "森林")
_UNIT_IN_HEADER = re.compile(r"^(?P<name>[^()（）]+)[(（](?P<unit>[^)）]+)[)）]$")
_M2_PER_UNIT = {"平方公里": 1e6, "km²": 1e6, "公顷": 1e4, "ha": 1e4, "亩": 10000 / 15, "平方米": 1.0, "m²": 1.0}


def convert_area(value: float, unit: str, to: str) -> float:
    """An area from one unit to another (平方公里, 公顷/ha, 亩, 平方米/m²).

    Examples
    --------
    >>> convert_area(95, "ha", "平方公里"), convert_area(15, "亩", "公顷")
    (0.95, 1.0)
    """
    try:
        return round(value * _M2_PER_UNIT[unit] / _M2_PER_UNIT[to], 6)
    except KeyError as exc:
        raise ValueError(f"cannot convert an area from {unit!r} to {to!r}: unknown unit {exc.args[0]!r}; "
                         f"known: {', '.join(_M2_PER_UNIT)}") from None


def bound_of(name: str) -> str:
    """``min`` for floors (保有量, 保护面积 ...), ``max`` for caps.

    Examples
    --------
    >>> bound_of("耕地保有量"), bound_of("城乡建设用地规模"), bound_of("森林覆盖率")
    ('min', 'max', 'min')
    """
    return "min" if any(w in name for w in _MIN_WORDS) else "max"


def pipe_table(text: str, caption: str) -> list[dict[str, str]]:
    """The pipe table that follows the line ``caption`` in a Markdown text, as row dicts ([] if absent)."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == caption)
    except StopIteration:
        return []
    block: list[str] = []
    for line in lines[start + 1:]:
        if line.strip().startswith("|"):
            block.append(line)
        elif block:
            break
    rows = block
    if len(rows) < 3:
        return []
    header = [c.strip() for c in rows[0].strip().strip("|").split("|")]
    return [dict(zip(header, [c.strip() for c in r.strip().strip("|").split("|")], strict=False)) for r in rows[2:]]


def number(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class PlanSources:
    """The inputs of the plan builder."""

    county: str
    master_plan_text: str
    regulatory_plan_text: str
    layers: Mapping[LayerKind, Layer]
    master_plan_doc: SourceDocument | None = None
    regulatory_plan_doc: SourceDocument | None = None
    year: int = 2035


def plan_graph(src: PlanSources) -> GraphData:
    g = GraphData()
    county_id = f"county:{src.county}"
    g.node("Zone", {"zone_id": county_id, "kind": "county", "name": src.county})
    _control_lines(g, county_id, src.layers)
    county_ind = _county_indicators(g, src, county_id)
    districts = _districts(g, src, county_id, county_ind)
    _units_and_parcels(g, src, districts, county_ind)
    return g


def _clause_with(doc: SourceDocument | None, needle: str) -> str | None:
    if doc is None:
        return None
    return next((c.clause_id for c in doc.clauses if needle in c.text), None)


def _control_lines(g: GraphData, county_id: str, layers: Mapping[LayerKind, Layer]) -> None:
    for line, name in CONTROL_LINES.items():
        g.node("Zone", {"zone_id": line_zone_id(line), "kind": "control_line", "name": name, "line": line})
        layer = layers.get(LayerKind(line))
        for f in layer or ():
            g.node("Zone", {"zone_id": f.fid, "kind": "control_line", "name": f.attrs.get("name") or f.fid,
                            "line": line, "area_m2": round(f.area_m2, 2), "core": f.attrs.get("core")})
            g.edge("CONTAINS", "Zone", county_id, "Zone", f.fid)
    for f in layers.get(LayerKind.PLANNING_ZONES) or ():
        g.node("Zone", {"zone_id": f.fid, "kind": "planning_zone", "name": f.attrs.get("name") or f.fid,
                        "zone_type": f.attrs.get("zone_type"), "area_m2": round(f.area_m2, 2)})
        g.edge("CONTAINS", "Zone", county_id, "Zone", f.fid)


def _county_indicators(g: GraphData, src: PlanSources, county_id: str) -> dict[str, dict[str, Any]]:
    clause = _clause_with(src.master_plan_doc, COUNTY_TABLE) or _clause_with(src.master_plan_doc, "规划指标表")
    out = {}
    for row in pipe_table(src.master_plan_text, COUNTY_TABLE):
        name = row.get("指标名称", "")
        if not name:
            continue
        baseline_key = next((k for k in row if k.startswith("基期年")), "")
        target_key = next((k for k in row if k.startswith("目标年")), "")
        ind = {"indicator_id": f"{src.county}:{name}", "name": name, "unit": row.get("单位", ""),
               "nature": row.get("属性", ""), "level": "county", "target": number(row.get(target_key)),
               "baseline": number(row.get(baseline_key)), "year": src.year, "bound": bound_of(name),
               "zone_id": county_id}
        g.node("Indicator", ind)
        g.edge("ALLOCATED_TO", "Indicator", ind["indicator_id"], "Zone", county_id)
        if clause:
            g.edge("DERIVED_FROM", "Indicator", ind["indicator_id"], "Clause", clause)
        out[name] = ind
    return out


def _districts(g: GraphData, src: PlanSources, county_id: str,
               county_ind: dict[str, dict[str, Any]]) -> dict[str, str]:
    clause = _clause_with(src.master_plan_doc, DISTRICT_TABLE)
    districts = {}
    for row in pipe_table(src.master_plan_text, DISTRICT_TABLE):
        name = row.get("片区名称", "")
        if not name or name == "合计":
            continue
        zid = f"district:{name}"
        districts[name] = zid
        area = number(row.get("片区面积(平方公里)"))
        g.node("Zone", {"zone_id": zid, "kind": "district", "name": name, "function": row.get("主导功能"),
                        "area_m2": area * 1e6 if area is not None else None})
        g.edge("CONTAINS", "Zone", county_id, "Zone", zid)
        for header, value in row.items():
            m = _UNIT_IN_HEADER.match(header)
            if not m or m.group("name") not in county_ind:
                continue
            parent = county_ind[m.group("name")]
            ind = {"indicator_id": f"{name}:{m.group('name')}", "name": m.group("name"), "unit": m.group("unit"),
                   "nature": parent["nature"], "level": "district", "target": number(value), "year": src.year,
                   "bound": parent["bound"], "zone_id": zid}
            g.node("Indicator", ind)
            g.edge("ALLOCATED_TO", "Indicator", ind["indicator_id"], "Zone", zid)
            g.edge("TRANSMITS_TO", "Indicator", parent["indicator_id"], "Indicator", ind["indicator_id"])
            parent["complete_allocation"] = True
            g.node("Indicator", parent)
            if clause:
                g.edge("DERIVED_FROM", "Indicator", ind["indicator_id"], "Clause", clause)
    return districts


def _units_and_parcels(g: GraphData, src: PlanSources, districts: dict[str, str],
                       county_ind: dict[str, dict[str, Any]]) -> None:
    units = {r.get("单元编号", ""): r for r in pipe_table(src.regulatory_plan_text, UNIT_TABLE)}
    unit_layer = src.layers.get(LayerKind.MANAGEMENT_UNITS)
    parcel_layer = src.layers.get(LayerKind.REGULATORY_PARCELS)
    if unit_layer is None and not units:
        return
    seat = next((zid for name, zid in districts.items() if "中心城区" in name), None)
    clause = _clause_with(src.regulatory_plan_doc, UNIT_TABLE)
    quota_unit = county_ind.get(LAND_QUOTA, {}).get("unit", "平方公里")
    unit_attrs = {f.fid: (f.attrs, f.area_m2) for f in unit_layer or ()}
    for uid in sorted(set(units) | set(unit_attrs)):
        row = units.get(uid, {})
        attrs, area = unit_attrs.get(uid, ({}, None))
        cap = attrs.get("gfa_cap_m2") or number(row.get("建筑总量上限(m²)"))
        quota_ha = attrs.get("land_quota_ha") or number(row.get("城乡建设用地规模(ha)"))
        g.node("Zone", {"zone_id": uid, "kind": "unit", "name": attrs.get("name") or row.get("单元名称") or uid,
                        "area_m2": round(area, 2) if area else None, "gfa_cap_m2": cap})
        if seat:
            g.edge("CONTAINS", "Zone", seat, "Zone", uid)
        if cap is not None:
            _indicator(g, f"{uid}:{GFA}", GFA, "m²", "unit", cap, None, uid, "约束性", "max", src.year, clause)
        if quota_ha is not None:
            ind_id = f"{uid}:{LAND_QUOTA}"
            _indicator(g, ind_id, LAND_QUOTA, quota_unit, "unit", convert_area(quota_ha, "ha", quota_unit), None,
                       uid, "约束性", "max", src.year, clause)
            seat_name = next((n for n, z in districts.items() if z == seat), None)
            if seat_name:
                g.edge("TRANSMITS_TO", "Indicator", f"{seat_name}:{LAND_QUOTA}", "Indicator", ind_id)
    for f in parcel_layer or ():
        uid = str(f.attrs.get("unit_id") or "")
        far_max = f.attrs.get("far_max")
        planned = round(float(far_max) * f.area_m2, 1) if isinstance(far_max, int | float) else None
        g.node("Zone", {"zone_id": f.fid, "kind": "parcel", "name": f.fid, "area_m2": round(f.area_m2, 2),
                        "land_use": f.attrs.get("land_use"), "far_max": far_max, "planned_gfa_m2": planned,
                        "unit_id": uid})
        if uid:
            g.edge("CONTAINS", "Zone", uid, "Zone", f.fid)
        if planned is not None and uid:
            _indicator(g, f"{f.fid}:{GFA}", GFA, "m²", "parcel", planned, None, f.fid, "约束性", "max", src.year,
                       None, parent=f"{uid}:{GFA}")
        if uid:
            _indicator(g, f"{f.fid}:{LAND_QUOTA}", LAND_QUOTA, quota_unit, "parcel", None,
                       convert_area(f.area_m2, "m²", quota_unit), f.fid, "约束性", "max", src.year, None,
                       parent=f"{uid}:{LAND_QUOTA}")


def _indicator(g: GraphData, ind_id: str, name: str, unit: str, level: str, target: float | None,
               current: float | None, zone_id: str, nature: str, bound: str, year: int, clause: str | None,
               parent: str | None = None) -> None:
    g.node("Indicator", {"indicator_id": ind_id, "name": name, "unit": unit, "nature": nature, "level": level,
                         "target": target, "current": current, "year": year, "bound": bound, "zone_id": zone_id})
    g.edge("ALLOCATED_TO", "Indicator", ind_id, "Zone", zone_id)
    if clause:
        g.edge("DERIVED_FROM", "Indicator", ind_id, "Clause", clause)
    if parent:
        g.edge("TRANSMITS_TO", "Indicator", parent, "Indicator", ind_id)


def demo_sources(docs: Sequence[SourceDocument] = ()) -> PlanSources:
    """The demo county's plan texts and layers (from ``demo/``)."""
    from demo.build import DOCUMENTS, LAYERS
    from spatial.layers import read_layer

    master = DOCUMENTS / "public" / "county_master_plan_2021_2035.md"
    regulatory = DOCUMENTS / "public" / "county_seat_regulatory_plan.md"
    layers = {k: read_layer(k, LAYERS / f"{k.value}.geojson") for k in LayerKind}
    by_title = {d.record.title: d for d in docs}
    return PlanSources(
        county="示范县", master_plan_text=master.read_text(encoding="utf-8"),
        regulatory_plan_text=regulatory.read_text(encoding="utf-8"), layers=layers,
        master_plan_doc=by_title.get("示范县国土空间总体规划（2021—2035年）文本"),
        regulatory_plan_doc=by_title.get("示范县县城控制性详细规划"))
