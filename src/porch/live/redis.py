"""The live hub shared by every worker process, through Redis pub/sub (``PORCH_REDIS_URL``).

A comment posted through one worker reaches the readers connected to any other. Each event is
numbered by one Redis counter (so a ``Last-Event-ID`` means the same on every worker), kept in a short
per-page list for readers who reconnect, and published on the page's channel — the three in one
Lua script, so a reader never sees an event it could not be replayed.

Publishing happens in the use cases' worker threads and must never block them: :meth:`RedisHub.publish`
puts the event on a queue that one background thread sends with the synchronous client. Readers wait
on the event loop: per process one asyncio pub/sub connection (redis-py's ``redis.asyncio``) listens to
the pages that have readers and fans each message out to their bounded queues, exactly like
``memory.MemoryHub`` does within one process. If Redis cannot be reached, publishing logs and drops
(readers see the comment on their next load) and :meth:`RedisSubscription.ready` raises
:class:`porch.live.LiveUnavailable` (the stream answers 503; the embed falls back to polling).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from typing import Any

import redis
import redis.asyncio

from porch.live import CommentEvent, Delivery, DeliveryQueue, LiveUnavailable, channel_of
from porch.live.codec import decode_event, encode_event

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256       # per reader, as in memory.py
REPLAY_SIZE = 64       # events kept per page for readers who reconnect
REPLAY_SECONDS = 3600  # how long a quiet page's recent events are kept
PUBLISH_BACKLOG = 10_000

# KEYS: the counter, the page's recent list, its "forgotten" marker, the pub/sub channel.
# ARGV: the event's JSON, REPLAY_SIZE, REPLAY_SECONDS. A message is "<seq> <json>".
_PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
local message = seq .. ' ' .. ARGV[1]
redis.call('RPUSH', KEYS[2], message)
if redis.call('LLEN', KEYS[2]) > tonumber(ARGV[2]) then
  local dropped = redis.call('LPOP', KEYS[2])
  redis.call('SET', KEYS[3], string.match(dropped, '^%d+'), 'EX', ARGV[3])
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', KEYS[4], message)
return seq
"""


def _parse(message: bytes | str) -> Delivery:
    text = message.decode() if isinstance(message, bytes) else message
    seq, _, payload = text.partition(" ")
    return Delivery(seq=int(seq), event=decode_event(payload))


class RedisSubscription:
    def __init__(self, listener: _Listener, channel: str, after: int | None):
        self._listener = listener
        self.channel = channel
        self._queue = DeliveryQueue(QUEUE_SIZE)
        self._pending: list[Delivery] | None = []  # live messages that arrive while the replay is read
        self._floor = after or 0  # deliveries at or below this seq were replayed (or predate the reader)
        self._started = asyncio.ensure_future(self._start(after))
        self.closed = False

    async def _start(self, after: int | None) -> None:
        await self._listener.listen(self.channel)
        if self.closed:  # closed while subscribing: let the page go if nobody else reads it
            await self._listener.forget(self.channel)
            return
        missed: list[Delivery] = []
        if after is not None:
            missed = await self._listener.replay(self.channel, after)
        pending, self._pending = self._pending or [], None
        for delivery in missed + pending:
            self._put(delivery)

    async def ready(self) -> None:
        """Return once every event published from now on will reach this reader."""
        try:
            await asyncio.shield(self._started)
        except (redis.RedisError, OSError) as exc:
            raise LiveUnavailable(f"live updates are unavailable: {exc}") from exc

    def deliver(self, delivery: Delivery) -> None:
        if self._pending is not None:
            self._pending.append(delivery)
        else:
            self._put(delivery)

    def _put(self, delivery: Delivery) -> None:
        if delivery.event is not None and delivery.seq <= self._floor:
            return  # already replayed
        self._floor = max(self._floor, delivery.seq)
        self._queue.put(delivery)

    async def next(self) -> Delivery:
        await self.ready()
        return await self._queue.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._listener.remove(self)


class _Listener:
    """One event loop's pub/sub connection and the readers it serves."""

    def __init__(self, hub: RedisHub, loop: asyncio.AbstractEventLoop):
        self._hub = hub
        self.loop = loop
        self._client: Any = redis.asyncio.Redis.from_url(hub.url, socket_connect_timeout=2)
        self._pubsub: Any = self._client.pubsub(ignore_subscribe_messages=True)
        self._subscribers: dict[str, set[RedisSubscription]] = {}
        self._listening: set[str] = set()  # pages subscribed to on Redis
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    def add(self, subscription: RedisSubscription) -> None:
        self._subscribers.setdefault(subscription.channel, set()).add(subscription)

    def remove(self, subscription: RedisSubscription) -> None:
        readers = self._subscribers.get(subscription.channel)
        if readers is None:
            return
        readers.discard(subscription)
        if not readers:
            del self._subscribers[subscription.channel]
            if not self.loop.is_closed():
                self.loop.create_task(self.forget(subscription.channel))

    def count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    async def listen(self, channel: str) -> None:
        async with self._lock:
            if channel not in self._listening:
                await self._pubsub.subscribe(self._hub.redis_channel(channel))
                self._listening.add(channel)
            if self._reader is None or self._reader.done():
                self._reader = self.loop.create_task(self._read())

    async def forget(self, channel: str) -> None:
        """Unsubscribe from a page on Redis once it has no reader here."""
        async with self._lock:
            if channel not in self._subscribers and channel in self._listening:
                self._listening.discard(channel)
                with contextlib.suppress(redis.RedisError, OSError):
                    await self._pubsub.unsubscribe(self._hub.redis_channel(channel))

    async def replay(self, channel: str, after: int) -> list[Delivery]:
        recent, forgotten = await self._client.pipeline(transaction=False) \
            .lrange(self._hub.recent_key(channel), 0, -1).get(self._hub.forgotten_key(channel)).execute()
        missed = [Delivery(seq=after, event=None)] if forgotten and int(forgotten) > after else []
        return missed + [d for d in map(_parse, recent) if d.seq > after]

    async def _read(self) -> None:
        prefix = len(self._hub.prefix + "page:")
        while self._pubsub.subscribed:
            try:
                message = await self._pubsub.get_message(timeout=5.0)
            except (redis.RedisError, OSError) as exc:
                logger.warning("live: lost the Redis pub/sub connection (%s); readers will reconnect", exc)
                self._listening.clear()
                for readers in list(self._subscribers.values()):
                    for reader in list(readers):
                        reader._put(Delivery(seq=0, event=None))  # reload: events may have been missed
                return
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()[prefix:]
            try:
                delivery = _parse(message["data"])
            except (ValueError, KeyError, TypeError):
                logger.warning("live: skipped a malformed message on %s", channel)
                continue
            for reader in list(self._subscribers.get(channel, ())):
                reader.deliver(delivery)


class RedisHub:
    """A :class:`porch.live.LiveHub` shared through Redis by every process that uses the same URL and prefix."""

    def __init__(self, url: str, prefix: str = "porch:live:"):
        self.url = url
        self.prefix = prefix
        self._sync = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._sync.register_script(_PUBLISH)
        self._outbox: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=PUBLISH_BACKLOG)
        self._sender: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._listener: _Listener | None = None

    # --- keys ------------------------------------------------------------------------------------
    def redis_channel(self, channel: str) -> str:
        return self.prefix + "page:" + channel

    def recent_key(self, channel: str) -> str:
        return self.prefix + "recent:" + channel

    def forgotten_key(self, channel: str) -> str:
        return self.prefix + "forgotten:" + channel

    # --- publishing (any thread) ----------------------------------------------------------------
    def publish(self, event: CommentEvent) -> None:
        with self._start_lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send, name="porch-live-redis", daemon=True)
                self._sender.start()
        try:
            self._outbox.put_nowait((event.channel, encode_event(event)))
        except queue.Full:
            logger.warning("live: %d events waiting for Redis; dropped one for %s", PUBLISH_BACKLOG, event.channel)

    def publish_now(self, event: CommentEvent) -> int:
        """Publish synchronously and return the event's seq (the sender thread's work; tests)."""
        channel = event.channel
        keys = [self.prefix + "seq", self.recent_key(channel), self.forgotten_key(channel), self.redis_channel(channel)]
        return int(self._script(keys=keys, args=[encode_event(event), REPLAY_SIZE, REPLAY_SECONDS]))

    def _send(self) -> None:
        while (item := self._outbox.get()) is not None:
            channel, payload = item
            keys = [self.prefix + "seq", self.recent_key(channel), self.forgotten_key(channel),
                    self.redis_channel(channel)]
            try:
                self._script(keys=keys, args=[payload, REPLAY_SIZE, REPLAY_SECONDS])
            except redis.RedisError as exc:
                logger.warning("live: could not publish to Redis (%s); readers see it on their next load", exc)
            finally:
                self._outbox.task_done()

    def flush(self) -> None:
        """Wait until every event published so far has been sent (tests, shutdown)."""
        self._outbox.join()

    # --- subscribing (the event loop) -----------------------------------------------------------
    def subscribe(self, site_id: int, thread_key: str, *, after: int | None = None) -> RedisSubscription:
        loop = asyncio.get_running_loop()
        if self._listener is None or self._listener.loop is not loop:
            self._listener = _Listener(self, loop)  # one per event loop (a new loop: the old one is gone)
        subscription = RedisSubscription(self._listener, channel_of(site_id, thread_key), after)
        self._listener.add(subscription)
        return subscription

    def subscriber_count(self, site_id: int, thread_key: str) -> int:
        listener = self._listener
        return listener.count(channel_of(site_id, thread_key)) if listener else 0

    def close(self) -> None:
        """Stop the sender thread (after sending what is queued) and drop the connections."""
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join(5)
            self._sender = None
        self._sync.close()
