"""``/documents``: the library filtered by role, uploads ingested by content, deletes by id; ``/public/documents``:
the public documents for the key-less library."""

from __future__ import annotations

import uuid
from pathlib import PurePath

import pytest

from assistant.access import Role
from tests.api.conftest import CONFIDENTIAL_MARK, INTERNAL_MARK


def doc_text(marker: str) -> bytes:
    return f"# 示范县临时用地管理规定\n\n第一条 {marker}：凤尾竹湾临时堆场用地期限一般不超过两年。\n".encode()


def levels(api, role: Role) -> set[str]:
    got = api.client.get("/documents", headers=api.headers(role))
    assert got.status_code == 200, got.text
    return {d["access"] for d in got.json()}


def test_each_role_lists_only_the_levels_it_may_read(api) -> None:
    assert levels(api, Role.PUBLIC) == {"public"}
    assert levels(api, Role.OFFICER) == {"public", "internal"}
    assert levels(api, Role.REVIEWER) == {"public", "internal"}
    assert levels(api, Role.ADMIN) == {"public", "internal", "confidential"}


def test_the_list_matches_the_catalog(api) -> None:
    got = api.client.get("/documents", headers=api.headers(Role.ADMIN)).json()
    assert sorted(d["doc_id"] for d in got) == sorted(d.doc_id for d in api.container.catalog.documents())
    assert set(got[0]) == {"doc_id", "title", "version", "doc_type", "access", "chunks", "source"}


def test_an_upload_is_ingested_once_by_content_and_can_be_deleted(api) -> None:
    marker = f"临时用地编号TL-{uuid.uuid4().hex[:6]}"
    name = f"示范县临时用地管理规定-{marker[-6:]}.md"
    files = {"file": (name, doc_text(marker))}
    first = api.client.post("/documents", files=files, data={"access": "internal"}, headers=api.headers(Role.OFFICER))
    assert first.status_code == 201, first.text
    added = first.json()
    assert added["status"] == "added" and added["access"] == "internal" and added["chunks"] >= 1
    again = api.client.post("/documents", files=files, data={"access": "internal"}, headers=api.headers(Role.OFFICER))
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert again.json()["doc_id"] == added["doc_id"]

    query = {"query": "凤尾竹湾", "k": 10}
    hits = api.client.post("/search", json=query, headers=api.headers(Role.OFFICER)).json()["hits"]
    assert any(h["doc_id"] == added["doc_id"] for h in hits)
    public = api.client.post("/search", json=query, headers=api.headers(Role.PUBLIC)).json()
    assert not any(h["doc_id"] == added["doc_id"] for h in public["hits"])
    listed = {d["doc_id"]: d for d in api.client.get("/documents", headers=api.headers(Role.ADMIN)).json()}
    kept = listed[added["doc_id"]]["source"]
    assert kept.endswith(name) and str(api.container.settings.workspace) in kept  # kept in the workspace

    gone = api.client.delete(f"/documents/{added['doc_id']}", headers=api.headers(Role.ADMIN))
    assert gone.status_code == 200 and gone.json() == {"removed": added["doc_id"]}
    assert added["doc_id"] not in {d["doc_id"] for d in api.client.get("/documents", headers=api.headers(Role.ADMIN)).json()}
    hits = api.client.post("/search", json=query, headers=api.headers(Role.ADMIN)).json()["hits"]
    assert not any(h["doc_id"] == added["doc_id"] for h in hits)
    assert not list(api.container.settings.workspace.rglob(name))  # the kept copy went with it
    again = api.client.delete(f"/documents/{added['doc_id']}", headers=api.headers(Role.ADMIN))
    assert again.status_code == 404 and again.json()["error"] == "not_found"


def test_only_admin_uploads_confidential_documents(api) -> None:
    files = {"file": (f"机密测试-{uuid.uuid4().hex[:6]}.md", doc_text("机密测试"))}
    got = api.client.post("/documents", files=files, data={"access": "confidential"}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 403 and got.json()["error"] == "forbidden"
    got = api.client.post("/documents", files=files, data={"access": "confidential"}, headers=api.headers(Role.ADMIN))
    assert got.status_code == 201 and got.json()["access"] == "confidential"
    api.client.delete(f"/documents/{got.json()['doc_id']}", headers=api.headers(Role.ADMIN))


def test_an_officer_cannot_overwrite_a_confidential_document(api) -> None:
    secret = next(d for d in api.container.catalog.documents() if d.access == "confidential")
    name = f"{secret.title}({secret.version}).md" if secret.version else f"{secret.title}.md"
    got = api.client.post("/documents", files={"file": (name, "# 替换\n\n第一条 公开内容。\n".encode())},
                          data={"access": "internal"}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 403, got.text
    still = api.container.catalog.document(secret.doc_id)
    assert still.access == "confidential" and still.content_hash == secret.content_hash
    hits = api.client.post("/search", json={"query": "永久基本农田储备区核查", "k": 10}, headers=api.headers(Role.ADMIN))
    assert CONFIDENTIAL_MARK in hits.text


def test_front_matter_can_only_make_a_document_stricter(api) -> None:
    text = f"---\naccess: internal\n---\n# 内部通知\n\n第一条 {INTERNAL_MARK}-fm：仅供内部。\n".encode()
    got = api.client.post("/documents", files={"file": (f"内部通知-{uuid.uuid4().hex[:6]}.md", text)},
                          data={"access": "public"}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 201, got.text
    assert got.json()["access"] == "internal"
    api.client.delete(f"/documents/{got.json()['doc_id']}", headers=api.headers(Role.ADMIN))


@pytest.mark.parametrize("name, content, status", [
    ("empty.md", b"", 422),
    ("table.xlsx", b"PK", 422),
    ("../../etc/cron.d/evil.md", doc_text("x"), 400),
    ("/tmp/evil.md", doc_text("x"), 400),
])
def test_bad_uploads_are_refused(api, name, content, status) -> None:
    before = len(api.container.catalog.documents())
    got = api.client.post("/documents", files={"file": (name, content)}, headers=api.headers(Role.OFFICER))
    assert got.status_code == status, got.text
    assert got.json()["message"] and "onemap-upload-" not in got.json()["message"]
    assert len(api.container.catalog.documents()) == before
    assert not list((api.container.settings.workspace / "uploads").rglob("evil.md"))


def test_unknown_access_levels_are_422(api) -> None:
    got = api.client.post("/documents", files={"file": ("x.md", doc_text("x"))}, data={"access": "secret"},
                          headers=api.headers(Role.ADMIN))
    assert got.status_code == 422 and "access" in got.json()["message"]


# ---------------------------------------------------------------- the public library (no key)

# the demo county's documents above the public level (demo/documents/internal, demo/documents/confidential)
DEMO_HIDDEN = {("示范县自然资源局关于县城南片区控规修改的内部审查意见", "internal"),
               ("示范县生态保护红线内重点项目选址比选报告（涉密）", "confidential")}


def test_the_public_library_lists_only_the_public_documents(api, public_limit) -> None:
    admin = api.client.get("/documents", headers=api.headers(Role.ADMIN)).json()
    got = api.client.get("/public/documents")
    assert got.status_code == 200, got.text
    public = got.json()
    # the same documents; where their files lie on the server is for admin only (the file's name for the others)
    assert public and public == [{**d, "source": PurePath(d["source"]).name} for d in admin if d["access"] == "public"]
    assert all("/" in d["source"] for d in admin) and not any("/" in d["source"] for d in public)
    assert public == api.client.get("/documents", headers=api.headers(Role.PUBLIC)).json()
    officer = api.client.get("/documents", headers=api.headers(Role.OFFICER)).json()
    assert officer and not any("/" in d["source"] or str(api.container.settings.workspace) in d["source"]
                               for d in officer)
    # the demo world's internal and confidential documents (demo/documents/, and the planted texts) stay out
    hidden = {d["doc_id"]: d for d in admin if d["access"] != "public"}
    assert {d["access"] for d in hidden.values()} == {"internal", "confidential"}
    assert {(d["title"], d["access"]) for d in hidden.values()} >= DEMO_HIDDEN
    assert not {d["doc_id"] for d in public} & set(hidden)
    assert not {d["title"] for d in public} & {d["title"] for d in hidden.values()}
    for title, _ in DEMO_HIDDEN:
        assert title not in got.text
    # a key does not widen the public route: it acts as the public role whatever is sent
    for role in (Role.ADMIN, Role.OFFICER):
        assert api.client.get("/public/documents", headers=api.headers(role)).json() == public
    assert api.client.get("/public/documents", headers={"Authorization": f"Bearer {api.keys[Role.ADMIN]}"}
                          ).json() == public


def test_the_public_library_shares_the_maps_bucket_not_the_questions(api, public_limit) -> None:
    from api.ratelimit import RateLimiter

    app = api.client.app
    app.state.public_browse_limiter = RateLimiter(60, burst=2)  # public_limit puts the app's own back after
    got = [api.client.get(path) for path in ("/public/documents", "/public/layers", "/public/documents",
                                              "/public/layers/planning_zones/features")]
    assert [g.status_code for g in got] == [200, 200, 429, 429]
    assert got[2].json()["error"] == "too_many_requests" and int(got[2].headers["Retry-After"]) >= 1
    # browsing spent its own bucket only: the visitor's questions are untouched
    assert api.client.post("/public/search", json={"query": "永久基本农田"}).status_code == 200


def test_openapi_documents_the_public_library(api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    op = paths["/public/documents"]["get"]
    assert op["summary"] and {"200", "429"} <= set(op["responses"])
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"].endswith("/DocumentInfo")
    assert not any(p["in"] == "header" for p in op.get("parameters", []))  # no key header: the public role
    for path in ("/public/documents", "/public/layers", "/public/layers/{kind}/features"):  # one bucket, one text
        assert "api.public_browse_rate_per_minute" in paths[path]["get"]["responses"]["429"]["description"], path
