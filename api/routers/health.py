"""``GET /health``: the server is up, and what the workspace holds (cheap: starts nothing)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ContainerDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    profile: str
    documents: int
    model: str
    llm_mode: str


@router.get("/health", response_model=Health, summary="Liveness and what is loaded")
def health(c: ContainerDep) -> Health:
    from api.app import _version

    return Health(status="ok", version=_version(), profile=c.settings.profile, documents=len(c.catalog.documents()),
                  model=c.llm.alias(), llm_mode=c.settings.llm.mode)
