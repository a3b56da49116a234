"""Spatial engine at scale: 100,000 polygons per layer kind.

Usage: python bench/spatial.py [--n 100000] [--projects 500] [--baseline 20] [--no-postgis]

Generates six layers (red line with 5 % core areas, farmland, development boundary,
planning zones, regulatory parcels, management units) of --n polygons each over a
~60 km square in Guangdong (CGCS2000), writes them as GeoPackage (and the parcels also
as GeoJSON), then measures:

* import time per kind through the real path (read file, validate, repair, measure
  areas, store) for the in-memory backend (SQLite) and for PostGIS (COPY);
* warm check latency p50/p95 over --projects random projects (20–600 m, all checks);
* a naive baseline in the same run: geopandas.overlay of each project against each
  full layer (what one would write without an index), on --baseline projects, and the
  ratio baseline / engine.

PostGIS runs in a throwaway cluster on loopback (tests/postgis_cluster.py); --no-postgis
skips it. Results go to bench/results/spatial.json; copy the figures into docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from _common import ROOT, commit, machine

from assistant.settings import SpatialSettings
from eval.metrics import percentile
from ingest.models import Access
from spatial.crs import transform_many
from spatial.engine import CheckService
from spatial.kinds import LayerKind
from spatial.layers import read_layer
from spatial.project import parse_project
from spatial.rules import load_rules

GK = "EPSG:4548"
X0, Y0 = 500_000.0, 2_600_000.0  # GK CM 117E metres: about 117.0E 23.5N
SIDE = 60_000.0
CODES = ["070102", "0901", "1001", "080403", "1401", "120803", "0702", "1101"]


def quads(rng: np.random.Generator, n: int, cell: float, fill: float, jitter: float, offset: float = 0.0):
    """n jittered quadrilaterals on a square grid covering SIDE x SIDE metres, as lon/lat."""
    per_row = int(np.ceil(np.sqrt(n)))
    step = SIDE / per_row
    i = np.arange(n)
    cx = X0 + (i % per_row + 0.5) * step + offset
    cy = Y0 + (i // per_row + 0.5) * step + offset
    half = step * fill / 2 if cell == 0 else cell / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    pts = corners[None, :, :] * half + rng.uniform(-jitter, jitter, (n, 4, 2)) * half
    pts[:, :, 0] += cx[:, None]
    pts[:, :, 1] += cy[:, None]
    ring = np.concatenate([pts, pts[:, :1]], axis=1)
    geoms = shapely.polygons(ring)
    return transform_many(geoms, GK, "EPSG:4490"), step


def generate(n: int, folder: Path, seed: int = 7) -> dict[LayerKind, Path]:
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    out: dict[LayerKind, Path] = {}

    def write(kind: LayerKind, geoms, columns: dict[str, object]) -> None:
        path = folder / f"{kind.value}.gpkg"
        gpd.GeoDataFrame(columns, geometry=list(geoms), crs="EPSG:4490").to_file(path, driver="GPKG")
        out[kind] = path

    ids = np.arange(n)
    g, _ = quads(rng, n, 0, 0.5, 0.15, offset=SIDE / 7)
    write(LayerKind.ECOLOGICAL_PROTECTION_REDLINE, g,
          {"ecr_id": [f"ECR-{i}" for i in ids], "core": rng.random(n) < 0.05})
    g, _ = quads(rng, n, 0, 0.45, 0.15, offset=SIDE / 3)
    write(LayerKind.PERMANENT_BASIC_FARMLAND, g, {"pbf_id": [f"PBF-{i}" for i in ids]})
    g, _ = quads(rng, n, 0, 0.7, 0.1, offset=SIDE / 11)
    write(LayerKind.URBAN_DEVELOPMENT_BOUNDARY, g, {"udb_id": [f"UDB-{i}" for i in ids]})
    g, _ = quads(rng, n, 0, 0.98, 0.01)
    write(LayerKind.PLANNING_ZONES, g, {"zone_id": [f"Z-{i}" for i in ids],
                                        "zone_type": rng.choice(["城镇发展区", "乡村发展区", "农田保护区"], n)})
    g, _ = quads(rng, n, 0, 0.9, 0.05)
    units = n // 10
    far_max = rng.choice([1.2, 1.8, 2.5, 2.8, 3.0], n)
    write(LayerKind.REGULATORY_PARCELS, g, {
        "parcel_id": [f"P-{i}" for i in ids], "unit_id": [f"U-{i % units}" for i in ids],
        "land_use": rng.choice(CODES, n), "far_max": far_max, "far_min": np.where(far_max > 2, 1.0, np.nan),
        "density_max": rng.choice([25.0, 30.0, 40.0], n), "height_max": rng.choice([24.0, 54.0, 80.0], n),
        "green_min": rng.choice([20.0, 30.0, 35.0], n)})
    gpd.read_file(out[LayerKind.REGULATORY_PARCELS]).to_file(folder / "regulatory_parcels.geojson",
                                                             driver="GeoJSON")
    g, _ = quads(rng, n, 0, 0.99, 0.0)
    write(LayerKind.MANAGEMENT_UNITS, g, {"unit_id": [f"U-{i}" for i in ids],
                                          "gfa_cap_m2": rng.uniform(5e4, 5e6, n).round()})
    return out


def projects(count: int, seed: int = 11) -> list[dict]:
    rng = np.random.default_rng(seed)
    sizes = rng.uniform(20, 600, count)
    x = rng.uniform(X0 + 1000, X0 + SIDE - 1000, count)
    y = rng.uniform(Y0 + 1000, Y0 + SIDE - 1000, count)
    geoms = transform_many(shapely.box(x, y, x + sizes, y + sizes * rng.uniform(0.5, 1.5, count)), GK, "EPSG:4490")
    types = ["residential", "commercial", "industrial", "linear_infrastructure", "national_key_project", "other"]
    return [{"id": f"B-{i}", "geometry": shapely.geometry.mapping(g), "land_use": str(rng.choice(CODES)),
             "project_type": str(rng.choice(types)),
             "indicators": {"far": 2.5, "building_density": 25, "height": 54, "green_ratio": 30, "gfa_m2": 50000}}
            for i, g in enumerate(geoms)]


def measure_backend(name: str, backend, files: dict[LayerKind, Path], plist: list[dict]) -> dict:
    imports = {}
    for kind, path in files.items():
        t0 = time.perf_counter()
        layer = read_layer(kind, path)
        t_read = time.perf_counter() - t0
        backend.import_layer(layer, Access.PUBLIC)
        imports[kind.value] = {"seconds": round(time.perf_counter() - t0, 2), "read_s": round(t_read, 2)}
        print(f"  {name}: import {kind.value}: {imports[kind.value]['seconds']} s "
              f"(read+validate+areas {t_read:.1f} s)", file=sys.stderr)
    service = CheckService(backend, load_rules(), SpatialSettings())
    parsed = [parse_project(p) for p in plist]
    for p in parsed[:20]:  # warm-up: loads layers, builds trees, fills caches
        service.check(p)
    times, statuses = [], {}
    for p in parsed:
        t0 = time.perf_counter()
        v = service.check(p)
        times.append((time.perf_counter() - t0) * 1000)
        statuses[p.id] = v.overall.value
    return {"import": imports, "import_total_s": round(sum(v["seconds"] for v in imports.values()), 1),
            "check_ms": {"p50": round(percentile(times, 50), 2), "p95": round(percentile(times, 95), 2),
                         "mean": round(float(np.mean(times)), 2)},
            "overall_counts": {s: list(statuses.values()).count(s) for s in set(statuses.values())},
            "statuses": statuses}


def baseline(files: dict[LayerKind, Path], plist: list[dict]) -> dict:
    """geopandas.overlay of each project with each full layer, areas in GK: no index reuse, no prepared geometry."""
    import geopandas as gpd

    frames = {k: gpd.read_file(p) for k, p in files.items()}
    times = []
    for data in plist:
        project = gpd.GeoDataFrame({"pid": [data["id"]]}, geometry=[shapely.geometry.shape(data["geometry"])],
                                   crs="EPSG:4490")
        t0 = time.perf_counter()
        for frame in frames.values():
            hit = gpd.overlay(project, frame, how="intersection", keep_geom_type=True)
            hit.to_crs(GK).area.sum()
        times.append((time.perf_counter() - t0) * 1000)
    return {"projects": len(plist), "check_ms": {"p50": round(percentile(times, 50), 1),
                                                  "p95": round(percentile(times, 95), 1)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="Polygons per layer kind.")
    parser.add_argument("--projects", type=int, default=500, help="Projects timed per backend.")
    parser.add_argument("--baseline", type=int, default=20, help="Projects timed for the geopandas.overlay baseline.")
    parser.add_argument("--no-postgis", action="store_true", help="Skip the PostGIS backend.")
    parser.add_argument("--out", default=str(ROOT / "bench/results/spatial.json"))
    args = parser.parse_args()

    from spatial.memory import MemoryBackend

    with tempfile.TemporaryDirectory(prefix="onemap-bench-spatial-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        files = generate(args.n, folder)
        print(f"generated 6 x {args.n} polygons in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        plist = projects(args.projects)
        result: dict = {"machine": machine(), "commit": commit(), "polygons_per_kind": args.n,
                        "projects": args.projects}
        t0 = time.perf_counter()
        layer = read_layer(LayerKind.REGULATORY_PARCELS, folder / "regulatory_parcels.geojson")
        result["geojson_read_parcels_s"] = round(time.perf_counter() - t0, 2)
        del layer
        memory = MemoryBackend(folder / "layers.sqlite")
        result["memory"] = measure_backend("memory", memory, files, plist)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        # a fresh process would load from SQLite: time that too
        memory.close()
        reopened = MemoryBackend(folder / "layers.sqlite")
        t0 = time.perf_counter()
        CheckService(reopened, load_rules(), SpatialSettings()).check(parse_project(plist[0]))
        result["memory"]["cold_first_check_s"] = round(time.perf_counter() - t0, 2)
        reopened.close()
        print(f"memory: {result['memory']['check_ms']}", file=sys.stderr)
        if not args.no_postgis:
            sys.path.insert(0, str(ROOT))
            from tests.postgis_cluster import missing_requirements, start_cluster

            problem = missing_requirements()
            if problem:
                result["postgis"] = {"skipped": problem}
            else:
                from spatial.postgis import PostGISBackend

                cluster = start_cluster()
                try:
                    pg = PostGISBackend(cluster.dsn)
                    result["postgis"] = measure_backend("postgis", pg, files, plist)
                    pg.close()
                finally:
                    cluster.stop()
                same = sum(result["postgis"]["statuses"][k] == v for k, v in result["memory"]["statuses"].items())
                result["postgis"]["same_overall_as_memory"] = f"{same}/{len(plist)}"
                print(f"postgis: {result['postgis']['check_ms']}", file=sys.stderr)
        result["baseline_overlay"] = baseline(files, plist[: args.baseline])
        result["baseline_over_memory_p50"] = round(result["baseline_overlay"]["check_ms"]["p50"]
                                                   / result["memory"]["check_ms"]["p50"], 1)
    for key in ("memory", "postgis"):
        if isinstance(result.get(key), dict):
            result[key].pop("statuses", None)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
