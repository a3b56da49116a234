"""Build a revised version of the 示范县 regulatory plan's parcel layer, with known (planted) changes.

Run from the repository root::

    .venv/bin/python demo/build_revision.py            # write demo/revision/
    .venv/bin/python demo/build_revision.py --check    # exit 1 if anything on disk differs

The revision starts from ``demo/layers/regulatory_parcels.geojson`` (written by
``demo/build_layers.py``, read here, never changed) and applies the changes listed in
:data:`CHANGES`: parcels added, removed and re-bounded, and land use, FAR, height,
density and green ratio changed. Every other feature is written back byte for byte,
so a comparison of the two files (``onemap compare``) must find exactly the planted
changes. The manifest ``demo/revision/planted_changes.json`` lists them with the
expected effects on the control lines and on each unit's floor-area balance.

New geometry is drawn as the original parcels are: rectangles in the town's local frame,
placed by :func:`demo.build_layers.town_to_gk`, written in EPSG:4490 on the 1e-7 degree
grid, areas measured in EPSG:4548. No random numbers: two runs give identical bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box, shape

from demo.build_layers import (
    CRS_MEMBER,
    LAND_USE_NAMES,
    Frames,
    mapping_rounded,
    sync_files,
    town_to_gk,
)

DEMO_DIR = Path(__file__).resolve().parent
REPO_DIR = DEMO_DIR.parent
LAYERS_DIR = DEMO_DIR / "layers"
BASE_LAYER = LAYERS_DIR / "regulatory_parcels.geojson"
REVISION_DIR = DEMO_DIR / "revision"
REVISED_LAYER = REVISION_DIR / "regulatory_parcels_revised.geojson"
MANIFEST = REVISION_DIR / "planted_changes.json"
GK_EPSG = 4548  # CGCS2000 3-degree Gauss-Kruger CM 117E, where the demo measures areas

LAND_USE_NAMES_EXTRA = {"0902": "商务金融用地", "110101": "一类物流仓储用地", "0702": "城镇社区服务设施用地"}


class RevisionError(Exception):
    """The revision could not be built or broke one of its own invariants."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise RevisionError(message)


@dataclass(frozen=True)
class Change:
    """One planted change. ``kinds`` use the values of ``spatial.compare.ChangeKind``."""

    parcel_id: str
    kinds: tuple[str, ...]
    note: str
    attrs: dict[str, Any] = field(default_factory=dict)  # attributes set (land_use also sets land_use_name)
    rect: tuple[float, float, float, float] | None = None  # new boundary, town frame (x0, y0, x1, y1)


def _parcel(unit: str, land_use: str, far_max, far_min, density, height, green) -> dict[str, Any]:
    return {"unit_id": unit, "land_use": land_use, "far_max": far_max, "far_min": far_min,
            "density_max": density, "height_max": height, "green_min": green}


# fmt: off
CHANGES: tuple[Change, ...] = (
    Change("SF-01-01", ("land_use",), "原机关团体用地调整为商务金融用地（老行政中心搬迁后再利用）",
           attrs={"land_use": "0902"}),
    Change("SF-01-09", ("far",), "容积率上限由2.5提高至3.4，使老城综合服务单元建筑总量超过上限",
           attrs={"far_max": 3.4}),
    Change("SF-02-03", ("height",), "建筑限高由80米提高至100米", attrs={"height_max": 100}),
    Change("SF-02-08", ("green_ratio",), "绿地率下限由35%降低至30%", attrs={"green_min": 30}),
    Change("SF-02-12", ("removed",), "删除社会停车场地块，用地并入SF-02-13"),
    Change("SF-02-13", ("geometry",), "地块向南扩展，并入原SF-02-12社会停车场及其间道路用地",
           rect=(670, 10, 990, 290)),
    Change("SF-03-01", ("density",), "建筑密度上限由55%提高至60%", attrs={"density_max": 60}),
    Change("SF-03-06", ("far",), "容积率上限由4.0提高至4.5（单元建筑总量仍在上限内）", attrs={"far_max": 4.5}),
    Change("SF-03-12", ("added",), "新增城镇社区服务设施用地（原空地）",
           attrs=_parcel("SF-03", "0702", 1.2, None, 40, 24, 30), rect=(1410, 620, 1600, 790)),
    Change("SF-03-13", ("added",), "新增一类物流仓储用地，跨越城镇开发边界东缘并占用永久基本农田PBF-002",
           attrs=_parcel("SF-03", "110101", 1.0, 0.5, 55, 24, 10), rect=(2750, 500, 2980, 650)),
)
# fmt: on
CONTROL_LINE_CHANGE = "SF-03-13"  # the change whose new boundary meets the control lines
OVER_CAP_UNIT = "SF-01"  # the unit the revision pushes over its floor-area cap


# --------------------------------------------------------------------------- building


def _land_use_name(code: str) -> str:
    name = LAND_USE_NAMES.get(code) or LAND_USE_NAMES_EXTRA.get(code)
    require(name is not None, f"no name for land use {code}")
    return str(name)


def _feature_line(feature: dict) -> str:
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def _read_features(path: Path) -> tuple[dict, list[dict], list[str]]:
    require(path.is_file(), f"{path} is missing; run demo/build_layers.py first")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    feats = data["features"]
    lines = [line.rstrip(",") for line in text.split("\n")[1:-2]]
    require(len(lines) == len(feats), f"{path.name}: expected one feature per line")
    return data, feats, lines


def build(frames: Frames) -> tuple[str, dict]:
    """The revised layer's text and the manifest."""
    _, feats, lines = _read_features(BASE_LAYER)
    by_id = {f["properties"]["parcel_id"]: i for i, f in enumerate(feats)}
    changes = {c.parcel_id: c for c in CHANGES}
    require(len(changes) == len(CHANGES), "one change per parcel")
    out_lines: list[str] = []
    new_geoms: dict[str, Any] = {}
    for pid, i in by_id.items():
        change = changes.get(pid)
        if change is None:
            require(_feature_line(feats[i]) == lines[i], f"{pid}: the base layer is not in canonical form")
            out_lines.append(lines[i])
            continue
        if "removed" in change.kinds:
            continue
        out_lines.append(_feature_line(_changed(feats[i], change, frames, new_geoms)))
    for change in CHANGES:
        if "added" in change.kinds:
            require(change.parcel_id not in by_id, f"{change.parcel_id} exists already")
            out_lines.append(_feature_line(_added(change, frames, new_geoms)))
    head = (f'{{"type":"FeatureCollection","name":"regulatory_parcels_revised",'
            f'"crs":{json.dumps(CRS_MEMBER, separators=(",", ":"))},"features":[')
    text = "\n".join([head, ",\n".join(out_lines), "]}"]) + "\n"
    revised = json.loads(text)["features"]
    manifest = _manifest(frames, feats, revised, new_geoms)
    return text, manifest


def _changed(feature: dict, change: Change, frames: Frames, new_geoms: dict) -> dict:
    props = dict(feature["properties"])
    for key, value in change.attrs.items():
        require(key in props, f"{change.parcel_id}: no attribute {key}")
        require(props[key] != value, f"{change.parcel_id}: {key} is {value} already")
        props[key] = value
        if key == "land_use":
            props["land_use_name"] = _land_use_name(value)
    geometry = feature["geometry"]
    if change.rect is not None:
        geo = frames.to_geo(town_to_gk(box(*change.rect)))
        new_geoms[change.parcel_id] = geo
        geometry = mapping_rounded(geo)
        props["area_m2"] = round(frames.area_m2(geo))
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _added(change: Change, frames: Frames, new_geoms: dict) -> dict:
    require(change.rect is not None, f"{change.parcel_id}: an added parcel needs a boundary")
    geo = frames.to_geo(town_to_gk(box(*change.rect)))  # type: ignore[misc]
    new_geoms[change.parcel_id] = geo
    a = change.attrs
    props = {"parcel_id": change.parcel_id, "unit_id": a["unit_id"], "land_use": a["land_use"],
             "land_use_name": _land_use_name(a["land_use"]), "far_max": a["far_max"], "far_min": a["far_min"],
             "density_max": a["density_max"], "height_max": a["height_max"], "green_min": a["green_min"],
             "area_m2": round(frames.area_m2(geo))}
    return {"type": "Feature", "properties": props, "geometry": mapping_rounded(geo)}


# --------------------------------------------------------------------------- manifest and invariants


def _layer_gk(frames: Frames, name: str) -> list[tuple[dict, Any]]:
    data = json.loads((LAYERS_DIR / f"{name}.geojson").read_text(encoding="utf-8"))
    return [(f["properties"], frames.to_gk(shape(f["geometry"]))) for f in data["features"]]


def _balances(frames: Frames, feats: list[dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    for f in feats:
        p = f["properties"]
        if isinstance(p["far_max"], int | float):
            out[p["unit_id"]] = out.get(p["unit_id"], 0.0) + p["far_max"] * frames.area_m2(shape(f["geometry"]))
    return out


def _manifest(frames: Frames, base: list[dict], revised: list[dict], new_geoms: dict) -> dict:
    gk = frames.to_gk
    old = {f["properties"]["parcel_id"]: f for f in base}
    new = {f["properties"]["parcel_id"]: f for f in revised}
    # new boundaries must not overlap the other parcels of the revision
    for pid, geo in new_geoms.items():
        for other, f in new.items():
            if other != pid:
                overlap = gk(geo).intersection(gk(shape(f["geometry"]))).area
                require(overlap < 1.0, f"{pid} overlaps {other} by {overlap:.1f} m²")
    # the control lines: only the planted parcel meets them
    ecr = shapely.union_all([g for _, g in _layer_gk(frames, "ecological_protection_redline")])
    udb = shapely.union_all([g for _, g in _layer_gk(frames, "urban_development_boundary")])
    pbf = _layer_gk(frames, "permanent_basic_farmland")
    lines: dict[str, Any] = {}
    for pid, geo in new_geoms.items():
        g = gk(geo)
        outside = g.difference(udb).area
        farmland = {p["pbf_id"]: round(g.intersection(b).area, 1) for p, b in pbf if g.intersection(b).area >= 1.0}
        red = g.intersection(ecr).area
        if pid == CONTROL_LINE_CHANGE:
            require(outside > 5_000 and farmland and red < 1.0, f"{pid} should leave the UDB onto farmland")
            lines = {"parcel_id": pid, "lines": ["permanent_basic_farmland", "urban_development_boundary"],
                     "outside_urban_development_boundary_m2": round(outside, 1),
                     "permanent_basic_farmland_m2": farmland}
        else:
            require(outside < 1.0 and not farmland and red < 1.0, f"{pid} should stay clear of the control lines")
    # units: SF-01 pushed over its cap, SF-02 over before and after, SF-03 still within
    caps = {p["unit_id"]: p["gfa_cap_m2"] for p, _ in _layer_gk(frames, "management_units")}
    before, after = _balances(frames, base), _balances(frames, revised)
    units = {}
    for uid, cap in caps.items():
        b, a = before.get(uid, 0.0), after.get(uid, 0.0)
        units[uid] = {"cap_m2": cap, "before_m2": round(b, 1), "after_m2": round(a, 1),
                      "over_before": b > cap, "over_after": a > cap}
    pushed = [u for u, v in units.items() if v["over_after"] and not v["over_before"]]
    require(pushed == [OVER_CAP_UNIT], f"expected only {OVER_CAP_UNIT} pushed over its cap, got {pushed}")
    changes = []
    for c in CHANGES:
        entry: dict[str, Any] = {"parcel_id": c.parcel_id, "kinds": list(c.kinds), "note": c.note}
        if "added" not in c.kinds and "removed" not in c.kinds:
            o, n = old[c.parcel_id]["properties"], new[c.parcel_id]["properties"]
            entry["fields"] = {k: [o[k], n[k]] for k in ("land_use", "far_max", "far_min", "density_max",
                                                          "height_max", "green_min", "area_m2") if o[k] != n[k]}
        changes.append(entry)
    return {
        "base": BASE_LAYER.relative_to(REPO_DIR).as_posix(),
        "revised": REVISED_LAYER.relative_to(REPO_DIR).as_posix(),
        "area_crs": f"EPSG:{GK_EPSG}",
        "changes": changes,
        "unchanged_parcels": sorted(set(old) - {c.parcel_id for c in CHANGES}),
        "control_lines": [lines],
        "units": units,
        "units_pushed_over_cap": pushed,
    }


def files() -> dict[Path, str]:
    text, manifest = build(Frames(GK_EPSG))
    return {REVISED_LAYER: text, MANIFEST: json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if any output on disk differs")
    args = parser.parse_args(argv)
    try:
        out = files()
    except RevisionError as exc:
        print(f"build_revision: {exc}", file=sys.stderr)
        return 2
    stale = sync_files(out, check=args.check)
    if args.check:
        return 1 if stale else 0
    print(f"wrote {len(stale)} of {len(out)} files; {len(CHANGES)} planted changes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
