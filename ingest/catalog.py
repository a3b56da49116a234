"""The catalog: which documents are indexed, and their chunks (SQLite in the workspace).

The catalog is the source of truth for what is searchable.  A document's
chunks are replaced in one transaction, so readers see either the old or the
new version, never a mix; vector points and the BM25 index are derived from
it and reconciled against it (points not in the catalog are ignored).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.models import Access, DocType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    version TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    access TEXT NOT NULL,
    jurisdiction TEXT NOT NULL DEFAULT '',
    source_path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_title ON documents(title);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    locator TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    version: str
    doc_type: DocType
    access: Access
    jurisdiction: str
    source_path: str
    content_hash: str
    n_chunks: int = 0
    ingested_at: str = ""


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    doc_id: str
    ordinal: int
    locator: str
    heading_path: tuple[str, ...]
    kind: str
    text: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class ChunkView:
    """A chunk joined with its document, as search returns it."""

    chunk: ChunkRecord
    document: DocumentRecord


class Catalog:
    """SQLite catalog of documents and chunks.

    One connection per catalog object; the ``revision`` counter goes up with
    every committed change so derived indexes know when they are stale.
    Safe to share between threads: a lock serialises the connection's use, so
    a transaction never starts inside another thread's and a read never sees
    another thread's uncommitted changes.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES('revision', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    @property
    def revision(self) -> int:
        rows = self._rows("SELECT value FROM meta WHERE key = 'revision'")
        return int(rows[0][0]) if rows else 0

    def document(self, doc_id: str) -> DocumentRecord | None:
        rows = self._rows("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        return _doc(rows[0]) if rows else None

    def documents(self) -> list[DocumentRecord]:
        rows = self._rows("SELECT * FROM documents ORDER BY title, version")
        return [_doc(r) for r in rows]

    def chunk_ids(self, doc_id: str) -> list[str]:
        return [r[0] for r in self._rows("SELECT chunk_id FROM chunks WHERE doc_id = ?", (doc_id,))]

    def replace_document(self, doc: DocumentRecord, chunks: Sequence[ChunkRecord]) -> None:
        """Make ``chunks`` the document's only chunks, atomically."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc.doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc.doc_id,))
            db.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
                (doc.doc_id, doc.title, doc.version, doc.doc_type.value, doc.access.value, doc.jurisdiction,
                 doc.source_path, doc.content_hash, len(chunks), now),
            )
            db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
                [(c.chunk_id, c.doc_id, c.ordinal, c.locator, json.dumps(list(c.heading_path), ensure_ascii=False),
                  c.kind, c.text, " ".join(c.tokens)) for c in chunks],
            )

    def delete_document(self, doc_id: str) -> bool:
        with self._transaction() as db:
            cur = db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return cur.rowcount > 0

    def chunks_of(self, doc_id: str) -> list[ChunkRecord]:
        """The chunks of one document in reading order."""
        rows = self._rows("SELECT * FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))
        return [ChunkRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6], tuple(r[7].split()))
                for r in rows]

    def all_chunks(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(chunk_id, access, tokens) of every chunk, in a stable order, for the lexical index."""
        rows = self._rows(
            "SELECT c.chunk_id, d.access, c.tokens FROM chunks c JOIN documents d USING(doc_id) "
            "ORDER BY c.doc_id, c.ordinal"
        )
        return [(r[0], r[1], tuple(r[2].split())) for r in rows]

    def views(self, chunk_ids: Sequence[str]) -> dict[str, ChunkView]:
        """Chunks with their documents, for the ids that are in the catalog."""
        out: dict[str, ChunkView] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start:start + 500])
            marks = ",".join("?" * len(part))
            rows = self._rows(
                f"SELECT c.*, d.* FROM chunks c JOIN documents d USING(doc_id) WHERE c.chunk_id IN ({marks})", part
            )
            for row in rows:
                chunk = ChunkRecord(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5], row[6],
                                    tuple(row[7].split()))
                out[chunk.chunk_id] = ChunkView(chunk, _doc(row[8:]))
        return out

    def latest_versions(self) -> dict[str, str]:
        """Newest version per title (versions are ISO dates or free text; max sorts them)."""
        rows = self._rows("SELECT title, MAX(version) FROM documents GROUP BY title")
        return {r[0]: r[1] for r in rows}

    def jurisdictions(self) -> set[str]:
        return {r[0] for r in self._rows("SELECT DISTINCT jurisdiction FROM documents") if r[0]}


def _doc(row: Sequence) -> DocumentRecord:
    return DocumentRecord(
        doc_id=row[0], title=row[1], version=row[2], doc_type=DocType(row[3]), access=Access(row[4]),
        jurisdiction=row[5], source_path=row[6], content_hash=row[7], n_chunks=row[8], ingested_at=row[9],
    )
