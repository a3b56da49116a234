"""Evaluation question sets, read from ../shared/eval (the data sits beside the repository, not in it).

- C-Eval ``urban_and_rural_planner_{dev,val}.csv``: columns id,question,A,B,C,D,answer; single choice.
- ``planner_exams_2012_2021.jsonl``: 注册城乡规划师 exam questions, single and multiple choice,
  options A-E, with a subject (knowledge, regulation, unknown).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import random
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.qa.choice import ChoiceQuestion

log = logging.getLogger(__name__)

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
CEVAL_DIR = SHARED_EVAL / "ceval_urban_and_rural_planner"
CEVAL_DEV = CEVAL_DIR / "urban_and_rural_planner_dev.csv"
CEVAL_VAL = CEVAL_DIR / "urban_and_rural_planner_val.csv"
PLANNER_EXAMS = SHARED_EVAL / "planner_exams_2012_2021.jsonl"

SUBJECTS = ("knowledge", "regulation", "unknown")
DEFAULT_SEED = 20261123
_CEVAL_COLUMNS = ("id", "question", "A", "B", "C", "D", "answer")
_EXAM_KEYS = ("id", "type", "question", "options", "answer")
_BLANK = {"", "nan", "none", "null"}  # options lost in extraction (figures, tables) read as "nan"
_WHERE = "the evaluation data lives in ../shared/eval: ../shared must sit beside the repository"


class DatasetError(ValueError):
    """An evaluation file is missing or cannot be read; the message names the file."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(f"{path}: {problem} ({_WHERE})")


class SkippedRow(BaseModel):
    line: int
    id: str
    reason: str


class ExamSet(BaseModel):
    """Every usable question of an exam file, and the rows left out with the reason."""

    path: str
    questions: list[ChoiceQuestion]
    skipped: list[SkippedRow]


def _read_text(path: Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, "file not found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(path, f"cannot be read as UTF-8 text: {exc}") from exc


def load_ceval(path: Path) -> list[ChoiceQuestion]:
    """Single-choice questions from a C-Eval CSV; ids are ``<file stem>:<id>``.

    A row with a bad answer or empty option is a malformed file, not a row to
    skip: C-Eval sets are small and curated.
    """
    path = Path(path)
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    missing = [c for c in _CEVAL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(path, f"not a C-Eval file: missing columns {missing}")
    questions = []
    try:
        for row in reader:
            questions.append(ChoiceQuestion(
                id=f"{path.stem}:{row['id'].strip()}", question=row["question"].strip(),
                options={letter: row[letter] or "" for letter in "ABCD"}, multi=False,
                answer=(row["answer"] or "").strip()))
    except (csv.Error, ValidationError, AttributeError) as exc:
        raise DatasetError(path, f"the row ending at line {reader.line_num} is malformed: {exc}") from exc
    if not questions:
        raise DatasetError(path, "no questions")
    return questions


def read_planner_exams(path: Path) -> ExamSet:
    """All questions of the exam JSONL; rows whose answer is not among the options, or with fewer
    than two options, are skipped and listed. Blank options (``"nan"``: a figure or table lost in
    extraction) count as absent. Lines that are not JSON objects with the expected
    keys make the file malformed."""
    path = Path(path)
    questions: list[ChoiceQuestion] = []
    skipped: list[SkippedRow] = []
    for line, text in enumerate(_read_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(path, f"line {line} is not JSON: {exc}") from exc
        if not isinstance(row, dict) or any(key not in row for key in _EXAM_KEYS):
            raise DatasetError(path, f"line {line} is not an exam question object with keys {list(_EXAM_KEYS)}")
        if row["type"] not in ("single", "multi") or not isinstance(row["options"], dict):
            skipped.append(SkippedRow(line=line, id=str(row["id"]), reason=f"type {row['type']!r} or options malformed"))
            continue
        options = {k: v for k, v in row["options"].items() if str(v).strip().lower() not in _BLANK}
        try:
            questions.append(ChoiceQuestion(
                id=str(row["id"]), question=str(row["question"]).strip(), options=options,
                multi=row["type"] == "multi", answer=str(row["answer"] or ""), subject=row.get("subject")))
        except ValidationError as exc:
            reason = "; ".join(err["msg"] for err in exc.errors())
            skipped.append(SkippedRow(line=line, id=str(row["id"]), reason=reason))
    if not questions:
        raise DatasetError(path, "no usable questions")
    return ExamSet(path=str(path), questions=questions, skipped=skipped)


def sample(questions: list[ChoiceQuestion], n: int | None, seed: int = DEFAULT_SEED) -> list[ChoiceQuestion]:
    """A deterministic sample of ``n``, returned in id order: sorted by id, then ``random.Random(seed).sample``.

    Examples
    --------
    >>> qs = [ChoiceQuestion(id=str(i), question="q", options={"A": "x", "B": "y"}) for i in range(10)]
    >>> [q.id for q in sample(qs, 3)] == [q.id for q in sample(list(reversed(qs)), 3)]
    True
    """
    ordered = sorted(questions, key=lambda q: q.id)
    if n is None or n >= len(ordered):
        return ordered
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return sorted(random.Random(seed).sample(ordered, n), key=lambda q: q.id)


def load_planner_exams(path: Path, subject: str | None = None, n: int | None = None,
                       seed: int = DEFAULT_SEED) -> list[ChoiceQuestion]:
    """Exam questions, optionally of one subject, optionally a seeded sample of ``n``.

    Skipped rows are logged with their count; :func:`read_planner_exams` lists them.
    """
    if subject is not None and subject not in SUBJECTS:
        raise ValueError(f"subject must be one of {SUBJECTS}, got {subject!r}")
    exams = read_planner_exams(path)
    if exams.skipped:
        log.warning("%s: skipped %d malformed rows (first: line %d, %s)", path, len(exams.skipped),
                    exams.skipped[0].line, exams.skipped[0].reason)
    chosen = [q for q in exams.questions if subject is None or q.subject == subject]
    return sample(chosen, n, seed)
