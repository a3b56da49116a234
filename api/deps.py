"""What routers depend on: the container, who is asking (API key → role), and the role checks.

A key comes in ``X-API-Key`` or ``Authorization: Bearer``. Routes under
``/public`` take no key and always act as the public role, rate-limited per
client address. Every other route needs a valid key (401) whose role is
allowed there (403). The role is passed into the services, which filter by
it, so a route cannot widen what a role reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from api.errors import ApiError
from assistant.access import Role
from assistant.container import Container


@dataclass(frozen=True)
class Principal:
    role: Role
    actor: str  # the key's name, or "public"


def get_container(request: Request) -> Container:
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]


def _secret(x_api_key: str | None, authorization: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def principal(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="An API key (onemap keys add).")] = None,
    authorization: Annotated[str | None, Header(description="Or: Bearer <API key>.")] = None,
) -> Principal:
    secret = _secret(x_api_key, authorization)
    if not secret:
        raise ApiError(401, "an API key is required (X-API-Key header); the key-less routes are under /public",
                       headers={"WWW-Authenticate": "Bearer"})
    key = get_container(request).keys.lookup(secret)
    if key is None:
        raise ApiError(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return Principal(role=Role(key.role), actor=key.name)


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting only ``roles`` (admin is always admitted)."""
    allowed = set(roles) | {Role.ADMIN}

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in allowed:
            names = "、".join(sorted(r.value for r in allowed))
            raise ApiError(403, f"role {who.role.value} may not use this route (allowed: {names})")
        return who

    return check


def _rate_limited_public(limiter: str) -> Callable[[Request], Principal]:
    """The public role for key-less routes, after the per-client limit ``app.state.<limiter>``."""

    def public(request: Request) -> Principal:
        client = request.client.host if request.client else "unknown"
        ok, wait = getattr(request.app.state, limiter).allow(client)
        if not ok:
            raise ApiError(429, f"too many requests; retry in {wait} s", headers={"Retry-After": str(wait)})
        return Principal(role=Role.PUBLIC, actor="public")

    return public


public_principal = _rate_limited_public("public_limiter")  # searches and questions
public_browse_principal = _rate_limited_public("public_browse_limiter")  # the public map and library, apart


AnyRole = Annotated[Principal, Depends(principal)]
Staff = Annotated[Principal, Depends(require(Role.OFFICER, Role.REVIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Public = Annotated[Principal, Depends(public_principal)]
PublicBrowse = Annotated[Principal, Depends(public_browse_principal)]

