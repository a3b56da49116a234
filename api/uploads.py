"""Uploaded files: a client's file name is checked, never trusted, and the bytes go to a temporary folder.

A name is refused (400) when it carries a path: a separator (``/`` or ``\\``), a drive or stream
colon, ``.`` or ``..``, a NUL or another control character, or more than 255 bytes.  What is left
is a plain base name that keeps its suffix (the readers pick the format by suffix) and its Chinese
characters (a document's name gives its title and version).  Each upload is written into a
folder created for the request (:func:`spooled`), removed when the request is done.

Examples
--------
>>> safe_filename("土地管理法(2019-08-26).md")
'土地管理法(2019-08-26).md'
>>> safe_filename("../../etc/passwd")
Traceback (most recent call last):
...
api.errors.ApiError: file name '../../etc/passwd': a path is not allowed, send the file's base name
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from api.errors import ApiError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_BYTES = 255
CHUNK = 1 << 20


def safe_filename(name: str | None, *, field: str = "file") -> str:
    """``name`` if it is a plain base name; else :class:`ApiError` 400 saying why."""
    if not name or not name.strip():
        raise ApiError(400, f"{field}: the upload has no file name; send one with its suffix, e.g. plan.pdf")
    shown = name if len(name) <= 80 else name[:80] + "…"
    if _CONTROL.search(name):
        raise ApiError(400, f"file name {shown!r}: control characters (NUL, newline …) are not allowed")
    if "/" in name or "\\" in name or ":" in name or name.strip() in (".", ".."):
        raise ApiError(400, f"file name {shown!r}: a path is not allowed, send the file's base name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ApiError(400, f"file name {shown!r}: longer than {MAX_NAME_BYTES} bytes")
    return name.strip()


def check_suffix(name: str, allowed: Sequence[str], *, what: str) -> None:
    """422 unless ``name`` ends with one of ``allowed`` (lower-case suffixes with the dot)."""
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        raise ApiError(422, f"{name}: {what} must be {'、'.join(allowed)}, not {suffix or 'a file without a suffix'}")


@contextmanager
def spooled(*uploads: tuple[str, UploadFile]) -> Iterator[list[Path]]:
    """Write each ``(subfolder, upload)`` to ``<new temporary folder>/<subfolder>/<checked name>``; yield the paths.

    The folder and everything in it is removed afterwards, whatever happened.
    """
    root = Path(tempfile.mkdtemp(prefix="onemap-upload-"))
    try:
        paths = []
        for sub, upload in uploads:
            name = safe_filename(upload.filename, field=sub)
            folder = root / sub
            folder.mkdir(exist_ok=True)
            target = folder / name
            if target.resolve().parent != folder.resolve():  # belt and braces: never outside the folder
                raise ApiError(400, f"file name {name!r}: not a plain file name")
            with open(target, "xb") as out:
                shutil.copyfileobj(upload.file, out, CHUNK)
            paths.append(target)
        yield paths
    finally:
        shutil.rmtree(root, ignore_errors=True)


def without_folder(message: str, paths: Sequence[Path]) -> str:
    """``message`` with the temporary folders of ``paths`` cut out (errors name the file, not where it was spooled)."""
    for p in paths:
        message = message.replace(f"{p.parent}/", "").replace(str(p.parent), "")
    return message
