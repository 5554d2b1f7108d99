"""Subscribing the inbox to RSS/Atom comment feeds from elsewhere, and storing what the poller
(worker/feeds.py) brings back. See docs/subsystems/inbox.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from porch.domain.accounts import Account
from porch.domain.comment_feeds import (
    FeedItem,
    check_feed_url,
    conversation_of,
    digest,
    host_of,
    next_poll,
)
from porch.errors import NotFound
from porch.services.context import Context
from porch.storage.repositories.comment_feeds import FeedRepository


def subscribe_feed(ctx: Context, account: Account, url: str) -> Any:
    """Add a feed to the person's inbox (one stored feed per URL, whoever subscribes); due at once."""
    url = check_feed_url(url)
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        repo = FeedRepository(uow.connection)
        feed_id = repo.get_or_add_feed(url=url, url_hash=digest(url), host=host_of(url), now=now)
        repo.subscribe(account.person_id, feed_id, now)
        feed = repo.feed(feed_id)
        uow.commit()
    return feed


def unsubscribe_feed(ctx: Context, account: Account, feed_id: int) -> None:
    with ctx.uow(write=True) as uow:
        if not FeedRepository(uow.connection).unsubscribe(account.person_id, feed_id):
            raise NotFound(f"you are not subscribed to feed {feed_id}", code="unknown_feed")
        uow.commit()


def list_subscriptions(ctx: Context, account: Account) -> list[Any]:
    with ctx.uow() as uow:
        return FeedRepository(uow.connection).subscriptions_of(account.person_id)


def due_feeds(ctx: Context, limit: int) -> list[Any]:
    with ctx.uow() as uow:
        return FeedRepository(uow.connection).due_feeds(ctx.clock(), limit)


def store_feed_items(
    ctx: Context,
    feed_id: int,
    items: list[FeedItem],
    *,
    title: str | None,
    etag: str | None,
    last_modified: str | None,
    status: str,
) -> int:
    """Thread and store a successful poll's new items; the feed is next due after the normal interval.
    Items replying to a known item join its conversation. Returns how many items were new."""
    now = ctx.clock()
    added = 0
    with ctx.uow(write=True) as uow:
        repo = FeedRepository(uow.connection)
        # Oldest first, so a reply that arrives in the same poll as its parent finds it.
        for item in sorted(items, key=lambda i: i.published_at):
            guid_hash = digest(item.guid)
            if repo.has_item(feed_id, guid_hash):
                continue
            conversation_id = None
            if item.in_reply_to_ref:
                conversation_id = repo.item_conversation(feed_id, digest(item.in_reply_to_ref))
            if conversation_id is None:
                ref = conversation_of(item)
                conversation_id = repo.conversation_for(
                    feed_id, key_hash=digest(ref.key), url=ref.url, title=ref.title, at=item.published_at
                )
            repo.add_item(
                feed_id=feed_id,
                conversation_id=conversation_id,
                guid_hash=guid_hash,
                link=item.link,
                in_reply_to=item.in_reply_to_ref,
                author_name=item.author,
                body_html=item.body_html,
                published_at=item.published_at,
            )
            added += 1
        repo.record_poll(
            feed_id,
            now=now,
            next_poll_at=next_poll(now, 0),
            failures=0,
            status=status,
            etag=etag,
            last_modified=last_modified,
            title=title,
            keep_validators=False,
        )
        uow.commit()
    return added


def record_unchanged(ctx: Context, feed_id: int) -> None:
    """A 304: nothing new; validators kept."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        FeedRepository(uow.connection).record_poll(
            feed_id,
            now=now,
            next_poll_at=next_poll(now, 0),
            failures=0,
            status="304 not modified",
            keep_validators=True,
        )
        uow.commit()


def record_failure(ctx: Context, feed_id: int, failures: int, status: str, *, retry_at: datetime | None = None) -> None:
    """A failed poll: back off (doubling), or wait as long as the server asked (Retry-After)."""
    now = ctx.clock()
    backoff = next_poll(now, failures)
    with ctx.uow(write=True) as uow:
        FeedRepository(uow.connection).record_poll(
            feed_id,
            now=now,
            next_poll_at=max(backoff, retry_at) if retry_at else backoff,
            failures=failures,
            status=status,
            keep_validators=True,
        )
        uow.commit()
