"""Build the graph and answer queries: the service the CLI and the API call."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.access import Role, readable_levels
from assistant.settings import Settings
from knowledge_graph import queries
from knowledge_graph.builders.documents import SourceDocument, document_graph, from_catalog, from_files
from knowledge_graph.builders.landuse import landuse_graph
from knowledge_graph.builders.plan import demo_sources, plan_graph
from knowledge_graph.builders.rules import engine_rules_graph, extracted_rules_graph
from knowledge_graph.schema import KEYS, GraphData, constraints, indexes, merge_edges_cypher, merge_nodes_cypher


class Store(Protocol):
    def read(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...
    def write(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...
    def write_batch(self, cypher: str, rows: list[dict[str, Any]], batch_size: int = 500) -> int: ...
    def ensure_schema(self, constraints: list[tuple[str, str]], indexes: list[tuple[str, str]] = ...) -> None: ...
    def clear(self) -> None: ...
    def counts(self) -> dict[str, dict[str, int]]: ...


@dataclass
class BuildReport:
    documents: int = 0
    clauses: int = 0
    rules: int = 0
    written: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"documents": self.documents, "clauses": self.clauses, "rules": self.rules, "written": self.written,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
                "failed": [{"path": p, "error": e} for p, e in self.failed]}


def write_graph(store: Store, data: GraphData, batch_size: int = 500,
                progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """MERGE every node then every relationship of ``data``; returns rows written per label/type."""
    written: dict[str, int] = {}
    for label, nodes in data.nodes.items():
        key = KEYS[label]
        rows = [{"key": k, "props": {p: v for p, v in props.items() if p != key}} for k, props in nodes.items()]
        written[label] = store.write_batch(merge_nodes_cypher(label), rows, batch_size)
        if progress:
            progress(label, written[label])
    for (rel, start, end), pairs in data.edges.items():
        rows = [{"a": a, "b": b} for a, b in sorted(pairs)]
        written[rel] = written.get(rel, 0) + store.write_batch(merge_edges_cypher(rel, start, end), rows, batch_size)
        if progress:
            progress(rel, len(rows))
    return written


class GraphService:
    """Builds the knowledge graph from the catalog, files and the demo plan; answers the queries."""

    def __init__(self, store: Store, settings: Settings, catalog: Any | None = None) -> None:
        self.store = store
        self.settings = settings
        self.catalog = catalog

    # ------------------------------------------------------------------ build

    def build(self, *, paths: Sequence[Path] = (), from_catalog_docs: bool = True, demo: bool = True,
              clear: bool = False, extractor: Any | None = None,
              progress: Callable[[str, int], None] | None = None) -> BuildReport:
        """Idempotent: MERGE on ids, so building twice gives the same graph (``clear`` starts afresh)."""
        report = BuildReport()
        t0 = time.perf_counter()
        docs: list[SourceDocument] = []
        if from_catalog_docs and self.catalog is not None:
            docs += from_catalog(self.catalog)
        if paths:
            known = {d.record.doc_id for d in docs}
            docs += [d for d in from_files(paths, self.settings.ingest,
                                           on_error=lambda p, e: report.failed.append((str(p), e)))
                     if d.record.doc_id not in known]
        report.seconds["read"] = time.perf_counter() - t0
        data = GraphData()
        data.merge(landuse_graph()).merge(document_graph(docs))
        t1 = time.perf_counter()
        if extractor is None:
            from knowledge_graph.builders.rule_extractor import PatternRuleExtractor

            extractor = PatternRuleExtractor()
        data.merge(extracted_rules_graph(docs, extractor))
        from spatial.rules import load_rules

        data.merge(engine_rules_graph(load_rules(self.settings.spatial.rules_file or None), docs))
        report.seconds["extract"] = time.perf_counter() - t1
        if demo:
            data.merge(plan_graph(demo_sources(docs)))
        t2 = time.perf_counter()
        if clear:
            self.store.clear()
        self.store.ensure_schema(constraints(), indexes=indexes())
        report.written = write_graph(self.store, data, progress=progress)
        report.seconds["write"] = time.perf_counter() - t2
        report.seconds["total"] = time.perf_counter() - t0
        report.documents = len(docs)
        report.clauses = sum(len(d.clauses) for d in docs)
        report.rules = len(data.nodes.get("Rule", {}))
        return report

    # ------------------------------------------------------------------ queries

    def stats(self) -> dict[str, dict[str, int]]:
        return self.store.counts()

    def rules(self, target: str, role: Role = Role.PUBLIC, limit: int = 50) -> queries.RulesResult:
        return queries.rules_for(self.store, target, _levels(role), limit)

    def authority(self, question: str, role: Role = Role.PUBLIC) -> queries.AuthorityResult:
        return queries.authority_for(self.store, question, _levels(role))

    def chain(self, zone_id: str) -> queries.ChainResult:
        return queries.chain(self.store, zone_id)

    def county_zone(self) -> str | None:
        return queries.county_zone(self.store)

    def unit_balance(self, unit_id: str) -> queries.UnitBalance:
        return queries.unit_balance(self.store, unit_id)

    def neighbourhood(self, clause_id: str, role: Role = Role.PUBLIC) -> queries.Neighbourhood | None:
        return queries.neighbourhood(self.store, clause_id, _levels(role))


def _levels(role: Role) -> list[str]:
    return [level.value for level in readable_levels(role)]
