"""Errors of the plan comparison (a :class:`spatial.errors.SpatialError`, so the CLI exits with code 2)."""

from __future__ import annotations

from spatial.errors import SpatialError


class CompareError(SpatialError):
    """A plan version cannot be read or compared (missing file, no parcels, duplicate ids)."""
