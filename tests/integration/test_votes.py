"""Votes: one per person per comment, changeable; tallies follow."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from porch.services.context import Context
from tests.factories import BLOG_ORIGIN, make_site, post_comment


def _vote(client: TestClient, comment_id: int, value: Any, **headers: str) -> Any:
    return client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value},
                       headers={"Origin": BLOG_ORIGIN, **headers})


def test_a_vote_can_be_cast_changed_and_withdrawn(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    comment_id = post_comment(client, site, "vote on me")["comment"]["id"]
    alice = {"X-Porch-Browser": "alice-browser-token-0123456789"}
    bob = {"X-Porch-Browser": "bob-browser-token-0123456789ab"}
    assert _vote(client, comment_id, 1, **alice).json()["votes"] == {"up": 1, "down": 0, "score": 1}
    assert _vote(client, comment_id, 1, **alice).json()["votes"] == {"up": 1, "down": 0, "score": 1}  # still one
    assert _vote(client, comment_id, 1, **bob).json()["votes"] == {"up": 2, "down": 0, "score": 2}
    changed = _vote(client, comment_id, -1, **alice).json()
    assert changed["votes"] == {"up": 1, "down": 1, "score": 0} and changed["my_vote"] == -1
    assert _vote(client, comment_id, 0, **alice).json()["votes"] == {"up": 1, "down": 0, "score": 1}
    thread = client.get("/api/v1/threads", params={"site": site.key, "uri": "/2026/11/a-post.html"}).json()
    assert thread["comments"][0]["votes"] == {"up": 1, "down": 0, "score": 1}


def test_voting_needs_an_identity_and_a_valid_value(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    comment_id = post_comment(client, site, "x")["comment"]["id"]
    assert _vote(client, comment_id, 1).status_code == 401
    invalid = _vote(client, comment_id, 2, **{"X-Porch-Browser": "someone-0123456789"})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "value"
    assert _vote(client, 9999, 1, **{"X-Porch-Browser": "someone-0123456789"}).status_code == 404


def test_nobody_votes_on_their_own_comment(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    me = {"X-Porch-Browser": "my-own-browser-0123456789"}
    comment_id = post_comment(client, site, "mine", headers=me)["comment"]["id"]
    response = _vote(client, comment_id, 1, **me)
    assert response.status_code == 403 and response.json()["code"] == "own_comment"


def test_deleted_comments_cannot_be_voted_on(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    posted = post_comment(client, site, "soon gone")
    client.delete(f"/api/v1/comments/{posted['comment']['id']}", headers={"X-Porch-Edit-Token": posted["edit_token"]})
    response = _vote(client, posted["comment"]["id"], 1, **{"X-Porch-Browser": "someone-0123456789"})
    assert response.status_code == 403 and response.json()["code"] == "not_votable"
