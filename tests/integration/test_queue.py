"""The moderation queue: why each comment waits, its order, bulk actions, reports, bans and word lists."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from porch.services.context import Context
from porch.services.requesters import Requester
from tests.conftest import Clock
from tests.factories import BLOG_ORIGIN, POST_URI, post_comment, read_thread
from tests.moderation_helpers import audit, set_up_moderators


def _queue(client: TestClient, key: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/v1/sites/{key}/queue", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _report(client: TestClient, comment_id: int, reader: str, reason: str = "rude") -> Any:
    return client.post(
        f"/api/v1/comments/{comment_id}/report",
        json={"reason": reason},
        headers={"Origin": BLOG_ORIGIN, "X-Porch-Browser": reader},
    )


def test_the_queue_says_why_each_comment_waits_most_pressing_first(
    client: TestClient, ctx: Context, clock: Clock
) -> None:
    mods = set_up_moderators(client, ctx, moderation="first", report_threshold=2)
    key = mods.blog.key
    client.post(f"/api/v1/sites/{key}/words", json={"word": "Crypto Deals", "action": "hold"}, headers=mods.blog_mod)
    newcomer = post_comment(client, mods.blog, "Lovely post, thank you", email="kate@example.org")["comment"]
    clock.advance(minutes=1)
    spammy = post_comment(
        client,
        mods.blog,
        "CHEAP VIAGRA casino http://a.example http://b.example http://c.example",
        email="bot@example.org",
    )["comment"]
    clock.advance(minutes=1)
    worded = post_comment(client, mods.blog, "any crypto deals here?", email="dawud@example.org")["comment"]
    # A regular's published comment, reported by two readers (the threshold): back to the queue, hidden.
    regular = post_comment(client, mods.blog, "I was here first", email="carma@example.org")["comment"]
    client.post(f"/api/v1/comments/{regular['id']}/moderate", json={"action": "approve"}, headers=mods.blog_mod)
    clock.advance(minutes=1)
    opinion = post_comment(client, mods.blog, "an unpopular opinion", email="carma@example.org", uri="/b")["comment"]
    assert opinion["status"] == "published"
    assert _report(client, opinion["id"], "reader-1", "rude").status_code == 202
    assert _report(client, opinion["id"], "reader-1", "rude again").status_code == 202  # one reader counts once
    assert read_thread(client, mods.blog, "/b")["total"] == 1
    assert _report(client, opinion["id"], "reader-2", "off topic").status_code == 202
    assert read_thread(client, mods.blog, "/b")["total"] == 0

    queue = _queue(client, key, mods.blog_mod)
    assert queue["total"] == 4
    order = [c["id"] for c in queue["comments"]]
    assert order == [opinion["id"], newcomer["id"], worded["id"], spammy["id"]]
    reasons = {c["id"]: [r["why"] for r in c["reasons"]] for c in queue["comments"]}
    texts = {c["id"]: " / ".join(r["text"] for r in c["reasons"]) for c in queue["comments"]}
    assert reasons[opinion["id"]] == ["reported"] and "reported by 2 readers: rude; off topic" in texts[opinion["id"]]
    assert reasons[newcomer["id"]] == ["first_comment"]
    assert reasons[worded["id"]] == ["word_filter", "first_comment"] and "crypto deals" in texts[worded["id"]]
    assert reasons[spammy["id"]][0] == "spam_score" and "spam score" in texts[spammy["id"]]
    assert [e["action"] for e in audit(client, mods.blog, mods.blog_mod)][0] == "reported_to_queue"


def test_bulk_actions_are_all_or_nothing_and_stay_on_one_site(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx, moderation="all")
    ids = [
        post_comment(client, mods.blog, f"comment number {n}", email=f"p{n}@example.org")["comment"]["id"]
        for n in range(3)
    ]
    foreign = post_comment(client, mods.other, "elsewhere", headers={"Origin": "https://other.example"})["comment"]
    mixed = client.post(
        f"/api/v1/sites/{mods.blog.key}/queue",
        json={"action": "approve", "comments": [ids[0], foreign["id"]]},
        headers=mods.blog_mod,
    )
    assert mixed.status_code == 404 and mixed.json()["code"] == "unknown_comment"
    assert _queue(client, mods.blog.key, mods.blog_mod)["total"] == 3  # nothing changed
    done = client.post(
        f"/api/v1/sites/{mods.blog.key}/queue", json={"action": "spam", "comments": ids[:2]}, headers=mods.blog_mod
    )
    assert done.status_code == 200 and done.json() == {"changed": 2}
    left = _queue(client, mods.blog.key, mods.blog_mod)
    assert [c["id"] for c in left["comments"]] == [ids[2]]
    assert [e["action"] for e in audit(client, mods.blog, mods.blog_mod)] == ["spam", "spam"]
    empty = client.post(
        f"/api/v1/sites/{mods.blog.key}/queue", json={"action": "spam", "comments": []}, headers=mods.blog_mod
    )
    assert empty.status_code == 422


def test_banned_people_are_told_clearly_and_nothing_is_stored(client: TestClient, ctx: Context, clock: Clock) -> None:
    mods = set_up_moderators(client, ctx)
    key = mods.blog.key
    person = post_comment(client, mods.blog, "hello", email="troll@example.org")["comment"]["author"]["person"]
    made = client.post(
        f"/api/v1/sites/{key}/bans",
        json={"kind": "person", "value": str(person), "days": 7, "note": "repeated insults"},
        headers=mods.blog_mod,
    )
    assert made.status_code == 201
    refused = client.post(
        "/api/v1/comments",
        json={
            "site": key,
            "uri": POST_URI,
            "body": "let me back",
            "author": {"name": "T", "email": "troll@example.org"},
        },
        headers={"Origin": BLOG_ORIGIN},
    )
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "banned" and "banned from commenting on blog until" in body["detail"]
    assert "insults" not in body["detail"]  # the moderator's note stays private
    assert read_thread(client, mods.blog)["total"] == 1
    clock.advance(days=8)  # the ban has expired
    post_comment(client, mods.blog, "I have learned my lesson", email="troll@example.org")
    entries = audit(client, mods.blog, mods.blog_mod)
    assert entries[0]["action"] == "ban" and entries[0]["after"]["note"] == "repeated insults"


def test_email_and_ip_range_bans(client: TestClient, ctx: Context) -> None:
    import pytest

    from porch.errors import Forbidden
    from porch.services.comments import NewComment
    from porch.services.comments import post_comment as post_in_process

    mods = set_up_moderators(client, ctx)
    key = mods.blog.key
    for kind, value in (("email", "Spammer@Example.org"), ("ip", "203.0.113.0/24")):
        assert (
            client.post(
                f"/api/v1/sites/{key}/bans", json={"kind": kind, "value": value}, headers=mods.blog_mod
            ).status_code
            == 201
        )
    by_email = client.post(
        "/api/v1/comments",
        json={"site": key, "uri": POST_URI, "body": "hi", "author": {"email": "spammer@example.org"}},
        headers={"Origin": BLOG_ORIGIN},
    )
    assert by_email.status_code == 403 and "this email address is banned" in by_email.json()["detail"]
    new = NewComment(site_key=key, uri=POST_URI, body="from the banned network", author_name="X")
    with pytest.raises(Forbidden, match="your network is banned"):
        post_in_process(ctx, new, Requester(remote_addr="203.0.113.77"))
    post_in_process(ctx, new, Requester(remote_addr="198.51.100.1"))
    bans = client.get(f"/api/v1/sites/{key}/bans", headers=mods.blog_mod).json()["bans"]
    assert {(b["kind"], b["value"]) for b in bans} == {("email", "spammer@example.org"), ("ip", "203.0.113.0/24")}
    bad = client.post(f"/api/v1/sites/{key}/bans", json={"kind": "ip", "value": "not-an-ip"}, headers=mods.blog_mod)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "value"
    wide = client.post(f"/api/v1/sites/{key}/bans", json={"kind": "ip", "value": "10.0.0.0/4"}, headers=mods.blog_mod)
    assert wide.status_code == 422
    ip_ban = next(b for b in bans if b["kind"] == "ip")
    assert client.delete(f"/api/v1/sites/{key}/bans/{ip_ban['id']}", headers=mods.blog_mod).status_code == 204
    post_in_process(
        ctx,
        NewComment(site_key=key, uri=POST_URI, body="welcome back", author_name="X"),
        Requester(remote_addr="203.0.113.77"),
    )


def test_word_lists_block_or_hold(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    key = mods.blog.key
    for word, action in (("idiot", "block"), ("refund", "hold")):
        assert (
            client.post(
                f"/api/v1/sites/{key}/words", json={"word": word, "action": action}, headers=mods.blog_mod
            ).status_code
            == 201
        )
    blocked = client.post(
        "/api/v1/comments", json={"site": key, "uri": POST_URI, "body": "You IDIOT."}, headers={"Origin": BLOG_ORIGIN}
    )
    assert blocked.status_code == 422 and blocked.json()["code"] == "blocked_words"
    assert post_comment(client, mods.blog, "idiotic is a different word")["comment"]["status"] == "published"
    held = post_comment(client, mods.blog, "I want a refund")
    assert held["comment"]["status"] == "pending" and held["held_because"] == "word filter: refund"
    words = client.get(f"/api/v1/sites/{key}/words", headers=mods.blog_mod).json()["words"]
    assert words == [{"word": "idiot", "action": "block"}, {"word": "refund", "action": "hold"}]


def test_reports_need_a_reason_and_a_published_comment(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx, moderation="all")
    held = post_comment(client, mods.blog, "waiting")["comment"]
    assert _report(client, held["id"], "r1").status_code == 404
    mods2 = post_comment(client, mods.blog, "x", headers=mods.blog_mod)["comment"]  # moderators publish directly
    empty = _report(client, mods2["id"], "r1", "   ")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    anonymous = client.post(
        f"/api/v1/comments/{mods2['id']}/report", json={"reason": "spam"}, headers={"Origin": BLOG_ORIGIN}
    )
    assert anonymous.status_code == 202  # known by its address


def test_the_classifier_learns_from_what_moderators_mark_spam(client: TestClient, ctx: Context) -> None:
    from porch.services.spam_model import train_site_spam_model

    mods = set_up_moderators(client, ctx, moderation="all", rate_limits=False)
    spam_ids = [
        post_comment(client, mods.blog, f"cheap pills offer {n} buy pills now", email=f"s{n}@example.org")["comment"][
            "id"
        ]
        for n in range(3)
    ]
    ham_ids = [
        post_comment(client, mods.blog, f"thoughtful reply number {n} about the garden", email=f"h{n}@example.org")[
            "comment"
        ]["id"]
        for n in range(3)
    ]
    client.post(
        f"/api/v1/sites/{mods.blog.key}/queue", json={"action": "spam", "comments": spam_ids}, headers=mods.blog_mod
    )
    client.post(
        f"/api/v1/sites/{mods.blog.key}/queue", json={"action": "approve", "comments": ham_ids}, headers=mods.blog_mod
    )
    with ctx.uow() as uow:
        moderator = uow.accounts.get_by_email("mod@example.org")
    assert moderator is not None
    model = train_site_spam_model(ctx, mods.blog.key, moderator)
    assert (model.spam_docs, model.ham_docs) == (3, 3) and not model.ready  # too few decisions to act on yet
    assert model.probability("buy cheap pills") > 0.9 > 0.1 > model.probability("a reply about the garden")
