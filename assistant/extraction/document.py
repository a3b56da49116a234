"""A read document as extraction sees it: tables (rows of cells) and text paragraphs, each with a locator.

Markdown, DOCX and text files keep their tables whole (pipe tables from the readers; a pipe table
inside a .txt paragraph is recognised too). A PDF has no table markup: pypdf gives one line per
table-cell fragment, so a table is rebuilt from its header labels and the rows that start with a
parcel id, skipping page numbers and a header repeated after a page break (:mod:`.pdf_tables`).
PDF prose lines are joined (a wrapped line is not a break in Chinese text), so a span in a PDF is
the joined text of its paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import Block, ParsedDocument
from ingest.readers._tables import is_delimiter_row, parse_pipe_table

_CAPTION = re.compile(r"^\s*(表\s*[0-9A-Za-z]+(?:[-－.．][0-9]+)*)")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[，,]?\s*共\s*\d+\s*页)?)\s*$")
_PARA_START = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+条|[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）"
                         r"|\d+(?:\.\d+)+\s|表\s*\d|[A-Z]{1,6}\d{0,4}-[0-9A-Z]+-?[0-9A-Z]*地块|[\u4e00-\u9fff]{2,8}[：:])")


@dataclass
class Table:
    rows: list[list[str]]  # first row = header
    caption: str
    pages: list[int | None] = field(default_factory=list)  # per body row, for PDFs
    position: int = 0  # number of paragraphs before the table


@dataclass
class Paragraph:
    text: str
    locator: str
    heading: bool = False
    page: int | None = None


@dataclass
class Layout:
    tables: list[Table]
    paragraphs: list[Paragraph]
    is_pdf: bool = False


def layout(doc: ParsedDocument, *, is_pdf: bool = False) -> Layout:
    """Split a parsed document into tables and paragraphs."""
    if is_pdf:
        from assistant.extraction.pdf_tables import pdf_layout

        return pdf_layout(doc.blocks)
    tables: list[Table] = []
    paragraphs: list[Paragraph] = []
    last_text = ""
    heading = ""
    for block in doc.blocks:
        if block.kind == "table":
            tables.append(Table(parse_pipe_table(block.text.split("\n")), _caption(last_text, len(tables) + 1),
                                position=len(paragraphs)))
            continue
        if block.kind == "heading":
            heading = block.text.strip()
            paragraphs.append(Paragraph(heading, heading, heading=True))
            last_text = heading
            continue
        for text, is_table in _split_embedded_tables(block.text):
            if is_table:
                tables.append(Table(parse_pipe_table(text.split("\n")), _caption(last_text, len(tables) + 1),
                                    position=len(paragraphs)))
                continue
            for line in _paragraph_lines(text):
                paragraphs.append(Paragraph(line, _locator(line, heading, len(paragraphs) + 1)))
                last_text = line
    return Layout(tables, paragraphs)


def _split_embedded_tables(text: str) -> list[tuple[str, bool]]:
    """Pipe tables written inside a plain-text paragraph."""
    parts: list[tuple[str, bool]] = []
    buf: list[str] = []
    table: list[str] = []
    for line in text.split("\n"):
        if line.strip().startswith("|") and line.strip().count("|") >= 3:
            if buf:
                parts.append(("\n".join(buf), False))
                buf = []
            table.append(line)
        else:
            if table:
                parts.append(("\n".join(table), len(table) >= 2 and any(is_delimiter_row(t) for t in table)))
                table = []
            buf.append(line)
    if table:
        parts.append(("\n".join(table), len(table) >= 2))
    if buf:
        parts.append(("\n".join(buf), False))
    return parts


def _paragraph_lines(text: str) -> list[str]:
    """A text block's lines; lines of "key：value" form and numbered items are paragraphs of their own."""
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    out: list[str] = []
    for line in lines:
        if out and not _PARA_START.match(line) and not out[-1].endswith(("。", "：", ":")) and len(out[-1]) > 30:
            out[-1] += line  # a wrapped line of the same paragraph
        else:
            out.append(line)
    return out


def _caption(text: str, n: int) -> str:
    m = _CAPTION.match(text)
    return re.sub(r"\s+", "", m[1]) if m else f"表{n}"


def _locator(text: str, heading: str, n: int) -> str:
    m = _PARA_START.match(text)
    if m and not m[0].endswith(("：", ":")) and "地块" not in m[0]:
        return m[0].strip()
    return f"{heading} 第{n}段".strip() if heading else f"第{n}段"


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def blocks_text(blocks: list[Block]) -> str:
    return "\n".join(b.text for b in blocks)
