"""Signing in: rate limits per address and per email (429 + Retry-After, memory and Redis), the same answer
for known and unknown addresses, and session cookies that are HttpOnly, SameSite and Secure behind TLS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from porch.config import Settings
from porch.domain.abuse import MAGIC_LINK_LIMITS, SIGN_IN_LIMITS
from porch.ratelimit import RateLimiter
from porch.services.accounts import add_user
from porch.services.context import Context
from porch.web.app import create_app
from tests.conftest import Clock
from tests.contract.test_rate_limiters import limiter  # noqa: F401  (memory and Redis, as a fixture)
from tests.moderation_helpers import PASSWORD

KNOWN = "carma@example.org"
EMAIL_BURST = next(limit.burst for limit in SIGN_IN_LIMITS if limit.scope == "email")
LINK_EMAIL_BURST = next(limit.burst for limit in MAGIC_LINK_LIMITS if limit.scope == "email")
LINK_IP_BURST = next(limit.burst for limit in MAGIC_LINK_LIMITS if limit.scope == "ip")


def _answer(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def test_sign_in_is_limited_per_email_with_the_same_answer_for_unknown_addresses(
    client: TestClient, ctx: Context, clock: Clock
) -> None:
    add_user(ctx, KNOWN, PASSWORD, is_admin=False)
    for _ in range(EMAIL_BURST):
        known = client.post("/api/v1/auth/login", json={"email": KNOWN, "password": "not the password"})
        unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x" * 12})
        assert _answer(known) == _answer(unknown)
        assert known.status_code == 401 and known.json()["code"] == "wrong_credentials"
    # Even the right password waits now: the bucket is the address's, not the guesser's.
    known = client.post("/api/v1/auth/login", json={"email": KNOWN, "password": PASSWORD})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x" * 12})
    assert _answer(known) == _answer(unknown)
    assert known.status_code == 429 and known.json()["code"] == "rate_limited"
    assert known.headers["content-type"] == "application/problem+json"
    assert int(known.headers["retry-after"]) == int(unknown.headers["retry-after"]) > 0
    clock.advance(seconds=int(known.headers["retry-after"]))
    assert client.post("/api/v1/auth/login", json={"email": KNOWN, "password": PASSWORD}).status_code == 200


@pytest.fixture
def limited_client(ctx: Context, settings: Settings, limiter: RateLimiter) -> Iterator[TestClient]:  # noqa: F811
    ctx.limiter = limiter
    with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as test_client:
        yield test_client


def test_magic_links_are_limited_per_email_and_per_address_on_both_limiters(
    limited_client: TestClient, ctx: Context, clock: Clock
) -> None:
    add_user(ctx, KNOWN, None, is_admin=False)
    client = limited_client
    for _ in range(LINK_EMAIL_BURST):
        known = client.post("/api/v1/auth/magic-link", json={"email": KNOWN})
        unknown = client.post("/api/v1/auth/magic-link", json={"email": "stranger@example.org"})
        assert _answer(known) == _answer(unknown) == (202, {"sent": True})
    known = client.post("/api/v1/auth/magic-link", json={"email": KNOWN})
    unknown = client.post("/api/v1/auth/magic-link", json={"email": "stranger@example.org"})
    assert _answer(known) == _answer(unknown) and known.status_code == 429 and "retry-after" in known.headers

    clock.advance(hours=1)  # every bucket full again
    sent = [client.post("/api/v1/auth/magic-link", json={"email": f"p{n}@example.org"}) for n in range(LINK_IP_BURST)]
    assert {response.status_code for response in sent} == {202}
    from_here = client.post("/api/v1/auth/magic-link", json={"email": "one.more@example.org"})
    assert from_here.status_code == 429 and int(from_here.headers["retry-after"]) > 0


def _cookie_of(app_settings: Settings, ctx: Context, headers: dict[str, str] | None = None) -> str:
    with TestClient(create_app(app_settings, context=ctx), base_url="http://porch.test") as test_client:
        response = test_client.post(
            "/api/v1/auth/login", json={"email": KNOWN, "password": PASSWORD}, headers=headers or {}
        )
    assert response.status_code == 200, response.text
    return response.headers["set-cookie"]


def test_session_cookies_are_httponly_samesite_and_secure_behind_tls(ctx: Context, settings: Settings) -> None:
    add_user(ctx, KNOWN, PASSWORD, is_admin=False)
    plain = _cookie_of(settings, ctx)
    assert "HttpOnly" in plain and "SameSite=lax" in plain and "Secure" not in plain
    # Behind a proxy that terminates TLS: believed only from the proxies the operator named.
    tls = {"X-Forwarded-Proto": "https"}
    assert "Secure" not in _cookie_of(settings, ctx, tls)  # anyone can send the header
    trusting = settings.model_copy(update={"trusted_proxies": "testclient, 10.0.0.0/8"})
    behind_proxy = _cookie_of(trusting, ctx, tls)
    assert "Secure" in behind_proxy and "HttpOnly" in behind_proxy and "SameSite=lax" in behind_proxy
    assert "Secure" in _cookie_of(settings.model_copy(update={"secure_cookies": True}), ctx)
    assert "Secure" in _cookie_of(settings.model_copy(update={"base_url": "https://comments.example"}), ctx)


def test_trusted_proxies_match_addresses_and_networks() -> None:
    settings = Settings(trusted_proxies="127.0.0.1, 10.0.0.0/8, ::1, not-an-address")
    assert settings.is_trusted_proxy("127.0.0.1") and settings.is_trusted_proxy("10.20.30.40")
    assert settings.is_trusted_proxy("::1") and not settings.is_trusted_proxy("192.0.2.1")
    assert not Settings().is_trusted_proxy("127.0.0.1")
