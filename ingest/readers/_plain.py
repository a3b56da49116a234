"""Helpers shared by the plain-text style readers (.txt and .md).

Both formats may carry HTML fragments produced by converters: comments (e.g.
``<!-- INFO END -->`` or OCR residue of figures) are dropped, and
``<table>…</table>`` fragments, possibly spanning many lines, become one
``table`` block each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.errors import EmptyDocumentError, IngestError
from ingest.models import Block
from ingest.readers._encoding import decode_text
from ingest.readers._tables import html_table_to_markdown

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


def read_nonempty_bytes(path: Path) -> bytes:
    """The file's bytes; one-line errors for unreadable and empty files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise EmptyDocumentError("file is empty")
    return data


def read_text_file(path: Path, declared_encoding: Callable[[bytes], str | None] | None = None) -> str:
    """Read and decode a text file; empty or whitespace-only files are rejected.

    ``declared_encoding`` may extract an encoding the file declares itself
    (HTML ``<meta charset>``); it is used when the bytes are not UTF-8.

    Examples
    --------
    >>> read_text_file(Path("notice.txt"))  # doctest: +SKIP
    '自然资源部关于…'
    """
    data = read_nonempty_bytes(path)
    declared = declared_encoding(data) if declared_encoding else None
    text = decode_text(data, declared)
    if not text.strip():
        raise EmptyDocumentError("file is empty (whitespace only)")
    return text


def strip_html_comments(text: str) -> str:
    """Remove ``<!-- … -->`` comments (also multi-line ones).

    Examples
    --------
    >>> strip_html_comments("甲<!-- INFO END -->乙")
    '甲乙'
    """
    return _COMMENT.sub("", text)


def split_html_tables(text: str) -> Iterator[tuple[bool, str]]:
    """Yield ``(is_table, piece)`` pieces of ``text`` in order.

    Table pieces run from an outer ``<table …>`` to its matching ``</table>``
    (nested tables are counted); an unclosed table runs to the end of text.

    Examples
    --------
    >>> list(split_html_tables("前文\\n<table><tr><td>1</td></tr></table>\\n后文"))
    [(False, '前文\\n'), (True, '<table><tr><td>1</td></tr></table>'), (False, '\\n后文')]
    """
    pos = 0
    depth = 0
    start = 0
    for match in _TABLE_TAG.finditer(text):
        closing = match.group(1) == "/"
        if not closing:
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                if start > pos:
                    yield False, text[pos:start]
                yield True, text[start : match.end()]
                pos = match.end()
    if depth > 0:
        if start > pos:
            yield False, text[pos:start]
        yield True, text[start:]
    elif pos < len(text):
        yield False, text[pos:]


def table_blocks(fragment: str) -> list[Block]:
    """Blocks for one HTML table fragment: optional caption paragraph + table."""
    caption, table = html_table_to_markdown(fragment)
    blocks = []
    if caption:
        blocks.append(Block("paragraph", caption))
    if table:
        blocks.append(Block("table", table))
    return blocks


def paragraph_blocks(text: str) -> list[Block]:
    """One ``paragraph`` block per blank-line separated group of lines.

    Lines are stripped (also of the full-width indent ``\\u3000``) and kept on
    separate lines inside the block text.

    Examples
    --------
    >>> [b.text for b in paragraph_blocks("　　第一条 甲\\n乙\\n\\n第二条 丙")]
    ['第一条 甲\\n乙', '第二条 丙']
    """
    blocks = []
    for group in _BLANK_LINE.split(text):
        lines = [line.strip() for line in group.split("\n")]
        body = "\n".join(line for line in lines if line)
        if body:
            blocks.append(Block("paragraph", body))
    return blocks


def blocks_with_html_tables(text: str, parse_text: Callable[[str], list[Block]]) -> list[Block]:
    """Drop comments, cut out HTML tables and parse the rest with ``parse_text``."""
    blocks: list[Block] = []
    for is_table, piece in split_html_tables(strip_html_comments(text)):
        blocks.extend(table_blocks(piece) if is_table else parse_text(piece))
    return blocks
