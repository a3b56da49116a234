"""Uploads: ``POST /extract`` and ``POST /compare``, file names that carry a path, and the body limit."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest

from assistant.access import Role

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "bench" / "data" / "extraction" / "docs"
PARCELS = ROOT / "demo" / "layers" / "regulatory_parcels.geojson"
REVISED = ROOT / "demo" / "revision" / "regulatory_parcels_revised.geojson"


def upload(path: Path, name: str | None = None) -> tuple[str, bytes]:
    return (name or path.name, path.read_bytes())


def raw_multipart(field: str, filename: bytes, content: bytes) -> tuple[bytes, dict[str, str]]:
    """A multipart body whose file name bytes go to the server as they are (httpx would escape a NUL)."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"".encode() + filename
            + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + f"\r\n--{boundary}--\r\n".encode())
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# ------------------------------------------------------------------------------------------------ /extract


@pytest.mark.parametrize("name, first", [
    ("d02_conditions_notice_prose.md", "SF-04-03"),
    ("d04_conditions_kv_tables.docx", "SF-05-01"),
    ("d06_south_table_page_break.pdf", "SN-06-01"),
])
def test_extract_returns_the_extraction_contract(api, name, first) -> None:
    from assistant.extraction import ExtractionService

    got = api.client.post("/extract", files={"file": upload(DOCS / name)}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["document"] == name and body["parcels"][0]["parcel_id"] == first and body["model"] is None
    assert body == ExtractionService().extract(DOCS / name).model_dump(mode="json")  # the CLI's service
    record = api.container.audit.list(limit=1, kind="extract")[0]
    assert record.actor == "test-officer" and record.request["document"] == name


def test_extract_with_the_model_names_it(api) -> None:
    got = api.client.post("/extract?model=true", files={"file": upload(DOCS / "d02_conditions_notice_prose.md")},
                          headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200, got.text
    assert got.json()["model"] == "fake"


@pytest.mark.parametrize("name, content, says", [
    ("notes.md", "# 会议纪要\n\n今天讨论了绿化养护安排，未涉及具体地块。\n".encode(), "no parcels"),
    ("broken.pdf", b"this is not a PDF", "broken.pdf"),
    ("broken.docx", b"PK\x03\x04 not a zip", "broken.docx"),
    ("plan.exe", b"MZ", ".exe"),
    ("plan", b"text", "without a suffix"),
])
def test_extract_refuses_unreadable_or_empty_documents_with_the_reason(api, name, content, says) -> None:
    got = api.client.post("/extract", files={"file": (name, content)}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 422, got.text
    body = got.json()
    assert body["error"] == "invalid_request" and says in body["message"]
    assert "onemap-upload-" not in body["message"]  # the temporary folder is not shown


TRAVERSAL = ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "sub/dir/plan.md", "C:plan.md", "..",
             "./plan.md"]


@pytest.mark.parametrize("name", TRAVERSAL)
def test_upload_names_with_a_path_are_refused(api, name) -> None:
    marker = f"{uuid.uuid4().hex}.md"
    got = api.client.post("/extract", files={"file": (name.replace("plan.md", marker), "SF-01-01 容积率2.0".encode())},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 400, got.text
    assert got.json()["error"] == "bad_request" and "file name" in got.json()["message"]
    tmp = Path(tempfile.gettempdir())
    for where in (tmp / marker, tmp.parent / marker, Path.cwd() / marker, Path("/") / marker):
        assert not where.exists()
    assert not list(api.container.settings.workspace.rglob(marker))


@pytest.mark.parametrize("name", [b"plan\x00.md", b"plan\x01.md", b"../\x00passwd"])
def test_control_characters_in_names_are_refused(api, name) -> None:
    body, headers = raw_multipart("file", name, "SF-01-01 容积率2.0".encode())
    got = api.client.post("/extract", content=body, headers={**headers, **api.headers(Role.OFFICER)})
    assert got.status_code == 400, got.text
    assert got.json()["error"] == "bad_request"


def test_an_upload_without_a_file_is_422(api) -> None:
    got = api.client.post("/extract", data={"file": "not a file"}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 422 and got.json()["error"] == "invalid_request"


def test_an_upload_over_the_limit_is_413(small_api) -> None:
    limit = int(small_api.container.settings.api.max_upload_mb * 1024 * 1024)
    for route in ("/extract", "/documents", "/compare", "/layers/planning_zones"):
        got = small_api.client.post(route, files={"file": ("big.md", b"x" * (limit + 1))},
                                    headers=small_api.headers(Role.ADMIN))
        assert got.status_code == 413, (route, got.text)
        assert got.json()["error"] == "payload_too_large"
    assert not list((small_api.container.settings.workspace / "uploads").rglob("big.md"))


def test_an_upload_under_the_limit_is_read(small_api) -> None:
    got = small_api.client.post("/extract", files={"file": upload(DOCS / "d02_conditions_notice_prose.md")},
                                headers=small_api.headers(Role.OFFICER))
    assert got.status_code == 200, got.text


# ------------------------------------------------------------------------------------------------ /compare


def test_compare_returns_the_comparison(api) -> None:
    from spatial.compare.service import compare_files, layers_from_backend

    got = api.client.post("/compare", files={"old": upload(PARCELS), "new": upload(REVISED)},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["old_source"] == PARCELS.name and body["new_source"] == REVISED.name
    assert body["changes"] and body["old_parcels"] > 0
    same = compare_files(PARCELS, REVISED, settings=api.container.settings.spatial,
                         layers=layers_from_backend(api.container.layer_backend, Role.OFFICER),
                         names=(PARCELS.name, REVISED.name))
    assert body == same.model_dump(mode="json")  # the CLI's service
    record = api.container.audit.list(limit=1, kind="compare")[0]
    assert record.actor == "test-officer" and record.request["old"] == PARCELS.name


@pytest.mark.parametrize("fmt, check", [
    ("md", lambda r: r.text.startswith("# 详规成果比对审查报告")),
    ("docx", lambda r: r.content.startswith(b"PK")),
])
def test_compare_downloads_the_report(api, fmt, check) -> None:
    got = api.client.post(f"/compare?format={fmt}", files={"old": upload(PARCELS), "new": upload(REVISED)},
                          headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200, got.text
    assert check(got) and got.headers["content-disposition"].startswith("attachment;")
    assert f".{fmt}\"" in got.headers["content-disposition"]


def test_compare_refuses_unreadable_plans_and_missing_files(api) -> None:
    got = api.client.post("/compare", files={"old": ("old.geojson", b"{not json"), "new": upload(REVISED)},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 422 and "old.geojson" in got.json()["message"]
    assert "onemap-upload-" not in got.json()["message"]
    got = api.client.post("/compare", files={"old": upload(PARCELS)}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 422 and "new" in got.json()["message"]
    got = api.client.post("/compare?area_tolerance=-1", files={"old": upload(PARCELS), "new": upload(REVISED)},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 422


def test_compare_refuses_a_path_in_either_name(api) -> None:
    got = api.client.post("/compare", files={"old": upload(PARCELS), "new": upload(REVISED, "../revised.geojson")},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 400 and "file name" in got.json()["message"]
