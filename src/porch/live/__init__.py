"""Live events: a comment posted, edited or deleted reaches the readers of its page at once.

A use case publishes a :class:`CommentEvent` after its transaction commits (a rolled-back
write must never be announced); ``web/api/stream.py`` subscribes one server-sent-events
connection per reader to the page's channel. The port is :class:`LiveHub`; adapters:

- :class:`NoLive` — publishes nowhere, never delivers: the default, so code and tests that
  do not care about live updates need nothing;
- ``memory.MemoryHub`` — one process: right for ``porch serve --workers 1`` and tests. With
  several workers a reader only hears about writes handled by its own worker;
- ``redis.RedisHub`` — shared by every worker through Redis pub/sub, chosen when
  ``PORCH_REDIS_URL`` is set (``bootstrap.build_live_hub``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal, Protocol

from porch.domain.comments import Comment

EventKind = Literal["posted", "edited", "deleted"]


@dataclass(frozen=True)
class CommentEvent:
    kind: EventKind
    site_id: int
    thread_key: str
    comment: Comment

    @property
    def channel(self) -> str:
        return channel_of(self.site_id, self.thread_key)


def channel_of(site_id: int, thread_key: str) -> str:
    """One channel per page: the site and the page's normalised thread key."""
    return f"{site_id}:{thread_key}"


@dataclass(frozen=True)
class Delivery:
    """An event as a subscriber receives it; ``seq`` lets a reconnecting reader resume."""

    seq: int
    event: CommentEvent | None  # None: events were dropped for this reader; it should reload


class DeliveryQueue:
    """A reader's bounded queue, on its event loop. When a slow reader's queue is full, the oldest
    delivery makes way for one ``Delivery(event=None)`` (reload) and nothing more is queued until the
    reader has taken that: unbounded memory never, a silently lost event never."""

    def __init__(self, size: int):
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=size)
        self._overflowed = False

    def put(self, delivery: Delivery) -> None:
        if self._overflowed:
            return
        if self._queue.full():
            self._overflowed = True
            self._queue.get_nowait()
            self._queue.put_nowait(Delivery(seq=delivery.seq, event=None))
            return
        self._queue.put_nowait(delivery)

    async def get(self) -> Delivery:
        delivery = await self._queue.get()
        if delivery.event is None:
            self._overflowed = False
        return delivery


class LiveUnavailable(Exception):
    """The hub cannot deliver right now (its broker is unreachable): readers should fall back to polling."""


class Subscription(Protocol):
    async def ready(self) -> None:
        """Return once every event published from now on will reach this subscriber; raises
        :class:`LiveUnavailable` when that cannot be promised. Streams await it before answering."""
        ...

    async def next(self) -> Delivery:
        """Wait for the next event on the channel."""
        ...

    def close(self) -> None:
        """Stop receiving; idempotent."""
        ...


class LiveHub(Protocol):
    def publish(self, event: CommentEvent) -> None:
        """Announce a committed change. Thread-safe, never blocks, never raises."""
        ...

    def subscribe(self, site_id: int, thread_key: str, *, after: int | None = None) -> Subscription:
        """Listen to one page (call from the event loop); ``after`` replays what a reader missed."""
        ...


class _Silence:
    async def ready(self) -> None:
        return None

    async def next(self) -> Delivery:
        import asyncio

        await asyncio.Event().wait()  # never set: nothing is ever published
        raise AssertionError("unreachable")

    def close(self) -> None:
        return None


class NoLive:
    """The hub that hears nothing: publishing is a no-op, subscribers wait forever."""

    def publish(self, event: CommentEvent) -> None:
        return None

    def subscribe(self, site_id: int, thread_key: str, *, after: int | None = None) -> Subscription:
        return _Silence()
