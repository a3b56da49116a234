"""Reading evaluators' JSONL datasets line by line: a bad line is recorded with its number, not fatal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from eval.contract import Malformed

T = TypeVar("T", bound=BaseModel)


class DatasetFileError(ValueError):
    """The dataset as a whole cannot be used (missing, not UTF-8, no usable item); the message names it."""


def read_text(path: Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise DatasetFileError(f"{path}: dataset file not found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(parts)


def read_jsonl(path: Path, model: type[T], *, check: Callable[[T], str | None] | None = None
               ) -> tuple[list[T], list[Malformed]]:
    """Items of a JSONL file validated as ``model``; blank lines and lines starting with ``//`` are skipped.

    A line that is not JSON, not an object, fails validation, repeats an earlier ``id`` or fails
    ``check`` (which returns a reason or None) becomes a :class:`Malformed` with its line number.
    """
    items: list[T] = []
    malformed: list[Malformed] = []
    seen: set[str] = set()
    name = str(path)
    for n, text in enumerate(read_text(path).splitlines(), start=1):
        if not text.strip() or text.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            malformed.append(Malformed(line=n, reason=f"not JSON: {exc.msg} (column {exc.colno})", file=name))
            continue
        if not isinstance(row, dict):
            malformed.append(Malformed(line=n, reason=f"not a JSON object but {type(row).__name__}", file=name))
            continue
        try:
            item = model.model_validate(row)
        except ValidationError as exc:
            malformed.append(Malformed(line=n, reason=_reason(exc), file=name))
            continue
        item_id = getattr(item, "id", None)
        if item_id is not None and item_id in seen:
            malformed.append(Malformed(line=n, reason=f"duplicate id {item_id!r}", file=name))
            continue
        problem = check(item) if check else None
        if problem:
            malformed.append(Malformed(line=n, reason=problem, file=name))
            continue
        if item_id is not None:
            seen.add(item_id)
        items.append(item)
    return items, malformed
