"""Reader for plain-text files (.txt).

One ``paragraph`` block per blank-line separated group of lines (lines kept);
embedded HTML ``<table>`` fragments become ``table`` blocks and HTML comments
are dropped.  No headings: plain text has no heading markup, and recognising
第一章 / 第一条 is the chunker's job.
"""

from __future__ import annotations

from pathlib import Path

from ingest.models import ParsedDocument
from ingest.readers._plain import blocks_with_html_tables, paragraph_blocks, read_text_file

SUFFIXES = (".txt",)


def read_text(path: Path) -> ParsedDocument:
    """Read a .txt file (UTF-8, UTF-16 with BOM, GB18030/GBK, …).

    Parameters
    ----------
    path : Path
        The text file.

    Returns
    -------
    ParsedDocument
        Paragraph and table blocks; no metadata.

    Raises
    ------
    EmptyDocumentError, CorruptDocumentError

    Examples
    --------
    >>> [b.kind for b in read_text(Path("通知.txt")).blocks]  # doctest: +SKIP
    ['paragraph', 'paragraph', 'table']
    """
    return parse_text(read_text_file(path))


def parse_text(text: str) -> ParsedDocument:
    """Parse decoded plain text (see :func:`read_text`).

    Examples
    --------
    >>> [b.text for b in parse_text("第一条 甲\\n\\n第二条 乙").blocks]
    ['第一条 甲', '第二条 乙']
    """
    return ParsedDocument(blocks=blocks_with_html_tables(text, paragraph_blocks))
