"""Every live hub adapter passes the same suite: the in-process one and Redis pub/sub (the real server);
and with Redis, an event published by one hub (one worker process) reaches a reader on another."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from porch.domain.comments import Comment, CommentStatus
from porch.live import CommentEvent, LiveHub, LiveUnavailable
from porch.live import memory as memory_module
from porch.live import redis as redis_module
from porch.live.codec import decode_event, encode_event
from porch.live.memory import MemoryHub
from porch.live.redis import RedisHub
from tests.redis_helpers import REDIS_URL, redis_or_say_why

PAGE = "blog.example/post"
WAIT = 5.0  # seconds: only ever reached when an event is lost


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    client = redis_or_say_why("live-hub")
    prefix = f"porch-test:{uuid.uuid4().hex}:"  # unique per test: concurrent runs never share channels
    yield prefix
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def hub(request: pytest.FixtureRequest) -> Iterator[LiveHub]:
    if request.param == "memory":
        yield MemoryHub()
        return
    hub = RedisHub(REDIS_URL, request.getfixturevalue("redis_prefix"))
    yield hub
    hub.close()


def _settle(hub: LiveHub) -> None:
    """Wait until what was published has left this process (Redis sends from a background thread)."""
    if isinstance(hub, RedisHub):
        hub.flush()


def _event(comment_id: int, *, thread_key: str = PAGE, kind: str = "posted") -> CommentEvent:
    comment = Comment(
        id=comment_id, thread_id=1, parent_id=None, person_id=1, author_name="Linda", author_website=None,
        body_source="hi *there*", body_html="<p>hi <em>there</em></p>", status=CommentStatus.PUBLISHED,
        created_at=datetime(2026, 11, 23, 12, 30, tzinfo=UTC), edited_at=None, upvotes=2,
    )
    return CommentEvent(kind, 1, thread_key, comment)  # type: ignore[arg-type]


async def _next_ids(subscription, count: int) -> list[int | None]:  # type: ignore[no-untyped-def]
    deliveries = [await asyncio.wait_for(subscription.next(), WAIT) for _ in range(count)]
    return [d.event.comment.id if d.event else None for d in deliveries]


def test_events_published_from_worker_threads_reach_the_reader_in_order(hub: LiveHub) -> None:
    async def scenario() -> list[int | None]:
        subscription = hub.subscribe(1, PAGE)
        await subscription.ready()
        publisher = threading.Thread(target=lambda: [hub.publish(_event(n)) for n in (1, 2, 3)])
        publisher.start()
        got = await _next_ids(subscription, 3)
        publisher.join()
        subscription.close()
        return got

    assert asyncio.run(scenario()) == [1, 2, 3]


def test_the_event_arrives_whole(hub: LiveHub) -> None:
    async def scenario() -> CommentEvent | None:
        subscription = hub.subscribe(1, PAGE)
        await subscription.ready()
        hub.publish(_event(5, kind="edited"))
        return (await asyncio.wait_for(subscription.next(), WAIT)).event

    assert asyncio.run(scenario()) == _event(5, kind="edited")


def test_only_the_page_subscribed_to_hears_its_events(hub: LiveHub) -> None:
    async def scenario() -> None:
        other = hub.subscribe(1, "blog.example/other")
        mine = hub.subscribe(1, PAGE)
        await other.ready()
        await mine.ready()
        hub.publish(_event(7, thread_key="blog.example/other"))
        hub.publish(_event(8))
        # Events on one page arrive in order, so once 8 is here, 7 would have been too.
        assert await _next_ids(mine, 1) == [8]
        assert await _next_ids(other, 1) == [7]

    asyncio.run(scenario())


def test_a_reconnecting_reader_is_replayed_what_it_missed(hub: LiveHub) -> None:
    async def scenario() -> list[int | None]:
        first = hub.subscribe(1, PAGE)
        await first.ready()
        hub.publish(_event(1))
        seen = await asyncio.wait_for(first.next(), WAIT)
        first.close()
        hub.publish(_event(2))
        hub.publish(_event(3))
        _settle(hub)
        again = hub.subscribe(1, PAGE, after=seen.seq)
        return await _next_ids(again, 2)

    assert asyncio.run(scenario()) == [2, 3]


def test_a_reader_who_missed_too_much_is_told_to_reload(hub: LiveHub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(memory_module, "REPLAY_SIZE", 2)
    monkeypatch.setattr(redis_module, "REPLAY_SIZE", 2)

    async def scenario() -> list[int | None]:
        first = hub.subscribe(1, PAGE)
        await first.ready()
        hub.publish(_event(0))
        seen = await asyncio.wait_for(first.next(), WAIT)
        first.close()
        for n in range(1, 5):
            hub.publish(_event(n))
        _settle(hub)
        again = hub.subscribe(1, PAGE, after=seen.seq)
        return await _next_ids(again, 3)

    assert asyncio.run(scenario()) == [None, 3, 4]  # reload, then what is still kept


# --- across processes: Redis only -----------------------------------------------------------------
def test_an_event_published_by_one_hub_reaches_a_reader_of_another(redis_prefix: str) -> None:
    """Two hubs on one Redis are two worker processes: a comment posted through the first is heard by a
    reader connected to the second, with the same id, and a reader of the second who reconnects is
    replayed what the first published meanwhile."""
    worker_a, worker_b = RedisHub(REDIS_URL, redis_prefix), RedisHub(REDIS_URL, redis_prefix)

    async def scenario() -> None:
        reader = worker_b.subscribe(1, PAGE)
        await reader.ready()
        await asyncio.get_running_loop().run_in_executor(None, worker_a.publish, _event(11))
        heard = await asyncio.wait_for(reader.next(), WAIT)
        assert heard.event == _event(11)
        reader.close()
        seq = await asyncio.get_running_loop().run_in_executor(None, worker_a.publish_now, _event(12))
        assert seq == heard.seq + 1  # one counter for every worker: Last-Event-ID means the same on each
        again = worker_b.subscribe(1, PAGE, after=heard.seq)
        assert await _next_ids(again, 1) == [12]
        assert worker_a.subscriber_count(1, PAGE) == 0 and worker_b.subscriber_count(1, PAGE) == 1

    try:
        asyncio.run(scenario())
    finally:
        worker_a.close()
        worker_b.close()


def test_an_unreachable_redis_makes_the_reader_fall_back_not_hang() -> None:
    hub = RedisHub("redis://127.0.0.1:1/0")  # nothing listens on port 1

    async def scenario() -> None:
        subscription = hub.subscribe(1, PAGE)
        with pytest.raises(LiveUnavailable):
            await asyncio.wait_for(subscription.ready(), WAIT)
        subscription.close()

    asyncio.run(scenario())
    hub.publish(_event(1))  # logged and dropped, never raised
    hub.flush()
    hub.close()


def test_events_travel_as_json_field_by_field() -> None:
    event = _event(3, kind="deleted")
    assert decode_event(encode_event(event)) == event
    edited = CommentEvent("edited", 2, PAGE, Comment(**{**event.comment.__dict__, "edited_at": datetime.now(UTC)}))
    assert decode_event(encode_event(edited)) == edited
    newer = encode_event(event).replace('"upvotes"', '"a_field_from_a_newer_worker":1,"upvotes"')
    assert decode_event(newer) == event


def test_redis_is_chosen_when_the_url_is_set() -> None:
    from porch.bootstrap import build_live_hub
    from porch.config import Settings

    assert isinstance(build_live_hub(Settings(redis_url=REDIS_URL)), RedisHub)
    assert isinstance(build_live_hub(Settings()), MemoryHub)


def test_two_app_instances_share_live_updates_through_redis(engine, redis_prefix: str) -> None:  # type: ignore[no-untyped-def]
    """Two Porch servers (two worker processes, as far as the live hub can tell) on one database and one
    Redis: a reader streaming from the second hears, over server-sent events, a comment posted through
    the first one's API."""
    import json
    import socket
    from functools import partial

    import httpx
    import uvicorn

    from porch.config import Settings
    from porch.mail.senders import LogSender
    from porch.services.context import Context
    from porch.storage.unit_of_work import UnitOfWork
    from porch.web.app import create_app
    from tests.factories import BLOG_ORIGIN, POST_URI, make_site

    servers: list[tuple[uvicorn.Server, threading.Thread, RedisHub]] = []

    def serve() -> tuple[str, Context]:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        hub = RedisHub(REDIS_URL, redis_prefix)
        ctx = Context(uow=partial(UnitOfWork, engine), mail=LogSender(), base_url=url, live=hub)
        app = create_app(Settings(database_url="sqlite:///unused.db", base_url=url), context=ctx)
        server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        started = threading.Event()
        while not server.started and thread.is_alive():
            started.wait(0.01)
        servers.append((server, thread, hub))
        return url, ctx

    try:
        first, ctx = serve()
        second, _ = serve()
        site = make_site(ctx)
        with httpx.stream("GET", second + "/api/v1/stream", params={"site": site.key, "uri": POST_URI},
                          timeout=WAIT) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")  # answered: the reader is subscribed on Redis
            posted = httpx.post(first + "/api/v1/comments", headers={"Origin": BLOG_ORIGIN}, timeout=WAIT,
                                json={"site": site.key, "uri": POST_URI, "body": "Across *workers*",
                                      "author": {"name": "Linda"}})
            assert posted.status_code == 201, posted.text
            data = next(line for line in lines if line.startswith("data:"))
        event = json.loads(data.removeprefix("data:"))
        assert event["kind"] == "posted"
        assert event["comment"]["id"] == posted.json()["comment"]["id"]
        assert event["comment"]["body_html"] == "<p>Across <em>workers</em></p>"
    finally:
        for server, thread, hub in servers:
            server.should_exit = True
            thread.join(5)
            hub.close()
