"""``qa``: cited answers to open questions, and refusals where the corpus holds no answer.

Dataset: a JSONL file, or a folder whose ``*.jsonl`` files are read in name order, of
``{"id", "question", "supports": [{"doc_title", "locator", "version"?}], "facts": [...],
"category"?, "answerable"?}`` (other keys are ignored).  An item with supports is answerable;
one without supports, or with ``"answerable": false``, must be refused.  Each question is asked
as the public role with streaming on (``container.qa.ask``); the workspace must hold the corpus.

Measured, as ratios of totals (micro-averaged):

- ``key_fact_recall``: facts found verbatim in the answer / facts, over answerable items;
- ``citation_precision``: citations whose document and locator (and version, where the gold
  gives one) are among the item's supports / citations, over answerable items (strict: a correct
  citation of a passage the annotator did not list counts as wrong);
- ``citation_recall``: supports cited / supports, over answerable items;
- ``groundedness``: answerable items answered grounded with at least one citation / answerable items;
- ``refusal_rate``: unanswerable items refused / unanswerable items, where a refusal is an
  answer that starts with 依据不足 and cites nothing; ``false_refusals`` counts answerable
  items refused;
- latency (``p50/p95_latency_ms``) and time to first token (``p50/p95_ttft_ms``), over all items.

An item is ``correct`` when, answerable, its answer holds every fact and cites at least one
support, or, unanswerable, it is refused.  ``per_subject`` groups the same metrics by ``category``
(items without one: ``unanswerable`` or ``other``) when the dataset has categories.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

from assistant.access import Role
from assistant.qa.service import INSUFFICIENT, MAX_QUESTION_CHARS
from eval.contract import ROOT, Malformed, Prediction
from eval.jsonl import DatasetFileError, read_jsonl
from eval.metrics import percentile
from eval.suites.base import Context, Dataset, Outcome, ratio

Metrics = dict[str, float | int | None]


class Support(BaseModel):
    doc_title: str = Field(min_length=1)
    locator: str = Field(min_length=1)
    version: str | None = None


class QAItem(BaseModel):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    supports: list[Support] = Field(default_factory=list)
    facts: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    category: str | None = None
    answerable: bool | None = None

    @property
    def is_answerable(self) -> bool:
        return bool(self.supports) if self.answerable is None else self.answerable


def _consistent(item: QAItem) -> str | None:
    if item.answerable and not item.supports:
        return '"answerable": true needs at least one support'
    if item.answerable is False and item.supports:
        return '"answerable": false with supports'
    return None


def read_items(path: Path) -> tuple[list[QAItem], list[Malformed]]:
    """Items of a JSONL file or of every ``*.jsonl`` of a folder (ids unique across files)."""
    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise DatasetFileError(f"{path}: a folder without *.jsonl files")
    items: list[QAItem] = []
    malformed: list[Malformed] = []
    seen: set[str] = set()

    def check(item: QAItem) -> str | None:
        return f"duplicate id {item.id!r} (in an earlier file)" if item.id in seen else _consistent(item)

    for file in files:
        got, bad = read_jsonl(file, QAItem, check=check)
        seen.update(i.id for i in got)
        items += got
        malformed += bad
    return items, malformed


def cites(citation, support: Support) -> bool:
    return (citation.doc_title == support.doc_title and citation.locator == support.locator
            and (not support.version or citation.version == support.version))


def refused(answer) -> bool:
    """依据不足 and no citation."""
    return answer.answer.strip().startswith(INSUFFICIENT) and not answer.citations


@dataclass
class Scored:
    """One item's counts."""

    answerable: bool
    facts: int
    facts_found: list[str]
    citations: list[bool]  # each citation: among the supports?
    supports: int
    supports_cited: int
    grounded: bool  # grounded with at least one citation
    refused: bool
    latency_ms: float
    ttft_ms: float | None

    @property
    def correct(self) -> bool:
        if not self.answerable:
            return self.refused
        return not self.refused and len(self.facts_found) == self.facts and any(self.citations)


def score(item: QAItem, answer, latency_ms: float) -> Scored:
    """Score one answer (an :class:`assistant.qa.service.Answer`) against its item."""
    text = answer.answer
    return Scored(answerable=item.is_answerable, facts=len(item.facts),
                  facts_found=[f for f in item.facts if f in text],
                  citations=[any(cites(c, s) for s in item.supports) for c in answer.citations],
                  supports=len(item.supports),
                  supports_cited=sum(any(cites(c, s) for c in answer.citations) for s in item.supports),
                  grounded=bool(answer.grounded and answer.citations), refused=refused(answer),
                  latency_ms=latency_ms, ttft_ms=answer.ttft_ms)


def _pct(values: list[float], q: float) -> float | None:
    return round(float(percentile(values, q)), 1) if values else None


def summarise(rows: list[Scored], *, latency: bool = True) -> Metrics:
    """The suite's metrics over scored items (see the module docstring)."""
    yes = [r for r in rows if r.answerable]
    no = [r for r in rows if not r.answerable]
    out: Metrics = {
        "key_fact_recall": ratio(sum(len(r.facts_found) for r in yes), sum(r.facts for r in yes)),
        "citation_precision": ratio(sum(sum(r.citations) for r in yes), sum(len(r.citations) for r in yes)),
        "citation_recall": ratio(sum(r.supports_cited for r in yes), sum(r.supports for r in yes)),
        "groundedness": ratio(sum(r.grounded for r in yes), len(yes)),
        "refusal_rate": ratio(sum(r.refused for r in no), len(no)),
        "false_refusals": sum(r.refused for r in yes),
    }
    if latency:
        ms = [r.latency_ms for r in rows]
        ttft = [r.ttft_ms for r in rows if r.ttft_ms is not None]
        out |= {"p50_latency_ms": _pct(ms, 50), "p95_latency_ms": _pct(ms, 95),
                "p50_ttft_ms": _pct(ttft, 50), "p95_ttft_ms": _pct(ttft, 95)}
    return out


def _line(item: QAItem, answer, row: Scored) -> Prediction:
    gold = ({"facts": item.facts, "supports": [s.model_dump(exclude_none=True) for s in item.supports]}
            if row.answerable else INSUFFICIENT)
    return Prediction(
        id=item.id, prediction=answer.answer, gold=gold, correct=row.correct, latency_ms=row.latency_ms,
        subject=item.category, question=item.question, answerable=row.answerable, refused=row.refused,
        grounded=answer.grounded, facts_found=row.facts_found, ttft_ms=row.ttft_ms,
        citations=[{"doc_title": c.doc_title, "locator": c.locator, "version": c.version, "correct": ok}
                   for c, ok in zip(answer.citations, row.citations, strict=True)],
        flags=list(answer.flags))


class QASuite:
    name = "qa"
    title = "问答：要点召回、引用精确率/召回率、有据率、无依据时拒答"
    needs_model = True

    def default_dataset(self) -> Path | None:
        return ROOT / "eval" / "data" / "qa"

    def load(self, path: Path) -> Dataset:
        items, malformed = read_items(path)
        return Dataset(path=Path(path), items=items, malformed=malformed)

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        container = ctx.container()
        if not container.catalog.documents():
            raise DatasetFileError(f"the workspace {container.settings.workspace} holds no documents: "
                                   "ingest the corpus first (onemap ingest ../shared/corpus)")
        items: list[QAItem] = dataset.items
        rows: list[Scored] = []
        predictions = []
        journaled = ctx.journal.done("qa")
        for done, item in enumerate(items, start=1):
            if item.id in journaled:  # answered before an interruption (--resume)
                row, line = Scored(**journaled[item.id]["scored"]), Prediction(**journaled[item.id]["prediction"])
            else:
                t0 = time.perf_counter()
                answer = container.qa.ask(item.question, role=Role.PUBLIC, on_token=lambda _piece: None)
                row = score(item, answer, round((time.perf_counter() - t0) * 1000, 1))
                line = _line(item, answer, row)
                ctx.journal.record("qa", item.id, {"scored": asdict(row), "prediction": line.model_dump(mode="json")})
            rows.append(row)
            predictions.append(line)
            ctx.tick(done, len(items))
        per_subject = {}
        if any(i.category for i in items):
            groups: dict[str, list[Scored]] = {}
            for item, row in zip(items, rows, strict=True):
                groups.setdefault(item.category or ("unanswerable" if not row.answerable else "other"), []).append(row)
            per_subject = {c: {"n": len(g), **summarise(g, latency=False)} for c, g in sorted(groups.items())}
        answerable = sum(r.answerable for r in rows)
        return Outcome(
            metrics=summarise(rows), predictions=predictions, per_subject=per_subject,
            tables={"items": {"answerable": answerable, "unanswerable": len(rows) - answerable,
                              "citations": sum(len(r.citations) for r in rows if r.answerable)}},
            notes=["asked as the public role; citation precision is strict (document + locator among the item's "
                   "supports); a refusal starts with 依据不足 and cites nothing; correct = every key fact and a "
                   "gold citation (answerable) or a refusal (unanswerable)."],
            model=container.llm.model_name())


SUITE = QASuite()
