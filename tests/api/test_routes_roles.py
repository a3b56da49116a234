"""Every keyed route: 401 without a valid key; the public role's key gets 403 on staff and admin routes,
and lower roles get 403 on routes above them. The role check comes before the request is read. Every key-less
route (``/public/*``) answers without a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.access import Role

P001 = json.loads((Path(__file__).resolve().parents[2] / "demo" / "projects" / "P-001.json").read_text("utf-8"))
FILE = {"files": {"file": ("plan.md", "SF-01-01 容积率2.0".encode())}}

# (method, path, request) -> the roles admitted
ROUTES: list[tuple[str, str, dict, set[Role]]] = [
    ("POST", "/reviews", {"json": P001}, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("POST", "/extract", FILE, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("POST", "/compare", {"files": {"old": ("a.geojson", b"{}"), "new": ("b.geojson", b"{}")}},
     {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("POST", "/documents", FILE, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("DELETE", "/documents/0000000000000000", {}, {Role.ADMIN}),
    ("GET", "/layers/qc", {}, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("POST", "/layers/planning_zones", FILE, {Role.OFFICER, Role.ADMIN}),
    ("GET", "/graph/chain?zone=SF-03", {}, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("GET", "/graph/balance?unit=SF-02", {}, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("GET", "/graph/stats", {}, {Role.OFFICER, Role.REVIEWER, Role.ADMIN}),
    ("GET", "/eval/suites", {}, {Role.REVIEWER, Role.ADMIN}),
    ("POST", "/eval/runs", {"json": {"suite": "verdicts"}}, {Role.REVIEWER, Role.ADMIN}),
    ("GET", "/eval/runs", {}, {Role.REVIEWER, Role.ADMIN}),
    ("GET", "/eval/runs/0123456789ab", {}, {Role.REVIEWER, Role.ADMIN}),
    ("GET", "/eval/runs/0123456789ab/report", {}, {Role.REVIEWER, Role.ADMIN}),
    ("GET", "/eval/runs/0123456789ab/predictions", {}, {Role.REVIEWER, Role.ADMIN}),
]
ANY_ROLE: list[tuple[str, str, dict]] = [
    ("POST", "/check", {"json": P001}),
    ("GET", "/whoami", {}),
    ("GET", "/documents", {}),
    ("GET", "/layers", {}),
    ("GET", "/layers/regulatory_parcels/features?limit=1", {}),
    ("GET", "/graph/rules?applies_to=永久基本农田", {}),
    ("GET", "/graph/authority?subject=农用地转用", {}),
    ("GET", "/graph/clause?id=x%23第一条", {}),
]
# key-less: the public role, whatever key is sent (rate-limited per client)
KEYLESS: list[tuple[str, str, dict]] = [
    ("POST", "/public/search", {"json": {"query": "永久基本农田"}}),
    ("POST", "/public/ask", {"json": {"question": "永久基本农田转为建设用地由谁批准？"}}),
    ("GET", "/public/layers", {}),
    ("GET", "/public/layers/regulatory_parcels/features?limit=1", {}),
    ("GET", "/public/documents", {}),
]
FORBIDDEN = [(m, p, r, role) for m, p, r, roles in ROUTES for role in Role if role not in roles]


@pytest.mark.parametrize("method, path, request_", [(m, p, r) for m, p, r, _ in ROUTES] + ANY_ROLE)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "om_not-a-key"}])
def test_keyed_routes_need_a_valid_key(api, method, path, request_, headers) -> None:
    got = api.client.request(method, path, headers=headers, **request_)
    assert got.status_code == 401, got.text
    assert got.json()["error"] == "unauthorized"


@pytest.mark.parametrize("method, path, request_, role", FORBIDDEN,
                         ids=[f"{m} {p.split('?')[0]} {role.value}" for m, p, _, role in FORBIDDEN])
def test_roles_below_a_route_get_403(api, method, path, request_, role) -> None:
    got = api.client.request(method, path, headers=api.headers(role), **request_)
    assert got.status_code == 403, got.text
    assert got.json()["error"] == "forbidden" and role.value in got.json()["message"]


def test_every_public_role_refusal_is_listed() -> None:
    assert {(m, p) for m, p, _, roles in ROUTES if Role.PUBLIC not in roles} == {(m, p) for m, p, *_ in ROUTES}


def test_every_keyed_route_is_covered(api) -> None:
    spec = api.client.get("/openapi.json").json()
    keyed = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops
             if not path.startswith("/public") and path not in ("/health",)}
    covered = {(m, p.split("?")[0]) for m, p, *_ in ROUTES + ANY_ROLE}
    covered = {(m, p.replace("0000000000000000", "{doc_id}").replace("0123456789ab", "{run_id}")
                .replace("planning_zones", "{kind}").replace("regulatory_parcels", "{kind}")) for m, p in covered}
    new = {("POST", "/search"), ("POST", "/ask")}  # the core's routes, tested in test_core
    assert keyed - new <= covered, sorted(keyed - new - covered)


@pytest.mark.parametrize("method, path, request_", KEYLESS)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "om_not-a-key"}])
def test_keyless_routes_answer_without_a_key(api, public_limit, method, path, request_, headers) -> None:
    got = api.client.request(method, path, headers=headers, **request_)
    assert got.status_code == 200, got.text


def test_every_keyless_route_is_covered(api) -> None:
    spec = api.client.get("/openapi.json").json()
    keyless = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops if path.startswith("/public")}
    covered = {(m, p.split("?")[0].replace("regulatory_parcels", "{kind}")) for m, p, _ in KEYLESS}
    assert keyless == covered, sorted(keyless ^ covered)


def test_openapi_documents_the_routes_with_summaries_and_examples(api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (method, path)
            assert "200" in op["responses"] or "201" in op["responses"] or "202" in op["responses"], (method, path)
    text = json.dumps(spec, ensure_ascii=False)
    for example in ("P-003", "永久基本农田", "SF-03", "ceval_val"):
        assert example in text
