"""The demo goes through the reader's checks: William's double submission is refused the second time,
the link-only drive-by waits in the queue with its reason, and the loader says both."""

from __future__ import annotations

from fastapi.testclient import TestClient

from porch.demo.content import demo_posts, load_demo
from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context
from tests.factories import BLOG_ORIGIN, read_thread
from tests.moderation_helpers import session_for


def test_the_demo_refuses_the_double_submission_and_holds_the_drive_by(client: TestClient, ctx: Context) -> None:
    said: list[str] = []
    site = load_demo(ctx, BLOG_ORIGIN, report=said.append)
    _, second = demo_posts()
    assert len(said) == 2
    assert said[0].startswith("held Tao Speaks's comment 1") and "spam score" in said[0]
    assert said[1].startswith("refused William Mougayar's comment 3") and "not stored a second time" in said[1]

    page = read_thread(client, site, second.url)
    assert [c["author"]["name"] for c in page["comments"]] == ["William Mougayar"] and page["total"] == 1

    add_user(ctx, "carl@example.org", None, is_admin=False)
    grant_site_role(ctx, site.id, "carl@example.org", "owner")
    queue = client.get(f"/api/v1/sites/{site.key}/queue", headers=session_for(ctx, "carl@example.org")).json()
    (waiting,) = queue["comments"]
    assert waiting["author"]["name"] == "Tao Speaks"
    assert [r["why"] for r in waiting["reasons"]] == ["spam_score"]
    assert "nothing but a link" in waiting["reasons"][0]["text"]

    assert load_demo(ctx, BLOG_ORIGIN, report=said.append).id == site.id and len(said) == 2  # loads once
