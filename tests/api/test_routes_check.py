"""``POST /check`` and ``POST /reviews``: the CLI's check and review services over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.access import Role
from ingest.models import Access
from spatial.kinds import LayerKind
from tests.support.api_world import layer_at

PROJECTS = Path(__file__).resolve().parents[2] / "demo" / "projects"


def project(pid: str) -> dict:
    return json.loads((PROJECTS / f"{pid}.json").read_text(encoding="utf-8"))


def test_check_returns_the_engines_verdict(api) -> None:
    from spatial.project import parse_project

    got = api.client.post("/check", json=project("P-003"), headers=api.headers(Role.OFFICER))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["project_id"] == "P-003" and body["overall"] == "fail"
    assert {c["check"]: c["status"] for c in body["checks"]}["far"] == "fail"
    same = api.container.checks.check(parse_project(project("P-003")), role=Role.OFFICER)
    assert body == same.model_dump(mode="json")  # the CLI's service, unchanged


def test_a_check_is_recorded_in_the_audit_trail_with_the_keys_name(api) -> None:
    api.client.post("/check", json=project("P-001"), headers=api.headers(Role.REVIEWER))
    record = api.container.audit.list(limit=1, kind="check")[0]
    assert record.actor == "test-reviewer" and record.role == "reviewer"
    assert record.request["project"]["id"] == "P-001" and record.result["overall"] == "pass"
    assert api.container.audit.verify().ok


def test_the_public_role_checks_against_public_layers_only(api) -> None:
    with layer_at(api.container, LayerKind.PERMANENT_BASIC_FARMLAND, Access.CONFIDENTIAL):
        statuses = {}
        for role in (Role.ADMIN, Role.OFFICER, Role.PUBLIC):
            got = api.client.post("/check", json=project("P-002"), headers=api.headers(role))
            assert got.status_code == 200, got.text
            statuses[role] = {c["check"]: c["status"] for c in got.json()["checks"]}["permanent_basic_farmland"]
    assert statuses == {Role.ADMIN: "fail", Role.OFFICER: "unknown", Role.PUBLIC: "unknown"}


@pytest.mark.parametrize("body, says", [
    ({"name": "无编号"}, "id"),
    ({"id": "X-1"}, "geometry"),
    ({"id": "X-1", "geometry": {"type": "Point", "coordinates": [116.18, 23.77]}}, "Point"),
    ({**project("P-001"), "land_use": "999999"}, "land_use"),
    ({**project("P-001"), "project_type": "castle"}, "project_type"),
    ({**project("P-001"), "geometry": {"type": "Polygon", "coordinates": [[[23.77, 116.18], [23.78, 116.18],
                                                                           [23.78, 116.19], [23.77, 116.18]]]}},
     "China"),
    ({**project("P-001"), "indicators": {"far": "high"}}, "far"),
])
def test_invalid_projects_are_422_with_the_reason(api, body, says) -> None:
    got = api.client.post("/check", json=body, headers=api.headers(Role.OFFICER))
    assert got.status_code == 422, got.text
    assert got.json()["error"] == "invalid_request" and says in got.text


def test_a_review_downloads_as_markdown_by_default(api) -> None:
    got = api.client.post("/reviews", json=project("P-003"), headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/markdown")
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="P-003.md"' in disposition
    assert "filename*=UTF-8''" in disposition and "/" not in disposition.split("filename*=")[1]
    text = got.text
    assert "审查意见书" in text and "P-003" in text and "model=false" in text  # the no-model note says why
    record = api.container.audit.list(limit=1, kind="review")[0]
    assert record.actor == "test-reviewer" and record.result["report"]["bytes"] == len(got.content)


@pytest.mark.parametrize("fmt, magic, media", [
    ("docx", b"PK", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pdf", b"%PDF", "application/pdf"),
])
def test_a_review_downloads_as_docx_and_pdf(api, fmt, magic, media) -> None:
    got = api.client.post(f"/reviews?format={fmt}", json=project("P-001"), headers=api.headers(Role.OFFICER))
    assert got.status_code == 200, got.text
    assert got.content.startswith(magic) and got.headers["content-type"] == media
    assert f'filename="P-001.{fmt}"' in got.headers["content-disposition"]


def test_a_review_with_the_model_gets_its_narrative(api) -> None:
    saved = api.model.reply
    api.model.reply = lambda messages: "请申请人依照审查意见调整方案后重新报送。"
    try:
        got = api.client.post("/reviews?model=true", json=project("P-003"), headers=api.headers(Role.OFFICER))
    finally:
        api.model.reply = saved
    assert got.status_code == 200, got.text
    assert "请申请人依照审查意见调整方案后重新报送" in got.text and "model=false" not in got.text


def test_a_project_id_cannot_steer_the_download_name(api) -> None:
    body = {**project("P-001"), "id": '../../x"; filename=evil.sh'}
    got = api.client.post("/reviews", json=body, headers=api.headers(Role.OFFICER))
    assert got.status_code == 200, got.text
    disposition = got.headers["content-disposition"]
    assert disposition.count("filename=") == 1 and "/" not in disposition and "evil.sh\"" not in disposition


def test_reviews_refuse_an_unknown_format_and_an_invalid_project(api) -> None:
    got = api.client.post("/reviews?format=exe", json=project("P-001"), headers=api.headers(Role.OFFICER))
    assert got.status_code == 422 and "format" in got.json()["message"]
    got = api.client.post("/reviews", json={"id": "X"}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 422 and "geometry" in got.json()["message"]
