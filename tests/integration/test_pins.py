"""Pinned comments as readers see them: first on the first page, flagged, never repeated, never stale."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from porch.services.context import Context
from porch.web.api.schemas import ThreadPageOut
from tests.conftest import Clock
from tests.factories import flatten, post_comment, read_thread
from tests.moderation_helpers import moderate, set_up_moderators


def ids(page: dict[str, Any]) -> list[int]:
    return [comment["id"] for comment in page["comments"]]


def test_pinned_comments_open_the_first_page_only_and_say_so(client: TestClient, ctx: Context, clock: Clock) -> None:
    mods = set_up_moderators(client, ctx)
    posted = [post_comment(client, mods.blog, f"comment number {n}")["comment"]["id"] for n in range(5)]
    reply = post_comment(client, mods.blog, "a reply", parent=posted[3])["comment"]["id"]
    before = read_thread(client, mods.blog, limit=2)  # prepared: the next read must not be this one
    assert ids(before) == posted[:2]

    for pinned in (posted[3], posted[1]):
        assert moderate(client, pinned, "pin", mods.blog_mod).json()["pinned"] is True
        clock.advance(seconds=1)

    first = read_thread(client, mods.blog, limit=2)
    assert ids(first) == [posted[3], posted[1], posted[0], posted[2]]  # pins in pinning order, then `limit` more
    flags = {c["id"]: c["pinned"] for c in flatten(first["comments"])}
    assert flags == {posted[3]: True, posted[1]: True, posted[0]: False, posted[2]: False, reply: False}
    assert first["comments"][0]["replies"][0]["id"] == reply  # a pinned comment brings its replies along
    ThreadPageOut.model_validate(first)  # the page is what the OpenAPI document promises

    second = read_thread(client, mods.blog, limit=2, cursor=first["next_cursor"])
    assert ids(second) == [posted[4]] and second["next_cursor"] is None
    newest = read_thread(client, mods.blog, sort="newest")
    assert ids(newest) == [posted[3], posted[1], posted[4], posted[2], posted[0]]

    assert moderate(client, posted[3], "unpin", mods.blog_mod).json()["pinned"] is False
    assert ids(read_thread(client, mods.blog, limit=2)) == [posted[1], posted[0], posted[2]]


def test_a_pinned_comment_hidden_by_a_moderator_is_unpinned_and_not_shown(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    first = post_comment(client, mods.blog, "first")["comment"]["id"]
    pinned = post_comment(client, mods.blog, "pinned, then spam")["comment"]["id"]
    moderate(client, pinned, "pin", mods.blog_mod)
    assert ids(read_thread(client, mods.blog)) == [pinned, first]
    moderate(client, pinned, "spam", mods.blog_mod)
    assert ids(read_thread(client, mods.blog)) == [first]
    restored = moderate(client, pinned, "approve", mods.blog_mod).json()
    assert restored["pinned"] is False and ids(read_thread(client, mods.blog)) == [first, pinned]


def test_a_pinned_reply_is_flagged_but_keeps_its_place(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    top = post_comment(client, mods.blog, "top")["comment"]["id"]
    later = post_comment(client, mods.blog, "later")["comment"]["id"]
    reply = post_comment(client, mods.blog, "reply", parent=later)["comment"]["id"]
    moderate(client, reply, "pin", mods.blog_mod)
    page = read_thread(client, mods.blog)
    assert ids(page) == [top, later] and page["comments"][1]["replies"][0]["pinned"] is True


def test_the_openapi_document_describes_pinned(client: TestClient) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "pinned" in schemas["CommentOut"]["required"]
    assert schemas["CommentOut"]["properties"]["pinned"]["type"] == "boolean"
