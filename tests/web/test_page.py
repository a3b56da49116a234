"""The page at ``/`` in headless Chromium against a real server (see conftest.py): a streamed, cited answer whose
citation opens the clause; a demo project checked into a verdict table and drawn on the map; the report preview and
download; the layers, the document library, and clear errors from the API's JSON error bodies.

Screenshots (full page, 1280x800) under ``test-artifacts/web/`` at the repository root: ``answer.png`` (a cited
answer with its clause open), ``check-P-003.png`` (the verdict table and the project on the map),
``public-search.png`` and ``library.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from assistant.access import Role
from tests.web.conftest import ROOT, screenshot, use_key

P003 = ROOT / "demo" / "projects" / "P-003.json"
QUESTION = "永久基本农田转为建设用地由谁批准？"


def api_answer(site, question: str, role: Role | None) -> dict:
    headers = {"X-API-Key": site.keys[role]} if role else {}
    path = "/ask" if role else "/public/ask"
    got = httpx.post(site.url + path, json={"question": question}, headers=headers, timeout=60)
    assert got.status_code == 200, got.text
    return got.json()


def require_route(site, method: str, path: str) -> None:
    """Skip when the app's OpenAPI document has no such route (yet); a route that exists must then work."""
    if method.lower() not in site.app.openapi()["paths"].get(path, {}):
        pytest.skip(f"{method} {path} is not in the API yet")


def ask_on_page(page, question: str):
    page.get_by_label("问题").fill(question)
    page.get_by_role("button", name="发送").click()
    answer = page.locator(".msg-bot").last
    answer.locator(".answer-text.final, .inline-error").wait_for()
    return answer


def test_the_page_is_served_in_chinese(page) -> None:
    assert page.title().startswith("一张图智审助手")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="一张图智审助手").is_visible()
    for name in ("智能问答", "条文检索", "合规审查", "文档库"):
        assert page.get_by_role("tab", name=name).is_visible()


def test_ask_streams_a_cited_answer_whose_citation_opens_the_clause(page, site) -> None:
    expected = api_answer(site, QUESTION, Role.OFFICER)
    assert expected["citations"], "the fake model answers with a citation"
    streamed: list[str] = []
    page.on("request", lambda r: streamed.append(r.post_data or "") if r.url.endswith("/ask") else None)
    use_key(page, site.keys[Role.OFFICER])

    answer = ask_on_page(page, QUESTION)
    assert json.loads(streamed[-1]) == {"question": QUESTION, "stream": True}  # the SSE form of /ask
    assert answer.locator(".inline-error").count() == 0
    # the final answer replaced the draft, with a clickable chip per citation
    assert answer.locator(".answer-text").inner_text().strip() == expected["answer"].strip()
    first = expected["citations"][0]
    chip = answer.locator(".answer-text .cite-chip", has_text=f"[{first['n']}]").first
    assert chip.is_visible()
    assert answer.locator(".citations li").count() == len(expected["citations"])

    chip.click()
    panel = page.get_by_role("dialog")
    assert panel.is_visible()
    assert page.locator("#clause-doc").inner_text() == first["doc_title"]
    assert page.locator("#clause-locator").inner_text() == first["locator"]
    assert page.locator("#clause-version").inner_text() == (first["version"] or "未注明")
    assert page.locator("#clause-text").inner_text().strip() == first["text"].strip()
    shot = screenshot(page, "answer.png")  # test-artifacts/web/answer.png
    assert shot.stat().st_size > 10_000

    page.get_by_role("button", name="关闭条文").click()
    assert not panel.is_visible()


def test_without_a_key_the_page_asks_the_public_routes(page, site) -> None:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    assert "仅显示公开文件" in page.locator("#key-status").inner_text()
    answer = ask_on_page(page, QUESTION)
    assert answer.locator(".answer-text.final").count() == 1
    assert site.url + "/public/ask" in urls and site.url + "/ask" not in urls

    page.get_by_role("tab", name="条文检索").click()
    page.get_by_label("检索词", exact=True).fill("永久基本农田")
    page.get_by_role("button", name="检索", exact=True).click()
    page.locator("#search-results .hit").first.wait_for()
    assert site.url + "/public/search" in urls and site.url + "/search" not in urls
    page.locator("#search-results .hit").first.click()
    assert page.get_by_role("dialog").is_visible()
    assert page.locator("#clause-access").inner_text() == "公开"
    screenshot(page, "public-search.png")  # test-artifacts/web/public-search.png


def test_a_compliance_question_shows_the_tools_verdict_table(page, site) -> None:
    use_key(page, site.keys[Role.OFFICER])
    answer = ask_on_page(page, "P-003项目是否符合规划？")
    table = answer.locator(".tool table")
    assert table.count() == 1
    assert "不符合" in table.inner_text()
    assert "不符合" in answer.locator(".answer-text").inner_text()


def test_errors_from_the_api_are_shown_from_their_json_body(page, site) -> None:
    use_key(page, "om_not-a-valid-key")
    answer = ask_on_page(page, QUESTION)
    assert "未授权（401 unauthorized）" in answer.locator(".inline-error").inner_text()
    bar = page.get_by_role("alert").first
    assert "unknown or revoked API key" in page.locator("#error-text").inner_text()
    assert bar.is_visible()


def test_checking_a_demo_project_shows_the_verdict_table_and_the_map(page, site) -> None:
    require_route(site, "POST", "/check")
    use_key(page, site.keys[Role.OFFICER])
    page.get_by_role("tab", name="合规审查").click()
    page.get_by_label("上传项目 JSON 文件").set_input_files(str(P003))
    page.get_by_role("button", name="开始审查").click()

    table = page.locator(".verdict-table")
    table.wait_for()
    assert "不符合" in page.locator(".verdict-head").inner_text()
    rows = {r.locator("th").inner_text(): r for r in table.locator("tbody tr").all()}
    assert "不符合" in rows["容积率"].inner_text() and "3.2" in rows["容积率"].inner_text()
    assert "不符合" in rows["建筑高度"].inner_text() and "85" in rows["建筑高度"].inner_text()
    assert "城乡规划法" in rows["容积率"].locator("td.clause").inner_text()
    headers = [h.inner_text() for h in table.locator("thead th").all()]
    assert headers == ["审查项", "申报值", "限值", "结论", "规则", "条款依据"]
    # the project is drawn on the map
    assert page.locator(".ly-project path").count() == 1
    assert page.locator("#legend-list").get_by_text("审查项目").is_visible()

    if _has_layers(site):
        page.locator(".ly-regulatory_parcels path").first.wait_for(state="attached")
        for label in ("生态保护红线", "永久基本农田", "城镇开发边界", "控规地块"):
            assert page.locator("#legend-list").get_by_text(label, exact=True).is_visible()
    rows["容积率"].evaluate("row => row.scrollIntoView({block: 'center'})")  # the failing rows in the picture
    shot = screenshot(page, "check-P-003.png")  # test-artifacts/web/check-P-003.png
    assert shot.stat().st_size > 10_000


def test_the_review_report_previews_and_downloads(page, site, tmp_path: Path) -> None:
    project = json.loads(P003.read_text(encoding="utf-8"))
    require_route(site, "POST", "/check")
    require_route(site, "POST", "/reviews")
    use_key(page, site.keys[Role.OFFICER])
    page.get_by_role("tab", name="合规审查").click()
    page.get_by_label("或粘贴项目 JSON").fill(json.dumps(project, ensure_ascii=False))
    page.get_by_role("button", name="开始审查").click()
    page.locator(".verdict-table").wait_for()

    page.get_by_role("button", name="预览意见书").click()
    preview = page.locator("#report-text")
    preview.wait_for()
    assert "P-003" in preview.inner_text() and "不符合" in preview.inner_text()

    for fmt, label, magic in (("md", "下载 Markdown", None), ("docx", "下载 Word", b"PK"), ("pdf", "下载 PDF", b"%PDF")):
        with page.expect_download() as info:
            page.get_by_role("button", name=label).click()
        saved = tmp_path / f"report.{fmt}"
        info.value.save_as(saved)
        assert info.value.suggested_filename.endswith(f".{fmt}")
        data = saved.read_bytes()
        assert data.startswith(magic) if magic else "P-003" in data.decode("utf-8")


def test_the_map_draws_the_layers_with_a_chinese_legend(page, site) -> None:
    require_route(site, "GET", "/layers")
    require_route(site, "GET", "/layers/{kind}/features")
    use_key(page, site.keys[Role.OFFICER])
    page.locator(".ly-regulatory_parcels path").first.wait_for(state="attached")
    for kind in ("ecological_protection_redline", "permanent_basic_farmland", "urban_development_boundary"):
        assert page.locator(f".ly-{kind} path").count() > 0, kind
    legend = page.locator("#legend-list")
    for label in ("生态保护红线", "永久基本农田", "城镇开发边界", "控规地块"):
        assert legend.get_by_text(label, exact=True).is_visible()
    # a legend box hides its layer
    legend.get_by_label("永久基本农田").uncheck()
    assert not page.locator(".ly-permanent_basic_farmland").is_visible()
    # zooming changes the view box
    before = page.locator("#map").get_attribute("viewBox")
    page.get_by_role("button", name="放大").click()
    assert page.locator("#map").get_attribute("viewBox") != before


def test_without_a_key_the_map_and_library_say_a_key_is_needed(page) -> None:
    assert "API 密钥" in page.locator("#map-message").inner_text()
    page.get_by_role("tab", name="文档库").click()
    assert "需要 API 密钥" in page.locator("#docs-count").inner_text()


def test_the_document_library_lists_what_the_role_may_read(page, site) -> None:
    require_route(site, "GET", "/documents")
    got = httpx.get(site.url + "/documents", headers={"X-API-Key": site.keys[Role.OFFICER]}, timeout=30)
    assert got.status_code == 200, got.text
    use_key(page, site.keys[Role.OFFICER])
    page.get_by_role("tab", name="文档库").click()
    rows = page.locator("#docs-table tbody tr")
    rows.first.wait_for()
    body = got.json()
    docs = body if isinstance(body, list) else body["documents"]
    assert rows.count() == len(docs) > 0
    assert f"共 {len(docs)} 份文件" in page.locator("#docs-count").inner_text()
    assert "机密" not in page.locator("#docs-table tbody").inner_text()
    screenshot(page, "library.png")  # test-artifacts/web/library.png


def _has_layers(site) -> bool:
    try:
        require_route(site, "GET", "/layers/{kind}/features")
    except pytest.skip.Exception:
        return False
    return True


def test_the_event_stream_parser_copes_with_split_chunks_and_crlf(page) -> None:
    events = page.evaluate("""async () => {
        const { readEvents } = await import("/js/api.js");
        const pieces = ['event: token\\r\\ndata: {"text": "依', '据"}\\r\\n', '\\r\\n: a comment\\n\\nevent: answer\\n',
                        'data: {"answer": "好"}\\n\\n', 'event: error\\ndata: not json'];
        const enc = new TextEncoder();
        const body = new ReadableStream({ start(c) { for (const p of pieces) c.enqueue(enc.encode(p)); c.close(); } });
        const out = [];
        for await (const e of readEvents(new Response(body))) out.push(e);
        return out;
    }""")
    assert events == [{"event": "token", "data": {"text": "依据"}}, {"event": "answer", "data": {"answer": "好"}},
                      {"event": "error", "data": "not json"}]


def test_the_final_answer_replaces_the_draft(page) -> None:
    """The verifier may drop draft sentences: the page shows the `answer` event, not the streamed tokens."""
    def sse(event: str, data: dict) -> str:
        return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    citation = {"n": 1, "doc_title": "中华人民共和国土地管理法", "version": "2019-08-26", "locator": "第四十四条",
                "text": "永久基本农田转为建设用地的，由国务院批准。", "access": "public"}
    body = (sse("token", {"text": "草稿：未经核实的句子。"}) + sse("citation", citation)
            + sse("answer", {"answer": "由国务院批准[1]。另见[2]。", "citations": [citation], "tool_calls": [],
                             "grounded": True, "model": "scripted", "latency_ms": 1200}))
    page.route("**/public/ask", lambda route: route.fulfill(status=200, body=body.encode("utf-8"),
                                                            headers={"Content-Type": "text/event-stream"}))
    answer = ask_on_page(page, QUESTION)
    text = answer.locator(".answer-text").inner_text()
    assert text == "由国务院批准[1]。另见[2]。" and "草稿" not in text
    assert answer.locator(".answer-text .cite-chip").all_inner_texts() == ["[1]"]  # [2] has no citation: no chip
    assert "用时 1.2 秒" in answer.locator(".meta").inner_text()
    answer.locator(".answer-text .cite-chip").click()
    assert page.locator("#clause-text").inner_text() == citation["text"]
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog").is_visible()
