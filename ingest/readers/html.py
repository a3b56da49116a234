"""Reader for HTML files (.html, .htm), built on :mod:`html.parser`.

``<h1>``..``<h6>`` become ``heading`` blocks, each block element (``<p>``,
``<div>``, ``<li>``, …) one ``paragraph`` block, each outer ``<table>`` one
``table`` block (its ``<caption>`` a paragraph before it).  ``<br>`` keeps a
line break inside a block; ``<pre>`` keeps its whitespace.  ``<script>``,
``<style>`` and the ``<head>`` are skipped, except that ``<title>`` goes into
``metadata["embedded_title"]`` (information only: embedded titles are often
junk, so document identity comes from the file name).  Comments are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ingest.models import Block, ParsedDocument
from ingest.readers._plain import read_text_file
from ingest.readers._tables import HtmlTableCollector, collapse_whitespace

SUFFIXES = (".html", ".htm")

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "summary", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "math", "object", "iframe"})
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_BREAK = "\x00"  # marks <br> inside the text buffer


def read_html(path: Path) -> ParsedDocument:
    """Read an HTML file into heading, paragraph and table blocks.

    Parameters
    ----------
    path : Path
        The HTML file; UTF-8 (BOM optional), the ``<meta charset>`` encoding,
        or a detected one (GB18030/GBK, …).

    Returns
    -------
    ParsedDocument
        Blocks, plus ``metadata["embedded_title"]`` from ``<title>`` when present.

    Raises
    ------
    EmptyDocumentError, CorruptDocumentError

    Examples
    --------
    >>> [b.kind for b in read_html(Path("公告.html")).blocks]  # doctest: +SKIP
    ['heading', 'paragraph', 'table']
    """
    return parse_html(read_text_file(path, _declared_charset))


def parse_html(text: str) -> ParsedDocument:
    """Parse HTML text (see :func:`read_html`).

    Examples
    --------
    >>> doc = parse_html("<h2>第一章 总则</h2><p>第一条 为了……</p>")
    >>> [(b.kind, b.level, b.text) for b in doc.blocks]
    [('heading', 2, '第一章 总则'), ('paragraph', 0, '第一条 为了……')]
    """
    parser = _BlockParser()
    parser.feed(text)
    parser.close()
    parser.flush()
    metadata = {"embedded_title": parser.title} if parser.title else {}
    return ParsedDocument(blocks=parser.blocks, metadata=metadata)


def _declared_charset(data: bytes) -> str | None:
    match = _CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self._buffer: list[str] = []
        self._heading_level = 0
        self._skip_depth = 0
        self._in_head = False
        self._in_title = False
        self._title_parts: list[str] = []
        self._pre_depth = 0
        self._table: HtmlTableCollector | None = None

    # -- events -----------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._table is not None:
            self._table.start(tag, attrs)
            return
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "head":
            self._in_head = True
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self._in_head = False
        elif tag == "table":
            self.flush()
            self._table = HtmlTableCollector()
            self._table.start(tag, attrs)
        elif tag in _HEADINGS:
            self.flush()
            self._heading_level = _HEADINGS[tag]
        elif tag == "br":
            self._buffer.append(_BREAK)
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag == "pre":
                self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "hr"} or self._table is not None:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._table is not None:
            if self._table.end(tag):
                table, self._table = self._table, None
                if table.caption:
                    self.blocks.append(Block("paragraph", table.caption))
                markdown = table.markdown()
                if markdown:
                    self.blocks.append(Block("table", markdown))
            return
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "head":
            self._in_head = False
        elif tag == "title":
            self._in_title = False
            if not self.title:
                self.title = collapse_whitespace("".join(self._title_parts))
        elif tag in _HEADINGS or tag in _BLOCK_TAGS:
            self.flush()
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._table is not None:
            self._table.data(data)
        elif self._in_title:
            self._title_parts.append(data)
        elif self._skip_depth or self._in_head:
            return
        elif self._pre_depth:
            self._buffer.append(data.replace("\n", _BREAK))
        else:
            self._buffer.append(data)

    # -- output -----------------------------------------------------------
    def flush(self) -> None:
        """Emit the buffered text as a heading or paragraph block."""
        raw = "".join(self._buffer)
        self._buffer.clear()
        level, self._heading_level = self._heading_level, 0
        lines = [collapse_whitespace(part) for part in raw.split(_BREAK)]
        if level:
            text = " ".join(line for line in lines if line)
            if text:
                self.blocks.append(Block("heading", text, level=level))
            return
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append(Block("paragraph", text))
