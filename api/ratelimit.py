"""A token bucket per client for the key-less public endpoints."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """``rate_per_minute`` requests per client, with bursts up to ``burst``.

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = RateLimiter(60, burst=2, clock=lambda: now[0])
    >>> [limiter.allow("a")[0] for _ in range(3)], limiter.allow("b")[0]
    ([True, True, False], True)
    >>> now[0] += 1.0; limiter.allow("a")[0]
    True
    """

    def __init__(self, rate_per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)
        self._lock = threading.Lock()

    def allow(self, client: str) -> tuple[bool, int]:
        """Whether ``client`` may make a request now, and else the seconds until it may."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self.max_clients and client not in self._buckets:
                self._buckets.clear()  # bounded memory; a flood of addresses resets everyone's bucket
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return True, 0
            self._buckets[client] = (tokens, now)
            return False, max(1, math.ceil((1 - tokens) / self.rate))
