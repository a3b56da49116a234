"""Rule nodes: extracted from clauses, and the check engine's own rule tables linked to their clauses.

Every Rule has DERIVED_FROM its clause; APPLIES_TO the land-use classes and control lines it names.
A rule carries its clause's access level, so the public never sees rules from internal documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from knowledge_graph.builders.documents import SourceDocument
from knowledge_graph.schema import CONTROL_LINES, GraphData, line_zone_id
from spatial.rules import RuleSet

if TYPE_CHECKING:
    from knowledge_graph.builders.rule_extractor import RuleExtractor

# The check engine's rule ids → (modality, authority, control line).
_ENGINE = {
    "ecr.core": ("禁止", "", "ecological_protection_redline"),
    "ecr.general": ("禁止", "", "ecological_protection_redline"),
    "ecr.national_key_project": ("审批", "国务院", "ecological_protection_redline"),
    "ecr.linear_infrastructure": ("有条件", "省级人民政府", "ecological_protection_redline"),
    "ecr.tourism_facility": ("有条件", "省级人民政府", "ecological_protection_redline"),
    "ecr.villager_housing": ("有条件", "省级人民政府", "ecological_protection_redline"),
    "ecr.ecological_restoration": ("有条件", "", "ecological_protection_redline"),
    "pbf.occupation": ("禁止", "国务院", "permanent_basic_farmland"),
    "pbf.national_key_project": ("审批", "国务院", "permanent_basic_farmland"),
    "udb.inside": ("应当", "", "urban_development_boundary"),
    "udb.outside_urban": ("禁止", "", "urban_development_boundary"),
    "udb.outside_allowed": ("有条件", "", "urban_development_boundary"),
}
_ENGINE_DEFAULT = ("应当", "", None)


def extracted_rules_graph(docs: Sequence[SourceDocument], extractor: RuleExtractor) -> GraphData:
    """Rules the extractor finds in every clause, each DERIVED_FROM its clause."""
    g = GraphData()
    for d in docs:
        for clause in d.clauses:
            rules = extractor.extract(clause.text, locator=clause.locator, doc_title=d.record.title)
            for i, r in enumerate(rules):
                rid = f"{clause.clause_id}#r{i + 1}"
                g.node("Rule", {"rule_id": rid, "modality": r.modality, "subject": r.subject, "action": r.action,
                                "condition": r.condition, "authority": r.authority, "threshold": r.threshold,
                                "unit": r.unit, "text": r.text, "access": d.record.access.value,
                                "doc_title": d.record.title, "locator": clause.locator, "source": "extracted",
                                "clause_id": clause.clause_id})
                g.edge("DERIVED_FROM", "Rule", rid, "Clause", clause.clause_id)
                for code in r.landuse_codes:
                    g.edge("APPLIES_TO", "Rule", rid, "LandUseClass", code)
                for line in r.control_lines:
                    if line in CONTROL_LINES:
                        g.edge("APPLIES_TO", "Rule", rid, "Zone", line_zone_id(line))
    return g


def _short_title(title: str) -> str:
    return title.removeprefix("中华人民共和国")


def find_clause(docs: Sequence[SourceDocument], doc_title: str, locator: str) -> tuple[str, str] | None:
    """(clause_id, access) of the clause ``locator`` in the newest document titled ``doc_title``."""
    wanted = _short_title(doc_title)
    candidates = sorted((d for d in docs if _short_title(d.record.title) == wanted),
                        key=lambda d: d.record.version, reverse=True)
    for d in candidates:
        for c in d.clauses:
            if c.locator == locator or c.locator.endswith(locator):
                return c.clause_id, d.record.access.value
    return None


def engine_rules_graph(rules: RuleSet, docs: Sequence[SourceDocument]) -> GraphData:
    """The check engine's rule tables as Rule nodes, linked to their clauses when those are in the graph."""
    g = GraphData()
    for rule in rules.rules.values():
        modality, authority, line = _ENGINE.get(rule.id, _ENGINE_DEFAULT)
        rid = f"engine:{rule.id}"
        found = find_clause(docs, rule.source.doc_title, rule.source.locator)
        g.node("Rule", {"rule_id": rid, "modality": modality, "subject": CONTROL_LINES.get(line or "", ""),
                        "action": "", "condition": "", "authority": authority, "threshold": None, "unit": "",
                        "text": rule.text, "access": found[1] if found else "public", "doc_title": rule.source.doc_title,
                        "locator": rule.source.locator, "source": "engine", "confidence": rule.confidence,
                        "clause_id": found[0] if found else None})
        if found:
            g.edge("DERIVED_FROM", "Rule", rid, "Clause", found[0])
        if line:
            g.edge("APPLIES_TO", "Rule", rid, "Zone", line_zone_id(line))
    return g
