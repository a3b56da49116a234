"""The layer backend contract: what the check engine asks of a layer store.

Two implementations: :class:`spatial.memory.MemoryBackend` (SQLite in the
workspace + shapely STRtree in memory, the embedded default) and
:class:`spatial.postgis.PostGISBackend` (at scale). Contract tests run the same
checks on both and require the same statuses and areas.

All geometries crossing this boundary are CGCS2000 lon/lat (EPSG:4490). Areas
are computed by the backend after intersecting in lon/lat, in the CRS the
caller names (``area_crs``, a string for PROJ, e.g. ``"EPSG:4548"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from shapely.geometry.base import BaseGeometry

from ingest.models import Access
from spatial.kinds import LayerKind
from spatial.layers import Feature, Layer


@dataclass(frozen=True)
class LayerInfo:
    """What is loaded for one kind."""

    kind: LayerKind
    access: Access
    features: int
    invalid: int
    source: str
    source_crs: str
    sha256: str
    imported_at: str
    bounds: tuple[float, float, float, float]
    area_m2: float

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "label": self.kind.label, "access": self.access.value,
                "features": self.features, "invalid_geometries": self.invalid, "source": self.source,
                "source_crs": self.source_crs, "sha256": self.sha256, "imported_at": self.imported_at,
                "bounds": [round(v, 7) for v in self.bounds], "area_m2": round(self.area_m2, 2)}


@dataclass(frozen=True)
class Overlap:
    """One feature the project intersects with a positive area."""

    fid: str
    attrs: dict[str, Any]
    feature_area_m2: float
    overlap_area_m2: float


@dataclass(frozen=True)
class KindOverlap:
    """The project against one kind: per-feature overlaps and the area of their union."""

    kind: LayerKind
    overlaps: tuple[Overlap, ...]
    covered_area_m2: float

    @property
    def feature_ids(self) -> list[str]:
        return [o.fid for o in self.overlaps]


class LayerBackend(Protocol):
    """Storage and spatial queries for the six layer kinds."""

    name: str

    def import_layer(self, layer: Layer, access: Access) -> LayerInfo:
        """Replace the layer of ``layer.kind`` atomically; returns what is now loaded."""
        ...

    def remove(self, kind: LayerKind) -> bool: ...

    def layers(self) -> list[LayerInfo]: ...

    def info(self, kind: LayerKind) -> LayerInfo | None: ...

    def overlaps(self, kind: LayerKind, geom: BaseGeometry, area_crs: str) -> KindOverlap:
        """Features of ``kind`` intersecting ``geom`` with positive area, areas measured in ``area_crs``."""
        ...

    def features_where(self, kind: LayerKind, attr: str, values: list[str]) -> list[Feature]:
        """Features of ``kind`` whose attribute ``attr`` is one of ``values`` (as text), in import order."""
        ...

    def load(self, kind: LayerKind) -> Layer | None:
        """All features of ``kind`` (for quality control), or None if not imported."""
        ...

    def close(self) -> None: ...
