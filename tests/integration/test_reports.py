"""Review reports (审查意见书) for the demo county's twelve projects, on the real check engine.

The layers are imported once per module into a temporary workspace; the model is a fake
at the chat boundary.  The PDF's first page is rendered to PNG with pdfium (no
LibreOffice or poppler needed) and its text extracted with pypdf.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.access import Role
from assistant.cli import app
from assistant.llm.client import ChatResult, LLMUnavailable
from assistant.reports import render
from assistant.reports.draft import ReportService, build_report, fmt_number
from assistant.reports.fonts import missing_glyphs
from assistant.reports.model import Report
from demo.build import PROJECTS, import_layers
from spatial.project import load_project
from spatial.verdict import Status

EXPECTED = {"P-001": "符合", "P-002": "不符合", "P-003": "不符合", "P-004": "不符合", "P-005": "不符合",
            "P-006": "不符合", "P-007": "有条件", "P-008": "有条件", "P-009": "有条件", "P-010": "不符合",
            "P-011": "不符合", "P-012": "有条件"}
WRONG = ("该项目容积率为2.5，符合规划条件。建筑高度75米，符合限高。\n\n"
         "项目总体符合要求，可以批准。建设单位应当按照规划条件进行建设，变更须依法办理。")


class FakeModel:
    """A chat callable with a fixed reply; records the prompts it was given."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prompts: list[list[dict]] = []

    def __call__(self, messages, *, max_tokens: int, **_kw) -> ChatResult:
        self.prompts.append(messages)
        return ChatResult(text=self.text, model="fake")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from assistant.container import Container
    from assistant.settings import load_settings

    ws = tmp_path_factory.mktemp("reports") / "workspace"
    c = Container(load_settings("test", environ={"ONEMAP_HOME": str(ws)}))
    import_layers(c)
    yield c
    c.close()


@pytest.fixture(scope="module")
def reports(world) -> dict[str, Report]:
    service = ReportService(world.checks, world.layer_backend)
    return {pid: service.draft(load_project(PROJECTS / f"{pid}.json"), role=Role.OFFICER) for pid in EXPECTED}


def pdf_text(data: bytes, page: int | None = None) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return "\n".join(p.extract_text() for p in (pages if page is None else [pages[page]]))


def squash(text: str) -> str:
    return "".join(text.split())


# ---------------------------------------------------------------------- content from the engine

@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_the_conclusion_is_the_engines_overall_verdict(reports, pid) -> None:
    report = reports[pid]
    assert report.conclusion.status == report.verdict.overall
    assert report.conclusion.label == report.verdict.label == EXPECTED[pid]
    assert f"“{EXPECTED[pid]}”" in report.conclusion.text
    # every check is in the table, with the engine's status and clause
    assert [r.check for r in report.checks] == [c.check.value for c in report.verdict.checks]
    for row, check in zip(report.checks, report.verdict.checks, strict=True):
        assert (row.status, row.label, row.citation, row.message) == (check.status, check.label, check.rule.cite(),
                                                                      check.message)
    assert [f.check for f in report.findings] == [c.check.value for c in sorted(
        (c for c in report.verdict.checks if c.status != Status.PASS), key=lambda c: -c.status.severity)]


def test_the_table_carries_the_engines_numbers(reports) -> None:
    rows = {r.check: r for r in reports["P-003"].checks}
    assert (rows["far"].value, rows["far"].limit) == ("3.2", "1.8–2.8")
    assert (rows["height"].value, rows["height"].limit) == ("85 m", "≤80 m")
    assert (rows["green_ratio"].value, rows["green_ratio"].limit) == ("35%", "≥35%")
    assert rows["unit_balance"].limit == "≤1,550,000 m²"
    farmland = {r.check: r for r in reports["P-002"].checks}["permanent_basic_farmland"]
    assert farmland.value.startswith("占用3,500.68 m²") and farmland.label == "不符合"
    assert "第三十五条" in farmland.citation


def test_basis_documents_list_every_cited_clause_and_its_version(reports, world) -> None:
    report = reports["P-007"]
    cited = {(s["doc_title"], s["locator"]) for c in report.verdict.checks
             for s in [c.rule.source, *c.rule.see_also]}
    listed = {(d.doc_title, loc) for d in report.basis for loc in d.locators}
    assert cited == listed
    with_versions = build_report(report.verdict, load_project(PROJECTS / "P-007.json"),
                                 versions={"土地管理法": "2019-08-26"})
    land = next(d for d in with_versions.basis if d.doc_title == "中华人民共和国土地管理法")
    assert land.version == "2019-08-26"
    unversioned = next(q for q in with_versions.open_questions if "未在知识库中找到版本" in q)
    assert "《中华人民共和国土地管理法》" not in unversioned and "《中华人民共和国城乡规划法》" in unversioned


def test_open_questions_name_what_the_reviewer_must_check(reports) -> None:
    p007 = reports["P-007"].open_questions
    assert any(q.startswith("永久基本农田为有条件") for q in p007)
    assert any(q.startswith("容积率无法判定") for q in p007)
    assert any("unit.balance" in q for q in reports["P-011"].open_questions)  # a local rule (U)


def test_every_character_has_a_glyph_in_the_cjk_font(reports) -> None:
    for report in reports.values():
        assert not missing_glyphs(report.text() + report.figure_caption), report.project_id


def test_numbers_are_formatted_as_the_engine_gave_them() -> None:
    assert fmt_number(2.8) == "2.8" and fmt_number(80.0, " m") == "80 m" and fmt_number(243039.0) == "243,039"


# ---------------------------------------------------------------------- the model writes narrative only

def test_a_model_writing_wrong_numbers_cannot_change_the_report(world) -> None:
    model = FakeModel(WRONG)
    service = ReportService(world.checks, world.layer_backend, chat=model, figure=False)
    report = service.draft(load_project(PROJECTS / "P-003.json"), role=Role.OFFICER)
    narrative = "".join(report.narrative.paragraphs)
    assert "2.5" not in narrative and "75" not in narrative and "总体符合" not in narrative
    assert "建设单位应当按照规划条件进行建设" in narrative  # a sentence with nothing to contradict stays
    assert len(report.narrative.dropped) == 3 and report.narrative.model == "fake"
    assert "3.2" in model.prompts[0][-1]["content"]  # the model was given the engine's facts
    assert report.conclusion.label == "不符合"
    rows = {r.check: r for r in report.checks}
    assert (rows["far"].value, rows["height"].value) == ("3.2", "85 m")
    for fmt in ("md", "pdf"):
        data = render(report, fmt)
        text = squash(data.decode("utf-8") if fmt == "md" else pdf_text(data))
        assert "容积率为2.5" not in text and "75米" not in text
        assert "建设单位应当按照规划条件进行建设" in text
        assert "3.2" in text and "1.8–2.8" in text


def test_an_unreachable_model_leaves_a_complete_report(world) -> None:
    def dead(*_a, **_k):
        raise LLMUnavailable("connection refused")

    report = ReportService(world.checks, world.layer_backend, chat=dead, figure=False).draft(
        load_project(PROJECTS / "P-010.json"))
    assert report.narrative.paragraphs == [] and "模型不可用" in report.narrative.note
    assert report.conclusion.label == "不符合" and len(report.checks) == 9


# ---------------------------------------------------------------------- the three formats

@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_reports_in_three_formats(reports, pid) -> None:
    from docx import Document

    report = reports[pid]
    md = render(report, "md", figure_path=f"{pid}.map.png").decode("utf-8")
    assert md.startswith("# 建设项目国土空间规划审查意见书")
    assert f"**{EXPECTED[pid]}**" in md and f"]({pid}.map.png)" in md
    assert all(r.citation in md for r in report.checks)

    docx = render(report, "docx")
    doc = Document(io.BytesIO(docx))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert report.conclusion.text in body and EXPECTED[pid] in body
    assert all(r.citation in cells and r.value in cells for r in report.checks)
    assert len(doc.inline_shapes) == 1  # the map

    pdf = render(report, "pdf")
    text = squash(pdf_text(pdf))
    assert squash(report.conclusion.text) in text and squash(report.project_name) in text
    assert all(squash(r.citation) in text for r in report.checks)


def test_the_docx_names_and_embeds_the_cjk_font(reports) -> None:
    from fontTools.ttLib import TTFont

    from assistant.reports.docx_common import obfuscate

    data = render(reports["P-003"], "docx")
    z = zipfile.ZipFile(io.BytesIO(data))
    styles = z.read("word/styles.xml").decode()
    assert 'w:eastAsia="WenQuanYi Micro Hei"' in styles and 'w:eastAsia="zh-CN"' in styles
    assert "eastAsiaTheme" not in styles  # theme fonts would override the name
    table = z.read("word/fontTable.xml").decode()
    assert "w:embedRegular" in table and "<w:embedTrueTypeFonts/>" in z.read("word/settings.xml").decode()
    key = table.split('w:fontKey="')[1].split('"')[0]
    font = TTFont(io.BytesIO(obfuscate(z.read("word/fonts/font1.odttf"), key)))  # XOR twice: the original
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "审查意见书容积率不符合")
    assert len(z.read("word/fonts/font1.odttf")) < 1_000_000  # a subset, not the 5 MB collection


def test_the_pdf_first_page_renders_its_chinese_text(reports, tmp_path) -> None:
    import pypdfium2 as pdfium
    from PIL import Image, ImageOps
    from pypdf import PdfReader

    data = render(reports["P-003"], "pdf")
    page = pdfium.PdfDocument(data)[0]
    png = tmp_path / "page1.png"
    page.render(scale=1.5).to_pil().save(png)
    image = ImageOps.grayscale(Image.open(png))
    width, height = image.size
    inked = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert inked > 0.01 * width * height  # not blank
    title = image.crop((0, 0, width, int(height * 0.12)))
    assert sum(title.histogram()[:128]) > 500  # the title's glyphs were drawn

    text = squash(pdf_text(data, 0))
    for expected in ("建设项目国土空间规划审查意见书（草稿）", "一、项目概况", "县城南片区翠湖名苑住宅项目",
                     "070102二类城镇住宅用地", "中华人民共和国土地管理法", "第1页"):
        assert expected in text
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts.values()
                   if "/DescendantFonts" in f.get_object()] + \
                  [f.get_object().get("/FontDescriptor") for f in fonts.values()]
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors)  # embedded TrueType


# ---------------------------------------------------------------------- the command

@pytest.fixture
def run(world, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ONEMAP_HOME", str(world.settings.workspace))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_review_writes_each_format(run, tmp_path) -> None:
    project = str(PROJECTS / "P-003.json")
    for name in ("r.md", "r.docx", "r.pdf"):
        result = run("review", project, "--out", str(tmp_path / name), "--no-model")
        assert result.exit_code == 0, result.output
        assert "P-003 不符合" in result.output
    assert (tmp_path / "r.map.png").read_bytes().startswith(b"\x89PNG")
    assert "](r.map.png)" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert zipfile.is_zipfile(tmp_path / "r.docx") and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    # each report is in the audit trail with the SHA-256 of the file written
    from assistant.audit_records import sha256_file

    records = json.loads(run("audit", "list", "--kind", "review", "--limit", "3", "--json").stdout)
    assert {r["result"]["report"]["path"]: r["result"]["report"]["sha256"] for r in records} == {
        str(tmp_path / name): sha256_file(tmp_path / name) for name in ("r.md", "r.docx", "r.pdf")}
    assert all(r["result"]["overall"] == "fail" and r["request"]["project"]["id"] == "P-003" for r in records)


def test_review_prints_markdown_without_out(run) -> None:
    result = run("review", str(PROJECTS / "P-008.json"), "--no-model")
    assert result.exit_code == 0
    assert result.stdout.startswith("# 建设项目国土空间规划审查意见书") and "**有条件**" in result.stdout


def test_review_without_a_model_server_still_drafts(run) -> None:
    result = run("review", str(PROJECTS / "P-001.json"))  # embedded mode, nothing served: no model is started
    assert result.exit_code == 0 and "onemap serve" in result.stdout and "**符合**" in result.stdout


@pytest.mark.parametrize(("content", "reason"), [
    ('{"id": "X"}', "has no geometry"),
    ("{not json", "invalid JSON"),
    (json.dumps({"id": "P-9", "geometry": {"type": "Point", "coordinates": [116.2, 23.8]}}), "not a Polygon"),
])
def test_a_project_file_that_does_not_validate_exits_2(run, tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = run("review", str(path), "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.pdf").exists()


def test_bad_output_paths_exit_2(run, tmp_path: Path) -> None:
    project = str(PROJECTS / "P-001.json")
    assert run("review", project, "--out", str(tmp_path / "r.txt")).exit_code == 2
    assert run("review", project, "--out", str(tmp_path / "missing" / "r.pdf")).exit_code == 2
    assert run("review", str(tmp_path / "nope.json")).exit_code == 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_docx_with_its_embedded_cjk_font(reports, tmp_path) -> None:
    from pypdf import PdfReader

    docx = tmp_path / "P-007.docx"
    docx.write_bytes(render(reports["P-007"], "docx"))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180)
    data = (tmp_path / "P-007.pdf").read_bytes()
    assert "示范至东岭高速公路示范县段工程" in squash(pdf_text(data, 0))
    fonts = {str(f.get_object().get("/BaseFont")) for page in PdfReader(io.BytesIO(data)).pages
             for f in page["/Resources"].get("/Font", {}).values()}
    assert any("WenQuanYi" in name for name in fonts), fonts  # the embedded font, not a fallback
