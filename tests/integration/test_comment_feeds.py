"""External comment feeds: served on loopback by a real HTTP server in a thread, polled by the
worker's one-shot round with a real httpx client — good feeds, threaded replies, 304s, 500s,
malformed XML, huge bodies, per-host limits and backoff."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from porch.mail.senders import LogSender
from porch.services.accounts import add_user
from porch.services.comment_feeds import subscribe_feed
from porch.services.context import Context
from porch.storage.engine import create_database_engine
from porch.storage.unit_of_work import UnitOfWork
from porch.worker import feeds as poller
from tests.conftest import Clock
from tests.factories import make_site
from tests.inbox_helpers import comment_as, inbox, sign_in

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Comments on Elsewhere</title><id>tag:elsewhere</id><updated>2026-11-20T12:00:00Z</updated>
{entries}
</feed>"""
ENTRY = """<entry><id>{id}</id><title>On the post</title><link href="https://elsewhere.example/post#{id}"/>
<author><name>{author}</name></author><updated>{at}</updated>
<thr:in-reply-to ref="{parent}" href="https://elsewhere.example/post"/>
<content type="html">{html}</content></entry>"""


def _atom(*entries: tuple[str, str, str, str, str]) -> bytes:
    return ATOM.format(
        entries="".join(ENTRY.format(id=i, author=a, at=t, parent=p, html=h) for i, a, t, p, h in entries)
    ).encode()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None


@dataclass
class FeedServer:
    base: str
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    routes: dict[str, Route] = {}
    requests: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = routes.get(self.path, Route(status=404))
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            for name, value in {**route.headers, **({"ETag": route.etag} if route.etag else {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FeedServer(f"http://127.0.0.1:{server.server_address[1]}", routes, requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _poll(ctx: Context) -> poller.RoundReport:
    with httpx.Client() as client:
        return poller.poll_once(ctx, client, allow_private=True)


def test_a_feed_is_polled_threaded_and_shown_beside_native_conversations(
    client: TestClient, ctx: Context, clock: Clock, feed_server: FeedServer
) -> None:
    feed_server.routes["/comments/feed"] = Route(
        etag='"v1"',
        headers={"Content-Type": "application/atom+xml"},
        body=_atom(
            (
                "tag:c1",
                "Ann",
                "2026-11-23T09:00:00Z",
                "tag:post",
                "&lt;p&gt;first&lt;script&gt;x&lt;/script&gt;&lt;/p&gt;",
            ),
            ("tag:c2", "Bob", "2026-11-23T10:00:00Z", "tag:c1", "&lt;p&gt;reply to Ann&lt;/p&gt;"),
            ("tag:c3", "Cy", "2026-11-22T10:00:00Z", "tag:other-post", "&lt;p&gt;elsewhere&lt;/p&gt;"),
        ),
    )
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    blog = make_site(ctx, "blog", ["https://blog.example"])
    comment_as(client, blog, "native", uri="/native.html", headers=linda)  # at 12:00, the newest
    subscribed = client.post("/api/v1/me/feeds", json={"url": feed_server.base + "/comments/feed"}, headers=linda)
    assert subscribed.status_code == 201, subscribed.text

    report = _poll(ctx)
    assert (report.fetched, report.new_items, report.failed) == (1, 3, 0)
    conversations = inbox(client, linda)["conversations"]
    assert [(c["source"], c["site"]["name"]) for c in conversations] == [
        ("native", "blog"),
        ("feed", "Comments on Elsewhere"),
        ("feed", "Comments on Elsewhere"),
    ]
    thread = conversations[1]
    assert [c["author"]["name"] for c in thread["latest"]] == ["Ann", "Bob"]  # the reply joined its parent
    assert thread["latest"][0]["body_html"] == "<p>first</p>"  # sanitised like a comment
    assert thread["reply_url"] == thread["url"] == "https://elsewhere.example/post"
    answer = client.post("/api/v1/me/inbox/reply", json={"conversation": thread["id"], "body": "hi"}, headers=linda)
    assert answer.status_code == 409 and answer.json()["code"] == "external_conversation"
    assert "https://elsewhere.example/post" in answer.json()["detail"]

    # Next round: not due yet; then due, and a conditional GET answered 304.
    assert _poll(ctx).fetched == 0
    clock.advance(hours=1)
    again = _poll(ctx)
    assert (again.fetched, again.unchanged, again.new_items) == (1, 1, 0)
    assert feed_server.requests[-1][1]["if-none-match"] == '"v1"'
    assert "Porch/" in feed_server.requests[-1][1]["user-agent"]
    feeds = client.get("/api/v1/me/feeds", headers=linda).json()["feeds"]
    assert feeds[0]["title"] == "Comments on Elsewhere" and feeds[0]["status"] == "304 not modified"


def test_feed_conversations_have_unread_counts_and_mark_read_like_native_ones(
    client: TestClient, ctx: Context, clock: Clock, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Route(
        body=_atom(
            ("tag:c1", "Ann", "2026-11-23T09:00:00Z", "tag:post", "&lt;p&gt;first&lt;/p&gt;"),
            ("tag:c2", "Bob", "2026-11-23T10:00:00Z", "tag:c1", "&lt;p&gt;second&lt;/p&gt;"),
        )
    )
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    carma = sign_in(client, ctx, "carma@example.org", "Carma")
    for who in (linda, carma):
        assert client.post("/api/v1/me/feeds", json={"url": feed_server.base + "/feed"}, headers=who).status_code == 201
    _poll(ctx)
    [external] = inbox(client, linda)["conversations"]
    assert (external["source"], external["unread"]) == ("feed", 2)
    assert [c["id"] for c in inbox(client, linda, filter="unread")["conversations"]] == [external["id"]]

    read = client.post("/api/v1/me/inbox/read", json={"conversation": external["id"]}, headers=linda)
    assert read.status_code == 200 and read.json() == {"conversation": external["id"], "unread": 0}
    assert inbox(client, linda)["conversations"][0]["unread"] == 0
    assert inbox(client, linda, filter="unread")["conversations"] == []
    assert inbox(client, carma)["conversations"][0]["unread"] == 2  # read state is per person

    # A new item on the next poll is news again; marking unread leaves the newest one unread.
    feed_server.routes["/feed"] = Route(
        body=_atom(
            ("tag:c1", "Ann", "2026-11-23T09:00:00Z", "tag:post", "&lt;p&gt;first&lt;/p&gt;"),
            ("tag:c2", "Bob", "2026-11-23T10:00:00Z", "tag:c1", "&lt;p&gt;second&lt;/p&gt;"),
            ("tag:c3", "Cy", "2026-11-23T11:00:00Z", "tag:c2", "&lt;p&gt;third&lt;/p&gt;"),
        )
    )
    clock.advance(hours=1)
    _poll(ctx)
    assert inbox(client, linda)["conversations"][0]["unread"] == 1
    client.post("/api/v1/me/inbox/read", json={"conversation": external["id"]}, headers=linda)
    unread = client.post("/api/v1/me/inbox/read", json={"conversation": external["id"], "read": False}, headers=linda)
    assert unread.json()["unread"] == 1

    stranger = sign_in(client, ctx, "william@example.org", "William")
    refused = client.post("/api/v1/me/inbox/read", json={"conversation": external["id"]}, headers=stranger)
    assert refused.status_code == 404 and refused.json()["code"] == "unknown_conversation"
    both = client.post("/api/v1/me/inbox/read", json={"conversation": external["id"], "thread": 1}, headers=linda)
    assert both.status_code == 422


@pytest.mark.parametrize(
    ("route", "status"),
    [
        (Route(status=500, body=b"oops", headers={"Retry-After": "7200"}), "http 500"),
        (Route(body=b"<feed><entry><title>broken"), "not a feed"),
        (Route(body=b"<rss>" + b"x" * (3 * 1024 * 1024) + b"</rss>"), "error: FeedTooLarge"),
    ],
    ids=["500", "malformed", "huge"],
)
def test_broken_feeds_back_off_and_store_nothing(
    client: TestClient, ctx: Context, clock: Clock, feed_server: FeedServer, route: Route, status: str
) -> None:
    feed_server.routes["/feed"] = route
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    client.post("/api/v1/me/feeds", json={"url": feed_server.base + "/feed"}, headers=linda)
    report = _poll(ctx)
    assert (report.fetched, report.failed, report.new_items) == (1, 1, 0)
    feed = client.get("/api/v1/me/feeds", headers=linda).json()["feeds"][0]
    assert feed["status"].startswith(status) and feed["failures"] == 1
    assert inbox(client, linda)["conversations"] == []
    clock.advance(minutes=45)  # past the normal interval, not past the backoff
    assert _poll(ctx).fetched == 0
    clock.advance(hours=2)
    assert _poll(ctx).fetched == 1
    assert client.get("/api/v1/me/feeds", headers=linda).json()["feeds"][0]["failures"] == 2


def test_one_host_gets_at_most_two_requests_a_round(client: TestClient, ctx: Context, feed_server: FeedServer) -> None:
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    for n in range(3):
        feed_server.routes[f"/f{n}"] = Route(body=_atom())
        client.post("/api/v1/me/feeds", json={"url": f"{feed_server.base}/f{n}"}, headers=linda)
    first = _poll(ctx)
    assert (first.fetched, first.deferred) == (2, 1)
    assert (_poll(ctx).fetched, len(feed_server.requests)) == (1, 3)


def test_subscriptions_refuse_bad_urls_and_private_hosts_are_not_fetched(
    client: TestClient, ctx: Context, feed_server: FeedServer
) -> None:
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    for url in ("ftp://example.org/feed", "not a url", "javascript:alert(1)"):
        bad = client.post("/api/v1/me/feeds", json={"url": url}, headers=linda)
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_feed_url", url
    feed_server.routes["/feed"] = Route(body=_atom())
    client.post("/api/v1/me/feeds", json={"url": feed_server.base + "/feed"}, headers=linda)
    with httpx.Client() as http:
        report = poller.poll_once(ctx, http)  # the default: loopback and private addresses are refused
    assert report.failed == 1 and feed_server.requests == []
    assert "127.0.0.1 is a loopback" in client.get("/api/v1/me/feeds", headers=linda).json()["feeds"][0]["status"]
    feed_id = client.get("/api/v1/me/feeds", headers=linda).json()["feeds"][0]["id"]
    assert client.delete(f"/api/v1/me/feeds/{feed_id}", headers=linda).status_code == 204
    assert client.delete(f"/api/v1/me/feeds/{feed_id}", headers=linda).status_code == 404


def test_porch_poll_feeds_once_on_the_command_line(tmp_path: Path, feed_server: FeedServer) -> None:
    from typer.testing import CliRunner

    from porch.cli import app

    url = f"sqlite:///{tmp_path / 'porch.db'}"
    env = {"PORCH_DATABASE_URL": url, "PORCH_SMTP_URL": None, "COLUMNS": "200"}
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    engine = create_database_engine(url)
    ctx = Context(uow=partial(UnitOfWork, engine), mail=LogSender(), base_url="http://porch.test")
    account = add_user(ctx, "linda@example.org", None, is_admin=False, name="Linda")
    feed_server.routes["/feed"] = Route(body=_atom(("tag:c1", "Ann", "2026-11-23T09:00:00Z", "tag:p", "hi")))
    subscribe_feed(ctx, account, feed_server.base + "/feed")

    engine.dispose()
    polled = runner.invoke(app, ["poll-feeds", "--once", "--allow-private"], env=env)
    assert polled.exit_code == 0, polled.output
    assert "1 fetched, 1 new items" in polled.output
    again = runner.invoke(app, ["poll-feeds", "--once", "--allow-private"], env=env)
    assert "0 fetched" in again.output  # polite: not due again for half an hour
