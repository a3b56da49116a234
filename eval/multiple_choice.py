"""Exam accuracy of the model alone and of the model with retrieved excerpts.

Scoring is exact match: a multiple-choice question counts only when every
letter is right and none is extra. An unparseable reply counts as wrong and
as unparsed. Latency is per question, retrieval included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


class SuiteResult(BaseModel):
    retrieval: bool
    n: int
    correct: int
    accuracy: float | None
    by_type: dict[QuestionType, TypeScore]
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
    latencies = [r.latency_ms for r in rows]
    correct = sum(r.correct for r in rows)
    return SuiteResult(
        retrieval=retrieval, n=len(rows), correct=correct, accuracy=_ratio(correct, len(rows)), by_type=by_type,
        unparsed=sum(not r.parsed for r in rows),
        mean_latency_ms=round(sum(latencies) / len(latencies), 1) if latencies else None,
        p50_latency_ms=percentile(latencies, 50) if latencies else None,
        p95_latency_ms=percentile(latencies, 95) if latencies else None,
        rows=list(rows),
    )


def run_suite(questions: Sequence[ChoiceQuestion], service: ChoiceService, *, retrieval: bool,
              progress: Progress | None = None) -> SuiteResult:
    """Answer every question in one mode and score it; ``progress(done, total)`` after each question."""
    missing = [q.id for q in questions if not q.answer]
    if missing:
        raise ValueError(f"{len(missing)} questions have no gold answer, e.g. {missing[:3]}")
    rows = []
    for done, q in enumerate(questions, start=1):
        got = service.answer(q, retrieval=retrieval)
        rows.append(QuestionRow(
            id=q.id, type="multi" if q.multi else "single", gold=q.answer or "", letters=got.letters,
            correct=got.parsed and got.letters == q.answer, parsed=got.parsed, latency_ms=got.latency_ms,
            raw=got.raw, evidence=len(got.evidence)))
        if progress:
            progress(done, len(questions))
    return summarise(rows, retrieval=retrieval)


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 4)


def compare(questions: Sequence[ChoiceQuestion], service: ChoiceService, *,
            progress: Progress | None = None) -> dict[str, Any]:
    """Both modes on the same questions, JSON-ready.

    ``delta`` is with-retrieval minus model-alone (accuracy overall and by
    type, unparsed, mean latency); ``fixed`` lists the questions retrieval got
    right that the model alone got wrong, ``broken`` the reverse.
    """
    alone = run_suite(questions, service, retrieval=False, progress=progress)
    grounded = run_suite(questions, service, retrieval=True, progress=progress)
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
