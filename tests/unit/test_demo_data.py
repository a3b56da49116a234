"""Consistency checks for the 示范县 demo data under ``demo/``.

The layers, projects and documents are generated or written by hand in different
places; these tests make sure they still tell the same story: geometry relations,
numbers quoted in documents, front matter and article numbering.
"""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo"
LAYERS = DEMO / "layers"
DOCS = DEMO / "documents"
PROJECTS = DEMO / "projects"
FENGSHUN = REPO.parent / "shared" / "geo" / "admin" / "441423_fengshun.json"

GK_EPSG = 4548  # CGCS2000 3-degree Gauss-Kruger, central meridian 117E
CRS_NAME = "urn:ogc:def:crs:EPSG::4490"
LAYER_NAMES = (
    "county_boundary",
    "ecological_protection_redline",
    "permanent_basic_farmland",
    "urban_development_boundary",
    "planning_zones",
    "management_units",
    "regulatory_parcels",
)
ZONE_TYPES = {"生态保护区", "生态控制区", "农田保护区", "城镇发展区", "乡村发展区"}
DOC_TYPES = {"law", "regulation", "policy", "standard", "plan", "notice"}
ACCESS = {"public", "internal", "confidential"}
PROJECT_TYPES = {
    "residential",
    "commercial",
    "industrial",
    "public_facility",
    "linear_infrastructure",
    "national_key_project",
    "ecological_restoration",
    "tourism_facility",
    "villager_housing",
    "special_facility",
    "other",
}
CONFIDENTIAL_MARKER = "青岚工程"  # code name that only the confidential report may contain
INTERNAL_MARKER = "楼面地价约2850元"  # figure that only the internal review may contain
MASTER_PLAN = DOCS / "public" / "county_master_plan_2021_2035.md"
REGULATORY_PLAN = DOCS / "public" / "county_seat_regulatory_plan.md"
CONDITIONS_DOC = DOCS / "render" / "pdf" / "planning_conditions_SF-02-05.md"

_TO_GK = Transformer.from_crs("EPSG:4490", f"EPSG:{GK_EPSG}", always_xy=True)


def to_gk(geom):
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = _TO_GK.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def area_m2(geom) -> float:
    return float(to_gk(geom).area)


@cache
def layer(name: str) -> dict:
    return json.loads((LAYERS / f"{name}.geojson").read_text(encoding="utf-8"))


@cache
def features(name: str) -> tuple[tuple[dict, object], ...]:
    return tuple((f["properties"], shape(f["geometry"])) for f in layer(name)["features"])


def union(name: str):
    return shapely.union_all([g for _, g in features(name)])


@cache
def county():
    ((_, g),) = features("county_boundary")
    return g


@cache
def parcels() -> dict[str, tuple[dict, object]]:
    return {p["parcel_id"]: (p, g) for p, g in features("regulatory_parcels")}


def km2(m2: float) -> float:
    return round(m2 / 1e6, 2)


# --------------------------------------------------------------------------- Markdown helpers


def all_documents() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def front_matter(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: no front matter"
    head, sep, body = text[4:].partition("\n---\n")
    assert sep, f"{path.name}: front matter is not closed"
    meta = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        assert colon, f"{path.name}: bad front matter line {line!r}"
        meta[key.strip()] = value.split("#", 1)[0].strip()
    return meta, body


def table_after(text: str, caption: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    start = lines.index(caption) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip() and not rows:
            continue
        if not line.lstrip().startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    header, sep, *body = rows
    assert set("".join(sep)) <= set("-: "), f"table after {caption} has no separator row"
    return [dict(zip(header, r, strict=True)) for r in body]


_CN = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_int(s: str) -> int:
    """Chinese numeral below 1000 to int: 三十七 -> 37, 十二 -> 12, 一百零五 -> 105."""
    total, digit = 0, 0
    for ch in s:
        if ch in _CN:
            digit = _CN[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            total += digit * 100
            digit = 0
        else:
            raise ValueError(s)
    return total + digit


def test_cn_int():
    assert [cn_int(s) for s in ("一", "十", "十二", "二十", "三十七", "一百零五")] == [1, 10, 12, 20, 37, 105]


_NUM = "[一二三四五六七八九十百零]+"
LEVELS = (  # (level, pattern) for numbered paragraphs; lower level = higher rank
    (0, re.compile(rf"^第({_NUM})条")),
    (0, re.compile(rf"^({_NUM})、")),
    (1, re.compile(rf"^（({_NUM})）")),
    (2, re.compile(r"^(\d+)\.(?!\d)")),
    (3, re.compile(r"^（(\d+)）")),
)
CHAPTER = re.compile(rf"^#+\s*第({_NUM})章")


def numbering_problems(body: str) -> list[str]:
    problems, counters, chapters = [], [0, 0, 0, 0], 0
    for line in body.splitlines():
        line = line.strip()
        if m := CHAPTER.match(line):
            chapters += 1
            if cn_int(m.group(1)) != chapters:
                problems.append(f"chapter {m.group(1)} where {chapters} expected")
            continue
        for level, pat in LEVELS:
            if m := pat.match(line):
                n = int(m.group(1)) if m.group(1).isdigit() else cn_int(m.group(1))
                if n != counters[level] + 1:
                    problems.append(f"{line[:12]}… is {n}, expected {counters[level] + 1}")
                counters[level] = n
                counters[level + 1 :] = [0] * (3 - level)
                break
    return problems


def test_numbering_check_catches_gaps_and_restarts():
    assert numbering_problems("第一条 a\n（一）x\n（二）y\n第二条 b\n（一）z\n") == []
    assert numbering_problems("第一条 a\n第三条 b\n")
    assert numbering_problems("一、a\n（一）x\n（三）y\n")
    assert numbering_problems("## 第一章 总则\n第一条 a\n## 第三章 其他\n第二条 b\n")


# --------------------------------------------------------------------------- layers


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_is_geojson_in_cgcs2000(name):
    path = LAYERS / f"{name}.geojson"
    assert path.stat().st_size < 300_000, f"{name} is too large"
    data = layer(name)
    assert data["type"] == "FeatureCollection"
    assert data["crs"] == {"type": "name", "properties": {"name": CRS_NAME}}
    assert data["features"], f"{name} has no features"
    for f in data["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        g = shape(f["geometry"])
        assert g.is_valid and not g.is_empty, f"{name}: invalid geometry {f['properties']}"
        coords = shapely.get_coordinates(g)
        assert (coords[:, 0] > 73).all() and (coords[:, 0] < 136).all(), "not longitude"
        assert (coords[:, 1] > 3).all() and (coords[:, 1] < 54).all(), "not latitude"
        assert np.allclose(coords, np.round(coords, 7), rtol=0, atol=1e-12), (
            f"{name}: coordinates not rounded to 7 decimals"
        )


@pytest.mark.parametrize("name", [n for n in LAYER_NAMES if n not in {"county_boundary", "planning_zones"}])
def test_features_lie_inside_the_county(name):
    for props, g in features(name):
        assert county().contains(g), f"{name} {props} leaves the county"


def test_planning_zones_partition_the_county():
    zones = features("planning_zones")
    assert {p["zone_type"] for p, _ in zones} == ZONE_TYPES
    assert all(p.get("name") for p, _ in zones)
    for (pa, a), (pb, b) in combinations(zones, 2):
        assert area_m2(a.intersection(b)) < 0.01, f"{pa['zone_type']} overlaps {pb['zone_type']}"
    for p, g in zones:
        assert area_m2(g.difference(county())) < 0.01, f"{p['zone_type']} leaves the county"
    total = sum(area_m2(g) for _, g in zones)
    assert total == pytest.approx(area_m2(county()), abs=1.0)


def test_ecological_zone_is_the_red_line_and_urban_zone_is_the_udb():
    zones = {p["zone_type"]: g for p, g in features("planning_zones")}
    for zone, layer_name in (
        ("生态保护区", "ecological_protection_redline"),
        ("城镇发展区", "urban_development_boundary"),
    ):
        diff = zones[zone].symmetric_difference(union(layer_name))
        assert area_m2(diff) < 0.01, f"{zone} differs from {layer_name}"
    assert area_m2(union("permanent_basic_farmland").difference(zones["农田保护区"])) < 0.01


def test_red_line_has_named_core_and_general_areas():
    ecr = features("ecological_protection_redline")
    assert all(isinstance(p["core"], bool) and p["name"] for p, _ in ecr)
    cores = [g for p, g in ecr if p["core"]]
    general = [g for p, g in ecr if not p["core"]]
    assert cores and general
    for c in cores:
        for g in general:
            assert area_m2(c.intersection(g)) < 0.01, "core area is counted twice"


def test_control_lines_do_not_overlap():
    pbf = union("permanent_basic_farmland")
    ecr = union("ecological_protection_redline")
    udb = union("urban_development_boundary")
    assert pbf.intersection(ecr).is_empty
    assert pbf.intersection(udb).is_empty
    assert udb.intersection(ecr).is_empty


def test_farmland_ids_and_areas():
    pbf = features("permanent_basic_farmland")
    ids = [p["pbf_id"] for p, _ in pbf]
    assert len(ids) == len(set(ids))
    for (pa, a), (pb, b) in combinations(pbf, 2):
        assert not a.intersects(b), f"{pa['pbf_id']} touches {pb['pbf_id']}"
    for p, g in pbf:
        assert abs(p["area_m2"] - area_m2(g)) <= 1.0, p["pbf_id"]


def test_units_inside_udb_and_parcels_inside_units():
    udb = union("urban_development_boundary")
    units = {p["unit_id"]: (p, g) for p, g in features("management_units")}
    assert len(units) >= 3
    for uid, (p, g) in units.items():
        assert udb.contains(g), uid
        assert p["name"] and isinstance(p["gfa_cap_m2"], int) and p["gfa_cap_m2"] > 0
    assert len(parcels()) == len(features("regulatory_parcels")) >= 20
    for pid, (p, g) in parcels().items():
        assert p["unit_id"] in units, pid
        assert pid.startswith(p["unit_id"] + "-")
        assert units[p["unit_id"]][1].contains(g), f"{pid} leaves its unit"
    for (pa, a), (pb, b) in combinations(parcels().values(), 2):
        assert not a.intersects(b), f"{pa['parcel_id']} touches {pb['parcel_id']}"


def test_parcel_attributes_are_consistent():
    names = {
        "070102": "二类城镇住宅用地",
        "0901": "商业用地",
        "080403": "中小学用地",
        "080404": "幼儿园用地",
        "1401": "公园绿地",
        "100101": "一类工业用地",
        "1207": "城镇村道路用地",
        "0702": "城镇社区服务设施用地",
        "120803": "社会停车场用地",
    }
    for pid, (p, g) in parcels().items():
        assert re.fullmatch(r"\d{4}|\d{6}", p["land_use"]), pid
        if p["land_use"] in names:
            assert p["land_use_name"] == names[p["land_use"]], pid
        assert abs(p["area_m2"] - area_m2(g)) <= 1.0, f"{pid} area_m2 disagrees with geometry"
        if p["far_min"] is not None:
            assert p["far_max"] is not None and p["far_min"] <= p["far_max"], pid
    codes = {p["land_use"] for p, _ in parcels().values()}
    assert set(names) <= codes, "the demo should exercise each of these land-use codes"


def test_exactly_one_unit_exceeds_its_gfa_cap_slightly():
    ratios = {}
    for u, _ in features("management_units"):
        gfa = sum(p["area_m2"] * (p["far_max"] or 0) for p, _ in parcels().values() if p["unit_id"] == u["unit_id"])
        ratios[u["unit_id"]] = gfa / u["gfa_cap_m2"]
    over = {k: r for k, r in ratios.items() if r > 1.0}
    assert list(over) == ["SF-02"], ratios
    assert 1.0 < over["SF-02"] < 1.05


@pytest.mark.skipif(not FENGSHUN.is_file(), reason="shared 丰顺县 boundary not available")
def test_county_lies_inside_fengshun():
    data = json.loads(FENGSHUN.read_text(encoding="utf-8"))
    fengshun = shape(data["features"][0]["geometry"])
    assert fengshun.contains(county())


# --------------------------------------------------------------------------- documents


def test_regulatory_plan_parcel_table_matches_layer():
    _, body = front_matter(REGULATORY_PLAN)
    rows = {r["地块编号"]: r for r in table_after(body, "表3-1 地块规划控制指标一览表")}
    assert set(rows) == set(parcels())

    def num(cell: str) -> float | None:
        return None if cell == "—" else float(cell)

    for pid, (p, _) in parcels().items():
        r = rows[pid]
        assert r["单元"] == p["unit_id"], pid
        assert r["用地代码"] == p["land_use"], pid
        assert r["用地性质"] == p["land_use_name"], pid
        assert int(r["用地面积(m²)"]) == p["area_m2"], pid
        assert num(r["容积率上限"]) == p["far_max"], pid
        assert num(r["容积率下限"]) == p["far_min"], pid
        assert num(r["建筑密度(%)"]) == p["density_max"], pid
        assert num(r["建筑限高(m)"]) == p["height_max"], pid
        assert num(r["绿地率(%)"]) == p["green_min"], pid
        assert r["停车位"] and r["配套设施"], pid


def test_regulatory_plan_unit_table_matches_layer():
    _, body = front_matter(REGULATORY_PLAN)
    rows = {r["单元编号"]: r for r in table_after(body, "表2-1 管理单元控制指标表")}
    units = {p["unit_id"]: (p, g) for p, g in features("management_units")}
    assert set(rows) == set(units)
    for uid, (p, g) in units.items():
        assert rows[uid]["单元名称"] == p["name"]
        assert int(rows[uid]["建筑总量上限(m²)"]) == p["gfa_cap_m2"]
        assert float(rows[uid]["单元面积(ha)"]) == round(area_m2(g) / 1e4, 2)
        assert int(rows[uid]["地块数量"]) == sum(1 for q, _ in parcels().values() if q["unit_id"] == uid)
    total_ha = sum(float(r["单元面积(ha)"]) for r in rows.values())
    assert f"总面积{total_ha:.2f}公顷" in body


def test_master_plan_numbers_match_layers():
    _, body = front_matter(MASTER_PLAN)
    ecr = km2(area_m2(union("ecological_protection_redline")))
    pbf = km2(sum(p["area_m2"] for p, _ in features("permanent_basic_farmland")))
    udb = km2(area_m2(union("urban_development_boundary")))
    core = km2(sum(area_m2(g) for p, g in features("ecological_protection_redline") if p["core"]))
    total = km2(area_m2(county()))
    ind = {r["指标名称"]: r for r in table_after(body, "表2-1 规划指标表")}
    assert float(ind["生态保护红线面积"]["目标年(2035)"]) == ecr
    assert float(ind["永久基本农田保护面积"]["目标年(2035)"]) == pbf
    assert float(ind["城镇开发边界面积"]["目标年(2035)"]) == udb
    for phrase in (
        f"国土总面积{total:.2f}平方公里",
        f"生态保护红线面积{ecr:.2f}平方公里",
        f"核心保护区面积{core:.2f}平方公里",
        f"永久基本农田保护面积{pbf:.2f}平方公里",
        f"城镇开发边界面积{udb:.2f}平方公里",
    ):
        assert phrase in body, phrase
    zones = {r["规划分区"]: r for r in table_after(body, "表4-1 规划分区面积表")}
    for p, g in features("planning_zones"):
        assert float(zones[p["zone_type"]]["面积(平方公里)"]) == km2(area_m2(g))


def test_master_plan_indicator_table_shape():
    _, body = front_matter(MASTER_PLAN)
    rows = table_after(body, "表2-1 规划指标表")
    assert list(rows[0]) == ["指标名称", "单位", "基期年(2020)", "目标年(2035)", "属性"]
    names = {r["指标名称"] for r in rows}
    for required in (
        "耕地保有量",
        "永久基本农田保护面积",
        "生态保护红线面积",
        "城乡建设用地规模",
        "城镇开发边界面积",
        "用水总量",
        "林地保有量",
        "湿地面积",
        "森林覆盖率",
        "人均应急避难场所面积",
        "每万元GDP地耗",
    ):
        assert required in names, required
    assert {r["属性"] for r in rows} == {"约束性", "预期性"}
    binding = sum(r["属性"] == "约束性" for r in rows)
    assert f"规划指标{len(rows)}项，其中约束性指标{binding}项、预期性指标{len(rows) - binding}项" in body


def test_master_plan_district_decomposition_adds_up():
    _, body = front_matter(MASTER_PLAN)
    rows = table_after(body, "表2-2 规划指标片区分解表")
    *districts, total = rows
    assert total["片区名称"] == "合计" and len(districts) >= 3
    for col in rows[0]:
        if col.endswith("(平方公里)"):
            s = round(sum(float(r[col]) for r in districts), 2)
            assert s == float(total[col]), col
    ind = {r["指标名称"]: r for r in table_after(body, "表2-1 规划指标表")}
    for name in ("耕地保有量", "永久基本农田保护面积", "生态保护红线面积", "城乡建设用地规模", "城镇开发边界面积"):
        assert float(total[f"{name}(平方公里)"]) == float(ind[name]["目标年(2035)"]), name


def test_planning_conditions_notice_matches_parcel():
    _, body = front_matter(CONDITIONS_DOC)
    p, _ = parcels()["SF-02-05"]
    for phrase in (
        f"用地面积：{p['area_m2']}平方米",
        f"用地代码{p['land_use']}",
        f"不大于{p['far_max']:.1f}，且不小于{p['far_min']:.1f}",
        f"不大于{p['density_max']}%",
        f"不大于{p['height_max']}米",
        f"不小于{p['green_min']}%",
    ):
        assert phrase in body, phrase


def test_figures_quoted_in_other_documents_match_layers():
    udb = {p["name"]: km2(area_m2(g)) for p, g in features("urban_development_boundary")}
    _, master = front_matter(MASTER_PLAN)
    for name, km in udb.items():
        assert f"{name}{km:.2f}平方公里" in master, name

    _, review = front_matter(DOCS / "internal" / "south_district_regulatory_plan_revision_review.md")
    (unit,) = [u for u, _ in features("management_units") if u["unit_id"] == "SF-02"]
    gfa = round(sum(p["area_m2"] * (p["far_max"] or 0) for p, _ in parcels().values() if p["unit_id"] == "SF-02"))
    assert f"建筑总量上限为{unit['gfa_cap_m2']}平方米" in review
    assert f"合计为{gfa}平方米，已超出单元建筑总量上限{gfa - unit['gfa_cap_m2']}平方米" in review
    assert f"SF-02-08地块（二类城镇住宅用地，用地面积{parcels()['SF-02-08'][0]['area_m2']}平方米）" in review

    _, opinion = front_matter(DOCS / "render" / "docx" / "south_district_planning_verification_opinion.md")
    p, _ = parcels()["SF-02-01"]
    assert f"用地面积{p['area_m2']}平方米" in opinion
    assert f"规划条件确定的容积率上限{p['far_max']}" in opinion


@pytest.mark.parametrize("path", all_documents(), ids=lambda p: p.name)
def test_document_front_matter(path):
    meta, body = front_matter(path)
    assert meta.get("title"), "title missing"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.get("version", "")), "version not a date"
    assert meta.get("doc_type") in DOC_TYPES
    assert meta.get("access") in ACCESS
    folder = path.relative_to(DOCS).parts[0]
    if folder in ACCESS:
        assert meta["access"] == folder, "access disagrees with the folder"
    else:
        assert folder == "render" and meta["access"] == "public"
    assert body.strip(), "empty body"


@pytest.mark.parametrize("path", all_documents(), ids=lambda p: p.name)
def test_document_numbering_is_consecutive(path):
    _, body = front_matter(path)
    assert numbering_problems(body) == []


def test_access_levels_present_and_render_sources_exist():
    levels = [front_matter(p)[0]["access"] for p in all_documents()]
    assert "internal" in levels and "confidential" in levels
    assert list((DOCS / "render" / "pdf").glob("*.md"))
    assert list((DOCS / "render" / "docx").glob("*.md"))


def test_restricted_markers_stay_in_their_documents():
    where = {"confidential": [], "internal": []}
    for path in all_documents():
        access = front_matter(path)[0]["access"]
        text = path.read_text(encoding="utf-8")
        if CONFIDENTIAL_MARKER in text:
            where["confidential"].append(access)
        if INTERNAL_MARKER in text:
            where["internal"].append(access)
    assert where["confidential"] and set(where["confidential"]) == {"confidential"}
    assert where["internal"] and set(where["internal"]) == {"internal"}


# --------------------------------------------------------------------------- projects

EXPECTED_VERDICTS = {
    "P-001": "符合",
    "P-002": "不符合",
    "P-003": "不符合",
    "P-004": "不符合",
    "P-005": "不符合",
    "P-006": "不符合",
    "P-007": "有条件",
    "P-008": "有条件",
    "P-009": "有条件",
    "P-010": "不符合",
    "P-011": "不符合",
    "P-012": "有条件",
}


@cache
def projects() -> dict[str, dict]:
    out = {}
    for path in sorted(PROJECTS.glob("P-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == data["id"]
        out[data["id"]] = data
    return out


def project_geom(pid: str):
    return shape(projects()[pid]["geometry"])


def test_project_files_follow_the_contract():
    assert set(projects()) == set(EXPECTED_VERDICTS)
    for pid, p in projects().items():
        assert set(p) == {"id", "name", "geometry", "crs", "land_use", "project_type", "indicators"}, pid
        assert p["crs"] == "EPSG:4490" and p["project_type"] in PROJECT_TYPES, pid
        assert re.fullmatch(r"\d{4}|\d{6}", p["land_use"]), pid
        assert p["geometry"]["type"] == "Polygon" and project_geom(pid).is_valid, pid
        assert county().contains(project_geom(pid)), pid
        assert all(isinstance(v, (int, float)) for v in p["indicators"].values()), pid


def test_projects_readme_lists_the_expected_verdicts():
    text = (PROJECTS / "README.md").read_text(encoding="utf-8")
    rows = _readme_rows(text)
    assert {r["project"]: r["expected verdict"] for r in rows} == EXPECTED_VERDICTS


def _readme_rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, [c.strip() for c in line.strip("|").split("|")], strict=True)) for line in lines[2:]]


def _within_parcel(pid: str, parcel_id: str) -> dict:
    props, g = parcels()[parcel_id]
    assert g.covers(project_geom(pid)), f"{pid} is not within {parcel_id}"
    return props


def test_compliant_projects_fit_their_parcels():
    pbf, udb = union("permanent_basic_farmland"), union("urban_development_boundary")
    for pid, parcel_id in (("P-001", "SF-01-04"), ("P-011", "SF-02-09")):
        c = _within_parcel(pid, parcel_id)
        ind = projects()[pid]["indicators"]
        assert udb.contains(project_geom(pid)) and project_geom(pid).disjoint(pbf)
        assert projects()[pid]["land_use"] == c["land_use"]
        assert c["far_min"] <= ind["far"] <= c["far_max"]
        assert ind["gfa_m2"] / c["area_m2"] <= c["far_max"]
        assert ind["building_density"] <= c["density_max"]
        assert ind["height"] <= c["height_max"]
        assert ind["green_ratio"] >= c["green_min"]
    assert projects()["P-011"]["indicators"]["far"] == parcels()["SF-02-09"][0]["far_max"]


def test_non_compliant_building_projects_break_their_parcel_conditions():
    c = _within_parcel("P-003", "SF-02-03")
    ind = projects()["P-003"]["indicators"]
    assert (ind["far"], ind["height"]) == (3.2, 85)
    assert c["far_max"] < ind["far"] and c["height_max"] < ind["height"]
    c = _within_parcel("P-010", "SF-01-02")
    ind = projects()["P-010"]["indicators"]
    assert ind["building_density"] > c["density_max"]
    assert ind["green_ratio"] < c["green_min"]
    assert ind["far"] <= c["far_max"] and ind["height"] <= c["height_max"]


def test_control_line_projects_have_the_described_geometry():
    pbf = union("permanent_basic_farmland")
    udb = union("urban_development_boundary")
    ecr = union("ecological_protection_redline")
    core = shapely.union_all([g for p, g in features("ecological_protection_redline") if p["core"]])
    general = {p["name"]: g for p, g in features("ecological_protection_redline") if not p["core"]}
    g = {pid: project_geom(pid) for pid in projects()}

    # P-002: 0.35 ha on farmland, partly outside the UDB
    assert 3_000 <= area_m2(g["P-002"].intersection(pbf)) <= 4_000
    assert area_m2(g["P-002"].difference(udb)) > 1_000
    # P-004 and P-008: inside the general area of a red line, away from the core
    assert general["龙泉岭生态保护红线区"].contains(g["P-004"])
    assert general["凤凰山生态保护红线区"].contains(g["P-008"])
    assert g["P-004"].disjoint(core) and g["P-008"].disjoint(core)
    # P-005: inside the core area
    assert core.contains(g["P-005"])
    # P-006 (5 ha housing) and P-009 (cemetery): outside UDB, clear of farmland and red line
    for pid in ("P-006", "P-009"):
        assert g[pid].disjoint(udb) and g[pid].disjoint(pbf) and g[pid].disjoint(ecr), pid
    assert 49_000 <= area_m2(g["P-006"]) <= 51_000
    # P-007: expressway over about 12 ha of farmland only
    assert 110_000 <= area_m2(g["P-007"].intersection(pbf)) <= 130_000
    assert g["P-007"].disjoint(ecr) and g["P-007"].disjoint(udb)
    # P-012: road through a red line's general area, not the core, no farmland
    assert area_m2(g["P-012"].intersection(general["南岭水土保持生态保护红线区"])) > 10_000
    assert g["P-012"].disjoint(core) and g["P-012"].disjoint(pbf) and g["P-012"].disjoint(udb)
