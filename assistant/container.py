"""Wiring: builds each component once, lazily, from one Settings object.

The CLI and the API both take a Container; tests build one per test with a
temporary workspace (and may replace a component before first use).
"""

from __future__ import annotations

from functools import cached_property

from llama_index.core.base.embeddings.base import BaseEmbedding
from threadpoolctl import threadpool_limits

from assistant.retrieval.search import SearchService
from assistant.settings import Settings
from ingest.catalog import Catalog
from ingest.embedding import build_embedding
from ingest.lexical_index import LexicalIndex
from ingest.pipeline import IngestService
from ingest.vector_index import VectorIndex


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.workspace.mkdir(parents=True, exist_ok=True)
        # OpenBLAS worker threads busy-wait after each call and steal the cores the embedder's
        # OpenMP threads need: warm search p50 went from ~90 ms to ~43 ms with BLAS on one thread.
        # Our BLAS work (cosine over at most a few 100k vectors, BM25 sums) is small.
        threadpool_limits(limits=1, user_api="blas")

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.workspace / "catalog.sqlite")

    @cached_property
    def embedding(self) -> BaseEmbedding:
        return build_embedding(self.settings.embedding)

    @cached_property
    def vectors(self) -> VectorIndex:
        return VectorIndex(self.settings)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.settings.workspace / "bm25", self.catalog)

    @cached_property
    def ingest(self) -> IngestService:
        return IngestService(self.settings.ingest, self.catalog, self.vectors, self.lexical, self.embedding)

    @cached_property
    def search(self) -> SearchService:
        return SearchService(self.settings.retrieval, self.catalog, self.vectors, self.lexical, self.embedding)

    @cached_property
    def layer_backend(self):
        from spatial.service import build_backend

        return build_backend(self.settings)

    @cached_property
    def layers(self):
        from spatial.service import LayerService

        return LayerService(self.layer_backend, self.settings.spatial)

    @cached_property
    def checks(self):
        from spatial.service import build_checks

        return build_checks(self.layer_backend, self.settings.spatial)

    @cached_property
    def graph_store(self):
        from knowledge_graph.store import GraphStore

        return GraphStore.from_settings(self.settings)

    @cached_property
    def graph(self):
        from knowledge_graph.service import GraphService

        return GraphService(self.graph_store, self.settings, self.catalog)

    @cached_property
    def llm(self):
        from assistant.llm.component import LLMComponent

        return LLMComponent(self.settings)

    @cached_property
    def toolbox(self):
        from assistant.qa.tools import Toolbox

        return Toolbox(self)

    @cached_property
    def qa(self):
        from assistant.qa.service import QAService

        return QAService(self.settings, self.toolbox, self.llm.chat, model_name=self.llm.model_name,
                         tool_calling=self.llm.tool_calling())

    @cached_property
    def choice(self):
        """Multiple-choice answering for evaluators (C-Eval style), with retrieval as the public role."""
        from assistant.access import Role
        from assistant.qa.choice import ChoiceService

        def complete(messages, max_tokens: int) -> str:
            return self.llm.chat(messages, max_tokens=max_tokens).text

        def search(query: str, k: int) -> list[dict]:
            return [h.model_dump() for h in self.search.search(query, k=k, role=Role.PUBLIC).hits]

        return ChoiceService(complete, search)

    @cached_property
    def keys(self):
        """The workspace's API keys (``keys.sqlite``)."""
        from assistant.keys import KeyStore

        return KeyStore(self.settings.workspace / "keys.sqlite")

    @cached_property
    def audit(self):
        """The workspace's audit trail (``audit.sqlite``); records carry the settings' fingerprint."""
        from assistant.audit import AuditLog

        return AuditLog(self.settings.workspace / "audit.sqlite", self.settings.fingerprint())

    def close(self) -> None:
        if "audit" in self.__dict__:
            self.audit.close()
        if "keys" in self.__dict__:
            self.keys.close()
        if "llm" in self.__dict__:
            self.llm.close()
        if "graph_store" in self.__dict__:
            self.graph_store.close()
        if "layer_backend" in self.__dict__:
            self.layer_backend.close()
        if "vectors" in self.__dict__:
            self.vectors.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
