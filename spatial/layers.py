"""Reading layer files (GeoJSON, Shapefile folder or .zip, GeoPackage) into a :class:`Layer`.

A :class:`Layer` holds one kind's features in CGCS2000 lon/lat (EPSG:4490), with
repaired geometries, normalised attributes, a feature id and an area in m²
measured per :func:`spatial.crs.area_crs_for`. Reading never touches the
workspace; :mod:`spatial.store` and the backends persist layers.

The CRS comes from the file. A GeoJSON without a ``crs`` member is taken as
EPSG:4490 (CGCS2000 lon/lat), not as RFC 7946's WGS 84 (the two differ by a few
centimetres).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from spatial import crs as crs_mod
from spatial.errors import CRSError, GeometryError, LayerFormatError, MissingAttributeError, SpatialError
from spatial.kinds import LayerKind

GEOJSON_SUFFIXES = (".geojson", ".json")
SUPPORTED = "GeoJSON (.geojson/.json), Shapefile (.shp, a folder with one .shp, or a .zip) or GeoPackage (.gpkg)"
_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Feature:
    """One feature: id, attributes, valid lon/lat geometry, area in m²."""

    fid: str
    attrs: dict[str, Any]
    geom: BaseGeometry
    area_m2: float
    invalid_reason: str | None = None


@dataclass
class Layer:
    """All features of one kind, column-wise (``geoms`` is a numpy array of shapely geometries)."""

    kind: LayerKind
    fids: list[str]
    attrs: list[dict[str, Any]]
    geoms: np.ndarray
    areas: np.ndarray
    invalid: list[str | None]
    source: str = ""
    source_crs: str = "EPSG:4490"
    sha256: str = ""
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.fids)

    def __iter__(self) -> Iterator[Feature]:
        for i in range(len(self.fids)):
            yield self.feature(i)

    def feature(self, i: int) -> Feature:
        return Feature(self.fids[i], self.attrs[i], self.geoms[i], float(self.areas[i]), self.invalid[i])


def read_layer(kind: LayerKind | str, path: Path | str, *, layer_name: str | None = None) -> Layer:
    """Read ``path`` as a layer of ``kind``.

    Raises
    ------
    LayerFormatError
        Unreadable or unsupported file, no features, or non-polygon geometries.
    MissingAttributeError
        The file lacks a column the kind requires.
    CRSError, ExtentError
        The file's CRS is unknown, or its features fall outside China.
    """
    kind = LayerKind.parse(kind) if isinstance(kind, str) else kind
    path = Path(path)
    if not path.exists():
        raise LayerFormatError(f"{path}: no such file or folder")
    source, default_crs = _gdal_source(path, layer_name)
    try:
        import pyogrio.raw
        meta, _fids, wkb, columns = pyogrio.raw.read(source, layer=_layer_arg(path, source, layer_name))
    except SpatialError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ... with GDAL's message
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if type(exc).__name__ == "CRSError":  # pyogrio.errors.CRSError: e.g. a .prj PROJ cannot parse
            raise CRSError(f"{path}: unknown CRS in the file ({first}); give an EPSG code such as "
                           "EPSG:4490 (CGCS2000 lon/lat) or EPSG:4548") from None
        raise LayerFormatError(f"{path}: cannot read as {SUPPORTED}: {first}") from None
    names = _restore_dbf_names(kind, [str(n) for n in meta["fields"]])
    missing = [a for a in kind.required if a not in names]
    if missing:
        raise MissingAttributeError(
            f"{path.name}: a {kind.value} layer needs the attribute(s) {', '.join(missing)}; "
            f"the file has {', '.join(names) or 'none'}. Add or rename the column(s) and import again")
    if wkb is None or len(wkb) == 0:
        raise LayerFormatError(f"{path}: the layer has no features")
    src_crs = default_crs or meta.get("crs")
    if not src_crs:
        raise LayerFormatError(f"{path}: the file declares no CRS; add a .prj (Shapefile) or a CRS, e.g. EPSG:4490")
    crs = crs_mod.parse_crs(src_crs)
    geoms = shapely.from_wkb(wkb)
    _require_polygons(path, geoms)
    if not crs_mod.is_storage_crs(crs):
        geoms = crs_mod.transform_many(geoms, crs.to_string(), f"EPSG:{crs_mod.STORAGE_EPSG}")
    geoms = np.asarray(shapely.force_2d(geoms))
    _check_full_extent(path, geoms)
    geoms, invalid = repair(geoms)
    attrs = _rows(kind, names, columns, len(geoms))
    fids = _feature_ids(kind, attrs)
    areas = areas_m2(geoms)
    return Layer(kind=kind, fids=fids, attrs=attrs, geoms=geoms, areas=areas, invalid=invalid,
                 source=str(path), source_crs=_crs_label(crs), sha256=_digest(path))


def areas_m2(geoms: np.ndarray) -> np.ndarray:
    """Area in m² of each lon/lat geometry, each measured in its own :func:`area_crs_for` CRS."""
    out = np.zeros(len(geoms))
    groups: dict[str, list[int]] = {}
    for i, g in enumerate(geoms):
        groups.setdefault(crs_mod.area_crs_for(g), []).append(i)
    for target, idx in groups.items():
        projected = crs_mod.transform_many(geoms[idx], f"EPSG:{crs_mod.STORAGE_EPSG}", target)
        out[idx] = shapely.area(projected)
    return out


def repair(geoms: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """Make every geometry valid (polygonal parts of ``make_valid``); the reasons of the invalid ones."""
    valid = shapely.is_valid(geoms)
    invalid: list[str | None] = [None] * len(geoms)
    if valid.all():
        return geoms, invalid
    geoms = geoms.copy()
    for i in np.flatnonzero(~valid):
        invalid[i] = shapely.is_valid_reason(geoms[i])
        geoms[i] = polygonal(shapely.make_valid(geoms[i]))
    return geoms, invalid


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygon part of ``geom`` (drops lines and points a repair may leave)."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    if not parts:
        return shapely.MultiPolygon()
    out = shapely.union_all(parts)
    return out


# --------------------------------------------------------------------------- sources


def _gdal_source(path: Path, layer_name: str | None) -> tuple[str, str | None]:
    """The GDAL path to open and, for GeoJSON without a crs member, EPSG:4490."""
    suffix = path.suffix.lower()
    if path.is_dir():
        shps = sorted(path.glob("*.shp"))
        if len(shps) != 1:
            found = ", ".join(p.name for p in shps) or "none"
            raise LayerFormatError(f"{path}: a Shapefile folder must hold exactly one .shp (found {found}); "
                                   "give the .shp file instead")
        return str(shps[0]), None
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                inner = sorted(n for n in zf.namelist() if n.lower().endswith(".shp"))
        except zipfile.BadZipFile:
            raise LayerFormatError(f"{path}: not a valid .zip archive") from None
        if len(inner) != 1:
            raise LayerFormatError(f"{path}: the .zip must hold exactly one .shp (found {len(inner)})")
        return f"/vsizip/{path.resolve()}/{inner[0]}", None
    if suffix in GEOJSON_SUFFIXES:
        if not _geojson_declares_crs(path):
            return str(path), f"EPSG:{crs_mod.STORAGE_EPSG}"
        declared = _geojson_crs_name(path)
        if declared is not None:  # GDAL reads an unknown crs member as WGS 84 without a word; refuse it
            try:
                crs_mod.parse_crs(declared)
            except CRSError as exc:
                raise CRSError(f"{path.name}: {exc}") from None
        return str(path), declared
    if suffix in (".shp", ".gpkg"):
        return str(path), None
    raise LayerFormatError(f"{path}: unsupported file type {suffix or '(none)'}; give {SUPPORTED}")


def _layer_arg(path: Path, source: str, layer_name: str | None) -> str | int | None:
    if path.suffix.lower() != ".gpkg":
        return None
    import pyogrio

    layers = [str(row[0]) for row in pyogrio.list_layers(source)]
    if layer_name:
        if layer_name not in layers:
            raise LayerFormatError(f"{path}: no layer {layer_name!r}; it has {', '.join(layers)}")
        return layer_name
    if len(layers) == 1:
        return layers[0]
    raise LayerFormatError(f"{path}: the GeoPackage has several layers ({', '.join(layers)}); "
                           "choose one with --layer")


_CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{')
_FEATURES_MEMBER = re.compile(rb'"features"\s*:')


def _geojson_declares_crs(path: Path) -> bool:
    """Whether the top-level ``crs`` member appears before the features (read from the file head)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    crs_at = _CRS_MEMBER.search(head)
    feats_at = _FEATURES_MEMBER.search(head)
    if crs_at is None:
        return False
    return feats_at is None or crs_at.start() < feats_at.start()


def _geojson_crs_name(path: Path) -> str | None:
    """The CRS a GeoJSON's ``crs`` member names (``name`` or legacy ``EPSG`` type), or None."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16).decode("utf-8", "replace")
    found = re.search(r'"crs"\s*:\s*\{', head)
    if found is None:
        return None
    try:
        member, _ = json.JSONDecoder().raw_decode(head, found.end() - 1)
    except ValueError:
        return None
    props = member.get("properties") if isinstance(member, dict) else None
    if not isinstance(props, dict):
        return None
    kind = str(member.get("type", "")).lower()
    if kind == "name" and props.get("name"):
        return str(props["name"])
    if kind == "epsg" and props.get("code") is not None:
        return f"EPSG:{props['code']}"
    return None


def _require_polygons(path: Path, geoms: np.ndarray) -> None:
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise LayerFormatError(f"{path.name}: {int(empty.sum())} feature(s) have no geometry (first: feature #{i + 1}); "
                               "remove or fix them and import again")
    types = shapely.get_type_id(geoms)
    bad = ~np.isin(types, (3, 6))  # Polygon, MultiPolygon
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LayerFormatError(f"{path.name}: layers must be polygons, feature #{i + 1} is a "
                               f"{geoms[i].geom_type}; convert lines/points to polygons first")


def _check_full_extent(path: Path, geoms: np.ndarray) -> None:
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    crs_mod.check_extent(shapely.box(minx, miny, maxx, maxy), what=path.name)


# --------------------------------------------------------------------------- attributes


def _restore_dbf_names(kind: LayerKind, names: list[str]) -> list[str]:
    """Give attributes a Shapefile (DBF) cut to 10 characters their names back
    (``density_ma`` -> ``density_max``, ``land_use_n`` -> ``land_use_name``)."""
    present = set(names)
    full = {a[:10]: a for a in (*kind.required, *kind.optional) if len(a) > 10 and a not in present}
    return [full.get(n, n) for n in names]


def _rows(kind: LayerKind, names: list[str], columns: list[np.ndarray], n: int) -> list[dict[str, Any]]:
    cols = [[_plain(v) for v in col.tolist()] for col in columns]
    rows = [{name: col[i] for name, col in zip(names, cols, strict=True)} for i in range(n)]
    for row in rows:
        if "land_use" in row:
            row["land_use"] = normalise_code(row["land_use"])
        if "core" in row:
            row["core"] = _truthy(row["core"])
        for key in ("parcel_id", "unit_id"):
            if key in row and row[key] is not None:
                row[key] = _id_text(row[key])
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normalise_code(value: Any) -> str | None:
    """A 用地用海 code as a string of 2, 4 or 6 digits (restores a leading zero lost to a numeric column).

    Examples
    --------
    >>> normalise_code(70102), normalise_code("0701"), normalise_code(9.0), normalise_code(" 1001 ")
    ('070102', '0701', '09', '1001')
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.isdigit() and len(text) % 2 == 1:
        text = "0" + text
    return text or None


def _truthy(value: Any) -> Any:
    """True/False for the usual spellings (1/0, true/false, 是/否, 核心/一般…); other values are kept as given."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "t", "yes", "y", "是", "核心", "核心保护区"):
        return True
    if text in ("0", "false", "f", "no", "n", "否", "一般", "一般控制区", ""):
        return False
    return value  # unrecognised: kept as given so quality control reports it (spatial.qc out_of_range)


def _feature_ids(kind: LayerKind, attrs: list[dict[str, Any]]) -> list[str]:
    keys = attrs[0].keys() if attrs else ()
    for name in kind.id_fields:
        if name in keys:
            return [_id_text(a[name]) if a.get(name) is not None else f"{kind.id_prefix}-{i + 1:04d}"
                    for i, a in enumerate(attrs)]
    return [f"{kind.id_prefix}-{i + 1:04d}" for i in range(len(attrs))]


def _crs_label(crs: Any) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def layer_from_geometries(kind: LayerKind, geoms: list[BaseGeometry] | np.ndarray,
                          attrs: list[dict[str, Any]], *, source: str = "memory") -> Layer:
    """A layer built in code from lon/lat geometries (tests, benchmarks, generators)."""
    arr = np.asarray(geoms, dtype=object)
    if len(arr) != len(attrs):
        raise GeometryError("geometries and attributes differ in length")
    arr, invalid = repair(arr)
    rows = [{k: _plain(v) for k, v in a.items()} for a in attrs]
    for row in rows:
        if "land_use" in row:
            row["land_use"] = normalise_code(row["land_use"])
        for key in ("parcel_id", "unit_id"):
            if row.get(key) is not None:
                row[key] = _id_text(row[key])
    return Layer(kind=kind, fids=_feature_ids(kind, rows), attrs=rows, geoms=arr, areas=areas_m2(arr),
                 invalid=invalid, source=source)
