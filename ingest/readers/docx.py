"""Reader for Word documents (.docx), built on python-docx.

Body paragraphs and tables are read in document order.  A paragraph is a
``heading`` only when its style (or a style it is based on) is
"Heading N" / "标题 N" / "Title", or when it carries an explicit outline
level; every other non-empty paragraph is one ``paragraph`` block.  Each
table becomes one ``table`` block (pipe table, merged cells repeated).
Headers, footers, footnotes, text boxes and automatic list numbering are not
read.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    IngestError,
    UnsupportedFormatError,
)
from ingest.models import Block, ParsedDocument
from ingest.readers._tables import render_pipe_table

SUFFIXES = (".docx",)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "标题"})
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path) -> ParsedDocument:
    """Read a .docx file into heading, paragraph and table blocks.

    Parameters
    ----------
    path : Path
        The Word (Office Open XML) document.

    Returns
    -------
    ParsedDocument
        Blocks in document order; ``metadata["embedded_title"]`` from the core
        properties when set.

    Raises
    ------
    EmptyDocumentError
        No text in the body.
    EncryptedDocumentError
        Password-protected document.
    UnsupportedFormatError
        An old binary .doc file renamed to .docx.
    CorruptDocumentError
        Not a readable .docx package.

    Examples
    --------
    >>> doc = read_docx(Path("规划说明.docx"))  # doctest: +SKIP
    >>> doc.blocks[0]  # doctest: +SKIP
    Block(kind='heading', text='第一章 总则', level=1, page=None)
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise EmptyDocumentError("file is empty")
    if head == _OLE_MAGIC:
        if _ENCRYPTION_STREAM in path.read_bytes():
            raise EncryptedDocumentError("DOCX is password protected; remove the password and save again")
        raise UnsupportedFormatError(
            "file is an old binary Word document (.doc); open it in Word/WPS and save as .docx"
        )
    if not zipfile.is_zipfile(path):
        raise CorruptDocumentError("not a valid .docx file (not a ZIP package)")

    import docx  # imported lazily: keeps `import ingest.readers` fast

    try:
        document = docx.Document(str(path))
        blocks = list(_iter_blocks(document))
        title = (document.core_properties.title or "").strip()
    except IngestError:
        raise
    except Exception as exc:  # python-docx raises many types for damaged packages
        raise CorruptDocumentError(f"damaged .docx file ({type(exc).__name__})") from exc
    if not blocks:
        raise EmptyDocumentError("document contains no text")
    return ParsedDocument(blocks=blocks, metadata={"embedded_title": title} if title else {})


def _iter_blocks(document: object):  # -> Iterator[Block]
    from docx.table import Table

    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            table = _table_markdown(item)
            if table:
                yield Block("table", table)
            continue
        text = "\n".join(line.strip() for line in item.text.split("\n") if line.strip())
        if not text:
            continue
        level = _heading_level(item)
        if level:
            yield Block("heading", " ".join(text.split("\n")), level=level)
        else:
            yield Block("paragraph", text)


def _heading_level(paragraph: object) -> int:
    """Heading level from the paragraph style chain or outline level, else 0."""
    style = getattr(paragraph, "style", None)
    seen = 0
    while style is not None and seen < 10:
        name = (style.name or "").strip()
        match = _HEADING_STYLE.match(name)
        if match:
            return min(int(match.group(1)), 6)
        if name.lower() in _TITLE_STYLES:
            return 1
        style = style.base_style
        seen += 1
    ppr = paragraph._p.pPr  # type: ignore[attr-defined]
    if ppr is not None:
        outline = ppr.find(f"{_W_NS}outlineLvl")
        if outline is not None:
            try:
                value = int(outline.get(f"{_W_NS}val", "9"))
            except ValueError:
                value = 9
            if 0 <= value <= 5:
                return value + 1
    return 0


def _table_markdown(table: object) -> str:
    rows: list[list[str]] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells = [""] * row.grid_cols_before
        cells.extend(cell.text for cell in row.cells)
        cells.extend([""] * row.grid_cols_after)
        rows.append(cells)
    return render_pipe_table(rows)
