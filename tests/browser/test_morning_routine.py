"""A moderator's morning in a real browser: sign in, open the queue, approve one, mark one spam,
ban one, and read what was done in the audit log. Its own Porch (own SQLite file) on a free port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from porch.config import Settings
from porch.domain.sites import Site
from porch.mail.senders import LogSender
from porch.services.accounts import add_user, grant_site_role
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.moderation import search_comments
from porch.services.requesters import Requester
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine
from porch.storage.migrate import upgrade
from porch.storage.unit_of_work import UnitOfWork
from porch.web.app import create_app

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
EXPECT_TIMEOUT_MS = 5000


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
        started = threading.Event()
        while not self.server.started and self.thread.is_alive():
            started.wait(0.01)  # uvicorn's start-up takes milliseconds; the socket already accepts
        assert self.server.started, "uvicorn did not start"

    def stop(self) -> None:
        if self.server and self.thread:
            self.server.should_exit = True
            self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Morning:
    url: str
    ctx: Context
    site: Site


@pytest.fixture
def morning(tmp_path: Path) -> Iterator[Morning]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'porch.db'}")
    upgrade(engine)
    server = ServerThread()
    ctx = Context(uow=partial(UnitOfWork, engine), mail=LogSender(), base_url=server.url)
    site = add_site(ctx, "blog", ["https://blog.example"], {"moderation": "all"})
    add_user(ctx, "mod@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, site.id, "mod@example.org", "moderator")
    for author, body in (
        ("Linda", "What a thoughtful post."),
        ("Spammy", "cheap watches http://x.example"),
        ("Troll", "You are all <b>fools</b>"),
    ):
        post_comment(
            ctx,
            NewComment(site_key=site.key, uri="https://blog.example/post", body=body, author_name=author),
            Requester(browser_token=f"browser-{author}"),
        )
    server.start(create_app(Settings(database_url="sqlite:///unused.db", base_url=server.url), context=ctx))
    yield Morning(server.url, ctx, site)
    server.stop()
    engine.dispose()


def _row(page: Page, author: str):  # type: ignore[no-untyped-def]
    return page.locator("tbody tr", has_text=author)


def test_the_morning_routine(chromium: Browser, morning: Morning) -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = chromium.new_context()
    page = context.new_page()
    key = morning.site.key

    page.goto(f"{morning.url}/admin/sites/{key}/queue")  # not signed in: sent to sign in, then back
    page.get_by_label("Email").fill("mod@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#waiting")).to_have_text("3 waiting")
    expect(_row(page, "Troll")).to_contain_text("You are all <b>fools</b>")  # escaped: shown as text
    expect(_row(page, "Linda").locator(".reasons li")).to_have_text(["every comment is reviewed on this site"])

    _row(page, "Linda").get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("approve: 1 comment")
    expect(page.locator("#waiting")).to_have_text("2 waiting")

    # Keyboard only: move to the spammer's row and press s.
    rows = page.locator("tbody tr")
    spam_index = next(i for i, text in enumerate(rows.all_inner_texts()) if "Spammy" in text)
    for _ in range(spam_index):
        page.keyboard.press("j")
    expect(rows.nth(spam_index)).to_have_class("current")
    page.keyboard.press("s")
    expect(page.get_by_role("status")).to_contain_text("spam: 1 comment")
    expect(page.locator("#waiting")).to_have_text("1 waiting")

    _row(page, "Troll").get_by_role("link", name="Ban…").click()
    page.get_by_label("Days").fill("30")
    page.get_by_label("Note for moderators").fill("insults, third time")
    page.get_by_role("button", name="Ban", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("banned person")
    expect(page.locator("table")).to_contain_text("insults, third time")

    page.get_by_role("link", name="Audit log").click()
    entries = page.locator("tr.entry")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("ban")
    expect(entries.nth(1)).to_contain_text("spam")
    expect(entries.nth(2)).to_contain_text("approve")
    expect(entries.first).to_contain_text("mod@example.org")
    context.close()

    with morning.ctx.uow() as uow:
        account = uow.accounts.get_by_email("mod@example.org")
    assert account is not None
    statuses = {c.author_name: c.status.value for c, _ in search_comments(morning.ctx, key, account, status=None)}
    assert statuses == {"Linda": "published", "Spammy": "spam", "Troll": "pending"}
