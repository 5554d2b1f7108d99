"""The inbox API: conversations across sites, unread counts, replies and mentions, follows and
mutes, replying from the inbox, read state from the embed, live events, constant query counts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from porch.domain.sites import Site
from porch.live import Delivery
from porch.live.memory import MemoryHub
from porch.services.accounts import account_for_session
from porch.services.context import Context
from porch.services.inbox import inbox_channel
from porch.web.api import stream
from porch.web.api.inbox import inbox_event_json, stream_inbox
from tests.conftest import Clock, QueryCounter
from tests.factories import make_site, read_thread
from tests.inbox_helpers import comment_as, inbox, person_of, seed_conversations, sign_in

POST = "https://blog.example/2026/11/a-post.html"
SOUP = "https://cooks.example/soup.html"


@pytest.fixture
def two_sites(ctx: Context) -> tuple[Site, Site]:
    return make_site(ctx, "blog", ["https://blog.example"]), make_site(ctx, "cooks", ["https://cooks.example"])


def test_inbox_gathers_conversations_across_sites_newest_first_with_unread_counts(
    client: TestClient, ctx: Context, clock: Clock, two_sites: tuple[Site, Site]
) -> None:
    blog, cooks = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    mine = comment_as(client, blog, "I liked this", uri=POST, headers=linda)
    clock.advance(minutes=1)
    comment_as(client, cooks, "soup question", uri=SOUP, headers=linda)
    clock.advance(minutes=1)
    answer = comment_as(client, blog, "thanks Linda", uri=POST, parent=mine["id"], name="Dawud")
    clock.advance(minutes=1)
    comment_as(client, blog, "and me", uri=POST, name="William")
    comment_as(client, blog, "unrelated thread", uri="/elsewhere.html", name="Carma")

    page = inbox(client, linda)
    assert [(c["site"]["name"], c["url"]) for c in page["conversations"]] == [("blog", POST), ("cooks", SOUP)]
    blog_conv, cooks_conv = page["conversations"]
    assert blog_conv["unread"] == 2 and cooks_conv["unread"] == 0
    assert [c["body_html"] for c in blog_conv["latest"]] == [
        "<p>I liked this</p>",
        "<p>thanks Linda</p>",
        "<p>and me</p>",
    ]
    assert [c["to_you"] for c in blog_conv["latest"]] == [False, True, False]
    assert blog_conv["title"] and blog_conv["last_activity"] == "2026-11-23T12:03:00Z"

    unread = inbox(client, linda, filter="unread")["conversations"]
    assert [c["id"] for c in unread] == [blog_conv["id"]]
    replies = inbox(client, linda, filter="replies")["conversations"]
    assert [c["id"] for c in replies] == [blog_conv["id"]]
    assert replies[0]["latest"][1]["id"] == answer["id"]

    read = client.post("/api/v1/me/inbox/read", json={"thread": blog_conv["id"]}, headers=linda)
    assert read.json() == {"thread": blog_conv["id"], "unread": 0}
    assert inbox(client, linda, filter="unread")["conversations"] == []
    unread_again = client.post("/api/v1/me/inbox/read", json={"thread": blog_conv["id"], "read": False}, headers=linda)
    assert unread_again.json()["unread"] == 1


def test_mentions_follow_the_documented_matching_rules(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, cooks = two_sites
    linda = sign_in(client, ctx, "linda.smith@example.org", "Linda Smith")
    comment_as(client, blog, "ask @linda_smith about it", uri=POST, name="Dawud")
    comment_as(client, cooks, "mail linda@lindasmith.example, or @Linda", uri=SOUP, name="Carma")  # not her handle
    comment_as(client, cooks, "@LindaSmith: soup?", uri="/other.html", name="William")

    mentions = inbox(client, linda, filter="mentions")["conversations"]
    assert sorted(c["url"] for c in mentions) == [
        "https://blog.example/2026/11/a-post.html",
        "https://cooks.example/other.html",
    ]
    assert len(inbox(client, linda)["conversations"]) == 2  # being mentioned brings a conversation in


def test_following_a_person_brings_their_new_conversations_on_every_site(
    client: TestClient, ctx: Context, clock: Clock, two_sites: tuple[Site, Site]
) -> None:
    blog, cooks = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    carma = sign_in(client, ctx, "carma@example.org", "Carma")
    carma_id = person_of(client, carma)
    comment_as(client, blog, "before the follow", uri="/old.html", headers=carma)
    clock.advance(minutes=1)

    followed = client.post("/api/v1/me/follows", json={"person": carma_id}, headers=linda)
    assert followed.status_code == 200, followed.text
    clock.advance(minutes=1)
    comment_as(client, cooks, "new on cooks", uri=SOUP, headers=carma)
    comment_as(client, blog, "new on blog", uri=POST, headers=carma)

    urls = [c["url"] for c in inbox(client, linda)["conversations"]]
    assert urls == [POST, SOUP]
    following = client.get("/api/v1/me/discover", headers=linda).json()["following"]
    assert {c["url"] for c in following} == {POST, SOUP, "https://blog.example/old.html"}
    assert client.get("/api/v1/me/follows", headers=linda).json()["follows"][0]["kind"] == "person"

    # Following a thread without commenting.
    old_thread = next(c["id"] for c in following if c["url"] == "https://blog.example/old.html")
    assert client.post("/api/v1/me/follows", json={"thread": old_thread}, headers=linda).status_code == 200
    followed_thread = next(c for c in inbox(client, linda)["conversations"] if c["id"] == old_thread)
    assert followed_thread["following"] is True

    both = client.post("/api/v1/me/follows", json={"person": carma_id, "thread": 1}, headers=linda)
    assert both.status_code == 422
    me = client.post("/api/v1/me/follows", json={"person": person_of(client, linda)}, headers=linda)
    assert me.status_code == 422 and me.json()["code"] == "own_person"
    missing = client.post("/api/v1/me/follows", json={"thread": 999999}, headers=linda)
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_thread"


def test_muting_a_thread_hides_it_and_muting_a_person_silences_them(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, cooks = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    troll = sign_in(client, ctx, "troll@example.org", "Troll")
    troll_id = person_of(client, troll)
    comment_as(client, blog, "mine", uri=POST, headers=linda)
    comment_as(client, blog, "noise", uri=POST, headers=troll)
    comment_as(client, cooks, "soup", uri=SOUP, headers=linda)
    comment_as(client, cooks, "more noise", uri=SOUP, headers=troll)

    assert (
        client.post("/api/v1/me/follows", json={"person": troll_id, "state": "mute"}, headers=linda).status_code == 200
    )
    conversations = inbox(client, linda)["conversations"]
    assert all(c["unread"] == 0 for c in conversations)
    assert all(m["author"]["person"] != troll_id for c in conversations for m in c["latest"])

    blog_id = next(c["id"] for c in conversations if c["site"]["name"] == "blog")
    assert (
        client.post("/api/v1/me/follows", json={"thread": blog_id, "state": "mute"}, headers=linda).status_code == 200
    )
    assert [c["site"]["name"] for c in inbox(client, linda)["conversations"]] == ["cooks"]
    client.post("/api/v1/me/follows", json={"thread": blog_id, "state": "none"}, headers=linda)
    assert len(inbox(client, linda)["conversations"]) == 2


def test_reply_from_the_inbox_lands_in_the_original_thread_with_the_embeds_checks(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, _ = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    mine = comment_as(client, blog, "question", uri=POST, headers=linda)
    answer = comment_as(client, blog, "answer", uri=POST, parent=mine["id"], name="Dawud")
    thread_id = inbox(client, linda)["conversations"][0]["id"]

    response = client.post(
        "/api/v1/me/inbox/reply",
        headers=linda,
        json={"thread": thread_id, "parent": answer["id"], "body": "thanks **Dawud**"},
    )
    assert response.status_code == 201, response.text
    reply = response.json()["comment"]
    assert reply["body_html"] == "<p>thanks <strong>Dawud</strong></p>" and reply["parent"] == answer["id"]
    tree = read_thread(client, blog, POST)
    assert tree["comments"][0]["replies"][0]["replies"][0]["id"] == reply["id"]
    assert inbox(client, linda)["conversations"][0]["unread"] == 0

    empty = client.post("/api/v1/me/inbox/reply", headers=linda, json={"thread": thread_id, "body": "  "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"
    wrong_parent = client.post(
        "/api/v1/me/inbox/reply", headers=linda, json={"thread": thread_id, "parent": 999999, "body": "x"}
    )
    assert wrong_parent.status_code == 422 and wrong_parent.json()["code"] == "invalid_parent"
    assert len(read_thread(client, blog, POST)["comments"]) == 1
    assert client.post("/api/v1/me/inbox/reply", json={"thread": thread_id, "body": "x"}).status_code == 401


def test_the_embed_marks_a_page_read_for_the_signed_in_reader(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, _ = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    comment_as(client, blog, "mine", uri=POST, headers=linda)
    comment_as(client, blog, "news", uri=POST, name="Dawud")
    assert inbox(client, linda)["conversations"][0]["unread"] == 1

    embed = {"Origin": "https://blog.example", **linda}
    response = client.post("/api/v1/me/read", json={"site": blog.key, "uri": "/2026/11/a-post.html"}, headers=embed)
    assert response.status_code == 200 and response.json()["thread"] is not None
    assert inbox(client, linda)["conversations"][0]["unread"] == 0
    elsewhere = client.post(
        "/api/v1/me/read", json={"site": blog.key, "uri": POST}, headers={"Origin": "https://evil.example", **linda}
    )
    assert elsewhere.status_code == 403
    assert client.post("/api/v1/me/read", json={"site": blog.key, "uri": POST}).status_code == 401


def test_paging_and_bad_input(client: TestClient, ctx: Context, clock: Clock, two_sites: tuple[Site, Site]) -> None:
    blog, _ = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    for n in range(5):
        clock.advance(minutes=1)
        comment_as(client, blog, f"note {n}", uri=f"/p{n}.html", headers=linda)
    first = inbox(client, linda, limit=2)
    second = inbox(client, linda, limit=2, cursor=first["next_cursor"])
    third = inbox(client, linda, limit=2, cursor=second["next_cursor"])
    urls = [c["url"].rsplit("/", 1)[1] for p in (first, second, third) for c in p["conversations"]]
    assert urls == ["p4.html", "p3.html", "p2.html", "p1.html", "p0.html"] and third["next_cursor"] is None

    bad = client.get("/api/v1/me/inbox", params={"filter": "everything"}, headers=linda)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_filter"
    worse = client.get("/api/v1/me/inbox", params={"cursor": "!!nonsense"}, headers=linda)
    assert worse.status_code == 422 and worse.json()["code"] == "invalid_cursor"
    assert client.get("/api/v1/me/inbox").status_code == 401


def test_new_activity_is_announced_on_the_persons_live_channel(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, _ = two_sites
    hub = MemoryHub()
    ctx.live = hub
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    me = person_of(client, linda)
    comment_as(client, blog, "mine", uri=POST, headers=linda)

    async def scenario() -> dict[str, object]:
        subscription = hub.subscribe(*inbox_channel(me))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: comment_as(client, blog, "hello @Linda", uri=POST, name="Dawud"))
        return inbox_event_json(await asyncio.wait_for(subscription.next(), 2))

    event = asyncio.run(scenario())
    assert event["kind"] == "posted" and event["comment"]["body_html"] == "<p>hello @Linda</p>"  # type: ignore[index]
    # The inbox stream also names the conversation, which the /inbox page then fetches again.
    thread = inbox(client, linda)["conversations"][0]["id"]
    assert event["thread"] == thread
    assert stream.event_json(Delivery(seq=1, event=None)) == inbox_event_json(Delivery(seq=1, event=None))


def test_a_reconnecting_inbox_stream_is_replayed_what_it_missed(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, _ = two_sites
    hub = MemoryHub()
    ctx.live = hub
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    account = account_for_session(ctx, linda["Authorization"].removeprefix("Bearer "))
    assert account is not None
    mine = comment_as(client, blog, "mine", uri=POST, headers=linda)

    async def scenario() -> list[str]:
        listening = hub.subscribe(*inbox_channel(account.person_id))  # keeps the channel's recent events
        loop = asyncio.get_running_loop()
        for body in ("first", "second"):
            await loop.run_in_executor(
                None, lambda body=body: comment_as(client, blog, body, uri=POST, parent=mine["id"], name="Dawud")
            )
        first = await asyncio.wait_for(listening.next(), 2)
        listening.close()
        response = await stream_inbox(last_event_id=str(first.seq), ctx=ctx, account=account)
        messages = response.body_iterator
        heard = [await asyncio.wait_for(anext(messages), 2) for _ in range(2)]  # type: ignore[arg-type]
        await messages.aclose()  # type: ignore[attr-defined]
        return [str(m) for m in heard]

    hello, replayed = asyncio.run(scenario())
    assert hello.startswith("retry:")
    assert '"body_html":"<p>second</p>"' in replayed and '"thread":' in replayed and "first" not in replayed


def test_a_muted_persons_reply_reaches_neither_the_live_channel_nor_the_conversation(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, _ = two_sites
    hub = MemoryHub()
    ctx.live = hub
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    troll = sign_in(client, ctx, "troll@example.org", "Troll")
    me = person_of(client, linda)
    mine = comment_as(client, blog, "mine", uri=POST, headers=linda)
    client.post("/api/v1/me/follows", json={"person": person_of(client, troll), "state": "mute"}, headers=linda)

    async def scenario() -> dict[str, Any]:
        subscription = hub.subscribe(*inbox_channel(me))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, lambda: comment_as(client, blog, "muted words", uri=POST, parent=mine["id"], headers=troll)
        )
        await loop.run_in_executor(None, lambda: comment_as(client, blog, "welcome", uri=POST, name="Dawud"))
        return inbox_event_json(await asyncio.wait_for(subscription.next(), 2))

    first = asyncio.run(scenario())
    assert first["comment"]["body_html"] == "<p>welcome</p>"  # the muted reply was never announced
    shown = client.get(f"/api/v1/me/inbox/conversations/{first['thread']}", headers=linda).json()
    assert [c["body_html"] for c in shown["latest"]] == ["<p>mine</p>", "<p>welcome</p>"] and shown["unread"] == 1


def test_one_conversation_as_the_inbox_lists_it(
    client: TestClient, ctx: Context, clock: Clock, two_sites: tuple[Site, Site]
) -> None:
    blog, cooks = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    dawud = sign_in(client, ctx, "dawud@example.org", "Dawud")
    mine = comment_as(client, blog, "I liked this", uri=POST, headers=linda)
    clock.advance(minutes=1)
    comment_as(client, cooks, "soup question", uri=SOUP, headers=linda)
    clock.advance(minutes=1)
    comment_as(client, blog, "thanks *Linda*", uri=POST, parent=mine["id"], name="<b>Eve</b>")
    listed = {c["id"]: c for c in inbox(client, linda)["conversations"]}
    post_id, soup_id = (c["id"] for c in inbox(client, linda)["conversations"])

    def one(thread: int, headers: dict[str, str] = linda, **params: str) -> Any:
        return client.get(f"/api/v1/me/inbox/conversations/{thread}", params=params, headers=headers)

    # Exactly what the inbox page lists for it: unread count, latest comments, "to you" marks.
    assert one(post_id).json() == listed[post_id]
    assert one(post_id).json()["unread"] == 1 and one(post_id).json()["latest"][-1]["to_you"] is True
    assert one(post_id).json()["latest"][-1]["author"]["name"] == "<b>Eve</b>"  # JSON: text, as given
    assert one(post_id, filter="replies").status_code == 200
    # Filtered out, muted, or not the person's at all: 404 not_in_inbox.
    for response in (
        one(soup_id, filter="replies"),
        one(soup_id, filter="unread"),
        one(post_id, headers=dawud),
        one(999_999),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_in_inbox", response.text
    client.post("/api/v1/me/follows", json={"thread": post_id, "state": "mute"}, headers=linda)
    assert one(post_id).status_code == 404
    assert one(soup_id, filter="nonsense").json()["code"] == "invalid_filter"
    assert client.get(f"/api/v1/me/inbox/conversations/{soup_id}").status_code == 401


def test_an_inbox_page_takes_the_same_number_of_queries_whatever_the_size(
    client: TestClient, ctx: Context, engine: Engine, count_queries: QueryCounter, two_sites: tuple[Site, Site]
) -> None:
    blog, cooks = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    dawud = sign_in(client, ctx, "dawud@example.org", "Dawud")
    me, other = person_of(client, linda), person_of(client, dawud)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    seed_conversations(engine, reader=me, other=other, site_ids=[blog.id], count=3, start=start)
    sizes = []
    for view in ("all", "replies", "unread"):
        count_queries.statements.clear()
        inbox(client, linda, filter=view)
        sizes.append(count_queries.count)
    seed_conversations(engine, reader=me, other=other, site_ids=[blog.id, cooks.id], count=300, start=start, offset=3)
    for view, small in zip(("all", "replies", "unread"), sizes, strict=True):
        count_queries.statements.clear()
        page = inbox(client, linda, filter=view)
        assert len(page["conversations"]) == 20 and page["next_cursor"]
        assert count_queries.count == small <= 8, count_queries.statements
    assert {c["site"]["name"] for c in page["conversations"]} == {"blog", "cooks"}


def test_editing_a_comment_updates_who_it_mentions(
    client: TestClient, ctx: Context, two_sites: tuple[Site, Site]
) -> None:
    blog, _ = two_sites
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    dawud = sign_in(client, ctx, "dawud@example.org", "Dawud")
    comment = comment_as(client, blog, "hello @Linda", uri=POST, headers=dawud)
    assert len(inbox(client, linda, filter="mentions")["conversations"]) == 1
    edited = client.patch(
        f"/api/v1/comments/{comment['id']}",
        json={"body": "hello everyone"},
        headers={"Origin": "https://blog.example", **dawud},
    )
    assert edited.status_code == 200, edited.text
    assert inbox(client, linda, filter="mentions")["conversations"] == []
