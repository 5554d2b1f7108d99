"""A moderator of one site can do nothing on another — checked for every endpoint that acts on a site,
its comments, threads, bans or webhooks. The list is taken from the app itself: a new endpoint fails
the guard below until it is added here (with a body that would work for the right moderator)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from porch.services.context import Context
from tests.factories import POST_URI, post_comment, read_thread
from tests.moderation_helpers import set_up_moderators

SCOPED_PARAMS = ("{site_key}", "{comment_id}", "{thread_id}", "{ban_id}", "{webhook_id}")
# Endpoints readers use on any site's comments: they are open by design (tests/integration/test_{votes,queue}.py).
PUBLIC = {("POST", "/api/v1/comments/{comment_id}/vote"), ("POST", "/api/v1/comments/{comment_id}/report")}
# A thread as seen from the signed-in person's own inbox: no site role gives or takes anything there; a thread
# that is not in their inbox is 404 / 204 whoever asks (test_inbox.py, test_inbox_pages.py).
OWN_INBOX = {("GET", "/api/v1/me/inbox/conversations/{thread_id}"), ("GET", "/inbox/conversations/{thread_id}")}

# (method, path) → the body the site's own moderator would send: JSON for /api, a form for /admin.
ATTEMPTS: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/api/v1/sites/{site_key}/analytics"): None,
    ("GET", "/api/v1/sites/{site_key}/newcomers-waiting"): None,
    ("PUT", "/api/v1/sites/{site_key}/newcomers-waiting/mail"): {"daily": True},
    ("PUT", "/api/v1/sites/{site_key}/thread-author"): {"uri": POST_URI, "email": "x@example.org"},
    ("PATCH", "/api/v1/comments/{comment_id}"): {"body": "vandalised"},
    ("DELETE", "/api/v1/comments/{comment_id}"): None,
    ("GET", "/api/v1/comments/{comment_id}/source"): None,
    ("POST", "/api/v1/comments/{comment_id}/moderate"): {"action": "spam"},
    ("POST", "/api/v1/comments/{comment_id}/moderator-edit"): {"body": "vandalised"},
    ("POST", "/api/v1/threads/{thread_id}/close"): None,
    ("POST", "/api/v1/threads/{thread_id}/reopen"): None,
    ("GET", "/api/v1/sites/{site_key}/queue"): None,
    ("POST", "/api/v1/sites/{site_key}/queue"): {"action": "reject", "comments": ["{comment_id}"]},
    ("GET", "/api/v1/sites/{site_key}/audit-log"): None,
    ("GET", "/api/v1/sites/{site_key}/bans"): None,
    ("POST", "/api/v1/sites/{site_key}/bans"): {"kind": "ip", "value": "203.0.113.0/24"},
    ("DELETE", "/api/v1/sites/{site_key}/bans/{ban_id}"): None,
    ("GET", "/api/v1/sites/{site_key}/words"): None,
    ("POST", "/api/v1/sites/{site_key}/words"): {"word": "spam", "action": "block"},
    ("POST", "/api/v1/sites/{site_key}/imports"): None,
    ("GET", "/api/v1/sites/{site_key}/export"): None,
    ("GET", "/admin/sites/{site_key}"): None,
    ("POST", "/admin/sites/{site_key}/settings"): {
        "edit_window_seconds": "900", "moderation": "all", "max_comment_length": "100", "max_depth": "3",
    },
    ("GET", "/admin/sites/{site_key}/analytics"): None,
    ("POST", "/admin/sites/{site_key}/analytics/author"): {"uri": POST_URI, "email": "x@example.org"},
    ("POST", "/admin/sites/{site_key}/analytics/newcomers-mail"): {"daily": "on"},
    ("GET", "/admin/sites/{site_key}/queue"): None,
    ("POST", "/admin/sites/{site_key}/queue"): {"action": "spam", "comments": ["{comment_id}"]},
    ("GET", "/admin/sites/{site_key}/people"): None,
    ("POST", "/admin/sites/{site_key}/bans"): {"kind": "ip", "value": "198.51.100.7"},
    ("POST", "/admin/sites/{site_key}/bans/{ban_id}/lift"): {},
    ("POST", "/admin/sites/{site_key}/words"): {"word": "x", "action": "block"},
    ("GET", "/admin/sites/{site_key}/audit"): None,
    ("GET", "/admin/sites/{site_key}/search"): None,
    ("GET", "/admin/sites/{site_key}/comments/{comment_id}/edit"): None,
    ("POST", "/admin/sites/{site_key}/comments/{comment_id}/edit"): {"body": "vandalised"},
    ("GET", "/admin/sites/{site_key}/webhooks"): None,
    ("POST", "/admin/sites/{site_key}/webhooks"): {"url": "https://hooks.example/in", "events": "comment.created"},
    ("POST", "/admin/sites/{site_key}/webhooks/{webhook_id}/test"): {},
    ("POST", "/admin/sites/{site_key}/webhooks/{webhook_id}/delete"): {},
}


def _routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers old and new."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's lazily included routers
                yield from walk(route.original_router.routes, prefix + (route.include_context.prefix or ""))
            elif getattr(route, "methods", None) and hasattr(route, "endpoint"):
                for method in route.methods - {"HEAD"}:
                    yield method, prefix + route.path
            elif getattr(route, "routes", None):
                yield from walk(route.routes, prefix + getattr(route, "path", ""))

    yield from walk(app.router.routes, "")


def _scoped(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, path)
        for method, path in _routes(app)
        if any(param in path for param in SCOPED_PARAMS) or path.startswith("/admin/sites")
    } - PUBLIC - OWN_INBOX


def test_every_site_scoped_endpoint_is_in_the_list(client: TestClient) -> None:
    scoped = _scoped(client.app)  # type: ignore[arg-type]
    assert len(scoped) > 30
    assert scoped - set(ATTEMPTS) == set(), "add these endpoints to ATTEMPTS (and check they refuse strangers)"
    assert set(ATTEMPTS) - scoped == set(), "these endpoints are gone: take them out of ATTEMPTS"


def test_a_moderator_of_another_site_is_refused_everywhere(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    comment = post_comment(client, mods.blog, "on the blog")["comment"]
    thread_id = read_thread(client, mods.blog)["thread"]["id"]
    ban = client.post(
        f"/api/v1/sites/{mods.blog.key}/bans", json={"kind": "email", "value": "x@example.org"}, headers=mods.blog_mod
    ).json()["id"]
    ids = {
        "{site_key}": mods.blog.key, "{comment_id}": str(comment["id"]), "{thread_id}": str(thread_id),
        "{ban_id}": str(ban), "{webhook_id}": "1",
    }  # fmt: skip

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            for param, real in ids.items():
                value = value.replace(param, real)
            return value
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    token = mods.other_mod["Authorization"].removeprefix("Bearer ")
    csrf = hashlib.sha256(f"porch-csrf:{token}".encode()).hexdigest()[:32]  # a valid token: only the role decides
    for (method, path), body in sorted(ATTEMPTS.items()):
        url = fill(path)
        if path.startswith("/admin"):
            form = {**fill(body), "csrf": csrf} if body is not None else None
            headers = {**mods.other_mod, "Origin": "http://porch.test"}
            response = client.request(method, url, data=form, headers=headers, follow_redirects=False)
        else:
            kwargs = {"json": fill(body)} if body is not None else {}
            response = client.request(method, url, headers=mods.other_mod, **kwargs)
        assert response.status_code == 403, (method, path, response.status_code, response.text[:300])

    # Nothing changed on the blog.
    page = read_thread(client, mods.blog)
    assert page["total"] == 1 and page["thread"]["closed"] is False
    assert page["comments"][0]["body_html"] == comment["body_html"]
    assert len(client.get(f"/api/v1/sites/{mods.blog.key}/bans", headers=mods.blog_mod).json()["bans"]) == 1
