"""A run's answers kept as they come, so an interrupted run resumes where it stopped.

``DIR/journal.jsonl`` starts with a header naming what the answers are valid for (suite, dataset
hash, settings hash, sample); then one line per answered item: ``{"mode": ..., "id": ..., "row": ...}``.
``onemap eval run ... --out DIR --resume`` reuses the rows of a journal whose header matches and asks
only the rest; a header that does not match is refused (other data or settings would mix two runs).
The runner deletes the journal once ``results.json`` is written.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> j = Journal.open(folder, {"suite": "mcq", "dataset_hash": "ab"}, resume=False)
>>> j.record("alone", "q1", {"letters": "A"})
>>> Journal.open(folder, {"suite": "mcq", "dataset_hash": "ab"}, resume=True).done("alone")
{'q1': {'letters': 'A'}}
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

JOURNAL = "journal.jsonl"
FORMAT = 1


class JournalError(ValueError):
    """A journal that cannot be resumed: written for other data or settings, or damaged at its start."""


class Journal:
    """Rows by mode and item id; :meth:`record` appends and flushes one line per row."""

    def __init__(self, path: Path | None, rows: dict[str, dict[str, Any]], header: dict[str, Any] | None = None):
        self.path = path
        self._rows = rows
        self._header = header  # written with the first row, so a run that fails before answering leaves nothing
        self._lock = threading.Lock()

    @classmethod
    def disabled(cls) -> Journal:
        """A journal that keeps nothing on disk (runs without a folder, tests)."""
        return cls(None, {})

    @classmethod
    def open(cls, folder: Path, header: dict[str, Any], *, resume: bool) -> Journal:
        """Start a new journal in ``folder``, or with ``resume`` continue the one there if ``header`` matches."""
        path = Path(folder) / JOURNAL
        header = {"journal": FORMAT, **header}
        if resume and path.is_file():
            return cls(path, _read(path, header))
        path.unlink(missing_ok=True)  # a stale journal of an earlier run into this folder
        return cls(path, {}, header)

    def done(self, mode: str) -> dict[str, Any]:
        """The rows already answered in ``mode``, by item id."""
        return dict(self._rows.get(mode, {}))

    def count(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def record(self, mode: str, item_id: str, row: Any) -> None:
        with self._lock:
            self._rows.setdefault(mode, {})[item_id] = row
            if self.path is None:
                return
            if self._header is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text(json.dumps(self._header, ensure_ascii=False, sort_keys=True) + "\n",
                                     encoding="utf-8")
                self._header = None
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"mode": mode, "id": item_id, "row": row}, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _read(path: Path, header: dict[str, Any]) -> dict[str, dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        found = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        found = None
    if not isinstance(found, dict):
        raise JournalError(f"{path}: not a run journal (drop --resume or choose another --out)")
    differ = sorted(k for k in set(found) | set(header) if found.get(k) != header.get(k))
    if differ:
        raise JournalError(f"{path}: written for another run ({', '.join(differ)} differ): drop --resume to start "
                           "afresh or choose another --out")
    rows: dict[str, dict[str, Any]] = {}
    for line in lines[1:]:
        try:
            entry = json.loads(line)
            rows.setdefault(entry["mode"], {})[entry["id"]] = entry["row"]
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut by the interruption: that item is asked again
    return rows
