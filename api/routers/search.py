"""``POST /search``: hybrid search over the documents the caller's role may read."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AnyRole, ContainerDep, Principal
from api.errors import ApiError
from assistant.container import Container
from assistant.retrieval.search import SearchResult

router = APIRouter(tags=["search"])


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=500, examples=["永久基本农田转为建设用地由谁批准"])
    k: int = Field(5, ge=1, le=50, description="Hits to return.")
    mode: Literal["hybrid", "bm25", "vector"] = "hybrid"


def run_search(c: Container, body: SearchRequest, who: Principal) -> SearchResult:
    if not body.query.strip():
        raise ApiError(422, "query: the query is empty")
    return c.search.search(body.query, k=body.k, role=who.role, mode=body.mode)


@router.post("/search", response_model=SearchResult, summary="Search the documents your role may read")
def search(body: SearchRequest, c: ContainerDep, who: AnyRole) -> SearchResult:
    return run_search(c, body, who)
