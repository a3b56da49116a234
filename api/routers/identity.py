"""``GET /whoami``: the role and name of the key sent, so a client can tell a mistyped key at once."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AnyRole

router = APIRouter(tags=["health"])


class Identity(BaseModel):
    role: str = Field(description="admin, officer, reviewer or public.", examples=["reviewer"])
    name: str = Field(description="The key's name (onemap keys add NAME).", examples=["王审查"])


@router.get("/whoami", response_model=Identity, responses={401: {"description": "No key, or an unknown or revoked one."}},
            summary="The role and name of the API key sent")
def whoami(who: AnyRole) -> Identity:
    return Identity(role=who.role.value, name=who.actor)
