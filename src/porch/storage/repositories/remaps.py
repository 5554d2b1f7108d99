"""Storage for thread URL remapping: renaming a thread's key, or folding one thread into another."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased

from porch.domain.comments import CommentStatus
from porch.storage.schema import (
    comment_pins,
    comment_screenings,
    comments,
    inbox_follows,
    inbox_reads,
    mail_subscriptions,
    threads,
)


@dataclass(frozen=True)
class ThreadRow:
    id: int
    key: str
    uri: str


class RemapRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def thread_by_key(self, site_id: int, key: str) -> ThreadRow | None:
        row = self._db.execute(
            select(threads.c.id, threads.c.key, threads.c.uri).where(threads.c.site_id == site_id, threads.c.key == key)
        ).first()
        return ThreadRow(row.id, row.key, row.uri) if row else None

    def rename_thread(self, thread_id: int, key: str, uri: str) -> None:
        # The version moves too: a prepared page cached under the new key must not survive.
        self._db.execute(
            update(threads).where(threads.c.id == thread_id).values(key=key, uri=uri, version=threads.c.version + 1)
        )

    def drop_duplicates(self, source_id: int, target_id: int) -> int:
        """Comments of ``source_id`` whose import ref ``target_id`` holds already are the same
        comment imported twice: their replies move to the target's copy, then they go."""
        kept = aliased(comments)
        pairs = self._db.execute(
            select(comments.c.id, kept.c.id)
            .join(kept, and_(kept.c.thread_id == target_id, kept.c.import_ref == comments.c.import_ref))
            .where(comments.c.thread_id == source_id, comments.c.import_ref.is_not(None))
        ).all()
        for duplicate_id, kept_id in pairs:
            self._db.execute(update(comments).where(comments.c.parent_id == duplicate_id).values(parent_id=kept_id))
        for duplicate_id, _ in pairs:
            self._db.execute(delete(comments).where(comments.c.id == duplicate_id))
        return len(pairs)

    def move_comments(self, source_id: int, target_id: int) -> int:
        """Move every comment (with its pins and screenings) of ``source_id`` to ``target_id``."""
        moved = self._db.execute(
            update(comments).where(comments.c.thread_id == source_id).values(thread_id=target_id)
        ).rowcount
        self._db.execute(update(comment_pins).where(comment_pins.c.thread_id == source_id).values(thread_id=target_id))
        self._db.execute(
            update(comment_screenings).where(comment_screenings.c.thread_id == source_id).values(thread_id=target_id)
        )
        return int(moved or 0)

    def move_followers(self, source_id: int, target_id: int) -> None:
        """Follows, mutes, read marks and mail subscriptions of ``source_id`` go to ``target_id``;
        where a person (an address) has one on both already, the target's stays."""
        other = inbox_follows.alias("other")
        self._db.execute(
            update(inbox_follows)
            .where(
                inbox_follows.c.target_kind == "thread",
                inbox_follows.c.target_id == source_id,
                ~exists().where(
                    other.c.person_id == inbox_follows.c.person_id,
                    other.c.target_kind == "thread",
                    other.c.target_id == target_id,
                ),
            )
            .values(target_id=target_id)
        )
        self._db.execute(
            delete(inbox_follows).where(inbox_follows.c.target_kind == "thread", inbox_follows.c.target_id == source_id)
        )
        read = inbox_reads.alias("other_read")
        self._db.execute(
            update(inbox_reads)
            .where(
                inbox_reads.c.thread_id == source_id,
                ~exists().where(read.c.person_id == inbox_reads.c.person_id, read.c.thread_id == target_id),
            )
            .values(thread_id=target_id)
        )
        subscription = mail_subscriptions.alias("other_subscription")
        old_topic, new_topic = f"thread:{source_id}", f"thread:{target_id}"
        self._db.execute(
            update(mail_subscriptions)
            .where(
                mail_subscriptions.c.topic == old_topic,
                ~exists().where(
                    subscription.c.email == mail_subscriptions.c.email, subscription.c.topic == new_topic
                ),
            )
            .values(topic=new_topic)
        )
        self._db.execute(delete(mail_subscriptions).where(mail_subscriptions.c.topic == old_topic))

    def delete_thread(self, thread_id: int) -> None:
        """Delete the (emptied) thread; what else pointed at it goes with it (ON DELETE CASCADE)."""
        self._db.execute(delete(threads).where(threads.c.id == thread_id))

    def keep_earliest_start(self, target_id: int, source_id: int) -> None:
        """The merged conversation started when the older of the two did."""
        started = select(threads.c.created_at).where(threads.c.id == source_id).scalar_subquery()
        self._db.execute(
            update(threads).where(threads.c.id == target_id, threads.c.created_at > started).values(created_at=started)
        )

    def refresh_count(self, thread_id: int) -> None:
        """Recount the published comments (and the latest one) of the thread from its rows."""
        published = and_(comments.c.thread_id == thread_id, comments.c.status == CommentStatus.PUBLISHED.value)
        self._db.execute(
            update(threads)
            .where(threads.c.id == thread_id)
            .values(
                comment_count=select(func.count()).where(published).scalar_subquery(),
                last_comment_at=select(func.max(comments.c.created_at)).where(published).scalar_subquery(),
            )
        )
