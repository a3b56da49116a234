"""The plan comparison report (详规成果比对审查报告) as DOCX and PDF: the demo plan against its revision.

``onemap compare`` writes both files from the demo layers and ``demo/revision`` (ten planted
changes); the DOCX is read back with python-docx, the PDF's first page rendered to PNG with
pdfium and its text extracted with pypdf, as for the review reports.  A synthetic long table
checks what the demo's short tables cannot: the header repeated on every page, and no text
outside the page margins.
"""

from __future__ import annotations

import doctest
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import assistant.reports.document_pdf as document_pdf_mod
import assistant.reports.table_layout as table_layout_mod
from assistant.cli import app
from assistant.reports import render_document
from assistant.reports.document_docx import render_document_docx
from assistant.reports.document_pdf import render_document_pdf
from spatial.compare import (
    CONTROL_LINES,
    ReportDocument,
    Section,
    Table,
    caps_from_layer,
    compare_plans,
    comparison_report,
    read_plan,
)
from spatial.kinds import LayerKind
from spatial.layers import read_layer
from spatial.rules import load_rules

REPO = Path(__file__).resolve().parents[2]
DEMO_LAYERS = REPO / "demo" / "layers"
BASE = DEMO_LAYERS / "regulatory_parcels.geojson"
REVISED = REPO / "demo" / "revision" / "regulatory_parcels_revised.geojson"
MANIFEST = REPO / "demo" / "revision" / "planted_changes.json"
TITLE = "详规成果比对审查报告"
MARGIN_PT = 18 * 72 / 25.4


def squash(text: str) -> str:
    return "".join(text.split())


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def planted() -> list[str]:
    return [c["parcel_id"] for c in json.loads(MANIFEST.read_text(encoding="utf-8"))["changes"]]


@pytest.fixture(scope="module")
def document() -> ReportDocument:
    """The report the command writes, built directly: what the DOCX and PDF must carry."""
    lines = {k: read_layer(k, DEMO_LAYERS / f"{k.value}.geojson") for k in CONTROL_LINES}
    caps = caps_from_layer(read_layer(LayerKind.MANAGEMENT_UNITS, DEMO_LAYERS / "management_units.geojson"))
    return comparison_report(compare_plans(read_plan(BASE), read_plan(REVISED), caps=caps, lines=lines,
                                           is_urban=load_rules().urban_development_boundary.is_urban))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """``onemap compare BASE REVISED --layers demo/layers --out`` the report as DOCX and as PDF."""
    folder = tmp_path_factory.mktemp("compare")
    runner = CliRunner()
    paths = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONEMAP_HOME", str(folder / "ws"))
        mp.setenv("ONEMAP_PROFILE", "test")
        for fmt in ("docx", "pdf"):
            path = folder / "reports" / f"compare.{fmt}"
            result = runner.invoke(app, ["compare", str(BASE), str(REVISED), "--layers", str(DEMO_LAYERS),
                                         "--out", str(path)], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            assert result.stdout == ""  # the summary goes to stderr, the report to the file
            assert "10个地块有变化" in result.stderr and f"报告已写入 {path}" in result.stderr
            paths[fmt] = path
    return paths


# ---------------------------------------------------------------------- DOCX


def test_the_docx_carries_the_title_and_every_table(written, document, planted) -> None:
    from docx import Document

    data = written["docx"].read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(data))
    doc = Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == TITLE and doc.paragraphs[0].style.name == "Title"
    assert doc.core_properties.title == TITLE
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.heading for s in document.sections]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "调整后超出建筑总量上限的管理单元：SF-01。" in body and "表1 地块变化一览表" in body

    facts, *tables = doc.tables
    assert [[c.text for c in row.cells] for row in facts.rows] == [list(f) for f in document.facts]
    expected = [b for s in document.sections for b in s.blocks if isinstance(b, Table)]
    assert len(tables) == len(expected) == 5
    for table, block in zip(tables, expected, strict=True):
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert cells == [block.header, *block.rows], block.caption
        assert table.rows[0]._tr.trPr.xpath("./w:tblHeader"), block.caption  # repeated on every page
    changes = [row.cells[0].text for row in tables[0].rows[1:]]
    assert changes == sorted(planted) and "SF-03-13" in changes
    assert ["SF-01-09", "容积率上限", "2.5", "3.4"] in [[c.text for c in r.cells] for r in tables[1].rows]


def test_the_docx_embeds_the_cjk_font_with_every_character(written) -> None:
    from docx import Document
    from fontTools.ttLib import TTFont

    from assistant.reports.docx_common import obfuscate

    z = zipfile.ZipFile(written["docx"])
    styles = z.read("word/styles.xml").decode()
    assert 'w:eastAsia="WenQuanYi Micro Hei"' in styles and "eastAsiaTheme" not in styles
    table = z.read("word/fontTable.xml").decode()
    key = table.split('w:fontKey="')[1].split('"')[0]
    cmap = TTFont(io.BytesIO(obfuscate(z.read("word/fonts/font1.odttf"), key))).getBestCmap()
    doc = Document(written["docx"])
    text = "".join(p.text for p in doc.paragraphs) + "".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells) + doc.sections[0].footer.paragraphs[0].text
    assert {ch for ch in text if not ch.isspace() and ord(ch) not in cmap} == set()


# ---------------------------------------------------------------------- PDF


def test_the_pdf_first_page_renders_its_chinese_text(written, tmp_path, planted) -> None:
    import pypdfium2 as pdfium
    from PIL import Image, ImageOps
    from pypdf import PdfReader

    data = written["pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    png = tmp_path / "page1.png"
    pdfium.PdfDocument(data)[0].render(scale=1.5).to_pil().save(png)
    image = ImageOps.grayscale(Image.open(png))
    width, height = image.size
    assert sum(image.histogram()[:128]) > 0.01 * width * height  # not blank
    assert sum(image.crop((0, 0, width, int(height * 0.12))).histogram()[:128]) > 500  # the title was drawn

    pages = [squash(t) for t in pdf_pages(data)]
    for expected in (TITLE, "原方案", "regulatory_parcels_revised.geojson", "一、比对结论", "二、地块变化",
                     "表1地块变化一览表", "地块编号", "容积率上限2.5→3.4（提高）", "第1页"):
        assert expected in pages[0], expected
    everything = "".join(pages)
    assert all(pid in everything for pid in planted)
    assert "表5变更地块与三条控制线关系表" in everything and "永久基本农田" in everything
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts.values()
                   if "/DescendantFonts" in f.get_object()] + \
                  [f.get_object().get("/FontDescriptor") for f in fonts.values()]
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors)  # embedded TrueType


def _long_document(rows: int = 90) -> ReportDocument:
    header = ["地块编号", "单元", "变化类型", "变化内容", "原规划建筑量(m²)", "新规划建筑量(m²)", "备注"]
    body = [[f"SF-{i:02d}-{i:03d}", "SF-01", "用地性质变更、容积率调整",
             "用地代码0801→0902（变更）；容积率上限由2.5提高至3.4，使老城综合服务单元建筑总量超过上限" * (1 + i % 3),
             f"{100_000 + i:,}", f"{120_000 + i:,}", "X" * 60 if i == 7 else "—"] for i in range(rows)]
    return ReportDocument(title="长表测试", facts=[("说明", "一张跨页的长表")], sections=[
        Section(heading="一、长表", blocks=[Table(caption="表1 长表", header=header, rows=body)])])


def test_a_long_pdf_table_repeats_its_header_and_stays_inside_the_margins() -> None:
    import pypdfium2 as pdfium

    data = render_document_pdf(_long_document())
    pages = [squash(t) for t in pdf_pages(data)]
    assert len(pages) >= 3
    assert all("地块编号" in p and "新规划建筑量(m²)" in p for p in pages), "the header row on every page"
    assert "SF-89-089" in pages[-1] and "X" * 60 in "".join(pages)  # nothing lost, a 60-letter run wrapped
    pdf = pdfium.PdfDocument(data)
    for number, page in enumerate(pdf, 1):
        width = page.get_width()
        text = page.get_textpage()
        boxes = [text.get_charbox(i) for i in range(text.count_chars())]
        assert boxes
        assert min(b[0] for b in boxes) >= MARGIN_PT - 1, number
        assert max(b[2] for b in boxes) <= width - MARGIN_PT + 1, number


def test_a_long_docx_table_fits_the_text_width_and_repeats_its_header() -> None:
    from docx import Document
    from docx.shared import Pt

    doc = Document(io.BytesIO(render_document_docx(_long_document(), embed_font=False)))
    table = doc.tables[1]
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader") and len(table.rows) == 91
    text_width = doc.sections[0].page_width - doc.sections[0].left_margin - doc.sections[0].right_margin
    widths = [c.width for c in table.columns]
    assert sum(widths) <= text_width + Pt(1)
    assert widths[3] == max(widths) and widths[0] > Pt(30)  # the long text gets the room, the id its own line


def test_module_docstring_examples_run() -> None:
    for mod in (document_pdf_mod, table_layout_mod):
        result = doctest.testmod(mod)
        assert result.attempted > 0 and result.failed == 0, mod.__name__


def test_render_document_picks_the_format(document) -> None:
    assert render_document(document, "md").decode("utf-8").startswith(f"# {TITLE}\n")
    assert render_document(document, "pdf").startswith(b"%PDF")
    assert zipfile.is_zipfile(io.BytesIO(render_document(document, "docx")))
    with pytest.raises(ValueError, match="unknown report format"):
        render_document(document, "html")


# ---------------------------------------------------------------------- the command


@pytest.mark.parametrize("name", ["r.txt", "r.doc", "report"])
def test_an_unsupported_out_suffix_exits_2_with_one_chinese_line(tmp_path, monkeypatch, name) -> None:
    monkeypatch.setenv("ONEMAP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    out = tmp_path / name
    result = CliRunner().invoke(app, ["compare", str(BASE), str(REVISED), "--layers", str(DEMO_LAYERS),
                                      "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "不支持的报告格式" in result.stderr and all(s in result.stderr for s in (".md", ".docx", ".pdf"))
    assert not out.exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_compare_docx_with_its_embedded_cjk_font(written, tmp_path) -> None:
    from pypdf import PdfReader

    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(written["docx"])],
                   check=True, capture_output=True, timeout=180)
    data = (tmp_path / "compare.pdf").read_bytes()
    first = squash(pdf_pages(data)[0])
    assert TITLE in first and "SF-01-09" in first and "地块变化一览表" in first
    fonts = {str(f.get_object().get("/BaseFont")) for page in PdfReader(io.BytesIO(data)).pages
             for f in page["/Resources"].get("/Font", {}).values()}
    assert any("WenQuanYi" in name for name in fonts), fonts
