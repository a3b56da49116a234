"""Chunk vectors in Qdrant through LlamaIndex's ``QdrantVectorStore``.

Embedded Qdrant (local mode, ``path=``) by default; a Qdrant server
(``url=``) at scale.  Points carry ``doc_id``, ``content_hash`` and
``access`` in their payload: access is filtered inside the query, and a
document's stale points (an older version, or the leftovers of a crash) are
deleted by ``doc_id`` + ``content_hash``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.qdrant import QdrantVectorStore
from qdrant_client import QdrantClient, models

from assistant.settings import Settings

_NAMESPACE = uuid.UUID("6f1c3c58-7b7e-4a47-9d8e-0e3b1a2f9c11")


def point_id(chunk_id: str) -> str:
    """Qdrant wants UUIDs; chunk ids map to stable ones."""
    return str(uuid.uuid5(_NAMESPACE, chunk_id))


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    score: float


class VectorIndex:
    """Adds, deletes and queries chunk vectors."""

    def __init__(self, settings: Settings) -> None:
        vs = settings.vector_store
        if vs.mode == "local":
            path = settings.workspace / vs.path
            path.mkdir(parents=True, exist_ok=True)
            self.client = QdrantClient(path=str(path))
        else:
            self.client = QdrantClient(url=vs.url, api_key=vs.api_key or None)
        self.store = QdrantVectorStore(
            collection_name=vs.collection,
            client=self.client,
            batch_size=256,
            index_doc_id=vs.mode == "server",  # payload indexes only exist on a Qdrant server
            payload_indexes=[
                {"field_name": "access", "field_schema": models.PayloadSchemaType.KEYWORD},
                {"field_name": "doc_id", "field_schema": models.PayloadSchemaType.KEYWORD},
            ] if vs.mode == "server" else None,
        )

    def close(self) -> None:
        self.client.close()

    def add(self, chunk_ids: Sequence[str], embeddings: Sequence[Sequence[float]], *, doc_id: str,
            content_hash: str, access: str) -> None:
        nodes = [
            TextNode(
                id_=point_id(cid),
                text="",
                embedding=list(vec),
                metadata={"chunk_id": cid, "content_hash": content_hash, "access": access},
                # LlamaIndex writes the source document id into the payload as doc_id / ref_doc_id
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
            )
            for cid, vec in zip(chunk_ids, embeddings, strict=True)
        ]
        if nodes:
            self.store.add(nodes)

    def delete_stale(self, doc_id: str, keep_hash: str | None) -> None:
        """Delete the document's points, except those of ``keep_hash``."""
        if not self._exists():
            return
        must_not = [] if keep_hash is None else [
            models.FieldCondition(key="content_hash", match=models.MatchValue(value=keep_hash))
        ]
        self.client.delete(
            collection_name=self.store.collection_name,
            points_selector=models.FilterSelector(filter=models.Filter(
                must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))],
                must_not=must_not,
            )),
        )

    def query(self, embedding: Sequence[float], *, top_k: int, access: Sequence[str]) -> list[VectorHit]:
        if not self._exists():
            return []
        result = self.store.query(VectorStoreQuery(
            query_embedding=list(embedding),
            similarity_top_k=top_k,
            filters=MetadataFilters(filters=[
                MetadataFilter(key="access", value=list(access), operator=FilterOperator.IN),
            ]),
        ))
        return [
            VectorHit(node.metadata["chunk_id"], float(score))
            for node, score in zip(result.nodes or [], result.similarities or [], strict=True)
        ]

    def count(self) -> int:
        if not self._exists():
            return 0
        return self.client.count(self.store.collection_name, exact=True).count

    def _exists(self) -> bool:
        return self.client.collection_exists(self.store.collection_name)
