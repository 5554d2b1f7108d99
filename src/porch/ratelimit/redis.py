"""Token buckets in Redis, shared by every worker: one atomic Lua script per request."""

from __future__ import annotations

import math
from typing import Any

from porch.domain.abuse import RateLimit

# KEYS[1] bucket; ARGV: tokens per second, burst, now. Returns "0" (allowed) or the wait in seconds.
# Numbers travel as strings: Redis turns Lua floats into integers on the way out.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local ttl = math.ceil(burst / rate) + 1
if tokens >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(at))
  redis.call('EXPIRE', KEYS[1], ttl)
  return '0'
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('EXPIRE', KEYS[1], ttl)
return tostring((1 - tokens) / rate)
"""


class RedisRateLimiter:
    def __init__(self, client: Any, prefix: str = "porch:rl:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_TAKE)

    @classmethod
    def from_url(cls, url: str, prefix: str = "porch:rl:") -> RedisRateLimiter:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), prefix)

    def take(self, key: str, limit: RateLimit, now: float) -> float | None:
        answer = self._script(keys=[self._prefix + key], args=[repr(limit.per_second), limit.burst, repr(now)])
        wait = float(answer.decode() if isinstance(answer, bytes) else answer)
        return None if wait <= 0 else math.ceil(wait * 1000) / 1000
