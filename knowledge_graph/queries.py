"""The questions the assistant asks the graph, as functions over a store that can ``read`` Cypher.

Every function takes the access levels the caller may read: clauses and rules from documents above
them are never returned. Cypher here keeps to what ArcadeDB (over Bolt) and Neo4j both accept:
single-hop patterns, ``IN`` lists, ``CONTAINS``, ``OPTIONAL MATCH``, ``collect``; multi-level walks
are done hop by hop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from knowledge_graph.schema import CONTROL_LINES, line_zone_id
from spatial import landuse


class Reader(Protocol):
    def read(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...


class Citation(BaseModel):
    clause_id: str | None = None
    doc_title: str = ""
    locator: str = ""


class RuleHit(BaseModel):
    rule_id: str
    modality: str
    subject: str = ""
    action: str = ""
    condition: str = ""
    authority: str = ""
    threshold: float | None = None
    unit: str = ""
    text: str = ""
    via: str = ""
    access: str = "public"
    source: Citation


class RulesResult(BaseModel):
    target: str
    resolved: list[str]
    rules: list[RuleHit]


class AuthorityResult(BaseModel):
    question: str
    authority: str | None
    candidates: list[RuleHit]


class ChainNode(BaseModel):
    indicator_id: str
    name: str
    level: str
    zone_id: str
    unit: str = ""
    nature: str = ""
    bound: str = "max"
    target: float | None = None
    current: float | None = None
    children_sum: float | None = None
    children: list[str] = Field(default_factory=list)
    parent: str | None = None
    breaches: list[str] = Field(default_factory=list)


class Chain(BaseModel):
    name: str
    up: list[ChainNode]
    node: ChainNode
    down: list[ChainNode]


class ChainResult(BaseModel):
    zone_id: str
    chains: list[Chain]
    breaches: list[str]


class ParcelGfa(BaseModel):
    parcel_id: str
    area_m2: float | None
    far_max: float | None
    planned_gfa_m2: float | None


class UnitBalance(BaseModel):
    unit_id: str
    cap_m2: float | None
    planned_gfa_m2: float
    parcels: list[ParcelGfa]
    over_m2: float | None
    ratio: float | None
    within_cap: bool | None


class Neighbourhood(BaseModel):
    clause_id: str
    doc_title: str = ""
    locator: str = ""
    text: str = ""
    rules: list[RuleHit] = Field(default_factory=list)
    applies_to: list[dict[str, Any]] = Field(default_factory=list)
    indicators: list[dict[str, Any]] = Field(default_factory=list)
    zones: list[dict[str, Any]] = Field(default_factory=list)


_RULE_FIELDS = ("r.rule_id AS rule_id, r.modality AS modality, r.subject AS subject, r.action AS action, "
                "r.condition AS condition, r.authority AS authority, r.threshold AS threshold, r.unit AS unit, "
                "r.text AS text, r.doc_title AS doc_title, r.locator AS locator, r.clause_id AS clause_id, "
                "r.access AS access")


def _hit(row: dict[str, Any], via: str = "") -> RuleHit:
    return RuleHit(rule_id=row["rule_id"], modality=row.get("modality") or "", subject=row.get("subject") or "",
                   action=row.get("action") or "", condition=row.get("condition") or "",
                   authority=row.get("authority") or "", threshold=row.get("threshold"), unit=row.get("unit") or "",
                   text=row.get("text") or "", via=via, access=row.get("access") or "public",
                   source=Citation(clause_id=row.get("clause_id"), doc_title=row.get("doc_title") or "",
                                   locator=row.get("locator") or ""))


def resolve_target(target: str) -> tuple[list[str], list[str]]:
    """(zone ids, land-use codes) a target names: a control line (名称 or key), or a land-use code / name.

    A land-use class brings its ancestors: a rule on 07 居住用地 applies to 070102.

    Examples
    --------
    >>> resolve_target("永久基本农田")
    (['line:permanent_basic_farmland'], [])
    >>> resolve_target("070102")
    ([], ['070102', '0701', '07'])
    """
    t = target.strip()
    for key, name in CONTROL_LINES.items():
        if t in (key, name):
            return [line_zone_id(key)], []
    cls = landuse.find(t) or landuse.by_name(t)
    if cls is None:
        return [], []
    return [], [cls.code] + [a.code for a in reversed(landuse.ancestors(cls.code))]


def rules_for(db: Reader, target: str, levels: Sequence[str], limit: int = 200) -> RulesResult:
    """Rules that APPLY_TO a control line or a land-use class (and its ancestors)."""
    zones, codes = resolve_target(target)
    rows: list[dict[str, Any]] = []
    params = {"levels": list(levels), "limit": limit}
    if zones:
        rows += db.read(f"UNWIND $ids AS id MATCH (t:Zone {{zone_id: id}})<-[:APPLIES_TO]-(r:Rule) "
                        f"WHERE r.access IN $levels RETURN {_RULE_FIELDS}, t.name AS via LIMIT $limit",
                        {**params, "ids": zones})
    if codes:
        rows += db.read(f"UNWIND $ids AS id MATCH (t:LandUseClass {{code: id}})<-[:APPLIES_TO]-(r:Rule) "
                        f"WHERE r.access IN $levels RETURN {_RULE_FIELDS}, t.code AS via LIMIT $limit",
                        {**params, "ids": codes})
    seen: dict[str, RuleHit] = {}
    for row in rows:
        seen.setdefault(row["rule_id"], _hit(row, via=str(row.get("via") or "")))
    ordered = sorted(seen.values(), key=lambda h: (h.rule_id.startswith("engine:") is False, h.source.doc_title,
                                                   h.rule_id))
    return RulesResult(target=target, resolved=zones + codes, rules=ordered[:limit])


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def subjects_in(question: str) -> list[str]:
    """Rule subjects (the extractor's terms, control lines, land-use class names) that occur in ``question``.

    Examples
    --------
    >>> {"永久基本农田", "建设用地"} <= set(subjects_in("永久基本农田转为建设用地"))
    True
    """
    from knowledge_graph.builders.rule_extractor import SUBJECT_TERMS

    terms = list(SUBJECT_TERMS) + list(CONTROL_LINES.values()) + [c.name for c in landuse.all_classes()]
    found = {t for t in terms if t and t in question}
    return sorted(found, key=lambda t: (-len(t), t))


def authority_for(db: Reader, question: str, levels: Sequence[str], limit: int = 5) -> AuthorityResult:
    """Who approves an action, e.g. "永久基本农田转为建设用地" → 国务院, with the clauses that say so.

    Candidates are rules with an authority whose subject occurs in the question; they are ranked by how
    much of the question their subject, action and condition cover (character bigrams), approval rules
    and national texts first.
    """
    subjects = subjects_in(question)
    if not subjects:
        return AuthorityResult(question=question, authority=None, candidates=[])
    rows = db.read(f"UNWIND $subjects AS s MATCH (r:Rule {{subject: s}}) WHERE r.authority <> '' "
                   f"AND r.access IN $levels RETURN {_RULE_FIELDS} LIMIT 1000",
                   {"subjects": subjects, "levels": list(levels)})
    q = _bigrams(question)

    def score(row: dict[str, Any]) -> float:
        said = _bigrams((row.get("subject") or "") + (row.get("action") or "") + (row.get("condition") or ""))
        coverage = len(said & q) / max(len(q), 1)  # how much of the question the rule speaks to
        in_text = len(_bigrams(row.get("text") or "") & q) / max(len(q), 1)  # ... or its sentence does
        local = any(w in (row.get("doc_title") or "") for w in ("省", "市", "县", "自治区"))
        return coverage + 0.5 * in_text + 0.2 * (row.get("modality") == "审批") + 0.05 * (not local)

    ranked = sorted(rows, key=score, reverse=True)[:limit]
    hits = [_hit(r) for r in ranked]
    return AuthorityResult(question=question, authority=hits[0].authority if hits else None, candidates=hits)


_IND = ("i.indicator_id AS indicator_id, i.name AS name, i.level AS level, i.zone_id AS zone_id, i.unit AS unit, "
        "i.nature AS nature, i.bound AS bound, i.target AS target, i.current AS current, "
        "i.complete_allocation AS complete")


def _node(row: dict[str, Any]) -> ChainNode:
    return ChainNode(indicator_id=row["indicator_id"], name=row.get("name") or "", level=row.get("level") or "",
                     zone_id=row.get("zone_id") or "", unit=row.get("unit") or "", nature=row.get("nature") or "",
                     bound=row.get("bound") or "max", target=row.get("target"), current=row.get("current"))


def county_zone(db: Reader) -> str | None:
    """The zone id of the county (the root of the transmission chain), or None before a build."""
    rows = db.read("MATCH (z:Zone {kind: 'county'}) RETURN z.zone_id AS id LIMIT 1")
    return rows[0]["id"] if rows else None


def chain(db: Reader, zone_id: str, max_depth: int = 4) -> ChainResult:
    """The transmission chain of every indicator allocated to ``zone_id``: up to the county, down to parcels.

    Each node carries its target, its current value and the sum of its children; ``breaches`` names
    where a lower level breaks an upper level's 约束性 cap (or floor).
    """
    own = db.read(f"MATCH (z:Zone {{zone_id: $z}})<-[:ALLOCATED_TO]-(i:Indicator) RETURN {_IND}", {"z": zone_id})
    names = sorted({r["name"] for r in own})
    # A chain links indicators of one name: fetch them all and their links in two round trips.
    every = db.read(f"UNWIND $names AS nm MATCH (i:Indicator {{name: nm}}) RETURN {_IND}", {"names": names})
    links = db.read("UNWIND $names AS nm MATCH (p:Indicator {name: nm})-[:TRANSMITS_TO]->(c:Indicator) "
                    "RETURN p.indicator_id AS parent, c.indicator_id AS child", {"names": names})
    nodes: dict[str, ChainNode] = {r["indicator_id"]: _node(r) for r in every + own}
    complete = {r["indicator_id"] for r in every + own if r.get("complete")}
    parent_of = {row["child"]: row["parent"] for row in links}
    kids: dict[str, list[str]] = {}
    for row in links:
        kids.setdefault(row["parent"], []).append(row["child"])
    for child, parent in parent_of.items():
        if child in nodes:
            nodes[child].parent = parent
    ups: dict[str, list[str]] = {}
    for r in own:
        path, cur = [], r["indicator_id"]
        for _ in range(max_depth):
            if cur not in parent_of:
                break
            cur = parent_of[cur]
            path.insert(0, cur)
        ups[r["indicator_id"]] = path
    breaches: list[str] = []
    for n in nodes.values():
        n.children = sorted(kids.get(n.indicator_id, []))
        values = [nodes[c].target if nodes[c].target is not None else nodes[c].current for c in n.children]
        if n.children and all(v is not None for v in values):
            n.children_sum = round(sum(values), 6)  # type: ignore[arg-type]
        n.breaches = _breaches(n, n.indicator_id in complete)
        breaches += n.breaches
    chains = []
    for ind_id in sorted(ups):
        node = nodes[ind_id]
        down = _subtree(nodes, ind_id)
        chains.append(Chain(name=node.name, up=[nodes[u] for u in ups[ind_id]], node=node, down=down))
    relevant = {n.indicator_id for c in chains for n in [*c.up, c.node, *c.down]}
    return ChainResult(zone_id=zone_id, chains=chains,
                       breaches=[b for n in nodes.values() if n.indicator_id in relevant for b in n.breaches])


def _subtree(nodes: dict[str, ChainNode], root: str) -> list[ChainNode]:
    out, stack = [], list(reversed(nodes[root].children))
    while stack:
        cur = stack.pop()
        out.append(nodes[cur])
        stack.extend(reversed(nodes[cur].children))
    return out


def _breaches(n: ChainNode, complete: bool) -> list[str]:
    if n.nature != "约束性" or n.target is None:
        return []
    eps = 1e-9 * max(1.0, abs(n.target))
    out = []
    if n.bound == "max":
        if n.current is not None and n.current > n.target + eps:
            out.append(f"{n.indicator_id}: current {n.current:g} {n.unit} exceeds the cap {n.target:g}")
        if n.children_sum is not None and n.children_sum > n.target + eps:
            out.append(f"{n.indicator_id}: lower levels add up to {n.children_sum:g} {n.unit}, over the cap "
                       f"{n.target:g} ({(n.children_sum - n.target) / n.target:+.2%})")
    else:
        if n.current is not None and n.current < n.target - eps:
            out.append(f"{n.indicator_id}: current {n.current:g} {n.unit} is below the floor {n.target:g}")
        if complete and n.children_sum is not None and n.children_sum < n.target - eps:
            out.append(f"{n.indicator_id}: lower levels add up to {n.children_sum:g} {n.unit}, under the floor "
                       f"{n.target:g}")
    return out


def unit_balance(db: Reader, unit_id: str) -> UnitBalance:
    """Σ planned GFA (far_max × area) of a unit's parcels against the unit's cap."""
    unit = db.read("MATCH (u:Zone {zone_id: $u}) RETURN u.gfa_cap_m2 AS cap, u.kind AS kind", {"u": unit_id})
    rows = db.read("MATCH (u:Zone {zone_id: $u})-[:CONTAINS]->(p:Zone) WHERE p.kind = 'parcel' "
                   "RETURN p.zone_id AS parcel_id, p.area_m2 AS area_m2, p.far_max AS far_max, "
                   "p.planned_gfa_m2 AS planned ORDER BY p.zone_id", {"u": unit_id})
    cap = unit[0]["cap"] if unit else None
    parcels = [ParcelGfa(parcel_id=r["parcel_id"], area_m2=r.get("area_m2"), far_max=r.get("far_max"),
                         planned_gfa_m2=r.get("planned")) for r in rows]
    total = round(sum(p.planned_gfa_m2 or 0.0 for p in parcels), 1)
    over = round(total - cap, 1) if cap is not None else None
    return UnitBalance(unit_id=unit_id, cap_m2=cap, planned_gfa_m2=total, parcels=parcels, over_m2=over,
                       ratio=round(total / cap, 4) if cap else None, within_cap=(total <= cap) if cap else None)


def neighbourhood(db: Reader, clause_id: str, levels: Sequence[str]) -> Neighbourhood | None:
    """A clause with the rules derived from it (and what they apply to), and the indicators and zones it sets.

    For graph-expanded retrieval: a hit on a clause brings the structured facts around it. None when the
    clause does not exist or the caller may not read it.
    """
    found = db.read("MATCH (c:Clause {clause_id: $c}) RETURN c.doc_title AS doc_title, c.locator AS locator, "
                    "c.text AS text, c.access AS access", {"c": clause_id})
    if not found or found[0].get("access") not in levels:
        return None
    rules = db.read(f"MATCH (c:Clause {{clause_id: $c}})<-[:DERIVED_FROM]-(r:Rule) RETURN {_RULE_FIELDS}",
                    {"c": clause_id})
    targets = db.read("MATCH (c:Clause {clause_id: $c})<-[:DERIVED_FROM]-(r:Rule)-[:APPLIES_TO]->(t) "
                      "RETURN r.rule_id AS rule_id, t.code AS code, t.zone_id AS zone_id, t.name AS name",
                      {"c": clause_id}) if rules else []
    inds = db.read("MATCH (c:Clause {clause_id: $c})<-[:DERIVED_FROM]-(i:Indicator) "
                   "OPTIONAL MATCH (i)-[:ALLOCATED_TO]->(z:Zone) RETURN i.indicator_id AS indicator_id, "
                   "i.name AS name, i.target AS target, i.unit AS unit, z.zone_id AS zone_id, z.name AS zone_name, "
                   "z.kind AS zone_kind", {"c": clause_id})
    zones = {r["zone_id"]: {"zone_id": r["zone_id"], "name": r.get("zone_name"), "kind": r.get("zone_kind")}
             for r in inds if r.get("zone_id")}
    for t in targets:
        if t.get("zone_id"):
            zones.setdefault(t["zone_id"], {"zone_id": t["zone_id"], "name": t.get("name"), "kind": "control_line"})
    return Neighbourhood(clause_id=clause_id, doc_title=found[0].get("doc_title") or "",
                         locator=found[0].get("locator") or "", text=found[0].get("text") or "",
                         rules=[_hit(r) for r in rules], applies_to=targets,
                         indicators=[{k: v for k, v in r.items() if not k.startswith("zone_")} for r in inds],
                         zones=list(zones.values()))
