"""Build the 示范县 demo data: GIS layers, sample projects and generated document tables.

Run from the repository root::

    .venv/bin/python demo/build_layers.py            # write everything
    .venv/bin/python demo/build_layers.py --check    # exit 1 if anything on disk differs

The fictional county 示范县 is placed inside the real outline of 丰顺县 (Guangdong),
read from ``../shared/geo/admin/441423_fengshun.json`` (override with ``--boundary``).
Everything else -- red lines, farmland, the town, its regulatory plan -- is invented
here, deterministically (no random numbers), so running the script twice gives
byte-identical files.  The outputs are committed, so the rest of the project does not
need the boundary file.

Outputs (all CGCS2000 lon/lat, EPSG:4490, coordinates on a 1e-7 degree grid):

* ``demo/layers/*.geojson``: county boundary, ecological protection red line,
  permanent basic farmland, urban development boundary, planning zones,
  management units and regulatory parcels;
* ``demo/projects/P-*.json``: sample project applications;
* the generated pipe tables in the master plan and the regulatory plan documents
  (each found by its caption line, e.g. ``表3-1 地块规划控制指标一览表``).

Areas are measured in the CGCS2000 3-degree Gauss-Kruger projection whose central
meridian is nearest to the county (117E, EPSG:4548), from the rounded geometry as
written, so a reader who re-measures a feature gets the stored ``area_m2`` back.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon, box, mapping, shape

DEMO_DIR = Path(__file__).resolve().parent
REPO_DIR = DEMO_DIR.parent
DEFAULT_BOUNDARY = REPO_DIR.parent / "shared" / "geo" / "admin" / "441423_fengshun.json"
LAYERS_DIR = DEMO_DIR / "layers"
PROJECTS_DIR = DEMO_DIR / "projects"
DOCS_DIR = DEMO_DIR / "documents"
MASTER_PLAN_DOC = DOCS_DIR / "public" / "county_master_plan_2021_2035.md"
REGULATORY_PLAN_DOC = DOCS_DIR / "public" / "county_seat_regulatory_plan.md"

GEO_CRS = "EPSG:4490"
CRS_MEMBER = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
GRID = 1e-7  # coordinate precision in degrees (about 1 cm)
COORD_DECIMALS = 7


class BuildError(Exception):
    """The demo data could not be built or failed one of its own invariants."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise BuildError(message)


# --------------------------------------------------------------------------- CRS


def gk_epsg_for_lon(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger CRS (no zone prefix) for ``lon``.

    >>> gk_epsg_for_lon(116.29)   # 丰顺: central meridian 117E
    4548
    """
    cm = 3 * round(lon / 3)
    require(75 <= cm <= 135, f"longitude {lon} is outside China's 3-degree zones")
    return 4534 + (cm - 75) // 3


class Frames:
    """Transforms between EPSG:4490 lon/lat and the Gauss-Kruger plane (metres)."""

    def __init__(self, gk_epsg: int) -> None:
        self.gk_epsg = gk_epsg
        self._fwd = Transformer.from_crs(GEO_CRS, f"EPSG:{gk_epsg}", always_xy=True)
        self._inv = Transformer.from_crs(f"EPSG:{gk_epsg}", GEO_CRS, always_xy=True)

    @staticmethod
    def _apply(tr: Transformer, geom):
        def fn(xy: np.ndarray) -> np.ndarray:
            x, y = tr.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, fn)

    def to_gk(self, geom):
        return self._apply(self._fwd, geom)

    def to_geo(self, geom):
        """Project to lon/lat and snap to the output grid (keeps the geometry valid)."""
        out = shapely.set_precision(shapely.make_valid(self._apply(self._inv, geom)), GRID)
        require(not out.is_empty, "a feature collapsed when snapped to the output grid")
        return shapely.orient_polygons(out)

    def area_m2(self, geo_geom) -> float:
        return float(self.to_gk(geo_geom).area)


# --------------------------------------------------------------------------- shapes


def _noise(seed: int, k: int) -> float:
    """Deterministic pseudo-random number in [0, 1) (classic shader hash)."""
    v = math.sin(seed * 12.9898 + k * 78.233) * 43758.5453
    return v - math.floor(v)


def blob(
    cx: float, cy: float, rx: float, ry: float, seed: int, rot: float = 0.0, roughness: float = 0.22, n: int = 128
) -> Polygon:
    """An irregular, valid, star-shaped polygon (a hill massif, a valley patch...)."""
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    r = np.ones_like(t)
    for k in range(2, 9):
        amp = roughness * (0.35 + 0.65 * _noise(seed, k)) / k**0.8
        phase = 2.0 * math.pi * _noise(seed, 100 + k)
        r += amp * np.sin(k * t + phase)
    r = np.clip(r, 0.35, None)
    poly = Polygon(np.column_stack([rx * r * np.cos(t), ry * r * np.sin(t)]))
    poly = affinity.rotate(poly, rot, origin=(0, 0))
    return affinity.translate(poly, cx, cy)


def polygons_of(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def largest(geom) -> Polygon:
    parts = polygons_of(geom)
    require(bool(parts), "expected a polygon, got an empty geometry")
    return max(parts, key=lambda p: p.area)


def without_slivers(geom, min_area: float) -> Polygon | MultiPolygon:
    parts = [p for p in polygons_of(geom) if p.area >= min_area]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


# --------------------------------------------------------------------------- the town (local frame)
# The county seat 示范镇 is drawn in a local frame (metres, x east-ish, y north-ish) that is
# rotated by TOWN_ROTATION degrees and moved to TOWN_ORIGIN in the Gauss-Kruger plane.

TOWN_ORIGIN = (416_400.0, 2_628_700.0)
TOWN_ROTATION = 14.0


def town_to_gk(geom):
    geom = affinity.rotate(geom, TOWN_ROTATION, origin=(0, 0))
    return affinity.translate(geom, *TOWN_ORIGIN)


def town_point(x: float, y: float) -> tuple[float, float]:
    p = town_to_gk(shapely.Point(x, y))
    return (p.x, p.y)


# Main built-up area of 示范镇; the east edge (2900,0)-(2900,1900) is straight so the
# commercial project P-002 can be placed across it onto the farmland beyond.
# fmt: off
UDB_MAIN_LOCAL = Polygon([
    (-1500, -1000), (900, -1150), (2500, -850), (2900, 0), (2900, 1900), (2600, 2700),
    (1500, 3150), (100, 3100), (-1100, 2600), (-1800, 1500), (-1900, 300),
])
UDB_EAST_EDGE = ((2900.0, 0.0), (2900.0, 1900.0))
UDB_PARK_GK = Polygon([  # 示范县产业园 (second UDB polygon), drawn directly in GK metres
    (424_600, 2_632_300), (426_600, 2_632_100), (427_300, 2_633_200),
    (426_900, 2_634_400), (425_200, 2_634_500), (424_300, 2_633_500),
])
# fmt: on

LAND_USE_NAMES = {
    "070101": "一类城镇住宅用地",
    "070102": "二类城镇住宅用地",
    "0702": "城镇社区服务设施用地",
    "0801": "机关团体用地",
    "080301": "图书与展览用地",
    "080403": "中小学用地",
    "080404": "幼儿园用地",
    "080601": "医院用地",
    "0901": "商业用地",
    "090101": "零售商业用地",
    "0902": "商务金融用地",
    "100101": "一类工业用地",
    "110101": "一类物流仓储用地",
    "1202": "公路用地",
    "1207": "城镇村道路用地",
    "120802": "公共交通场站用地",
    "120803": "社会停车场用地",
    "1303": "供电用地",
    "1401": "公园绿地",
    "1402": "防护绿地",
    "1403": "广场用地",
    "1506": "殡葬用地",
}


@dataclass(frozen=True)
class UnitSpec:
    unit_id: str
    name: str
    function: str
    ring: tuple[tuple[float, float], ...]  # local frame
    gfa_cap_m2: int
    land_quota_ha: float  # share of the 中心城区片区's 城乡建设用地规模 allocated to the unit (约束性)


# fmt: off
UNITS = (
    UnitSpec("SF-01", "老城综合服务单元", "行政办公、商业服务与生活居住",
             ((0, 900), (1000, 900), (1000, 1600), (0, 1600)), 1_150_000, 60.0),
    UnitSpec("SF-02", "县城南片区居住单元", "生活居住与社区服务",
             ((0, 0), (1000, 0), (1000, 900), (0, 900)), 1_550_000, 75.0),
    UnitSpec("SF-03", "东部产业与商务单元", "一类工业、物流仓储与商务办公",
             ((1000, 0), (1800, 0), (1800, 1600), (1000, 1600), (1000, 900)), 2_200_000, 95.0),
)
# fmt: on
# SF-02 is deliberately over-allocated: its parcels' area x FAR caps add up to about 2.3 %
# more than gfa_cap_m2 (scenario 24, unit-level balance). The other units stay below.
# SF-03's parcels (101.84 ha of construction land) break its 95 ha share of the county's
# 城乡建设用地规模 passed down through the 中心城区片区: the chain-breach example of the graph.
OVER_CAP_UNIT = "SF-02"


@dataclass(frozen=True)
class ParcelSpec:
    parcel_id: str
    rect: tuple[float, float, float, float]  # local frame: x0, y0, x1, y1
    land_use: str
    far_max: float | None
    far_min: float | None
    density_max: int | None
    height_max: int | None
    green_min: int | None
    parking: str
    facilities: str

    @property
    def unit_id(self) -> str:
        return self.parcel_id[:5]


RES_PARKING = "1.0个/户"
P = ParcelSpec
# fmt: off
PARCELS = (
    # (id, (x0, y0, x1, y1) in the town frame, code, far_max, far_min, density %, height m, green %, parking, facilities)
    # SF-01 老城综合服务单元
    P("SF-01-01", (10, 1400, 320, 1590), "0801", 1.8, None, 30, 40, 35, "0.8个/100m²建筑面积", "—"),
    P("SF-01-02", (10, 1260, 320, 1380), "070102", 2.2, 1.2, 25, 54, 30, RES_PARKING, "社区居家养老服务站（建筑面积≥350m²）"),
    P("SF-01-03", (340, 1420, 650, 1590), "090101", 3.0, None, 50, 50, 20, "1.0个/100m²建筑面积", "公共厕所（建筑面积≥60m²）"),
    P("SF-01-04", (340, 1260, 490, 1380), "070102", 2.8, 1.5, 25, 60, 35, RES_PARKING, "—"),
    P("SF-01-05", (670, 1380, 990, 1590), "080601", 1.8, None, 35, 45, 35, "1.2个/100m²建筑面积", "—"),
    P("SF-01-06", (10, 910, 320, 1240), "070102", 2.0, 1.0, 28, 36, 30, RES_PARKING, "社区卫生服务站（建筑面积≥600m²）"),
    P("SF-01-07", (340, 1100, 650, 1240), "1403", None, None, 5, 10, 40, "—", "—"),
    P("SF-01-08", (340, 910, 650, 1080), "080301", 1.5, None, 35, 30, 35, "0.6个/100m²建筑面积", "—"),
    P("SF-01-09", (670, 910, 990, 1240), "070102", 2.5, 1.5, 25, 60, 35, RES_PARKING, "幼儿园（6班，建筑面积≥2700m²，结合住宅配建）"),
    # SF-02 县城南片区居住单元
    P("SF-02-01", (10, 610, 320, 890), "070102", 2.8, 1.5, 22, 80, 35, RES_PARKING, "社区卫生服务站（建筑面积≥600m²）；社区居家养老服务站（建筑面积≥350m²）"),
    P("SF-02-02", (340, 610, 650, 890), "070102", 2.5, 1.5, 22, 54, 35, RES_PARKING, "—"),
    P("SF-02-03", (670, 700, 990, 890), "070102", 2.8, 1.8, 22, 80, 35, RES_PARKING, "物业服务用房（建筑面积≥300m²）"),
    P("SF-02-04", (670, 610, 800, 680), "080404", 1.0, None, 35, 15, 35, "0.5个/100m²建筑面积", "—"),
    P("SF-02-05", (10, 310, 170, 590), "0901", 3.0, 1.0, 45, 60, 20, "1.0个/100m²建筑面积", "公共厕所（建筑面积≥60m²）；垃圾收集站（建筑面积≥120m²）"),
    P("SF-02-06", (190, 310, 320, 590), "080403", 1.2, None, 30, 24, 35, "0.5个/100m²建筑面积", "—"),
    P("SF-02-07", (340, 310, 650, 590), "1401", 0.05, None, 3, 12, 70, "—", "公共厕所（建筑面积≥60m²）"),
    P("SF-02-08", (670, 310, 990, 590), "070102", 2.5, 1.5, 22, 54, 35, RES_PARKING, "社区居委会（建筑面积≥300m²）"),
    P("SF-02-09", (10, 10, 320, 290), "070102", 2.8, 1.8, 22, 80, 35, RES_PARKING, "菜市场（建筑面积≥1500m²）"),
    P("SF-02-10", (340, 10, 460, 120), "0702", 1.5, None, 40, 24, 30, "0.8个/100m²建筑面积", "社区综合服务中心（建筑面积≥2000m²）；社区卫生服务中心（建筑面积≥1700m²）"),
    P("SF-02-11", (480, 10, 650, 290), "070102", 2.8, 1.8, 22, 80, 35, RES_PARKING, "—"),
    P("SF-02-12", (670, 10, 790, 90), "120803", None, None, None, None, None, "—", "—"),
    P("SF-02-13", (670, 110, 990, 290), "070102", 2.5, 1.5, 22, 54, 35, RES_PARKING, "社区体育活动场地（用地面积≥1500m²）"),
    # SF-03 东部产业与商务单元
    P("SF-03-01", (1010, 10, 1390, 390), "100101", 2.5, 1.0, 55, 24, 10, "0.3个/100m²建筑面积", "—"),
    P("SF-03-02", (1410, 10, 1790, 390), "100101", 2.5, 1.0, 55, 24, 10, "0.3个/100m²建筑面积", "—"),
    P("SF-03-03", (1010, 410, 1390, 790), "110101", 1.5, 0.8, 55, 24, 10, "0.2个/100m²建筑面积", "—"),
    P("SF-03-04", (1410, 410, 1600, 600), "1303", 0.8, None, 40, 24, 20, "—", "110kV变电站"),
    P("SF-03-05", (1620, 410, 1790, 790), "1402", None, None, None, None, 80, "—", "—"),
    P("SF-03-06", (1010, 1000, 1390, 1190), "0902", 4.0, 1.5, 40, 80, 25, "0.8个/100m²建筑面积", "—"),
    P("SF-03-07", (1010, 950, 1390, 980), "1207", None, None, None, None, None, "—", "—"),
    P("SF-03-08", (1010, 810, 1200, 930), "120802", 1.0, None, 40, 18, 20, "—", "公交首末站（建筑面积≥800m²）"),
    P("SF-03-09", (1410, 810, 1790, 1190), "100101", 2.0, 1.0, 55, 24, 10, "0.3个/100m²建筑面积", "—"),
    P("SF-03-10", (1010, 1400, 1300, 1590), "080403", 1.2, None, 30, 24, 35, "0.5个/100m²建筑面积", "—"),
    P("SF-03-11", (1320, 1210, 1790, 1590), "070102", 2.5, 1.5, 22, 54, 35, RES_PARKING, "社区卫生服务站（建筑面积≥600m²）；幼儿园（9班，建筑面积≥3600m²）"),
)
# fmt: on
del P


# --------------------------------------------------------------------------- the county

# Ecological protection red line massifs (GK metres): name, centre, radii, rotation, seed.
ECR_MASSIFS = (
    ("白云嶂生态保护红线区", (441_500, 2_664_000), (13_000, 8_000), 25, 11),
    ("凤凰山生态保护红线区", (458_500, 2_648_500), (8_500, 6_500), -30, 23),
    ("龙泉岭生态保护红线区", (430_500, 2_644_000), (6_000, 4_200), 40, 37),
    ("莲溪水源涵养生态保护红线区", (404_500, 2_637_500), (4_500, 3_000), -20, 41),
    ("南岭水土保持生态保护红线区", (436_500, 2_631_500), (3_600, 2_500), 10, 53),
    ("七星嶂生态保护红线区", (413_500, 2_657_000), (5_500, 3_200), 50, 59),
)
ECR_CORE = ("白云嶂自然保护区核心保护区", (443_000, 2_665_500), (3_000, 2_200), 15, 67)

# Permanent basic farmland patches (valley floors), GK metres unless "town" frame.
PBF_PATCHES = (
    ("PBF-001", "gk", (409_000, 2_627_000), (4_200, 2_000), 20, 101),
    ("PBF-002", "town", (4_500, 900), (1_800, 1_500), 0, 103),  # east of town, P-002
    ("PBF-003", "gk", (421_500, 2_638_000), (3_200, 1_800), 35, 107),
    ("PBF-004", "gk", (414_000, 2_643_500), (3_400, 1_900), 60, 109),
    ("PBF-005", "gk", (437_500, 2_637_000), (3_600, 1_900), 15, 113),
    ("PBF-006", "gk", (447_500, 2_640_000), (3_400, 1_800), -35, 127),
    ("PBF-007", "gk", (396_500, 2_624_000), (3_600, 1_700), 30, 131),
    ("PBF-008", "gk", (424_500, 2_652_500), (3_000, 1_500), 70, 137),
    ("PBF-009", "gk", (453_000, 2_660_000), (2_600, 1_500), 20, 139),
    ("PBF-010", "gk", (418_500, 2_649_500), (2_600, 1_300), -10, 149),
    ("PBF-011", "gk", (421_000, 2_661_000), (2_600, 1_400), 45, 151),
    ("PBF-012", "gk", (401_500, 2_630_500), (2_400, 1_300), 35, 157),
)
ECR_PBF_GAP = 30.0  # m between farmland and red line / development boundary
COUNTY_INSET = 400.0  # 示范县 = 丰顺县 outline simplified and moved this far inwards
FEATURE_INSET = 150.0  # features other than zones keep this clearance from the county edge
ECO_CONTROL_BUFFER = 2_500.0
FARM_ZONE_BUFFER = 300.0

# 片区 used by the master plan's indicator decomposition (not a layer).
DISTRICT_NORTH_Y = 2_646_000.0
CENTRAL_DISTRICT_BUFFER = 2_000.0

# Master-plan indicators that do not come from the layers (base 2020, target 2035).
MASTER_CONSTANTS = {
    "farmland_ratio": 1.12,  # 耕地保有量 = PBF area x this (target)
    "farmland_base_ratio": 1.135,
    "rural_urban_land_2020": 58.36,  # 城乡建设用地 km²
    "rural_urban_land_2035": 62.50,
    "udb_expansion": 1.25,  # 城镇开发边界 / 2020 城镇建设用地
}
DISTRICT_URBAN_RURAL_LAND = {"中心城区片区": 27.80, "北部生态片区": 11.20, "南部农业片区": 23.50}


# --------------------------------------------------------------------------- building


@dataclass
class Layers:
    county: Polygon
    ecr: list[tuple[dict, Polygon]]
    pbf: list[tuple[dict, Polygon | MultiPolygon]]
    udb: list[tuple[dict, Polygon]]
    zones: list[tuple[dict, Polygon | MultiPolygon]]
    units: list[tuple[dict, Polygon]]
    parcels: list[tuple[dict, Polygon]]


def planar_partition(county, regions: list[tuple[object, object]], rest: str):
    """Cut ``county`` into faces along all region boundaries and regroup them.

    All boundaries are noded together with snap rounding on the output grid, so the
    regrouped pieces share their edges exactly: zones never overlap, tile the county,
    and each red-line / development-boundary feature is exactly the union of its faces.
    Snapping and regrouping every layer independently would leave hairline overlaps.
    ``regions`` are (key, lon/lat geometry) in priority order; faces in none of them go
    to ``rest``. Returns the groups and the county rebuilt from the same faces.
    """
    lines = shapely.union_all([shapely.boundary(county)] + [shapely.boundary(g) for _, g in regions], grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    for _, g in regions:
        shapely.prepare(g)
    shapely.prepare(county)
    buckets: dict[object, list[Polygon]] = {key: [] for key, _ in regions}
    buckets[rest] = []
    kept = []
    for face in faces:
        p = face.point_on_surface()
        if not county.contains(p):
            continue
        key = next((k for k, g in regions if g.contains(p)), rest)
        buckets[key].append(face)
        kept.append(face)
    groups = {}
    for key, parts in buckets.items():
        require(bool(parts), f"partition: region {key} received no faces")
        merged = shapely.union_all(parts)
        polys = polygons_of(merged)
        groups[key] = shapely.orient_polygons(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    new_county = polygons_of(shapely.union_all(kept))
    require(len(new_county) == 1, "partition: the county fell apart")
    return groups, shapely.orient_polygons(new_county[0])


def load_boundary(path: Path) -> Polygon:
    if not path.is_file():
        raise BuildError(
            f"丰顺县 boundary not found at {path}. It lives in the shared reference folder "
            "(../shared/geo/admin/441423_fengshun.json beside the repository); pass "
            "--boundary PATH. The committed layers do not need it."
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    features = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    require(bool(features), f"{path} holds no features")
    return largest(shape(features[0]["geometry"]))


def build(boundary_path: Path) -> tuple[Frames, Layers, dict]:
    fengshun = load_boundary(boundary_path)
    frames = Frames(gk_epsg_for_lon(fengshun.centroid.x))
    fs_gk = frames.to_gk(fengshun)

    county_gk = largest(fs_gk.simplify(200).buffer(-COUNTY_INSET).simplify(150))
    county = frames.to_geo(county_gk)
    county_gk = frames.to_gk(county)  # measure and clip against what is written
    inner_gk = county_gk.buffer(-FEATURE_INSET)

    # --- ecological protection red line: general areas (core cut out) + core area
    core_name, (cx, cy), (rx, ry), rot, seed = ECR_CORE
    core_gk = blob(cx, cy, rx, ry, seed, rot, roughness=0.15, n=96)
    ecr_gk: list[tuple[dict, Polygon]] = []
    for name, (mx, my), (mrx, mry), mrot, mseed in ECR_MASSIFS:
        g = blob(mx, my, mrx, mry, mseed, mrot).intersection(inner_gk)
        if name.startswith("白云嶂"):
            require(g.buffer(-200).contains(core_gk), "core area must sit inside 白云嶂 massif")
            g = g.difference(core_gk)
        ecr_gk.append(({"name": name, "core": False}, largest(g)))
    ecr_gk.append(({"name": core_name, "core": True}, core_gk))
    ecr = [(props, frames.to_geo(g)) for props, g in ecr_gk]
    ecr_union_gk = shapely.union_all([frames.to_gk(g) for _, g in ecr])

    # --- urban development boundary
    udb_main_gk = town_to_gk(UDB_MAIN_LOCAL)
    udb = [
        ({"name": "示范镇中心城区城镇开发边界"}, frames.to_geo(udb_main_gk)),
        ({"name": "示范县产业园城镇开发边界"}, frames.to_geo(UDB_PARK_GK)),
    ]
    udb_union_gk = shapely.union_all([frames.to_gk(g) for _, g in udb])
    require(udb_union_gk.disjoint(ecr_union_gk), "UDB must not touch the red line")

    # --- permanent basic farmland
    keep_out = shapely.union_all(
        [
            ecr_union_gk.buffer(ECR_PBF_GAP),
            udb_union_gk.buffer(ECR_PBF_GAP),
        ]
    )
    pbf: list[tuple[dict, Polygon | MultiPolygon]] = []
    for pbf_id, frame, (px, py), (prx, pry), prot, pseed in PBF_PATCHES:
        g = blob(px, py, prx, pry, pseed, prot, roughness=0.28, n=112)
        if frame == "town":
            g = town_to_gk(g)
        g = without_slivers(g.intersection(inner_gk).difference(keep_out), 20_000)
        geo = frames.to_geo(g)
        keep_out = keep_out.union(frames.to_gk(geo).buffer(ECR_PBF_GAP))
        pbf.append(({"pbf_id": pbf_id, "area_m2": round(frames.area_m2(geo))}, geo))
    pbf_union_gk = shapely.union_all([frames.to_gk(g) for _, g in pbf])

    # --- planning zones: a partition of the county (see planar_partition)
    farm_draft = without_slivers(
        pbf_union_gk.buffer(FARM_ZONE_BUFFER).difference(ecr_union_gk).difference(udb_union_gk).intersection(county_gk),
        10_000,
    )
    ctrl_draft = without_slivers(
        ecr_union_gk.buffer(ECO_CONTROL_BUFFER)
        .difference(ecr_union_gk)
        .difference(udb_union_gk)
        .difference(farm_draft)
        .intersection(county_gk),
        10_000,
    )
    regions = (
        [(("ecr", i), g) for i, (_, g) in enumerate(ecr)]
        + [(("udb", i), g) for i, (_, g) in enumerate(udb)]
        + [("农田保护区", frames.to_geo(farm_draft)), ("生态控制区", frames.to_geo(ctrl_draft))]
    )
    groups, county = planar_partition(county, regions, rest="乡村发展区")
    ecr = [(p, groups[("ecr", i)]) for i, (p, _) in enumerate(ecr)]
    udb = [(p, groups[("udb", i)]) for i, (p, _) in enumerate(udb)]
    zone_geoms = {
        "生态保护区": shapely.union_all([g for _, g in ecr]),
        "生态控制区": groups["生态控制区"],
        "农田保护区": groups["农田保护区"],
        "城镇发展区": shapely.union_all([g for _, g in udb]),
        "乡村发展区": groups["乡村发展区"],
    }
    zones = [({"zone_type": z, "name": f"示范县{z}"}, shapely.orient_polygons(g)) for z, g in zone_geoms.items()]

    # --- management units and parcels (town frame)
    units = []
    for u in UNITS:
        units.append(
            (
                {"unit_id": u.unit_id, "name": u.name, "gfa_cap_m2": u.gfa_cap_m2,
                 "land_quota_ha": u.land_quota_ha},
                frames.to_geo(town_to_gk(Polygon(u.ring))),
            )
        )
    parcels = []
    for p in PARCELS:
        geo = frames.to_geo(town_to_gk(box(*p.rect)))
        parcels.append(
            (
                {
                    "parcel_id": p.parcel_id,
                    "unit_id": p.unit_id,
                    "land_use": p.land_use,
                    "land_use_name": LAND_USE_NAMES[p.land_use],
                    "far_max": p.far_max,
                    "far_min": p.far_min,
                    "density_max": p.density_max,
                    "height_max": p.height_max,
                    "green_min": p.green_min,
                    "area_m2": round(frames.area_m2(geo)),
                },
                geo,
            )
        )

    layers = Layers(county, ecr, pbf, udb, zones, units, parcels)
    stats = measure(frames, layers)
    check_layers(frames, layers, stats)
    return frames, layers, stats


# --------------------------------------------------------------------------- numbers


def km2(m2: float) -> float:
    return round(m2 / 1e6, 2)


def districts_gk(county_gk: Polygon, udb_union_gk) -> dict[str, Polygon | MultiPolygon]:
    central = udb_union_gk.convex_hull.buffer(CENTRAL_DISTRICT_BUFFER).intersection(county_gk)
    rest = county_gk.difference(central)
    minx, _, maxx, maxy = county_gk.bounds
    north = rest.intersection(box(minx - 1, DISTRICT_NORTH_Y, maxx + 1, maxy + 1))
    south = rest.difference(north)
    return {"中心城区片区": central, "北部生态片区": north, "南部农业片区": south}


def split_total(total: float, weights: dict[str, float]) -> dict[str, float]:
    """Split ``total`` (2 decimals) by weights so the rounded parts add up exactly."""
    wsum = sum(weights.values())
    raw = {k: total * w / wsum for k, w in weights.items()}
    parts = {k: round(v, 2) for k, v in raw.items()}
    diff = round(total - sum(parts.values()), 2)
    biggest = max(parts, key=lambda k: parts[k])
    parts[biggest] = round(parts[biggest] + diff, 2)
    return parts


def measure(frames: Frames, layers: Layers) -> dict:
    gk = frames.to_gk
    ecr_u = shapely.union_all([gk(g) for _, g in layers.ecr])
    pbf_u = shapely.union_all([gk(g) for _, g in layers.pbf])
    udb_u = shapely.union_all([gk(g) for _, g in layers.udb])
    county_gk = gk(layers.county)
    totals = {
        "county_km2": km2(county_gk.area),
        "ecr_km2": km2(ecr_u.area),
        "ecr_core_km2": km2(sum(gk(g).area for p, g in layers.ecr if p["core"])),
        "pbf_km2": km2(sum(p["area_m2"] for p, _ in layers.pbf)),
        "udb_km2": km2(udb_u.area),
        "udb_main_km2": km2(gk(layers.udb[0][1]).area),
        "udb_park_km2": km2(gk(layers.udb[1][1]).area),
    }
    c = MASTER_CONSTANTS
    totals["farmland_2035_km2"] = round(totals["pbf_km2"] * c["farmland_ratio"], 2)
    totals["farmland_2020_km2"] = round(totals["pbf_km2"] * c["farmland_base_ratio"], 2)
    totals["urban_land_2020_km2"] = round(totals["udb_km2"] / c["udb_expansion"], 2)
    totals["udb_expansion"] = round(totals["udb_km2"] / totals["urban_land_2020_km2"], 2)
    totals["zones_km2"] = {p["zone_type"]: km2(gk(g).area) for p, g in layers.zones}

    dist = districts_gk(county_gk, udb_u)
    per = {}
    for key, layer_u, total_key in (("ecr", ecr_u, "ecr_km2"), ("pbf", pbf_u, "pbf_km2"), ("udb", udb_u, "udb_km2")):
        weights = {d: layer_u.intersection(g).area for d, g in dist.items()}
        per[key] = split_total(totals[total_key], weights)
    per["farmland"] = split_total(totals["farmland_2035_km2"], per["pbf"])
    per["urban_rural_land"] = dict(DISTRICT_URBAN_RURAL_LAND)
    require(
        round(sum(per["urban_rural_land"].values()), 2) == c["rural_urban_land_2035"],
        "片区城乡建设用地 must add up to the county total",
    )
    per["area"] = split_total(totals["county_km2"], {d: g.area for d, g in dist.items()})

    units = {}
    for props, geom in layers.units:
        uid = props["unit_id"]
        members = [p for p, _ in layers.parcels if p["unit_id"] == uid]
        gfa = sum(p["area_m2"] * (p["far_max"] or 0.0) for p in members)
        units[uid] = {
            "area_m2": round(frames.area_m2(geom)),
            "parcels": len(members),
            "parcel_gfa_m2": round(gfa),
            "cap_m2": props["gfa_cap_m2"],
        }
    return {"totals": totals, "districts": per, "units": units}


# --------------------------------------------------------------------------- invariants


def check_layers(frames: Frames, layers: Layers, stats: dict) -> None:
    gk = frames.to_gk
    county = layers.county
    for kind, feats in (
        ("ecr", layers.ecr),
        ("pbf", layers.pbf),
        ("udb", layers.udb),
        ("units", layers.units),
        ("parcels", layers.parcels),
    ):
        for props, g in feats:
            require(g.is_valid, f"{kind} {props} is not valid")
            require(county.contains(g), f"{kind} {props} is not inside the county")
    ecr_u = shapely.union_all([g for _, g in layers.ecr])
    pbf_u = shapely.union_all([g for _, g in layers.pbf])
    udb_u = shapely.union_all([g for _, g in layers.udb])
    require(pbf_u.disjoint(ecr_u), "farmland overlaps the red line")
    require(pbf_u.disjoint(udb_u), "farmland overlaps the development boundary")
    require(udb_u.disjoint(ecr_u), "development boundary overlaps the red line")
    zone_sum = sum(gk(g).area for _, g in layers.zones)
    require(abs(zone_sum - gk(county).area) < 1.0, "planning zones do not tile the county")
    unit_geo = {p["unit_id"]: g for p, g in layers.units}
    for props, g in layers.units:
        require(udb_u.contains(g), f"unit {props['unit_id']} is outside the UDB")
    for props, g in layers.parcels:
        require(unit_geo[props["unit_id"]].contains(g), f"{props['parcel_id']} leaves its unit")
    geoms = [g for _, g in layers.parcels]
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            require(not a.intersects(b), "regulatory parcels overlap")
    for uid, u in stats["units"].items():
        ratio = u["parcel_gfa_m2"] / u["cap_m2"]
        if uid == OVER_CAP_UNIT:
            require(1.01 < ratio < 1.05, f"{uid} should exceed its cap slightly, ratio {ratio:.3f}")
        else:
            require(ratio < 1.0, f"{uid} parcels exceed the unit cap, ratio {ratio:.3f}")


# --------------------------------------------------------------------------- projects


def parcel_by_id(layers: Layers, parcel_id: str) -> tuple[dict, Polygon]:
    for props, g in layers.parcels:
        if props["parcel_id"] == parcel_id:
            return props, g
    raise BuildError(f"no parcel {parcel_id}")


def corridor_with_overlap(
    line: LineString, target_gk, target_m2: float, lo: float = 20.0, hi: float = 120.0
) -> Polygon:
    """Buffer ``line`` (flat ends) so the corridor overlaps ``target_gk`` by ``target_m2``."""
    for _ in range(60):
        mid = (lo + hi) / 2
        if line.buffer(mid / 2, cap_style="flat").intersection(target_gk).area < target_m2:
            lo = mid
        else:
            hi = mid
    return line.buffer(round((lo + hi) / 2, 1) / 2, cap_style="flat", join_style="mitre")


def across_edge(
    edge: tuple[tuple[float, float], tuple[float, float]], at: float, along: float, inside: float, outside: float
) -> Polygon:
    """Rectangle (town frame) straddling a vertical UDB edge, ``outside`` metres beyond it."""
    (x, y0), (_, y1) = edge
    require(y0 + at + along <= y1, "rectangle runs past the edge")
    return box(x - inside, y0 + at, x + outside, y0 + at + along)


def build_projects(frames: Frames, layers: Layers) -> list[dict]:
    gk = frames.to_gk
    ecr_general = [(p, gk(g)) for p, g in layers.ecr if not p["core"]]
    ecr_core = [gk(g) for p, g in layers.ecr if p["core"]]
    pbf_u = shapely.union_all([gk(g) for _, g in layers.pbf])
    udb_u = shapely.union_all([gk(g) for _, g in layers.udb])
    ecr_u = shapely.union_all([gk(g) for _, g in layers.ecr])
    zone_of = {p["zone_type"]: gk(g) for p, g in layers.zones}

    def ecr_named(prefix: str) -> Polygon:
        return next(g for p, g in ecr_general if p["name"].startswith(prefix))

    def site(center_gk: tuple[float, float], w: float, h: float, rot: float = 0.0) -> Polygon:
        return affinity.rotate(
            box(center_gk[0] - w / 2, center_gk[1] - h / 2, center_gk[0] + w / 2, center_gk[1] + h / 2), rot
        )

    def project(pid: str, name: str, geo, land_use: str, ptype: str, ind: dict) -> dict:
        """``geo`` is lon/lat: a parcel as written, or ``frames.to_geo`` of a GK shape."""
        require(isinstance(geo, Polygon), f"{pid} must be a single polygon")
        return {
            "id": pid,
            "name": name,
            "geometry": mapping_rounded(geo),
            "crs": GEO_CRS,
            "land_use": land_use,
            "project_type": ptype,
            "indicators": ind,
            "_geo": geo,
        }

    projects = []

    # P-001: compliant residential project on parcel SF-01-04 (FAR 2.5 of max 2.8).
    props, g = parcel_by_id(layers, "SF-01-04")
    area = props["area_m2"]
    projects.append(
        project(
            "P-001",
            "示范镇老城锦绣花园住宅项目",
            g,
            "070102",
            "residential",
            {"far": 2.5, "building_density": 22, "height": 54, "green_ratio": 35, "gfa_m2": round(2.5 * area)},
        )
    )

    # P-002: commercial complex across the town's east edge onto farmland PBF-002.
    rect = town_to_gk(across_edge(UDB_EAST_EDGE, at=700, along=100, inside=150, outside=ECR_PBF_GAP + 35))
    p002 = project(
        "P-002",
        "示范镇东郊商业综合体项目",
        frames.to_geo(rect),
        "0901",
        "commercial",
        {
            "far": 2.0,
            "building_density": 40,
            "height": 24,
            "green_ratio": 20,
            "gfa_m2": int(round(2.0 * rect.area, -2)),
        },
    )
    overlap = gk(p002["_geo"]).intersection(pbf_u).area
    require(3_300 < overlap < 3_700, f"P-002 farmland overlap is {overlap:.0f} m², want ~3500")
    projects.append(p002)

    # P-003: residential on SF-02-03, FAR 3.2 > 2.8 and 85 m > 80 m.
    props, g = parcel_by_id(layers, "SF-02-03")
    require(props["far_max"] == 2.8 and props["height_max"] == 80, "SF-02-03 conditions changed")
    projects.append(
        project(
            "P-003",
            "县城南片区翠湖名苑住宅项目",
            g,
            "070102",
            "residential",
            {
                "far": 3.2,
                "building_density": 22,
                "height": 85,
                "green_ratio": 35,
                "gfa_m2": round(3.2 * props["area_m2"]),
            },
        )
    )

    # P-004: factory in the general area of 龙泉岭 red line.
    longquan = ecr_named("龙泉岭")
    c = longquan.representative_point()
    p004 = site((c.x, c.y), 200, 150, 20)
    require(longquan.buffer(-300).contains(p004), "P-004 must sit well inside 龙泉岭 ECR")
    projects.append(
        project(
            "P-004",
            "龙泉岭新型建材加工厂项目",
            frames.to_geo(p004),
            "100101",
            "industrial",
            {"far": 1.2, "building_density": 45, "height": 18, "green_ratio": 12, "gfa_m2": 36_000},
        )
    )

    # P-005: resort hotel inside the core protection area.
    core = ecr_core[0]
    c = core.centroid
    p005 = site((c.x, c.y), 120, 90, -10)
    require(core.buffer(-300).contains(p005), "P-005 must sit inside the core area")
    projects.append(
        project(
            "P-005",
            "白云嶂山顶度假酒店项目",
            frames.to_geo(p005),
            "090104",
            "tourism_facility",
            {"far": 0.6, "building_density": 25, "height": 15, "green_ratio": 40, "gfa_m2": 6_480},
        )
    )

    # P-006: 5 ha residential estate outside the UDB, in the rural development zone.
    p006 = site(town_point(-3_600, 2_400), 250, 200, TOWN_ROTATION)
    rural = zone_of["乡村发展区"]
    require(rural.buffer(-100).contains(p006), "P-006 must sit inside 乡村发展区")
    projects.append(
        project(
            "P-006",
            "示范镇西郊田园居住小区项目",
            frames.to_geo(p006),
            "070102",
            "residential",
            {"far": 1.6, "building_density": 25, "height": 33, "green_ratio": 35, "gfa_m2": 80_000},
        )
    )

    # P-007: national expressway crossing farmland PBF-003 by about 12 ha.
    line = LineString([(423_200, 2_627_600), (423_000, 2_633_400), (422_300, 2_637_000), (420_500, 2_644_000)])
    p007 = frames.to_geo(corridor_with_overlap(line, pbf_u, 120_000))
    require(gk(p007).disjoint(ecr_u) and gk(p007).disjoint(udb_u), "P-007 should only meet farmland")
    overlap = gk(p007).intersection(pbf_u).area
    require(119_000 < overlap < 121_000, f"P-007 farmland overlap is {overlap:.0f} m²")
    projects.append(project("P-007", "示范至东岭高速公路示范县段工程", p007, "1202", "national_key_project", {}))

    # P-008: ecological toilet and parking at the 凤凰山 scenic spot, red line general area.
    fenghuang = ecr_named("凤凰山")
    c = fenghuang.representative_point()
    p008 = site((c.x + 600, c.y), 60, 25, 0)
    require(fenghuang.buffer(-200).contains(p008), "P-008 must sit inside 凤凰山 ECR")
    projects.append(
        project(
            "P-008",
            "凤凰山景区生态厕所及生态停车场项目",
            frames.to_geo(p008),
            "120803",
            "tourism_facility",
            {"far": 0.1, "building_density": 8, "height": 5, "gfa_m2": 150},
        )
    )

    # P-009: county public cemetery outside the UDB, clear of farmland and red line.
    p009 = site(town_point(-2_600, -2_600), 200, 150, 30)
    require(
        p009.disjoint(pbf_u.buffer(100)) and p009.disjoint(ecr_u.buffer(100)) and p009.disjoint(udb_u),
        "P-009 must avoid PBF, ECR and UDB",
    )
    projects.append(
        project(
            "P-009",
            "示范县城郊公益性公墓项目",
            frames.to_geo(p009),
            "1506",
            "special_facility",
            {"building_density": 5, "height": 8, "green_ratio": 40, "gfa_m2": 1_200},
        )
    )

    # P-010: residential on SF-01-02, green 28 % < 30 % and density 26 % > 25 %.
    props, g = parcel_by_id(layers, "SF-01-02")
    projects.append(
        project(
            "P-010",
            "老城和园住宅项目",
            g,
            "070102",
            "residential",
            {
                "far": 2.0,
                "building_density": 26,
                "height": 45,
                "green_ratio": 28,
                "gfa_m2": round(2.0 * props["area_m2"]),
            },
        )
    )

    # P-011: residential on SF-02-09 exactly at FAR cap 2.8 (boundary case).
    props, g = parcel_by_id(layers, "SF-02-09")
    gfa = math.floor(2.8 * (props["area_m2"] - 1))
    projects.append(
        project(
            "P-011",
            "县城南片区滨河雅苑住宅项目",
            g,
            "070102",
            "residential",
            {"far": 2.8, "building_density": 21, "height": 78, "green_ratio": 35, "gfa_m2": gfa},
        )
    )

    # P-012: provincial road realignment crossing the 南岭 red line (general area).
    nanling = ecr_named("南岭")
    b = nanling.bounds
    cy = (b[1] + b[3]) / 2
    p012 = LineString([(b[0] - 800, cy - 300), (b[2] + 800, cy + 300)]).buffer(16, cap_style="flat")
    require(
        p012.intersects(nanling)
        and p012.disjoint(pbf_u)
        and p012.disjoint(udb_u)
        and all(p012.disjoint(k) for k in ecr_core),
        "P-012 should cross ECR only",
    )
    projects.append(
        project("P-012", "省道S236示范县南岭段改线工程", frames.to_geo(p012), "1202", "linear_infrastructure", {})
    )
    return projects


def _round_coords(obj):
    if isinstance(obj, float):
        return round(obj, COORD_DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(v) for v in obj]
    return obj


def mapping_rounded(geom) -> dict:
    m = mapping(geom)
    return {"type": m["type"], "coordinates": _round_coords(m["coordinates"])}


# --------------------------------------------------------------------------- writing


def feature_collection(name: str, feats: Iterable[tuple[dict, object]]) -> str:
    lines = [
        f'{{"type":"FeatureCollection","name":"{name}",'
        f'"crs":{json.dumps(CRS_MEMBER, separators=(",", ":"))},"features":['
    ]
    rows = []
    for props, geom in feats:
        f = {"type": "Feature", "properties": props, "geometry": mapping_rounded(geom)}
        rows.append(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
    lines.append(",\n".join(rows))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def layer_files(layers: Layers) -> dict[Path, str]:
    files = {
        "county_boundary": [({"name": "示范县"}, layers.county)],
        "ecological_protection_redline": layers.ecr,
        "permanent_basic_farmland": layers.pbf,
        "urban_development_boundary": layers.udb,
        "planning_zones": layers.zones,
        "management_units": layers.units,
        "regulatory_parcels": layers.parcels,
    }
    return {LAYERS_DIR / f"{k}.geojson": feature_collection(k, v) for k, v in files.items()}


def project_files(projects: list[dict]) -> dict[Path, str]:
    out = {}
    for p in projects:
        body = {k: v for k, v in p.items() if not k.startswith("_")}
        text = json.dumps(body, ensure_ascii=False, indent=2)
        # keep coordinate pairs on one line so the files stay short and readable
        text = _compact_coordinates(text)
        out[PROJECTS_DIR / f"{p['id']}.json"] = text + "\n"
    return out


def _compact_coordinates(text: str) -> str:
    head, sep, rest = text.partition('"coordinates": ')
    if not sep:
        return text
    depth, end = 0, 0
    for i, ch in enumerate(rest):
        depth += ch == "["
        depth -= ch == "]"
        if depth == 0:
            end = i + 1
            break
    coords = json.loads(rest[:end])
    return head + sep + json.dumps(coords, separators=(",", ":")) + rest[end:]


# ---- generated Markdown tables


def fmt_num(v: float | int | None, decimals: int | None = None) -> str:
    if v is None:
        return "—"
    if decimals is not None:
        return f"{v:.{decimals}f}"
    if isinstance(v, int):
        return str(v)
    s = f"{v:.2f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def fmt_km2(v: float) -> str:
    return fmt_num(v, 2)


def pipe_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


PARCEL_TABLE_HEADER = (
    "地块编号",
    "单元",
    "用地代码",
    "用地性质",
    "用地面积(m²)",
    "容积率上限",
    "容积率下限",
    "建筑密度(%)",
    "建筑限高(m)",
    "绿地率(%)",
    "停车位",
    "配套设施",
)


def parcel_table(layers: Layers) -> str:
    spec = {p.parcel_id: p for p in PARCELS}
    rows = []
    for props, _ in layers.parcels:
        s = spec[props["parcel_id"]]
        rows.append(
            (
                props["parcel_id"],
                props["unit_id"],
                props["land_use"],
                props["land_use_name"],
                str(props["area_m2"]),
                fmt_num(props["far_max"]),
                fmt_num(props["far_min"]),
                fmt_num(props["density_max"]),
                fmt_num(props["height_max"]),
                fmt_num(props["green_min"]),
                s.parking,
                s.facilities,
            )
        )
    return pipe_table(PARCEL_TABLE_HEADER, rows)


def unit_table(stats: dict) -> str:
    rows = []
    for u in UNITS:
        s = stats["units"][u.unit_id]
        rows.append(
            (u.unit_id, u.name, u.function, fmt_num(s["area_m2"] / 1e4, 2), str(s["parcels"]), str(u.gfa_cap_m2),
             fmt_num(u.land_quota_ha, 2))
        )
    return pipe_table(("单元编号", "单元名称", "主导功能", "单元面积(ha)", "地块数量", "建筑总量上限(m²)",
                       "城乡建设用地规模(ha)"), rows)


def indicator_table(stats: dict) -> str:
    t = stats["totals"]
    c = MASTER_CONSTANTS
    k = fmt_km2
    rows = [
        ("耕地保有量", "平方公里", k(t["farmland_2020_km2"]), k(t["farmland_2035_km2"]), "约束性"),
        ("永久基本农田保护面积", "平方公里", k(t["pbf_km2"]), k(t["pbf_km2"]), "约束性"),
        ("生态保护红线面积", "平方公里", "—", k(t["ecr_km2"]), "约束性"),
        ("城镇开发边界面积", "平方公里", "—", k(t["udb_km2"]), "约束性"),
        ("城镇开发边界扩展倍数", "—", "—", k(t["udb_expansion"]), "约束性"),
        ("城乡建设用地规模", "平方公里", k(c["rural_urban_land_2020"]), k(c["rural_urban_land_2035"]), "约束性"),
        ("用水总量", "亿立方米", "2.74", "3.05", "约束性"),
        ("林地保有量", "平方公里", "1902.40", "1908.00", "约束性"),
        ("湿地面积", "平方公里", "14.62", "14.62", "约束性"),
        ("森林覆盖率", "%", "71.8", "72.5", "预期性"),
        ("人均应急避难场所面积", "平方米/人", "1.1", "2.0", "预期性"),
        ("每万元GDP地耗", "平方米", "46.5", "28.0", "预期性"),
        ("国土开发强度", "%", "2.9", "3.1", "预期性"),
        ("常住人口规模", "万人", "47.6", "50.0", "预期性"),
        ("常住人口城镇化率", "%", "48.2", "60.0", "预期性"),
        ("公园绿地、广场步行5分钟覆盖率", "%", "62.0", "85.0", "预期性"),
        ("社区卫生医疗设施步行15分钟覆盖率", "%", "78.0", "95.0", "预期性"),
    ]
    return pipe_table(("指标名称", "单位", "基期年(2020)", "目标年(2035)", "属性"), rows)


DISTRICT_FUNCTIONS = {
    "中心城区片区": "县域综合服务中心，城镇集中建设",
    "北部生态片区": "水源涵养与生物多样性保护，生态旅游",
    "南部农业片区": "粮食生产与特色农业，乡村振兴",
}


def district_table(stats: dict) -> str:
    d = stats["districts"]
    t = stats["totals"]
    k = fmt_km2
    rows = []
    for name in DISTRICT_FUNCTIONS:
        rows.append(
            (
                name,
                DISTRICT_FUNCTIONS[name],
                k(d["area"][name]),
                k(d["farmland"][name]),
                k(d["pbf"][name]),
                k(d["ecr"][name]),
                k(d["urban_rural_land"][name]),
                k(d["udb"][name]),
            )
        )
    rows.append(
        (
            "合计",
            "—",
            k(t["county_km2"]),
            k(t["farmland_2035_km2"]),
            k(t["pbf_km2"]),
            k(t["ecr_km2"]),
            k(MASTER_CONSTANTS["rural_urban_land_2035"]),
            k(t["udb_km2"]),
        )
    )
    return pipe_table(
        (
            "片区名称",
            "主导功能",
            "片区面积(平方公里)",
            "耕地保有量(平方公里)",
            "永久基本农田保护面积(平方公里)",
            "生态保护红线面积(平方公里)",
            "城乡建设用地规模(平方公里)",
            "城镇开发边界面积(平方公里)",
        ),
        rows,
    )


ZONE_GUIDANCE = {
    "生态保护区": "按生态保护红线管控，核心保护区原则上禁止人为活动",
    "生态控制区": "保留原貌、强化生态保育，不得新增城镇建设用地",
    "农田保护区": "以农业生产为主导，严格限制非农建设占用",
    "城镇发展区": "城镇集中建设，实行详细规划＋规划许可",
    "乡村发展区": "农业发展与村庄建设，依据村庄规划管理",
}


def zone_table(stats: dict) -> str:
    t = stats["totals"]
    shares = split_total(100.0, t["zones_km2"])
    rows = [(z, fmt_num(a, 2), fmt_num(shares[z], 2), ZONE_GUIDANCE[z]) for z, a in t["zones_km2"].items()]
    rows.append(("合计", fmt_num(round(sum(t["zones_km2"].values()), 2), 2), "100.00", "—"))
    return pipe_table(("规划分区", "面积(平方公里)", "占县域面积比例(%)", "管控导向"), rows)


def replace_table(text: str, caption: str, table: str, doc: Path) -> str:
    """Replace the pipe table that follows the line ``caption`` (insert it if absent)."""
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if line.strip() == caption]
    require(len(hits) == 1, f"{doc.name}: expected one caption line '{caption}', found {len(hits)}")
    i = hits[0] + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    j = i
    while j < len(lines) and lines[j].lstrip().startswith("|"):
        j += 1
    new = lines[: hits[0] + 1] + [""] + table.split("\n") + [""]
    rest = lines[j:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return "\n".join(new + rest)


def document_files(layers: Layers, stats: dict) -> dict[Path, str]:
    out = {}
    edits = {
        MASTER_PLAN_DOC: (
            ("表2-1 规划指标表", indicator_table(stats)),
            ("表2-2 规划指标片区分解表", district_table(stats)),
            ("表4-1 规划分区面积表", zone_table(stats)),
        ),
        REGULATORY_PLAN_DOC: (
            ("表2-1 管理单元控制指标表", unit_table(stats)),
            ("表3-1 地块规划控制指标一览表", parcel_table(layers)),
        ),
    }
    for doc, tables in edits.items():
        require(doc.is_file(), f"document {doc} is missing; it holds the captions to fill")
        text = doc.read_text(encoding="utf-8")
        for caption, table in tables:
            text = replace_table(text, caption, table, doc)
        out[doc] = text
    return out


def summary(stats: dict, projects: list[dict], frames: Frames) -> str:
    t = stats["totals"]
    lines = [
        f"Gauss-Kruger CRS for areas: EPSG:{frames.gk_epsg}",
        "totals (km²): " + ", ".join(f"{k}={v}" for k, v in t.items() if k != "zones_km2"),
        "zones (km²): " + ", ".join(f"{k}={v}" for k, v in t["zones_km2"].items()),
    ]
    for key, vals in stats["districts"].items():
        lines.append(f"districts {key}: {vals}")
    for uid, u in stats["units"].items():
        lines.append(f"unit {uid}: {u} ratio={u['parcel_gfa_m2'] / u['cap_m2']:.4f}")
    gk = frames.to_gk
    for p in projects:
        lines.append(f"{p['id']}: area={gk(p['_geo']).area:.0f} m² {p['indicators']}")
    return "\n".join(lines)


def sync_files(files: dict[Path, str], *, check: bool) -> list[Path]:
    """The files on disk that differ from ``files``: listed on stderr with ``check``, else written."""
    stale = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    for p in stale:
        if check:
            print(f"out of date: {p.relative_to(REPO_DIR)}", file=sys.stderr)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(files[p], encoding="utf-8")
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--boundary", type=Path, default=DEFAULT_BOUNDARY, help="丰顺县 boundary GeoJSON (default: %(default)s)"
    )
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if any output on disk differs")
    parser.add_argument("--quiet", action="store_true", help="do not print the summary")
    args = parser.parse_args(argv)
    try:
        frames, layers, stats = build(args.boundary)
        projects = build_projects(frames, layers)
        files = {**layer_files(layers), **project_files(projects), **document_files(layers, stats)}
    except BuildError as exc:
        print(f"build_layers: {exc}", file=sys.stderr)
        return 2
    stale = sync_files(files, check=args.check)
    if args.check:
        return 1 if stale else 0
    if not args.quiet:
        print(summary(stats, projects, frames))
        print(f"wrote {len(stale)} of {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
