"""Detailed-plan comparison (详规成果比对): change kinds, tolerances, unit balances, control lines,
the report, the demo revision (every planted change found, nothing else) and ``onemap compare``."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from shapely import affinity
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

import spatial.compare.engine as engine_mod
import spatial.compare.models as models_mod
import spatial.compare.read as read_mod
import spatial.compare.report as report_mod
from spatial.compare import (
    CONTROL_LINES,
    BalanceStatus,
    ChangeKind,
    CompareError,
    CompareOptions,
    PlanParcel,
    PlanSnapshot,
    caps_from_layer,
    compare_parcel,
    compare_parcels,
    compare_plans,
    comparison_report,
    read_plan,
    render_markdown,
    symmetric_difference_m2,
    unit_balances,
)
from spatial.kinds import LayerKind
from spatial.layers import layer_from_geometries, read_layer
from spatial.rules import load_rules
from tests.conftest import write

REPO = Path(__file__).resolve().parents[2]
DEMO_LAYERS = REPO / "demo" / "layers"
BASE = DEMO_LAYERS / "regulatory_parcels.geojson"
REVISION = REPO / "demo" / "revision"
REVISED = REVISION / "regulatory_parcels_revised.geojson"
MANIFEST = REVISION / "planted_changes.json"

# a 100 m × 100 m square near 示范县 (lon/lat): 1e-3° ≈ 102 m east-west, 111 m north-south at 23.7N
LON, LAT = 116.18, 23.76
D = 0.001


def square(dx: float = 0.0, dy: float = 0.0, w: float = D, h: float = D) -> Polygon:
    return box(LON + dx, LAT + dy, LON + dx + w, LAT + dy + h)


def parcel(pid: str = "A-01", geom: Polygon | None = None, **kw) -> PlanParcel:
    from spatial.crs import area_m2

    g = square() if geom is None else geom
    base = {"unit_id": "A", "land_use": "070102", "far_max": 2.5, "far_min": 1.0, "density_max": 25.0,
            "height_max": 54.0, "green_min": 35.0}
    base.update(kw)
    return PlanParcel(parcel_id=pid, area_m2=area_m2(g), geometry=g, **base)


def kinds(changes) -> dict[str, set[str]]:
    return {c.parcel_id: {k.value for k in c.kinds} for c in changes}


# --------------------------------------------------------------------------- parcel changes


def test_identical_plans_give_no_changes() -> None:
    plan = [parcel("A-01"), parcel("A-02", square(dx=2 * D), land_use="0901", far_max=None)]
    assert compare_parcels(plan, list(plan)) == []
    result = compare_plans(PlanSnapshot(tuple(plan)), PlanSnapshot(tuple(plan)), caps={"A": 1e9})
    assert result.changes == [] and result.control_lines == [] and result.unchanged_parcels == 2
    assert [u.change_m2 for u in result.units] == [0.0]


@pytest.mark.parametrize(("field", "new_value", "kind", "direction"), [
    ("land_use", "0901", ChangeKind.LAND_USE, "changed"),
    ("far_max", 2.8, ChangeKind.FAR, "raised"),
    ("far_min", 0.8, ChangeKind.FAR, "lowered"),
    ("density_max", 30.0, ChangeKind.DENSITY, "raised"),
    ("height_max", 80.0, ChangeKind.HEIGHT, "raised"),
    ("green_min", 30.0, ChangeKind.GREEN_RATIO, "lowered"),
    ("unit_id", "B", ChangeKind.UNIT, "changed"),
    ("far_min", None, ChangeKind.FAR, "cleared"),
])
def test_each_attribute_change_is_classified(field: str, new_value, kind: ChangeKind, direction: str) -> None:
    change = compare_parcel(parcel(), parcel(**{field: new_value}))
    assert change is not None
    assert change.kinds == [kind]
    assert [(a.field, a.direction) for a in change.attributes] == [(field, direction)]


def test_value_set_where_there_was_none() -> None:
    change = compare_parcel(parcel(height_max=None), parcel(height_max=24.0))
    assert change is not None and change.attributes[0].direction == "set"
    assert "建筑限高—→24m（新设）" in change.message


def test_added_and_removed() -> None:
    changes = compare_parcels([parcel("A-01"), parcel("A-02", square(dx=2 * D))],
                              [parcel("A-01"), parcel("A-03", square(dy=2 * D))])
    assert kinds(changes) == {"A-02": {"removed"}, "A-03": {"added"}}
    added = next(c for c in changes if c.parcel_id == "A-03")
    area = parcel("A-03", square(dy=2 * D)).area_m2
    assert added.geometry is not None and added.geometry.new_area_m2 == pytest.approx(area, abs=0.1)
    assert added.planned_gfa_old_m2 == 0 and added.planned_gfa_new_m2 == pytest.approx(2.5 * area, abs=0.1)


def test_rebounded_parcel_and_several_kinds_at_once() -> None:
    bigger = square(w=1.5 * D)
    change = compare_parcel(parcel(), parcel(geom=bigger, far_max=3.0, green_min=30.0))
    assert change is not None
    assert change.kinds == [ChangeKind.GEOMETRY, ChangeKind.FAR, ChangeKind.GREEN_RATIO]
    g = change.geometry
    assert g is not None and g.area_change_m2 == pytest.approx(g.symmetric_difference_m2, rel=1e-3)
    assert 5_000 < g.area_change_m2 < 6_000  # half of ~102 m × 111 m


def test_a_moved_parcel_of_the_same_area_is_rebounded() -> None:
    moved = affinity.translate(square(), xoff=D / 2)
    change = compare_parcel(parcel(), parcel(geom=moved))
    assert change is not None and change.kinds == [ChangeKind.GEOMETRY]
    assert abs(change.geometry.area_change_m2) < 1 and change.geometry.symmetric_difference_m2 > 10_000


def test_geometry_tolerance_edges() -> None:
    # shift the east edge by 1e-7° (about 1 cm): symmetric difference ≈ 1.1 m², noise under the default 10 m²
    nudged = square(w=D + 1e-7)
    sym = symmetric_difference_m2(square(), nudged)
    assert 0.5 < sym < 2.0
    assert compare_parcel(parcel(), parcel(geom=nudged)) is None
    # the same change is reported once the tolerance is below it, and not at exactly the measured value
    assert compare_parcel(parcel(), parcel(geom=nudged), CompareOptions(geometry_tolerance_m2=0.1)) is not None
    exact = CompareOptions(geometry_tolerance_m2=max(sym, abs(parcel(geom=nudged).area_m2 - parcel().area_m2)))
    assert compare_parcel(parcel(), parcel(geom=nudged), exact) is None


def test_value_tolerance_edges() -> None:
    assert compare_parcel(parcel(far_max=2.8), parcel(far_max=2.8000000001)) is None
    assert compare_parcel(parcel(far_max=2.8), parcel(far_max=2.81)) is not None
    loose = CompareOptions(value_tolerance=0.05)
    assert compare_parcel(parcel(far_max=2.8), parcel(far_max=2.84), loose) is None
    assert compare_parcel(parcel(far_max=2.8), parcel(far_max=2.86), loose) is not None
    assert compare_parcel(parcel(height_max=80), parcel(height_max=80.0)) is None  # int and float agree


def test_table_rows_without_geometry_compare_by_area() -> None:
    old = PlanParcel("T-01", "T", "070102", far_max=2.0, area_m2=10_000.0)
    assert compare_parcel(old, PlanParcel("T-01", "T", "070102", far_max=2.0, area_m2=10_004.0)) is None
    change = compare_parcel(old, PlanParcel("T-01", "T", "070102", far_max=2.0, area_m2=10_500.0))
    assert change is not None and change.kinds == [ChangeKind.GEOMETRY]
    assert change.geometry.symmetric_difference_m2 is None and change.geometry.area_change_m2 == 500.0


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(CompareError, match="地块编号重复（A-01）"):
        compare_parcels([parcel("A-01"), parcel("A-01", square(dx=2 * D))], [parcel("A-01")])


# --------------------------------------------------------------------------- unit balance


def test_unit_balance_before_and_after() -> None:
    old = [PlanParcel("A-01", "A", far_max=2.0, area_m2=10_000), PlanParcel("A-02", "A", far_max=None, area_m2=5_000),
           PlanParcel("B-01", "B", far_max=1.0, area_m2=10_000)]
    new = [PlanParcel("A-01", "A", far_max=2.6, area_m2=10_000), PlanParcel("A-02", "A", far_max=None, area_m2=5_000),
           PlanParcel("B-01", "B", far_max=1.0, area_m2=10_000), PlanParcel("C-01", "C", far_max=1.0, area_m2=100)]
    units = {u.unit_id: u for u in unit_balances(old, new, {"A": 25_000, "B": 9_000})}
    a, b, c = units["A"], units["B"], units["C"]
    assert (a.before_m2, a.after_m2, a.change_m2) == (20_000, 26_000, 6_000)
    assert (a.status_before, a.status_after, a.pushed_over) == (BalanceStatus.WITHIN, BalanceStatus.OVER, True)
    assert [p.parcel_id for p in a.changed_parcels] == ["A-01"]
    assert "超出上限1,000平方米" in a.message
    assert (b.status_before, b.status_after, b.pushed_over) == (BalanceStatus.OVER, BalanceStatus.OVER, False)
    assert c.cap_m2 is None and c.status_after is BalanceStatus.UNKNOWN and not c.pushed_over


def test_a_cap_met_exactly_is_within() -> None:
    u = unit_balances([], [PlanParcel("A-01", "A", far_max=2.0, area_m2=10_000)], {"A": 20_000})[0]
    assert u.status_after is BalanceStatus.WITHIN


# --------------------------------------------------------------------------- control lines


def _line(kind: LayerKind, geom: Polygon, **attrs):
    return layer_from_geometries(kind, [geom], [{"name": f"{kind.value}-1", **attrs}])


def test_changes_meeting_the_control_lines() -> None:
    udb = _line(LayerKind.URBAN_DEVELOPMENT_BOUNDARY, box(LON - D, LAT - D, LON + 3 * D, LAT + 2 * D))
    pbf = _line(LayerKind.PERMANENT_BASIC_FARMLAND, box(LON + 3.5 * D, LAT, LON + 6 * D, LAT + D))
    ecr = _line(LayerKind.ECOLOGICAL_PROTECTION_REDLINE, box(LON, LAT + 5 * D, LON + D, LAT + 6 * D), core=True)
    lines = {LayerKind.URBAN_DEVELOPMENT_BOUNDARY: udb, LayerKind.PERMANENT_BASIC_FARMLAND: pbf,
             LayerKind.ECOLOGICAL_PROTECTION_REDLINE: ecr}
    old = [parcel("A-01"), parcel("A-02", square(dx=2 * D)), parcel("A-03", square(dx=2 * D, dy=-2 * D))]
    new = [parcel("A-01", far_max=3.0),                                   # changed, well inside: no hit
           parcel("A-02", square(dx=2 * D, w=2 * D), land_use="1001"),  # re-bounded across the UDB onto farmland
           parcel("A-03", square(dx=2 * D, dy=-2 * D), far_max=3.0),      # outside before and after: existing
           parcel("A-04", square(dy=5 * D), land_use="1401", far_max=None),  # added, in the core area
           parcel("A-05", square(dx=9 * D), land_use="1401", far_max=None)]  # added, wholly outside the UDB
    result = compare_plans(PlanSnapshot(tuple(old)), PlanSnapshot(tuple(new)), lines=lines,
                           is_urban=load_rules().urban_development_boundary.is_urban)
    hits = {(h.parcel_id, h.line): h for h in result.control_lines}
    assert set(hits) == {("A-02", "urban_development_boundary"), ("A-02", "permanent_basic_farmland"),
                         ("A-03", "urban_development_boundary"), ("A-04", "ecological_protection_redline"),
                         ("A-04", "urban_development_boundary"), ("A-05", "urban_development_boundary")}
    a2 = hits[("A-02", "urban_development_boundary")]
    assert a2.status == "new" and a2.urban_use is True and a2.feature_ids == ["urban_development_boundary-1"]
    assert a2.before_area_m2 == 0 and a2.area_m2 == pytest.approx(parcel().area_m2, rel=0.01)  # the east half
    assert hits[("A-02", "permanent_basic_farmland")].area_m2 == pytest.approx(0.5 * parcel().area_m2, rel=0.01)
    a3 = hits[("A-03", "urban_development_boundary")]
    assert a3.status == "existing" and a3.before_area_m2 == a3.area_m2
    a4 = hits[("A-04", "ecological_protection_redline")]
    assert a4.core and a4.status == "new" and "核心保护区" in a4.message
    a5 = hits[("A-05", "urban_development_boundary")]
    assert a5.feature_ids == [] and a5.urban_use is False and "全部位于城镇开发边界外" in a5.message
    assert len(result.notes) == 1 and "建筑总量上限" in result.notes[0]  # no caps given; every line was


def test_missing_lines_and_tables_are_noted_not_guessed() -> None:
    plan = PlanSnapshot((parcel("A-01"),))
    changed = PlanSnapshot((parcel("A-01", far_max=3.0),))
    result = compare_plans(plan, changed, lines={LayerKind.PERMANENT_BASIC_FARMLAND: None})
    assert result.control_lines == []
    assert any("生态保护红线" in n and "无法判定" in n for n in result.notes)
    assert any("建筑总量上限" in n for n in result.notes)
    table = PlanSnapshot((PlanParcel("A-01", "A", far_max=3.0, area_m2=parcel().area_m2),), source_kind="table")
    assert any("没有地块边界" in n for n in compare_plans(plan, table).notes)


# --------------------------------------------------------------------------- reading


def test_read_plan_errors(tmp_path: Path) -> None:
    with pytest.raises(CompareError, match="文件不存在"):
        read_plan(tmp_path / "missing.geojson")
    with pytest.raises(CompareError, match="无法读取控规地块图层"):
        read_plan(write(tmp_path / "bad.geojson", "not json"))
    with pytest.raises(CompareError, match="无法读取控规地块图层"):
        read_plan(write(tmp_path / "empty.geojson", '{"type":"FeatureCollection","features":[]}'))
    with pytest.raises(CompareError, match="没有找到地块控制指标表"):
        read_plan(write(tmp_path / "plan.md", "# 规划\n\n第一条 总则。\n"))
    with pytest.raises(CompareError, match="不支持的文件类型"):
        read_plan(write(tmp_path / "plan.csv", "a,b\n"))


def test_read_plan_from_a_markdown_table(tmp_path: Path) -> None:
    text = ("表2-1 管理单元控制指标表\n\n| 单元编号 | 建筑总量上限(m²) |\n|---|---|\n| A | 30000 |\n\n"
            "表3-1 地块规划控制指标一览表\n\n| 地块编号 | 单元 | 用地代码 | 用地面积(m²) | 容积率上限 | 容积率下限 | "
            "建筑密度(%) | 建筑限高(m) | 绿地率(%) |\n|---|---|---|---|---|---|---|---|---|\n"
            "| A-01 | A | 070102 | 10000 | 2.8 | — | 22 | 80 | 35 |\n")
    plan = read_plan(write(tmp_path / "plan.md", text))
    assert plan.source_kind == "table" and plan.unit_caps == {"A": 30000.0} and not plan.has_geometry
    p = plan.parcels[0]
    assert (p.parcel_id, p.unit_id, p.land_use, p.area_m2, p.far_max, p.far_min, p.height_max) == \
        ("A-01", "A", "070102", 10000.0, 2.8, None, 80.0)


def test_module_docstring_examples_run() -> None:
    for mod in (engine_mod, models_mod, read_mod, report_mod):
        result = doctest.testmod(mod)
        assert result.attempted > 0 and result.failed == 0, mod.__name__


# --------------------------------------------------------------------------- the demo revision


@pytest.fixture(scope="module")
def demo_comparison():
    lines = {k: read_layer(k, DEMO_LAYERS / f"{k.value}.geojson") for k in CONTROL_LINES}
    caps = caps_from_layer(read_layer(LayerKind.MANAGEMENT_UNITS, DEMO_LAYERS / "management_units.geojson"))
    return compare_plans(read_plan(BASE), read_plan(REVISED), caps=caps, lines=lines,
                         is_urban=load_rules().urban_development_boundary.is_urban)


def test_demo_revision_finds_every_planted_change_and_no_other(demo_comparison) -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    expected = {c["parcel_id"]: set(c["kinds"]) for c in manifest["changes"]}
    assert kinds(demo_comparison.changes) == expected
    for c in manifest["changes"]:
        found = next(x for x in demo_comparison.changes if x.parcel_id == c["parcel_id"])
        fields = {a.field: [a.old, a.new] for a in found.attributes}
        assert fields == {k: v for k, v in c.get("fields", {}).items() if k != "area_m2"}
    assert demo_comparison.unchanged_parcels == len(manifest["unchanged_parcels"])
    assert {k.value for k in ChangeKind} - {"unit"} <= set().union(*expected.values())


def test_demo_revision_control_lines_and_units(demo_comparison) -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    expected = {(m["parcel_id"], line) for m in manifest["control_lines"] for line in m["lines"]}
    assert {(h.parcel_id, h.line) for h in demo_comparison.control_lines} == expected
    assert all(h.status == "new" for h in demo_comparison.control_lines)
    pbf = next(h for h in demo_comparison.control_lines if h.line == "permanent_basic_farmland")
    assert pbf.feature_ids == ["PBF-002"]
    assert pbf.area_m2 == pytest.approx(manifest["control_lines"][0]["permanent_basic_farmland_m2"]["PBF-002"], abs=1)
    assert [u.unit_id for u in demo_comparison.units if u.pushed_over] == manifest["units_pushed_over_cap"]
    for u in demo_comparison.units:
        m = manifest["units"][u.unit_id]
        assert u.cap_m2 == m["cap_m2"]
        assert u.before_m2 == pytest.approx(m["before_m2"], abs=1) and u.after_m2 == pytest.approx(m["after_m2"], abs=1)
    # the same balance the check engine and README quote for the unchanged plan (SF-02 over by 2.32 %)
    sf02 = next(u for u in demo_comparison.units if u.unit_id == "SF-02")
    assert round(sf02.before_m2) == 1585917 and sf02.status_before is BalanceStatus.OVER


def test_demo_revision_keeps_every_other_feature_byte_identical() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    planted = {c["parcel_id"] for c in manifest["changes"]}

    def lines(path: Path) -> dict[str, str]:
        out = {}
        for line in path.read_text(encoding="utf-8").split("\n")[1:-2]:
            out[json.loads(line.rstrip(","))["properties"]["parcel_id"]] = line.rstrip(",")
        return out

    base, revised = lines(BASE), lines(REVISED)
    for pid in set(base) - planted:
        assert revised[pid] == base[pid], pid
    assert set(revised) == (set(base) - {"SF-02-12"}) | {"SF-03-12", "SF-03-13"}


def test_demo_revision_build_is_deterministic() -> None:
    from demo import build_revision

    first, second = build_revision.files(), build_revision.files()
    assert first == second
    for path, text in first.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is out of date: run demo/build_revision.py"


def test_demo_markdown_table_against_the_revised_layer() -> None:
    """The regulatory plan's own 表3-1 (areas rounded to 1 m²) compares like its layer."""
    plan_doc = REPO / "demo" / "documents" / "public" / "county_seat_regulatory_plan.md"
    result = compare_plans(read_plan(plan_doc), read_plan(REVISED))
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert kinds(result.changes) == {c["parcel_id"]: set(c["kinds"]) for c in manifest["changes"]}
    assert [u.unit_id for u in result.units if u.pushed_over] == ["SF-01"]  # caps from the plan's 表2-1


def test_demo_report_markdown(demo_comparison) -> None:
    doc = comparison_report(demo_comparison)
    assert [s.heading for s in doc.sections][:4] == ["一、比对结论", "二、地块变化", "三、管理单元建筑总量平衡",
                                                     "四、涉及三条控制线的变更"]
    text = render_markdown(doc)
    assert text.startswith("# 详规成果比对审查报告\n")
    assert "| SF-01-09 | 容积率上限 | 2.5 | 3.4 |" in text
    assert "调整后超出建筑总量上限的管理单元：SF-01。" in text
    assert "SF-03-13（永久基本农田）" in text
    # the document is plain data: it survives JSON for another renderer (DOCX, PDF)
    assert type(doc).model_validate_json(doc.model_dump_json()) == doc


# --------------------------------------------------------------------------- the command


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from assistant.cli import app

    monkeypatch.setenv("ONEMAP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_cli_compare_writes_the_report_and_json(run, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "compare.md"
    result = run("compare", BASE, REVISED, "--layers", DEMO_LAYERS, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["changes"]) == 10 and [u["unit_id"] for u in data["units"] if u["pushed_over"]] == ["SF-01"]
    assert out.read_text(encoding="utf-8").startswith("# 详规成果比对审查报告")
    from assistant.audit_records import sha256_file

    record = json.loads(run("audit", "list", "--json").stdout)[0]
    assert record["kind"] == "compare" and record["request"]["old_sha256"] == sha256_file(BASE)
    assert record["result"]["report"]["sha256"] == sha256_file(out)
    assert record["result"]["units_pushed_over"] == ["SF-01"] and len(record["result"]["changed"]) == 10


def test_cli_compare_bad_input_exits_2_with_one_line(run, tmp_path: Path) -> None:
    for args in [(BASE, tmp_path / "missing.geojson"),
                 (write(tmp_path / "broken.geojson", "{not json"), REVISED),
                 (BASE, DEMO_LAYERS / "management_units.geojson"),
                 (BASE, REVISED, "--out", tmp_path / "r.txt")]:
        result = run("compare", *args)
        assert result.exit_code == 2, args
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_cli_compare_uses_the_workspace_layers_the_role_may_read(run) -> None:
    for kind in ("permanent_basic_farmland", "urban_development_boundary", "management_units"):
        assert run("layers", "import", kind, DEMO_LAYERS / f"{kind}.geojson").exit_code == 0
    assert run("layers", "import", "ecological_protection_redline",
               DEMO_LAYERS / "ecological_protection_redline.geojson", "--access", "confidential").exit_code == 0
    data = json.loads(run("compare", BASE, REVISED, "--json").stdout)
    assert {(h["parcel_id"], h["line"]) for h in data["control_lines"]} == {
        ("SF-03-13", "permanent_basic_farmland"), ("SF-03-13", "urban_development_boundary")}
    assert [u["unit_id"] for u in data["units"] if u["pushed_over"]] == ["SF-01"]
    assert any("生态保护红线" in n for n in data["notes"])  # confidential: not readable by an officer
    admin = json.loads(run("compare", BASE, REVISED, "--json", "--role", "admin").stdout)
    assert not any("生态保护红线" in n for n in admin["notes"])
