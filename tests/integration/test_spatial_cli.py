"""onemap layers / onemap check: demo verdicts end to end, and bad input → exit 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from spatial.kinds import LayerKind
from tests.unit.test_demo_data import EXPECTED_VERDICTS

DEMO = Path(__file__).resolve().parents[2] / "demo"
LABELS = {"符合": "pass", "不符合": "fail", "有条件": "conditional", "无法判定": "unknown"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spatial-cli") / "ws"


@pytest.fixture
def run(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ONEMAP_HOME", str(workspace))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def imported(workspace: Path):
    runner = CliRunner()
    env = {"ONEMAP_HOME": str(workspace), "ONEMAP_PROFILE": "test"}
    for kind in LayerKind:
        result = runner.invoke(app, ["layers", "import", kind.value, str(DEMO / "layers" / f"{kind.value}.geojson")],
                               env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return workspace


@pytest.mark.parametrize("command", [["layers"], ["layers", "import"], ["layers", "list"], ["layers", "qc"],
                                     ["layers", "remove"], ["check"]])
def test_spatial_commands_have_help(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_layers_list_json(run, imported):
    result = run("layers", "list", "--json")
    assert result.exit_code == 0
    data = {d["kind"]: d for d in json.loads(result.stdout)}
    assert set(data) == {k.value for k in LayerKind}
    assert data["regulatory_parcels"]["features"] == 33 and data["regulatory_parcels"]["source_crs"] == "EPSG:4490"
    assert data["ecological_protection_redline"]["area_m2"] == pytest.approx(613.16e6, rel=1e-4)


@pytest.mark.parametrize("pid", sorted(EXPECTED_VERDICTS))
def test_demo_projects_give_the_expected_verdicts(run, imported, pid):
    result = run("check", str(DEMO / "projects" / f"{pid}.json"), "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert verdict["project_id"] == pid
    assert verdict["label"] == EXPECTED_VERDICTS[pid]
    assert verdict["overall"] == LABELS[EXPECTED_VERDICTS[pid]]
    assert all(c["rule"]["source"]["locator"] for c in verdict["checks"])


def test_demo_project_details(run, imported):
    def verdict(pid):
        return {c["check"]: c for c in json.loads(run("check", str(DEMO / "projects" / f"{pid}.json"),
                                                        "--json").stdout)["checks"]}

    p2 = verdict("P-002")
    assert p2["permanent_basic_farmland"]["status"] == "fail"
    assert p2["permanent_basic_farmland"]["feature_ids"] == ["PBF-002"]
    assert p2["permanent_basic_farmland"]["overlap_area_m2"] == pytest.approx(3500, rel=2e-3)
    assert p2["urban_development_boundary"]["overlap_area_m2"] == pytest.approx(6500, rel=2e-3)
    p7 = verdict("P-007")
    assert p7["permanent_basic_farmland"]["status"] == "conditional"
    assert p7["permanent_basic_farmland"]["overlap_area_m2"] == pytest.approx(120000, rel=2e-3)
    assert verdict("P-005")["ecological_protection_redline"]["rule"]["id"] == "ecr.core"
    p11 = verdict("P-011")
    assert p11["far"]["status"] == "pass" and p11["unit_balance"]["status"] == "fail"
    assert p11["unit_balance"]["value"] == pytest.approx(1585913, rel=1e-5)


def test_check_prints_a_readable_verdict(run, imported):
    result = run("check", str(DEMO / "projects" / "P-003.json"))
    assert result.exit_code == 0
    assert "不符合" in result.output and "第四十三条" in result.output


def write_project(tmp_path: Path, data: object, name: str = "p.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


SQUARE = {"type": "Polygon", "coordinates": [[[116.18, 23.77], [116.181, 23.77], [116.181, 23.771],
                                              [116.18, 23.771], [116.18, 23.77]]]}


@pytest.mark.parametrize(("data", "needle"), [
    ("{not json", "invalid JSON at line 1"),
    ([1, 2], "must be a JSON object"),
    ({"id": "X"}, "has no geometry"),
    ({"id": "X", "geometry": {"type": "Polygon", "coordinates": []}}, "geometry is empty"),
    ({"id": "X", "geometry": {"type": "Point", "coordinates": [116.18, 23.77]}}, "not a Polygon or MultiPolygon"),
    ({"id": "X", "geometry": {"type": "Polygon", "coordinates": [[[23.77, 116.18], [23.77, 116.181],
                                                                  [23.771, 116.181], [23.77, 116.18]]]}},
     "lon and lat look swapped"),
    ({"id": "X", "geometry": SQUARE, "crs": "EPSG:999999"}, "unknown CRS"),
    ({"id": "X", "geometry": SQUARE, "land_use": "9999"}, "not a 用地用海分类 2023 code"),
    ({"id": "X", "geometry": SQUARE, "project_type": "casino"}, "unknown project_type"),
    ({"id": "X", "geometry": SQUARE, "indicators": {"far": "high"}}, "must be a number"),
    ({"id": "X", "geometry": SQUARE, "indicators": {"building_density": 140}}, "out of range"),
    ({"geometry": SQUARE}, "has no \"id\""),
])
def test_bad_project_input_exits_2_with_one_line(run, tmp_path, data, needle):
    result = run("check", write_project(tmp_path, data))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.output


def test_missing_project_file_exits_2(run, tmp_path):
    result = run("check", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "no such file" in result.output


def test_self_intersecting_project_is_computed_with_a_warning(run, imported, tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[116.18, 23.77], [116.181, 23.771], [116.181, 23.77],
                                                  [116.18, 23.771], [116.18, 23.77]]]}
    result = run("check", write_project(tmp_path, {"id": "B", "geometry": bowtie}), "--json")
    assert result.exit_code == 0
    assert any("make_valid" in w for w in json.loads(result.stdout)["warnings"])


def test_projected_crs_is_accepted(run, imported, tmp_path):
    original = json.loads((DEMO / "projects" / "P-003.json").read_text(encoding="utf-8"))
    from shapely.geometry import mapping, shape

    from spatial.crs import transform
    original["geometry"] = mapping(transform(shape(original["geometry"]), "EPSG:4490", "EPSG:4548"))
    original["crs"] = "EPSG:4548"
    result = run("check", write_project(tmp_path, original), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["overall"] == "fail"


@pytest.mark.parametrize(("args", "needle"), [
    (["roads", "DEMO/layers/regulatory_parcels.geojson"], "unknown layer kind 'roads'"),
    (["regulatory_parcels", "DEMO/layers/management_units.geojson"], "needs the attribute(s) parcel_id, land_use, far_max"),
    (["planning_zones", "DEMO/projects/README.md"], "unsupported file type .md"),
    (["planning_zones", "DEMO/nothing.geojson"], "no such file"),
])
def test_bad_layer_import_exits_2_with_one_line(run, args, needle):
    args = [a.replace("DEMO", str(DEMO)) for a in args]
    result = run("layers", "import", *args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.output


def test_failed_import_keeps_the_previous_layer(run, imported):
    before = json.loads(run("layers", "list", "--json").stdout)
    assert run("layers", "import", "regulatory_parcels", str(DEMO / "layers" / "management_units.geojson")).exit_code == 2
    assert json.loads(run("layers", "list", "--json").stdout) == before


def test_layers_qc_reports_json(run, imported):
    result = run("layers", "qc", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert "issues" in report
    assert not [i for i in report["issues"] if i["severity"] == "error"]


def test_unreachable_postgis_is_one_line_and_exit_1(run, monkeypatch):
    monkeypatch.setenv("ONEMAP__SPATIAL__BACKEND", "postgis")
    monkeypatch.setenv("ONEMAP__SPATIAL__POSTGIS_DSN", "postgresql://onemap@127.0.0.1:1/onemap")
    for args in (["layers", "list"], ["check", str(DEMO / "projects" / "P-001.json")]):
        result = run(*args)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error:"), result.output
