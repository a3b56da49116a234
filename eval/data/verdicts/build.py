"""Write the synthetic scenario folders of the ``verdicts`` suite (DOMAIN.md §6 beyond the demo county).

Usage: python eval/data/verdicts/build.py

Deterministic, standard library only.  Geometry is drawn in metres in EPSG:4548 (CGCS2000 3-degree
Gauss-Kruger, CM 117E) from an origin near 116.2E 23.8N and written as GeoJSON in that CRS, so areas
are exact.  Expected statuses are written by hand below, from the rules (spatial/data/rules.yaml) and
the default settings (far_rounding = exact), not from the engine's output.

``town/``: the three control lines, three parcels in one unit::

    ECR-G   red line general area (0,0)-(2000,2000) with a hole for ECR-CORE (500,500)-(1000,1000)
    PBF-1   permanent farmland (3000,0)-(5000,2000)      UDB-1 development boundary (6000,0)-(10000,4000)
    unit U1 (6000,0)-(7500,500), cap 2,000,000 m²:
      A 070102 (6000,0)-(6500,500)  far 1.5-2.8, density 25, height 80, green 30
      B 0901   (6500,0)-(7000,500)  far ≤3.0, density 45, height 60, green 20
      C 080403 (7000,0)-(7500,500)  far ≤1.2, density 30, no height limit, green 35

``partial_layers/``: only the red line and the farmland are loaded: the other checks must be unknown.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
X0, Y0 = 418000, 2633000
CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4548"}}
ALL = ("ecological_protection_redline", "permanent_basic_farmland", "urban_development_boundary",
       "land_use_compatibility", "far", "building_density", "height", "green_ratio", "unit_balance")
PARCEL_CHECKS = ALL[3:]


def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[X0 + x0, Y0 + y0], [X0 + x1, Y0 + y0], [X0 + x1, Y0 + y1], [X0 + x0, Y0 + y1], [X0 + x0, Y0 + y0]]


def polygon(*rings: tuple[float, float, float, float]) -> dict:
    return {"type": "Polygon", "coordinates": [ring(*r) for r in rings]}


def layer(features: list[tuple[dict, dict]]) -> dict:
    return {"type": "FeatureCollection", "crs": CRS,
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]}


def parcel(pid, code, box, far_max, far_min=None, density=None, height=None, green=None):
    return ({"parcel_id": pid, "unit_id": "U1", "land_use": code, "far_max": far_max, "far_min": far_min,
             "density_max": density, "height_max": height, "green_min": green}, polygon(box))


RED_LINE = [({"ecr_id": "ECR-G", "name": "示范山生态保护红线区", "core": False},
             polygon((0, 0, 2000, 2000), (500, 500, 1000, 1000))),
            ({"ecr_id": "ECR-CORE", "name": "示范山自然保护区核心保护区", "core": True}, polygon((500, 500, 1000, 1000)))]
FARMLAND = [({"pbf_id": "PBF-1"}, polygon((3000, 0, 5000, 2000)))]
TOWN_LAYERS = {
    "ecological_protection_redline": RED_LINE,
    "permanent_basic_farmland": FARMLAND,
    "urban_development_boundary": [({"udb_id": "UDB-1"}, polygon((6000, 0, 10000, 4000)))],
    "planning_zones": [({"zone_id": "Z1", "zone_type": "生态保护区"}, polygon((0, 0, 2000, 2000))),
                       ({"zone_id": "Z2", "zone_type": "乡村发展区"}, polygon((2000, 0, 6000, 4000))),
                       ({"zone_id": "Z3", "zone_type": "城镇发展区"}, polygon((6000, 0, 10000, 4000)))],
    "regulatory_parcels": [parcel("A", "070102", (6000, 0, 6500, 500), 2.8, 1.5, 25, 80, 30),
                           parcel("B", "0901", (6500, 0, 7000, 500), 3.0, None, 45, 60, 20),
                           parcel("C", "080403", (7000, 0, 7500, 500), 1.2, None, 30, None, 35)],
    "management_units": [({"unit_id": "U1", "gfa_cap_m2": 2000000}, polygon((6000, 0, 7500, 500)))],
}
GOOD = {"far": 2.5, "building_density": 22, "height": 54, "green_ratio": 35, "gfa_m2": 625000}


def project(pid, name, box, project_type, land_use=None, indicators=None, **extra) -> dict:
    out = {"id": pid, "name": name, "geometry": polygon(box), "crs": "EPSG:4548", "project_type": project_type}
    if land_use:
        out["land_use"] = land_use
    return {**out, "indicators": indicators or {}, **extra}


def statuses(overall: str, why: str, default: str = "pass", **checks: str) -> dict:
    return {"overall": overall, "checks": {c: checks.get(c, default) for c in ALL}, "why": why}


def off_parcels(**checks: str) -> dict[str, str]:
    """A project outside the boundary touches no parcel: every parcel check is unknown."""
    return {**{c: "unknown" for c in PARCEL_CHECKS}, **checks}


TOWN = [
    (project("T-01", "FAR 2.805 against a 2.8 cap", (6000, 0, 6500, 500), "residential", "070102",
             {**GOOD, "far": 2.805, "gfa_m2": 701250}),
     statuses("fail", "scenario 2: 2.805 > 2.8 under the exact policy (half-even would round to 2.80)", far="fail")),
    (project("T-02", "FAR below the parcel minimum", (6000, 0, 6500, 500), "residential", "070102",
             {**GOOD, "far": 1.2, "gfa_m2": 300000}),
     statuses("fail", "far 1.2 < far_min 1.5", far="fail")),
    (project("T-03", "community service on a residential parcel", (6000, 0, 6500, 500), "public_facility", "0702",
             {"far": 1.6, "building_density": 20, "height": 24, "green_ratio": 35, "gfa_m2": 400000}),
     statuses("conditional", "0702 is a listed compatible use of 070102", land_use_compatibility="conditional")),
    (project("T-04", "housing across parcels A and B", (6250, 0, 6750, 500), "residential", "070102",
             {"far": 2.9, "building_density": 22, "height": 70, "green_ratio": 35, "gfa_m2": 725000}),
     statuses("fail", "A caps FAR at 2.8, B height at 60 m and B is commercial; unit 725000 + 300000 under cap",
              land_use_compatibility="fail", far="fail", height="fail")),
    (project("T-05", "housing without indicators", (6000, 0, 6500, 500), "residential", "070102"),
     statuses("unknown", "nothing declared: unknown, never pass", far="unknown", building_density="unknown",
              height="unknown", green_ratio="unknown", unit_balance="unknown")),
    (project("T-06", "school on a parcel without a height limit", (7000, 0, 7500, 500), "public_facility", "080403",
             {"far": 1.0, "building_density": 25, "height": 20, "green_ratio": 40, "gfa_m2": 250000}),
     statuses("unknown", "parcel C sets no height limit; unit 250000 + 700000 + 750000 under cap", height="unknown")),
    (project("T-07", "villager rebuilds on the same footprint", (1800, 100, 1820, 115), "villager_housing", "070301",
             existing_area_m2=300.0),
     statuses("conditional", "scenario 15: same 300 m² footprint in the red line; homestead exempt outside UDB",
              **off_parcels(ecological_protection_redline="conditional"))),
    (project("T-08", "villager enlarges the house", (1800, 100, 1820, 115), "villager_housing", "070301",
             existing_area_m2=200.0),
     statuses("fail", "scenario 15: 300 m² > existing 200 m² enlarges construction land in the red line",
              **off_parcels(ecological_protection_redline="fail"))),
    (project("T-09", "industrial park outside the boundary", (5000, 2500, 5900, 3500), "industrial", "1001"),
     statuses("fail", "scenario 17: industrial land outside UDB", **off_parcels(urban_development_boundary="fail"))),
    (project("T-10", "cemetery on farmland", (3100, 100, 3300, 250), "special_facility", "1506"),
     statuses("fail", "scenario 18: allowed outside UDB but still may not occupy farmland",
              **off_parcels(permanent_basic_farmland="fail", urban_development_boundary="conditional"))),
    (project("T-11", "national key road through the red line", (100, 1500, 1900, 1560), "national_key_project", "1202"),
     statuses("conditional", "national key project outside the core: State Council approval",
              **off_parcels(ecological_protection_redline="conditional"))),
    (project("T-12", "ecological restoration in the red line", (1200, 1200, 1400, 1400), "ecological_restoration"),
     statuses("conditional", "restoration is a permitted limited activity; not urban construction",
              **off_parcels(ecological_protection_redline="conditional"))),
    (project("T-13", "road touching farmland by 0.5 m²", (4999.5, 0, 5300, 1), "other", "1202"),
     statuses("unknown", "an overlap below the 1 m² sliver tolerance passes; on no parcel", **off_parcels())),
]
PARTIAL = [
    (project("Q-01", "housing clear of both lines", (2500, 2500, 2700, 2700), "residential", "070102", GOOD),
     statuses("unknown", "no boundary, parcel or unit layer: unknown, never pass",
              **off_parcels(urban_development_boundary="unknown"))),
    (project("Q-02", "shop on farmland", (3100, 100, 3300, 250), "commercial", "0901", GOOD),
     {"overall": "fail", "checks": {"permanent_basic_farmland": "fail", "urban_development_boundary": "unknown"},
      "why": "farmland is loaded and occupied; only some checks are expected"}),
]


def write_scenario(folder: Path, layers: dict[str, list], cases: list[tuple[dict, dict]]) -> None:
    for sub in ("layers", "projects"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for old in (folder / sub).iterdir():
            old.unlink()
    for kind, features in layers.items():
        (folder / "layers" / f"{kind}.geojson").write_text(
            json.dumps(layer(features), ensure_ascii=False) + "\n", encoding="utf-8")
    lines = []
    for proj, expected in cases:
        (folder / "projects" / f"{proj['id']}.json").write_text(
            json.dumps(proj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        lines.append(json.dumps({"project": proj["id"], **expected}, ensure_ascii=False))
    (folder / "expected.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    write_scenario(HERE / "town", TOWN_LAYERS, TOWN)
    write_scenario(HERE / "partial_layers", {k: TOWN_LAYERS[k] for k in ("ecological_protection_redline",
                                                                        "permanent_basic_farmland")}, PARTIAL)
    print(f"wrote {HERE / 'town'} ({len(TOWN)} projects) and {HERE / 'partial_layers'} ({len(PARTIAL)} projects)")


if __name__ == "__main__":
    main()
