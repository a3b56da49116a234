"""Errors of the graph store.  Every one is a :class:`GraphError`; none carries a password."""

from __future__ import annotations


class GraphError(RuntimeError):
    """Root of the graph-store errors."""


class GraphUnavailable(GraphError):
    """The graph server cannot be reached (not started, dead, wrong URI or credentials).

    The message says what was tried and what to do about it.
    """


class ReadOnlyViolation(GraphError):
    """A query sent through :meth:`GraphStore.read` would write (or did, and was rolled back)."""


class GraphQueryError(GraphError):
    """The server refused a query (syntax, unknown function, type error...); one line with its reason."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code
