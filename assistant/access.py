"""Roles and the access levels each may read; applied inside every query."""

from __future__ import annotations

from enum import StrEnum

from ingest.models import Access


class Role(StrEnum):
    PUBLIC = "public"
    OFFICER = "officer"
    REVIEWER = "reviewer"
    ADMIN = "admin"


_MAX_ACCESS = {
    Role.PUBLIC: Access.PUBLIC,
    Role.OFFICER: Access.INTERNAL,
    Role.REVIEWER: Access.INTERNAL,
    Role.ADMIN: Access.CONFIDENTIAL,
}


def max_access(role: Role) -> Access:
    """The most restricted level ``role`` may read."""
    return _MAX_ACCESS[role]


def readable_levels(role: Role) -> list[Access]:
    """Every level ``role`` may read, e.g. public and internal for an officer."""
    top = max_access(role)
    return [level for level in Access if level.rank <= top.rank]


class AccessDenied(Exception):
    """The role may not do this (write above its level, replace what it cannot read); one line for the user."""


def may_read(role: Role, level: Access) -> bool:
    """Whether ``role`` may read something at ``level``.

    Examples
    --------
    >>> may_read(Role.OFFICER, Access.INTERNAL), may_read(Role.OFFICER, Access.CONFIDENTIAL)
    (True, False)
    """
    return level.rank <= max_access(role).rank
