"""Documents and clauses: from the ingest catalog, or straight from files (read and chunk, no vectors).

A clause is one locator of a document (第四十四条, （十一）, 3.2.1): the chunks of a long article share its
locator and are joined back into one clause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import IngestSettings
from ingest.catalog import Catalog, DocumentRecord
from ingest.errors import IngestError
from ingest.pipeline import collect_files, parse_file
from knowledge_graph.schema import GraphData


@dataclass(frozen=True)
class ClauseText:
    clause_id: str
    doc_id: str
    locator: str
    text: str
    ordinal: int


def clause_id(doc_id: str, locator: str, ordinal: int) -> str:
    """``doc_id#第四十四条``; chunks without a locator get their ordinal."""
    return f"{doc_id}#{locator}" if locator else f"{doc_id}#{ordinal}"


def group_clauses(doc_id: str, chunks: Iterable[tuple[int, str, str]]) -> list[ClauseText]:
    """Join (ordinal, locator, text) chunks sharing a locator into clauses, in first-appearance order."""
    order: dict[str, ClauseText] = {}
    for ordinal, locator, text in chunks:
        cid = clause_id(doc_id, locator, ordinal)
        if cid in order:
            prev = order[cid]
            order[cid] = ClauseText(cid, doc_id, locator, prev.text + "\n" + text, prev.ordinal)
        else:
            order[cid] = ClauseText(cid, doc_id, locator, text, ordinal)
    return list(order.values())


@dataclass(frozen=True)
class SourceDocument:
    record: DocumentRecord
    clauses: list[ClauseText]


def from_catalog(catalog: Catalog) -> list[SourceDocument]:
    """Every ingested document with its clauses."""
    return [SourceDocument(doc, group_clauses(doc.doc_id, ((c.ordinal, c.locator, c.text)
                                                            for c in catalog.chunks_of(doc.doc_id))))
            for doc in catalog.documents()]


def from_files(paths: Sequence[Path], settings: IngestSettings,
               on_error: Callable[[Path, str], None] | None = None) -> list[SourceDocument]:
    """Read and chunk files (folders recursively) without embedding them."""
    out = []
    for path in collect_files(paths):
        try:
            doc, drafts = parse_file(path, settings)
        except (IngestError, OSError) as exc:
            if on_error:
                on_error(path, str(exc))
            continue
        out.append(SourceDocument(doc, group_clauses(doc.doc_id, ((i, d.locator, d.text)
                                                                  for i, d in enumerate(drafts)))))
    return out


def document_graph(docs: Sequence[SourceDocument]) -> GraphData:
    """Document and Clause nodes, PART_OF, and SUPERSEDES from each newer version to the one before."""
    g = GraphData()
    by_title: dict[str, list[DocumentRecord]] = {}
    for d in docs:
        r = d.record
        g.node("Document", {"doc_id": r.doc_id, "title": r.title, "version": r.version,
                            "doc_type": r.doc_type.value, "access": r.access.value, "jurisdiction": r.jurisdiction})
        by_title.setdefault(r.title, []).append(r)
        for c in d.clauses:
            g.node("Clause", {"clause_id": c.clause_id, "locator": c.locator, "text": c.text, "doc_id": r.doc_id,
                              "doc_title": r.title, "access": r.access.value, "ordinal": c.ordinal})
            g.edge("PART_OF", "Clause", c.clause_id, "Document", r.doc_id)
    for versions in by_title.values():
        ordered = sorted(versions, key=lambda r: r.version)
        for older, newer in zip(ordered, ordered[1:], strict=False):
            g.edge("SUPERSEDES", "Document", newer.doc_id, "Document", older.doc_id)
    return g
