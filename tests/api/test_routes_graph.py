"""``/graph/...``: 503 with the reason when the graph server cannot be reached; real queries on the embedded one."""

from __future__ import annotations

import pytest

from assistant.access import Role

QUERIES = ["/graph/chain?zone=SF-03", "/graph/balance?unit=SF-02", "/graph/rules?applies_to=永久基本农田",
           "/graph/authority?subject=永久基本农田转为建设用地", "/graph/clause?id=x%23第一条", "/graph/stats"]


@pytest.mark.parametrize("path", QUERIES)
def test_an_unreachable_graph_is_503_json(small_api, path) -> None:
    got = small_api.client.get(path, headers=small_api.headers(Role.ADMIN))
    assert got.status_code == 503, got.text
    body = got.json()
    assert body["error"] == "unavailable" and "knowledge graph" in body["message"] and "graph.uri" in body["message"]


@pytest.fixture(scope="module")
def graph(api):
    """The demo plan and the engine's rules in the embedded graph (ArcadeDB: a few seconds)."""
    from knowledge_graph.errors import GraphUnavailable

    try:
        api.container.graph.build(demo=True, from_catalog_docs=False)
    except GraphUnavailable as exc:
        pytest.skip(f"the embedded graph server cannot start here: {exc}")
    return api


def test_the_chain_of_a_zone(graph) -> None:
    got = graph.client.get("/graph/chain?zone=SF-03", headers=graph.headers(Role.OFFICER))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["zone_id"] == "SF-03" and body["chains"]
    assert body == graph.container.graph.chain("SF-03").model_dump(mode="json")
    missing = graph.client.get("/graph/chain?zone=NOWHERE-9", headers=graph.headers(Role.OFFICER))
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_rules_and_authority_by_role(graph) -> None:
    got = graph.client.get("/graph/rules?applies_to=永久基本农田", headers=graph.headers(Role.PUBLIC))
    assert got.status_code == 200, got.text
    assert got.json()["resolved"] and got.json()["rules"]
    unknown = graph.client.get("/graph/rules?applies_to=火星基地", headers=graph.headers(Role.PUBLIC))
    assert unknown.status_code == 404
    who = graph.client.get("/graph/authority?subject=永久基本农田转为建设用地", headers=graph.headers(Role.PUBLIC))
    assert who.status_code == 200 and set(who.json()) == {"question", "authority", "candidates"}


def test_graph_queries_need_their_parameters(graph) -> None:
    got = graph.client.get("/graph/chain", headers=graph.headers(Role.OFFICER))
    assert got.status_code == 422 and "zone" in got.json()["message"]
    got = graph.client.get("/graph/clause?id=nope%23第九百条", headers=graph.headers(Role.OFFICER))
    assert got.status_code == 404
