"""Chunk vectors in Qdrant through LlamaIndex's ``QdrantVectorStore``.

Embedded Qdrant (local mode, ``path=``) by default; a Qdrant server
(``url=``) at scale.  There is one collection per access level
(``<collection>_public``, ``_internal``, ``_confidential``): a query runs
only in the collections the role may read, so access is enforced by where
the query looks, not by a filter applied afterwards (local-mode Qdrant
evaluates payload filters point by point in Python, about 100x slower than
the vector search itself).  Points carry ``doc_id`` and ``content_hash`` so
a document's stale points (an older version, another access level, or the
leftovers of a crash) can be deleted.

Local-mode Qdrant is not thread-safe: a search while points are added reads
arrays of different lengths (ValueError), and concurrent upserts break its
SQLite persistence.  In local mode every call on the client holds one lock
(a Qdrant server serialises on its own).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.vector_stores.qdrant import QdrantVectorStore
from qdrant_client import QdrantClient, models

from assistant.settings import Settings
from ingest.errors import WorkspaceBusyError
from ingest.models import Access

_NAMESPACE = uuid.UUID("6f1c3c58-7b7e-4a47-9d8e-0e3b1a2f9c11")


def point_id(chunk_id: str) -> str:
    """Qdrant wants UUIDs; chunk ids map to stable ones."""
    return str(uuid.uuid5(_NAMESPACE, chunk_id))


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    score: float


class VectorIndex:
    """Adds, deletes and queries chunk vectors, one collection per access level."""

    def __init__(self, settings: Settings) -> None:
        vs = settings.vector_store
        self._lock: contextlib.AbstractContextManager = contextlib.nullcontext()
        if vs.mode == "local":
            self._lock = threading.Lock()
            path = settings.workspace / vs.path
            path.mkdir(parents=True, exist_ok=True)
            try:
                self.client = QdrantClient(path=str(path))
            except RuntimeError as exc:
                if "already accessed" not in str(exc):
                    raise
                raise WorkspaceBusyError(
                    f"the workspace {settings.workspace} is in use by another onemap process; wait for it to finish, "
                    "or run Qdrant as a server (ONEMAP__VECTOR_STORE__MODE=server) for concurrent access"
                ) from None
        else:
            self.client = QdrantClient(url=vs.url, api_key=vs.api_key or None)
        self.stores = {
            level: QdrantVectorStore(
                collection_name=f"{vs.collection}_{level.value}",
                client=self.client,
                batch_size=256,
                index_doc_id=vs.mode == "server",  # payload indexes only exist on a Qdrant server
            )
            for level in Access
        }

    def close(self) -> None:
        with self._lock:
            self.client.close()

    def add(self, chunk_ids: Sequence[str], embeddings: Sequence[Sequence[float]], *, doc_id: str,
            content_hash: str, access: Access) -> None:
        nodes = [
            TextNode(
                id_=point_id(cid),
                text="",
                embedding=list(vec),
                metadata={"chunk_id": cid, "content_hash": content_hash},
                # LlamaIndex writes the source document id into the payload as doc_id / ref_doc_id
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
            )
            for cid, vec in zip(chunk_ids, embeddings, strict=True)
        ]
        if nodes:
            with self._lock:
                self.stores[access].add(nodes)

    def delete_stale(self, doc_id: str, *, keep_hash: str | None = None, keep_access: Access | None = None) -> None:
        """Delete the document's points, except those of ``keep_hash`` at ``keep_access``."""
        with self._lock:
            self._delete_stale(doc_id, keep_hash, keep_access)

    def _delete_stale(self, doc_id: str, keep_hash: str | None, keep_access: Access | None) -> None:
        for level, store in self.stores.items():
            if not self.client.collection_exists(store.collection_name):
                continue
            keep = keep_hash is not None and level == keep_access
            must_not = [models.FieldCondition(key="content_hash", match=models.MatchValue(value=keep_hash))] \
                if keep else []
            self.client.delete(
                collection_name=store.collection_name,
                points_selector=models.FilterSelector(filter=models.Filter(
                    must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))],
                    must_not=must_not,
                )),
            )

    def query(self, embedding: Sequence[float], *, top_k: int, access: Sequence[Access]) -> list[VectorHit]:
        """Nearest chunks in the collections of the given access levels (cosine, best first)."""
        hits: list[VectorHit] = []
        for level in access:
            store = self.stores[level]
            with self._lock:
                if not self.client.collection_exists(store.collection_name):
                    continue
                result = store.query(VectorStoreQuery(query_embedding=list(embedding), similarity_top_k=top_k))
            hits.extend(
                VectorHit(node.metadata["chunk_id"], float(score))
                for node, score in zip(result.nodes or [], result.similarities or [], strict=True)
            )
        hits.sort(key=lambda h: -h.score)
        return hits[:top_k]

    def count(self) -> int:
        with self._lock:
            return sum(self.client.count(s.collection_name, exact=True).count
                       for s in self.stores.values() if self.client.collection_exists(s.collection_name))
