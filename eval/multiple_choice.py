"""Exam accuracy of the model alone and of the model with retrieved excerpts.

Scoring is exact match: a multiple-choice question counts only when every
letter is right and none is extra. An unparseable reply counts as wrong and
as unparsed. Latency is per question, retrieval included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from assistant.qa.choice import ChoiceQuestion, ChoiceService
from eval.metrics import percentile

Progress = Callable[[int, int], None]
QuestionType = Literal["single", "multi"]


class TypeScore(BaseModel):
    n: int
    correct: int
    accuracy: float | None  # None when there is no question of this type


class QuestionRow(BaseModel):
    id: str
    type: QuestionType
    gold: str
    letters: str
    correct: bool
    parsed: bool
    latency_ms: int
    raw: str
    evidence: int  # excerpts in the prompt
    method: Literal["model", "cloze"] = "model"  # cloze: read off an excerpt, the model not asked


class SuiteResult(BaseModel):
    retrieval: bool
    n: int
    correct: int
    accuracy: float | None
    by_type: dict[QuestionType, TypeScore]
    by_method: dict[str, TypeScore]  # model / cloze (read off an excerpt)
    with_evidence: int  # questions that had excerpts in the prompt
    unparsed: int
    mean_latency_ms: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    rows: list[QuestionRow]


def _ratio(correct: int, n: int) -> float | None:
    return round(correct / n, 4) if n else None


def summarise(rows: Sequence[QuestionRow], *, retrieval: bool) -> SuiteResult:
    """Totals over scored rows."""
    by_type = {}
    for kind in ("single", "multi"):
        picked = [r for r in rows if r.type == kind]
        hits = sum(r.correct for r in picked)
        by_type[kind] = TypeScore(n=len(picked), correct=hits, accuracy=_ratio(hits, len(picked)))
    by_method = {}
    for method in sorted({r.method for r in rows}):
        picked = [r for r in rows if r.method == method]
        hits = sum(r.correct for r in picked)
        by_method[method] = TypeScore(n=len(picked), correct=hits, accuracy=_ratio(hits, len(picked)))
    latencies = [r.latency_ms for r in rows]
    correct = sum(r.correct for r in rows)
    return SuiteResult(
        retrieval=retrieval, n=len(rows), correct=correct, accuracy=_ratio(correct, len(rows)), by_type=by_type,
        by_method=by_method, with_evidence=sum(r.evidence > 0 for r in rows), unparsed=sum(not r.parsed for r in rows),
        mean_latency_ms=round(sum(latencies) / len(latencies), 1) if latencies else None,
        p50_latency_ms=percentile(latencies, 50) if latencies else None,
        p95_latency_ms=percentile(latencies, 95) if latencies else None,
        rows=list(rows),
    )


def run_suite(questions: Sequence[ChoiceQuestion], service: ChoiceService, *, retrieval: bool,
              progress: Progress | None = None, done: Mapping[str, QuestionRow] | None = None,
              on_row: Callable[[QuestionRow], None] | None = None) -> SuiteResult:
    """Answer every question in one mode and score it.

    ``progress(done, total)`` is called after each question and ``on_row(row)``
    after each question answered now; rows in ``done`` (by question id, from an
    interrupted run of the same mode) are reused instead of asked again.
    """
    missing = [q.id for q in questions if not q.answer]
    if missing:
        raise ValueError(f"{len(missing)} questions have no gold answer, e.g. {missing[:3]}")
    done = done or {}
    rows = []
    for count, q in enumerate(questions, start=1):
        row = done.get(q.id)
        if row is None:
            got = service.answer(q, retrieval=retrieval)
            row = QuestionRow(
                id=q.id, type="multi" if q.multi else "single", gold=q.answer or "", letters=got.letters,
                correct=got.parsed and got.letters == q.answer, parsed=got.parsed, latency_ms=got.latency_ms,
                raw=got.raw, evidence=len(got.evidence), method=got.method)
            if on_row:
                on_row(row)
        rows.append(row)
        if progress:
            progress(count, len(questions))
    return summarise(rows, retrieval=retrieval)


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 4)


def compare(questions: Sequence[ChoiceQuestion], service: ChoiceService, *,
            progress: Progress | None = None, done: Mapping[bool, Mapping[str, QuestionRow]] | None = None,
            on_row: Callable[[bool, QuestionRow], None] | None = None) -> dict[str, Any]:
    """Both modes on the same questions, JSON-ready.

    ``delta`` is with-retrieval minus model-alone (accuracy overall and by
    type, unparsed, mean latency); ``fixed`` lists the questions retrieval got
    right that the model alone got wrong, ``broken`` the reverse.  ``done`` and
    ``on_row`` are keyed by the mode (``retrieval``) and work as in
    :func:`run_suite`, so an interrupted comparison can resume.
    """
    done = done or {}

    def mode(retrieval: bool) -> SuiteResult:
        report = (lambda row: on_row(retrieval, row)) if on_row else None
        return run_suite(questions, service, retrieval=retrieval, progress=progress,
                         done=done.get(retrieval), on_row=report)

    alone = mode(False)
    grounded = mode(True)
    before = {r.id: r.correct for r in alone.rows}
    return {
        "model_alone": alone.model_dump(mode="json"),
        "with_retrieval": grounded.model_dump(mode="json"),
        "delta": {
            "accuracy": _delta(grounded.accuracy, alone.accuracy),
            "by_type": {kind: _delta(grounded.by_type[kind].accuracy, alone.by_type[kind].accuracy)
                        for kind in ("single", "multi")},
            "unparsed": grounded.unparsed - alone.unparsed,
            "mean_latency_ms": _delta(grounded.mean_latency_ms, alone.mean_latency_ms),
            "fixed": [r.id for r in grounded.rows if r.correct and not before[r.id]],
            "broken": [r.id for r in grounded.rows if not r.correct and before[r.id]],
        },
    }
