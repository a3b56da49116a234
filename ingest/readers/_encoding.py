"""Decoding of text files (.txt, .md, .html) whose encoding is not declared.

Order of attempts: byte-order mark (UTF-8, UTF-16, UTF-32), strict UTF-8,
GB18030 when the bytes look like simplified Chinese (GB18030 is a superset of
GB2312 and GBK, so it reads all three correctly), and finally
charset-normalizer's best guess.  Text that still looks like binary data is
rejected with :class:`~ingest.errors.CorruptDocumentError`.
"""

from __future__ import annotations

import codecs

from ingest.errors import CorruptDocumentError

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SAMPLE_CHARS = 20_000
_MIN_GB2312_SHARE = 0.8
_MAX_BAD_SHARE = 0.02
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode the bytes of a text file and normalise line endings to ``\\n``.

    Parameters
    ----------
    data : bytes
        Raw file content.
    declared : str, optional
        An encoding declared by the file itself (HTML ``<meta charset>``),
        tried after BOM and UTF-8 and before detection.

    Returns
    -------
    str
        The text without BOM, with ``\\r\\n`` and ``\\r`` turned into ``\\n``.

    Raises
    ------
    CorruptDocumentError
        If no encoding yields readable text (binary data, unknown encoding).

    Examples
    --------
    >>> decode_text("第一条 总则".encode("gb18030"))
    '第一条 总则'
    """
    text = _decode(data, declared)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _looks_readable(text):
        raise CorruptDocumentError("file does not contain readable text (binary data or unknown encoding)")
    return text


def _decode(data: bytes, declared: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise CorruptDocumentError(
                    f"file starts with a {encoding} byte-order mark but is not valid {encoding}"
                ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(_normalise(declared))
        except (UnicodeDecodeError, LookupError):
            pass
    chinese = _try_gb18030(data)
    if chinese is not None:
        return chinese
    return _guess(data)


def _try_gb18030(data: bytes) -> str | None:
    """Return the GB18030 reading of ``data`` if it is plausibly Chinese text.

    Real simplified-Chinese text consists mostly of GB2312 characters; bytes in
    a Latin code page that happen to decode as GB18030 give rare GBK-only
    characters instead, so we require most non-ASCII characters to be GB2312.
    """
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    non_ascii = [ch for ch in text[:_SAMPLE_CHARS] if ord(ch) > 0x7F]
    if not non_ascii:
        return text
    in_gb2312 = 0
    for ch in non_ascii:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        in_gb2312 += 1
    return text if in_gb2312 / len(non_ascii) >= _MIN_GB2312_SHARE else None


def _guess(data: bytes) -> str:
    from charset_normalizer import from_bytes  # imported lazily: only legacy files need it

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise CorruptDocumentError("cannot detect the text encoding (binary data?)")
    encoding = _normalise(best.encoding)
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise CorruptDocumentError(f"cannot decode the file as {encoding}") from exc


def _normalise(encoding: str) -> str:
    """Read every simplified-Chinese legacy encoding as its superset GB18030."""
    if encoding.replace("_", "").replace("-", "").lower() in {"gb2312", "gbk", "gb18030", "cp936", "euccn", "xgbk"}:
        return "gb18030"
    return encoding


def _looks_readable(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return True
    bad = sum(
        1
        for ch in sample
        if ch == "\ufffd" or ((ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ch not in _ALLOWED_CONTROLS)
    )
    return bad / len(sample) <= _MAX_BAD_SHARE
