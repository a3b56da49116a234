"""Graph fixtures: ONE embedded ArcadeDB server for the whole test session.

Loaded as a plugin by the graph test modules (``pytest_plugins = ["tests.integration.conftest_graph"]``),
so the session fixtures are shared by ``tests/integration`` and ``tests/contract`` instead of being
defined once per module (which would start one server per module).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from assistant.settings import Settings, load_settings
from knowledge_graph.store import GraphStore


@pytest.fixture(scope="session")
def graph_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    workspace = tmp_path_factory.mktemp("graph-workspace")
    return load_settings("test", environ={"ONEMAP_HOME": str(workspace)})


@pytest.fixture(scope="session")
def graph_store(graph_settings: Settings) -> Iterator[GraphStore]:
    """The shared embedded store; tests that kill its server leave it restarted by the store itself."""
    store = GraphStore.from_settings(graph_settings)
    yield store
    store.close(stop_server=True)


def neo4j_params() -> dict[str, str] | None:
    """Connection of a Neo4j server for the contract tests, from NEO4J_URI (+ NEO4J_USER, NEO4J_PASSWORD,
    NEO4J_DATABASE), or None."""
    uri = os.environ.get("NEO4J_URI", "").strip()
    if not uri:
        return None
    return {
        "uri": uri,
        "user": os.environ.get("NEO4J_USER", "neo4j"),
        "password": os.environ.get("NEO4J_PASSWORD", ""),
        "database": os.environ.get("NEO4J_DATABASE", "neo4j"),
    }


@pytest.fixture(scope="session")
def neo4j_store() -> Iterator[GraphStore]:
    params = neo4j_params()
    if params is None:
        pytest.skip("NEO4J_URI is not set (Neo4j contract tests run only against a Neo4j server)")
    store = GraphStore.connect(params["uri"], params["user"], params["password"], database=params["database"])
    yield store
    store.close()
