"""The project application: parsing and validating the input contract of ``onemap check``.

Input (issue 3)::

    {"id": "P-001", "name": "...", "geometry": <GeoJSON Polygon or MultiPolygon>, "crs": "EPSG:4490",
     "land_use": "070102", "project_type": "residential",
     "indicators": {"far": 3.2, "building_density": 26, "height": 85, "green_ratio": 28, "gfa_m2": 120000}}

``crs`` (default EPSG:4490), ``project_type`` (default ``other``), ``land_use``,
``indicators`` and each indicator are optional. One extension:
``existing_area_m2`` (the existing legal construction land of a villager's
house, so that rebuilding in the red line can be told from enlarging it).

Examples
--------
>>> p = parse_project({"id": "X", "geometry": {"type": "Polygon", "coordinates": [[[116.18, 23.77],
...     [116.181, 23.77], [116.181, 23.771], [116.18, 23.771], [116.18, 23.77]]]}})
>>> p.project_type, p.area_crs, round(p.area_m2)
(<ProjectType.OTHER: 'other'>, 'EPSG:4548', 11291)
>>> parse_project('{"id": "X"}')
Traceback (most recent call last):
...
spatial.errors.GeometryError: project X has no geometry; add "geometry": a GeoJSON Polygon or MultiPolygon in lon/lat (EPSG:4490) or in the CRS named by "crs"
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from spatial import crs as crs_mod
from spatial import landuse
from spatial.errors import GeometryError, ProjectError
from spatial.layers import normalise_code, polygonal


class ProjectType(StrEnum):
    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    INDUSTRIAL = "industrial"
    PUBLIC_FACILITY = "public_facility"
    LINEAR_INFRASTRUCTURE = "linear_infrastructure"
    NATIONAL_KEY_PROJECT = "national_key_project"
    ECOLOGICAL_RESTORATION = "ecological_restoration"
    TOURISM_FACILITY = "tourism_facility"
    VILLAGER_HOUSING = "villager_housing"
    SPECIAL_FACILITY = "special_facility"
    OTHER = "other"


# indicator -> (label, unit, upper bound of a sane value)
INDICATORS: dict[str, tuple[str, str, float]] = {
    "far": ("容积率", "", 100.0),
    "building_density": ("建筑密度", "%", 100.0),
    "height": ("建筑高度", "m", 1000.0),
    "green_ratio": ("绿地率", "%", 100.0),
    "gfa_m2": ("计容建筑面积", "m²", 1e9),
}
_KNOWN_KEYS = {"id", "name", "geometry", "crs", "land_use", "land_use_name", "project_type", "indicators",
               "existing_area_m2", "type", "properties", "description"}


@dataclass(frozen=True)
class Project:
    """A validated project: lon/lat geometry (EPSG:4490, valid), its area and where it was measured."""

    id: str
    name: str
    geometry: BaseGeometry
    area_m2: float
    area_crs: str
    project_type: ProjectType = ProjectType.OTHER
    land_use: str | None = None
    indicators: dict[str, float] = field(default_factory=dict)
    existing_area_m2: float | None = None
    warnings: tuple[str, ...] = ()

    def indicator(self, key: str) -> float | None:
        return self.indicators.get(key)


def load_project(path: Path | str) -> Project:
    """Read and validate a project JSON file."""
    p = Path(path)
    if not p.is_file():
        raise ProjectError(f"{p}: no such file")
    return parse_project(p.read_bytes(), where=p.name)


def parse_project(data: dict[str, Any] | str | bytes, *, where: str = "project") -> Project:
    """Validate the input contract and return a :class:`Project`.

    Raises
    ------
    ProjectError, GeometryError, ExtentError, CRSError
        With one line saying what is wrong and how to fix it.
    """
    obj = _json_object(data, where)
    if obj.get("type") == "Feature":  # a GeoJSON Feature with the fields in its properties
        obj = {**(obj.get("properties") or {}), "geometry": obj.get("geometry")}
    pid = obj.get("id")
    if pid is None or (isinstance(pid, str) and not pid.strip()):
        raise ProjectError(f"{where}: the project has no \"id\"; add one, e.g. \"id\": \"P-001\"")
    pid = str(pid).strip()
    warnings: list[str] = []
    unknown = sorted(set(obj) - _KNOWN_KEYS)
    if unknown:
        warnings.append(f"ignored unknown field(s): {', '.join(unknown)}")
    crs = crs_mod.parse_crs(obj.get("crs"))
    geom = _geometry(pid, obj.get("geometry"))
    if not crs_mod.is_storage_crs(crs):
        geom = crs_mod.transform(geom, crs.to_string(), f"EPSG:{crs_mod.STORAGE_EPSG}")
    crs_mod.check_extent(geom, what=f"project {pid}")
    geom, repaired = _valid(pid, geom)
    if repaired:
        warnings.append(repaired)
    area_crs = crs_mod.area_crs_for(geom)
    area = crs_mod.area_m2(geom, area_crs)
    land_use = _land_use(pid, obj.get("land_use"), obj.get("land_use_name"), warnings)
    indicators = _indicators(pid, obj.get("indicators"), warnings)
    existing = obj.get("existing_area_m2")
    if existing is not None:
        existing = _number(pid, "existing_area_m2", existing, 0, 1e12)
    return Project(id=pid, name=str(obj.get("name") or ""), geometry=geom, area_m2=area, area_crs=area_crs,
                   project_type=_project_type(pid, obj.get("project_type")), land_use=land_use,
                   indicators=indicators, existing_area_m2=existing, warnings=tuple(warnings))


def _json_object(data: dict[str, Any] | str | bytes, where: str) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        obj = json.loads(data)
    except UnicodeDecodeError:
        raise ProjectError(f"{where}: not UTF-8 text; save the project JSON as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise ProjectError(f"{where}: the project must be a JSON object with \"id\" and \"geometry\", "
                           f"not a {type(obj).__name__}")
    return obj


def _geometry(pid: str, value: Any) -> BaseGeometry:
    hint = ("add \"geometry\": a GeoJSON Polygon or MultiPolygon in lon/lat (EPSG:4490) "
            "or in the CRS named by \"crs\"")
    if value is None:
        raise GeometryError(f"project {pid} has no geometry; {hint}")
    if not isinstance(value, dict) or "type" not in value:
        raise GeometryError(f"project {pid}: \"geometry\" must be a GeoJSON object with \"type\" and \"coordinates\"")
    if value.get("type") not in ("Polygon", "MultiPolygon"):
        raise GeometryError(f"project {pid}: the geometry is a {value.get('type')}, not a Polygon or MultiPolygon; "
                            "give the project's land area as a polygon (buffer a line by its width first)")
    if not value.get("coordinates"):
        raise GeometryError(f"project {pid}: the geometry is empty; {hint}")
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise GeometryError(f"project {pid}: malformed {value.get('type')} coordinates ({exc}); "
                            "each ring is a list of [lon, lat] pairs, closed") from None
    if geom.is_empty:
        raise GeometryError(f"project {pid}: the geometry is empty; {hint}")
    coords = shapely.get_coordinates(geom)
    if not math.isfinite(float(abs(coords).sum())):
        raise GeometryError(f"project {pid}: the geometry has non-finite coordinates")
    return shapely.force_2d(geom)


def _valid(pid: str, geom: BaseGeometry) -> tuple[BaseGeometry, str | None]:
    if geom.is_valid:
        return geom, None
    reason = shapely.is_valid_reason(geom)
    fixed = polygonal(shapely.make_valid(geom))
    if fixed.is_empty or fixed.area == 0:
        raise GeometryError(f"project {pid}: the polygon is degenerate ({reason}) and has no area after repair; "
                            "check the ring coordinates")
    return fixed, (f"the project polygon was invalid ({reason}); it was repaired with make_valid "
                   "and the checks use the repaired polygon")


def _project_type(pid: str, value: Any) -> ProjectType:
    if value is None or value == "":
        return ProjectType.OTHER
    try:
        return ProjectType(str(value).strip())
    except ValueError:
        raise ProjectError(f"project {pid}: unknown project_type {value!r}; use one of "
                           f"{'|'.join(t.value for t in ProjectType)}") from None


def _land_use(pid: str, value: Any, name: Any, warnings: list[str]) -> str | None:
    code = normalise_code(value)
    if code is None:
        return None
    if not landuse.is_valid(code):
        raise ProjectError(f"project {pid}: land_use {value!r} is not a 用地用海分类 2023 code; "
                           "give a 2-, 4- or 6-digit code such as \"070102\" (二类城镇住宅用地)")
    if isinstance(name, str):
        issue = landuse.trial_version_issue(code, name)
        if issue:
            warnings.append(issue)
    return landuse.get(code).code


def _indicators(pid: str, value: Any, warnings: list[str]) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"project {pid}: \"indicators\" must be an object such as {{\"far\": 2.5}}")
    out: dict[str, float] = {}
    for key, raw in value.items():
        if key not in INDICATORS:
            warnings.append(f"ignored unknown indicator {key!r} (known: {', '.join(INDICATORS)})")
            continue
        if raw is None:
            continue
        out[key] = _number(pid, f"indicators.{key}", raw, 0, INDICATORS[key][2])
    return out


def _number(pid: str, key: str, raw: Any, lo: float, hi: float) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ProjectError(f"project {pid}: {key} must be a number, not {raw!r}")
    if not lo <= raw <= hi:
        raise ProjectError(f"project {pid}: {key} = {raw} is out of range [{lo:g}, {hi:g}]")
    return float(raw)
