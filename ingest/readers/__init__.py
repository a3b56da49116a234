"""Document readers: one file in, a :class:`~ingest.models.ParsedDocument` out.

:func:`read_document` picks the reader by file suffix (case-insensitive).
Readers are pure functions of the file content: they read no configuration,
keep no state and never guess headings from text (see
:class:`~ingest.models.Block`).  Problems are raised as
:class:`~ingest.errors.IngestError` subclasses with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.errors import EmptyDocumentError, IngestError, UnsupportedFormatError
from ingest.models import ParsedDocument
from ingest.readers import docx, html, markdown, pdf, text
from ingest.readers._tables import parse_pipe_table

Reader = Callable[[Path], ParsedDocument]

_READERS: dict[str, Reader] = {
    **{suffix: pdf.read_pdf for suffix in pdf.SUFFIXES},
    **{suffix: docx.read_docx for suffix in docx.SUFFIXES},
    **{suffix: markdown.read_markdown for suffix in markdown.SUFFIXES},
    **{suffix: text.read_text for suffix in text.SUFFIXES},
    **{suffix: html.read_html for suffix in html.SUFFIXES},
}

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)
"""Lower-case suffixes :func:`read_document` accepts: .pdf .docx .md .markdown .txt .html .htm"""

_OLD_OFFICE = {
    ".doc": "old binary Word files (.doc) are not supported; open the file in Word/WPS and save it as .docx",
    ".wps": "WPS files (.wps) are not supported; save the file as .docx",
}


def read_document(path: Path) -> ParsedDocument:
    """Read one document into blocks and metadata, dispatching on its suffix.

    Parameters
    ----------
    path : Path
        A .pdf, .docx, .md/.markdown, .txt or .html/.htm file.

    Returns
    -------
    ParsedDocument
        ``heading`` / ``paragraph`` / ``table`` blocks in reading order, plus
        metadata (Markdown front matter; document title where the format has one).

    Raises
    ------
    UnsupportedFormatError
        Unknown suffix, or an old binary ``.doc``.
    EmptyDocumentError
        Empty file, or no extractable text.
    EncryptedDocumentError
        Password-protected PDF/DOCX.
    CorruptDocumentError
        Damaged file, or content that does not match the suffix.
    IngestError
        The file cannot be read at all (missing, permission denied).

    Examples
    --------
    >>> doc = read_document(Path("docs/土地管理法.md"))  # doctest: +SKIP
    >>> [b.kind for b in doc.blocks[:3]]  # doctest: +SKIP
    ['heading', 'paragraph', 'heading']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _OLD_OFFICE:
        raise UnsupportedFormatError(_OLD_OFFICE[suffix])
    reader = _READERS.get(suffix)
    if reader is None:
        shown = f"'{suffix}'" if suffix else "(no file suffix)"
        raise UnsupportedFormatError(f"unsupported file type {shown}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    if not path.is_file():
        raise IngestError("file not found" if not path.exists() else "not a regular file")
    try:
        if path.stat().st_size == 0:
            raise EmptyDocumentError("file is empty (0 bytes)")
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    return reader(path)


__all__ = ["SUPPORTED_SUFFIXES", "parse_pipe_table", "read_document"]
