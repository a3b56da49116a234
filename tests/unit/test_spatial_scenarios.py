"""DOMAIN.md §6 scenarios as checks with expected statuses, on a synthetic world (tests/support/world.py)."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from assistant.access import Role
from assistant.settings import SpatialSettings
from ingest.models import Access
from spatial.engine import CheckService
from spatial.kinds import LayerKind
from spatial.memory import MemoryBackend
from spatial.project import parse_project
from spatial.rules import load_rules
from tests.support.world import layers, project

RESIDENTIAL_A = {"land_use": "070102", "project_type": "residential"}
GOOD = {"far": 2.5, "building_density": 22, "height": 54, "green_ratio": 35, "gfa_m2": 625000}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    b = MemoryBackend(tmp_path_factory.mktemp("layers") / "layers.sqlite")
    for layer in layers().values():
        b.import_layer(layer, Access.PUBLIC)
    yield b
    b.close()


def run(backend, data, **settings):
    service = CheckService(backend, load_rules(), SpatialSettings(**settings))
    return service.check(parse_project(data))


def status(verdict, check):
    return verdict.check(check).status.value


# ----------------------------------------------------------------------------- indicators (scenarios 1-5)

def on_parcel_a(**indicators):
    return project("A", box(6000, 0, 6500, 500), **RESIDENTIAL_A, indicators={**GOOD, **indicators})


def test_compliant_project_passes_every_check(backend):
    v = run(backend, on_parcel_a())
    assert v.overall.value == "pass" and v.label == "符合"
    assert {c.check.value: c.status.value for c in v.checks} == {
        "ecological_protection_redline": "pass", "permanent_basic_farmland": "pass",
        "urban_development_boundary": "pass", "land_use_compatibility": "pass", "far": "pass",
        "building_density": "pass", "height": "pass", "green_ratio": "pass", "unit_balance": "pass"}
    assert v.area_crs == "EPSG:4548" and v.area_m2 == pytest.approx(250000, rel=1e-6)
    assert [z.zone_type for z in v.zones] == ["城镇发展区"]


def test_scenario_1_far_over_the_condition_fails_citing_article_43(backend):
    v = run(backend, on_parcel_a(far=3.2))
    far = v.check("far")
    assert far.status.value == "fail" and far.value == 3.2 and far.limit == [1.5, 2.8]
    assert far.rule.source == {"doc_title": "中华人民共和国城乡规划法", "locator": "第四十三条"}
    assert far.feature_ids == ["A"] and v.overall.value == "fail" and v.label == "不符合"


def test_scenario_2_far_equal_to_the_cap_passes(backend):
    assert status(run(backend, on_parcel_a(far=2.8)), "far") == "pass"


@pytest.mark.parametrize(("policy", "expected"), [("exact", "fail"), ("round_half_up", "fail"),
                                                  ("round_half_even", "pass")])
def test_scenario_2_rounding_policy_decides_2_805_and_is_flagged(backend, policy, expected):
    v = run(backend, on_parcel_a(far=2.805), far_rounding=policy)
    assert status(v, "far") == expected
    assert any("rounding policy" in w and policy in w for w in v.warnings)


def test_scenario_3_green_ratio_below_minimum_fails(backend):
    v = run(backend, on_parcel_a(green_ratio=28))
    assert status(v, "green_ratio") == "fail" and v.check("green_ratio").limit == 30


def test_scenario_4_density_over_maximum_fails(backend):
    assert status(run(backend, on_parcel_a(building_density=26)), "building_density") == "fail"


def test_scenario_5_height_over_cap_fails(backend):
    v = run(backend, on_parcel_a(height=85))
    assert status(v, "height") == "fail" and v.check("height").limit == 80


def test_far_below_minimum_fails(backend):
    assert status(run(backend, on_parcel_a(far=1.2)), "far") == "fail"


def test_missing_indicators_are_unknown_not_pass(backend):
    v = run(backend, project("A", box(6000, 0, 6500, 500), **RESIDENTIAL_A))
    for name in ("far", "building_density", "height", "green_ratio", "unit_balance"):
        assert status(v, name) == "unknown", name
    assert v.overall.value == "unknown" and v.label == "无法判定"


def test_parcel_without_a_limit_gives_unknown_for_that_indicator(backend):
    v = run(backend, project("C", box(7000, 0, 7500, 500), land_use="080403", project_type="public_facility",
                             indicators={"far": 1.0, "height": 20}))
    assert status(v, "far") == "pass" and status(v, "height") == "unknown"


def test_project_spanning_two_parcels_is_checked_against_each(backend):
    v = run(backend, project("AB", box(6250, 0, 6750, 500), land_use="070102", project_type="residential",
                             indicators={"far": 2.9, "height": 70}))
    far = v.check("far")
    assert far.feature_ids == ["A", "B"] and far.status.value == "fail"
    assert [(d.feature_id, d.status.value) for d in far.details] == [("A", "fail"), ("B", "pass")]
    assert status(v, "height") == "fail"  # B's height cap is 60 m
    assert status(v, "land_use_compatibility") == "fail"  # 070102 on commercial 0901


# ----------------------------------------------------------------------------- land-use compatibility

@pytest.mark.parametrize(("code", "expected"), [("070102", "pass"), ("0702", "conditional"), ("090101", "conditional"),
                                                ("1001", "fail"), ("0701", "fail")])
def test_land_use_compatibility(backend, code, expected):
    v = run(backend, project("A", box(6000, 0, 6500, 500), land_use=code))
    assert status(v, "land_use_compatibility") == expected


def test_land_use_outside_every_parcel_is_unknown(backend):
    v = run(backend, project("X", box(8000, 3000, 8100, 3100), land_use="070102"))
    assert status(v, "land_use_compatibility") == "unknown"
    assert status(v, "far") == "unknown"


# ----------------------------------------------------------------------------- farmland (scenarios 6, 7)

def test_scenario_6_commercial_project_on_035_ha_of_farmland_fails(backend):
    # 0.35 ha of PBF-1 (x 4990-5000 by y 0-350) plus land outside it to the east.
    v = run(backend, project("S6", box(4990, 0, 5340, 350), land_use="0901", project_type="commercial"))
    pbf = v.check("permanent_basic_farmland")
    assert pbf.status.value == "fail" and pbf.feature_ids == ["PBF-1"]
    assert pbf.overlap_area_m2 == pytest.approx(3500, rel=1e-4)
    assert pbf.overlap_ratio == pytest.approx(3500 / (350 * 350), abs=1e-4)
    assert pbf.rule.source["locator"] == "第三十五条" and v.overall.value == "fail"


def test_scenario_7_national_expressway_on_12_ha_of_farmland_is_conditional(backend):
    v = run(backend, project("S7", box(3000, 900, 5000, 960), land_use="1202", project_type="national_key_project"))
    pbf = v.check("permanent_basic_farmland")
    assert pbf.status.value == "conditional" and pbf.overlap_area_m2 == pytest.approx(120000, rel=1e-4)
    assert "国务院" in pbf.message and pbf.rule.source["locator"] == "第四十四条"
    assert v.overall.value == "conditional"
    assert status(v, "urban_development_boundary") == "pass"  # 1202 is not urban construction land


def test_farmland_sliver_under_tolerance_passes_with_a_warning(backend):
    v = run(backend, project("SL", box(4999.5, 0, 5300, 1), land_use="1202", project_type="other"))
    assert status(v, "permanent_basic_farmland") == "pass"
    assert any("sliver" in w for w in v.warnings)


# ----------------------------------------------------------------------------- red line (scenarios 11-15)

def test_scenario_11_factory_in_red_line_general_area_fails(backend):
    v = run(backend, project("S11", box(1200, 1200, 1400, 1400), land_use="100101", project_type="industrial"))
    ecr = v.check("ecological_protection_redline")
    assert ecr.status.value == "fail" and ecr.rule.id == "ecr.general" and ecr.feature_ids == ["ECR-G"]
    assert ecr.overlap_ratio == pytest.approx(1.0, abs=1e-6)


def test_scenario_12_scenic_toilet_in_red_line_is_conditional(backend):
    v = run(backend, project("S12", box(1500, 100, 1540, 140), land_use="120803", project_type="tourism_facility"))
    ecr = v.check("ecological_protection_redline")
    assert ecr.status.value == "conditional" and ecr.rule.id == "ecr.tourism_facility" and "认定" in ecr.message


@pytest.mark.parametrize("ptype", ["tourism_facility", "villager_housing", "national_key_project", "residential"])
def test_scenario_13_any_building_in_the_core_area_fails(backend, ptype):
    v = run(backend, project("S13", box(600, 600, 700, 700), project_type=ptype))
    ecr = v.check("ecological_protection_redline")
    assert ecr.status.value == "fail" and ecr.rule.id == "ecr.core" and ecr.feature_ids == ["ECR-CORE"]
    assert ecr.rule.source["locator"] == "（四）"


def test_scenario_14_provincial_road_crossing_red_line_is_conditional(backend):
    v = run(backend, project("S14", box(-100, 1500, 2100, 1532), land_use="1202",
                             project_type="linear_infrastructure"))
    ecr = v.check("ecological_protection_redline")
    assert ecr.status.value == "conditional" and ecr.rule.id == "ecr.linear_infrastructure"
    assert "不可避让" in ecr.message
    assert ecr.overlap_area_m2 == pytest.approx(2000 * 32, rel=1e-4)


def test_scenario_15_villager_rebuild_on_same_footprint_allowed_enlarging_fails(backend):
    geom = box(1800, 100, 1820, 115)
    same = run(backend, project("S15a", geom, land_use="070301", project_type="villager_housing",
                                existing_area_m2=300.0))
    assert status(same, "ecological_protection_redline") == "conditional"
    bigger = run(backend, project("S15b", geom, land_use="070301", project_type="villager_housing",
                                  existing_area_m2=200.0))
    ecr = bigger.check("ecological_protection_redline")
    assert ecr.status.value == "fail" and "扩大" in ecr.message
    # Outside the boundary a homestead (0703) passes the boundary check.
    assert status(same, "urban_development_boundary") == "pass"


# ----------------------------------------------------------------------------- development boundary (16-18)

def test_scenario_16_residential_estate_outside_the_boundary_fails(backend):
    v = run(backend, project("S16", box(2200, 2500, 2450, 2700), land_use="070102", project_type="residential"))
    udb = v.check("urban_development_boundary")
    assert udb.status.value == "fail" and udb.rule.id == "udb.outside_urban"
    assert udb.overlap_area_m2 == pytest.approx(50000, rel=1e-4) and udb.overlap_ratio == pytest.approx(1.0)


def test_scenario_17_industrial_park_outside_the_boundary_fails(backend):
    v = run(backend, project("S17", box(5000, 2500, 5900, 3500), land_use="1001", project_type="industrial"))
    assert status(v, "urban_development_boundary") == "fail"


def test_partly_outside_reports_the_outside_part(backend):
    v = run(backend, project("P", box(5800, 100, 6200, 300), land_use="0901", project_type="commercial"))
    udb = v.check("urban_development_boundary")
    assert udb.status.value == "fail" and udb.overlap_area_m2 == pytest.approx(200 * 200, rel=1e-4)
    assert udb.overlap_ratio == pytest.approx(0.5, abs=1e-4) and udb.feature_ids == ["UDB-1"]


def test_scenario_18_cemetery_outside_the_boundary_is_an_allowed_category_still_checked_for_farmland(backend):
    clear = run(backend, project("S18", box(2200, 2500, 2400, 2650), land_use="1506", project_type="special_facility"))
    assert status(clear, "urban_development_boundary") == "conditional"
    assert status(clear, "permanent_basic_farmland") == "pass"
    on_farmland = run(backend, project("S18b", box(3100, 100, 3300, 250), land_use="1506",
                                       project_type="special_facility"))
    assert status(on_farmland, "permanent_basic_farmland") == "fail" and on_farmland.overall.value == "fail"


@pytest.mark.parametrize(("ptype", "code", "expected"), [
    ("linear_infrastructure", "1202", "pass"), ("ecological_restoration", None, "pass"),
    ("tourism_facility", "090104", "conditional"), ("villager_housing", "070102", "fail"),
    ("public_facility", "0804", "fail"), ("other", "1202", "pass"), ("other", None, "unknown")])
def test_boundary_exemptions(backend, ptype, code, expected):
    fields = {"project_type": ptype} | ({"land_use": code} if code else {})
    assert status(run(backend, project("E", box(2200, 2500, 2300, 2600), **fields)),
                  "urban_development_boundary") == expected


# ----------------------------------------------------------------------------- unit balance (scenario 24)

def test_scenario_24_unit_over_its_cap_fails_though_every_parcel_complies(backend):
    v = run(backend, project("S24", box(7500, 2000, 8000, 2200), land_use="070102", project_type="residential",
                             indicators={"far": 3.0, "building_density": 20, "height": 54, "green_ratio": 35,
                                         "gfa_m2": 300000}))
    assert status(v, "far") == "pass"
    unit = v.check("unit_balance")
    assert unit.status.value == "fail" and unit.feature_ids == ["U2"]
    assert unit.value == pytest.approx(1_230_000, rel=1e-5) and unit.limit == 1_200_000
    assert "2.50%" in unit.message and unit.rule.confidence == "U"


def test_unit_balance_passes_when_the_project_keeps_the_unit_under_its_cap(backend):
    v = run(backend, project("U", box(7500, 2000, 8000, 2200), land_use="070102",
                             indicators={"far": 2.5, "gfa_m2": 250000}))
    assert status(v, "unit_balance") == "pass"


# ----------------------------------------------------------------------------- engine behaviour

def test_overall_is_the_worst_status(backend):
    v = run(backend, project("W", box(3100, 100, 3300, 250), land_use="1202", project_type="national_key_project"))
    statuses = {c.status.value for c in v.checks}
    assert statuses >= {"conditional", "unknown"} and v.overall.value == "conditional"


def test_missing_layer_gives_unknown_with_the_import_command(tmp_path):
    b = MemoryBackend(tmp_path / "l.sqlite")
    v = run(b, on_parcel_a())
    assert all(c.status.value == "unknown" for c in v.checks)
    assert "onemap layers import ecological_protection_redline" in v.check("ecological_protection_redline").message


def test_layers_above_the_role_count_as_missing(tmp_path):
    b = MemoryBackend(tmp_path / "l.sqlite")
    world = layers()
    for kind, layer in world.items():
        b.import_layer(layer, Access.CONFIDENTIAL if kind is LayerKind.PERMANENT_BASIC_FARMLAND else Access.PUBLIC)
    service = CheckService(b, load_rules(), SpatialSettings())
    p = parse_project(project("S6", box(4950, 0, 5300, 700), land_use="0901", project_type="commercial"))
    assert service.check(p, role=Role.ADMIN).check("permanent_basic_farmland").status.value == "fail"
    public = service.check(p, role=Role.PUBLIC).check("permanent_basic_farmland")
    assert public.status.value == "unknown" and public.feature_ids == []


def test_self_intersecting_project_is_repaired_and_reported(backend):
    data = project("BOW", box(6000, 0, 6500, 500), **RESIDENTIAL_A)
    ring = data["geometry"]["coordinates"][0]
    data["geometry"]["coordinates"] = [[ring[0], ring[2], ring[1], ring[3], ring[0]]]  # a bow-tie
    v = run(backend, data)
    assert any("make_valid" in w for w in v.warnings) and v.area_m2 > 0


def test_verdict_json_follows_the_contract(backend):
    out = run(backend, on_parcel_a(far=3.2)).to_json()
    assert {"project_id", "overall", "label", "checks", "warnings"} <= set(out)
    for c in out["checks"]:
        assert {"check", "status", "overlap_area_m2", "overlap_ratio", "feature_ids", "value", "limit", "rule",
                "message"} <= set(c)
        assert set(c["rule"]) >= {"id", "text", "source"} and set(c["rule"]["source"]) >= {"doc_title", "locator"}
        assert c["message"]


def test_scenario_26_a_2020_trial_code_in_the_application_is_warned(backend):
    v = run(backend, project("T", box(2200, 2500, 2300, 2600), land_use="0204", land_use_name="其他园地"))
    assert any("2020" in w and "0205" in w for w in v.warnings)
    assert not any("2020" in w for w in run(backend, project("T", box(2200, 2500, 2300, 2600), land_use="0204",
                                                                   land_use_name="油料园地")).warnings)
