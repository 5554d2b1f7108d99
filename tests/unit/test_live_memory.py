"""The in-process live hub: delivery across threads, replay after a reconnect, bounded queues."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from porch.domain.comments import Comment, CommentStatus
from porch.live import CommentEvent, NoLive, memory
from porch.live.memory import MemoryHub


def _event(comment_id: int, *, thread_key: str = "blog.example/post", kind: str = "posted") -> CommentEvent:
    comment = Comment(
        id=comment_id, thread_id=1, parent_id=None, person_id=1, author_name="Linda", author_website=None,
        body_source="hi", body_html="<p>hi</p>", status=CommentStatus.PUBLISHED,
        created_at=datetime(2026, 11, 23, tzinfo=UTC), edited_at=None,
    )
    return CommentEvent(kind, 1, thread_key, comment)  # type: ignore[arg-type]


def test_events_published_from_another_thread_reach_the_subscriber() -> None:
    async def scenario() -> list[int]:
        hub = MemoryHub()
        subscription = hub.subscribe(1, "blog.example/post")
        publisher = threading.Thread(target=lambda: [hub.publish(_event(n)) for n in (1, 2)])
        publisher.start()
        got = [(await asyncio.wait_for(subscription.next(), 2)).event for _ in range(2)]
        publisher.join()
        subscription.close()
        assert hub.subscriber_count(1, "blog.example/post") == 0
        return [event.comment.id for event in got if event]

    assert asyncio.run(scenario()) == [1, 2]


def test_only_the_page_subscribed_to_hears_its_events() -> None:
    async def scenario() -> None:
        hub = MemoryHub()
        other = hub.subscribe(1, "blog.example/other")
        mine = hub.subscribe(1, "blog.example/post")
        hub.publish(_event(7))
        assert (await asyncio.wait_for(mine.next(), 1)).event == _event(7)
        try:
            await asyncio.wait_for(other.next(), 0.05)
            raise AssertionError("the other page heard it")
        except TimeoutError:
            pass

    asyncio.run(scenario())


def test_a_reconnecting_reader_is_replayed_what_it_missed() -> None:
    async def scenario() -> list[int]:
        hub = MemoryHub()
        first = hub.subscribe(1, "blog.example/post")
        hub.publish(_event(1))
        seen = await first.next()
        first.close()
        hub.publish(_event(2))
        hub.publish(_event(3))
        again = hub.subscribe(1, "blog.example/post", after=seen.seq)
        return [(await again.next()).event.comment.id for _ in range(2)]  # type: ignore[union-attr]

    assert asyncio.run(scenario()) == [2, 3]


def test_a_reader_who_missed_too_much_is_told_to_reload(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(memory, "REPLAY_SIZE", 2)

    async def scenario() -> None:
        hub = MemoryHub()
        for n in range(5):
            hub.publish(_event(n))
        again = hub.subscribe(1, "blog.example/post", after=1)
        assert (await again.next()).event is None

    asyncio.run(scenario())


def test_a_slow_reader_gets_one_reload_instead_of_unbounded_memory(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(memory, "QUEUE_SIZE", 3)

    async def scenario() -> list[object]:
        hub = MemoryHub()
        subscription = hub.subscribe(1, "blog.example/post")
        for n in range(10):
            hub.publish(_event(n))
        await asyncio.sleep(0)  # let the loop run the call_soon_threadsafe callbacks
        return [(await subscription.next()).event for _ in range(3)]

    events = asyncio.run(scenario())
    assert events[-1] is None


def test_the_default_hub_publishes_nowhere() -> None:
    NoLive().publish(_event(1))
