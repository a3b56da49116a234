"""The search service: what ``onemap search`` and the API call.

1. The query is expanded with the planning lexicon (批地 → 农用地转用 审批).
2. BM25 and vector candidates are taken with the role's access filter
   applied inside each query.
3. Rankings are fused (RRF); hits whose chunks are no longer in the catalog
   are dropped; superseded versions and local regulations (when the query
   names no place) are demoted; one hit per article is kept.
"""

from __future__ import annotations

from typing import Literal

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import BaseModel

from assistant.access import Role, max_access, readable_levels
from assistant.retrieval.fusion import reciprocal_rank_fusion
from assistant.settings import RetrievalSettings
from ingest.catalog import Catalog, ChunkView
from ingest.lexical_index import LexicalIndex
from ingest.lexicon import expand_query, tokenize
from ingest.models import DocType
from ingest.vector_index import VectorIndex

Mode = Literal["hybrid", "bm25", "vector"]
_LOCAL_TYPES = {DocType.LAW, DocType.REGULATION}


class SearchHit(BaseModel):
    rank: int
    score: float
    doc_id: str
    doc_title: str
    version: str
    locator: str
    heading_path: list[str]
    text: str
    access: str
    doc_type: str


class SearchResult(BaseModel):
    query: str
    hits: list[SearchHit]
    best_similarity: float | None = None  # cosine of the nearest chunk (vector modes): how close the corpus comes


class SearchService:
    def __init__(self, settings: RetrievalSettings, catalog: Catalog, vectors: VectorIndex, lexical: LexicalIndex,
                 embedding: BaseEmbedding) -> None:
        self.settings = settings
        self.catalog = catalog
        self.vectors = vectors
        self.lexical = lexical
        self.embedding = embedding
        self._latest_rev = -1
        self._latest_cache: dict[str, str] = {}

    def search(self, query: str, *, k: int | None = None, role: Role = Role.PUBLIC,
               mode: Mode = "hybrid") -> SearchResult:
        query = query.strip()
        if not query:
            raise ValueError("the query is empty")
        k = k or self.settings.top_k
        cfg = self.settings
        expanded = expand_query(query) if cfg.expand_query else query
        rankings: list[list[str]] = []
        weights: list[float] = []
        best_similarity = None
        if mode in ("hybrid", "bm25"):
            hits = self.lexical.query(tokenize(expanded), top_k=cfg.candidates, max_access=max_access(role))
            rankings.append([h.chunk_id for h in hits])
            weights.append(cfg.lexical_weight)
        if mode in ("hybrid", "vector"):
            vector = self.embedding.get_query_embedding(query)
            hits_v = self.vectors.query(vector, top_k=cfg.candidates, access=readable_levels(role))
            rankings.append([h.chunk_id for h in hits_v])
            best_similarity = round(hits_v[0].score, 4) if hits_v else None
            weights.append(cfg.vector_weight)
        fused = reciprocal_rank_fusion(rankings, k=cfg.rrf_k, weights=weights)
        views = self.catalog.views(list(fused))
        allowed = {a.value for a in readable_levels(role)}
        scored = [
            (fused[cid] * self._preference(view, query), view)
            for cid, view in views.items()
            if view.document.access.value in allowed  # belt and braces: the indexes filtered already
        ]
        scored.sort(key=lambda item: -item[0])
        best_possible = sum(weights) / (cfg.rrf_k + 1)  # first in every list: score 1.0
        scored = [(score / best_possible, view) for score, view in scored]
        return SearchResult(query=query, hits=self._distinct(scored, k), best_similarity=best_similarity)

    def _preference(self, view: ChunkView, query: str) -> float:
        doc = view.document
        factor = 1.0
        if self._latest().get(doc.title, doc.version) != doc.version:
            factor *= self.settings.superseded_penalty
        if doc.jurisdiction and doc.doc_type in _LOCAL_TYPES and doc.jurisdiction not in query:
            factor *= self.settings.local_penalty
        return factor

    def _latest(self) -> dict[str, str]:
        revision = self.catalog.revision
        if self._latest_rev != revision:
            self._latest_cache = self.catalog.latest_versions()
            self._latest_rev = revision
        return self._latest_cache

    @staticmethod
    def _distinct(scored: list[tuple[float, ChunkView]], k: int) -> list[SearchHit]:
        seen: set[tuple[str, str]] = set()
        hits: list[SearchHit] = []
        for score, view in scored:
            key = (view.document.doc_id, view.chunk.locator)
            if key in seen:
                continue
            seen.add(key)
            doc, chunk = view.document, view.chunk
            hits.append(SearchHit(
                rank=len(hits) + 1, score=round(score, 6), doc_id=doc.doc_id, doc_title=doc.title,
                version=doc.version, locator=chunk.locator, heading_path=list(chunk.heading_path), text=chunk.text,
                access=doc.access.value, doc_type=doc.doc_type.value,
            ))
            if len(hits) == k:
                break
        return hits
