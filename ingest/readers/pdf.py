"""Reader for PDF files, built on pypdf (text layer only, no OCR).

Each line of a page's extracted text becomes a ``paragraph`` block (PDF
lines are visual lines: the chunker re-joins sentences broken across lines
and pages, recognises 一、/（一）/第X条 at line starts, and drops page-number
lines such as ``- 3 -``).  ``Block.page`` is the 1-based page number.  PDFs carry no
reliable heading or table markup, so no ``heading``/``table`` blocks are made.

Encrypted files are opened when the user password is empty; otherwise
:class:`~ingest.errors.EncryptedDocumentError`.  A PDF without any
extractable text (scanned, blank) raises
:class:`~ingest.errors.EmptyDocumentError`.
"""

from __future__ import annotations

import io
from pathlib import Path

from ingest.errors import CorruptDocumentError, EmptyDocumentError, EncryptedDocumentError, IngestError
from ingest.models import Block, ParsedDocument
from ingest.readers._plain import read_nonempty_bytes

SUFFIXES = (".pdf",)

_HEADER_WINDOW = 1024  # the PDF spec allows junk before %PDF-


def read_pdf(path: Path) -> ParsedDocument:
    """Read the text layer of a PDF, one block per line group, with page numbers.

    Parameters
    ----------
    path : Path
        The PDF file.

    Returns
    -------
    ParsedDocument
        ``paragraph`` blocks with ``page`` set; ``metadata["embedded_title"]`` from
        the document information when present.

    Raises
    ------
    EncryptedDocumentError
        Password protected (non-empty user password) or unsupported cipher.
    EmptyDocumentError
        Empty file, or no extractable text (scanned PDF; OCR is not supported).
    CorruptDocumentError
        Damaged file or not a PDF.

    Examples
    --------
    >>> doc = read_pdf(Path("某市国土空间总体规划.pdf"))  # doctest: +SKIP
    >>> doc.blocks[0].page  # doctest: +SKIP
    1
    """
    data = read_nonempty_bytes(path)
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise CorruptDocumentError("not a PDF file (no %PDF header)")

    from pypdf import PdfReader  # imported lazily: keeps `import ingest.readers` fast
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt_with_empty_password(reader)
        pages = list(reader.pages)
        if not pages:
            raise CorruptDocumentError("damaged PDF: no pages found")
        blocks: list[Block] = []
        for number, page in enumerate(pages, start=1):
            blocks.extend(_page_blocks(page.extract_text() or "", number))
        title = _title(reader)
    except IngestError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise EncryptedDocumentError(f"PDF is encrypted and cannot be opened ({exc})") from exc
    except RecursionError as exc:
        raise CorruptDocumentError("damaged PDF: recursive object structure") from exc
    except Exception as exc:  # pypdf raises many exception types for damaged files
        raise CorruptDocumentError(f"damaged PDF ({type(exc).__name__}: {_one_line(exc)})") from exc
    if not blocks:
        raise EmptyDocumentError("no extractable text (scanned PDF? OCR is not supported)")
    return ParsedDocument(blocks=blocks, metadata={"embedded_title": title} if title else {})


def _decrypt_with_empty_password(reader: object) -> None:
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        result = reader.decrypt("")  # type: ignore[attr-defined]
    except DependencyError as exc:
        raise EncryptedDocumentError(
            "PDF is encrypted with AES; decrypting it needs the 'cryptography' package"
        ) from exc
    except Exception as exc:
        raise EncryptedDocumentError(f"PDF is encrypted and cannot be opened ({type(exc).__name__})") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise EncryptedDocumentError("PDF is encrypted (password protected); remove the password and try again")


def _page_blocks(text: str, page: int) -> list[Block]:
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [Block("paragraph", line, page=page) for line in lines if line]


def _title(reader: object) -> str:
    try:
        info = reader.metadata  # type: ignore[attr-defined]
        title = info.title if info is not None else None
    except Exception:
        return ""
    return " ".join(str(title).split()) if title else ""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else "no details"
