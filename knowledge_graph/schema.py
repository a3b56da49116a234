"""The graph schema: node labels with their key property, relationship types, and the Cypher that writes them.

Nodes (key property first)::

    Document(doc_id, title, version, doc_type, access)
    Clause(clause_id, locator, text, doc_id, access)                 -[:PART_OF]->     Document
    Document                                                         -[:SUPERSEDES]->  Document (older version)
    LandUseClass(code, name, level, version)                         -[:PARENT_OF]->   LandUseClass
    Zone(zone_id, kind, name, area_m2, ...)                          -[:CONTAINS]->    Zone
        kind: county | district | unit | parcel | control_line | planning_zone
    Indicator(indicator_id, name, unit, nature, level, target, baseline, current, year, bound)
                                                                     -[:ALLOCATED_TO]-> Zone
                                                                     -[:TRANSMITS_TO]-> Indicator (child level)
                                                                     -[:DERIVED_FROM]-> Clause (the table's article)
    Rule(rule_id, modality, subject, action, condition, authority, threshold, unit, text, access)
                                                                     -[:DERIVED_FROM]-> Clause
                                                                     -[:APPLIES_TO]->   LandUseClass | Zone

A control line or planning-zone *kind* is a Zone too (``zone_id`` ``line:permanent_basic_farmland``,
``kind`` control_line, ``line`` permanent_basic_farmland): rules apply to it, features of that line
carry the same ``line``.

Writes are idempotent: every node is MERGEd on its key, every relationship MERGEd between keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KEYS: dict[str, str] = {
    "Document": "doc_id",
    "Clause": "clause_id",
    "LandUseClass": "code",
    "Zone": "zone_id",
    "Indicator": "indicator_id",
    "Rule": "rule_id",
}
RELATIONSHIPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "PART_OF": ("Clause", ("Document",)),
    "SUPERSEDES": ("Document", ("Document",)),
    "PARENT_OF": ("LandUseClass", ("LandUseClass",)),
    "CONTAINS": ("Zone", ("Zone",)),
    "ALLOCATED_TO": ("Indicator", ("Zone",)),
    "TRANSMITS_TO": ("Indicator", ("Indicator",)),
    "DERIVED_FROM": ("Rule", ("Clause",)),
    "APPLIES_TO": ("Rule", ("LandUseClass", "Zone")),
}
ZONE_KINDS = ("county", "district", "unit", "parcel", "control_line", "planning_zone")
MODALITIES = ("禁止", "允许", "应当", "有条件", "审批")
CONTROL_LINES = {
    "ecological_protection_redline": "生态保护红线",
    "permanent_basic_farmland": "永久基本农田",
    "urban_development_boundary": "城镇开发边界",
}


def line_zone_id(line: str) -> str:
    """The id of a control-line kind node, e.g. ``line:permanent_basic_farmland``."""
    return f"line:{line}"


@dataclass
class GraphData:
    """Everything a builder produces: nodes per label and relationships per type, as plain rows."""

    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], set[tuple[str, str]]] = field(default_factory=dict)

    def node(self, label: str, props: dict[str, Any]) -> None:
        key = props[KEYS[label]]
        self.nodes.setdefault(label, {}).setdefault(key, {}).update(
            {k: v for k, v in props.items() if v is not None})

    def edge(self, rel: str, start_label: str, start: str, end_label: str, end: str) -> None:
        self.edges.setdefault((rel, start_label, end_label), set()).add((start, end))

    def merge(self, other: GraphData) -> GraphData:
        for label, nodes in other.nodes.items():
            for props in nodes.values():
                self.node(label, props)
        for key, pairs in other.edges.items():
            self.edges.setdefault(key, set()).update(pairs)
        return self

    def counts(self) -> dict[str, dict[str, int]]:
        rels: dict[str, int] = {}
        for (rel, _, _), pairs in self.edges.items():
            rels[rel] = rels.get(rel, 0) + len(pairs)
        return {"labels": {k: len(v) for k, v in self.nodes.items()}, "relationships": rels}


def merge_nodes_cypher(label: str) -> str:
    key = KEYS[label]
    return f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props"


def merge_edges_cypher(rel: str, start_label: str, end_label: str) -> str:
    return (f"UNWIND $rows AS row MATCH (a:{start_label} {{{KEYS[start_label]}: row.a}}), "
            f"(b:{end_label} {{{KEYS[end_label]}: row.b}}) MERGE (a)-[:{rel}]->(b)")


def constraints() -> list[tuple[str, str]]:
    """(label, key) pairs to make unique/indexed."""
    return list(KEYS.items())


def indexes() -> list[tuple[str, str]]:
    """(label, property) pairs queries look up by, besides the keys."""
    return [("Rule", "subject"), ("Indicator", "name"), ("Clause", "locator")]
