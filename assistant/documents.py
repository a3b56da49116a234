"""The document library as a role sees it: list, add (ingest) and remove, for the CLI and the API.

A role lists only the documents at levels it may read (:func:`assistant.access.readable_levels`).
Adding is ingesting one file: idempotent by content (an unchanged file is ``unchanged``), at the
stricter of the level asked for and the file's own front matter.  A role may add only at levels it
may read, and may not replace a document it cannot read (an officer's upload that shares a
confidential document's title and version is refused, not silently downgrading it).

Uploaded files are kept under ``<workspace>/uploads/documents/<sha256[:16]>/`` so the catalog's
``source`` names a file that exists; removing the document removes that copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path, PurePath

from pydantic import BaseModel, Field

from assistant.access import AccessDenied, Role, may_read
from ingest.catalog import Catalog, DocumentRecord
from ingest.models import Access
from ingest.pipeline import IngestOutcome, IngestService

UPLOADS = Path("uploads") / "documents"


class DocumentInfo(BaseModel):
    """One ingested document (the ``onemap documents list --json`` row)."""

    doc_id: str
    title: str
    version: str = Field(description="Version from the file name or front matter, e.g. 2019-08-26; may be empty.")
    doc_type: str
    access: str
    chunks: int
    source: str = Field(description="The file it was ingested from: its path on the server for admin, its name for "
                                    "the other roles.")

    @classmethod
    def of(cls, d: DocumentRecord, *, full_path: bool = True) -> DocumentInfo:
        return cls(doc_id=d.doc_id, title=d.title, version=d.version, doc_type=d.doc_type, access=d.access,
                   chunks=d.n_chunks, source=d.source_path if full_path else PurePath(d.source_path).name)


class IngestedDocument(BaseModel):
    """What adding one file did."""

    status: str = Field(description="added, updated, unchanged or failed.")
    doc_id: str = ""
    title: str = ""
    version: str = ""
    access: str | None = Field(None, description="The level it was stored at (front matter may make it stricter).")
    chunks: int = 0
    error: str = ""


def list_documents(catalog: Catalog, role: Role) -> list[DocumentInfo]:
    """The documents ``role`` may read, in catalog order; where they lie on the server only admin is told."""
    return [DocumentInfo.of(d, full_path=role is Role.ADMIN) for d in catalog.documents()
            if may_read(role, Access(d.access))]


def add_document(ingest: IngestService, workspace: Path, path: Path, *, access: Access, role: Role) -> IngestedDocument:
    """Ingest ``path`` (a file the caller owns, e.g. an upload in a temporary folder) for ``role``.

    The file is copied into the workspace first (content-addressed, its name kept: the name gives
    the title and version).  Raises :class:`AccessDenied` for a level the role may not write or a
    document it may not replace; a file that cannot be read is a ``failed`` outcome with the reason.
    """
    if not may_read(role, access):
        raise AccessDenied(f"role {role.value} may not add {access.value} documents")
    digest = _sha256(path)
    kept = workspace / UPLOADS / digest[:16] / path.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    existed = kept.is_file()
    if not existed:
        shutil.copyfile(path, kept)

    def guard(_new: DocumentRecord, old: DocumentRecord | None) -> None:
        if old is not None and not may_read(role, Access(old.access)):
            raise AccessDenied(f"《{old.title}》{old.version} exists at level {old.access}: "
                               f"role {role.value} may not replace it")

    try:
        report = ingest.ingest([kept], access=access, guard=guard)
    except AccessDenied:
        if not existed:
            _remove_copy(kept)
        raise
    outcome: IngestOutcome = report.outcomes[0]
    if outcome.status == "failed" and not existed:
        _remove_copy(kept)
    stored = ingest.catalog.document(outcome.doc_id) if outcome.doc_id else None
    return IngestedDocument(status=outcome.status, doc_id=outcome.doc_id, title=outcome.title,
                            version=outcome.version, access=stored.access if stored else None,
                            chunks=outcome.chunks, error=outcome.error)


def remove_document(ingest: IngestService, workspace: Path, doc_id: str) -> bool:
    """Remove a document, its chunks and (when it was uploaded) its kept copy; False if there is none."""
    record = ingest.catalog.document(doc_id)
    if not ingest.remove(doc_id):
        return False
    if record is not None:
        source = Path(record.source_path)
        uploads = (workspace / UPLOADS).resolve()
        if source.resolve().is_relative_to(uploads) and not any(
                d.source_path == record.source_path for d in ingest.catalog.documents()):
            _remove_copy(source)
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_copy(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
