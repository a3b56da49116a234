"""Deterministic tool routing: which tools answer an analysed question, with which arguments.

Used when the model cannot call functions, and as a safety net when it can (compare its calls with
:func:`route`). The tools are implemented elsewhere; this module fixes their names and argument shapes:

=====================  ==========================================================================
``spatial_check``      ``{"project_id": "P-003"}`` or ``{"parcel_id": "SF-01-03", "land_use": "070102",
                       "indicators": {"far": 3.2, "height": 85.0}}`` (a proposed building on the parcel's
                       footprint; ``land_use`` optional; indicator keys :data:`~assistant.qa.analysis.BUILDING_INDICATORS`)
``parcel_conditions``  ``{"parcel_id": "SF-01-03"}``
``graph_rules``        ``{"subject": "永久基本农田"}`` (a subject term or a land-use code)
``indicator_chain``    ``{"zone_id": "SF-03"}`` (a unit id, or ``"county"``)
``search``             ``{"query": "<the question>"}``
=====================  ==========================================================================

Routing by intent
-----------------
- ``COMPLIANCE``: one ``spatial_check`` per project id; then, per parcel id, ``spatial_check`` with the
  parcel id, the proposed land use and the building indicators (``{}`` when none were given) followed by
  ``parcel_conditions``. Without any project or parcel id there is no footprint to check, so the question
  is routed as ``KNOWLEDGE``.
- ``CONDITIONS``: ``parcel_conditions`` per parcel id, then ``search``.
- ``INDICATOR``: ``indicator_chain`` per unit id; without one, per unit a parcel id belongs to (the parcel
  code is the unit code plus a serial: ``SF-02-09`` → ``SF-02``); without either, ``"county"``. Then ``search``.
- ``KNOWLEDGE``: ``search``, then ``graph_rules`` for the first two subjects; when fewer than two subjects
  were found, the codes of the land uses named fill the remaining places (not a land use a subject
  already names: 耕地 → 01, 宅基地 → 0703).

The proposed land use is the first land use named that counts as construction land
(:func:`spatial.landuse.is_construction`), so ``有没有占用耕地`` does not become the building's use. For each
indicator the first value written wins. Calls keep this order, duplicates (same name and arguments) are
dropped, and at most :data:`MAX_CALLS` are returned.

Examples
--------
>>> from assistant.qa.analysis import analyse
>>> [c.name for c in route(analyse("SF-01-03地块拟建容积率3.2、建筑高度85米，能批吗"))]
['spatial_check', 'parcel_conditions']
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from assistant.qa.analysis import BUILDING_INDICATORS, Intent, QueryAnalysis
from spatial import landuse

__all__ = ["COUNTY", "MAX_CALLS", "MAX_GRAPH_RULES", "ToolCall", "dedupe_and_cap", "route", "unnamed"]

MAX_CALLS = 6
MAX_GRAPH_RULES = 2
COUNTY = "county"


class ToolCall(BaseModel):
    """One tool invocation: the tool's name and its JSON arguments."""

    name: str = Field(description="spatial_check, parcel_conditions, graph_rules, indicator_chain or search")
    arguments: dict[str, Any] = Field(default_factory=dict)


def _search(analysis: QueryAnalysis) -> ToolCall:
    return ToolCall(name="search", arguments={"query": analysis.question})


def _knowledge(analysis: QueryAnalysis) -> list[ToolCall]:
    ents = analysis.entities
    subjects = list(ents.subjects) + [
        lu.code for lu in ents.land_uses if not any(s in lu.name for s in ents.subjects)
    ]
    return [_search(analysis)] + [
        ToolCall(name="graph_rules", arguments={"subject": s}) for s in list(dict.fromkeys(subjects))[:MAX_GRAPH_RULES]
    ]


def _proposed_land_use(analysis: QueryAnalysis) -> str | None:
    for lu in analysis.entities.land_uses:
        if landuse.is_construction(lu.code):
            return lu.code
    return None


def _indicators(analysis: QueryAnalysis) -> dict[str, float]:
    values: dict[str, float] = {}
    for q in analysis.entities.quantities:
        if q.key in BUILDING_INDICATORS and q.key not in values:
            values[q.key] = q.value
    return {key: values[key] for key in BUILDING_INDICATORS if key in values}


def _compliance(analysis: QueryAnalysis) -> list[ToolCall]:
    ents = analysis.entities
    if not ents.project_ids and not ents.parcel_ids:
        return _knowledge(analysis)
    calls = [ToolCall(name="spatial_check", arguments={"project_id": p}) for p in ents.project_ids]
    land_use = _proposed_land_use(analysis)
    indicators = _indicators(analysis)
    for parcel in ents.parcel_ids:
        arguments: dict[str, Any] = {"parcel_id": parcel}
        if land_use is not None:
            arguments["land_use"] = land_use
        arguments["indicators"] = dict(indicators)
        calls.append(ToolCall(name="spatial_check", arguments=arguments))
        calls.append(ToolCall(name="parcel_conditions", arguments={"parcel_id": parcel}))
    return calls


def _zones(analysis: QueryAnalysis) -> list[str]:
    ents = analysis.entities
    if ents.unit_ids:
        return list(ents.unit_ids)
    from_parcels = [parcel.rsplit("-", 1)[0] for parcel in ents.parcel_ids]
    return list(dict.fromkeys(from_parcels)) or [COUNTY]


def dedupe_and_cap(calls: list[ToolCall]) -> list[ToolCall]:
    seen: set[str] = set()
    kept: list[ToolCall] = []
    for call in calls:
        key = call.name + json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            kept.append(call)
    return kept[:MAX_CALLS]


def route(analysis: QueryAnalysis) -> list[ToolCall]:
    """The tool calls that answer an analysed question, in a fixed order.

    Parameters
    ----------
    analysis : QueryAnalysis
        The result of :func:`assistant.qa.analysis.analyse`.

    Returns
    -------
    list of ToolCall
        At most :data:`MAX_CALLS` calls, without duplicates; always at least one.

    Examples
    --------
    >>> from assistant.qa.analysis import analyse
    >>> [(c.name, c.arguments) for c in route(analyse("帮我核查一下P-011"))]
    [('spatial_check', {'project_id': 'P-011'})]
    >>> [(c.name, c.arguments) for c in route(analyse("SF-02单元还有多少余量"))]
    [('indicator_chain', {'zone_id': 'SF-02'}), ('search', {'query': 'SF-02单元还有多少余量'})]
    >>> [(c.name, c.arguments) for c in route(analyse("基本农田能建厂房吗"))]
    [('search', {'query': '基本农田能建厂房吗'}), ('graph_rules', {'subject': '永久基本农田'})]
    """
    match analysis.intent:
        case Intent.COMPLIANCE:
            calls = _compliance(analysis)
        case Intent.CONDITIONS:
            calls = [ToolCall(name="parcel_conditions", arguments={"parcel_id": p})
                     for p in analysis.entities.parcel_ids]
            calls.append(_search(analysis))
        case Intent.INDICATOR:
            calls = [ToolCall(name="indicator_chain", arguments={"zone_id": z}) for z in _zones(analysis)]
            calls.append(_search(analysis))
        case _:
            calls = _knowledge(analysis)
    return dedupe_and_cap(calls)


def _named(value: Any, analysis: QueryAnalysis, kind: str) -> bool:
    """``value`` is an id of ``kind`` (project, parcel, unit) that the question names, in any spelling."""
    from assistant.qa.analysis import analyse

    ents = analyse(str(value)).entities
    found = {"project": ents.project_ids, "parcel": ents.parcel_ids, "unit": ents.unit_ids}[kind]
    asked = {"project": analysis.entities.project_ids, "parcel": analysis.entities.parcel_ids,
             "unit": list(analysis.entities.unit_ids) + [z for z in _zones(analysis) if z != COUNTY]}[kind]
    return bool(found) and all(x in asked for x in found)


def unnamed(call: ToolCall, analysis: QueryAnalysis) -> list[str]:
    """What a model's tool call uses that the question does not say: ids and proposed figures.

    The model chooses tools; the objects it runs them on must come from the question.
    A small model copies the examples of the schemas (``P-003``) into questions that name
    no project, and a check run on an invented project or figure is a wrong verdict.
    ``graph_rules`` and ``search`` take free text and are never refused; ``indicator_chain``
    on ``county`` is accepted only for an indicator question.

    >>> from assistant.qa.analysis import analyse
    >>> q = analyse("审查乡镇国土空间规划方案时，耕地转为其他农用地应当怎么把握？")
    >>> unnamed(ToolCall(name="spatial_check", arguments={"project_id": "P-003"}), q)
    ['project_id P-003']
    >>> unnamed(ToolCall(name="spatial_check", arguments={"project_id": "p3"}), analyse("P-003能批吗"))
    []
    """
    args = call.arguments or {}
    missing: list[str] = []
    if call.name == "spatial_check":
        if "project_id" in args and not _named(args["project_id"], analysis, "project"):
            missing.append(f"project_id {args['project_id']}")
        if "parcel_id" in args and not _named(args["parcel_id"], analysis, "parcel"):
            missing.append(f"parcel_id {args['parcel_id']}")
        if not args.get("project_id") and not args.get("parcel_id"):
            missing.append("a project or parcel id")
        given = {round(q.value, 6) for q in analysis.entities.quantities}
        indicators = args.get("indicators") if isinstance(args.get("indicators"), dict) else {}
        for key, value in indicators.items():
            if not isinstance(value, int | float) or round(float(value), 6) not in given:
                missing.append(f"{key} {value}")
    elif call.name == "parcel_conditions":
        if not _named(args.get("parcel_id", ""), analysis, "parcel"):
            missing.append(f"parcel_id {args.get('parcel_id', '')}".strip())
    elif call.name == "indicator_chain":
        zone = args.get("zone_id", "")
        if zone == COUNTY:
            if analysis.intent != Intent.INDICATOR:
                missing.append("zone_id county (not an indicator question)")
        elif not _named(zone, analysis, "unit"):
            missing.append(f"zone_id {zone}".strip())
    return missing
