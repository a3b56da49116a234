"""``/eval/runs``: start an evaluation suite in the background (admin, reviewer), follow it, list runs, fetch its
report and predictions; ``/eval/suites``: the suites and the datasets a run may name.

The suites are those of ``onemap eval run`` (:mod:`eval.runs`, docs/EVAL.md), on datasets named from a server-side
list; runs go one at a time in the order started, each writing ``<workspace>/eval_runs/<run_id>/`` (results.json,
predictions.jsonl, report.md, report.html, and state.json).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from api.deps import Principal, require
from api.downloads import disposition
from api.errors import ApiError
from assistant.access import Role
from eval.runs import (
    Artifact,
    EvalDataUnavailable,
    EvalRun,
    EvalRunInfo,
    EvalRunNotFound,
    EvalRunNotReady,
    EvalRunService,
    RunRequest,
    SuiteInfo,
)

router = APIRouter(prefix="/eval", tags=["eval"])

Evaluator = Annotated[Principal, Depends(require(Role.REVIEWER))]
RunId = Annotated[str, Path(max_length=64, examples=["3f9c2a71be04"])]
# The report is the runner's own HTML (inline SVG and CSS, no script): nothing else may load or run in it.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
NOT_READY = {404: {"description": "No such run, or its file is gone."},
             409: {"description": "The run is not done (queued, running, failed, cancelled or interrupted)."}}


def runs(request: Request) -> EvalRunService:
    return request.app.state.eval_runs


Runs = Annotated[EvalRunService, Depends(runs)]


def _artifact(service: EvalRunService, run_id: str, name: Artifact):
    try:
        return service.artifact(run_id, name)
    except EvalRunNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except EvalRunNotReady as exc:
        raise ApiError(409, str(exc)) from None


@router.get("/suites", response_model=list[SuiteInfo],
            summary="The evaluation suites and the datasets a run may name (admin, reviewer)")
def list_suites(service: Runs, _: Evaluator) -> list[SuiteInfo]:
    """Each suite of ``onemap eval suites`` with its title, whether it needs the model, the names of its datasets
    on this server (the first is the default; ``POST /eval/runs`` takes one as ``dataset``) and the sample size of
    a run that gives no ``limit``."""
    return service.suites()


@router.post("/runs", response_model=EvalRun, status_code=202,
             responses={202: {"description": "Queued; follow it at the Location header (GET /eval/runs/{run_id})."},
                        503: {"description": "The dataset cannot be loaded on the server."}},
             summary="Start an evaluation run (admin, reviewer)")
def start_run(body: RunRequest, service: Runs, who: Evaluator) -> JSONResponse:
    """One suite of ``onemap eval run`` (retrieval, mcq, qa, extraction, verdicts, latency) on a dataset named
    from the server's list, optionally on a seeded sample (``limit``), with or without its baseline. The dataset
    is loaded before the run is queued: 503 when it cannot be."""
    try:
        run = service.start(body, actor=who.actor)
    except EvalDataUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    return JSONResponse(run.model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/eval/runs/{run.run_id}"})


@router.get("/runs", response_model=list[EvalRunInfo], summary="List evaluation runs, newest first (admin, reviewer)")
def list_runs(service: Runs, _: Evaluator,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[EvalRunInfo]:
    return service.list(limit=limit)


@router.get("/runs/{run_id}", response_model=EvalRun, responses={404: {"description": "No such run."}},
            summary="An evaluation run's status and results (admin, reviewer)")
def get_run(run_id: RunId, service: Runs, _: Evaluator) -> EvalRun:
    """The run's state; once done, ``results`` is its results.json (metrics, per_subject, baselines, tables,
    malformed lines, notes and the run record)."""
    run = service.get(run_id)
    if run is None:
        raise ApiError(404, f"no evaluation run {run_id}")
    return run


@router.get("/runs/{run_id}/report", response_class=FileResponse,
            responses={200: {"description": "report.html: scores beside their baselines, with the plots inline.",
                             "content": {"text/html": {"schema": {"type": "string"}}}}, **NOT_READY},
            summary="An evaluation run's HTML report (admin, reviewer)")
def get_report(run_id: RunId, service: Runs, _: Evaluator) -> FileResponse:
    _, path = _artifact(service, run_id, "report.html")
    return FileResponse(path, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": REPORT_CSP, "X-Content-Type-Options": "nosniff"})


@router.get("/runs/{run_id}/predictions", response_class=FileResponse,
            responses={200: {"description": "predictions.jsonl: one JSON object per item (id, prediction, gold, "
                                            "correct, latency_ms and the suite's fields), as an attachment.",
                             "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}}},
                       **NOT_READY},
            summary="An evaluation run's predictions as JSONL (admin, reviewer)")
def get_predictions(run_id: RunId, service: Runs, _: Evaluator) -> FileResponse:
    info, path = _artifact(service, run_id, "predictions.jsonl")
    return FileResponse(path, media_type="application/x-ndjson",
                        headers={"Content-Disposition": disposition(f"{info.suite}-{run_id}-predictions", "jsonl")})
