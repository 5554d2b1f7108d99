"""The in-process live hub: use cases publish from worker threads, readers wait in the event loop.

Why the care with threads: FastAPI runs our synchronous use cases in a thread pool, while each
server-sent-events connection awaits an ``asyncio.Queue`` on the event loop. ``asyncio.Queue``
is not thread-safe, so :meth:`MemoryHub.publish` never touches a queue itself: it hands the
event to the subscriber's loop with ``call_soon_threadsafe``. A slow reader's queue is bounded;
when it overflows the reader gets one ``Delivery(event=None)`` (reload) rather than unbounded
memory. The last few events per channel are kept so a reader whose connection dropped can
resume from the ``Last-Event-ID`` its browser sends.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import OrderedDict, defaultdict, deque

from porch.live import CommentEvent, Delivery, DeliveryQueue, channel_of

QUEUE_SIZE = 256
REPLAY_SIZE = 64       # events kept per page for readers who reconnect
REPLAY_CHANNELS = 1024  # pages whose recent events are kept (least recently written dropped first)


class MemorySubscription:
    def __init__(self, hub: MemoryHub, channel: str, loop: asyncio.AbstractEventLoop):
        self._hub = hub
        self._channel = channel
        self._loop = loop
        self._queue = DeliveryQueue(QUEUE_SIZE)
        self.closed = False

    def deliver(self, delivery: Delivery) -> None:
        """From any thread."""
        try:
            self._loop.call_soon_threadsafe(self._queue.put, delivery)
        except RuntimeError:
            # The subscriber's loop has closed (server shutting down): nobody is listening.
            self.close()

    async def ready(self) -> None:
        return None  # registered with the hub on subscribe: nothing published since is missed

    async def next(self) -> Delivery:
        return await self._queue.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub._remove(self._channel, self)


class MemoryHub:
    """A :class:`porch.live.LiveHub` for one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._subscribers: dict[str, set[MemorySubscription]] = defaultdict(set)
        self._recent: OrderedDict[str, deque[Delivery]] = OrderedDict()
        self._forgotten: dict[str, int] = {}  # per channel: the last seq dropped from the replay buffer

    def publish(self, event: CommentEvent) -> None:
        channel = event.channel
        with self._lock:
            delivery = Delivery(seq=next(self._seq), event=event)
            recent = self._recent.setdefault(channel, deque(maxlen=REPLAY_SIZE))
            self._recent.move_to_end(channel)
            if len(recent) == REPLAY_SIZE:
                self._forgotten[channel] = recent[0].seq
            recent.append(delivery)
            while len(self._recent) > REPLAY_CHANNELS:
                dropped, events = self._recent.popitem(last=False)
                self._forgotten[dropped] = events[-1].seq
            while len(self._forgotten) > 4 * REPLAY_CHANNELS:
                del self._forgotten[next(iter(self._forgotten))]
            subscribers = list(self._subscribers.get(channel, ()))
        for subscriber in subscribers:
            subscriber.deliver(delivery)

    def subscribe(self, site_id: int, thread_key: str, *, after: int | None = None) -> MemorySubscription:
        channel = channel_of(site_id, thread_key)
        subscription = MemorySubscription(self, channel, asyncio.get_running_loop())
        with self._lock:
            self._subscribers[channel].add(subscription)
            missed: list[Delivery] = []
            if after is not None:
                if self._forgotten.get(channel, 0) > after:
                    missed.append(Delivery(seq=after, event=None))  # too much was missed: reload
                missed += [d for d in self._recent.get(channel, ()) if d.seq > after]
        for delivery in missed:
            subscription._queue.put(delivery)
        return subscription

    def subscriber_count(self, site_id: int, thread_key: str) -> int:
        with self._lock:
            return len(self._subscribers.get(channel_of(site_id, thread_key), ()))

    def _remove(self, channel: str, subscription: MemorySubscription) -> None:
        with self._lock:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[channel]
