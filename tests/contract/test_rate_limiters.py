"""Every rate limiter adapter passes the same suite: the in-process one and Redis (the real server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from porch.domain.abuse import RateLimit
from porch.ratelimit import RateLimiter
from porch.ratelimit.memory import MemoryRateLimiter
from porch.ratelimit.redis import RedisRateLimiter
from tests.redis_helpers import REDIS_URL, redis_or_say_why

LIMIT = RateLimit("person", burst=3, every_seconds=10)
T0 = 1_800_000_000.0


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    client = redis_or_say_why("rate-limiter")
    prefix = f"porch-test:{uuid.uuid4().hex}:"  # unique per test: concurrent runs never share buckets
    yield RedisRateLimiter(client, prefix)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_a_burst_then_one_token_per_interval(limiter: RateLimiter) -> None:
    assert [limiter.take("k", LIMIT, T0) for _ in range(3)] == [None, None, None]
    assert limiter.take("k", LIMIT, T0) == pytest.approx(10)
    assert limiter.take("k", LIMIT, T0 + 4) == pytest.approx(6)
    assert limiter.take("k", LIMIT, T0 + 10) is None
    assert limiter.take("k", LIMIT, T0 + 10) == pytest.approx(10)


def test_buckets_are_separate_and_refill_to_the_burst_only(limiter: RateLimiter) -> None:
    for _ in range(3):
        limiter.take("a", LIMIT, T0)
    assert limiter.take("b", LIMIT, T0) is None
    later = T0 + 3600  # an hour idle refills to the burst, not beyond
    assert [limiter.take("a", LIMIT, later) for _ in range(4)][-1] == pytest.approx(10)


def test_concurrent_takers_never_share_the_last_token(limiter: RateLimiter) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: limiter.take("hot", LIMIT, T0), range(24)))
    assert answers.count(None) == 3


def test_redis_is_chosen_when_the_url_is_set() -> None:
    from porch.bootstrap import build_rate_limiter
    from porch.config import Settings

    assert isinstance(build_rate_limiter(Settings(redis_url=REDIS_URL)), RedisRateLimiter)
    assert isinstance(build_rate_limiter(Settings()), MemoryRateLimiter)
