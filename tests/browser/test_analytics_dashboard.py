"""The community dashboard in Debian's Chromium: signed in through the form, charts drawn, names escaped.

Self-contained: its own uvicorn server on a loopback socket (bound before the thread starts, so no
waiting), SQLite in a temporary directory, a generated community of 4,000 comments plus one newcomer
whose name is markup. The screenshot lands in tests/browser/artifacts/analytics-dashboard.png.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from porch.config import Settings
from porch.demo.synthetic import generate_community
from porch.mail.senders import LogSender
from porch.services.accounts import add_user, grant_site_role
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine
from porch.storage.migrate import upgrade
from porch.storage.unit_of_work import UnitOfWork
from porch.web.app import create_app

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
MARKUP_NAME = '<img src=x onerror="window.pwned=1">Zed'


@pytest.fixture
def dashboard_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'porch.db'}")
    upgrade(engine)
    ctx = Context(uow=lambda write=False: UnitOfWork(engine, write=write), mail=LogSender(),
                  base_url="http://127.0.0.1", clock=lambda: NOW)
    site = add_site(ctx, "community", ["https://blog.example"])
    with engine.begin() as connection:
        generate_community(connection, site.id, comments_total=4000, start=datetime(2025, 11, 1, tzinfo=UTC))
    post_comment(ctx, NewComment(site_key=site.key, uri="https://blog.example/posts/3", body="Hello <b>all</b>",
                                 author_name=MARKUP_NAME), Requester(browser_token="zed"),
                 now=datetime(2025, 10, 31, tzinfo=UTC))  # the longest wait: first in "Newcomers waiting"
    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, site.id, "owner@example.org", "owner")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening before the server thread starts: the browser's first request just queues
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(database_url="sqlite:///unused.db", base_url=base)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, context=ctx), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield base, site.key
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    engine.dispose()


def test_dashboard_draws_every_chart_and_escapes_names(dashboard_server: tuple[str, str]) -> None:
    base, site_key = dashboard_server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/admin/sites/{site_key}/analytics")
            page.fill("#email", "owner@example.org")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.get_by_role("heading", name="Community on community")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "analytics-dashboard.png"), full_page=True)
            assert page.locator(".charts svg.pygal-chart").count() == 4
            expect(page.locator(".stat").first).to_contain_text("4,001")
            waiting = page.locator("section.waiting tbody tr")
            expect(waiting.first).to_be_visible()
            # the newcomer named with markup is text, not an element, and ran nothing
            expect(page.locator("section.waiting")).to_contain_text(MARKUP_NAME)
            assert page.evaluate("window.pwned") is None
            assert page.locator("section.waiting img").count() == 0
            reply = page.locator("section.waiting a.button").first
            assert (reply.get_attribute("href") or "").startswith("https://blog.example/posts/3#comment-")
        finally:
            browser.close()
