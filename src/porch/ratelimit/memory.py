"""An in-process token bucket store (one worker's memory)."""

from __future__ import annotations

import threading

from porch.domain.abuse import RateLimit, refill

MAX_BUCKETS = 100_000  # beyond this, full (idle) buckets are forgotten: they hold no information


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        # Requests run on a thread pool: the read-modify-write of a bucket must not interleave.
        self._lock = threading.Lock()

    def take(self, key: str, limit: RateLimit, now: float) -> float | None:
        with self._lock:
            tokens, at = self._buckets.get(key, (float(limit.burst), now))
            tokens = refill(tokens, at, now, limit)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > MAX_BUCKETS:
                    self._forget_full(now, limit)
                return None
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / limit.per_second

    def _forget_full(self, now: float, limit: RateLimit) -> None:
        idle = now - limit.burst * limit.every_seconds
        for key, (_, at) in list(self._buckets.items()):
            if at < idle:
                del self._buckets[key]
