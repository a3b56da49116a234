"""``POST /extract``: each parcel's planning conditions (规划条件) from an uploaded document, as ``onemap extract --json``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from api.deps import ContainerDep, Staff
from api.failures import audited, service_errors
from api.uploads import check_suffix, spooled
from assistant.extraction.models import ExtractionResult

router = APIRouter(tags=["extract"])

SUFFIXES = (".pdf", ".docx", ".md", ".markdown", ".txt")
NO_MODEL_RUNNING = "未检测到运行中的模型服务：仅使用表格和规则提取"


@router.post("/extract", response_model=ExtractionResult,
             responses={422: {"description": "Unsupported or unreadable file, or no parcels with planning "
                                             "conditions in it (the message says which)."}},
             summary="Extract planning conditions per parcel from a document")
def extract(
    file: Annotated[UploadFile, File(description="A detailed plan or a planning-conditions notice: PDF, DOCX, "
                                                 "Markdown or text (UTF-8 or GBK).")],
    c: ContainerDep, who: Staff,
    model: Annotated[bool, Query(description="Let a running model fill fields the tables and patterns could "
                                             "not read (kept only when found in the text). Never starts a model.")]
    = False,
) -> ExtractionResult:
    """Per parcel: 用地性质, 用地面积, 容积率, 建筑密度, 限高, 绿地率, 停车, 配套设施, 退让 …, each with its
    normalised value, unit, locator and the exact source text; conflicting values are reported.
    The result is recorded in the audit trail with the document's SHA-256."""
    from assistant.audit_records import audit_extract, sha256_file
    from assistant.extraction import service_for

    with spooled(("file", file)) as [path], service_errors([path]):
        check_suffix(path.name, SUFFIXES, what="the document")
        service = service_for(c.llm, model)
        result = service.extract(path)
        if model and service.chat is None:
            result.warnings.append(NO_MODEL_RUNNING)
        audited(c, audit_extract, result, role=who.role.value, actor=who.actor, document_sha256=sha256_file(path),
                use_model=service.chat is not None)
    return result
