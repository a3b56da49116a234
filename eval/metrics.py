"""Ranking metrics over lists of relevance flags (True where a hit matches gold)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(flags: Sequence[bool], k: int) -> float:
    """1.0 if any of the first ``k`` hits is relevant (one-answer retrieval).

    Examples
    --------
    >>> recall_at([False, True], 1), recall_at([False, True], 2)
    (0.0, 1.0)
    """
    return 1.0 if any(flags[:k]) else 0.0


def reciprocal_rank(flags: Sequence[bool]) -> float:
    """1/rank of the first relevant hit, 0 if none.

    Examples
    --------
    >>> reciprocal_rank([False, False, True])
    0.3333333333333333
    """
    for i, flag in enumerate(flags, start=1):
        if flag:
            return 1.0 / i
    return 0.0


def ndcg_at(flags: Sequence[bool], k: int, n_relevant: int = 1) -> float:
    """Binary-relevance nDCG@k.

    Examples
    --------
    >>> ndcg_at([True], 5)
    1.0
    """
    dcg = sum(1.0 / math.log2(i + 1) for i, flag in enumerate(flags[:k], start=1) if flag)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, max(n_relevant, 1)) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in [0, 100].

    Examples
    --------
    >>> percentile([1, 2, 3, 4], 50)
    2
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
