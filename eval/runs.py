"""Evaluation runs started on demand (``POST /eval/runs``): one multiple-choice suite in a background thread.

Suites are the exam sets of :mod:`eval.datasets`, scored by :func:`eval.multiple_choice.run_suite`
(the same scoring as ``bench/qa.py choice``): ``ceval_val`` (C-Eval 城乡规划师, val split) and the
注册城乡规划师 exams, by subject or all.  ``n`` questions are sampled deterministically; ``retrieval``
puts retrieved excerpts (public documents) in the prompt.

Runs go one at a time, in order, on one worker thread, so an evaluation never competes with itself
for the model.  Each run's state is kept in memory and written to ``<folder>/<run_id>.json`` at
every change (atomically), so results outlive the process; a run found on disk still queued or
running belongs to a process that stopped, and is reported ``interrupted``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from assistant.qa.choice import ChoiceQuestion, ChoiceService
from eval.multiple_choice import SuiteResult, run_suite

log = logging.getLogger(__name__)

SuiteName = Literal["ceval_val", "exams_regulation", "exams_knowledge", "exams_all"]
RunStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
RUN_ID = re.compile(r"[0-9a-f]{12}")
MAX_QUESTIONS = 1000


def _ceval(n: int) -> list[ChoiceQuestion]:
    from eval.datasets import CEVAL_VAL, load_ceval, sample

    return sample(load_ceval(CEVAL_VAL), n)


def _exams(subject: str | None) -> Callable[[int], list[ChoiceQuestion]]:
    def load(n: int) -> list[ChoiceQuestion]:
        from eval.datasets import PLANNER_EXAMS, load_planner_exams

        return load_planner_exams(PLANNER_EXAMS, subject=subject, n=n)

    return load


SUITES: dict[str, tuple[str, Callable[[int], list[ChoiceQuestion]]]] = {
    "ceval_val": ("C-Eval 城乡规划师（val，单选）", _ceval),
    "exams_regulation": ("注册城乡规划师考试 2012–2021：法规", _exams("regulation")),
    "exams_knowledge": ("注册城乡规划师考试 2012–2021：相关知识", _exams("knowledge")),
    "exams_all": ("注册城乡规划师考试 2012–2021：全部", _exams(None)),
}


class RunRequest(BaseModel):
    """A suite to run."""

    suite: SuiteName = Field("ceval_val", description="ceval_val: C-Eval 城乡规划师 val; exams_*: 注册城乡规划师 "
                             "exam questions (2012–2021) of one subject, or all.")
    n: int = Field(20, ge=1, le=MAX_QUESTIONS, description="Questions, sampled deterministically (fewer if the "
                   "suite has fewer).")
    retrieval: bool = Field(True, description="Put retrieved excerpts (public documents) in the prompt.")

    model_config = {"json_schema_extra": {"examples": [{"suite": "ceval_val", "n": 20, "retrieval": True}]}}


class EvalRunInfo(BaseModel):
    """A run's state, without its per-question rows."""

    run_id: str
    suite: SuiteName
    n: int
    retrieval: bool
    status: RunStatus
    actor: str = Field(description="Who started it (the API key's name).")
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    done: int = Field(0, description="Questions answered so far.")
    total: int = Field(0, description="Questions in the run.")
    accuracy: float | None = None
    model: str | None = None
    error: str | None = None


class EvalRun(EvalRunInfo):
    """A run's state and, when done, its scores and every question's row."""

    result: SuiteResult | None = None

    def info(self) -> EvalRunInfo:
        return EvalRunInfo(**self.model_dump(exclude={"result"}))


class EvalDataUnavailable(RuntimeError):
    """The suite's questions cannot be loaded (the data beside the repository is missing or malformed)."""


class _Cancelled(Exception):
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EvalRunService:
    """Start, follow and list evaluation runs; ``choice()`` gives the answering service when a run starts."""

    def __init__(self, folder: Path, choice: Callable[[], ChoiceService], *,
                 model_name: Callable[[], str] = lambda: "",
                 suites: dict[str, tuple[str, Callable[[int], list[ChoiceQuestion]]]] | None = None) -> None:
        self.folder = folder
        self.choice = choice
        self.model_name = model_name
        self.suites = SUITES if suites is None else suites
        self._runs: dict[str, EvalRun] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    def start(self, request: RunRequest, *, actor: str) -> EvalRun:
        """Queue a run; raises :class:`EvalDataUnavailable` when its questions cannot be loaded."""
        _, load = self.suites[request.suite]
        try:
            questions = load(request.n)
        except (OSError, ValueError) as exc:  # DatasetError is a ValueError
            raise EvalDataUnavailable(f"suite {request.suite}: {exc}") from None
        run = EvalRun(run_id=uuid.uuid4().hex[:12], suite=request.suite, n=request.n, retrieval=request.retrieval,
                      status="queued", actor=actor, created_at=_now(), total=len(questions))
        with self._lock:
            self._runs[run.run_id] = run
        self._save(run.run_id)
        with self._lock:
            if self._pool is None:  # first run, or the first since close()
                self._stop = threading.Event()
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eval-run")
            self._pool.submit(self._work, run.run_id, questions, self._stop)
        return run.model_copy(deep=True)

    def get(self, run_id: str) -> EvalRun | None:
        if not RUN_ID.fullmatch(run_id):
            return None
        with self._lock:
            run = self._runs.get(run_id)
            if run is not None:
                return run.model_copy(deep=True)
        return self._load(self.folder / f"{run_id}.json")

    def list(self, limit: int = 50) -> list[EvalRunInfo]:
        """The newest ``limit`` runs, newest first: this process's and those on disk."""
        with self._lock:
            runs = {rid: r.info() for rid, r in self._runs.items()}
        if self.folder.is_dir():
            for path in self.folder.glob("*.json"):
                if path.stem not in runs and RUN_ID.fullmatch(path.stem):
                    loaded = self._load(path)
                    if loaded is not None:
                        runs[path.stem] = loaded.info()
        return sorted(runs.values(), key=lambda r: (r.created_at, r.run_id), reverse=True)[:limit]

    def close(self) -> None:
        """Stop: the running run ends as ``cancelled`` after its current question, queued ones never start.

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

    def _work(self, run_id: str, questions: list[ChoiceQuestion], stop: threading.Event) -> None:
        if stop.is_set():
            self._update(run_id, status="cancelled", finished_at=_now())
            return
        self._update(run_id, status="running", started_at=_now())
        with self._lock:
            retrieval = self._runs[run_id].retrieval
        every = max(1, len(questions) // 20)

        def progress(done: int, total: int) -> None:
            if stop.is_set():
                raise _Cancelled
            self._update(run_id, save=done % every == 0 or done == total, done=done)

        try:
            result = run_suite(questions, self.choice(), retrieval=retrieval, progress=progress)
        except _Cancelled:
            self._update(run_id, status="cancelled", finished_at=_now())
        except Exception as exc:  # a failed run is a result to report, not a crash of the server
            log.exception("evaluation run %s failed", run_id)
            self._update(run_id, status="failed", finished_at=_now(), error=f"{type(exc).__name__}: {exc}")
        else:
            self._update(run_id, status="done", finished_at=_now(), done=result.n, accuracy=result.accuracy,
                         result=result, model=self._model())

    def _model(self) -> str | None:
        try:
            return self.model_name() or None
        except Exception:
            return None

    def _update(self, run_id: str, *, save: bool = True, **changes) -> None:
        with self._lock:
            run = self._runs[run_id]
            for key, value in changes.items():
                setattr(run, key, value)
        if save:
            self._save(run_id)

    def _save(self, run_id: str) -> None:
        with self._lock:
            text = self._runs[run_id].model_dump_json(indent=1)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{run_id}.{threading.get_ident()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.folder / f"{run_id}.json")
        except OSError as exc:  # the run goes on in memory; the file is a copy
            log.warning("cannot write evaluation run %s: %s", run_id, exc)

    @staticmethod
    def _load(path: Path) -> EvalRun | None:
        try:
            run = EvalRun.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError):
            return None
        if run.status in ("queued", "running"):
            run.status = "interrupted"
        return run
