"""The hot write path (web/hot_posting.py): POST /api/v1/comments answered past FastAPI's routing.

It must answer exactly what the route answers: every request below is sent to an app with the
hot path and to one where it hands everything to the route, and the answers are compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from porch.config import Settings
from porch.services.context import Context
from porch.web.app import create_app
from porch.web.hot_posting import HotPosting
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, read_thread

VARYING = ("id", "person", "created_at", "edit_token", "editable_until", "location", "date", "content-length")


def _hot(client: TestClient) -> HotPosting:
    client.get("/healthz")  # the middleware stack is built on the first request
    stack = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(stack, HotPosting):
        stack = stack.app
    return stack


@pytest.fixture
def route_only(settings: Settings, ctx: Context) -> Iterator[TestClient]:
    """The same app whose hot path hands every post to the FastAPI route."""
    with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as other:
        hot = _hot(other)
        hot._post = hot._pass  # type: ignore[method-assign]
        yield other


def _without_varying(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_varying(item) for key, item in value.items() if key not in VARYING}
    if isinstance(value, list):
        return [_without_varying(item) for item in value]
    return value


def _answer(response: Any, text: str) -> tuple[int, str, Any, dict[str, str]]:
    headers = {key: value for key, value in response.headers.items() if key not in VARYING}
    try:
        body = _without_varying(json.loads(response.text.replace(text, "TEXT")))
    except ValueError:
        body = response.text
    return response.status_code, response.headers.get("content-type", ""), body, headers


def test_an_anonymous_post_takes_the_hot_path_and_is_stored(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    hot = _hot(client)
    response = client.post(
        "/api/v1/comments",
        json={"site": site.key, "uri": POST_URI, "body": "Hello *there*", "author": {"name": "Ada"}},
        headers={"Origin": BLOG_ORIGIN},
    )
    assert response.status_code == 201, response.text
    posted = response.json()
    assert response.headers["location"] == f"/api/v1/comments/{posted['comment']['id']}"
    assert posted["comment"]["body_html"] == "<p>Hello <em>there</em></p>" and posted["edit_token"]
    assert response.headers["access-control-allow-origin"] == BLOG_ORIGIN  # CORS still wraps it
    assert (hot.handled, hot.passed) == (1, 0)
    assert [c["id"] for c in read_thread(client, site)["comments"]] == [posted["comment"]["id"]]


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}}', {}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}, "notify": "sometimes"}', {}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "unknown": 1}', {}),
        ('{"site": "SITE", "uri": "URI"}', {}),
        ('{"site": "SITE", "uri": "URI", "body": "x"', {}),
        ("[1, 2]", {}),
        ("", {}),
        ('{"site": "nope", "uri": "URI", "body": "x", "author": {"name": "Ada"}}', {}),
        ('{"site": "SITE", "uri": "URI", "body": "   ", "author": {"name": ""}}', {}),
        ('{"site": "SITE", "uri": "javascript:alert(1)", "body": "x", "author": {"name": "Ada"}}', {}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}}', {"Origin": "https://evil.example"}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}}', {"Content-Type": "text/plain"}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}}',
         {"Content-Type": "application/json; charset=utf-8"}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}}', {"Cookie": "porch_session=abc"}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "author": {"name": "Ada"}}', {"Authorization": "Bearer nope"}),
        ('{"site": "SITE", "uri": "URI", "body": "x", "parent": 999999, "author": {"name": "Ada"}}', {}),
    ],
)  # fmt: skip
def test_every_answer_is_the_routes(
    client: TestClient, route_only: TestClient, ctx: Context, content: str, headers: dict[str, str]
) -> None:
    site = make_site(ctx)
    answers = []
    for index, app in enumerate((client, route_only)):
        # Two different texts: the second of two identical posts would be refused as a double submission.
        body = content.replace("SITE", site.key).replace("URI", POST_URI).replace('"x"', f'"text {index}"')
        sent = {"Content-Type": "application/json", "Origin": BLOG_ORIGIN, **headers}
        answers.append(_answer(app.post("/api/v1/comments", content=body.encode(), headers=sent), f"text {index}"))
    assert answers[0] == answers[1]
    assert _hot(route_only).handled == 0  # the second answer really was the route's
