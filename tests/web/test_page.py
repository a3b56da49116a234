"""The page at ``/`` in headless Chromium against a real server (see conftest.py): a streamed, cited answer whose
citation opens the clause; a demo project checked into a verdict table and drawn on the map; the report preview and
download; the layers and the document library (the public ones only without a key); evaluation runs started,
followed and read in the 评测 tab (reviewer and admin keys only); and clear errors from the API's JSON error bodies.

Screenshots (full page, 1280x800) under ``test-artifacts/web/`` at the repository root: ``answer.png`` (a cited
answer with its clause open), ``check-P-003.png`` (the verdict table and the project on the map),
``drawing.png`` and ``check-drawn.png`` (a project polygon being drawn on the map, then checked), ``public-search.png``,
``public-map.png`` (the public layers, no key), ``public-library.png`` (the public documents, no key), ``library.png``,
``eval.png`` (a finished verdicts run: its metrics and the list of runs), ``eval-baselines.png`` (a run's metrics
beside its baselines) and ``eval-refused.png`` (an officer's key in the 评测 tab).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from shapely import affinity
from shapely.geometry import Point, shape

from assistant.access import Role
from ingest.models import Access
from spatial.kinds import LayerKind
from tests.support.api_world import layer_at
from tests.web.conftest import ROOT, fresh_public_limit, screenshot, use_key

P003 = ROOT / "demo" / "projects" / "P-003.json"
PARCELS = ROOT / "demo" / "layers" / "regulatory_parcels.geojson"
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
    for name in ("智能问答", "条文检索", "合规审查", "文档库", "评测"):
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
    assert "仅显示公开文件与图层" in page.locator("#key-status").inner_text()
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


def test_the_key_badge_names_the_keys_role_or_says_it_is_invalid(page, site) -> None:
    from playwright.sync_api import expect

    badge = page.locator("#key-status")
    use_key(page, site.keys[Role.REVIEWER])
    expect(badge).to_have_text("web-reviewer（评审人员）")
    expect(badge).to_have_attribute("title", "按“评审人员”角色访问")
    use_key(page, "om_not-a-valid-key")
    expect(badge).to_have_text("密钥无效或已吊销")
    expect(badge).to_have_attribute("title", "")  # nothing left of the previous key
    page.get_by_role("button", name="清除", exact=True).click()
    expect(badge).to_contain_text("公众访问")


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


PUBLIC_HINT = "公众模式：仅显示公开图层"


def map_legend(page) -> dict[str, int]:
    """The legend's layer boxes: label → feature count (the project has none)."""
    return {item.locator(".name").inner_text(): int(item.locator(".count").inner_text())
            for item in page.locator("#legend-list > li").all() if item.locator(".count").count()}


def test_without_a_key_the_map_draws_the_public_layers_only(page, site) -> None:
    require_route(site, "GET", "/public/layers")
    require_route(site, "GET", "/public/layers/{kind}/features")
    page.locator("#map-message", has_text=PUBLIC_HINT).wait_for()  # the demo world: every layer is public
    assert len(map_legend(page)) == len(LayerKind)

    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    # farmland goes internal, and the page is opened again by a new visitor
    with layer_at(site.container, LayerKind.PERMANENT_BASIC_FARMLAND, Access.INTERNAL):
        fresh_public_limit(site)
        page.reload()
        page.locator("#map-message", has_text=PUBLIC_HINT).wait_for()
        public = {i.kind: i.features for i in site.container.layers.list(role=Role.PUBLIC)}
        assert LayerKind.PERMANENT_BASIC_FARMLAND not in public and len(public) == len(LayerKind) - 1

        for kind, features in public.items():
            assert page.locator(f".ly-{kind.value} path").count() == features > 0, kind
        assert page.locator(".ly-permanent_basic_farmland").count() == 0
        assert map_legend(page) == {kind.label: n for kind, n in public.items()}
        legend = page.locator("#legend-list")
        for label in ("生态保护红线", "城镇开发边界", "控规地块"):
            assert legend.get_by_text(label, exact=True).is_visible()
        assert "永久基本农田" not in legend.inner_text()
        assert page.locator("#map-message").inner_text() == PUBLIC_HINT  # no layer failed
        shot = screenshot(page, "public-map.png")  # test-artifacts/web/public-map.png
        assert shot.stat().st_size > 10_000

    layer_urls = [u for u in urls if "/layers" in u]
    assert layer_urls and all(u.startswith(site.url + "/public/layers") for u in layer_urls), layer_urls
    assert site.url + "/public/layers/permanent_basic_farmland/features" not in layer_urls
    # one page load is the list and a request per public layer, within the browsing burst (map and library)
    sent = [u for u in urls if u.startswith(site.url + "/public/")]
    assert len(sent) == 1 + len(public) <= site.container.settings.api.public_browse_burst


def test_with_a_key_the_map_asks_the_staff_routes(page, site) -> None:
    page.locator("#map-message", has_text=PUBLIC_HINT).wait_for()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    use_key(page, site.keys[Role.OFFICER])
    page.locator(".ly-regulatory_parcels path").first.wait_for(state="attached")
    page.wait_for_function("() => document.getElementById('map-message').textContent === ''")
    assert site.url + "/layers" in urls and not any("/public/" in u for u in urls), urls
    assert len(map_legend(page)) == len(LayerKind)


def library_rows(page) -> list[tuple[str, str]]:
    """The library table's (title, 密级) rows."""
    return [(row.locator("th").inner_text(), row.locator(".access").inner_text())
            for row in page.locator("#docs-table tbody tr").all()]


def test_without_a_key_the_library_lists_exactly_the_public_documents(page, site) -> None:
    require_route(site, "GET", "/public/documents")
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.get_by_role("tab", name="文档库").click()
    page.locator("#docs-count", has_text="共").wait_for()
    everything = site.container.catalog.documents()
    public = [d for d in everything if d.access == "public"]
    assert 0 < len(public) < len(everything)  # the demo world has internal and confidential documents too
    assert sorted(library_rows(page)) == sorted((d.title, "公开") for d in public)
    assert page.locator("#docs-count").inner_text() == f"共 {len(public)} 份文件"
    assert page.locator("#docs-scope").inner_text() == "公众访问：仅列出公开文件"
    table = page.locator("#docs-table tbody").inner_text()
    for d in everything:
        if d.access != "public":
            assert d.title not in table, d.title
    assert site.url + "/public/documents" in urls and site.url + "/documents" not in urls
    screenshot(page, "public-library.png")  # test-artifacts/web/public-library.png

    # a key lists what its role may read, from the keyed route, without the public note
    use_key(page, site.keys[Role.OFFICER])
    page.wait_for_function("() => document.getElementById('docs-scope').textContent === ''")
    page.locator("#docs-table .access", has_text="内部").first.wait_for()
    officer = [d for d in everything if d.access in ("public", "internal")]
    assert sorted(library_rows(page)) == sorted((d.title, {"public": "公开", "internal": "内部"}[d.access])
                                                for d in officer)
    assert site.url + "/documents" in urls


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


# ---------------------------------------------------------------- drawing a project polygon on the map


def parcel(parcel_id: str):
    """A demo regulatory parcel's polygon (lon/lat) from the layer file the demo world is built from."""
    features = json.loads(PARCELS.read_text(encoding="utf-8"))["features"]
    return next(shape(f["geometry"]) for f in features if f["properties"]["parcel_id"] == parcel_id)


def on_screen(page, lon_lat) -> tuple[float, float]:
    """Where the page's own projection draws a lon/lat, in window pixels."""
    p = page.evaluate("async (ll) => (await import('/js/map.js')).lonLatToScreen(ll)", list(lon_lat))
    return p["x"], p["y"]


def zoom_to(page, polygon, min_px: float = 240) -> None:
    """Wheel-zoom about the polygon's centre until its box spans at least min_px on screen."""
    x0, y0, x1, y1 = polygon.bounds
    for _ in range(40):
        (ax, ay), (bx, by) = on_screen(page, (x0, y0)), on_screen(page, (x1, y1))
        if min(abs(bx - ax), abs(by - ay)) >= min_px:
            return
        page.mouse.move(*on_screen(page, polygon.centroid.coords[0]))
        page.mouse.wheel(0, -100)
    raise AssertionError("could not zoom the map to the parcel")


def textarea_project(page) -> dict:
    return json.loads(page.get_by_label("或粘贴项目 JSON").input_value())


def open_map_for_drawing(page, site) -> None:
    use_key(page, site.keys[Role.OFFICER])
    page.get_by_role("tab", name="合规审查").click()
    page.locator(".ly-regulatory_parcels path").first.wait_for(state="attached")


def test_a_polygon_drawn_in_a_parcel_is_checked_into_a_verdict_table(page, site) -> None:
    require_route(site, "POST", "/check")
    require_route(site, "GET", "/layers/{kind}/features")
    open_map_for_drawing(page, site)
    target = parcel("SF-02-01")  # 二类城镇住宅用地 070102, 容积率 1.5–2.8, 限高 80 米
    inner = affinity.scale(target, 0.5, 0.5, origin="centroid")
    vertices = list(inner.exterior.coords)[:-1]
    assert len(vertices) == 4 and inner.within(target)

    page.get_by_role("button", name="在地图上绘制项目范围").click()
    bar = page.get_by_role("group", name="绘制项目范围")
    assert bar.is_visible()
    assert "单击添加顶点，双击或点“完成”闭合，Esc 取消" in bar.inner_text()
    assert page.locator("#map.drawing").count() == 1  # the crosshair cursor
    zoom_to(page, target)

    for lon_lat in vertices[:-1]:
        page.mouse.click(*on_screen(page, lon_lat))
    assert page.locator("#draw-count").inner_text() == "已添加 3 个顶点"
    assert page.locator("#map-draft .draft-line").count() == 1
    page.mouse.move(*on_screen(page, vertices[-1]))  # the edge to the pointer previews the polygon
    assert page.locator("#map-draft .draft-area").count() == 1
    screenshot(page, "drawing.png")  # test-artifacts/web/drawing.png
    page.mouse.dblclick(*on_screen(page, vertices[-1]))  # the last vertex, and close the ring
    assert not bar.is_visible()

    project = textarea_project(page)
    assert (project["id"], project["name"], project["crs"]) == ("DRAW-1", "绘制的项目", "EPSG:4490")
    assert project["geometry"]["type"] == "Polygon"
    ring = project["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert all(round(c, 7) == c for pt in ring for c in pt)
    drawn = shape(project["geometry"])
    assert drawn.within(target)
    for lon_lat in vertices:  # each click landed within a few metres of the vertex aimed at
        assert min(Point(lon_lat).distance(Point(pt)) for pt in ring) < 5e-5
    assert "请填写用地分类代码和项目类型" in page.locator("#check-status").inner_text()

    page.get_by_label("用地分类代码").fill("070102")
    page.get_by_label("项目类型").select_option("residential")
    page.get_by_label("容积率").fill("2.2")
    page.get_by_label("建筑密度（%）").fill("20")
    page.get_by_label("建筑高度（米）").fill("45")
    page.get_by_label("绿地率（%）").fill("36")
    project = textarea_project(page)  # the fields were written into the JSON box
    assert (project["land_use"], project["project_type"]) == ("070102", "residential")
    assert project["indicators"] == {"far": 2.2, "building_density": 20, "height": 45, "green_ratio": 36}
    assert project["geometry"]["coordinates"][0] == ring

    with page.expect_request(lambda r: r.url == site.url + "/check") as sent:
        page.get_by_role("button", name="开始审查").click()
    assert json.loads(sent.value.post_data) == project
    table = page.locator(".verdict-table")
    table.wait_for()
    assert "DRAW-1" in page.locator(".verdict-head").inner_text()
    rows = {r.locator("th").inner_text(): r for r in table.locator("tbody tr").all()}
    assert len(rows) >= 3
    assert "符合" in rows["容积率"].inner_text() and "2.2" in rows["容积率"].inner_text()
    assert page.locator(".ly-project path").count() == 1
    assert page.locator("#map-draft path").count() == 0  # the checked project replaced the draft
    rows["容积率"].evaluate("row => row.scrollIntoView({block: 'center'})")
    shot = screenshot(page, "check-drawn.png")  # test-artifacts/web/check-drawn.png
    assert shot.stat().st_size > 10_000


def test_drawing_needs_three_vertices_ignores_drags_and_esc_cancels(page, site) -> None:
    require_route(site, "GET", "/layers/{kind}/features")
    checks: list[str] = []
    page.on("request", lambda r: checks.append(r.url) if r.url.endswith("/check") else None)
    draw = page.get_by_role("button", name="在地图上绘制项目范围")
    # without a key the page draws the public map; when that cannot load (refused here) there is nothing to draw on
    page.locator("#map-message", has_text=PUBLIC_HINT).wait_for()
    refused = json.dumps({"error": "too_many_requests", "message": "retry in 2 s"})
    page.route("**/public/layers", lambda r: r.fulfill(status=429, content_type="application/json", body=refused,
                                                       headers={"Retry-After": "2"}))
    page.reload()
    page.locator("#map-message", has_text="图层加载失败").wait_for()
    assert "请求过于频繁（429" in page.locator("#map-message").inner_text()
    page.get_by_role("tab", name="合规审查").click()
    draw.click()
    assert "尚未加载图层" in page.locator("#draw-note").inner_text()
    assert not page.locator("#draw-bar").is_visible()
    page.unroute("**/public/layers")

    open_map_for_drawing(page, site)
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    draw.click()
    assert draw.get_attribute("aria-pressed") == "true"
    page.mouse.click(cx - 60, cy)
    page.mouse.click(cx + 60, cy)
    page.mouse.click(cx + 60.5, cy)  # within a few pixels of the last vertex: not a new one
    count = page.locator("#draw-count")
    assert count.inner_text() == "已添加 2 个顶点"

    before = page.locator("#map").get_attribute("viewBox")  # a drag pans and adds no vertex
    page.mouse.move(cx, cy + 80)
    page.mouse.down()
    page.mouse.move(cx + 50, cy + 120, steps=5)
    page.mouse.up()
    assert page.locator("#map").get_attribute("viewBox") != before
    assert count.inner_text() == "已添加 2 个顶点"

    page.get_by_role("button", name="完成", exact=True).click()
    error = page.locator("#draw-error")
    assert "至少需要 3 个不同的顶点" in error.inner_text() and "当前 2 个" in error.inner_text()
    assert page.locator("#draw-bar").is_visible()  # still drawing
    assert page.get_by_label("或粘贴项目 JSON").input_value() == ""

    page.keyboard.press("Escape")
    assert not page.locator("#draw-bar").is_visible()
    assert draw.get_attribute("aria-pressed") == "false"
    assert page.locator("#map-draft path").count() == 0
    assert page.locator("#map.drawing").count() == 0
    assert "已取消" in page.locator("#draw-note").inner_text()
    page.mouse.click(cx, cy)  # the map is back to showing feature info, not adding vertices
    assert page.locator("#map-draft path").count() == 0

    # a project already in the JSON box keeps everything but its geometry and crs
    p003 = json.loads(P003.read_text(encoding="utf-8"))
    page.get_by_label("或粘贴项目 JSON").fill(json.dumps(p003, ensure_ascii=False))
    assert page.get_by_label("用地分类代码").input_value() == "070102"
    assert page.get_by_label("项目类型").input_value() == "residential"
    draw.click()  # by keyboard this time: the map has the focus, Enter adds its centre, the arrows pan
    for key in ("Enter", "ArrowLeft", "Enter", "ArrowUp", "Enter"):
        page.keyboard.press(key)
    assert count.inner_text() == "已添加 3 个顶点"
    page.get_by_role("button", name="完成", exact=True).click()
    project = textarea_project(page)
    assert project["geometry"] != p003["geometry"] and len(project["geometry"]["coordinates"][0]) == 4
    assert {k: v for k, v in project.items() if k != "geometry"} == {k: v for k, v in p003.items() if k != "geometry"}
    assert "已替换项目 JSON 的 geometry" in page.locator("#check-status").inner_text()
    assert checks == []  # nothing was sent: the check runs only on 开始审查


# ---------------------------------------------------------------- 评测 (evaluation runs, reviewer and admin keys)

SUITE_OPTIONS = ["检索（retrieval）", "选择题（mcq）", "问答（qa）", "规划条件提取（extraction）", "审查结论（verdicts）",
                 "时延（latency）"]


def metrics_table(page) -> dict[str, list[str]]:
    """The run's metrics table: the metric's name (results.json key) → its cells (本系统, then each baseline)."""
    return {row.locator("th code").inner_text(): [c.inner_text() for c in row.locator("td").all()]
            for row in page.locator("#eval-metrics tbody tr").all()}


def test_a_reviewer_runs_an_evaluation_and_sees_its_metrics_report_and_predictions(page, site, tmp_path) -> None:
    require_route(site, "GET", "/eval/suites")
    sent: list[tuple[str, str, str | None]] = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.post_data)) if "/eval/" in r.url else None)
    use_key(page, site.keys[Role.REVIEWER])
    page.get_by_role("tab", name="评测").click()
    suite = page.get_by_label("评测套件")
    suite.locator("option").first.wait_for(state="attached")
    assert [o.inner_text() for o in suite.locator("option").all()] == SUITE_OPTIONS
    suite.select_option("verdicts")
    dataset = page.get_by_label("数据集", exact=True)
    assert [o.inner_text() for o in dataset.locator("option").all()] == ["示范县（demo，默认）", "合成场景（synthetic）"]
    assert "审查结论" in page.locator("#eval-suite-title").inner_text()
    assert page.get_by_label("抽样条数").get_attribute("placeholder") == "全部"
    suite.select_option("mcq")  # a suite with a model and a default sample
    assert page.get_by_label("抽样条数").get_attribute("placeholder") == "默认 20"
    assert "需要模型" in page.locator("#eval-suite-title").inner_text()
    suite.select_option("verdicts")
    assert page.get_by_label("同时运行基线").is_checked()

    page.get_by_role("button", name="开始评测").click()
    status = page.locator("#eval-status")
    status.wait_for()
    page.locator("#eval-status[data-status='done']").wait_for(timeout=180_000)
    posted = [json.loads(data) for method, url, data in sent if method == "POST" and url.endswith("/eval/runs")]
    assert posted == [{"suite": "verdicts", "dataset": "demo", "baseline": True}]
    run = next(r for r in site.app.state.eval_runs.list() if r.suite == "verdicts")
    assert run.status == "done" and run.actor == "web-reviewer"
    polled = [url for method, url, _ in sent if method == "GET" and url.endswith(f"/eval/runs/{run.run_id}")]
    assert polled  # followed until done
    assert "已完成" in status.inner_text() and "12 条" in status.inner_text()

    # the run's metrics (results.metrics; verdicts has no baseline) and its rows per check
    detail = page.locator("#eval-detail")
    detail.wait_for()
    assert "审查结论 · 示范县" in page.locator("#eval-detail-title").inner_text()
    metrics = metrics_table(page)
    assert metrics["accuracy"] == ["1"] and metrics["overall_accuracy"] == ["1"]
    assert set(metrics) == set(run.metrics)
    headers = [h.inner_text() for h in page.locator("#eval-metrics thead th").all()]
    assert headers == ["指标", "本系统"]
    subjects = {r.locator("th").inner_text(): [c.inner_text() for c in r.locator("td").all()]
                for r in page.locator("#eval-subjects tbody tr").all()}
    assert subjects["容积率"][1] == "1" and subjects["总体结论"] == ["12", "1"]
    assert [h.inner_text() for h in page.locator("#eval-subjects thead th").all()] == ["分项", "条数", "准确率"]

    # the run in the list, newest first, with its headline metric
    row = page.locator(f"#eval-runs tbody tr[data-run='{run.run_id}']")
    assert page.locator("#eval-runs tbody tr").first.get_attribute("data-run") == run.run_id
    cells = [c.inner_text() for c in row.locator("th, td").all()]
    assert cells[:3] == ["审查结论", "示范县", "已完成"] and cells[4] == "12"
    assert "准确率 1" in cells[5]
    shot = screenshot(page, "eval.png")  # test-artifacts/web/eval.png
    assert shot.stat().st_size > 10_000

    # report.html in a new tab, under the report's own content policy
    with page.expect_popup() as opened:
        page.get_by_role("button", name="打开评测报告").click()
    report = opened.value
    report.wait_for_url("blob:**")
    report.wait_for_load_state()
    assert "Evaluation report" in report.content() and "Evaluation report" in report.title()
    policy = report.locator("meta[http-equiv='Content-Security-Policy']").get_attribute("content")
    assert "default-src 'none'" in policy and "sandbox" not in policy
    report.close()

    with page.expect_download() as info:
        page.get_by_role("button", name="下载 predictions.jsonl").click()
    saved = tmp_path / "predictions.jsonl"
    info.value.save_as(saved)
    assert info.value.suggested_filename == f"verdicts-{run.run_id}-predictions.jsonl"
    rows = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 12 and all(r["correct"] for r in rows)

    # a later visit lists the run and opens it from the list
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    page.get_by_role("tab", name="评测").click()
    page.locator(f"#eval-runs tbody tr[data-run='{run.run_id}']").get_by_role("button", name="审查结论").click()
    page.locator("#eval-detail").wait_for()
    assert metrics_table(page)["accuracy"] == ["1"]


def test_a_dataset_missing_on_the_server_cannot_be_chosen(page, site, monkeypatch, tmp_path) -> None:
    service = site.app.state.eval_runs
    monkeypatch.setattr(service, "datasets", {**service.datasets, "mcq": {"ceval_val": tmp_path / "gone.csv",
                                                                         "exams": tmp_path / "gone.jsonl"}})
    use_key(page, site.keys[Role.REVIEWER])
    page.get_by_role("tab", name="评测").click()
    suite = page.get_by_label("评测套件")
    suite.locator("option").first.wait_for(state="attached")
    suite.select_option("mcq")
    options = page.get_by_label("数据集", exact=True).locator("option")
    assert all(o.is_disabled() and "服务器上没有此数据" in o.inner_text() for o in options.all())
    assert page.get_by_role("button", name="开始评测").is_disabled()
    assert "服务器上没有此套件的数据" in page.locator("#eval-suite-title").inner_text()
    suite.select_option("verdicts")
    assert page.get_by_role("button", name="开始评测").is_enabled()


def test_a_poll_that_fails_for_a_while_is_retried_until_the_run_is_done(page, site) -> None:
    require_route(site, "GET", "/eval/runs/{run_id}")
    failed: list[str] = []

    def flaky(route) -> None:  # the first poll of the run meets a server that is restarting
        if route.request.method == "GET" and not failed:
            failed.append(route.request.url)
            route.fulfill(status=503, content_type="application/json",
                          body=json.dumps({"error": "unavailable", "message": "restarting"}))
        else:
            route.continue_()

    page.route("**/eval/runs/*", flaky)
    use_key(page, site.keys[Role.ADMIN])
    page.get_by_role("tab", name="评测").click()
    page.get_by_label("评测套件").select_option("verdicts")
    page.get_by_role("button", name="开始评测").click()
    page.locator("#eval-status-text", has_text="暂时无法获取评测进度").wait_for()
    page.locator("#eval-status[data-status='done']").wait_for(timeout=180_000)
    assert len(failed) == 1
    page.locator("#eval-detail").wait_for()


def test_the_eval_tab_needs_a_reviewer_or_admin_key(page, site) -> None:
    require_route(site, "GET", "/eval/suites")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/eval/" in r.url else None)
    page.get_by_role("tab", name="评测").click()  # no key: nothing is asked
    note = page.locator("#eval-note")
    assert "评审（reviewer）或管理员（admin）" in note.inner_text() and "密钥" in note.inner_text()
    assert not page.locator("#eval-form").is_visible() and sent == []

    use_key(page, site.keys[Role.OFFICER])  # an officer's key: the API refuses it (403), said the same way
    page.locator("#eval-note", has_text="403").wait_for()
    assert "评审（reviewer）或管理员（admin）" in note.inner_text()
    assert "无权访问（403 forbidden）" in note.inner_text() and "officer" in note.inner_text()
    assert not page.locator("#eval-form").is_visible() and not page.locator("#eval-runs").is_visible()
    assert sent == [site.url + "/eval/suites"]
    page.locator(".ly-regulatory_parcels path").first.wait_for(state="attached")  # the officer's map, for the picture
    screenshot(page, "eval-refused.png")  # test-artifacts/web/eval-refused.png

    use_key(page, site.keys[Role.ADMIN])  # an admin's key: the form
    page.get_by_role("button", name="开始评测").wait_for()
    assert not note.is_visible()


def test_a_runs_metrics_stand_beside_its_baselines(page, site) -> None:
    """A retrieval run with its two baselines (served by the test: the demo world has no retrieval gold set)."""
    run = {"run_id": "0123456789ab", "suite": "retrieval", "dataset": "gold", "limit": None, "baseline": True,
           "status": "done", "actor": "评测组", "created_at": "2026-12-01T08:00:00+00:00",
           "started_at": "2026-12-01T08:00:01+00:00", "finished_at": "2026-12-01T08:01:00+00:00", "items": 40,
           "done": 40, "total": 40, "model": None, "error": None,
           "metrics": {"recall@5": 0.9, "mrr": 0.75, "ndcg@10": 0.8}}
    results = {"suite": "retrieval", "n": 40, "metrics": run["metrics"],
               "per_subject": {"farmland": {"n": 20, "recall@5": 0.95, "mrr": 0.8}},
               "baselines": {"bm25": {"recall@5": 0.7, "mrr": 0.6, "ndcg@10": 0.65},
                             "vector": {"recall@5": 0.8, "mrr": 0.5, "ndcg@10": 0.55}},
               "tables": {}, "malformed": {"count": 2, "lines": []}, "notes": ["<b>not markup</b>"],
               "run": {"seconds": 59.2, "dataset_hash": "e0e1e76e16019ab6"}}
    listed = [{k: v for k, v in run.items()}]
    page.route("**/eval/runs", lambda r: r.fulfill(json=listed) if r.request.method == "GET" else r.continue_())
    page.route("**/eval/runs/0123456789ab", lambda r: r.fulfill(json={**run, "results": results}))
    use_key(page, site.keys[Role.REVIEWER])
    page.get_by_role("tab", name="评测").click()
    page.locator("#eval-runs tbody tr[data-run='0123456789ab']").click()
    page.locator("#eval-detail").wait_for()
    headers = [h.inner_text() for h in page.locator("#eval-metrics thead th").all()]
    assert headers == ["指标", "本系统", "基线：仅 BM25", "基线：仅向量"]
    assert metrics_table(page) == {"recall@5": ["0.9", "0.7", "0.8"], "mrr": ["0.75", "0.6", "0.5"],
                                   "ndcg@10": ["0.8", "0.65", "0.55"]}
    assert "召回率@5" in page.locator("#eval-metrics tbody").inner_text()
    assert "召回率@5 0.9，MRR 0.75" in page.locator("#eval-runs tbody tr").first.inner_text()
    notes = page.locator("#eval-notes").inner_text()
    assert "2 行格式错误" in notes and "<b>not markup</b>" in notes  # text, never markup
    screenshot(page, "eval-baselines.png")  # test-artifacts/web/eval-baselines.png
