"""Report downloads: the media type of each format and a Content-Disposition that is safe whatever the name.

Examples
--------
>>> disposition("审查意见书-P-003/../x", "pdf")
'attachment; filename="P-003_.._x.pdf"; filename*=UTF-8\\'\\'%E5%AE%A1%E6%9F%A5%E6%84%8F%E8%A7%81%E4%B9%A6-P-003_.._x.pdf'
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.responses import Response

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def disposition(stem: str, fmt: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the UTF-8 ``filename*`` (RFC 6266), neither holding a path."""
    name = _UNSAFE.sub("_", stem).strip(" ._") or "report"
    ascii_name = _NOT_ASCII_NAME.sub("_", name).strip("._-") or "report"
    return f"attachment; filename=\"{ascii_name[:100]}.{fmt}\"; filename*=UTF-8''{quote(name[:100], safe='')}.{fmt}"


def download(data: bytes, fmt: str, stem: str) -> Response:
    """``data`` (a rendered report) as a file download named ``stem``.``fmt``."""
    return Response(content=data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition(stem, fmt)})


def download_responses(description: str) -> dict[int | str, dict]:
    """The OpenAPI ``responses`` entry of a route that answers with a report file."""
    return {200: {"description": description,
                  "content": {media: {"schema": {"type": "string", "format": "binary"}}
                              for media in MEDIA_TYPES.values()}}}
