"""The embedded layer backend: layers persisted in ``layers.sqlite`` in the
workspace, queried in memory with shapely 2 and an STRtree per kind.

Layers are loaded lazily on first use and reloaded when another process has
imported a newer version (the ``imported_at`` stamp in SQLite changes).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ingest.models import Access
from spatial import crs as crs_mod
from spatial.backend import KindOverlap, LayerInfo, Overlap
from spatial.kinds import LayerKind
from spatial.layers import Feature, Layer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS layers (
    kind TEXT PRIMARY KEY, access TEXT NOT NULL, features INTEGER NOT NULL, invalid INTEGER NOT NULL,
    source TEXT NOT NULL, source_crs TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at TEXT NOT NULL,
    minx REAL, miny REAL, maxx REAL, maxy REAL, area_m2 REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS features (
    kind TEXT NOT NULL, seq INTEGER NOT NULL, fid TEXT NOT NULL, attrs TEXT NOT NULL, wkb BLOB NOT NULL,
    area_m2 REAL NOT NULL, invalid_reason TEXT, PRIMARY KEY (kind, seq)
);
"""


def now_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def info_for(layer: Layer, access: Access, imported_at: str) -> LayerInfo:
    bounds = tuple(float(v) for v in shapely.total_bounds(layer.geoms)) if len(layer) else (0.0, 0.0, 0.0, 0.0)
    return LayerInfo(kind=layer.kind, access=access, features=len(layer),
                     invalid=sum(1 for r in layer.invalid if r), source=layer.source, source_crs=layer.source_crs,
                     sha256=layer.sha256, imported_at=imported_at, bounds=bounds,  # type: ignore[arg-type]
                     area_m2=float(np.sum(layer.areas)))


@dataclass
class _Loaded:
    stamp: str
    layer: Layer
    tree: shapely.STRtree
    by_attr: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def index(self, attr: str) -> dict[str, list[int]]:
        """Feature positions by the text of ``attr`` (built once per attribute)."""
        if attr not in self.by_attr:
            idx: dict[str, list[int]] = {}
            for i, a in enumerate(self.layer.attrs):
                value = a.get(attr)
                if value is not None:
                    idx.setdefault(str(value), []).append(i)
            self.by_attr[attr] = idx
        return self.by_attr[attr]


class MemoryBackend:
    """SQLite-persisted layers, STRtree queries in memory."""

    name = "memory"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._cache: dict[LayerKind, _Loaded] = {}

    # ------------------------------------------------------------------ writes

    def import_layer(self, layer: Layer, access: Access) -> LayerInfo:
        stamp = now_stamp()
        info = info_for(layer, access, stamp)
        wkb = shapely.to_wkb(layer.geoms, include_srid=False)
        rows = ((layer.kind.value, i, layer.fids[i], json.dumps(layer.attrs[i], ensure_ascii=False), wkb[i],
                 float(layer.areas[i]), layer.invalid[i]) for i in range(len(layer)))
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM features WHERE kind = ?", (layer.kind.value,))
                self._db.executemany("INSERT INTO features VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                self._db.execute(
                    "INSERT OR REPLACE INTO layers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (layer.kind.value, access.value, info.features, info.invalid, info.source, info.source_crs,
                     info.sha256, stamp, *info.bounds, info.area_m2))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._cache[layer.kind] = _Loaded(stamp, layer, shapely.STRtree(layer.geoms))
        return info

    def remove(self, kind: LayerKind) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM features WHERE kind = ?", (kind.value,))
                cur = self._db.execute("DELETE FROM layers WHERE kind = ?", (kind.value,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._cache.pop(kind, None)
        return cur.rowcount > 0

    # ------------------------------------------------------------------ reads

    def layers(self) -> list[LayerInfo]:
        rows = self._db.execute("SELECT * FROM layers").fetchall()
        infos = [self._info_row(r) for r in rows]
        order = list(LayerKind)
        return sorted(infos, key=lambda i: order.index(i.kind))

    def info(self, kind: LayerKind) -> LayerInfo | None:
        row = self._db.execute("SELECT * FROM layers WHERE kind = ?", (kind.value,)).fetchone()
        return self._info_row(row) if row else None

    def load(self, kind: LayerKind) -> Layer | None:
        """The cached layer itself: callers must treat it as read-only."""
        loaded = self._loaded(kind)
        return loaded.layer if loaded else None

    def overlaps(self, kind: LayerKind, geom: BaseGeometry, area_crs: str) -> KindOverlap:
        loaded = self._loaded(kind)
        if loaded is None:
            return KindOverlap(kind, (), 0.0)
        idx = loaded.tree.query(geom, predicate="intersects")
        if len(idx) == 0:
            return KindOverlap(kind, (), 0.0)
        idx = np.sort(idx)
        layer = loaded.layer
        parts = shapely.intersection(layer.geoms[idx], geom)
        projected = crs_mod.transform_many(parts, f"EPSG:{crs_mod.STORAGE_EPSG}", area_crs)
        areas = shapely.area(projected)
        keep = areas > 0
        overlaps = tuple(Overlap(layer.fids[i], layer.attrs[i], float(layer.areas[i]), float(a))
                         for i, a in zip(idx[keep], areas[keep], strict=True))
        # The union matters only where features of one kind overlap each other. It is taken in lon/lat, where
        # the parts are valid (a projected part can self-intersect), then projected: PostGIS does the same.
        covered = (float(areas[keep].sum()) if len(overlaps) <= 1 else
                   crs_mod.area_m2(shapely.union_all(parts[keep]), area_crs))
        return KindOverlap(kind, overlaps, covered)

    def features_where(self, kind: LayerKind, attr: str, values: list[str]) -> list[Feature]:
        loaded = self._loaded(kind)
        if loaded is None:
            return []
        index = loaded.index(attr)
        positions = sorted({i for v in values for i in index.get(str(v), ())})
        return [loaded.layer.feature(i) for i in positions]

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._cache.clear()

    # ------------------------------------------------------------------ internals

    def _loaded(self, kind: LayerKind) -> _Loaded | None:
        row = self._db.execute("SELECT imported_at, source, source_crs, sha256 FROM layers WHERE kind = ?",
                               (kind.value,)).fetchone()
        if row is None:
            self._cache.pop(kind, None)
            return None
        with self._lock:
            cached = self._cache.get(kind)
            if cached and cached.stamp == row[0]:
                return cached
            rows = self._db.execute(
                "SELECT fid, attrs, wkb, area_m2, invalid_reason FROM features WHERE kind = ? ORDER BY seq",
                (kind.value,)).fetchall()
            geoms = shapely.from_wkb(np.array([r[2] for r in rows], dtype=object)) if rows else np.array([])
            layer = Layer(kind=kind, fids=[r[0] for r in rows], attrs=[json.loads(r[1]) for r in rows],
                          geoms=np.asarray(geoms, dtype=object), areas=np.array([r[3] for r in rows], dtype=float),
                          invalid=[r[4] for r in rows], source=row[1], source_crs=row[2], sha256=row[3])
            loaded = _Loaded(row[0], layer, shapely.STRtree(layer.geoms))
            self._cache[kind] = loaded
            return loaded

    @staticmethod
    def _info_row(r: tuple) -> LayerInfo:
        return LayerInfo(kind=LayerKind(r[0]), access=Access(r[1]), features=r[2], invalid=r[3], source=r[4],
                         source_crs=r[5], sha256=r[6], imported_at=r[7], bounds=(r[8], r[9], r[10], r[11]),
                         area_m2=r[12])
