"""``POST /reviews``: the 审查意见书 for a project as a file, as ``onemap review --out`` writes it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import ContainerDep, Staff
from api.downloads import download, download_responses
from api.failures import audited, service_errors
from api.routers.check import ProjectBody, parse

router = APIRouter(tags=["reviews"])

ReportFormat = Literal["md", "docx", "pdf"]


@router.post("/reviews", response_class=Response,
             responses=download_responses("The report: Markdown (UTF-8), DOCX or PDF, as an attachment."),
             summary="Draft a review report (审查意见书) for a project")
def review(
    body: ProjectBody, c: ContainerDep, who: Staff,
    fmt: Annotated[ReportFormat, Query(alias="format", description="md, docx or pdf.")] = "md",
    model: Annotated[bool, Query(description="Let a running model add the explanatory paragraphs (审查说明); "
                                             "sentences stating numbers or verdicts the engine did not give are "
                                             "dropped. Never starts a model.")] = False,
) -> Response:
    """Summary, basis documents with versions, every check with value, limit, status, rule and clause,
    findings, the engine's conclusion, open questions and (DOCX, PDF) a map.

    Numbers, statuses and citations come from the check engine. The report is recorded in the audit
    trail with the SHA-256 of the bytes returned. The Markdown form has no map (it is a separate image).
    """
    from assistant.audit_records import audit_review
    from assistant.reports import render
    from assistant.reports.draft import draft_review

    project = parse(body)
    with service_errors():
        report = draft_review(c, project, role=who.role, use_model=model,
                              no_model_note="未使用模型（model=false）：意见书不含审查说明段落，其余内容完整。")
        data = render(report, fmt)
    audited(c, audit_review, project, report, role=who.role.value, actor=who.actor, rendered=data, fmt=fmt,
            source="api")
    return download(data, fmt, f"审查意见书-{project.id}")
