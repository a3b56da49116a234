"""Readers (ingest.readers) and renderers (ingest.render), end to end on real files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.errors import CorruptDocumentError, EmptyDocumentError, EncryptedDocumentError, UnsupportedFormatError
from ingest.models import Block
from ingest.readers import SUPPORTED_SUFFIXES, read_document
from ingest.readers._tables import parse_pipe_table
from ingest.render import encrypt_pdf, render_docx, render_pdf

LAW_ARTICLE_1 = (
    "第一条 为了加强国土空间规划管理，落实“多规合一”，保障耕地保护和生态安全，根据有关法律、行政法规，制定本条例。"
)
LAW_ARTICLE_2 = "第二条 本条例适用于本省行政区域内国土空间规划的编制、审批、实施和监督管理。"
PLAN_PARAGRAPH = "规划至2035年，全市耕地保有量不低于35.2万亩，永久基本农田保护面积不低于30.8万亩，生态保护红线面积不低于120平方公里。"

PLAN_MARKDOWN = f"""# 第一章 总则

{LAW_ARTICLE_1}

{LAW_ARTICLE_2}

## 第二节 规划指标

| 序号 | 指标名称 | 单位 | 属性 |
|---|---|---|---|
| 1 | 耕地保有量 | 万亩 | 约束性 |
| 2 | 生态保护红线面积 | 平方公里 | 约束性 |

{PLAN_PARAGRAPH}
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def table_rows(block: Block) -> list[list[str]]:
    assert block.kind == "table"
    lines = block.text.split("\n")
    assert re.fullmatch(r"\|(---\|)+", lines[1]), block.text
    return parse_pipe_table(lines)


def kinds(blocks: list[Block]) -> list[str]:
    return [b.kind for b in blocks]


# --------------------------------------------------------------------- Markdown


def test_markdown_front_matter_headings_tables_and_comments(tmp_path: Path) -> None:
    text = """---
title: "某市国土空间总体规划（2021—2035年）"
version: 2024版
access: internal
doc_type: plan
doc_no: 某政发〔2024〕12号
---
# 某市国土空间总体规划

<!-- INFO END -->

### 第一章 总则

第一条 为了统筹国土空间开发保护，
制定本规划。

| 股东名称 | 持股比例 |
|:---|---:|
| 城投集团 | 51% |
| 管道\\|公司 | 49% |

表2 分区面积

<table border="1"><tr><td>分区</td><td>面积</td></tr>
<tr><td colspan="1" rowspan="2">生态保护区</td><td>120</td></tr>
<tr><td>80</td></tr></table>

第二条 规划期限为2021年至2035年。
"""
    doc = read_document(write(tmp_path / "plan.md", text))

    assert doc.metadata == {
        "title": "某市国土空间总体规划（2021—2035年）",
        "version": "2024版",
        "access": "internal",
        "doc_type": "plan",
        "doc_no": "某政发〔2024〕12号",
    }
    assert kinds(doc.blocks) == ["heading", "heading", "paragraph", "table", "paragraph", "table", "paragraph"]
    assert (doc.blocks[0].text, doc.blocks[0].level) == ("某市国土空间总体规划", 1)
    assert (doc.blocks[1].text, doc.blocks[1].level) == ("第一章 总则", 3)
    assert doc.blocks[2].text == "第一条 为了统筹国土空间开发保护，\n制定本规划。"
    assert table_rows(doc.blocks[3]) == [["股东名称", "持股比例"], ["城投集团", "51%"], ["管道|公司", "49%"]]
    assert "| 管道\\|公司 | 49% |" in doc.blocks[3].text
    assert table_rows(doc.blocks[5]) == [["分区", "面积"], ["生态保护区", "120"], ["生态保护区", "80"]]
    assert doc.blocks[6].text == "第二条 规划期限为2021年至2035年。"
    assert all("INFO END" not in b.text and "<" not in b.text for b in doc.blocks)


def test_markdown_without_front_matter_and_uppercase_suffix(tmp_path: Path) -> None:
    text = "正文第一段\n\n---\n\n####### 不是标题\n#1号地块\n##第二章 规划布局\n第五条 ……"
    doc = read_document(write(tmp_path / "law.MARKDOWN", text))
    assert doc.metadata == {}
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("paragraph", 0, "正文第一段"),
        ("paragraph", 0, "####### 不是标题\n#1号地块"),
        ("heading", 2, "第二章 规划布局"),  # no space after # before CJK text: still a heading
        ("paragraph", 0, "第五条 ……"),
    ]


def test_html_table_spanning_lines_in_txt_keeps_cells_whole(tmp_path: Path) -> None:
    text = """附表1 规划指标体系表

<table border="1" ><tr>
<td colspan="1" rowspan="1">序号</td>
<td colspan="2" rowspan="1">指标</td>
</tr><tr>
<td colspan="1" rowspan="1">1</td>
<td colspan="1" rowspan="1">持股
比例</td>
<td colspan="1" rowspan="1">&lt;50%</td>
</tr></table>
<!-- 夯实 梳理 图片残留 -->
第一章 总则
"""
    doc = read_document(write(tmp_path / "指南.txt", text))
    assert kinds(doc.blocks) == ["paragraph", "table", "paragraph"]
    assert table_rows(doc.blocks[1]) == [["序号", "指标", "指标"], ["1", "持股比例", "<50%"]]
    # never a heading guessed from 第一章 in plain text
    assert doc.blocks[2] == Block("paragraph", "第一章 总则")


# --------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "rare"),
    [("gb18030", "堃㘎䶮𠮷"), ("gbk", "堃镕珺")],
)
def test_txt_legacy_chinese_encodings_read_exactly(tmp_path: Path, encoding: str, rare: str) -> None:
    first = f"第一条 张{rare}同志负责本辖区国土空间用途管制工作，依法审查建设项目用地。"
    text = f"{first}\n\n{PLAN_PARAGRAPH}\n"
    path = write(tmp_path / f"{encoding}.txt", text, encoding)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the test really exercises detection

    doc = read_document(path)
    assert [b.text for b in doc.blocks] == [first, PLAN_PARAGRAPH]


@pytest.mark.parametrize("text", ["耕地保有量", "用地红线图\n\n规划许可证"])
def test_short_gbk_txt_is_not_mistaken_for_korean(tmp_path: Path, text: str) -> None:
    # charset-normalizer alone guesses cp949 for these short GBK byte strings
    doc = read_document(write(tmp_path / "short.txt", text, "gbk"))
    assert [b.text for b in doc.blocks] == text.split("\n\n")


def test_txt_utf8_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + f"{LAW_ARTICLE_1}\r\n\r\n{LAW_ARTICLE_2}\r\n".encode())
    doc = read_document(path)
    assert [b.text for b in doc.blocks] == [LAW_ARTICLE_1, LAW_ARTICLE_2]


def test_txt_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "utf16.txt", f"{LAW_ARTICLE_1}\n\n{LAW_ARTICLE_2}", "utf-16")  # writes a BOM
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert [b.text for b in read_document(path).blocks] == [LAW_ARTICLE_1, LAW_ARTICLE_2]


def test_binary_garbage_txt_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(CorruptDocumentError):
        read_document(path)


# --------------------------------------------------------------------- HTML


def test_html_headings_paragraphs_table_and_title(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>某市规划公告</title>
<style>p { color: red; }</style><script>var x = "不应出现";</script></head>
<body>
<h2>第二章 国土空间格局</h2>
<p>第十条 构建“一核两带”
空间格局。</p>
<div>第一行<br>第二行</div>
<!-- 注释不应出现 -->
<table><caption>表1 用地结构</caption>
<tr><th>地类</th><th>面积（公顷）</th></tr>
<tr><td>耕地</td><td>1200.5</td></tr>
</table>
</body></html>"""
    doc = read_document(write(tmp_path / "notice.HTM", html))
    assert doc.metadata == {"embedded_title": "某市规划公告"}
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 2, "第二章 国土空间格局"),
        ("paragraph", 0, "第十条 构建“一核两带”空间格局。"),
        ("paragraph", 0, "第一行\n第二行"),
        ("paragraph", 0, "表1 用地结构"),
        ("table", 0, "| 地类 | 面积（公顷） |\n|---|---|\n| 耕地 | 1200.5 |"),
    ]


def test_html_declared_gbk_charset(tmp_path: Path) -> None:
    html = '<html><head><meta charset="gbk"></head><body><h1>关于张堃同志任职的通知</h1></body></html>'
    doc = read_document(write(tmp_path / "gbk.html", html, "gbk"))
    assert doc.blocks == [Block("heading", "关于张堃同志任职的通知", level=1)]


# --------------------------------------------------------------------- DOCX


def test_docx_round_trip(tmp_path: Path) -> None:
    path = render_docx(PLAN_MARKDOWN, tmp_path / "plan.docx", title="某市国土空间总体规划")
    doc = read_document(path)

    assert doc.metadata == {"embedded_title": "某市国土空间总体规划"}
    assert [(b.kind, b.level, b.text) for b in doc.blocks if b.kind != "table"] == [
        ("heading", 1, "某市国土空间总体规划"),  # Title style
        ("heading", 1, "第一章 总则"),
        ("paragraph", 0, LAW_ARTICLE_1),
        ("paragraph", 0, LAW_ARTICLE_2),
        ("heading", 2, "第二节 规划指标"),
        ("paragraph", 0, PLAN_PARAGRAPH),
    ]
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1
    assert table_rows(tables[0]) == [
        ["序号", "指标名称", "单位", "属性"],
        ["1", "耕地保有量", "万亩", "约束性"],
        ["2", "生态保护红线面积", "平方公里", "约束性"],
    ]
    assert doc.blocks.index(tables[0]) == 5  # after its heading, before the last paragraph


def test_docx_east_asian_font_is_set(tmp_path: Path) -> None:
    import zipfile

    path = render_docx("# 标题\n\n正文", tmp_path / "font.docx")
    styles = zipfile.ZipFile(path).read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="SimSun"' in styles
    assert "eastAsiaTheme" not in re.search(r'<w:style [^>]*w:styleId="Heading1".*?</w:style>', styles, re.S).group(0)


def test_docx_merged_cells_repeated_and_chinese_heading_style(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("第三章 用途管制", level=3)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["类型", "指标", "数值"], ["生态", "红线面积", "120"], ["", "林地\n保有量", "80"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))  # vertical merge
    document.add_paragraph("管道|公司")
    path = tmp_path / "merged.docx"
    document.save(str(path))

    doc = read_document(path)
    assert doc.blocks[0] == Block("heading", "第三章 用途管制", level=3)
    assert table_rows(doc.blocks[1]) == [
        ["类型", "指标", "数值"],
        ["生态", "红线面积", "120"],
        ["生态", "林地 保有量", "80"],
    ]
    assert doc.blocks[2] == Block("paragraph", "管道|公司")


def test_docx_not_a_zip_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(CorruptDocumentError):
        read_document(path)


def test_doc_renamed_to_docx_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(UnsupportedFormatError, match=r"\.docx"):
        read_document(path)


# --------------------------------------------------------------------- PDF


def _pdf_text(blocks: list[Block]) -> str:
    """All extracted characters, with line breaks removed (CJK wraps anywhere)."""
    return "".join(b.text.replace("\n", "") for b in blocks)


def test_pdf_round_trip_chinese_text_and_pages(tmp_path: Path) -> None:
    filler = "\n\n".join(f"第{n}条 {PLAN_PARAGRAPH}" for n in range(3, 60))
    path = render_pdf(PLAN_MARKDOWN + "\n" + filler, tmp_path / "plan.pdf", title="某市国土空间总体规划")
    doc = read_document(path)

    assert doc.metadata == {"embedded_title": "某市国土空间总体规划"}
    assert all(b.kind == "paragraph" for b in doc.blocks)
    pages = [b.page for b in doc.blocks]
    assert pages[0] == 1 and pages == sorted(pages) and max(pages) >= 2
    text = _pdf_text(doc.blocks)
    for paragraph in (LAW_ARTICLE_1, LAW_ARTICLE_2, PLAN_PARAGRAPH, "第二节 规划指标", f"第59条 {PLAN_PARAGRAPH}"):
        assert paragraph in text  # character-exact
    for cell in ("生态保护红线面积", "平方公里", "约束性"):
        assert cell in text
    # page numbers of the footer land on the right page
    for page in sorted(set(pages)):
        assert f"- {page} -" in "\n".join(b.text for b in doc.blocks if b.page == page)


def test_pdf_password_protected_is_encrypted_error(tmp_path: Path) -> None:
    plain = render_pdf(PLAN_MARKDOWN, tmp_path / "plain.pdf")
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", "secret")
    with pytest.raises(EncryptedDocumentError, match="encrypted"):
        read_document(locked)


def test_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    plain = render_pdf(PLAN_MARKDOWN, tmp_path / "plain.pdf")
    restricted = encrypt_pdf(plain, tmp_path / "restricted.pdf", "", owner_password="owner-only")
    from pypdf import PdfReader

    assert PdfReader(restricted).is_encrypted
    assert LAW_ARTICLE_1 in _pdf_text(read_document(restricted).blocks)


def test_aes_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="pypdf needs 'cryptography' for AES")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(render_pdf(PLAN_MARKDOWN, tmp_path / "plain.pdf")))
    writer.encrypt(user_password="", owner_password="owner-only", algorithm="AES-128")
    path = tmp_path / "aes.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert LAW_ARTICLE_1 in _pdf_text(read_document(path).blocks)


def test_pdf_without_text_is_empty(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(EmptyDocumentError, match="OCR"):
        read_document(path)


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    data = render_pdf(PLAN_MARKDOWN, tmp_path / "full.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDocumentError):
        read_document(path)


def test_not_a_pdf_is_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "fake.pdf", "这不是PDF文件")
    with pytest.raises(CorruptDocumentError):
        read_document(path)


# --------------------------------------------------------------------- errors and dispatch


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.pdf", "empty.docx", "empty.html"])
def test_zero_byte_files_are_empty(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(EmptyDocumentError):
        read_document(path)


def test_whitespace_only_txt_is_empty(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocumentError):
        read_document(write(tmp_path / "blank.txt", " \n\u3000\n\t\n"))


def test_unknown_suffix_names_supported_formats(tmp_path: Path) -> None:
    path = write(tmp_path / "data.xyz", "内容")
    with pytest.raises(UnsupportedFormatError) as info:
        read_document(path)
    message = str(info.value)
    assert ".xyz" in message and "\n" not in message
    assert all(suffix in message for suffix in SUPPORTED_SUFFIXES)


def test_old_doc_is_unsupported_with_hint(tmp_path: Path) -> None:
    path = tmp_path / "规划说明.DOC"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(UnsupportedFormatError, match=r"save it as \.docx"):
        read_document(path)


def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"}


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\n\x00garbage")
    with pytest.raises(CorruptDocumentError) as info:
        read_document(path)
    assert "\n" not in str(info.value) and str(info.value)


# --------------------------------------------------------------------- shared corpus


@pytest.mark.corpus
def test_shared_corpus_reads_with_all_tables(shared_corpus: Path) -> None:
    files = sorted(p for p in shared_corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    assert files
    expected_tables = sum(len(re.findall(r"<table\b", p.read_text("utf-8-sig"), re.I)) for p in files)
    docs = [read_document(p) for p in files]  # speed: bench/ingest_speed.py

    blocks = [b for d in docs for b in d.blocks]
    assert sum(b.kind == "table" for b in blocks) == expected_tables
    assert not [b.text[:40] for b in blocks if re.search(r"<(/?t[dr]\b|table\b|!--)", b.text)]
