"""Shared set-up for the moderation tests: two sites, their moderators, signed in over the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from porch.domain.accounts import SESSION_LIFETIME
from porch.domain.sites import Site
from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context, new_token, token_hash
from tests.factories import make_site

PASSWORD = "correct horse battery"
OTHER_ORIGIN = "https://other.example"


@dataclass
class Moderators:
    blog: Site
    other: Site
    blog_mod: dict[str, str]  # Authorization headers
    other_mod: dict[str, str]
    owner: dict[str, str]


def bearer(client: TestClient, email: str) -> dict[str, str]:
    """Sign in over the API with the account's password (slow: argon2) and use the token."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # the bearer token is what these tests use; the cookie would speak for every request
    return {"Authorization": f"Bearer {response.json()['token']}"}


def session_for(ctx: Context, email: str) -> dict[str, str]:
    """A session for an account without a password, opened directly: argon2 costs ~0.5 s per hash on a
    busy machine, and sign-in has its own tests (tests/integration/test_auth.py)."""
    token = new_token()
    with ctx.uow(write=True) as uow:
        account = uow.accounts.get_by_email(email)
        assert account is not None
        now = ctx.clock()
        uow.accounts.add_session(
            token_hash=token_hash(token), account_id=account.id, now=now, expires_at=now + SESSION_LIFETIME
        )
        uow.commit()
    return {"Authorization": f"Bearer {token}"}


def set_up_moderators(client: TestClient, ctx: Context, **settings: Any) -> Moderators:
    blog = make_site(ctx, "blog", **settings)
    other = make_site(ctx, "other", [OTHER_ORIGIN])
    for email, site, role in (
        ("mod@example.org", blog, "moderator"),
        ("othermod@example.org", other, "moderator"),
        ("owner@example.org", blog, "owner"),
    ):
        add_user(ctx, email, None, is_admin=False)
        grant_site_role(ctx, site.id, email, role)
    return Moderators(
        blog,
        other,
        session_for(ctx, "mod@example.org"),
        session_for(ctx, "othermod@example.org"),
        session_for(ctx, "owner@example.org"),
    )


def moderate(client: TestClient, comment_id: int, action: str, headers: dict[str, str], **extra: Any) -> Any:
    return client.post(f"/api/v1/comments/{comment_id}/moderate", json={"action": action, **extra}, headers=headers)


def audit(client: TestClient, site: Site, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/sites/{site.key}/audit-log", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["entries"]  # type: ignore[no-any-return]
