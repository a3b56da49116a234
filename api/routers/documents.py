"""``/documents``: the document library (list, upload to ingest, delete), as ``onemap documents`` and ``onemap ingest``.

The list holds only the documents whose access level the caller's role may read; ``/public/documents``
(api/routers/public.py) calls the same function as the public role.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import Admin, AnyRole, ContainerDep, Principal, Staff
from api.errors import ApiError
from api.failures import service_errors
from api.uploads import check_suffix, spooled, without_folder
from assistant.container import Container
from assistant.documents import DocumentInfo, IngestedDocument
from ingest.models import Access

router = APIRouter(prefix="/documents", tags=["documents"])


class Removed(BaseModel):
    removed: str


def documents_for(c: Container, who: Principal) -> list[DocumentInfo]:
    """The documents ``who``'s role may read (``GET /documents`` and ``GET /public/documents``)."""
    from assistant.documents import list_documents

    return list_documents(c.catalog, who.role)


@router.get("", response_model=list[DocumentInfo], summary="List the documents your role may read")
def list_documents(c: ContainerDep, who: AnyRole) -> list[DocumentInfo]:
    return documents_for(c, who)


@router.post("", response_model=IngestedDocument, status_code=201,
             responses={200: {"model": IngestedDocument, "description": "Already ingested with the same content "
                                                                       "(unchanged) or replaced (updated)."},
                        201: {"description": "Added."},
                        403: {"description": "The level is above your role, or the document it would replace is."},
                        422: {"description": "Unsupported or unreadable file (the message says why)."}},
             summary="Upload a document to ingest")
def upload_document(
    file: Annotated[UploadFile, File(description="PDF, DOCX, Markdown, text or HTML. The name gives the title and "
                                                 "version, e.g. 土地管理法(2019-08-26).md; front matter may set both.")],
    c: ContainerDep, who: Staff,
    access: Annotated[Access, Form(description="Who may read it: public, internal or confidential (admin only). "
                                               "Front matter may make it stricter.")] = Access.INTERNAL,
):
    """Chunk, embed and index the file. Idempotent by content: the same file again is `unchanged`;
    a new version of a document (same title and version, other content) replaces it atomically."""
    from assistant.documents import add_document
    from ingest.readers import SUPPORTED_SUFFIXES

    with spooled(("file", file)) as [path], service_errors([path]):
        check_suffix(path.name, SUPPORTED_SUFFIXES, what="a document")
        outcome = add_document(c.ingest, c.settings.workspace, path, access=access, role=who.role)
    if outcome.status == "failed":
        raise ApiError(422, f"{path.name}: {without_folder(outcome.error, [path])}")
    return JSONResponse(outcome.model_dump(mode="json"), status_code=201 if outcome.status == "added" else 200)


@router.delete("/{doc_id}", response_model=Removed, responses={404: {"description": "No such document."}},
               summary="Remove a document and its chunks (admin)")
def delete_document(
    doc_id: Annotated[str, Path(max_length=200, description="Id from GET /documents.",
                                examples=["a1b2c3d4e5f6a7b8"])],
    c: ContainerDep, _: Admin,
) -> Removed:
    from assistant.documents import remove_document

    if not remove_document(c.ingest, c.settings.workspace, doc_id):
        raise ApiError(404, f"no document with id {doc_id}")
    return Removed(removed=doc_id)
