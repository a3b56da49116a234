"""A small synthetic one-map world for check tests, drawn in metres (EPSG:4548) and stored in lon/lat.

Origin: 116.2E 23.8N. Everything is axis-aligned boxes so expected areas are exact.

    ECR-G   red line, general area  (0,0)-(2000,2000); ECR-CORE core area (500,500)-(1000,1000)
    PBF-1   permanent farmland      (3000,0)-(5000,2000)
    UDB-1   development boundary    (6000,0)-(10000,4000)
    parcels in unit U1 (cap 2,000,000 m²): A 070102 (6000,0)-(6500,500), B 0901 (6500,0)-(7000,500),
            C 080403 (7000,0)-(7500,500) (no far_min, no height)
    parcels in unit U2 (cap 1,200,000 m²): D1..D3 far_max 3.1 and D4 far_max 3.0, each 500 x 200 m = 100,000 m²,
            along y 2000-2200 from x 6000 (scenario 24: 3 x 310,000 + 300,000 = 1,230,000 > 1,200,000)
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import box, mapping

from spatial.crs import transform
from spatial.kinds import LayerKind
from spatial.layers import Layer, layer_from_geometries

GK = "EPSG:4548"
LL = "EPSG:4490"
X0, Y0 = transform(shapely.Point(116.2, 23.8), LL, GK).coords[0]


def ll(geom_m):
    """A geometry in metres relative to the origin, as lon/lat."""
    return transform(shapely.affinity.translate(geom_m, X0, Y0), GK, LL)


def bx(x0: float, y0: float, x1: float, y1: float):
    return ll(box(x0, y0, x1, y1))


def parcel(pid: str, unit: str, code: str, geom, far_max=2.8, far_min=None, density=25, height=80, green=30):
    return geom, {"parcel_id": pid, "unit_id": unit, "land_use": code, "far_max": far_max, "far_min": far_min,
                  "density_max": density, "height_max": height, "green_min": green}


def layers() -> dict[LayerKind, Layer]:
    P = [
        parcel("A", "U1", "070102", bx(6000, 0, 6500, 500), far_max=2.8, far_min=1.5),
        parcel("B", "U1", "0901", bx(6500, 0, 7000, 500), far_max=3.0, density=45, height=60, green=20),
        parcel("C", "U1", "080403", bx(7000, 0, 7500, 500), far_max=1.2, density=30, height=None, green=35),
    ]
    P += [parcel(f"D{i + 1}", "U2", "070102", bx(6000 + 500 * i, 2000, 6500 + 500 * i, 2200),
                 far_max=3.1 if i < 3 else 3.0) for i in range(4)]
    return {
        LayerKind.ECOLOGICAL_PROTECTION_REDLINE: layer_from_geometries(
            LayerKind.ECOLOGICAL_PROTECTION_REDLINE, [bx(0, 0, 2000, 2000), bx(500, 500, 1000, 1000)],
            [{"ecr_id": "ECR-G", "core": False}, {"ecr_id": "ECR-CORE", "core": True}]),
        LayerKind.PERMANENT_BASIC_FARMLAND: layer_from_geometries(
            LayerKind.PERMANENT_BASIC_FARMLAND, [bx(3000, 0, 5000, 2000)], [{"pbf_id": "PBF-1"}]),
        LayerKind.URBAN_DEVELOPMENT_BOUNDARY: layer_from_geometries(
            LayerKind.URBAN_DEVELOPMENT_BOUNDARY, [bx(6000, 0, 10000, 4000)], [{"udb_id": "UDB-1"}]),
        LayerKind.PLANNING_ZONES: layer_from_geometries(
            LayerKind.PLANNING_ZONES, [bx(0, 0, 2000, 2000), bx(2000, 0, 6000, 4000), bx(6000, 0, 10000, 4000)],
            [{"zone_id": "Z1", "zone_type": "生态保护区"}, {"zone_id": "Z2", "zone_type": "乡村发展区"},
             {"zone_id": "Z3", "zone_type": "城镇发展区"}]),
        LayerKind.REGULATORY_PARCELS: layer_from_geometries(
            LayerKind.REGULATORY_PARCELS, [g for g, _ in P], [a for _, a in P]),
        LayerKind.MANAGEMENT_UNITS: layer_from_geometries(
            LayerKind.MANAGEMENT_UNITS, [bx(6000, 0, 7500, 500), bx(6000, 2000, 8000, 2200)],
            [{"unit_id": "U1", "gfa_cap_m2": 2_000_000}, {"unit_id": "U2", "gfa_cap_m2": 1_200_000}]),
    }


def project(pid: str, geom_m, **fields: Any) -> dict[str, Any]:
    """A project application (the input contract) for a geometry drawn in metres."""
    return {"id": pid, "name": fields.pop("name", pid), "geometry": mapping(ll(geom_m)), "crs": "EPSG:4490",
            **fields}
