"""SQL for external comment feeds: the feeds, who subscribes, their conversations and items."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, literal, or_, select, update

from porch.domain.inbox import Conversation, InboxComment, InboxCursor, Source
from porch.storage.schema import (
    feed_conversation_reads,
    feed_conversations,
    feed_items,
    inbox_feed_subscriptions,
    inbox_feeds,
)


class FeedRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    # feeds and subscriptions ------------------------------------------------------------------
    def get_or_add_feed(self, *, url: str, url_hash: str, host: str, now: datetime) -> int:
        found = self._db.execute(select(inbox_feeds.c.id).where(inbox_feeds.c.url_hash == url_hash)).scalar()
        if found is not None:
            return int(found)
        return int(
            self._db.execute(
                insert(inbox_feeds)
                .values(url=url, url_hash=url_hash, host=host, title=host, failures=0, next_poll_at=now, created_at=now)
                .returning(inbox_feeds.c.id)
            ).scalar_one()
        )

    def subscribe(self, person_id: int, feed_id: int, now: datetime) -> None:
        exists = self._db.execute(
            select(inbox_feed_subscriptions.c.feed_id).where(
                inbox_feed_subscriptions.c.person_id == person_id, inbox_feed_subscriptions.c.feed_id == feed_id
            )
        ).first()
        if exists is None:
            self._db.execute(
                insert(inbox_feed_subscriptions).values(person_id=person_id, feed_id=feed_id, created_at=now)
            )

    def unsubscribe(self, person_id: int, feed_id: int) -> bool:
        return bool(
            self._db.execute(
                delete(inbox_feed_subscriptions).where(
                    inbox_feed_subscriptions.c.person_id == person_id, inbox_feed_subscriptions.c.feed_id == feed_id
                )
            ).rowcount
        )

    def subscriptions_of(self, person_id: int) -> list[Any]:
        return list(
            self._db.execute(
                select(inbox_feeds)
                .join(inbox_feed_subscriptions, inbox_feed_subscriptions.c.feed_id == inbox_feeds.c.id)
                .where(inbox_feed_subscriptions.c.person_id == person_id)
                .order_by(inbox_feeds.c.id)
            )
        )

    def feed(self, feed_id: int) -> Any:
        return self._db.execute(select(inbox_feeds).where(inbox_feeds.c.id == feed_id)).first()

    def due_feeds(self, now: datetime, limit: int) -> list[Any]:
        """Feeds whose next poll is due and that someone still subscribes to, most overdue first."""
        return list(
            self._db.execute(
                select(inbox_feeds)
                .where(
                    inbox_feeds.c.next_poll_at <= now,
                    inbox_feeds.c.id.in_(select(inbox_feed_subscriptions.c.feed_id)),
                )
                .order_by(inbox_feeds.c.next_poll_at, inbox_feeds.c.id)
                .limit(limit)
            )
        )

    def record_poll(
        self,
        feed_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        failures: int,
        status: str,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        keep_validators: bool,
    ) -> None:
        values: dict[str, Any] = {
            "last_polled_at": now,
            "next_poll_at": next_poll_at,
            "failures": failures,
            "last_status": status[:100],
        }
        if not keep_validators:
            values.update(
                etag=(etag or None) and etag[:300], last_modified=(last_modified or None) and last_modified[:100]
            )
        if title:
            values["title"] = title[:300]
        self._db.execute(update(inbox_feeds).where(inbox_feeds.c.id == feed_id).values(**values))

    # items -------------------------------------------------------------------------------------
    def conversation_for(self, feed_id: int, *, key_hash: str, url: str, title: str, at: datetime) -> int:
        row = self._db.execute(
            select(feed_conversations.c.id, feed_conversations.c.last_item_at).where(
                feed_conversations.c.feed_id == feed_id, feed_conversations.c.key_hash == key_hash
            )
        ).first()
        if row is not None:
            return int(row.id)
        return int(
            self._db.execute(
                insert(feed_conversations)
                .values(
                    feed_id=feed_id, key_hash=key_hash, url=url[:2000], title=title[:300], item_count=0, last_item_at=at
                )
                .returning(feed_conversations.c.id)
            ).scalar_one()
        )

    def has_item(self, feed_id: int, guid_hash: str) -> bool:
        return (
            self._db.execute(
                select(feed_items.c.id).where(feed_items.c.feed_id == feed_id, feed_items.c.guid_hash == guid_hash)
            ).first()
            is not None
        )

    def item_conversation(self, feed_id: int, guid_hash: str) -> int | None:
        return self._db.execute(
            select(feed_items.c.conversation_id).where(
                feed_items.c.feed_id == feed_id, feed_items.c.guid_hash == guid_hash
            )
        ).scalar()

    def add_item(
        self,
        *,
        feed_id: int,
        conversation_id: int,
        guid_hash: str,
        link: str | None,
        in_reply_to: str | None,
        author_name: str,
        body_html: str,
        published_at: datetime,
    ) -> None:
        self._db.execute(
            insert(feed_items).values(
                feed_id=feed_id,
                conversation_id=conversation_id,
                guid_hash=guid_hash,
                link=link[:2000] if link else None,
                in_reply_to=in_reply_to[:2000] if in_reply_to else None,
                author_name=author_name[:200],
                body_html=body_html,
                published_at=published_at,
            )
        )
        conversation = feed_conversations.c
        at = literal(published_at, conversation.last_item_at.type)
        self._db.execute(
            update(feed_conversations)
            .where(conversation.id == conversation_id)
            .values(
                item_count=conversation.item_count + 1,
                last_item_at=func.max(conversation.last_item_at, at)
                if self._db.dialect.name == "sqlite"
                else func.greatest(conversation.last_item_at, at),
            )
        )

    # the inbox's external half --------------------------------------------------------------------
    def page_conversations(
        self, person_id: int, cursor: InboxCursor | None, limit: int, *, unread_only: bool = False
    ) -> list[Conversation]:
        """The person's external conversations, newest first, with their unread counts: items above
        the person's marker in ``feed_conversation_reads`` (no marker: every item is news)."""
        c = feed_conversations.c
        marker = func.coalesce(feed_conversation_reads.c.last_read_item_id, 0)
        news = select(func.count()).where(feed_items.c.conversation_id == c.id, feed_items.c.id > marker)
        query = (
            select(
                c.id,
                c.url,
                c.title,
                c.item_count,
                c.last_item_at,
                inbox_feeds.c.title.label("feed_title"),
                news.scalar_subquery().label("unread"),
            )
            .join(
                inbox_feed_subscriptions,
                and_(
                    inbox_feed_subscriptions.c.feed_id == c.feed_id, inbox_feed_subscriptions.c.person_id == person_id
                ),
            )
            .join(inbox_feeds, inbox_feeds.c.id == c.feed_id)
            .outerjoin(
                feed_conversation_reads,
                and_(
                    feed_conversation_reads.c.conversation_id == c.id,
                    feed_conversation_reads.c.person_id == person_id,
                ),
            )
        )
        if unread_only:
            query = query.where(
                select(feed_items.c.id).where(feed_items.c.conversation_id == c.id, feed_items.c.id > marker).exists()
            )
        if cursor is not None:
            # External conversations rank 0 (domain/inbox.py: sort_key).
            query = query.where(
                or_(
                    c.last_item_at < cursor.activity,
                    and_(c.last_item_at == cursor.activity, or_(literal(cursor.rank) == 1, c.id < cursor.id)),
                )
            )
        rows = self._db.execute(query.order_by(c.last_item_at.desc(), c.id.desc()).limit(limit))
        return [
            Conversation(
                source=Source.FEED,
                id=r.id,
                site=r.feed_title,
                site_key=None,
                url=r.url,
                title=r.title,
                last_activity=r.last_item_at,
                unread=int(r.unread or 0),
                comment_count=r.item_count,
                latest=[],
                reply_url=r.url,
            )
            for r in rows
        ]

    # read state of external conversations ------------------------------------------------------
    def is_subscribed_to_conversation(self, person_id: int, conversation_id: int) -> bool:
        return (
            self._db.execute(
                select(feed_conversations.c.id)
                .join(
                    inbox_feed_subscriptions,
                    inbox_feed_subscriptions.c.feed_id == feed_conversations.c.feed_id,
                )
                .where(feed_conversations.c.id == conversation_id, inbox_feed_subscriptions.c.person_id == person_id)
            ).first()
            is not None
        )

    def mark_conversation(self, person_id: int, conversation_id: int, *, read: bool, now: datetime) -> int:
        """Read: up to its newest item; unread: just below it (one unread). Returns the unread count after."""
        newest = self._db.execute(
            select(func.max(feed_items.c.id)).where(feed_items.c.conversation_id == conversation_id)
        ).scalar()
        where = and_(
            feed_conversation_reads.c.person_id == person_id,
            feed_conversation_reads.c.conversation_id == conversation_id,
        )
        self._db.execute(delete(feed_conversation_reads).where(where))
        if newest is not None:
            self._db.execute(
                insert(feed_conversation_reads).values(
                    person_id=person_id,
                    conversation_id=conversation_id,
                    last_read_item_id=newest if read else newest - 1,
                    read_at=now,
                )
            )
        marker = func.coalesce(select(feed_conversation_reads.c.last_read_item_id).where(where).scalar_subquery(), 0)
        return int(
            self._db.execute(
                select(func.count()).where(feed_items.c.conversation_id == conversation_id, feed_items.c.id > marker)
            ).scalar_one()
        )

    def with_latest_items(self, conversations: list[Conversation], per_conversation: int) -> list[Conversation]:
        ids = [c.id for c in conversations if c.source == Source.FEED]
        ranked = (
            select(
                feed_items,
                func.row_number()
                .over(
                    partition_by=feed_items.c.conversation_id,
                    order_by=(feed_items.c.published_at.desc(), feed_items.c.id.desc()),
                )
                .label("rn"),
            ).where(feed_items.c.conversation_id.in_(ids))
        ).subquery()
        latest: dict[int, list[InboxComment]] = {}
        for r in self._db.execute(
            select(ranked).where(ranked.c.rn <= per_conversation).order_by(ranked.c.published_at, ranked.c.id)
        ):
            latest.setdefault(r.conversation_id, []).append(
                InboxComment(r.id, r.author_name, None, r.body_html, _aware(r.published_at), url=r.link)
            )
        return [replace(c, latest=latest.get(c.id, [])) if c.source == Source.FEED else c for c in conversations]

    def conversation_url(self, conversation_id: int) -> str | None:
        return self._db.execute(
            select(feed_conversations.c.url).where(feed_conversations.c.id == conversation_id)
        ).scalar()


def _aware(moment: Any) -> datetime:
    from porch.storage.repositories.inbox import _aware as aware

    return aware(moment)
