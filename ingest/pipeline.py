"""Ingest files into the catalog, the vector index and the lexical index.

Per document: read → chunk → tokenise → embed → add vectors → swap the
catalog rows in one transaction → delete the document's stale vectors.  A
crash before the swap leaves the old version searchable (new vectors are not
in the catalog and are ignored); a crash after it leaves old vectors that are
ignored and deleted at the next ingest of that document.  An unchanged file
(same bytes, access and type) is skipped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llama_index.core.base.embeddings.base import BaseEmbedding

from assistant.settings import IngestSettings
from ingest.catalog import Catalog, ChunkRecord, DocumentRecord
from ingest.chunking import chunk_blocks
from ingest.errors import IngestError, UnsupportedFormatError
from ingest.identity import doc_id_for, infer_doc_type, jurisdiction_of, split_title_version
from ingest.lexical_index import LexicalIndex
from ingest.lexicon import tokenize
from ingest.models import Access, ChunkDraft, DocType
from ingest.readers import SUPPORTED_SUFFIXES, read_document
from ingest.vector_index import VectorIndex

Status = Literal["added", "updated", "unchanged", "failed"]
Guard = Callable[[DocumentRecord, DocumentRecord | None], None]  # (new, the record it replaces) -> None or raise


@dataclass(frozen=True)
class IngestOutcome:
    path: Path
    status: Status
    doc_id: str = ""
    title: str = ""
    version: str = ""
    chunks: int = 0
    error: str = ""


@dataclass
class IngestReport:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def chunks(self) -> int:
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "updated"))


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: given files as they are, folders recursively (supported types only, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
            ))
        else:
            files.append(path)
    return files


def vector_text(draft: ChunkDraft) -> str:
    """What the embedder sees: the chunk led by its locator.

    Measured on the retrieval gold set, adding the title and heading path
    made vector recall worse (R@5 0.708 vs 0.764) and embedding 15 % slower.
    """
    lead = "" if draft.text.startswith(draft.locator) else f"{draft.locator} "
    return f"{lead}{draft.text}"


def lexical_text(title: str, heading_path: Sequence[str], draft: ChunkDraft) -> str:
    """What BM25 sees: the chunk with its document title and heading context."""
    return f"{' '.join([title, *heading_path])}\n{vector_text(draft)}"


def parse_file(path: Path, settings: IngestSettings, *, access: Access | None = None,
               doc_type: DocType | None = None) -> tuple[DocumentRecord, list[ChunkDraft]]:
    """Read and chunk one file: its catalog record (n_chunks unset) and its chunk drafts.

    Shared by ingest and by the knowledge-graph builder, which needs clauses but no vectors.

    Raises
    ------
    IngestError
        Missing, unsupported, too large, unreadable or empty file.
    """
    if not path.exists():
        raise IngestError("no such file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(
            f"unsupported format {path.suffix or '(none)'}; supported: {' '.join(sorted(SUPPORTED_SUFFIXES))}")
    if path.stat().st_size > settings.max_file_mb * 1024 * 1024:
        raise IngestError(f"file is larger than ingest.max_file_mb = {settings.max_file_mb} MB")
    data = path.read_bytes()
    parsed = read_document(path)
    meta = parsed.metadata
    title, version = split_title_version(path.stem)
    title, version = meta.get("title", title), meta.get("version", version)
    dtype = doc_type or _enum(DocType, meta.get("doc_type"), "doc_type") or infer_doc_type(title, path)
    level = Access.strictest(access, _enum(Access, meta.get("access"), "access"))
    drafts = chunk_blocks(parsed.blocks, dtype, max_chars=settings.max_chunk_chars)
    if not drafts:
        raise IngestError("no text to index after chunking")
    content_hash = hashlib.sha256(data).hexdigest()
    doc = DocumentRecord(doc_id_for(title, version), title, version, dtype, level, jurisdiction_of(title), str(path),
                         content_hash)
    return doc, drafts


class IngestService:
    def __init__(self, settings: IngestSettings, catalog: Catalog, vectors: VectorIndex, lexical: LexicalIndex,
                 embedding: BaseEmbedding) -> None:
        self.settings = settings
        self.catalog = catalog
        self.vectors = vectors
        self.lexical = lexical
        self.embedding = embedding

    def ingest(self, paths: Sequence[Path], *, access: Access | None = None, doc_type: DocType | None = None,
               on_file: Callable[[IngestOutcome], None] | None = None, guard: Guard | None = None) -> IngestReport:
        """Ingest files and folders; failures are reported per file and never stop the run.

        ``guard(new, old)`` is called for each parsed file before anything is written, with the catalog
        record it would replace (or None); an exception it raises propagates and nothing is written.
        """
        start = time.perf_counter()
        report = IngestReport()
        for path in collect_files(paths):
            outcome = self.ingest_file(path, access=access, doc_type=doc_type, guard=guard)
            report.outcomes.append(outcome)
            if on_file:
                on_file(outcome)
        if report.count("added") or report.count("updated"):
            self.lexical.rebuild()
        report.seconds = time.perf_counter() - start
        return report

    def ingest_file(self, path: Path, *, access: Access | None = None,
                    doc_type: DocType | None = None, guard: Guard | None = None) -> IngestOutcome:
        try:
            return self._ingest_file(path, access, doc_type, guard)
        except IngestError as exc:
            return IngestOutcome(path, "failed", error=str(exc))
        except OSError as exc:
            return IngestOutcome(path, "failed", error=exc.strerror or str(exc))

    def _ingest_file(self, path: Path, access: Access | None, doc_type: DocType | None,
                     guard: Guard | None = None) -> IngestOutcome:
        doc, drafts = parse_file(path, self.settings, access=access, doc_type=doc_type)
        doc_id, title, version, content_hash, level, dtype = (doc.doc_id, doc.title, doc.version, doc.content_hash,
                                                              doc.access, doc.doc_type)
        old = self.catalog.document(doc_id)
        if guard is not None:
            guard(doc, old)
        if old and (old.content_hash, old.access, old.doc_type) == (content_hash, level, dtype):
            return IngestOutcome(path, "unchanged", doc_id, title, version, old.n_chunks)

        chunks = [
            ChunkRecord(f"{doc_id}:{content_hash[:12]}:{i}", doc_id, i, d.locator, d.heading_path, d.kind, d.text,
                        tuple(tokenize(lexical_text(title, d.heading_path, d))))
            for i, d in enumerate(drafts)
        ]
        vectors = self.embedding.get_text_embedding_batch([vector_text(d) for d in drafts])
        self.vectors.add([c.chunk_id for c in chunks], vectors, doc_id=doc_id, content_hash=content_hash,
                         access=level)
        self.catalog.replace_document(doc, chunks)
        self.vectors.delete_stale(doc_id, keep_hash=content_hash, keep_access=level)
        return IngestOutcome(path, "updated" if old else "added", doc_id, title, version, len(chunks))

    def remove(self, doc_id: str) -> bool:
        """Remove a document from the catalog and its vectors from the index."""
        removed = self.catalog.delete_document(doc_id)
        self.vectors.delete_stale(doc_id)
        if removed:
            self.lexical.rebuild()
        return removed


def _enum(kind, value: str | None, name: str):
    if value in (None, ""):
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = "|".join(m.value for m in kind)
        raise IngestError(f"front matter {name}: {value!r} is not one of {allowed}") from None
