"""``/documents``: the library filtered by role, uploads ingested by content, deletes by id."""

from __future__ import annotations

import uuid

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
    listed = {d["doc_id"]: d for d in api.client.get("/documents", headers=api.headers(Role.OFFICER)).json()}
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
