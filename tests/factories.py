"""Small builders for test data, named after what they make (Warehouse-style factories)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from porch.domain.sites import Site
from porch.services.context import Context
from porch.services.sites import add_site

BLOG_ORIGIN = "https://blog.example"
POST_URI = "https://blog.example/2026/11/a-post.html"


def make_site(ctx: Context, name: str = "blog", origins: list[str] | None = None, **settings: Any) -> Site:
    return add_site(ctx, name, origins if origins is not None else [BLOG_ORIGIN], settings or None)


def post_comment(
    client: TestClient, site: Site, body: str = "Hello there", *, uri: str = POST_URI, parent: int | None = None,
    name: str | None = "Linda", email: str | None = None, headers: dict[str, str] | None = None, **extra: Any,
) -> dict[str, Any]:
    """POST a comment and insist it was accepted; returns the response JSON."""
    payload: dict[str, Any] = {"site": site.key, "uri": uri, "body": body, "parent": parent, **extra}
    if name is not None or email is not None:
        payload["author"] = {"name": name, "email": email}
    response = client.post("/api/v1/comments", json=payload, headers={"Origin": BLOG_ORIGIN, **(headers or {})})
    assert response.status_code == 201, response.text
    return response.json()


def read_thread(client: TestClient, site: Site, uri: str = POST_URI, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/threads", params={"site": site.key, "uri": uri, **params})
    assert response.status_code == 200, response.text
    return response.json()


def flatten(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = list(reversed(comments))
    while stack:
        comment = stack.pop()
        out.append(comment)
        stack.extend(reversed(comment["replies"]))
    return out


def deliver_outbox(ctx: Context) -> int:
    """Run an outbox worker in this thread until nothing is due: queued mail has been sent when it returns."""
    from porch.worker.outbox import OutboxWorker

    worker = OutboxWorker(ctx, name="test-deliver")
    try:
        return worker.run_until_idle()
    finally:
        worker.close()
