"""``/graph/...``: the knowledge graph's read queries, as ``onemap graph rules|authority|chain|balance|clause|stats``.

Rules, authorities and clauses are filtered by the caller's role (rules whose clause is above it are
left out). The indicator chain, unit balances and counts are for staff. When the graph server cannot
be reached (not started, ``graph.uri`` wrong or empty), every route answers 503 with the reason.
Building the graph and raw Cypher stay on the command line (``onemap graph build``, ``graph cypher``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query

from api.deps import AnyRole, ContainerDep, Staff
from api.errors import ApiError
from assistant.container import Container
from knowledge_graph.queries import AuthorityResult, ChainResult, Neighbourhood, RulesResult, UnitBalance

router = APIRouter(prefix="/graph", tags=["graph"])
T = TypeVar("T")

_503 = {503: {"description": "The graph server cannot be reached (the message says what was tried)."}}


def graph_call(c: Container, fn: Callable[..., T]) -> T:
    """``fn(c.graph)``, with the graph's failures as API errors: unreachable 503, a refused query 422."""
    from knowledge_graph.errors import GraphError, GraphQueryError, GraphUnavailable

    try:
        return fn(c.graph)
    except GraphUnavailable as exc:
        raise ApiError(503, f"the knowledge graph is not available: {exc}") from None
    except GraphQueryError as exc:
        raise ApiError(422, f"the graph refused the query: {exc}") from None
    except GraphError as exc:
        raise ApiError(503, f"the knowledge graph failed: {exc}") from None


@router.get("/rules", response_model=RulesResult, responses={**_503, 404: {"description": "Unknown subject."}},
            summary="Rules that apply to a control line or a land-use class")
def rules(
    c: ContainerDep, who: AnyRole,
    applies_to: Annotated[str, Query(min_length=1, max_length=100, description="A control line (永久基本农田, "
                                     "生态保护红线, 城镇开发边界) or a 用地用海 code or name.",
                                     examples=["永久基本农田", "070102"])],
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> RulesResult:
    result = graph_call(c, lambda g: g.rules(applies_to, role=who.role, limit=limit))
    if not result.resolved:
        raise ApiError(404, f"{applies_to!r} is neither a control line nor a 用地用海 class")
    return result


@router.get("/authority", response_model=AuthorityResult, responses=_503,
            summary="Who approves an action, with the clauses that say so")
def authority(
    c: ContainerDep, who: AnyRole,
    subject: Annotated[str, Query(min_length=1, max_length=200, description="The action.",
                                  examples=["永久基本农田转为建设用地"])],
) -> AuthorityResult:
    """``authority`` is null when no rule visible to your role names one."""
    return graph_call(c, lambda g: g.authority(subject, role=who.role))


@router.get("/chain", response_model=ChainResult, responses={**_503, 404: {"description": "No indicators there."}},
            summary="The indicator transmission chain (规划传导) of a zone")
def chain(
    c: ContainerDep, _: Staff,
    zone: Annotated[str, Query(min_length=1, max_length=100, description="Zone id: county:示范县, "
                               "district:中心城区片区, SF-03, SF-03-01.", examples=["SF-03"])],
) -> ChainResult:
    """Each indicator allocated to the zone, up to the county and down to the parcels, with breaches
    of 约束性 caps."""
    result = graph_call(c, lambda g: g.chain(zone))
    if not result.chains:
        raise ApiError(404, f"no indicators are allocated to zone {zone!r}")
    return result


@router.get("/balance", response_model=UnitBalance, responses={**_503, 404: {"description": "No such unit."}},
            summary="Unit balance: planned floor area against the unit's cap")
def balance(
    c: ContainerDep, _: Staff,
    unit: Annotated[str, Query(min_length=1, max_length=100, description="Management unit id.", examples=["SF-02"])],
) -> UnitBalance:
    result = graph_call(c, lambda g: g.unit_balance(unit))
    if not result.parcels and result.cap_m2 is None:
        raise ApiError(404, f"no management unit {unit!r} in the graph")
    return result


@router.get("/clause", response_model=Neighbourhood, responses={**_503, 404: {"description": "No such clause."}},
            summary="A clause's neighbourhood: rules from it, what they apply to, indicators, zones")
def clause(
    c: ContainerDep, who: AnyRole,
    clause_id: Annotated[str, Query(alias="id", min_length=1, max_length=300, description="Clause id: DOC_ID#第N条.")],
) -> Neighbourhood:
    result = graph_call(c, lambda g: g.neighbourhood(clause_id, role=who.role))
    if result is None:
        raise ApiError(404, f"no clause {clause_id!r} visible to role {who.role.value}")
    return result


@router.get("/stats", response_model=dict[str, dict[str, int]], responses=_503,
            summary="Counts per label and per relationship type")
def stats(c: ContainerDep, _: Staff) -> dict[str, dict[str, int]]:
    return graph_call(c, lambda g: g.stats())
