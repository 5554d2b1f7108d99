"""Read state follows the reader: a signed-in reader who reads a thread through the embed finds it read
in their inbox (the embed calls ``POST /api/v1/me/read``, docs/subsystems/inbox.md); a reader who is
not signed in reports nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from porch.services.accounts import add_user
from porch.services.comments import NewComment, post_comment
from porch.services.requesters import Requester
from tests.browser.conftest import Post, thread

PASSWORD = "correct horse battery"


def _inbox_unread(porch: str, token: str, uri: str) -> int:
    response = httpx.get(porch + "/api/v1/me/inbox", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    [conversation] = [c for c in response.json()["conversations"] if c["url"].split("#")[0] == uri]
    return int(conversation["unread"])


def _signed_in_reader_with_unread_replies(post: Post) -> dict[str, Any]:
    """An account that asked a question on the post, two answers since: the thread is unread in its inbox."""
    email = f"reader-{post.site.name}@example.org"
    account = add_user(post.servers.ctx, email, PASSWORD, is_admin=False, name="Reading Rita")
    question = post_comment(
        post.servers.ctx,
        NewComment(site_key=post.site.key, uri=post.url, body="Does this work?", title="A post"),
        Requester(account=account),
    ).comment.id
    post.comment("It does.", name="William", parent=question)
    post.comment("Here too.", name="Kate", parent=question)
    login = httpx.post(post.servers.porch + "/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return login.json()  # type: ignore[no-any-return]


def test_reading_a_thread_in_the_embed_marks_it_read_in_the_inbox(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    session = _signed_in_reader_with_unread_replies(post)
    porch, token = post.servers.porch, session["token"]
    assert _inbox_unread(porch, token, post.url) == 2
    # The embed keeps its session under porch:session, as after signing in through it.
    page.add_init_script(f"localStorage.setItem('porch:session', {json.dumps(json.dumps(session))})")
    with page.expect_response(lambda r: r.url == porch + "/api/v1/me/read" and r.request.method == "POST") as read:
        page.goto(post.url)
    assert read.value.status == 200, read.value.text()
    assert read.value.request.headers.get("authorization") == f"Bearer {token}"
    assert json.loads(read.value.request.post_data or "{}") == {"site": post.site.key, "uri": post.url}
    expect(thread(page).locator("article")).to_have_count(3)
    assert _inbox_unread(porch, token, post.url) == 0


def test_a_reader_who_is_not_signed_in_reports_no_reading(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    post.comment("Hello", name="Carma")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with page.expect_response(lambda r: "/api/v1/stream" in r.url):  # the last request of a load
        page.goto(post.url)
    expect(thread(page).locator("article")).to_have_count(1)
    assert not [url for url in requests if "/me/read" in url]
