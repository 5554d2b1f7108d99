"""Bad input gets a precise problem+json answer, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from porch.services.context import Context
from tests.factories import POST_URI, make_site, read_thread


def _post(client: TestClient, **payload: Any) -> Any:
    return client.post("/api/v1/comments", json=payload)


def _assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n  "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"author": {"name": "n" * 101}}, "author.name"),
        ({"author": {"name": "ok", "email": "not-an-email"}}, "author.email"),
        ({"author": {"name": "ok", "email": ("e" * 250) + "@x.org"}}, "author.email"),
        ({"author": {"name": "ok", "website": "javascript:alert(1)"}}, "author.website"),
        ({"author": {"name": "ok", "website": "https://" + "w" * 500 + ".org"}}, "author.website"),
        ({"uri": "javascript:alert(1)"}, "uri"),
        ({"uri": "https://blog.example/" + "p" * 2000}, "uri"),
        ({"title": "t" * 301}, "title"),
        ({"parent": "first"}, "parent"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_comments_are_refused_field_by_field(client: TestClient, ctx: Context, change: dict[str, Any],
                                                    field: str) -> None:
    site = make_site(ctx)
    payload = {"site": site.key, "uri": POST_URI, "body": "fine", **change}
    _assert_problem(_post(client, **payload), 422, field)
    assert read_thread(client, site)["thread"] is None  # nothing half-written


def test_every_problem_is_reported_at_once(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    body = _assert_problem(_post(client, site=site.key, uri=POST_URI, body="",
                                 author={"name": "n" * 200, "email": "nope"}), 422)
    assert {e["field"] for e in body["errors"]} == {"body", "author.name", "author.email"}


def test_too_long_comment_has_its_own_code(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx, max_comment_length=50)
    body = _assert_problem(_post(client, site=site.key, uri=POST_URI, body="y" * 51), 422, "body")
    assert body["code"] == "too_long" and "at most 50" in body["detail"]


def test_missing_fields_and_broken_json(client: TestClient, ctx: Context) -> None:
    body = _assert_problem(_post(client, uri=POST_URI), 422)
    assert {e["field"] for e in body["errors"]} == {"site", "body"}
    assert all(e["message"] == "is required" for e in body["errors"])
    broken = client.post("/api/v1/comments", content=b'{"site": ', headers={"content-type": "application/json"})
    _assert_problem(broken, 422)


def test_oversized_bodies_are_refused_before_reading(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    response = client.post("/api/v1/comments", json={"site": site.key, "uri": POST_URI, "body": "x" * 70_000})
    body = _assert_problem(response, 413)
    assert body["code"] == "payload_too_large" and "65536" in body["detail"]
    assert read_thread(client, site)["thread"] is None


def test_oversized_chunked_body_is_refused(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"site": "' + site.key.encode() + b'", "uri": "/x", "body": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/api/v1/comments", content=chunks(), headers={"content-type": "application/json"})
    _assert_problem(response, 413)


def test_wrong_method_is_problem_json(client: TestClient) -> None:
    _assert_problem(client.put("/api/v1/comments"), 405)


def test_unknown_site_on_post(client: TestClient) -> None:
    body = _assert_problem(_post(client, site="nope", uri=POST_URI, body="x"), 404)
    assert body["code"] == "unknown_site"


def test_malformed_ipv6_website_is_a_field_error_not_a_crash(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    for website in ("http://[a]", "http://[::1", "https://host:99999/"):
        body = _assert_problem(
            _post(client, site=site.key, uri=POST_URI, body="hi", author={"name": "n", "website": website}), 422
        )
        assert body["errors"][0]["field"] == "author.website"
