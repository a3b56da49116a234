"""Evaluation question sets, read from ../shared/eval (the data sits beside the repository, not in it).

- C-Eval ``urban_and_rural_planner_{dev,val}.csv``: columns id,question,A,B,C,D,answer; single choice.
- ``planner_exams_2012_2021.jsonl``: 注册城乡规划师 exam questions, single and multiple choice,
  options A-E, with a subject (knowledge, regulation, unknown).

The readers are line-tolerant: a bad row is left out and listed with its line number
(:class:`SkippedRow`); only a file that cannot be used at all raises :class:`DatasetError`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import random
import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.qa.choice import ChoiceQuestion
from eval.jsonl import DatasetFileError

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


class DatasetError(DatasetFileError):
    """An evaluation file is missing or cannot be used as a whole; the message names the file.

    ``problem`` is the message without the file and the hint on where the shared data lives.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem} ({_WHERE})")


class SkippedRow(BaseModel):
    """A row left out: 1-based line where it starts, its id when it has one, and why."""

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


def _reason(exc: ValidationError) -> str:
    return "; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())


def _none_usable(path: Path, skipped: list[SkippedRow]) -> DatasetError:
    if not skipped:
        return DatasetError(path, "no usable questions")
    first = skipped[0]
    return DatasetError(path, f"no usable questions ({len(skipped)} malformed rows; first: line {first.line}: "
                              f"{first.reason})")


def ceval_subject(path: Path) -> str:
    """The subject a C-Eval file is named after: its stem without the split.

    >>> ceval_subject(Path("urban_and_rural_planner_val.csv"))
    'urban_and_rural_planner'
    """
    return re.sub(r"_(dev|val|test)$", "", Path(path).stem)


def read_ceval(path: Path) -> ExamSet:
    """Single-choice questions of a C-Eval CSV, and the rows left out with the line they start on.

    Columns id, question, A, B, C, D, answer are required, others are ignored except ``subject``
    (default: the file's subject, :func:`ceval_subject`). Ids are ``<file stem>:<id>``. A row with
    the wrong number of fields, no id, a repeated id, an empty question or option, or an answer
    that is not one of A-D is skipped; a file without those columns, or without any usable row,
    raises :class:`DatasetError`.
    """
    path = Path(path)
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = [c.strip() for c in next(reader, [])]
    except csv.Error as exc:
        raise DatasetError(path, f"not a C-Eval file: bad header ({exc})") from exc
    missing = [c for c in _CEVAL_COLUMNS if c not in header]
    if missing:
        raise DatasetError(path, f"not a C-Eval file: missing columns {missing}")
    subject = ceval_subject(path)
    questions: list[ChoiceQuestion] = []
    skipped: list[SkippedRow] = []
    seen: set[str] = set()
    while True:
        start = reader.line_num + 1  # a quoted field may span lines: report where the row starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            skipped.append(SkippedRow(line=start, id="", reason=f"not CSV: {exc}"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            skipped.append(SkippedRow(line=start, id=row[0].strip(), reason=f"{len(row)} fields, the header has "
                                                                             f"{len(header)}"))
            continue
        record = dict(zip(header, row, strict=True))
        problem, qid = _ceval_problem(record, seen), record["id"].strip()
        if problem is None:
            try:
                questions.append(ChoiceQuestion(
                    id=f"{path.stem}:{qid}", question=record["question"].strip(),
                    options={letter: record[letter] for letter in "ABCD"}, multi=False,
                    answer=record["answer"].strip(), subject=(record.get("subject") or "").strip() or subject))
            except ValidationError as exc:
                problem = _reason(exc)
        if problem is None:
            seen.add(qid)
        else:
            skipped.append(SkippedRow(line=start, id=qid, reason=problem))
    if not questions:
        raise _none_usable(path, skipped)
    return ExamSet(path=str(path), questions=questions, skipped=skipped)


def _ceval_problem(record: dict[str, str], seen: set[str]) -> str | None:
    qid = record["id"].strip()
    if not qid:
        return "no id"
    if qid in seen:
        return f"duplicate id {qid!r}"
    if not record["question"].strip():
        return "empty question"
    empty = [letter for letter in "ABCD" if not record[letter].strip()]
    return f"empty option {', '.join(empty)}" if empty else None


def load_ceval(path: Path) -> list[ChoiceQuestion]:
    """The usable questions of a C-Eval CSV (:func:`read_ceval`); skipped rows are logged with their count."""
    exams = read_ceval(path)
    _log_skipped(path, exams.skipped)
    return exams.questions


def _log_skipped(path: Path, skipped: list[SkippedRow]) -> None:
    if skipped:
        log.warning("%s: skipped %d malformed rows (first: line %d, %s)", path, len(skipped),
                    skipped[0].line, skipped[0].reason)


def read_planner_exams(path: Path) -> ExamSet:
    """All questions of the exam JSONL, and the lines left out with their number and the reason.

    A line is left out when it is not JSON, not an object with the keys id, type, question,
    options and answer, of a type other than single or multi, a repeated id, or a question whose
    answer is not among its options or that has fewer than two options. Blank options
    (``"nan"``: a figure or table lost in extraction) count as absent. A file without any usable
    question raises :class:`DatasetError`.
    """
    path = Path(path)
    questions: list[ChoiceQuestion] = []
    skipped: list[SkippedRow] = []
    seen: set[str] = set()
    for line, text in enumerate(_read_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            skipped.append(SkippedRow(line=line, id="", reason=f"not JSON: {exc.msg} (column {exc.colno})"))
            continue
        qid = str(row.get("id", "")) if isinstance(row, dict) else ""
        problem = _exam_problem(row, seen)
        if problem is None:
            options = {k: v for k, v in row["options"].items() if str(v).strip().lower() not in _BLANK}
            try:
                questions.append(ChoiceQuestion(
                    id=qid, question=str(row["question"]).strip(), options=options,
                    multi=row["type"] == "multi", answer=str(row["answer"] or ""),
                    subject=str(row["subject"]) if row.get("subject") else None))
            except ValidationError as exc:
                problem = _reason(exc)
        if problem is None:
            seen.add(qid)
        else:
            skipped.append(SkippedRow(line=line, id=qid, reason=problem))
    if not questions:
        raise _none_usable(path, skipped)
    return ExamSet(path=str(path), questions=questions, skipped=skipped)


def _exam_problem(row: object, seen: set[str]) -> str | None:
    if not isinstance(row, dict) or any(key not in row for key in _EXAM_KEYS):
        return f"not an exam question object with keys {list(_EXAM_KEYS)}"
    if row["type"] not in ("single", "multi") or not isinstance(row["options"], dict):
        return f"type {row['type']!r} or options malformed"
    if str(row["id"]) in seen:
        return f"duplicate id {str(row['id'])!r}"
    if not str(row["question"]).strip():
        return "empty question"
    return None


def read_exams(path: Path) -> ExamSet:
    """A question file by its suffix: ``.csv`` is C-Eval (:func:`read_ceval`), ``.jsonl`` the
    planner-exams format (:func:`read_planner_exams`)."""
    path = Path(path)
    readers = {".csv": read_ceval, ".jsonl": read_planner_exams}
    if path.suffix.lower() not in readers:
        raise DatasetError(path, "a multiple-choice dataset is a C-Eval .csv or a planner-exams .jsonl file")
    return readers[path.suffix.lower()](path)


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
    _log_skipped(path, exams.skipped)
    chosen = [q for q in exams.questions if subject is None or q.subject == subject]
    return sample(chosen, n, seed)
