"""The backend contract: :class:`MemoryBackend` and :class:`PostGISBackend` give the same answers.

Every test makes the same calls on both backends and compares the results:
feature ids in the same order, per-feature overlap areas and covered areas within
0.01 % (1e-6 m² for tiny ones), stored feature areas, attributes (with their key
order), geometries and layer metadata exactly. Inputs are the demo county's
layers and projects, ~200 seeded random polygons (tiny to county-sized, holes,
multi-parts, self-touching rings, bow-ties repaired like project polygons,
copies of layer features, wide ones measured in Albers) and seeded random layers
with invalid features repaired at import.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from assistant.settings import SpatialSettings
from ingest.models import Access
from spatial.backend import KindOverlap, LayerBackend, LayerInfo
from spatial.crs import area_crs_for
from spatial.engine import CheckService
from spatial.errors import BackendError
from spatial.kinds import LayerKind
from spatial.layers import Layer, layer_from_geometries, polygonal, read_layer
from spatial.memory import MemoryBackend
from spatial.project import load_project, parse_project
from spatial.rules import load_rules
from tests.contract.conftest import drop_schema, fresh_schema

DEMO = Path(__file__).resolve().parents[2] / "demo"
PROJECTS = sorted((DEMO / "projects").glob("P-*.json"))
COUNTY = (115.8567747, 23.6189109, 116.6909766, 24.2166472)  # bounds of demo/layers/county_boundary.geojson
REL, ABS = 1e-4, 1e-6  # 0.01 % relative, or 1e-6 m² for tiny areas
ZONE_TYPES = ("生态保护区", "生态控制区", "农田保护区", "城镇发展区", "乡村发展区")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo_layers() -> dict[LayerKind, Layer]:
    return {k: read_layer(k, DEMO / "layers" / f"{k.value}.geojson") for k in LayerKind}


@pytest.fixture(scope="module")
def demo_pair(postgis_dsn: str, demo_layers, tmp_path_factory) -> Iterator[tuple[LayerBackend, LayerBackend]]:
    """(memory, postgis), both holding the six demo layers (module-scoped: read-only tests)."""
    from spatial.postgis import PostGISBackend

    schema = fresh_schema()
    pair = (MemoryBackend(tmp_path_factory.mktemp("congruence") / "layers.sqlite"),
            PostGISBackend(postgis_dsn, schema=schema))
    for backend in pair:
        for layer in demo_layers.values():
            backend.import_layer(layer, Access.PUBLIC)
    yield pair
    for backend in pair:
        backend.close()
    drop_schema(postgis_dsn, schema)


@pytest.fixture
def pair(memory_backend, postgis_backend) -> tuple[LayerBackend, LayerBackend]:
    """(memory, postgis), both empty."""
    return memory_backend, postgis_backend


# ----------------------------------------------------------------------------- comparisons


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(REL * max(abs(a), abs(b)), ABS)


def overlap_diffs(what: str, mem: KindOverlap, pg: KindOverlap) -> list[str]:
    """Differences between two answers to the same overlaps() call, one line each."""
    if mem.feature_ids != pg.feature_ids:
        return [f"{what}: ids memory {mem.feature_ids} != postgis {pg.feature_ids}"]
    out = []
    for m, p in zip(mem.overlaps, pg.overlaps, strict=True):
        if m.attrs != p.attrs or list(m.attrs) != list(p.attrs):
            out.append(f"{what} {m.fid}: attrs {m.attrs} != {p.attrs}")
        if m.feature_area_m2 != p.feature_area_m2:
            out.append(f"{what} {m.fid}: feature area {m.feature_area_m2} != {p.feature_area_m2}")
        if not close(m.overlap_area_m2, p.overlap_area_m2):
            out.append(f"{what} {m.fid}: overlap {m.overlap_area_m2!r} != {p.overlap_area_m2!r}")
    if not close(mem.covered_area_m2, pg.covered_area_m2):
        out.append(f"{what}: covered {mem.covered_area_m2!r} != {pg.covered_area_m2!r}")
    return out


def compare_overlaps(mem: LayerBackend, pg: LayerBackend, geoms: list[BaseGeometry],
                     kinds: list[LayerKind] | None = None) -> int:
    """Assert both backends answer overlaps() alike for every geometry and kind; the number of hits."""
    diffs, hits = [], 0
    for i, geom in enumerate(geoms):
        crs = area_crs_for(geom)
        for kind in kinds or list(LayerKind):
            try:
                a = mem.overlaps(kind, geom, crs)
            except GEOSException as exc:  # both fail alike: see test_both_fail_alike_on_an_invalid_projected_part
                with pytest.raises(BackendError, match="TopologyException"):
                    pg.overlaps(kind, geom, crs)
                assert crs.startswith("+proj=aea"), f"#{i} {kind.value} ({crs}): {exc}"
                continue
            b = pg.overlaps(kind, geom, crs)
            assert a.kind == b.kind == kind
            hits += len(a.overlaps)
            diffs += overlap_diffs(f"#{i} {kind.value} ({crs[:12]})", a, b)
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(diffs[:20])
    return hits


def same_info(a: LayerInfo | None, b: LayerInfo | None) -> bool:
    """Equal but for the import stamp, which each backend takes itself."""
    if a is None or b is None:
        return a is b
    return dataclasses.replace(a, imported_at="") == dataclasses.replace(b, imported_at="")


def assert_same_layer(a: Layer | None, b: Layer | None) -> None:
    assert (a is None) == (b is None)
    if a is None or b is None:
        return
    assert (a.kind, a.source, a.source_crs, a.sha256) == (b.kind, b.source, b.source_crs, b.sha256)
    assert a.fids == b.fids
    assert a.attrs == b.attrs
    assert [list(x) for x in a.attrs] == [list(x) for x in b.attrs], "attribute key order differs"
    assert a.invalid == b.invalid
    assert np.array_equal(a.areas, b.areas)
    assert len(a.geoms) == len(b.geoms)
    assert shapely.equals_exact(a.geoms, b.geoms, tolerance=0).all() if len(a.geoms) else True


def assert_same_features(mem: LayerBackend, pg: LayerBackend, kind: LayerKind, attr: str, values: list) -> int:
    a, b = mem.features_where(kind, attr, values), pg.features_where(kind, attr, values)
    assert [f.fid for f in a] == [f.fid for f in b], f"{kind.value} {attr} in {values}"
    for x, y in zip(a, b, strict=True):
        assert (x.attrs, list(x.attrs), x.area_m2, x.invalid_reason) == (y.attrs, list(y.attrs), y.area_m2,
                                                                         y.invalid_reason)
        assert shapely.equals_exact(x.geom, y.geom, tolerance=0)
    return len(a)


def assert_same_catalogue(mem: LayerBackend, pg: LayerBackend) -> None:
    """layers(), info() and load() agree for every kind."""
    la, lb = mem.layers(), pg.layers()
    assert [i.kind for i in la] == [i.kind for i in lb]
    assert all(same_info(x, y) for x, y in zip(la, lb, strict=True))
    for kind in LayerKind:
        assert same_info(mem.info(kind), pg.info(kind)), kind.value
        assert_same_layer(mem.load(kind), pg.load(kind))


def import_both(mem: LayerBackend, pg: LayerBackend, layer: Layer, access: Access = Access.PUBLIC) -> None:
    a, b = mem.import_layer(layer, access), pg.import_layer(layer, access)
    assert same_info(a, b)
    assert same_info(a, mem.info(layer.kind)) and same_info(b, pg.info(layer.kind))
    assert b.imported_at == pg.info(layer.kind).imported_at


# ----------------------------------------------------------------------------- random input


def star(rng: np.random.Generator, cx: float, cy: float, radius: float, vertices: int | None = None) -> Polygon:
    """An irregular polygon star-shaped around (cx, cy), hence simple (angular gaps stay below 180 degrees)."""
    n = max(vertices or int(rng.integers(4, 24)), 4)
    steps = rng.uniform(1.0, 2.0, n)
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(steps) / steps.sum()
    radii = radius * rng.uniform(0.3, 1.0, n)
    return Polygon(np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)]))


def random_point(rng: np.random.Generator) -> tuple[float, float]:
    minx, miny, maxx, maxy = COUNTY
    return float(rng.uniform(minx, maxx)), float(rng.uniform(miny, maxy))


def as_project(geom: BaseGeometry) -> BaseGeometry:
    """The polygon a project would be checked with (invalid ones repaired as spatial.project does)."""
    return geom if geom.is_valid else polygonal(shapely.make_valid(geom))


def _small(rng, layers):
    return star(rng, *random_point(rng), 10 ** rng.uniform(-4.5, -1.5))


def _large(rng, layers):
    return star(rng, *random_point(rng), rng.uniform(0.08, 0.4), int(rng.integers(5, 60)))


def _tiny(rng, layers):
    return star(rng, *random_point(rng), 10 ** rng.uniform(-7, -5))


def _holed(rng, layers):
    x, y = random_point(rng)
    r = 10 ** rng.uniform(-3, -1.5)
    return Polygon(star(rng, x, y, r).exterior.coords, [star(rng, x, y, r * 0.25).exterior.coords[::-1]])


def _multi(rng, layers):
    x, y = random_point(rng)
    r = 10 ** rng.uniform(-3.5, -1.5)
    return shapely.union_all([star(rng, x + dx, y + dy, r)
                              for dx, dy in rng.uniform(-3 * r, 3 * r, (int(rng.integers(2, 5)), 2))])


def _hole_touching_shell(rng, layers):
    """Valid self-touching: a triangular hole whose apex touches the square shell."""
    x, y = random_point(rng)
    d = 10 ** rng.uniform(-3.5, -1.5)
    shell = [(x, y), (x + d, y), (x + d, y + d), (x, y + d)]
    hole = [(x + d / 2, y), (x + 0.7 * d, y + 0.5 * d), (x + 0.3 * d, y + 0.5 * d)]
    return Polygon(shell, [hole])


def _corner_touching(rng, layers):
    """Valid self-touching: two squares sharing one corner."""
    x, y = random_point(rng)
    d = 10 ** rng.uniform(-3.5, -1.5)
    return MultiPolygon([shapely.box(x, y, x + d, y + d), shapely.box(x + d, y + d, x + 2 * d, y + 2 * d)])


def _inverted_shell(rng, layers):
    """Invalid self-touching ring (shell touching itself at a vertex), repaired."""
    x, y = random_point(rng)
    d = 10 ** rng.uniform(-3.5, -1.5)
    return Polygon([(x, y), (x + 2 * d, y), (x + 2 * d, y + 2 * d), (x + d, y), (x, y + 2 * d)])


def _bowtie(rng, layers):
    x, y = random_point(rng)
    d = 10 ** rng.uniform(-3.5, -1.5)
    return Polygon([(x, y), (x + d, y + d), (x + d, y), (x, y + d)])


def _feature_copy(rng, layers):
    """Exactly a layer feature: edges shared with its neighbours give zero-area intersections."""
    layer = list(layers.values())[int(rng.integers(0, len(layers)))]
    return layer.geoms[int(rng.integers(0, len(layer)))]


def _feature_shifted(rng, layers):
    g = _feature_copy(rng, layers)
    return affinity.translate(g, *rng.uniform(-1e-3, 1e-3, 2))


def _wide(rng, layers):
    """Wider than 3 degrees of longitude: measured in an Albers projection (a PROJ string)."""
    _, y = random_point(rng)
    return star(rng, float(np.mean(COUNTY[::2])), y, rng.uniform(1.6, 2.5), int(rng.integers(8, 40)))


MAKERS: tuple[Callable, ...] = (_small, _small, _small, _large, _tiny, _holed, _multi, _hole_touching_shell,
                                _corner_touching, _inverted_shell, _bowtie, _feature_copy, _feature_shifted, _wide)


def random_polygons(seed: int, n: int, layers: dict[LayerKind, Layer]) -> list[BaseGeometry]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        geom = as_project(MAKERS[len(out) % len(MAKERS)](rng, layers))
        if not geom.is_empty and geom.area > 0:
            out.append(geom)
    return out


def random_layer(kind: LayerKind, seed: int, n: int) -> Layer:
    """``n`` random features, some of them bow-ties or self-crossing stars repaired at import, one degenerate."""
    rng = np.random.default_rng(seed)
    geoms: list[BaseGeometry] = []
    for i in range(n):
        x, y = random_point(rng)
        r = 10 ** rng.uniform(-3.5, -1.8)
        if i % 10 == 3:
            geoms.append(Polygon([(x, y), (x + r, y + r), (x + r, y), (x, y + r)]))
        elif i % 10 == 7:
            geoms.append(Polygon(np.column_stack([x + r * rng.uniform(-1, 1, 8), y + r * rng.uniform(-1, 1, 8)])))
        else:
            geoms.append(star(rng, x, y, r))
    geoms[-1] = Polygon([(x, y), (x + r, y + r), (x + 2 * r, y + 2 * r)])  # collinear: empty after repair
    return layer_from_geometries(kind, geoms, [random_attrs(rng, kind, i) for i in range(n)], source=f"random-{seed}")


def random_attrs(rng: np.random.Generator, kind: LayerKind, i: int) -> dict:
    far = [None, 1.5, 2.8, 3, 0.1 + 0.2][i % 4]
    return {f"{kind.id_prefix.lower()}_id": f"{kind.id_prefix}-R{i:04d}", "zone_type": ZONE_TYPES[i % 5],
            "unit_id": [f"U-{i % 7}", i % 7][i % 2], "far_max": far, "core": bool(i % 3 == 0),
            "名称": f"随机图斑{i}", "note": None if i % 5 else "引号\"与\\反斜杠\t制表"}


# ----------------------------------------------------------------------------- demo layers


def test_demo_catalogue_is_identical(demo_pair, demo_layers):
    mem, pg = demo_pair
    assert_same_catalogue(mem, pg)
    assert [i.kind for i in pg.layers()] == list(LayerKind)
    assert pg.name == "postgis" and mem.name == "memory"


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.stem)
def test_demo_projects_overlap_identically(demo_pair, path):
    geom = shape(json.loads(path.read_text(encoding="utf-8"))["geometry"])
    assert compare_overlaps(*demo_pair, [geom]) > 0


def test_demo_project_verdicts_are_identical(demo_pair):
    services = [CheckService(b, load_rules(), SpatialSettings()) for b in demo_pair]
    for path in PROJECTS:
        project = load_project(path)
        mem, pg = (s.check(project).to_json() for s in services)
        assert mem.pop("backend") == "memory" and pg.pop("backend") == "postgis"
        assert mem == pg, path.stem


def close_verdicts(a: dict, b: dict, where: str) -> list[str]:
    """Identical statuses, ids and texts; numbers within 0.01 % (or 1e-6 absolute)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in close_verdicts(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in close_verdicts(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= max(1e-6, 1e-4 * max(abs(a), abs(b))) else [f"{where}: {a} != {b}"]
    if isinstance(a, str) and isinstance(b, str) and a != b and where.endswith((".message", "warnings")):
        return []  # messages quote rounded areas; the numbers are compared above
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def test_random_project_verdicts_are_identical(demo_pair, demo_layers):
    """Whole verdicts (every check, status and area) for random projects of every type on the demo layers."""
    rng = np.random.default_rng(7)
    types = ["residential", "commercial", "industrial", "linear_infrastructure", "national_key_project",
             "tourism_facility", "villager_housing", "special_facility", "ecological_restoration", "other"]
    codes = ["070102", "0701", "0702", "0901", "090101", "1001", "1202", "1506", "070301", None]
    services = [CheckService(b, load_rules(), SpatialSettings()) for b in demo_pair]
    diffs, statuses = [], set()
    for i, geom in enumerate(random_polygons(seed=99, n=120, layers=demo_layers)):
        if not area_crs_for(geom).startswith("EPSG:"):
            continue  # projects are small; wide shapes are covered by the overlap test above
        data = {"id": f"R-{i}", "geometry": mapping(geom), "project_type": types[i % len(types)],
                "indicators": {"far": float(rng.choice([1.0, 2.5, 2.8, 3.2])), "building_density": 25,
                               "height": float(rng.choice([24, 54, 85])), "green_ratio": 30,
                               "gfa_m2": float(rng.uniform(1e3, 3e5))}}
        if codes[i % len(codes)]:
            data["land_use"] = codes[i % len(codes)]
        project = parse_project(data)
        mem, pg = (s.check(project).to_json() for s in services)
        mem.pop("backend"), pg.pop("backend")
        statuses.update(c["status"] for c in mem["checks"])
        diffs += close_verdicts(mem, pg, f"R-{i}")
    assert not diffs, "\n".join(diffs[:20])
    assert statuses == {"pass", "fail", "conditional", "unknown"}


def test_random_polygons_overlap_identically(demo_pair, demo_layers):
    geoms = random_polygons(seed=20240611, n=210, layers=demo_layers)
    assert any(area_crs_for(g).startswith("+proj=aea") for g in geoms)
    assert compare_overlaps(*demo_pair, geoms) > 200


def test_features_where_is_identical(demo_pair, demo_layers):
    mem, pg = demo_pair
    found = 0
    for kind, layer in demo_layers.items():
        for attr in {k for a in layer.attrs for k in a} | {"no_such_attr"}:
            present = sorted({str(a[attr]) for a in layer.attrs if a.get(attr) is not None})
            found += assert_same_features(mem, pg, kind, attr, present[:2] + ["no such value"])
            found += assert_same_features(mem, pg, kind, attr, present)
        assert_same_features(mem, pg, kind, layer.kind.id_fields[0], [])
    assert found > 100


# ----------------------------------------------------------------------------- random layers, writes


def test_random_layers_are_identical(pair, demo_layers):
    mem, pg = pair
    layers = {kind: random_layer(kind, seed, 300) for seed, kind in
              enumerate((LayerKind.PLANNING_ZONES, LayerKind.REGULATORY_PARCELS, LayerKind.MANAGEMENT_UNITS))}
    assert all(sum(1 for r in layer.invalid if r) >= 30 for layer in layers.values())
    for layer in layers.values():
        import_both(mem, pg, layer, Access.INTERNAL)
    assert_same_catalogue(mem, pg)
    kinds = list(layers)
    compare_overlaps(mem, pg, random_polygons(seed=7, n=60, layers=layers), kinds)
    compare_overlaps(mem, pg, list(layers[LayerKind.PLANNING_ZONES].geoms[:40]), kinds)
    for attr, values in (("unit_id", ["U-1", "3", 5]), ("far_max", ["2.8", "3", "0.30000000000000004"]),
                         ("core", ["True"]), ("名称", ["随机图斑7"]), ("note", ["引号\"与\\反斜杠\t制表"])):
        assert assert_same_features(mem, pg, LayerKind.PLANNING_ZONES, attr, values) > 0, attr


def test_reimport_replaces_the_kind(pair, demo_layers):
    mem, pg = pair
    kind = LayerKind.PERMANENT_BASIC_FARMLAND
    import_both(mem, pg, demo_layers[kind])
    import_both(mem, pg, demo_layers[LayerKind.PLANNING_ZONES])
    replacement = random_layer(kind, seed=99, n=250)
    import_both(mem, pg, replacement, Access.CONFIDENTIAL)
    assert_same_catalogue(mem, pg)
    assert pg.load(kind).fids == replacement.fids and pg.info(kind).access is Access.CONFIDENTIAL
    assert not set(pg.load(kind).fids) & set(demo_layers[kind].fids)
    compare_overlaps(mem, pg, random_polygons(seed=11, n=40, layers=demo_layers), [kind, LayerKind.PLANNING_ZONES])
    import_both(mem, pg, demo_layers[kind])
    assert_same_catalogue(mem, pg)
    assert pg.info(kind).features == len(demo_layers[kind])


def test_remove(pair, demo_layers):
    mem, pg = pair
    for layer in demo_layers.values():
        import_both(mem, pg, layer)
    kind = LayerKind.REGULATORY_PARCELS
    assert mem.remove(kind) is True and pg.remove(kind) is True
    assert mem.remove(kind) is False and pg.remove(kind) is False
    assert pg.info(kind) is None and pg.load(kind) is None and pg.features_where(kind, "unit_id", ["SF-01"]) == []
    assert kind not in [i.kind for i in pg.layers()]
    assert_same_catalogue(mem, pg)
    geom = shape(json.loads(PROJECTS[0].read_text(encoding="utf-8"))["geometry"])
    assert pg.overlaps(kind, geom, "EPSG:4548") == mem.overlaps(kind, geom, "EPSG:4548") == KindOverlap(kind, (), 0.0)
    compare_overlaps(mem, pg, [geom])


# ----------------------------------------------------------------------------- PostGIS only


def test_unreachable_server_is_one_line(tmp_path):
    from spatial.postgis import PostGISBackend

    with pytest.raises(BackendError) as err:
        PostGISBackend("postgresql://onemap:secret@127.0.0.1:1/onemap?connect_timeout=2")
    message = str(err.value)
    assert "\n" not in message and "secret" not in message
    assert "127.0.0.1:1/onemap" in message and "postgis_dsn" in message


def test_reconnects_after_the_connection_drops(postgis_backend, demo_layers):
    kind = LayerKind.URBAN_DEVELOPMENT_BOUNDARY
    postgis_backend.import_layer(demo_layers[kind], Access.PUBLIC)
    postgis_backend._conn.close()
    assert postgis_backend.info(kind).features == len(demo_layers[kind])
