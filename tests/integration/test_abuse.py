"""The anti-abuse pipeline through the API: each step refuses or holds, and nothing refused is stored."""

from __future__ import annotations


from fastapi.testclient import TestClient

from tests.conftest import Clock
from porch.services.context import Context
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment, read_thread


def _post(client: TestClient, site_key: str, body: str, **extra: object):  # type: ignore[no-untyped-def]
    payload = {"site": site_key, "uri": POST_URI, "body": body, "author": {"name": "William"}, **extra}
    return client.post("/api/v1/comments", json=payload, headers={"Origin": BLOG_ORIGIN, "X-Porch-Browser": "b-1"})


def test_the_demo_double_submission_is_refused_over_the_api(client: TestClient, ctx: Context, clock: Clock) -> None:
    from porch.demo.content import demo_posts

    _, second = demo_posts()
    first_copy, second_copy = [c for c in second.comments if c.author == "William Mougayar"]
    assert first_copy.body == second_copy.body  # the seed's double submission, a minute apart
    site = make_site(ctx)
    assert _post(client, site.key, first_copy.body).status_code == 201
    clock.advance(minutes=1)
    again = _post(client, site.key, "  " + second_copy.body.upper() + "  ")  # near-duplicate: case and spacing
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "duplicate_comment"
    assert read_thread(client, site)["total"] == 1
    # Later than the window, saying it again is allowed.
    clock.advance(minutes=11)
    assert _post(client, site.key, first_copy.body).status_code == 201
