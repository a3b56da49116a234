"""Run one suite on one dataset and write the run folder (results, predictions, report)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import suites
from eval.contract import Results, RunInfo, dataset_hash, git_commit, machine, now, write_run
from eval.journal import Journal, JournalError
from eval.jsonl import DatasetFileError
from eval.suites.base import Context, Dataset, Progress

DEFAULT_SEED = 20261123


class EvalInputError(ValueError):
    """Bad input to a run (unknown suite, missing or unusable dataset, bad limit): exit 2 / HTTP 422."""


def pick(items: list[Any], limit: int | None, seed: int = DEFAULT_SEED) -> list[Any]:
    """All items, or a seeded sample of ``limit`` kept in file order (the same sample on every machine).

    >>> pick(list(range(10)), 3) == pick(list(range(10)), 3), len(pick(list(range(10)), 3))
    (True, 3)
    >>> pick([1, 2], None)
    [1, 2]
    """
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise EvalInputError(f"--limit must be at least 1, got {limit}")
    chosen = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in chosen]


def load(name: str, dataset: Path | None) -> tuple[suites.Suite, Dataset]:
    """The suite and its dataset (the suite's default when ``dataset`` is None)."""
    try:
        suite = suites.get(name)
    except KeyError as exc:
        raise EvalInputError(exc.args[0]) from None
    path = Path(dataset) if dataset is not None else suite.default_dataset()
    if path is None:
        raise EvalInputError(f"suite {name} has no default dataset: pass --dataset")
    if not path.exists():
        raise EvalInputError(f"{path}: dataset not found" + ("" if dataset is not None else
                             " (the default data lives in ../shared: put it beside the repository or pass --dataset)"))
    try:
        return suite, suite.load(path)
    except DatasetFileError as exc:
        raise EvalInputError(str(exc)) from None


def run(name: str, *, out: Path, settings, container: Callable[[], Any], dataset: Path | None = None,
        limit: int | None = None, seed: int = DEFAULT_SEED, options: dict[str, Any] | None = None,
        progress: Progress | None = None, report: bool = True, resume: bool = False) -> Results:
    """Run suite ``name`` and write ``out/results.json``, ``out/predictions.jsonl`` and the report.

    ``settings`` gives the settings hash; ``container()`` is called only if the suite needs services.
    Answers are kept in ``out/journal.jsonl`` as they come (:mod:`eval.journal`); with ``resume`` the
    answers of an interrupted run into the same folder, on the same data and settings, are reused.
    """
    suite, data = load(name, dataset)
    if not data.items:
        raise EvalInputError(f"{data.path}: no usable item ({len(data.malformed)} malformed lines)")
    data.items = pick(data.items, limit, seed)
    options = dict(options or {})
    digest = dataset_hash(data.path, data.files)
    header = {"suite": name, "dataset_hash": digest, "settings_hash": settings.fingerprint(), "limit": limit,
              "seed": seed if limit is not None else None, "options": options}
    try:
        journal = Journal.open(Path(out), header, resume=resume)
    except JournalError as exc:
        raise EvalInputError(str(exc)) from None
    reused = journal.count()
    started, t0 = now(), time.perf_counter()
    try:
        outcome = suite.run(data, Context(container=container, options=options, progress=progress, journal=journal))
    except DatasetFileError as exc:
        raise EvalInputError(str(exc)) from None
    if reused:  # the answers of an interrupted run; started_at and seconds are this run's
        options = {**options, "resumed_answers": reused}
    info = RunInfo(commit=git_commit(), model=outcome.model, settings_hash=settings.fingerprint(),
                   dataset=str(data.path), dataset_hash=digest, limit=limit, started_at=started,
                   finished_at=now(), seconds=round(time.perf_counter() - t0, 1), machine=machine(),
                   options={**options, "seed": seed} if limit is not None else options)
    results = Results(
        suite=name, n=len(data.items), metrics=outcome.metrics, per_subject=outcome.per_subject,
        baselines=outcome.baselines, tables=outcome.tables, notes=outcome.notes, run=info,
        malformed={"count": len(data.malformed), "lines": [m.model_dump() for m in data.malformed]})
    write_run(Path(out), results, outcome.predictions)
    journal.remove()
    if report:
        from eval.report import write_report

        write_report(Path(out), results, outcome.predictions)
    return results
