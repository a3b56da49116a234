"""``/eval/runs``: start a multiple-choice suite in the background (admin, reviewer), follow it, list runs.

Runs go one at a time in the order started (:mod:`eval.runs`); each one's state is also written to
``<workspace>/eval_runs/<run_id>.json``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from api.deps import Principal, require
from api.errors import ApiError
from assistant.access import Role
from eval.runs import EvalDataUnavailable, EvalRun, EvalRunInfo, EvalRunService, RunRequest

router = APIRouter(prefix="/eval/runs", tags=["eval"])

Evaluator = Annotated[Principal, Depends(require(Role.REVIEWER))]


def runs(request: Request) -> EvalRunService:
    return request.app.state.eval_runs


Runs = Annotated[EvalRunService, Depends(runs)]


@router.post("", response_model=EvalRun, status_code=202,
             responses={202: {"description": "Queued; follow it at the Location header (GET /eval/runs/{run_id})."},
                        503: {"description": "The suite's questions cannot be loaded."}},
             summary="Start an evaluation run (admin, reviewer)")
def start_run(body: RunRequest, service: Runs, who: Evaluator) -> JSONResponse:
    """Multiple choice over C-Eval 城乡规划师 (val) or the 注册城乡规划师 exams: ``n`` questions sampled
    deterministically, with or without retrieved excerpts; exact-match accuracy overall and by type,
    latency percentiles and every question's row when done."""
    try:
        run = service.start(body, actor=who.actor)
    except EvalDataUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    return JSONResponse(run.model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/eval/runs/{run.run_id}"})


@router.get("", response_model=list[EvalRunInfo], summary="List evaluation runs, newest first (admin, reviewer)")
def list_runs(service: Runs, _: Evaluator,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[EvalRunInfo]:
    return service.list(limit=limit)


@router.get("/{run_id}", response_model=EvalRun, responses={404: {"description": "No such run."}},
            summary="An evaluation run's status and results (admin, reviewer)")
def get_run(run_id: Annotated[str, Path(max_length=64, examples=["3f9c2a71be04"])], service: Runs,
            _: Evaluator) -> EvalRun:
    run = service.get(run_id)
    if run is None:
        raise ApiError(404, f"no evaluation run {run_id}")
    return run
