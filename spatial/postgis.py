"""The PostGIS layer backend: the six layer kinds in PostgreSQL tables, queried with PostGIS.

It answers exactly as :class:`spatial.memory.MemoryBackend` does (the contract
tests in ``tests/contract`` hold both to the same results): intersections are
computed in lon/lat (EPSG:4490), then transformed to the caller's ``area_crs``
and measured; feature areas are the ones computed by Python at import.

Tables, in the configured schema (default ``onemap``)::

    layers    one row per imported kind (what :class:`LayerInfo` reports, plus the attribute order)
    features  kind, seq (import order), fid, attrs jsonb, geom geometry(Geometry,4490),
              area_m2, invalid_reason; GIST index on geom, primary key (kind, seq)

Examples
--------
>>> backend = PostGISBackend("postgresql://onemap@127.0.0.1:5432/onemap")  # doctest: +SKIP
>>> backend.overlaps(LayerKind.PERMANENT_BASIC_FARMLAND, site, "EPSG:4548").covered_area_m2  # doctest: +SKIP
3500.0
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from ingest.models import Access
from spatial.backend import KindOverlap, LayerInfo, Overlap
from spatial.crs import STORAGE_EPSG
from spatial.errors import BackendError
from spatial.kinds import LayerKind
from spatial.layers import Feature, Layer
from spatial.memory import info_for, now_stamp

_TABLES = """
CREATE TABLE IF NOT EXISTS layers (
    kind text PRIMARY KEY, access text NOT NULL, features integer NOT NULL, invalid integer NOT NULL,
    source text NOT NULL, source_crs text NOT NULL, sha256 text NOT NULL, imported_at text NOT NULL,
    minx double precision, miny double precision, maxx double precision, maxy double precision,
    area_m2 double precision NOT NULL, attr_keys jsonb NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS features (
    kind text NOT NULL, seq integer NOT NULL, fid text NOT NULL, attrs jsonb NOT NULL,
    geom geometry(Geometry, 4490) NOT NULL, area_m2 double precision NOT NULL, invalid_reason text,
    PRIMARY KEY (kind, seq)  -- also the index on kind
);
CREATE INDEX IF NOT EXISTS features_geom_gist ON features USING gist (geom);
-- features_where() looks parcels and units up by these (the attribute name is inlined so the index applies).
CREATE INDEX IF NOT EXISTS features_unit_id ON features (kind, (attrs ->> 'unit_id'));
CREATE INDEX IF NOT EXISTS features_parcel_id ON features (kind, (attrs ->> 'parcel_id'));
"""
_LAYER_COLUMNS = "kind, access, features, invalid, source, source_crs, sha256, imported_at, minx, miny, maxx, maxy, area_m2"
_UPSERT_LAYER = (f"INSERT INTO layers ({_LAYER_COLUMNS}, attr_keys) VALUES "
                 "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (kind) DO UPDATE SET "
                 + ", ".join(f"{c} = EXCLUDED.{c}" for c in [*_LAYER_COLUMNS.split(", ")[1:], "attr_keys"]))
_COPY = "COPY features (kind, seq, fid, attrs, geom, area_m2, invalid_reason) FROM STDIN"
_FEATURE_COLUMNS = "seq, fid, attrs, ST_AsBinary(geom), area_m2, invalid_reason"
# The first row (seq -1) carries the layer header; one statement, so one snapshot.
_LOAD = f"""
SELECT -1, NULL::text, jsonb_build_array(source, source_crs, sha256, attr_keys), NULL::bytea, NULL::float8, NULL::text
FROM layers WHERE kind = %(kind)s
UNION ALL SELECT {_FEATURE_COLUMNS} FROM features WHERE kind = %(kind)s
ORDER BY 1
"""
# Non-string values come back whole and are compared as Python text (str(value)) like the memory backend.
_WHERE = f"""
SELECT -1, NULL::text, attr_keys, NULL::bytea, NULL::float8, NULL::text FROM layers WHERE kind = %(kind)s
UNION ALL SELECT {_FEATURE_COLUMNS} FROM features
WHERE kind = %(kind)s AND attrs ->> {{attr}} = ANY(%(values)s)
ORDER BY 1
"""
# Per-feature rows in import order, then one row with the attribute order and the covered area.
_OVERLAPS = """
WITH part AS MATERIALIZED (
    SELECT f.seq, f.fid, f.attrs, f.area_m2, ST_Intersection(f.geom, g.geom) AS ix
    FROM features f, (SELECT ST_GeomFromWKB(%(wkb)s, 4490) AS geom) g
    WHERE f.kind = %(kind)s AND ST_Intersects(f.geom, g.geom)
), kept AS MATERIALIZED (
    SELECT * FROM (SELECT *, ST_Area(ST_Transform(ix, {target})) AS a FROM part) p WHERE a > 0
)
SELECT seq, fid, attrs, area_m2, a FROM kept
UNION ALL
SELECT NULL, NULL, (SELECT attr_keys FROM layers WHERE kind = %(kind)s), NULL,
       CASE WHEN count(*) > 1 THEN ST_Area(ST_Transform(ST_Union(ix), {target})) ELSE coalesce(sum(a), 0) END
FROM kept
ORDER BY 1 NULLS LAST
"""
_OVERLAPS_SRID = _OVERLAPS.format(target="%(target)s::integer")
_OVERLAPS_PROJ = _OVERLAPS.format(target="%(target)s::text")
_EPSG = re.compile(r"^EPSG:(\d+)$", re.IGNORECASE)
# The postgis extension's schema (NULL when not installed) and whether both tables exist.
_STATE = """
SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'postgis'),
       to_regclass(format('%%I.layers', %(schema)s::text)) IS NOT NULL
       AND to_regclass(format('%%I.features', %(schema)s::text)) IS NOT NULL
"""
_EPSG_SRIDS = "SELECT srid FROM spatial_ref_sys WHERE auth_name = 'EPSG' AND auth_srid = srid"


class PostGISBackend:
    """Layers in PostgreSQL/PostGIS, queried with ``ST_Intersects``/``ST_Intersection``/``ST_Area``.

    Parameters
    ----------
    dsn
        libpq connection string or URI, e.g. ``postgresql://onemap@127.0.0.1:5432/onemap``.
    schema
        Schema holding the ``layers`` and ``features`` tables; created when missing, together
        with the ``postgis`` extension.

    Raises
    ------
    BackendError
        The server is unreachable, or the schema or extension cannot be created.

    Notes
    -----
    One connection (autocommit, reconnected after a failure) serialised by a lock; each query
    is one round trip. Imports stream rows with ``COPY`` (hex EWKB geometries) in one transaction.
    """

    name = "postgis"

    def __init__(self, dsn: str, schema: str = "onemap") -> None:
        self.dsn = dsn
        self.schema = schema
        self._where = _describe(dsn)
        self._lock = threading.RLock()
        self._srids: frozenset[int] = frozenset()
        self._conn: psycopg.Connection | None = None
        with self._lock:
            self._live()

    # ------------------------------------------------------------------ writes

    def import_layer(self, layer: Layer, access: Access) -> LayerInfo:
        """Replace the layer of ``layer.kind`` in one transaction (DELETE, COPY, upsert), then ANALYZE."""
        info = info_for(layer, access, now_stamp())
        with self._cursor(atomic=True) as cur:
            cur.execute("DELETE FROM features WHERE kind = %s", (layer.kind.value,))
            with cur.copy(_COPY) as copy:
                for row in _feature_rows(layer):
                    copy.write_row(row)
            cur.execute(_UPSERT_LAYER, _layer_row(info, _key_order(layer.attrs)))
        with self._cursor() as cur:
            cur.execute("ANALYZE features")
        return info

    def remove(self, kind: LayerKind) -> bool:
        with self._cursor(atomic=True) as cur:
            cur.execute("DELETE FROM features WHERE kind = %s", (kind.value,))
            cur.execute("DELETE FROM layers WHERE kind = %s", (kind.value,))
            return cur.rowcount > 0

    # ------------------------------------------------------------------ reads

    def layers(self) -> list[LayerInfo]:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {_LAYER_COLUMNS} FROM layers").fetchall()
        order = list(LayerKind)
        return sorted((_info(r) for r in rows), key=lambda i: order.index(i.kind))

    def info(self, kind: LayerKind) -> LayerInfo | None:
        with self._cursor() as cur:
            row = cur.execute(f"SELECT {_LAYER_COLUMNS} FROM layers WHERE kind = %s", (kind.value,)).fetchone()
        return _info(row) if row else None

    def load(self, kind: LayerKind) -> Layer | None:
        with self._cursor() as cur:
            rows = cur.execute(_LOAD, {"kind": kind.value}).fetchall()
        if not rows:
            return None
        source, source_crs, sha256, keys = rows[0][2]
        features = rows[1:]
        return Layer(kind=kind, fids=[r[1] for r in features], attrs=[_ordered(r[2], keys) for r in features],
                     geoms=_geoms([r[3] for r in features]), areas=np.array([r[4] for r in features], dtype=float),
                     invalid=[r[5] for r in features], source=source, source_crs=source_crs, sha256=sha256)

    def overlaps(self, kind: LayerKind, geom: BaseGeometry, area_crs: str) -> KindOverlap:
        """Features of ``kind`` intersecting ``geom`` with positive area, areas measured in ``area_crs``."""
        query, target = self._target(area_crs)
        params = {"wkb": shapely.to_wkb(geom, include_srid=False), "kind": kind.value, "target": target}
        with self._cursor() as cur:
            rows = cur.execute(query, params).fetchall()
        *hits, (_, _, keys, _, covered) = rows
        overlaps = tuple(Overlap(fid, _ordered(attrs, keys), area, a) for _, fid, attrs, area, a in hits)
        return KindOverlap(kind, overlaps, float(covered))

    def features_where(self, kind: LayerKind, attr: str, values: list[str]) -> list[Feature]:
        wanted = [str(v) for v in values]
        with self._cursor() as cur:
            query = sql.SQL(_WHERE).format(attr=sql.Literal(attr))
            # jsonb prints booleans as true/false where Python's str() gives True/False; rows are re-filtered below.
            sql_values = wanted + [v.lower() for v in wanted if v in ("True", "False")]
            rows = cur.execute(query, {"kind": kind.value, "values": sql_values}).fetchall()
        if not rows:
            return []
        keys, wanted_set = rows[0][2], set(wanted)
        rows = [r for r in rows[1:] if str(r[2][attr]) in wanted_set]
        geoms = _geoms([r[3] for r in rows])
        return [Feature(r[1], _ordered(r[2], keys), g, r[4], r[5]) for r, g in zip(rows, geoms, strict=True)]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # ------------------------------------------------------------------ connection

    @contextmanager
    def _cursor(self, *, atomic: bool = False) -> Iterator[psycopg.Cursor]:
        """A binary cursor on the live connection, in a transaction when ``atomic``; errors → BackendError."""
        with self._lock:
            conn = self._live()
            try:
                with conn.transaction() if atomic else nullcontext(), conn.cursor(binary=True) as cur:
                    yield cur
            except psycopg.OperationalError as exc:
                raise BackendError(f"lost the connection to PostGIS at {self._where} ({_first_line(exc)}); "
                                   "check that the server is up and retry") from None
            except psycopg.Error as exc:
                raise BackendError(f"PostGIS at {self._where} failed a layer query ({_first_line(exc)}); "
                                   "check the project geometry and the area CRS, then the server log") from None

    def _live(self) -> psycopg.Connection:
        """The open connection, (re)connecting and preparing the schema when needed."""
        if self._conn is None or self._conn.closed:
            conn = self._connect()
            try:
                self._prepare(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _connect(self) -> psycopg.Connection:
        extra = {} if "connect_timeout" in _params(self.dsn) else {"connect_timeout": 10}
        try:
            return psycopg.connect(self.dsn, autocommit=True, **extra)
        except psycopg.Error as exc:
            raise BackendError(f"cannot connect to PostGIS at {self._where} ({_first_line(exc)}); start the server "
                               "or fix spatial.postgis_dsn (ONEMAP__SPATIAL__POSTGIS_DSN)") from None

    def _prepare(self, conn: psycopg.Connection) -> None:
        """Create what is missing (extension, schema, tables), set the search path, read the known SRIDs."""
        try:
            ext, ready = conn.execute(_STATE, {"schema": self.schema}).fetchone()
            if ext is None or not ready:
                ext = self._create(conn)
            conn.execute(sql.SQL("SET search_path TO {}, {}").format(sql.Identifier(self.schema),
                                                                     sql.Identifier(ext)))
            self._srids = frozenset(r[0] for r in conn.execute(_EPSG_SRIDS))
        except psycopg.Error as exc:
            raise BackendError(f"cannot prepare schema {self.schema!r} in PostGIS at {self._where} "
                               f"({_first_line(exc)}); let a superuser run CREATE EXTENSION postgis there "
                               "or grant the user CREATE on the database") from None

    def _create(self, conn: psycopg.Connection) -> str:
        """Create the extension, schema and tables in one transaction under an advisory lock; the
        extension's schema."""
        schema = sql.Identifier(self.schema)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('onemap-copilot layer schema'))")
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
            ext = conn.execute(_STATE, {"schema": self.schema}).fetchone()[0]
            conn.execute(sql.SQL("SET LOCAL search_path TO {}, {}").format(schema, sql.Identifier(ext)))
            conn.execute(_TABLES)
        return ext

    def _target(self, area_crs: str) -> tuple[str, int | str]:
        """The overlap query and ST_Transform target: an SRID for known EPSG codes, else the PROJ string."""
        m = _EPSG.match(area_crs.strip())
        if m and int(m.group(1)) in self._srids:
            return _OVERLAPS_SRID, int(m.group(1))
        return _OVERLAPS_PROJ, area_crs


# --------------------------------------------------------------------------- rows in and out


def _feature_rows(layer: Layer) -> Iterator[tuple[Any, ...]]:
    """COPY rows: kind, seq, fid, attrs (JSON text), hex EWKB (SRID 4490, 2D), area, invalid reason."""
    geoms = shapely.set_srid(shapely.force_2d(np.asarray(layer.geoms, dtype=object)), STORAGE_EPSG)
    ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
    kind = layer.kind.value
    for i in range(len(layer)):
        yield (kind, i, layer.fids[i], _json(layer.attrs[i]), ewkb[i], float(layer.areas[i]), layer.invalid[i])


def _layer_row(info: LayerInfo, keys: list[str]) -> tuple[Any, ...]:
    bounds = tuple(None if math.isnan(v) else v for v in info.bounds)  # as SQLite stores NaN
    return (info.kind.value, info.access.value, info.features, info.invalid, info.source, info.source_crs,
            info.sha256, info.imported_at, *bounds, info.area_m2, json.dumps(keys, ensure_ascii=False))


def _info(r: tuple[Any, ...]) -> LayerInfo:
    return LayerInfo(kind=LayerKind(r[0]), access=Access(r[1]), features=r[2], invalid=r[3], source=r[4],
                     source_crs=r[5], sha256=r[6], imported_at=r[7], bounds=(r[8], r[9], r[10], r[11]),
                     area_m2=r[12])


def _json(attrs: dict[str, Any]) -> str:
    """Attributes as JSON text for jsonb (which cannot hold NaN or infinity: those become null)."""
    clean = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in attrs.items()}
    return json.dumps(clean, ensure_ascii=False)


def _key_order(attrs: list[dict[str, Any]]) -> list[str]:
    """Attribute names in first-seen order (jsonb does not keep key order; this restores it)."""
    return list(dict.fromkeys(k for a in attrs for k in a))


def _ordered(attrs: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out = {k: attrs[k] for k in keys if k in attrs}
    out.update(attrs)
    return out


def _geoms(wkbs: list[bytes]) -> np.ndarray:
    if not wkbs:
        return np.array([], dtype=object)
    return np.asarray(shapely.from_wkb(np.array(wkbs, dtype=object)), dtype=object)


# --------------------------------------------------------------------------- messages


def _params(dsn: str) -> dict[str, str]:
    try:
        return psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        raise BackendError("spatial.postgis_dsn is not a libpq connection string; "
                           "use e.g. postgresql://onemap@127.0.0.1:5432/onemap") from None


def _describe(dsn: str) -> str:
    """``user@host:port/dbname`` of a DSN, without the password."""
    p = _params(dsn)
    user = f"{p['user']}@" if p.get("user") else ""
    return f"{user}{p.get('host', 'localhost')}:{p.get('port', '5432')}/{p.get('dbname', '')}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
