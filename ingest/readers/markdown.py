"""Reader for Markdown files (.md, .markdown).

Recognised structure: front matter (``---`` … ``---`` at the very top, simple
``key: value`` pairs → ``ParsedDocument.metadata``), ATX headings ``#`` ..
``######``, pipe tables (one ``table`` block each), embedded HTML tables and
fenced code blocks (kept as a paragraph).  HTML comments and thematic breaks
are dropped.  Inline markup (``**bold**``, links) is left as is.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.models import Block, ParsedDocument
from ingest.readers._plain import blocks_with_html_tables, read_text_file
from ingest.readers._tables import is_delimiter_row, parse_pipe_table, render_pipe_table

SUFFIXES = (".md", ".markdown")

# ATX heading; besides CommonMark's "# 标题", also "#标题" (no space before a CJK character), common in Chinese files
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?)|(?=[\u3000-\u9fff\uff00-\uffef])(.*?))?(?:[ \t]+#+)?[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_KEY = re.compile(r"^([^\s:：#][^:：]*?)\s*[:：]\s*(.*?)\s*$")


def read_markdown(path: Path) -> ParsedDocument:
    """Read a Markdown file into blocks plus front-matter metadata.

    Parameters
    ----------
    path : Path
        A UTF-8 (or GB18030/GBK/UTF-16 with BOM) Markdown file.

    Returns
    -------
    ParsedDocument

    Raises
    ------
    EmptyDocumentError, CorruptDocumentError

    Examples
    --------
    >>> doc = read_markdown(Path("土地管理法.md"))  # doctest: +SKIP
    >>> doc.blocks[0]  # doctest: +SKIP
    Block(kind='heading', text='中华人民共和国土地管理法', level=1, page=None)
    """
    return parse_markdown(read_text_file(path))


def parse_markdown(text: str) -> ParsedDocument:
    """Parse Markdown text (see :func:`read_markdown`).

    Examples
    --------
    >>> doc = parse_markdown("---\\ntitle: 示例\\n---\\n# 第一章 总则\\n\\n第一条 为了……")
    >>> doc.metadata, [b.kind for b in doc.blocks]
    ({'title': '示例'}, ['heading', 'paragraph'])
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    metadata, body = split_front_matter(text)
    return ParsedDocument(blocks=blocks_with_html_tables(body, markdown_blocks), metadata=metadata)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split ``---`` front matter off the top of ``text``.

    Only simple ``key: value`` pairs (and ``- item`` lists, joined with
    ``", "``) are understood; values stay strings.  Without a closing ``---``
    (or ``...``) line, nothing is treated as front matter.

    Examples
    --------
    >>> split_front_matter("---\\ntitle: '规划'\\naccess: internal\\n---\\n正文")
    ({'title': '规划', 'access': 'internal'}, '正文')
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            break
    else:
        return {}, text
    metadata: dict[str, str] = {}
    last_key: str | None = None
    for raw in lines[1:end]:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("- ") and last_key is not None:
            item = _clean_value(line[2:])
            metadata[last_key] = f"{metadata[last_key]}, {item}" if metadata[last_key] else item
            continue
        match = _FRONT_KEY.match(line)
        if match:
            last_key = match.group(1).strip()
            metadata[last_key] = _clean_value(match.group(2) or "")
    return metadata, "\n".join(lines[end + 1 :])


def _clean_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


def markdown_blocks(text: str) -> list[Block]:
    """Block structure of Markdown text without HTML tables or front matter.

    Examples
    --------
    >>> [(b.kind, b.level) for b in markdown_blocks("## 第二章\\n| a | b |\\n|---|---|\\n| 1 | 2 |")]
    [('heading', 2), ('table', 0)]
    """
    lines = text.split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        body = "\n".join(line.strip() for line in paragraph if line.strip())
        if body:
            blocks.append(Block("paragraph", body))
        paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            flush()
            marker = fence.group(1)
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(marker):
                j += 1
            code = "\n".join(lines[i + 1 : j]).strip("\n")
            if code.strip():
                blocks.append(Block("paragraph", code))
            i = j + 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            title = (heading.group(2) or heading.group(3) or "").strip()
            if title:
                blocks.append(Block("heading", title, level=len(heading.group(1))))
            i += 1
            continue
        if _starts_table(lines, i):
            flush()
            j = i
            while j < len(lines) and lines[j].strip() and "|" in lines[j]:
                j += 1
            table = render_pipe_table(parse_pipe_table(lines[i:j]))
            if table:
                blocks.append(Block("table", table))
            i = j
            continue
        if _THEMATIC_BREAK.match(line):
            flush()
            i += 1
            continue
        paragraph.append(line)
        i += 1
    flush()
    return blocks


def _starts_table(lines: list[str], i: int) -> bool:
    line = lines[i]
    if line.lstrip().startswith("|"):
        return True
    return "|" in line and i + 1 < len(lines) and is_delimiter_row(lines[i + 1])
