"""The evaluation suites of ``onemap eval run``: name → suite object (imported on first use)."""

from __future__ import annotations

from importlib import import_module

from eval.suites.base import Context, Dataset, Outcome, Suite

_MODULES = {
    "retrieval": "eval.suites.retrieval",
    "mcq": "eval.suites.mcq",
    "qa": "eval.suites.qa",
    "extraction": "eval.suites.extraction",
    "verdicts": "eval.suites.verdicts",
    "latency": "eval.suites.latency",
}
NAMES = tuple(_MODULES)


def get(name: str) -> Suite:
    """The suite called ``name``; KeyError lists the names."""
    if name not in _MODULES:
        raise KeyError(f"unknown suite {name!r}; suites: {', '.join(NAMES)}")
    return import_module(_MODULES[name]).SUITE


__all__ = ["NAMES", "Context", "Dataset", "Outcome", "Suite", "get"]
