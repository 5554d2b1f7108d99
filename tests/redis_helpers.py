"""The Redis the contract tests run against (rate limiters, live hubs): CI fails without it, a
developer's run skips with how to get one."""

from __future__ import annotations

import os

import pytest
import redis

from tests.conftest import IN_CI

REDIS_URL = os.environ.get("PORCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_say_why(tests: str) -> redis.Redis:
    """A client of the test Redis; ``tests`` names what needs it, for the message when it is missing."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        problem = (
            f"Redis is not reachable at {REDIS_URL} ({exc.__class__.__name__}): install and start one "
            "(Debian: `apt-get install redis-server`) or point PORCH_TEST_REDIS_URL at another"
        )
        if IN_CI:
            pytest.fail(f"CI runs the Redis {tests} tests: " + problem)
        pytest.skip(problem)
    return client
