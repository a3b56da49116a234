"""Fixtures of the backend contract tests: a throwaway PostGIS cluster and both backends.

The cluster (see :mod:`tests.postgis_cluster`) is started once per test session.
Without PostgreSQL 15 + PostGIS the PostGIS tests are skipped, or fail when
``ONEMAP_REQUIRE_POSTGIS=1`` (as ``make test`` sets it, so CI cannot pass
without them).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from spatial.memory import MemoryBackend
from tests.postgis_cluster import missing_requirements, start_cluster


def _required() -> bool:
    return os.environ.get("ONEMAP_REQUIRE_POSTGIS", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgis_dsn() -> Iterator[str]:
    """DSN of a fresh database with the postgis extension, on a cluster stopped and deleted at the end."""
    reason = missing_requirements()
    if reason:
        if _required():
            pytest.fail(f"ONEMAP_REQUIRE_POSTGIS=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster.dsn
    finally:
        cluster.stop()


def fresh_schema() -> str:
    """A schema name no other test uses, so tests sharing the cluster do not see each other's layers."""
    return f"t_{uuid.uuid4().hex[:12]}"


def drop_schema(dsn: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgis_backend(postgis_dsn: str):
    """A :class:`PostGISBackend` on its own schema, dropped afterwards."""
    from spatial.postgis import PostGISBackend

    schema = fresh_schema()
    backend = PostGISBackend(postgis_dsn, schema=schema)
    yield backend
    backend.close()
    drop_schema(postgis_dsn, schema)


@pytest.fixture
def memory_backend(tmp_path: Path):
    backend = MemoryBackend(tmp_path / "layers.sqlite")
    yield backend
    backend.close()
