"""The key-less routes: ``/public/search``, ``/public/ask``, the public map (``/public/layers``,
``/public/layers/{kind}/features``) and the public library (``/public/documents``). No key, the public role only
(whatever key is sent), rate-limited per client: searches and questions in one bucket, browsing the map and the
library in another."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import ContainerDep, Public, PublicBrowse
from api.routers.ask import _RESPONSES, AskRequest, respond
from api.routers.documents import documents_for
from api.routers.layers import FEATURES_RESPONSES, BBox, FeatureCollection, LayerOut, Limit, features_for, layers_for
from api.routers.search import SearchRequest, run_search
from assistant.documents import DocumentInfo
from assistant.qa.service import Answer
from assistant.retrieval.search import SearchResult
from spatial.kinds import LayerKind

router = APIRouter(prefix="/public", tags=["public"])

BROWSE_RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many map and library requests from this client (`api.public_browse_rate_per_minute`, "
                         "counted apart from searches and questions); retry after `Retry-After` seconds."}}


@router.post("/search", response_model=SearchResult, summary="Search public documents (no key)")
def public_search(body: SearchRequest, c: ContainerDep, who: Public) -> SearchResult:
    return run_search(c, body, who)


@router.post("/ask", response_model=Answer, responses=_RESPONSES, summary="Ask over public documents (no key)")
async def public_ask(body: AskRequest, c: ContainerDep, who: Public):
    result = respond(c, body, who)
    return result if isinstance(result, StreamingResponse) else await result


@router.get("/layers", response_model=list[LayerOut], responses=BROWSE_RATE_LIMITED,
            summary="List the public layers of the one map (no key)")
def public_layers(c: ContainerDep, who: PublicBrowse) -> list[dict[str, Any]]:
    return layers_for(c, who)


@router.get("/layers/{kind}/features", response_model=FeatureCollection,
            responses={**FEATURES_RESPONSES, **BROWSE_RATE_LIMITED},
            summary="The features of a public layer as GeoJSON (no key, for the map)")
def public_layer_features(kind: LayerKind, c: ContainerDep, who: PublicBrowse, bbox: BBox = None, limit: Limit = 5000
                          ) -> dict[str, Any]:
    return features_for(c, kind, who, bbox, limit)


@router.get("/documents", response_model=list[DocumentInfo], responses=BROWSE_RATE_LIMITED,
            summary="List the public documents of the library (no key)")
def public_documents(c: ContainerDep, who: PublicBrowse) -> list[DocumentInfo]:
    return documents_for(c, who)
