"""Atom feeds per site, thread and person, read back with feedparser; conditional GET and paging."""

from __future__ import annotations

import re
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from porch.services import feeds as feed_service
from porch.services.accounts import add_user
from porch.services.context import Context
from tests.factories import POST_URI, make_site, post_comment

PASSWORD = "correct horse battery"


def parse(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_thread_feed_lists_published_comments_newest_first_with_threading(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    first = post_comment(client, site, "The **first** word <script>alert(1)</script>", name="Linda")
    reply = post_comment(client, site, "An answer", parent=first["comment"]["id"], name='Dawud "D" <d@x>')
    post_comment(client, site, "Elsewhere", uri="https://blog.example/other.html", name="William")

    response = client.get("/feeds/thread.atom", params={"site": site.key, "uri": POST_URI})
    feed = parse(response)
    assert feed.feed.title == f"Comments on {POST_URI}"
    assert [entry.author for entry in feed.entries] == ['Dawud "D" <d@x>', "Linda"]
    newest, oldest = feed.entries
    assert newest.link == f"{POST_URI}#comment-{reply['comment']['id']}"
    assert "<strong>first</strong>" in oldest.content[0].value and "<script" not in oldest.content[0].value
    assert "thr_in-reply-to" in newest and "thr_in-reply-to" not in oldest
    (ref,) = re.findall(r'<thr:in-reply-to ref="([^"]+)"', response.text)
    assert ref == oldest.id == f"tag:porch.test,2026:comment-{first['comment']['id']}"
    assert 'xmlns:thr="http://purl.org/syndication/thread/1.0"' in response.text


def test_the_site_feed_pages_with_next_links(client: TestClient, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_service, "PAGE_SIZE", 2)
    site = make_site(ctx)
    ids = [post_comment(client, site, f"Comment {n}", name=f"R{n}", uri=f"/p{n % 2}")["comment"]["id"]
           for n in range(5)]
    seen: list[str] = []
    url: str | None = f"/feeds/site.atom?site={site.key}"
    pages = 0
    while url:
        feed = parse(client.get(url))
        pages += 1
        seen += [entry.title.split(" on ")[0] for entry in feed.entries]
        following = [link.href for link in feed.feed.links if link.rel == "next"]
        url = following[0].removeprefix("http://porch.test") if following else None
    assert pages == 3 and seen == ["R4", "R3", "R2", "R1", "R0"]
    assert len(ids) == 5


def test_conditional_get_answers_304_until_the_feed_changes(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    post_comment(client, site, "One", name="Linda")
    first = client.get(f"/feeds/site.atom?site={site.key}")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")

    again = client.get(f"/feeds/site.atom?site={site.key}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    by_date = client.get(f"/feeds/site.atom?site={site.key}", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304

    post_comment(client, site, "Two", name="William")
    changed = client.get(f"/feeds/site.atom?site={site.key}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(parse(changed).entries) == 2


def test_a_person_feed_shows_replies_to_them_and_nothing_else(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    add_user(ctx, "linda@example.org", PASSWORD, is_admin=False, name="Linda")
    token = client.post("/api/v1/auth/login", json={"email": "linda@example.org", "password": PASSWORD}).json()["token"]
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    mine = post_comment(client, site, "My question", name=None, headers=bearer)
    person = mine["comment"]["author"]["person"]
    answer = post_comment(client, site, "Dawud's answer", parent=mine["comment"]["id"], name="Dawud")
    post_comment(client, site, "Linda thanks Dawud", parent=answer["comment"]["id"], name=None, headers=bearer)
    post_comment(client, site, "Linda adds", parent=mine["comment"]["id"], name=None, headers=bearer)
    post_comment(client, site, "Unrelated", name="William")

    feed = parse(client.get(f"/feeds/person/{person}.atom"))
    assert feed.feed.title == "Replies to Linda"
    assert [entry.author for entry in feed.entries] == ["Dawud"]


def test_feeds_for_unknown_things_are_precise_problems(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    for url, code in [
        ("/feeds/site.atom?site=nope", "unknown_site"),
        (f"/feeds/thread.atom?site={site.key}&uri=/never-commented", "unknown_thread"),
        ("/feeds/person/999.atom", "unknown_person"),
    ]:
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == code
    bad = client.get(f"/feeds/site.atom?site={site.key}&before=0")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    bad_uri = client.get(f"/feeds/thread.atom?site={site.key}&uri=javascript:alert(1)")
    assert bad_uri.status_code == 422 and bad_uri.json()["code"] == "invalid_uri"
