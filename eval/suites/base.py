"""What every suite provides, and what the runner gives it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eval.contract import Malformed, Prediction
from eval.journal import Journal

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Dataset:
    """A suite's items as loaded, the lines left out, and where they came from."""

    path: Path
    items: list[Any]
    malformed: list[Malformed] = field(default_factory=list)
    files: list[Path] | None = None  # what the dataset hash covers when not all of ``path`` (a folder's data files)


@dataclass
class Outcome:
    """What a suite's run returns; the runner adds the run record and writes the folder."""

    metrics: dict[str, float | int | None]
    predictions: list[Prediction]
    per_subject: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    baselines: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    model: str | None = None  # the model that answered, if one did


@dataclass
class Context:
    """The services a suite may use, built on first use: ``container()`` is the workspace's container."""

    container: Callable[[], Any]
    options: dict[str, Any] = field(default_factory=dict)
    progress: Progress | None = None
    journal: Journal = field(default_factory=Journal.disabled)  # rows of an interrupted run, and where to add more

    def tick(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)


class Suite(Protocol):
    name: str
    title: str
    needs_model: bool

    def default_dataset(self) -> Path | None:
        """The dataset used without ``--dataset`` (None: the suite has no default)."""

    def load(self, path: Path) -> Dataset:
        """Read a dataset; raise :class:`eval.jsonl.DatasetFileError` if it is unusable as a whole."""

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        """Score every item of ``dataset`` (already cut to ``--limit``)."""


def ratio(part: float, whole: float, digits: int = 4) -> float | None:
    """``part / whole`` rounded, None when ``whole`` is 0.

    >>> ratio(1, 3), ratio(0, 0)
    (0.3333, None)
    """
    return round(part / whole, digits) if whole else None


def mean(values: list[float], digits: int = 4) -> float | None:
    """Arithmetic mean rounded, None for no values.

    >>> mean([1, 2]), mean([])
    (1.5, None)
    """
    return round(sum(values) / len(values), digits) if values else None
