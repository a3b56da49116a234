"""Evaluation runs started on demand (``POST /eval/runs``): the suites of ``onemap eval run``, in the background.

A run is :func:`eval.runner.run` on one suite and one dataset named from :data:`DATASETS`, a server-side
allow-list (a client never names a file), and writes the run folder ``<folder>/<run_id>/`` of docs/EVAL.md
(``results.json``, ``predictions.jsonl``, ``report.md``, ``report.html``), so ``onemap eval compare`` reads it
like a folder of the CLI. Beside them, ``state.json`` holds the run's state.

Runs go one at a time, in order, on one worker thread, so an evaluation never competes with itself for the
model. The state is kept in memory and written to ``state.json`` at every change (atomically), so it outlives
the process; a run found on disk still queued or running belongs to a process that stopped, and is reported
``interrupted``. :meth:`EvalRunService.close` cancels the running run between two items (through the progress
callback) and the queued ones.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from eval.contract import ROOT, Results, RunFolderError, read_results
from eval.datasets import CEVAL_DEV, PLANNER_EXAMS

log = logging.getLogger(__name__)

SuiteName = Literal["retrieval", "mcq", "qa", "extraction", "verdicts", "latency"]
DatasetName = Literal["gold", "heldout", "ceval_val", "ceval_dev", "exams", "default", "demo", "synthetic"]
RunStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
Artifact = Literal["report.html", "predictions.jsonl"]

# suite -> dataset name -> file or folder; the first name is the default, None the suite's own default
# (what `onemap eval run SUITE` uses without --dataset, so both record the same dataset).
DATASETS: dict[str, dict[str, Path | None]] = {
    "retrieval": {"gold": None, "heldout": ROOT / "bench" / "data" / "retrieval_heldout.jsonl"},
    "mcq": {"ceval_val": None, "ceval_dev": CEVAL_DEV, "exams": PLANNER_EXAMS},
    "qa": {"default": None, "heldout": ROOT / "bench" / "data" / "qa_heldout.jsonl"},
    "extraction": {"default": None},
    "verdicts": {"demo": None, "synthetic": ROOT / "eval" / "data" / "verdicts"},
    "latency": {"default": None},
}
DEFAULT_LIMITS: dict[str, int] = {"mcq": 20, "qa": 20}  # a model answer per item; the other suites: every item
MAX_LIMIT = 1000
RUN_ID = re.compile(r"[0-9a-f]{12}")
STATE = "state.json"


def _datasets_doc() -> str:
    return "; ".join(f"{suite}: {', '.join(names)}" for suite, names in DATASETS.items())


class RunRequest(BaseModel):
    """A suite to run, on a dataset named from the server's list."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"suite": "verdicts"}, {"suite": "mcq", "dataset": "exams", "limit": 50, "baseline": False}]})

    suite: SuiteName = Field(description="The suite, as in `onemap eval run SUITE` (docs/EVAL.md).")
    dataset: DatasetName | None = Field(None, description="A dataset of the suite, by name (the first is the "
                                        f"default): {_datasets_doc()}.")
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description="Score a seeded sample of this many items "
                              "(the same on every machine). Default: 20 for mcq and qa (a model answer per item), "
                              "every item for the other suites.")
    baseline: bool = Field(True, description="Also run the suite's baseline on the same items (retrieval: BM25 and "
                           "vectors alone; mcq: the model alone).")

    @model_validator(mode="after")
    def _dataset_of_the_suite(self) -> RunRequest:
        if self.dataset is not None and self.dataset not in DATASETS[self.suite]:
            raise ValueError(f"dataset {self.dataset!r} is not one of suite {self.suite}'s: "
                             f"{', '.join(DATASETS[self.suite])}")
        return self


class EvalRunInfo(BaseModel):
    """A run's state (``state.json``), without its results."""

    run_id: str
    suite: SuiteName
    dataset: str = Field(description="The dataset's name.")
    limit: int | None = Field(description="The sample size asked for (null: every item).")
    baseline: bool
    status: RunStatus
    actor: str = Field(description="Who started it (the API key's name).")
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    items: int = Field(0, description="Items to score: the dataset's usable items, cut to the limit.")
    done: int = Field(0, description="Steps done so far.")
    total: int = Field(0, description="Steps of the run, known from the first one (mcq with its baseline answers "
                       "every item twice).")
    model: str | None = Field(None, description="The model that answered, if one did.")
    metrics: dict[str, float | int | None] | None = Field(None, description="The headline metrics when done "
                                                          "(results.metrics).")
    error: str | None = None


class EvalRun(EvalRunInfo):
    """A run's state and, when done, its ``results.json`` (metrics, per subject, baselines, the run record)."""

    results: Results | None = None


class SuiteInfo(BaseModel):
    """A suite a run may be started on, and the datasets it may be run on (``GET /eval/suites``)."""

    name: SuiteName
    title: str = Field(description="What the suite measures (in Chinese, as `onemap eval suites` prints it).")
    needs_model: bool = Field(description="Whether the suite asks the model (its runs are then slow).")
    datasets: list[str] = Field(description="The dataset names a run may ask for; the first is the default.")
    default_limit: int | None = Field(description="The sample size of a run that gives no limit (null: every item).")
    missing: list[str] = Field(default_factory=list, description="Datasets whose file is not on this server (the "
                               "data of ../shared beside the repository); starting a run on one answers 503.")


class EvalDataUnavailable(RuntimeError):
    """The dataset cannot be loaded (the data beside the repository is missing or unusable)."""


class EvalRunNotFound(LookupError):
    """No run with that id, or the run has no such file."""


class EvalRunNotReady(RuntimeError):
    """The run has not finished (or did not finish well): its files are not there."""


class _Cancelled(BaseException):
    """Raised from the progress callback; a BaseException, so no suite's ``except Exception`` swallows it."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EvalRunService:
    """Start, follow and list evaluation runs through :func:`eval.runner.run`.

    ``container()`` gives the services a suite needs (called only by suites that need them); ``settings``
    give the run record's settings hash. ``datasets`` replaces :data:`DATASETS` (tests).
    """

    def __init__(self, folder: Path, *, container: Callable[[], Any], settings: Any,
                 datasets: Mapping[str, Mapping[str, Path | None]] | None = None) -> None:
        self.folder = folder
        self.container = container
        self.settings = settings
        self.datasets = DATASETS if datasets is None else datasets
        self._runs: dict[str, EvalRunInfo] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    def start(self, request: RunRequest, *, actor: str) -> EvalRun:
        """Queue a run; raises :class:`EvalDataUnavailable` when its dataset cannot be loaded."""
        from eval.runner import EvalInputError, load

        known = self.datasets[request.suite]
        name = request.dataset or next(iter(known))
        limit = request.limit if request.limit is not None else DEFAULT_LIMITS.get(request.suite)
        try:
            _, data = load(request.suite, known[name])
        except (EvalInputError, OSError) as exc:
            raise EvalDataUnavailable(f"suite {request.suite}, dataset {name}: {exc}") from None
        if not data.items:
            raise EvalDataUnavailable(f"suite {request.suite}, dataset {name}: no usable item "
                                      f"({len(data.malformed)} malformed lines)")
        run = EvalRunInfo(run_id=uuid.uuid4().hex[:12], suite=request.suite, dataset=name, limit=limit,
                          baseline=request.baseline, status="queued", actor=actor, created_at=_now(),
                          items=min(limit or len(data.items), len(data.items)))
        with self._lock:
            self._runs[run.run_id] = run
        self._save(run.run_id)
        with self._lock:
            if self._pool is None:  # first run, or the first since close()
                self._stop = threading.Event()
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eval-run")
            self._pool.submit(self._work, run.run_id, self._stop)
        return EvalRun(**run.model_dump())

    def suites(self) -> list[SuiteInfo]:
        """Every suite with its datasets by name (the default first), in the order of ``onemap eval suites``."""
        from eval import suites

        listed = []
        for name in suites.NAMES:
            suite = suites.get(name)
            files = {dataset: path if path is not None else suite.default_dataset()
                     for dataset, path in self.datasets[name].items()}
            missing = [dataset for dataset, path in files.items() if path is None or not Path(path).exists()]
            listed.append(SuiteInfo(name=name, title=suite.title, needs_model=suite.needs_model,
                                    datasets=list(self.datasets[name]), default_limit=DEFAULT_LIMITS.get(name),
                                    missing=missing))
        return listed

    def get(self, run_id: str) -> EvalRun | None:
        """The run's state, with ``results.json`` once done; None for an unknown id."""
        info = self._info(run_id)
        if info is None:
            return None
        run = EvalRun(**info.model_dump())
        if run.status == "done":
            try:
                run.results = read_results(self.folder / run_id)
            except RunFolderError as exc:  # removed or damaged since: the state still stands
                log.warning("evaluation run %s: %s", run_id, exc)
        return run

    def artifact(self, run_id: str, name: Artifact) -> tuple[EvalRunInfo, Path]:
        """A file of a finished run's folder: :class:`EvalRunNotFound` for an unknown run or a file no longer
        there, :class:`EvalRunNotReady` for a run that is not done."""
        info = self._info(run_id)
        if info is None:
            raise EvalRunNotFound(f"no evaluation run {run_id}")
        if info.status != "done":
            raise EvalRunNotReady(f"evaluation run {run_id} is {info.status}: {name} is written when it is done")
        path = self.folder / run_id / name
        if not path.is_file():
            raise EvalRunNotFound(f"evaluation run {run_id} has no {name}")
        return info, path

    def list(self, limit: int = 50) -> list[EvalRunInfo]:
        """The newest ``limit`` runs, newest first: this process's and those on disk."""
        with self._lock:
            runs = {rid: r.model_copy() for rid, r in self._runs.items()}
        if self.folder.is_dir():
            for path in self.folder.glob(f"*/{STATE}"):
                rid = path.parent.name
                if rid not in runs and RUN_ID.fullmatch(rid):
                    loaded = self._load(path)
                    if loaded is not None:
                        runs[rid] = loaded
        return sorted(runs.values(), key=lambda r: (r.created_at, r.run_id), reverse=True)[:limit]

    def close(self) -> None:
        """Stop: the running run ends as ``cancelled`` after its current item, queued ones never start.

        A run started afterwards starts the worker again (an app's lifespan may end and begin again)."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._stop.set()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            pending = [rid for rid, r in self._runs.items() if r.status == "queued"]
        for rid in pending:
            self._update(rid, status="cancelled", finished_at=_now())

    # ------------------------------------------------------------------ the worker

    def _work(self, run_id: str, stop: threading.Event) -> None:
        from eval.runner import run as run_suite

        if stop.is_set():
            self._update(run_id, status="cancelled", finished_at=_now())
            return
        self._update(run_id, status="running", started_at=_now())
        with self._lock:
            run = self._runs[run_id].model_copy()

        def progress(done: int, total: int) -> None:
            if stop.is_set():
                raise _Cancelled
            every = max(1, total // 20)
            self._update(run_id, save=done % every == 0 or done == total, done=done, total=total)

        try:
            results = run_suite(run.suite, out=self.folder / run_id, settings=self.settings,
                                container=self.container, dataset=self.datasets[run.suite][run.dataset],
                                limit=run.limit, options={"baseline": run.baseline}, progress=progress)
        except _Cancelled:
            self._update(run_id, status="cancelled", finished_at=_now())
        except Exception as exc:  # a failed run is a result to report, not a crash of the server
            log.exception("evaluation run %s failed", run_id)
            self._update(run_id, status="failed", finished_at=_now(), error=f"{type(exc).__name__}: {exc}")
        else:
            self._update(run_id, status="done", finished_at=_now(), items=results.n, model=results.run.model,
                         metrics=results.metrics)

    def _info(self, run_id: str) -> EvalRunInfo | None:
        if not RUN_ID.fullmatch(run_id):
            return None
        with self._lock:
            run = self._runs.get(run_id)
            if run is not None:
                return run.model_copy()
        return self._load(self.folder / run_id / STATE)

    def _update(self, run_id: str, *, save: bool = True, **changes: Any) -> None:
        with self._lock:
            run = self._runs[run_id]
            for key, value in changes.items():
                setattr(run, key, value)
        if save:
            self._save(run_id)

    def _save(self, run_id: str) -> None:
        with self._lock:
            text = self._runs[run_id].model_dump_json(indent=1)
        folder = self.folder / run_id
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{STATE}.{threading.get_ident()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, folder / STATE)
        except OSError as exc:  # the run goes on in memory; the file is a copy
            log.warning("cannot write evaluation run %s: %s", run_id, exc)

    @staticmethod
    def _load(path: Path) -> EvalRunInfo | None:
        try:
            run = EvalRunInfo.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError):
            return None
        if run.status in ("queued", "running"):
            run.status = "interrupted"
        return run

