"""The run folder contract that outside tools read (docs/EVAL.md).

``DIR/results.json``::

    {"suite": "mcq", "n": 80, "metrics": {"accuracy": 0.61, ...}, "per_subject": {...},
     "baselines": {"model_alone": {...}}, "tables": {...}, "malformed": {"count": 1, "lines": [...]},
     "run": {"commit": "...", "model": "...", "settings_hash": "...", "dataset_hash": "...", ...}}

``DIR/predictions.jsonl``: one JSON object per item with at least ``id``, ``prediction``,
``gold``, ``correct`` and ``latency_ms``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RESULTS = "results.json"
PREDICTIONS = "predictions.jsonl"
ROOT = Path(__file__).resolve().parents[1]


class Malformed(BaseModel):
    """A dataset line (or file) that could not be read; the run goes on without it."""

    line: int = Field(description="1-based line number in the file (0: the file as a whole).")
    reason: str
    file: str = ""


class Prediction(BaseModel):
    """One scored item; suites add their own fields (subject, mode, evidence, ...)."""

    model_config = ConfigDict(extra="allow")

    id: str
    prediction: Any = None
    gold: Any = None
    correct: bool | None = None
    latency_ms: float | None = None


class RunInfo(BaseModel):
    """Where a result comes from: enough to reproduce it or to refuse comparing it."""

    commit: str
    model: str | None = None
    settings_hash: str
    dataset: str
    dataset_hash: str
    limit: int | None = None
    started_at: str
    finished_at: str = ""
    seconds: float = 0.0
    machine: str = ""
    options: dict[str, Any] = Field(default_factory=dict)


class Results(BaseModel):
    """``results.json``."""

    suite: str
    n: int
    metrics: dict[str, float | int | None]
    per_subject: dict[str, dict[str, float | int | None]] = Field(default_factory=dict)
    baselines: dict[str, dict[str, float | int | None]] = Field(default_factory=dict)
    tables: dict[str, Any] = Field(default_factory=dict)
    malformed: dict[str, Any] = Field(default_factory=lambda: {"count": 0, "lines": []})
    notes: list[str] = Field(default_factory=list)
    run: RunInfo


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit(root: Path = ROOT) -> str:
    """The checkout's commit, with ``+dirty`` when tracked files differ from it; ``unknown`` outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def machine() -> str:
    return f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"


def dataset_hash(path: Path, files: list[Path] | None = None) -> str:
    """SHA-256 (first 16 hex digits) of a file's bytes, or of a folder's data files (relative names and bytes,
    in name order; ``files`` when given, else every file but caches and dotfiles), so the same data hashes the
    same wherever it lies."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_file():
        files = [path]
    elif files is None:
        files = [p for p in path.rglob("*") if p.is_file() and not any(
            part.startswith(".") or part == "__pycache__" for part in p.relative_to(path).parts)]
    for file in sorted(files):
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_run(folder: Path, results: Results, predictions: Iterable[Prediction]) -> None:
    """Write ``results.json`` and ``predictions.jsonl`` into ``folder`` (created), each atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(p.model_dump(mode="json"), ensure_ascii=False) + "\n" for p in predictions)
    _write_atomic(folder / PREDICTIONS, lines)
    _write_atomic(folder / RESULTS, json.dumps(results.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")


class RunFolderError(ValueError):
    """A folder is not a run folder, or its files are damaged; the message says which."""


def read_results(folder: Path) -> Results:
    path = Path(folder) / RESULTS
    if not path.is_file():
        raise RunFolderError(f"{folder}: no {RESULTS} (not an `onemap eval run --out` folder)")
    try:
        return Results.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RunFolderError(f"{path}: not a results file: {str(exc).splitlines()[0]}") from exc


def read_predictions(folder: Path) -> list[Prediction]:
    """The predictions of a run folder; an absent file reads as none, a damaged line is an error."""
    path = Path(folder) / PREDICTIONS
    if not path.is_file():
        return []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(Prediction.model_validate_json(line))
            except ValueError as exc:
                raise RunFolderError(f"{path}:{n}: not a prediction: {str(exc).splitlines()[0]}") from exc
    return rows
