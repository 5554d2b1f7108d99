"""The /inbox page, its forms and its Atom feed, with the first-party session cookie."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from porch.services.accounts import add_user
from porch.services.context import Context
from tests.factories import make_site, read_thread
from tests.inbox_helpers import PASSWORD, comment_as

POST = "https://blog.example/2026/11/a-post.html"
SAME_ORIGIN = {"Origin": "http://porch.test"}


def _guest(client: TestClient) -> TestClient:
    """Another browser: without the signed-in reader's cookie."""
    return TestClient(client.app, base_url="http://porch.test")


def _cookie_sign_in(client: TestClient, ctx: Context) -> dict[str, str]:
    add_user(ctx, "linda@example.org", PASSWORD, is_admin=False, name="Linda")
    response = client.post(
        "/inbox/login",
        data={"email": "linda@example.org", "password": PASSWORD},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/inbox"
    token = client.cookies.get("porch_session")
    assert token
    return {"Authorization": f"Bearer {token}"}


def test_inbox_page_needs_a_session_and_shows_conversations_escaped(client: TestClient, ctx: Context) -> None:
    blog = make_site(ctx, "blog <b>", ["https://blog.example"])
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/inbox/login"
    bearer = _cookie_sign_in(client, ctx)
    mine = comment_as(client, blog, "mine", uri=POST, headers=bearer)
    comment_as(
        _guest(client), blog, "<script>alert(1)</script> hi @Linda", uri=POST, parent=mine["id"], name="<i>Eve</i>"
    )

    page = client.get("/inbox")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "&lt;i&gt;Eve&lt;/i&gt;" in page.text
    assert "blog &lt;b&gt;" in page.text and "1 new" in page.text and "replied to you" in page.text
    assert client.get("/inbox", params={"filter": "mentions"}).text.count('class="conv') == 1
    odd = client.get("/inbox", params={"filter": "nonsense", "cursor": "bad"})
    assert odd.status_code == 200 and "not a cursor" in odd.text


def test_inbox_forms_mark_read_follow_and_reply(client: TestClient, ctx: Context) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    bearer = _cookie_sign_in(client, ctx)
    mine = comment_as(client, blog, "mine", uri=POST, headers=bearer)
    answer = comment_as(_guest(client), blog, "answer", uri=POST, parent=mine["id"], name="Dawud")
    thread = int(re.search(r'name="thread" value="(\d+)"', client.get("/inbox").text).group(1))  # type: ignore[union-attr]

    done = client.post("/inbox/read", data={"thread": thread, "read": "1"}, headers=SAME_ORIGIN, follow_redirects=False)
    assert done.status_code == 303
    assert "1 new" not in client.get("/inbox").text
    replied = client.post(
        "/inbox/reply",
        data={"thread": thread, "parent": answer["id"], "body": "from the inbox"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert replied.status_code == 303 and "notice=Reply+posted" in replied.headers["location"]
    assert read_thread(client, blog, POST)["comments"][0]["replies"][0]["replies"][0]["body_html"] == (
        "<p>from the inbox</p>"
    )
    empty = client.post(
        "/inbox/reply", data={"thread": thread, "body": ""}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert "error=" in empty.headers["location"]
    cross = client.post(
        "/inbox/reply",
        data={"thread": thread, "body": "csrf"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403


def test_inbox_atom_feed_is_reached_by_its_secret_address(client: TestClient, ctx: Context) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    bearer = _cookie_sign_in(client, ctx)
    comment_as(client, blog, "mine & yours", uri=POST, headers=bearer)
    shown = client.post("/inbox/feed-url", headers=SAME_ORIGIN)
    url = re.search(r"http://porch\.test(/inbox/feed\.atom\?token=[\w-]+)", shown.text).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    feed = client.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert "<entry>" in feed.text and "mine &amp;amp; yours" in feed.text
    assert client.get("/inbox/feed.atom", params={"token": "wrong"}).status_code == 404


def test_one_conversation_rendered_for_the_live_page(client: TestClient, ctx: Context) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    assert client.get("/inbox/conversations/1", follow_redirects=False).headers["location"] == "/inbox/login"
    bearer = _cookie_sign_in(client, ctx)
    mine = comment_as(client, blog, "mine", uri=POST, headers=bearer)
    thread = int(re.search(r'name="thread" value="(\d+)"', client.get("/inbox").text).group(1))  # type: ignore[union-attr]
    assert client.get(f"/inbox/conversations/{thread}", params={"filter": "replies"}).status_code == 204
    comment_as(
        _guest(client), blog, "<script>alert(1)</script> hi", uri=POST, parent=mine["id"], name="<i>Eve</i>"
    )

    # The page's own card for it (same escaping, marks and forms), in the view asked for.
    card = client.get(f"/inbox/conversations/{thread}", params={"filter": "replies"})
    assert card.status_code == 200 and card.text.lstrip().startswith('<article class="conv unread"')
    assert "<script>alert(1)" not in card.text and "&lt;i&gt;Eve&lt;/i&gt;" in card.text
    assert "1 new" in card.text and "replied to you" in card.text
    assert 'name="view" value="replies"' in card.text and 'action="/inbox/reply"' in card.text
    listed = client.get("/inbox").text
    assert re.sub(r"\s+", " ", client.get(f"/inbox/conversations/{thread}").text).strip() in re.sub(
        r"\s+", " ", listed
    )
    assert client.get("/inbox/conversations/999999").status_code == 204
