"""The inbox in a real browser (Debian's Chromium through Playwright): a reader claims their anonymous
history by confirming their address, sees conversations from two sites with unread counts, follows a
person, mutes a conversation, replies from the inbox and finds the reply under the original post
through the embed, watches new activity arrive live, and subscribes to a comment feed from elsewhere.

Own servers on loopback: Porch (own SQLite file, the in-process live hub) and two blogs on other
ports, so the embed runs cross-origin as on real sites; one of them also serves an Atom comment feed.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from porch.config import Settings
from porch.domain.sites import Site
from porch.live.memory import MemoryHub
from porch.mail.message import OutgoingMail
from porch.services.accounts import register_account
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine
from porch.storage.migrate import upgrade
from porch.storage.unit_of_work import UnitOfWork
from porch.web.app import create_app
from porch.worker import feeds as poller
from tests.factories import deliver_outbox

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"  # Debian's, never a downloaded one
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPECT_TIMEOUT_MS = 8000
FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Comments on Far Away</title><id>tag:far</id><updated>2026-11-23T12:00:00Z</updated>
<entry><id>tag:far-1</id><title>On gardens</title><link href="https://far.example/gardens#c1"/>
<author><name>Faraway Fay</name></author><updated>2030-01-01T00:00:00Z</updated>
<thr:in-reply-to ref="tag:gardens" href="https://far.example/gardens"/>
<content type="html">&lt;p&gt;Gardens grow slowly.&lt;/p&gt;</content></entry></feed>"""


class ServerThread:
    """uvicorn in a thread on a socket bound first (port 0): the port is free and known before the app runs."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, app: object) -> None:
        config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none", timeout_graceful_shutdown=1)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        waiting = threading.Event()
        while not self.server.started and self.thread.is_alive():
            waiting.wait(0.01)
        assert self.server.started, "uvicorn did not start"

    def stop(self) -> None:
        if self.server and self.thread:
            self.server.should_exit = True
            self.server.force_exit = True  # the inbox page's event stream would hold a graceful exit
            self.thread.join(10)
        self.sock.close()


@dataclass
class Mailbox:
    sent: list[OutgoingMail] = field(default_factory=list)

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)


def blog_app(porch_url: str, sites: dict[str, Site]) -> Starlette:
    """A blog: every page embeds Porch's thread for its own URL; /comments.atom is a comment feed."""

    async def page(request: Request) -> HTMLResponse:
        site = sites[request.url.port and str(request.url.port) or ""]
        return HTMLResponse(
            f"<!doctype html><title>{request.url.path}</title><h1>A post</h1><div id='porch-thread'></div>"
            f"<script src='{porch_url}/embed.js' data-porch-site='{site.key}' async></script>"
        )

    async def feed(_request: Request) -> Response:
        return Response(FEED, media_type="application/atom+xml")

    return Starlette(routes=[Route("/comments.atom", feed), Route("/{path:path}", page)])


@dataclass
class World:
    porch: str
    blogs: list[str]
    sites: list[Site]
    ctx: Context
    mail: Mailbox
    hub: MemoryHub

    def guest_comment(
        self, n: int, path: str, body: str, name: str, email: str | None = None, parent: int | None = None
    ) -> int:
        posted = post_comment(
            self.ctx,
            NewComment(
                site_key=self.sites[n].key,
                uri=self.blogs[n] + path,
                body=body,
                author_name=name,
                author_email=email,
                parent_id=parent,
            ),
            Requester(browser_token=f"browser-{name}"),
        )
        return posted.comment.id


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'porch.db'}")
    upgrade(engine)
    porch, blogs = ServerThread(), [ServerThread(), ServerThread()]
    mail, hub = Mailbox(), MemoryHub()
    ctx = Context(uow=partial(UnitOfWork, engine), mail=mail, base_url=porch.url, live=hub)  # type: ignore[arg-type]
    sites = [add_site(ctx, f"blog{n}", [blog.url], {"rate_limits": False}) for n, blog in enumerate(blogs)]
    by_port = {blog.url.rsplit(":", 1)[1]: site for blog, site in zip(blogs, sites, strict=True)}
    for blog in blogs:
        blog.start(blog_app(porch.url, by_port))
    porch.start(create_app(Settings(database_url="sqlite:///unused.db", base_url=porch.url), context=ctx))
    yield World(porch.url, [b.url for b in blogs], sites, ctx, mail, hub)
    for server in (porch, *blogs):
        server.stop()
    engine.dispose()


def _sign_in(page: Page, world: World, email: str) -> None:
    page.goto(world.porch + "/inbox")  # not signed in: sent to the inbox's sign-in page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def _conversation(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.locator("article.conv", has=page.locator("h2", has_text=title))


def test_a_readers_day_in_the_inbox(chromium: Browser, world: World) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    # As a guest, William commented on both blogs with his address; Dawud answered on the first.
    first = world.guest_comment(0, "/walks.html", "Lovely walk.", "Will", "william@example.org")
    world.guest_comment(1, "/bread.html", "Which flour?", "Will", "william@example.org")
    world.guest_comment(0, "/walks.html", "Thanks Will!", "Dawud", parent=first)

    # He signs up; opening the mailed link claims his anonymous history on both sites.
    register_account(world.ctx, "william@example.org", PASSWORD, "William")
    deliver_outbox(world.ctx)
    link = re.search(r"https?://\S+/auth/verify\?token=[\w-]+", world.mail.sent[-1].text).group(0)  # type: ignore[union-attr]
    page = chromium.new_context().new_page()
    page.goto(link)
    expect(page.get_by_role("heading")).to_have_text("Address confirmed")
    _sign_in(page, world, "william@example.org")
    expect(page.locator("article.conv")).to_have_count(2)
    expect(page.locator("article.conv .site").first).to_contain_text("blog")
    expect(page.locator(".unread-count")).to_have_count(0)  # claimed history starts read

    # Someone new answers on the first blog: the conversation updates in place, with its unread count.
    world.guest_comment(0, "/walks.html", "Where was this?", "Carma")
    walks = _conversation(page, "/walks.html")
    expect(walks.locator(".unread-count")).to_have_text("1 new")
    expect(walks).to_contain_text("Where was this?")
    expect(page.locator("#live")).to_be_hidden()  # the reload banner is only a fallback now
    page.get_by_role("link", name="Unread").click()
    expect(page.locator("article.conv")).to_have_count(1)

    # Reply from the inbox; the reply appears under the original post through the embed.
    walks = _conversation(page, "/walks.html")
    walks.get_by_role("textbox").fill("By the river, **Carma**.")
    walks.get_by_role("button", name="Reply", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Reply posted.")
    expect(page.locator(".unread-count")).to_have_count(0)
    blog = chromium.new_context().new_page()
    blog.goto(world.blogs[0] + "/walks.html")
    expect(blog.get_by_text("By the river,")).to_be_visible()
    expect(blog.get_by_text("Where was this?")).to_be_visible()

    # Follow Carma: her new conversation on the other blog appears.
    page.get_by_role("link", name="All").click()
    _conversation(page, "/walks.html").get_by_role("button", name="Follow Carma").click()
    expect(page.get_by_role("status")).to_have_text("Following.")
    world.guest_comment(1, "/cakes.html", "Cakes!", "Carma")
    page.reload()
    expect(_conversation(page, "/cakes.html")).to_be_visible()

    # Mute the bread conversation: it leaves the inbox.
    _conversation(page, "/bread.html").get_by_role("button", name="Mute", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Muted.")
    expect(_conversation(page, "/bread.html")).to_have_count(0)
    expect(page.locator("article.conv")).to_have_count(2)


def test_subscribing_to_a_comment_feed(chromium: Browser, world: World) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    register_account(world.ctx, "linda@example.org", PASSWORD, "Linda")
    deliver_outbox(world.ctx)
    link = re.search(r"https?://\S+/auth/verify\?token=[\w-]+", world.mail.sent[-1].text).group(0)  # type: ignore[union-attr]
    page = chromium.new_context().new_page()
    page.goto(link)
    _sign_in(page, world, "linda@example.org")
    page.get_by_label("Feed address").fill(world.blogs[1] + "/comments.atom")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("status")).to_contain_text("Subscribed")

    with httpx.Client() as client:
        report = poller.poll_once(world.ctx, client, allow_private=True)  # the blog is on loopback
    assert report.new_items == 1
    page.reload()
    external = page.locator("article.conv[data-source=feed]")
    expect(external).to_contain_text("Comments on Far Away")
    expect(external).to_contain_text("Gardens grow slowly.")
    expect(external.get_by_role("link", name="Reply at Comments on Far Away")).to_have_attribute(
        "href", "https://far.example/gardens"
    )
    # Unread like a native conversation, and marked read the same way.
    expect(external.locator(".unread-count")).to_have_text("1 new")
    external.get_by_role("button", name="Mark read").click()
    expect(page.locator("article.conv[data-source=feed] .unread-count")).to_have_count(0)
    expect(page.locator("article.conv[data-source=feed]").get_by_role("button", name="Mark unread")).to_be_visible()


def _reader_with_two_conversations(chromium: Browser, world: World) -> tuple[Page, int]:
    """Rosa (an account) commented on /old.html and then /new.html; her inbox is open, /new.html on top."""
    register_account(world.ctx, "rosa@example.org", PASSWORD, "Rosa")
    deliver_outbox(world.ctx)
    link = re.search(r"https?://\S+/auth/verify\?token=[\w-]+", world.mail.sent[-1].text).group(0)  # type: ignore[union-attr]
    page = chromium.new_context().new_page()
    page.goto(link)
    _sign_in(page, world, "rosa@example.org")
    with httpx.Client(base_url=world.porch) as client:
        token = client.post("/api/v1/auth/login", json={"email": "rosa@example.org", "password": PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['token']}", "Origin": world.blogs[0]}
        ids = []
        for path, title in (("/old.html", "Old post"), ("/new.html", "New post")):
            posted = client.post(
                "/api/v1/comments",
                json={"site": world.sites[0].key, "uri": world.blogs[0] + path, "title": title, "body": f"On {path}"},
                headers=headers,
            )
            assert posted.status_code == 201, posted.text
            ids.append(posted.json()["comment"]["id"])
    page.reload()
    expect(page.locator("article.conv h2")).to_have_text(["New post", "Old post"])
    page.evaluate("window.__sameDocument = true")  # a navigation would forget it
    return page, ids[0]


def _reply_through_the_api(world: World, parent: int, name: str, body: str) -> None:
    with httpx.Client(base_url=world.porch) as client:
        posted = client.post(
            "/api/v1/comments",
            json={
                "site": world.sites[0].key,
                "uri": world.blogs[0] + "/old.html",
                "body": body,
                "parent": parent,
                "author": {"name": name},
            },
            headers={"Origin": world.blogs[0]},
        )
    assert posted.status_code == 201, posted.text
    assert posted.json()["held_because"] is None


def test_a_reply_moves_its_conversation_to_the_top_without_a_reload(chromium: Browser, world: World) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    page, on_old = _reader_with_two_conversations(chromium, world)
    expect(_conversation(page, "Old post").locator(".unread-count")).to_have_count(0)
    draft = _conversation(page, "New post").get_by_role("textbox")
    draft.fill("Half a thought")
    draft.focus()

    _reply_through_the_api(world, on_old, "Tomas", "Rosa, I *agree*.")

    expect(page.locator("article.conv h2")).to_have_text(["Old post", "New post"])
    old = _conversation(page, "Old post")
    expect(old.locator(".unread-count")).to_have_text("1 new")
    expect(old.locator("li", has_text="I agree.").locator(".to-you")).to_have_text("replied to you")
    expect(old.locator("li", has_text="I agree.").locator("em")).to_have_text("agree")
    expect(page.locator("#inbox-news")).to_have_text("New activity in Old post")
    assert page.evaluate("window.__sameDocument") is True  # no navigation happened
    expect(page.locator("#live")).to_be_hidden()
    # The reader was typing elsewhere: focus and draft are where they were.
    expect(_conversation(page, "New post").get_by_role("textbox")).to_be_focused()
    expect(_conversation(page, "New post").get_by_role("textbox")).to_have_value("Half a thought")

    # A second reply: still one card for the conversation, two unread, the refreshed card's forms work.
    _reply_through_the_api(world, on_old, "Tomas", "And another thing.")
    expect(old.locator(".unread-count")).to_have_text("2 new")
    expect(page.locator("article.conv")).to_have_count(2)
    old.get_by_role("button", name="Mark read").click()
    expect(_conversation(page, "Old post").locator(".unread-count")).to_have_count(0)


def test_the_unread_view_takes_in_what_becomes_unread(chromium: Browser, world: World) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    page, on_old = _reader_with_two_conversations(chromium, world)
    page.get_by_role("link", name="Unread").click()
    expect(page.locator("p.empty")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    _reply_through_the_api(world, on_old, "Tomas", "Now it is unread.")
    expect(page.locator("article.conv h2")).to_have_text(["Old post"])
    expect(page.locator("p.empty")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True


def test_live_activity_from_a_hostile_name_and_body_stays_text(chromium: Browser, world: World) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    page, on_old = _reader_with_two_conversations(chromium, world)
    name = '<img src=x onerror="window.__pwned=1">'
    body = '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"> plain words'
    _reply_through_the_api(world, on_old, name, body)
    old = _conversation(page, "Old post")
    expect(old.locator(".unread-count")).to_have_text("1 new")
    expect(old.locator(".who", has_text=name)).to_have_count(1)  # the name is shown as text
    expect(old).to_contain_text("plain words")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("article.conv script, article.conv img[onerror]").count() == 0
    assert page.evaluate("window.__sameDocument") is True
