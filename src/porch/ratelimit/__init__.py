"""Rate limiting: token buckets behind one port, in-process or in Redis.

The port is :class:`RateLimiter`: ``take(key, limit, now)`` removes one token from the bucket
``key`` and answers ``None`` (allowed) or the seconds until a token is back. ``now`` is passed in
(the use case's clock), so tests move time by hand and never sleep. Adapters:

- ``memory.MemoryRateLimiter`` — one process: the default, right for ``--workers 1`` and tests;
- ``redis.RedisRateLimiter`` — shared by every worker and server (``PORCH_REDIS_URL``); the
  bucket arithmetic runs in one Lua script, so concurrent requests cannot both take the last token.
"""

from __future__ import annotations

from typing import Protocol

from porch.domain.abuse import RateLimit


class RateLimiter(Protocol):
    def take(self, key: str, limit: RateLimit, now: float) -> float | None:
        """Take a token from bucket ``key``; None when allowed, else seconds until one is back."""
        ...
