"""数据质检 (spatial.qc): each check finds what it should and nothing on clean data."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Polygon, box

import spatial.qc as qc_mod
from ingest.models import Access
from spatial import crs
from spatial.kinds import LayerKind
from spatial.layers import Layer, layer_from_geometries, read_layer
from spatial.memory import MemoryBackend
from spatial.qc import CHECKS, QCReport, run_qc

DEMO_LAYERS = Path(__file__).resolve().parents[2] / "demo" / "layers"

PBF = LayerKind.PERMANENT_BASIC_FARMLAND
ECR = LayerKind.ECOLOGICAL_PROTECTION_REDLINE
UDB = LayerKind.URBAN_DEVELOPMENT_BOUNDARY
ZONES = LayerKind.PLANNING_ZONES
PARCELS = LayerKind.REGULATORY_PARCELS
UNITS = LayerKind.MANAGEMENT_UNITS

X0, Y0 = 116.10, 23.70  # the demo county's neighbourhood (Gauss-Kruger zone CM 117E)


def cell(i: int, j: int = 0, size: float = 0.01) -> Polygon:
    """A lon/lat square of the grid starting at (X0, Y0)."""
    return box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


def parcel(pid: str, geom: Polygon, **attrs: Any) -> tuple[Polygon, dict[str, Any]]:
    row: dict[str, Any] = {"parcel_id": pid, "unit_id": "U1", "land_use": "070102", "land_use_name": "二类城镇住宅用地",
                           "far_max": 2.5, "far_min": 1.0, "density_max": 25, "height_max": 54, "green_min": 35}
    row.update(attrs)
    return geom, row


def layer(kind: LayerKind, items: list[tuple[Polygon, dict[str, Any]]]) -> Layer:
    return layer_from_geometries(kind, [g for g, _ in items], [a for _, a in items])


def backend(tmp_path: Path, *layers: Layer) -> MemoryBackend:
    b = MemoryBackend(tmp_path / "layers.sqlite")
    for lyr in layers:
        b.import_layer(lyr, Access.PUBLIC)
    return b


def clean_layers() -> list[Layer]:
    """All six kinds, consistent: no overlaps, urban parcels inside the boundary, ids unique."""
    return [
        layer(ECR, [(cell(0, 0), {"ecr_id": "ECR-1", "core": False}), (cell(0, 1), {"ecr_id": "ECR-2", "core": True})]),
        # PBF-1 shares an edge with ECR-1 (touching is not overlapping)
        layer(PBF, [(cell(1, 0), {"pbf_id": "PBF-1"}), (cell(1, 1), {"pbf_id": "PBF-2"})]),
        layer(UDB, [(box(X0 + 0.03, Y0, X0 + 0.05, Y0 + 0.02), {"udb_id": "UDB-1"}),
                    (box(X0 + 0.05, Y0, X0 + 0.07, Y0 + 0.02), {"udb_id": "UDB-2"})]),
        layer(ZONES, [(box(X0, Y0, X0 + 0.07, Y0 + 0.02), {"zone_id": "Z1", "zone_type": "城镇发展区"})]),
        layer(PARCELS, [
            parcel("P1", box(X0 + 0.031, Y0 + 0.001, X0 + 0.039, Y0 + 0.009)),
            # straddles the two boundary features: covered by their union, by neither alone
            parcel("P2", box(X0 + 0.045, Y0 + 0.001, X0 + 0.055, Y0 + 0.009), land_use="0901", land_use_name="商业用地",
                   far_min=None),
            # a road needs no FAR, but here it has one; a farm field outside the boundary is fine
            parcel("P3", box(X0 + 0.04, Y0 + 0.01, X0 + 0.06, Y0 + 0.011), land_use="1207",
                   land_use_name="城镇村道路用地", far_max=0.1, far_min=None, height_max=5, green_min=0, density_max=0),
            parcel("P4", cell(9, 0), land_use="0101", land_use_name="水田", far_max=0.01, far_min=0),
        ]),
        layer(UNITS, [(box(X0 + 0.03, Y0, X0 + 0.1, Y0 + 0.02), {"unit_id": "U1", "gfa_cap_m2": 1_200_000})]),
    ]


def kinds_of(report: QCReport, check: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(i.severity, i.feature_ids) for i in report.by_check(check)]


# --------------------------------------------------------------------------- clean data, report shape


def test_clean_layers_have_no_issues(tmp_path: Path) -> None:
    report = run_qc(backend(tmp_path, *clean_layers()))
    assert report.issues == []
    assert report.passed
    assert report.notes == []
    assert report.counts == dict.fromkeys(CHECKS, 0)
    assert report.layers == {PBF: 2, ECR: 2, UDB: 2, ZONES: 1, PARCELS: 4, UNITS: 1}


def test_report_json_is_serialisable_and_counts_per_check(tmp_path: Path) -> None:
    layers = clean_layers()
    layers[4] = layer(PARCELS, [parcel("P1", cell(3), far_max=40), parcel("P1", cell(4), land_use="9999")])
    report = run_qc(backend(tmp_path, *layers))
    data = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert data["passed"] is False
    assert data["counts"]["out_of_range"] == 1
    assert data["counts"]["duplicate_id"] == 1
    assert data["counts"]["land_use_code"] == 1
    assert data["severity_counts"]["duplicate_id"] == {"error": 1, "warning": 0}
    assert data["errors"] == len(report.errors) == 3
    assert {lyr["kind"] for lyr in data["layers"]} == {k.value for k in LayerKind}
    assert all(set(i) == {"check", "severity", "kind", "feature_ids", "message", "area_m2"} for i in data["issues"])
    assert all("\n" not in i["message"] for i in data["issues"])


def test_no_layers_gives_an_empty_passing_report_with_a_note(tmp_path: Path) -> None:
    report = run_qc(backend(tmp_path))
    assert report.passed and report.issues == [] and report.layers == {}
    assert len(report.notes) == 1


def test_negative_tolerance_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sliver_tolerance_m2"):
        run_qc(backend(tmp_path), sliver_tolerance_m2=-1)


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(qc_mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------- invalid_geometry


def test_invalid_geometry_is_reported_as_repaired(tmp_path: Path) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0), (X0, Y0 + 0.01)])
    pbf = layer(PBF, [(bowtie, {"pbf_id": "PBF-9"}), (cell(5), {"pbf_id": "PBF-10"})])
    report = run_qc(backend(tmp_path, pbf))
    [issue] = report.by_check("invalid_geometry")
    assert (issue.severity, issue.kind, issue.feature_ids) == ("error", PBF, ("PBF-9",))
    assert "Self-intersection" in issue.message and "make_valid" in issue.message
    assert not report.passed


# --------------------------------------------------------------------------- farmland_redline_overlap


def test_farmland_redline_overlap_measures_each_pair(tmp_path: Path) -> None:
    ecr = layer(ECR, [(cell(0), {"ecr_id": "ECR-1"}), (cell(2), {"ecr_id": "ECR-2"})])
    # PBF-1 reaches 0.002° into ECR-1 and 0.003° into ECR-2; PBF-2 only touches ECR-2.
    pbf = layer(PBF, [(box(X0 + 0.008, Y0, X0 + 0.023, Y0 + 0.01), {"pbf_id": "PBF-1"}),
                      (cell(3), {"pbf_id": "PBF-2"})])
    report = run_qc(backend(tmp_path, pbf, ecr))
    issues = report.by_check("farmland_redline_overlap")
    assert [(i.severity, i.feature_ids) for i in issues] == [("error", ("PBF-1", "ECR-1")),
                                                            ("error", ("PBF-1", "ECR-2"))]
    expected = [crs.area_m2(box(X0 + 0.008, Y0, X0 + 0.01, Y0 + 0.01)),
                crs.area_m2(box(X0 + 0.02, Y0, X0 + 0.023, Y0 + 0.01))]
    assert [i.area_m2 for i in issues] == pytest.approx(expected, rel=1e-9)
    assert expected[0] == pytest.approx(0.002 * 0.01 * 111_320 * 110_700 * np.cos(np.radians(23.705)), rel=0.01)
    assert "PBF-1" in issues[0].message and "ECR-1" in issues[0].message and "48号" in issues[0].message
    assert all(i.kind is PBF for i in issues)


def test_farmland_redline_sliver_is_a_warning_and_tolerance_is_configurable(tmp_path: Path) -> None:
    ecr = layer(ECR, [(cell(0), {"ecr_id": "ECR-1"})])
    # 5e-7° (≈ 5 cm) by 1e-4° (≈ 11 m): about 0.56 m²
    sliver = box(X0 + 0.01 - 5e-7, Y0, X0 + 0.02, Y0 + 1e-4)
    pbf = layer(PBF, [(sliver, {"pbf_id": "PBF-1"})])
    b = backend(tmp_path, pbf, ecr)
    expected = crs.area_m2(box(X0 + 0.01 - 5e-7, Y0, X0 + 0.01, Y0 + 1e-4))
    assert 0.3 < expected < 1.0
    [issue] = run_qc(b).by_check("farmland_redline_overlap")
    assert issue.severity == "warning" and issue.area_m2 == pytest.approx(expected, rel=1e-6)
    assert run_qc(b).passed
    [strict] = run_qc(b, sliver_tolerance_m2=0.1).by_check("farmland_redline_overlap")
    assert strict.severity == "error"


def test_farmland_redline_overlap_skipped_without_redline(tmp_path: Path) -> None:
    report = run_qc(backend(tmp_path, layer(PBF, [(cell(0), {"pbf_id": "PBF-1"})])))
    assert report.by_check("farmland_redline_overlap") == []
    assert any("farmland_redline_overlap" in n and "ecological_protection_redline" in n for n in report.notes)


def test_farmland_redline_overlap_on_a_grid_uses_the_index(tmp_path: Path) -> None:
    """2,500 farmland cells against a redline grid shifted by a quarter cell: every cell overlaps four."""
    n = 50
    size = 0.002
    pbf = layer(PBF, [(cell(i, j, size), {"pbf_id": f"P{i}-{j}"}) for i in range(n) for j in range(n)])
    shifted = [(box(X0 + (i + 0.25) * size, Y0 + (j + 0.25) * size, X0 + (i + 1.25) * size, Y0 + (j + 1.25) * size),
                {"ecr_id": f"E{i}-{j}"}) for i in range(n) for j in range(n)]
    report = run_qc(backend(tmp_path, pbf, layer(ECR, shifted)))
    issues = report.by_check("farmland_redline_overlap")
    # cell (i, j) overlaps shifted cells (i-1..i, j-1..j) where they exist
    assert len(issues) == n * n + 2 * n * (n - 1) + (n - 1) ** 2
    assert all(i.severity == "error" for i in issues)
    full = [i for i in issues if i.feature_ids == ("P10-10", "E10-10")]
    assert full[0].area_m2 == pytest.approx(crs.area_m2(box(X0 + 10.25 * size, Y0 + 10.25 * size,
                                                           X0 + 11 * size, Y0 + 11 * size)), rel=1e-9)


# --------------------------------------------------------------------------- urban_use_outside_boundary


def test_urban_parcel_outside_boundary(tmp_path: Path) -> None:
    udb = layer(UDB, [(box(X0, Y0, X0 + 0.01, Y0 + 0.01), {"udb_id": "UDB-1"})])
    parcels = layer(PARCELS, [
        parcel("HALF", box(X0 + 0.005, Y0, X0 + 0.015, Y0 + 0.005)),  # urban, half outside
        parcel("AWAY", cell(5), land_use="1001", land_use_name="工业用地"),  # urban, wholly outside
        parcel("FARM", cell(6), land_use="0101", land_use_name="水田", far_max=0.01, far_min=0),  # not urban
        parcel("MINE", cell(7), land_use="1002", land_use_name="采矿用地", far_max=0.5),  # construction, not urban
        parcel("IN", box(X0 + 0.001, Y0 + 0.006, X0 + 0.004, Y0 + 0.009)),
        # sticks out by ≈ 0.3 m²: below the 1 m² tolerance, not reported
        parcel("EDGE", box(X0 + 0.001, Y0 + 0.01 - 1e-4, X0 + 0.004, Y0 + 0.01 + 1e-8)),
    ])
    report = run_qc(backend(tmp_path, udb, parcels))
    issues = report.by_check("urban_use_outside_boundary")
    assert [(i.severity, i.feature_ids) for i in issues] == [("error", ("HALF",)), ("error", ("AWAY",))]
    assert issues[0].area_m2 == pytest.approx(crs.area_m2(box(X0 + 0.01, Y0, X0 + 0.015, Y0 + 0.005)), rel=1e-9)
    assert issues[1].area_m2 == pytest.approx(crs.area_m2(cell(5)), rel=1e-9)
    assert "HALF" in issues[0].message and "070102" in issues[0].message and "50.0%" in issues[0].message
    edge_out = crs.area_m2(box(X0 + 0.001, Y0 + 0.01, X0 + 0.004, Y0 + 0.01 + 1e-8))
    assert 0 < edge_out < 1
    assert run_qc(backend(tmp_path / "strict", udb, parcels), sliver_tolerance_m2=0.01).counts[
        "urban_use_outside_boundary"] == 3


def test_urban_parcel_check_skipped_without_boundary(tmp_path: Path) -> None:
    parcels = layer(PARCELS, [parcel("P1", cell(0))])
    report = run_qc(backend(tmp_path, parcels))
    assert report.by_check("urban_use_outside_boundary") == []
    assert any("urban_use_outside_boundary" in n and "urban_development_boundary" in n for n in report.notes)
    assert any("unknown_unit" in n for n in report.notes)
    assert report.passed


# --------------------------------------------------------------------------- missing_attribute


def test_missing_attributes_grouped_per_feature(tmp_path: Path) -> None:
    parcels = layer(PARCELS, [
        parcel("P1", cell(0), far_max=None, land_use=" ", density_max=None),
        parcel("P2", cell(1), far_max=None, land_use="1207", land_use_name="城镇村道路用地",
               density_max=None, height_max=None, green_min=None, far_min=None),
        parcel("P3", cell(2), green_min=None),
        parcel("P4", cell(3), far_max=None),  # housing without a FAR limit: an error
        parcel("P5", cell(4)),
    ])
    units = layer(UNITS, [(cell(0), {"unit_id": "U1", "gfa_cap_m2": None}), (cell(1), {"unit_id": None, "gfa_cap_m2": 5})])
    zones = layer(ZONES, [(cell(0), {"zone_id": "Z1", "zone_type": ""}), (cell(1), {"zone_id": "Z2", "zone_type": "x"})])
    report = run_qc(backend(tmp_path, parcels, units, zones))
    issues = report.by_check("missing_attribute")
    got = [(i.kind, i.severity, i.feature_ids) for i in issues]
    assert got == [
        (ZONES, "error", ("Z1",)),
        (PARCELS, "error", ("P1",)),
        (PARCELS, "warning", ("P1",)),
        (PARCELS, "warning", ("P2",)),
        (PARCELS, "warning", ("P3",)),
        (PARCELS, "error", ("P4",)),
        (UNITS, "warning", ("U1",)),
        (UNITS, "error", ("UNIT-0002",)),
    ]
    by = {(i.feature_ids, i.severity): i.message for i in issues}
    assert "land_use, far_max" in by[(("P1",), "error")]
    assert "density_max" in by[(("P1",), "warning")] and "far_max" not in by[(("P1",), "warning")]
    assert "far_max, density_max, height_max, green_min" in by[(("P2",), "warning")]
    assert "1207" in by[(("P2",), "warning")] and "不适用" in by[(("P2",), "warning")]
    assert "far_max" in by[(("P4",), "error")]
    assert "gfa_cap_m2" in by[(("U1",), "warning")]
    assert "unit_id" in by[(("UNIT-0002",), "error")]


def test_missing_column_counts_as_missing(tmp_path: Path) -> None:
    parcels = layer_from_geometries(PARCELS, [cell(0)], [{"parcel_id": "P1", "unit_id": "U1", "land_use": "0901"}])
    report = run_qc(backend(tmp_path, parcels))
    assert kinds_of(report, "missing_attribute") == [("error", ("P1",)), ("warning", ("P1",))]


# --------------------------------------------------------------------------- out_of_range


@pytest.mark.parametrize(("attrs", "fragment"), [
    ({"far_max": 0}, "far_max=0"),
    ({"far_max": -1.5}, "far_max=-1.5"),
    ({"far_max": 30.5}, "far_max=30.5"),
    ({"far_max": "高"}, "far_max='高'"),
    ({"far_max": float("inf")}, "far_max=inf"),
    ({"far_max": True}, "far_max=True"),
    ({"far_min": -0.1}, "far_min=-0.1"),
    ({"far_min": 3.0, "far_max": 2.5}, "far_min=3 大于 far_max=2.5"),
    ({"far_min": "x"}, "far_min='x'"),
    ({"density_max": 101}, "density_max=101%"),
    ({"density_max": -1}, "density_max=-1%"),
    ({"green_min": 100.5}, "green_min=100.5%"),
    ({"green_min": "三成"}, "green_min='三成'"),
    ({"height_max": 0}, "height_max=0 m"),
    ({"height_max": 1000.1}, "height_max=1000.1 m"),
])
def test_parcel_values_out_of_range(tmp_path: Path, attrs: dict[str, Any], fragment: str) -> None:
    report = run_qc(backend(tmp_path, layer(PARCELS, [parcel("P1", cell(0), **attrs), parcel("P2", cell(1))])))
    [issue] = report.by_check("out_of_range")
    assert (issue.severity, issue.feature_ids) == ("error", ("P1",))
    assert fragment in issue.message


def test_boundary_values_and_numeric_text_are_in_range(tmp_path: Path) -> None:
    parcels = layer(PARCELS, [
        parcel("P1", cell(0), far_max=30, far_min=30, density_max=100, green_min=0, height_max=1000),
        parcel("P2", cell(1), far_max="2.5", far_min="0", density_max=0, green_min=100, height_max=0.5),
        parcel("P3", cell(2), far_max=np.float64(1.2), far_min=None),
    ])
    assert run_qc(backend(tmp_path, parcels)).issues == []


def test_several_problems_of_one_parcel_make_one_issue(tmp_path: Path) -> None:
    report = run_qc(backend(tmp_path, layer(PARCELS, [parcel("P1", cell(0), far_max=50, height_max=-3)])))
    [issue] = report.by_check("out_of_range")
    assert "far_max=50" in issue.message and "height_max=-3 m" in issue.message


def test_unit_cap_and_core_out_of_range(tmp_path: Path) -> None:
    units = layer(UNITS, [(cell(0), {"unit_id": "U1", "gfa_cap_m2": 0}),
                          (cell(1), {"unit_id": "U2", "gfa_cap_m2": "很多"}),
                          (cell(2), {"unit_id": "U3", "gfa_cap_m2": 1e6})])
    ecr = layer(ECR, [(cell(0), {"ecr_id": "E1", "core": "maybe"}), (cell(1), {"ecr_id": "E2", "core": 1}),
                      (cell(2), {"ecr_id": "E3", "core": True}), (cell(3), {"ecr_id": "E4", "core": None}),
                      (cell(4), {"ecr_id": "E5"})])
    report = run_qc(backend(tmp_path, units, ecr))
    assert [(i.kind, i.feature_ids) for i in report.by_check("out_of_range")] == [
        (ECR, ("E1",)), (ECR, ("E2",)), (UNITS, ("U1",)), (UNITS, ("U2",))]
    messages = [i.message for i in report.by_check("out_of_range")]
    assert "core='maybe'" in messages[0] and "gfa_cap_m2=0 m²" in messages[2] and "'很多'" in messages[3]


def test_unrecognised_core_in_a_file_reaches_qc(tmp_path: Path) -> None:
    """The reader keeps a core value it cannot read as a boolean, so QC reports it."""
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ecr_id": f"E{i}", "core": core},
         "geometry": cell(i).__geo_interface__} for i, core in enumerate(["是", "否", "待定"])]}
    path = tmp_path / "ecr.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    ecr = read_layer(ECR, path)
    assert [a["core"] for a in ecr.attrs] == [True, False, "待定"]
    [issue] = run_qc(backend(tmp_path, ecr)).by_check("out_of_range")
    assert issue.feature_ids == ("E2",) and "待定" in issue.message


# --------------------------------------------------------------------------- duplicate_id, unknown_unit


def test_duplicate_ids_and_unknown_units(tmp_path: Path) -> None:
    parcels = layer(PARCELS, [
        parcel("P1", cell(0)), parcel("P2", cell(1)), parcel("P1", cell(2)), parcel("P1", cell(3)),
        parcel("P3", cell(4), unit_id="U9"), parcel("P4", cell(5), unit_id="U9"), parcel("P5", cell(6), unit_id="U2"),
    ])
    units = layer(UNITS, [(cell(0), {"unit_id": "U1", "gfa_cap_m2": 1e6}), (cell(1), {"unit_id": "U2", "gfa_cap_m2": 1e6}),
                          (cell(2), {"unit_id": "U2", "gfa_cap_m2": 1e6})])
    report = run_qc(backend(tmp_path, parcels, units))
    dups = report.by_check("duplicate_id")
    assert [(i.kind, i.severity, i.feature_ids) for i in dups] == [(PARCELS, "error", ("P1",)),
                                                                 (UNITS, "error", ("U2",))]
    assert "3 次" in dups[0].message and "#1、#3、#4" in dups[0].message
    [unknown] = report.by_check("unknown_unit")
    assert (unknown.severity, unknown.feature_ids) == ("error", ("P3", "P4"))
    assert "U9" in unknown.message


def test_numeric_unit_ids_match_text_ids(tmp_path: Path) -> None:
    parcels = layer(PARCELS, [parcel("P1", cell(0), unit_id=101), parcel("P2", cell(1), unit_id="101")])
    units = layer(UNITS, [(cell(0), {"unit_id": 101.0, "gfa_cap_m2": 1e6})])
    report = run_qc(backend(tmp_path, parcels, units))
    assert report.by_check("unknown_unit") == [] and report.by_check("duplicate_id") == []


# --------------------------------------------------------------------------- land_use_code


def test_land_use_codes(tmp_path: Path) -> None:
    parcels = layer(PARCELS, [
        parcel("P1", cell(0), land_use="9999", land_use_name="未知"),
        parcel("P2", cell(1), land_use="0204", land_use_name="其他园地", far_max=0.01, far_min=0),  # 2020 trial
        parcel("P3", cell(2), land_use="0204", land_use_name="油料园地", far_max=0.01, far_min=0),  # 2023
        parcel("P4", cell(3), land_use=70102),  # leading zero restored
        parcel("P5", cell(4), land_use="0701"),
        parcel("P6", cell(5), land_use="0204", land_use_name=None, far_max=0.01, far_min=0),
    ])
    udb = layer(UDB, [(box(X0 + 0.03, Y0, X0 + 0.05, Y0 + 0.01), {"udb_id": "UDB-1"})])
    report = run_qc(backend(tmp_path, parcels, udb))
    issues = report.by_check("land_use_code")
    assert [(i.severity, i.feature_ids) for i in issues] == [("error", ("P1",)), ("warning", ("P2",))]
    assert "9999" in issues[0].message and "2023" in issues[0].message
    assert "0205" in issues[1].message and "2020" in issues[1].message  # names the 2023 code
    assert report.by_check("urban_use_outside_boundary") == []  # an unknown code is not guessed to be urban


# --------------------------------------------------------------------------- the demo county


def test_demo_layers_have_no_errors(tmp_path: Path) -> None:
    b = backend(tmp_path, *(read_layer(k, DEMO_LAYERS / f"{k.value}.geojson") for k in LayerKind))
    report = run_qc(b)
    assert report.passed, [i.message for i in report.errors]
    assert report.notes == []
    assert report.layers == {ECR: 7, PBF: 12, UDB: 2, ZONES: 5, PARCELS: 33, UNITS: 3}
    # Only parcels that carry no FAR because their use has none: 广场, 社会停车场, 防护绿地, 城镇村道路.
    assert [(i.check, i.severity, i.feature_ids) for i in report.issues] == [
        ("missing_attribute", "warning", ("SF-01-07",)),
        ("missing_attribute", "warning", ("SF-02-12",)),
        ("missing_attribute", "warning", ("SF-03-05",)),
        ("missing_attribute", "warning", ("SF-03-07",)),
    ]
    messages = [i.message for i in report.issues]
    assert "far_max；1403 广场用地" in messages[0]
    assert "far_max, density_max, height_max, green_min；120803 社会停车场用地" in messages[1]
    assert "far_max, density_max, height_max；1402 防护绿地" in messages[2]
    assert "far_max, density_max, height_max, green_min；1207 城镇村道路用地" in messages[3]
