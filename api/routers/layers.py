"""``/layers``: the layers of the one map (list, import, 数据质检, features as GeoJSON), as ``onemap layers``.

Every route sees only the layers whose access level the caller's role may read. ``/public/layers`` and
``/public/layers/{kind}/features`` (api/routers/public.py) call the same functions as the public role.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from api.deps import AnyRole, ContainerDep, Principal, Staff, require
from api.errors import ApiError
from api.failures import service_errors
from api.uploads import check_suffix, spooled
from assistant.access import Role
from assistant.container import Container
from ingest.models import Access
from spatial.kinds import LayerKind

router = APIRouter(prefix="/layers", tags=["layers"])

LayerEditor = Annotated[Principal, Depends(require(Role.OFFICER))]
SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


class LayerOut(BaseModel):
    kind: LayerKind
    label: str
    access: Access
    features: int
    invalid_geometries: int = Field(description="Geometries repaired on import (see GET /layers/qc).")
    source: str = Field(description="The file it was imported from: its path on the server for admin, its name for "
                                    "the other roles.")
    source_crs: str
    sha256: str
    imported_at: str
    bounds: list[float] = Field(description="minx, miny, maxx, maxy in lon/lat (EPSG:4490).")
    area_m2: float


class QCIssueOut(BaseModel):
    check: str
    severity: str
    kind: str
    feature_ids: list[str]
    message: str
    area_m2: float | None = None


class QCOut(BaseModel):
    passed: bool = Field(description="No issue is an error.")
    errors: int
    warnings: int
    sliver_tolerance_m2: float
    layers: list[dict[str, Any]]
    counts: dict[str, int]
    severity_counts: dict[str, dict[str, int]]
    notes: list[str]
    issues: list[QCIssueOut]


class GeoFeature(BaseModel):
    type: str = "Feature"
    id: str
    properties: dict[str, Any]
    geometry: dict[str, Any]


class FeatureCollection(BaseModel):
    """GeoJSON in lon/lat (CGCS2000, EPSG:4490), with the layer's kind, how many features matched and
    whether ``limit`` cut them."""

    type: str = "FeatureCollection"
    kind: LayerKind
    label: str
    access: Access
    total: int
    truncated: bool
    features: list[GeoFeature]


def layers_for(c: Container, who: Principal) -> list[dict[str, Any]]:
    """The layers ``who``'s role may read (``GET /layers`` and ``GET /public/layers``)."""
    with service_errors():
        return [i.to_json() for i in c.layers.list(role=who.role)]


@router.get("", response_model=list[LayerOut], summary="List the imported layers your role may read")
def list_layers(c: ContainerDep, who: AnyRole) -> list[dict[str, Any]]:
    return layers_for(c, who)


@router.get("/qc", response_model=QCOut, summary="数据质检: the quality-check report of the layers")
def quality_check(c: ContainerDep, who: Staff) -> dict[str, Any]:
    """Invalid geometries, farmland overlapping the red line, urban parcels outside the development boundary,
    missing or out-of-range attributes, duplicate ids, 2020-trial land-use codes (``onemap layers qc --json``)."""
    with service_errors():
        return c.layers.qc(role=who.role).to_json()


@router.post("/{kind}", response_model=LayerOut, status_code=201,
             responses={403: {"description": "The level is above your role, or the layer it replaces is."},
                        422: {"description": "Unreadable file, missing attributes, unknown CRS … (the message says)."}},
             summary="Import a layer file, replacing that kind's layer (admin, officer)")
def import_layer(
    kind: LayerKind,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage or a zipped Shapefile. The CRS comes from "
                                                 "the file; a GeoJSON without one is CGCS2000 lon/lat.")],
    c: ContainerDep, who: LayerEditor,
    access: Annotated[Access, Form(description="Who may use this layer: public, internal or confidential "
                                               "(at most your role's level).")] = Access.PUBLIC,
    layer: Annotated[str | None, Form(max_length=200, description="Layer name inside a multi-layer GeoPackage.")]
    = None,
) -> dict[str, Any]:
    with spooled(("file", file)) as [path], service_errors([path]):
        check_suffix(path.name, SUFFIXES, what="a layer file")
        info = c.layers.import_file(kind, path, access, layer_name=layer or None, source=path.name, role=who.role)
    return info.to_json()


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values) or values[0] > values[2] or values[1] > values[3]:
        raise ApiError(422, f"bbox {text!r}: give minx,miny,maxx,maxy in lon/lat, e.g. 116.1,23.7,116.3,23.9")
    return values  # type: ignore[return-value]


BBox = Annotated[str | None, Query(max_length=200, description="Only features meeting minx,miny,maxx,maxy (lon/lat).",
                                   examples=["116.1,23.7,116.3,23.9"])]
Limit = Annotated[int, Query(ge=1, le=50_000, description="Most features to return.")]
FEATURES_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "The layer is not imported (or not for your role)."}}


def features_for(c: Container, kind: LayerKind, who: Principal, bbox: str | None, limit: int) -> dict[str, Any]:
    """The features of ``kind`` as GeoJSON if ``who``'s role may read the layer, else 404
    (``GET /layers/{kind}/features`` and ``GET /public/layers/{kind}/features``)."""
    box = _bbox(bbox)
    with service_errors():
        page = c.layers.features(kind, who.role, bbox=box, limit=limit)
    if page is None:
        raise ApiError(404, f"no {kind.value} layer is imported that role {who.role.value} may read")
    return page.to_geojson()


@router.get("/{kind}/features", response_model=FeatureCollection, responses=FEATURES_RESPONSES,
            summary="The features of a layer as GeoJSON (for the map)")
def layer_features(kind: LayerKind, c: ContainerDep, who: AnyRole, bbox: BBox = None, limit: Limit = 5000
                   ) -> dict[str, Any]:
    return features_for(c, kind, who, bbox, limit)
