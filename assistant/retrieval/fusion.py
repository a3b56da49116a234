"""Reciprocal-rank fusion of ranked lists."""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], *, k: int = 60,
                           weights: Sequence[float] | None = None) -> dict[str, float]:
    """Fused scores: sum over lists of ``weight / (k + rank)`` (rank from 1).

    Examples
    --------
    >>> s = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=1)
    >>> max(s, key=s.get)
    'b'
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores
