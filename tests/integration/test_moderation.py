"""Moderators act on comments and threads: approve, reject, spam, pin, edit, close — each audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from porch.services.context import Context
from porch.services.sites import find_site
from tests.factories import POST_URI, make_site, post_comment, read_thread
from tests.moderation_helpers import audit, moderate, set_up_moderators


def test_approving_publishes_the_comment_and_counts_it(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx, moderation="first")  # the name for hold_first
    assert find_site(ctx, "blog").settings.moderation.value == "hold_first"
    held = post_comment(client, mods.blog, "my first words here", email="kate@example.org")
    assert held["comment"]["status"] == "pending" and held["held_because"] == "first comment"
    assert read_thread(client, mods.blog)["total"] == 0

    approved = moderate(client, held["comment"]["id"], "approve", mods.blog_mod)
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    page = read_thread(client, mods.blog)
    assert page["total"] == 1 and page["comments"][0]["id"] == held["comment"]["id"]
    counts = client.post("/api/v1/counts", json={"site": mods.blog.key, "uris": [POST_URI]}).json()
    assert counts["counts"][POST_URI] == 1

    (entry,) = audit(client, mods.blog, mods.owner)
    assert entry["who"] == "mod@example.org" and entry["action"] == "approve"
    assert entry["comment"] == held["comment"]["id"]
    assert entry["before"]["status"] == "pending" and entry["after"]["status"] == "published"
    assert entry["before"]["body"] == "my first words here"


def test_approving_with_trust_lets_the_person_skip_the_queue(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx, moderation="all")
    first = post_comment(client, mods.blog, "please let me in", email="kate@example.org")
    assert first["comment"]["status"] == "pending"
    assert moderate(client, first["comment"]["id"], "approve", mods.blog_mod, trust=True).status_code == 200
    later = post_comment(client, mods.blog, "see https://kate.example", email="kate@example.org", uri="/other")
    assert later["comment"]["status"] == "published" and later["held_because"] is None
    stranger = post_comment(client, mods.blog, "me too", email="someone@example.org")
    assert stranger["comment"]["status"] == "pending"
    assert audit(client, mods.blog, mods.blog_mod)[0]["after"]["trusted"] is True


@pytest.mark.parametrize("action", ["reject", "spam"])
def test_rejecting_or_spamming_hides_a_published_comment(client: TestClient, ctx: Context, action: str) -> None:
    mods = set_up_moderators(client, ctx)
    shown = post_comment(client, mods.blog, "visible for now")["comment"]
    kept = post_comment(client, mods.blog, "staying")["comment"]
    response = moderate(client, shown["id"], action, mods.blog_mod)
    assert response.status_code == 200 and response.json()["status"] == ("rejected" if action == "reject" else "spam")
    page = read_thread(client, mods.blog)
    assert page["total"] == 1 and [c["id"] for c in page["comments"]] == [kept["id"]]
    # Approving brings it back, counted once.
    assert moderate(client, shown["id"], "approve", mods.blog_mod).json()["status"] == "published"
    assert read_thread(client, mods.blog)["total"] == 2
    assert [e["action"] for e in audit(client, mods.blog, mods.blog_mod)] == ["approve", action]


def test_pinning_needs_a_published_comment_and_is_audited(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx, moderation="all")
    held = post_comment(client, mods.blog, "waiting")["comment"]
    refused = moderate(client, held["id"], "pin", mods.blog_mod)
    assert refused.status_code == 409 and refused.json()["code"] == "not_pinnable"
    moderate(client, held["id"], "approve", mods.blog_mod)
    assert moderate(client, held["id"], "pin", mods.blog_mod).status_code == 200
    assert moderate(client, held["id"], "unpin", mods.blog_mod).status_code == 200
    entries = audit(client, mods.blog, mods.blog_mod)
    assert [e["action"] for e in entries] == ["unpin", "pin", "approve"]
    assert entries[1]["before"]["pinned"] is False and entries[1]["after"]["pinned"] is True
    bad = moderate(client, held["id"], "explode", mods.blog_mod)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "action"


def test_moderator_edits_keep_the_earlier_text(client: TestClient, ctx: Context) -> None:
    from porch.services.moderation import comment_revisions

    mods = set_up_moderators(client, ctx)
    comment = post_comment(client, mods.blog, "call me at 555-0100")["comment"]
    edited = client.post(
        f"/api/v1/comments/{comment['id']}/moderator-edit",
        json={"body": "call me [number removed]"},
        headers=mods.blog_mod,
    )
    assert edited.status_code == 200 and "number removed" in edited.json()["body_html"]
    assert edited.json()["edited_at"] is not None
    with ctx.uow() as uow:
        moderator = uow.accounts.get_by_email("mod@example.org")
    assert moderator is not None
    assert [text for text, _ in comment_revisions(ctx, comment["id"], moderator)] == ["call me at 555-0100"]
    (entry,) = audit(client, mods.blog, mods.blog_mod)
    assert entry["action"] == "edit" and entry["before"] == {"body": "call me at 555-0100"}
    empty = client.post(f"/api/v1/comments/{comment['id']}/moderator-edit", json={"body": "  "}, headers=mods.blog_mod)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"


def test_a_closed_thread_takes_no_new_comments_until_reopened(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    post_comment(client, mods.blog, "first")
    thread_id = read_thread(client, mods.blog)["thread"]["id"]
    assert client.post(f"/api/v1/threads/{thread_id}/close", headers=mods.blog_mod).json()["closed"] is True
    refused = client.post(
        "/api/v1/comments",
        json={"site": mods.blog.key, "uri": POST_URI, "body": "late"},
        headers={"Origin": "https://blog.example"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "thread_closed"
    assert read_thread(client, mods.blog)["thread"]["closed"] is True
    assert client.post(f"/api/v1/threads/{thread_id}/reopen", headers=mods.blog_mod).json()["closed"] is False
    post_comment(client, mods.blog, "late but welcome")
    assert [e["action"] for e in audit(client, mods.blog, mods.blog_mod)] == ["reopen_thread", "close_thread"]


def test_a_moderator_of_one_site_can_do_nothing_on_another(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    comment = post_comment(client, mods.blog, "on the blog")["comment"]
    thread_id = read_thread(client, mods.blog)["thread"]["id"]
    key = mods.blog.key
    ban = client.post(
        f"/api/v1/sites/{key}/bans", json={"kind": "email", "value": "x@example.org"}, headers=mods.blog_mod
    )
    assert ban.status_code == 201
    attempts = [
        ("post", f"/api/v1/comments/{comment['id']}/moderate", {"action": "spam"}),
        ("post", f"/api/v1/comments/{comment['id']}/moderator-edit", {"body": "vandalised"}),
        ("post", f"/api/v1/threads/{thread_id}/close", None),
        ("post", f"/api/v1/threads/{thread_id}/reopen", None),
        ("get", f"/api/v1/sites/{key}/queue", None),
        ("post", f"/api/v1/sites/{key}/queue", {"action": "reject", "comments": [comment["id"]]}),
        ("get", f"/api/v1/sites/{key}/audit-log", None),
        ("get", f"/api/v1/sites/{key}/bans", None),
        ("post", f"/api/v1/sites/{key}/bans", {"kind": "ip", "value": "203.0.113.0/24"}),
        ("delete", f"/api/v1/sites/{key}/bans/{ban.json()['id']}", None),
        ("get", f"/api/v1/sites/{key}/words", None),
        ("post", f"/api/v1/sites/{key}/words", {"word": "spam", "action": "block"}),
    ]
    for method, url, body in attempts:
        kwargs = {"json": body} if body is not None else {}
        stranger = client.request(method.upper(), url, headers=mods.other_mod, **kwargs)
        assert stranger.status_code == 403, (url, stranger.text)
        assert stranger.headers["content-type"] == "application/problem+json"
        assert stranger.json()["code"] == "no_site_role"
        anonymous = client.request(method.upper(), url, **kwargs)
        assert anonymous.status_code == 401, (url, anonymous.text)
    # Nothing changed on the blog, and the audit log holds only the blog moderator's ban.
    page = read_thread(client, mods.blog)
    assert page["total"] == 1 and page["thread"]["closed"] is False
    assert "vandalised" not in page["comments"][0]["body_html"]
    assert [e["action"] for e in audit(client, mods.blog, mods.owner)] == ["ban"]
    assert len(client.get(f"/api/v1/sites/{key}/bans", headers=mods.blog_mod).json()["bans"]) == 1


def test_server_admins_moderate_every_site(client: TestClient, ctx: Context) -> None:
    from porch.services.accounts import add_user
    from tests.moderation_helpers import PASSWORD, bearer

    mods = set_up_moderators(client, ctx)
    add_user(ctx, "root@example.org", PASSWORD, is_admin=True)
    root = bearer(client, "root@example.org")  # once, through the real sign-in
    foreign = post_comment(client, mods.other, "elsewhere", headers={"Origin": "https://other.example"})["comment"]
    assert moderate(client, foreign["id"], "spam", root).status_code == 200


def test_moderating_an_unknown_comment_is_404(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    response = moderate(client, 999_999, "approve", mods.blog_mod)
    assert response.status_code == 404 and response.json()["code"] == "unknown_comment"


def test_deleted_comments_stay_their_authors_decision(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    posted = post_comment(client, mods.blog, "oops")
    client.delete(
        f"/api/v1/comments/{posted['comment']['id']}",
        headers={"X-Porch-Edit-Token": posted["edit_token"], "Origin": "https://blog.example"},
    )
    response = moderate(client, posted["comment"]["id"], "approve", mods.blog_mod)
    assert response.status_code == 409 and response.json()["code"] == "comment_deleted"


def test_moderation_mode_aliases(ctx: Context) -> None:
    from porch.services.sites import configure_site

    make_site(ctx)
    for alias, mode in (("none", "publish"), ("first", "hold_first"), ("links", "hold_links"), ("all", "hold_all")):
        assert configure_site(ctx, "blog", {"moderation": alias}).settings.moderation.value == mode
