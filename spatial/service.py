"""Services the CLI and the API call: layer import/list/qc and project checks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box, mapping

from assistant.access import AccessDenied, Role, may_read
from assistant.settings import Settings, SpatialSettings
from ingest.models import Access
from spatial.backend import LayerBackend, LayerInfo
from spatial.errors import BackendError
from spatial.kinds import LayerKind
from spatial.layers import Feature, Layer, read_layer
from spatial.qc import QCReport, run_qc


def build_backend(settings: Settings) -> LayerBackend:
    """The layer backend chosen by ``settings.spatial.backend`` (imported lazily)."""
    sp: SpatialSettings = settings.spatial
    match sp.backend:
        case "memory":
            from spatial.memory import MemoryBackend

            return MemoryBackend(settings.workspace / sp.layers_path)
        case "postgis":
            if not sp.postgis_dsn:
                raise BackendError("spatial.backend is 'postgis' but spatial.postgis_dsn is empty; "
                                   "set ONEMAP__SPATIAL__POSTGIS_DSN=postgresql://user@host:5432/db")
            try:
                from spatial.postgis import PostGISBackend
            except ImportError as exc:  # pragma: no cover - psycopg is a base dependency
                raise BackendError(f"the postgis backend needs psycopg: pip install 'psycopg[binary]' ({exc})") from None
            return PostGISBackend(sp.postgis_dsn, schema=sp.postgis_schema)
    raise BackendError(f"unknown spatial backend {sp.backend!r}")  # pragma: no cover - settings validate it


class LayerService:
    """Import, list, draw and quality-check the layers of the one map.

    ``role`` limits every call to the layers whose access level the role may read (the CLI acts as
    admin); a role may import only at levels it may read, and may not replace a layer it cannot read.
    """

    def __init__(self, backend: LayerBackend, settings: SpatialSettings) -> None:
        self.backend = backend
        self.settings = settings

    def import_file(self, kind: LayerKind | str, path: Path, access: Access = Access.PUBLIC,
                    *, layer_name: str | None = None, source: str | None = None,
                    role: Role = Role.ADMIN) -> LayerInfo:
        """Read ``path`` as ``kind`` and replace that kind's layer atomically (``source``: the name to record,
        default the path)."""
        kind = LayerKind.parse(kind) if isinstance(kind, str) else kind
        if not may_read(role, access):
            raise AccessDenied(f"role {role.value} may not import a {access.value} layer")
        current = self.backend.info(kind)
        if current is not None and not may_read(role, current.access):
            raise AccessDenied(f"the {kind.value} layer is {current.access.value}: role {role.value} may not replace it")
        layer = read_layer(kind, path, layer_name=layer_name)
        if source:
            layer.source = source
        return self.backend.import_layer(layer, access)

    def list(self, role: Role = Role.ADMIN) -> list[LayerInfo]:
        """The layers ``role`` may read; ``source`` is the file's path on the server for admin, its name otherwise."""
        return [i if role is Role.ADMIN else replace(i, source=PurePath(i.source).name)
                for i in self.backend.layers() if may_read(role, i.access)]

    def qc(self, role: Role = Role.ADMIN) -> QCReport:
        """数据质检 over the layers ``role`` may read (the others count as not imported)."""
        return run_qc(_Visible(self.backend, role), sliver_tolerance_m2=self.settings.sliver_tolerance_m2)

    def features(self, kind: LayerKind, role: Role = Role.ADMIN, *,
                 bbox: tuple[float, float, float, float] | None = None, limit: int | None = None) -> FeaturePage | None:
        """The features of ``kind`` (intersecting ``bbox``, lon/lat, if given; the first ``limit`` of them),
        or None when the layer is not imported or ``role`` may not read it."""
        info = self.backend.info(kind)
        if info is None or not may_read(role, info.access):
            return None
        layer = self.backend.load(kind)
        if layer is None:
            return None
        positions = list(range(len(layer)))
        if bbox is not None:
            positions = [int(i) for i in shapely.intersects(layer.geoms, box(*bbox)).nonzero()[0]]
        shown = positions if limit is None else positions[:limit]
        return FeaturePage(info, [layer.feature(i) for i in shown], total=len(positions))


@dataclass(frozen=True)
class FeaturePage:
    """Some features of one layer, and how many matched in all."""

    info: LayerInfo
    features: list[Feature]
    total: int

    @property
    def truncated(self) -> bool:
        return len(self.features) < self.total

    def to_geojson(self, precision: int = 7) -> dict[str, Any]:
        """A GeoJSON FeatureCollection in lon/lat (CGCS2000, EPSG:4490), coordinates rounded to ``precision``."""
        return {"type": "FeatureCollection", "kind": self.info.kind.value, "label": self.info.kind.label,
                "access": self.info.access.value, "total": self.total, "truncated": self.truncated,
                "features": [{"type": "Feature", "id": f.fid,
                              "properties": {**f.attrs, "area_m2": round(f.area_m2, 2)},
                              "geometry": mapping(shapely.transform(f.geom, lambda xy: np.round(xy, precision)))}
                             for f in self.features]}


class _Visible:
    """A backend's ``load`` limited to the layers ``role`` may read."""

    def __init__(self, backend: LayerBackend, role: Role) -> None:
        self.backend = backend
        self.readable = {i.kind for i in backend.layers() if may_read(role, i.access)}

    def load(self, kind: LayerKind) -> Layer | None:
        return self.backend.load(kind) if kind in self.readable else None


def build_checks(backend: LayerBackend, settings: SpatialSettings):
    """A :class:`spatial.engine.CheckService` with the rule tables the settings name."""
    from spatial.engine import CheckService
    from spatial.rules import load_rules

    return CheckService(backend, load_rules(settings.rules_file or None), settings)
