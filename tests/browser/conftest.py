"""Browser tests: Debian's Chromium, driven by Playwright, against a real Porch server.

Two uvicorn servers run on loopback in threads for the whole session: Porch itself (SQLite in
a temporary directory, the in-process live hub) and a "blog" on another port, so the embed runs
cross-origin exactly as on a real site (CORS preflights, the site's allowed origins). Each test
makes its own site and page, so tests share the servers but not their data.

The browser is /usr/bin/chromium (``make chromium`` installs it); never a downloaded build.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import event
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from porch.config import Settings
from porch.domain.sites import Site
from porch.live.memory import MemoryHub
from porch.mail.message import OutgoingMail
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine
from porch.storage.migrate import upgrade
from porch.storage.unit_of_work import UnitOfWork
from porch.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXPECT_TIMEOUT_MS = 5000

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - dev extras missing
    sync_playwright = None  # type: ignore[assignment]


def _missing_browser() -> str | None:
    if sync_playwright is None:
        return "the playwright package is missing: pip install -e '.[dev]'"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `make chromium` (as root: apt-get install chromium)"
    return None


@dataclass
class CapturingMail:
    sent: list[OutgoingMail] = field(default_factory=list)

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)


class Blog:
    """The host site: pages registered by tests, served from another origin."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.url = ""

    async def serve(self, request: Request) -> Response:
        html = self.pages.get(request.url.path)
        return HTMLResponse(html) if html is not None else Response("not found", status_code=404)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.serve)])


@dataclass
class Servers:
    porch: str
    blog: Blog
    ctx: Context
    hub: MemoryHub
    mail: CapturingMail


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class ServerThread:
    """uvicorn in a thread on an already-bound socket: the port is known (and free) before the app exists."""

    def __init__(self) -> None:
        self.sock = _listening_socket()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, app: Any) -> None:
        config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        # The socket accepts already; uvicorn's own start-up takes milliseconds.
        ready = threading.Event()
        while not self.server.started and self.thread.is_alive():
            ready.wait(0.01)
        assert self.server.started, "uvicorn did not start"

    def stop(self) -> None:
        if self.server and self.thread:
            self.server.should_exit = True
            self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="package")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    problem = _missing_browser()
    if problem:
        if IN_CI:
            pytest.fail("CI runs the browser tests: " + problem)
        pytest.skip(problem)
    database = tmp_path_factory.mktemp("browser") / "porch.db"
    engine = create_database_engine(f"sqlite:///{database}")

    @event.listens_for(engine, "connect")
    def _fast(connection: Any, _record: Any) -> None:
        # A throwaway database: durability is not worth an fsync per test comment.
        connection.execute("PRAGMA synchronous=OFF")

    upgrade(engine)
    blog, blog_server, porch_server = Blog(), ServerThread(), ServerThread()
    blog.url = blog_server.url
    hub, mail = MemoryHub(), CapturingMail()
    settings = Settings(database_url=f"sqlite:///{database}", base_url=porch_server.url)
    ctx = Context(uow=partial(UnitOfWork, engine), mail=mail, base_url=porch_server.url, live=hub)
    blog_server.start(blog.app())
    porch_server.start(create_app(settings, context=ctx))
    yield Servers(porch=porch_server.url, blog=blog, ctx=ctx, hub=hub, mail=mail)
    porch_server.stop()
    blog_server.stop()
    engine.dispose()


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it
# is open, which breaks asyncio.run(), TestClient and other modules' own sync_playwright().
@pytest.fixture(scope="module")
def browser(servers: Servers) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 900, "height": 900})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of every alert/confirm/prompt a page opened: the widget never opens one."""
    return []


@pytest.fixture
def page(context: BrowserContext, dialogs: list[str]) -> Iterator[Page]:
    page = context.new_page()

    def record(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    yield page
    assert dialogs == [], f"dialogs opened: {dialogs}"


@dataclass
class Post:
    """One blog post with the embed, on its own site."""

    servers: Servers
    site: Site
    path: str

    @property
    def url(self) -> str:
        return self.servers.blog.url + self.path

    def comment(self, body: str = "Hello", *, name: str = "Carma", parent: int | None = None,
                website: str | None = None, browser: str | None = None) -> int:
        """A comment posted in-process through the same use case as the API (fast test data)."""
        posted = post_comment(
            self.servers.ctx,
            NewComment(site_key=self.site.key, uri=self.url, body=body, parent_id=parent, author_name=name,
                       author_website=website, title="A post"),
            Requester(browser_token=browser or f"person:{name}"),
        )
        return posted.comment.id

    def api_comment(self, body: str, *, name: str = "William", parent: int | None = None) -> dict[str, Any]:
        """A comment posted over HTTP by another client, as a browser on the blog would."""
        response = httpx.post(
            self.servers.porch + "/api/v1/comments",
            json={"site": self.site.key, "uri": self.url, "body": body, "parent": parent, "author": {"name": name}},
            headers={"Origin": self.servers.blog.url, "X-Porch-Browser": f"api:{name}"},
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


def host_page(servers: Servers, site: Site, *, css: str = "", attrs: str = "", title: str = "A post on the blog",
              script: str = "embed.js") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body {{ font: 17px/1.6 Georgia, serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }}
{css}</style></head>
<body><article><h1>{escape(title)}</h1><p>Some thoughts worth discussing.</p></article>
<div id="porch-thread"></div>
<script src="{servers.porch}/{script}" data-porch-site="{site.key}" {attrs} async></script>
</body></html>"""


@pytest.fixture
def make_post(servers: Servers, request: pytest.FixtureRequest) -> Callable[..., Post]:
    def make(*, css: str = "", attrs: str = "", **site_settings: Any) -> Post:
        name = "t" + uuid.uuid4().hex[:12]
        site = add_site(servers.ctx, name, [servers.blog.url], site_settings or None)
        path = f"/{request.node.name[:40]}/{name}.html"
        servers.blog.pages[path] = host_page(servers, site, css=css, attrs=attrs)
        return Post(servers, site, path)

    return make


def thread(page: Page) -> Any:
    """The widget's root inside its shadow root (Playwright's CSS locators pierce open shadow roots)."""
    return page.locator("#porch-thread section.p")
