"""``/public/search`` and ``/public/ask``: no key, the public role only, rate-limited per client."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import ContainerDep, Public
from api.routers.ask import _RESPONSES, AskRequest, respond
from api.routers.search import SearchRequest, run_search
from assistant.qa.service import Answer
from assistant.retrieval.search import SearchResult

router = APIRouter(prefix="/public", tags=["public"])


@router.post("/search", response_model=SearchResult, summary="Search public documents (no key)")
def public_search(body: SearchRequest, c: ContainerDep, who: Public) -> SearchResult:
    return run_search(c, body, who)


@router.post("/ask", response_model=Answer, responses=_RESPONSES, summary="Ask over public documents (no key)")
async def public_ask(body: AskRequest, c: ContainerDep, who: Public):
    result = respond(c, body, who)
    return result if isinstance(result, StreamingResponse) else await result
