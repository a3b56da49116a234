"""``mcq``: exam questions answered with option letters, with retrieved excerpts and by the model alone.

Datasets, chosen by suffix (:func:`eval.datasets.read_exams`):

- ``.csv``, C-Eval: a header with ``id,question,A,B,C,D,answer`` (other columns ignored), one
  single-choice question per row; the subject is a ``subject`` column where present and filled,
  else the file's name without its split (``urban_and_rural_planner_val.csv`` →
  ``urban_and_rural_planner``).
- ``.jsonl``, planner exams: ``{"id", "type": "single"|"multi", "question", "options": {"A": ..,
  .. "E": ..}, "answer": "ACD", "subject"?}``; blank or ``"nan"`` options are left out.

A row that cannot be a question is reported with the line it starts on and the run goes on.

Scoring is exact match on the letter set: a multiple-choice answer with a letter missing or extra
is wrong, and a reply no letter can be read from is wrong and counted as ``unparsed``.  ``metrics``
are the model with retrieved excerpts (public documents, :class:`assistant.qa.choice.ChoiceService`);
``baselines["model_alone"]`` the same metrics for the model without excerpts.  ``cloze`` counts the
answers read off an excerpt without asking the model; latency is per question, retrieval included.
``per_subject`` gives ``{subject: {n, accuracy, accuracy_model_alone}}`` (no subject: ``unknown``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eval.contract import Malformed, Prediction
from eval.datasets import CEVAL_VAL, DatasetError, read_exams
from eval.jsonl import DatasetFileError
from eval.multiple_choice import QuestionRow, SuiteResult, run_suite
from eval.suites.base import Context, Dataset, Outcome, ratio

Metrics = dict[str, float | int | None]


def metrics(result: SuiteResult) -> Metrics:
    """The suite's metric names for one mode's result."""
    by_method = result.by_method.get("cloze")
    return {
        "accuracy": result.accuracy,
        "accuracy_single": result.by_type["single"].accuracy,
        "accuracy_multi": result.by_type["multi"].accuracy,
        "unparsed": result.unparsed,
        "with_evidence": result.with_evidence,
        "cloze": by_method.n if by_method else 0,
        "p50_latency_ms": result.p50_latency_ms,
        "p95_latency_ms": result.p95_latency_ms,
    }


def per_subject(rows: list[QuestionRow], subjects: dict[str, str],
                alone: list[QuestionRow] | None = None) -> dict[str, Metrics]:
    """``{subject: {n, accuracy}}``, with ``accuracy_model_alone`` when the baseline ran."""
    out: dict[str, Metrics] = {}
    for subject in sorted(set(subjects.values())):
        picked = [r for r in rows if subjects[r.id] == subject]
        out[subject] = {"n": len(picked), "accuracy": ratio(sum(r.correct for r in picked), len(picked))}
        if alone is not None:
            base = [r for r in alone if subjects[r.id] == subject]
            out[subject]["accuracy_model_alone"] = ratio(sum(r.correct for r in base), len(base))
    return out


def _line(row: QuestionRow, question: str, subject: str, alone: QuestionRow | None) -> Prediction:
    extra = {} if alone is None else {"baselines": {"model_alone": {
        "prediction": alone.letters, "correct": alone.correct, "parsed": alone.parsed, "raw": alone.raw,
        "latency_ms": alone.latency_ms}}}
    return Prediction(id=row.id, prediction=row.letters, gold=row.gold, correct=row.correct,
                      latency_ms=row.latency_ms, subject=subject, type=row.type, method=row.method,
                      evidence=row.evidence, parsed=row.parsed, raw=row.raw, question=question, **extra)


class McqSuite:
    name = "mcq"
    title = "选择题：C-Eval 与注册城乡规划师考试（准确率，检索 vs 仅模型）"
    needs_model = True

    def default_dataset(self) -> Path | None:
        return CEVAL_VAL

    def load(self, path: Path) -> Dataset:
        try:
            exams = read_exams(path)
        except DatasetError as exc:  # without the hint on ../shared: the file may be the evaluator's own
            raise DatasetFileError(f"{path}: {exc.problem}") from None
        malformed = [Malformed(line=s.line, reason=f"id {s.id}: {s.reason}" if s.id else s.reason, file=str(path))
                     for s in exams.skipped]
        return Dataset(path=Path(path), items=exams.questions, malformed=malformed)

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        container = ctx.container()
        service = container.choice
        questions = dataset.items
        baseline = ctx.options.get("baseline", True)
        total = len(questions) * (2 if baseline else 1)

        def ticker(offset: int) -> Callable[[int, int], None]:
            return lambda done, _n: ctx.tick(offset + done, total)

        def mode(name: str, retrieval: bool, offset: int) -> SuiteResult:
            done = {k: QuestionRow.model_validate(v) for k, v in ctx.journal.done(name).items()}
            return run_suite(questions, service, retrieval=retrieval, progress=ticker(offset), done=done,
                             on_row=lambda row: ctx.journal.record(name, row.id, row.model_dump(mode="json")))

        grounded = mode("retrieval", True, 0)
        alone = mode("model_alone", False, len(questions)) if baseline else None
        subjects = {q.id: q.subject or "unknown" for q in questions}
        texts = {q.id: q.question for q in questions}
        before = {r.id: r for r in alone.rows} if alone else {}
        predictions = [_line(r, texts[r.id], subjects[r.id], before.get(r.id)) for r in grounded.rows]
        tables = {"by_type": {k: v.model_dump() for k, v in grounded.by_type.items()},
                  "by_method": {k: v.model_dump() for k, v in grounded.by_method.items()}}
        if alone:
            tables["retrieval_vs_model_alone"] = {
                "fixed": [r.id for r in grounded.rows if r.correct and not before[r.id].correct],
                "broken": [r.id for r in grounded.rows if not r.correct and before[r.id].correct]}
        notes = ["correct = the predicted letter set equals the gold set (a multiple-choice answer with a letter "
                 "missing or extra is wrong; an unreadable reply is wrong and unparsed). metrics: with retrieved "
                 "excerpts (public documents); baselines.model_alone: the same questions without."]
        if grounded.with_evidence == 0:
            notes.append("no question got an excerpt: with retrieval equals the model alone here "
                         "(is the corpus ingested? onemap ingest ../shared/corpus)")
        return Outcome(metrics=metrics(grounded), predictions=predictions,
                       per_subject=per_subject(grounded.rows, subjects, alone.rows if alone else None),
                       baselines={"model_alone": metrics(alone)} if alone else {}, tables=tables, notes=notes,
                       model=container.llm.model_name())


SUITE = McqSuite()
