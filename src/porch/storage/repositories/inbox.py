"""The inbox's SQL: follows, read markers, mentions, and the pages of conversations.

Every page is a fixed handful of queries whatever the number of conversations: one for the page of
threads (a range scan of the person's rows in ``inbox_conversations``, which
storage/repositories/inbox_conversations.py keeps up to date), one for unread counts and one for the
latest comments of just the threads on the page. Per-person state never goes through the
prepared-thread cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement, Select

from porch.domain.comments import Comment, CommentStatus
from porch.domain.inbox import FollowState, InboxCursor, InboxFilter, TargetKind
from porch.storage.repositories.comments import _COMMENT_COLUMNS, _comment
from porch.storage.schema import (
    comment_mentions,
    comments,
    inbox_conversations,
    inbox_follows,
    inbox_reads,
    sites,
    threads,
)

PUBLISHED = CommentStatus.PUBLISHED.value


@dataclass(frozen=True)
class ThreadRow:
    thread_id: int
    site_id: int
    site_key: str
    site_name: str
    site_origins: Sequence[str]
    uri: str
    title: str
    comment_count: int
    activity: datetime
    last_read_comment_id: int | None
    follow_state: str | None


@dataclass(frozen=True)
class LatestComment:
    comment: Comment
    to_you: bool  # a reply to one of the reader's comments


def upsert(
    connection: Connection, table: Any, values: dict[str, Any], keys: list[str], changes: dict[str, Any]
) -> None:
    """INSERT … ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table).values(**values)
    connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))


def _not_by(person_id: int) -> ColumnElement[bool]:
    return func.coalesce(comments.c.person_id, 0) != person_id


class InboxRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    # follows and mutes ------------------------------------------------------------------------
    def set_follow(self, person_id: int, kind: TargetKind, target_id: int, state: FollowState, now: datetime) -> None:
        where = and_(
            inbox_follows.c.person_id == person_id,
            inbox_follows.c.target_kind == kind.value,
            inbox_follows.c.target_id == target_id,
        )
        if state == FollowState.NONE:
            self._db.execute(delete(inbox_follows).where(where))
            return
        # A follow counts from when it was made ("their new conversations"): re-saying the
        # same state keeps the original time.
        upsert(
            self._db,
            inbox_follows,
            {
                "person_id": person_id,
                "target_kind": kind.value,
                "target_id": target_id,
                "state": state.value,
                "created_at": now,
            },
            ["person_id", "target_kind", "target_id"],
            {"state": state.value},
        )

    def follows_of(self, person_id: int) -> list[tuple[str, int, str, datetime]]:
        rows = self._db.execute(
            select(
                inbox_follows.c.target_kind,
                inbox_follows.c.target_id,
                inbox_follows.c.state,
                inbox_follows.c.created_at,
            )
            .where(inbox_follows.c.person_id == person_id)
            .order_by(inbox_follows.c.created_at, inbox_follows.c.target_id)
        )
        return [(r.target_kind, r.target_id, r.state, r.created_at) for r in rows]

    def _targets(self, person_id: int, kind: TargetKind, state: FollowState) -> Select[Any]:
        return select(inbox_follows.c.target_id).where(
            inbox_follows.c.person_id == person_id,
            inbox_follows.c.target_kind == kind.value,
            inbox_follows.c.state == state.value,
        )

    # read markers -----------------------------------------------------------------------------
    def last_comment_id(self, thread_id: int, *, not_by: int | None = None) -> int | None:
        query = select(func.max(comments.c.id)).where(comments.c.thread_id == thread_id, comments.c.status == PUBLISHED)
        if not_by is not None:
            query = query.where(_not_by(not_by))
        return self._db.execute(query).scalar()

    def set_read_marker(self, person_id: int, thread_id: int, comment_id: int, now: datetime) -> None:
        upsert(
            self._db,
            inbox_reads,
            {"person_id": person_id, "thread_id": thread_id, "last_read_comment_id": comment_id, "read_at": now},
            ["person_id", "thread_id"],
            {"last_read_comment_id": comment_id, "read_at": now},
        )

    def read_marker(self, person_id: int, thread_id: int) -> int | None:
        return self._db.execute(
            select(inbox_reads.c.last_read_comment_id).where(
                inbox_reads.c.person_id == person_id, inbox_reads.c.thread_id == thread_id
            )
        ).scalar()

    def clear_read_marker(self, person_id: int, thread_id: int) -> None:
        self._db.execute(
            delete(inbox_reads).where(inbox_reads.c.person_id == person_id, inbox_reads.c.thread_id == thread_id)
        )

    def mark_threads_read_where_person_wrote(self, person_id: int, now: datetime) -> None:
        """After a claim: the claimed conversations start read, up to their newest comment."""
        newest = (
            select(comments.c.thread_id, func.max(comments.c.id).label("newest"))
            .where(comments.c.thread_id.in_(select(comments.c.thread_id).where(comments.c.person_id == person_id)))
            .group_by(comments.c.thread_id)
        ).subquery()
        already = select(inbox_reads.c.thread_id).where(inbox_reads.c.person_id == person_id)
        self._db.execute(
            insert(inbox_reads).from_select(
                ["person_id", "thread_id", "last_read_comment_id", "read_at"],
                select(
                    literal(person_id), newest.c.thread_id, newest.c.newest, literal(now, inbox_reads.c.read_at.type)
                ).where(newest.c.thread_id.not_in(already)),
            )
        )

    # mentions ---------------------------------------------------------------------------------
    def add_mentions(self, comment_id: int, handles: set[str]) -> None:
        if handles:
            self._db.execute(
                insert(comment_mentions), [{"comment_id": comment_id, "handle": h} for h in sorted(handles)]
            )

    def replace_mentions(self, comment_id: int, handles: set[str]) -> bool:
        """Returns whether the comment mentioned or mentions anyone (whether inboxes may change)."""
        dropped = self._db.execute(delete(comment_mentions).where(comment_mentions.c.comment_id == comment_id))
        self.add_mentions(comment_id, handles)
        return bool(dropped.rowcount) or bool(handles)

    # the inbox --------------------------------------------------------------------------------
    def page_threads(
        self,
        person_id: int,
        view: InboxFilter,
        cursor: InboxCursor | None,
        limit: int,
        *,
        thread_id: int | None = None,
    ) -> list[ThreadRow]:
        """One page of the person's conversations: a range scan of their rows in ``inbox_conversations``
        (newest activity first), each joined by key to its thread, site and read marker. With
        ``thread_id``: that one conversation, if it is in the person's inbox under ``view``."""
        ic = inbox_conversations
        query = (
            select(
                threads.c.id,
                threads.c.site_id,
                threads.c.uri,
                threads.c.title,
                threads.c.comment_count,
                ic.c.last_activity_at.label("activity"),
                sites.c.key.label("site_key"),
                sites.c.name.label("site_name"),
                sites.c.origins,
                inbox_reads.c.last_read_comment_id,
                ic.c.follower,
            )
            .select_from(ic)
            .join(threads, threads.c.id == ic.c.thread_id)
            .join(sites, sites.c.id == threads.c.site_id)
            .outerjoin(
                inbox_reads, and_(inbox_reads.c.person_id == ic.c.person_id, inbox_reads.c.thread_id == ic.c.thread_id)
            )
            .where(ic.c.person_id == person_id, ic.c.muted == false())
        )
        if thread_id is not None:
            query = query.where(ic.c.thread_id == thread_id)
        if view == InboxFilter.REPLIES:
            query = query.where(ic.c.replied_to == true())
        elif view == InboxFilter.MENTIONS:
            query = query.where(ic.c.mentioned == true())
        elif view == InboxFilter.UNREAD:
            query = query.where(ic.c.last_other_comment_id > func.coalesce(inbox_reads.c.last_read_comment_id, 0))
        if cursor is not None:
            # Native conversations rank 1 (see domain/inbox.py: sort_key).
            query = query.where(
                or_(
                    ic.c.last_activity_at < cursor.activity,
                    and_(
                        ic.c.last_activity_at == cursor.activity, literal(cursor.rank) == 1, ic.c.thread_id < cursor.id
                    ),
                )
            )
        query = query.order_by(ic.c.last_activity_at.desc(), ic.c.thread_id.desc()).limit(limit)
        return [
            _thread_row(r, r.last_read_comment_id, FollowState.FOLLOW.value if r.follower else None)
            for r in self._db.execute(query)
        ]

    def followed_people_threads(self, person_id: int, limit: int) -> list[ThreadRow]:
        """Discover: the conversations of the people one follows (before the follow too), newest first."""
        followed_people = self._targets(person_id, TargetKind.PERSON, FollowState.FOLLOW)
        activity = func.coalesce(threads.c.last_comment_at, threads.c.created_at).label("activity")
        query = (
            select(
                threads.c.id,
                threads.c.site_id,
                threads.c.uri,
                threads.c.title,
                threads.c.comment_count,
                activity,
                sites.c.key.label("site_key"),
                sites.c.name.label("site_name"),
                sites.c.origins,
            )
            .join(sites, sites.c.id == threads.c.site_id)
            .where(
                threads.c.id.in_(
                    select(comments.c.thread_id).where(
                        comments.c.person_id.in_(followed_people), comments.c.status == PUBLISHED
                    )
                )
            )
            .order_by(activity.desc(), threads.c.id.desc())
            .limit(limit)
        )
        return [_discovered(r) for r in self._db.execute(query)]

    def unread_counts(self, person_id: int, thread_ids: list[int]) -> dict[int, int]:
        if not thread_ids:
            return {}
        rows = self._db.execute(
            select(comments.c.thread_id, func.count().label("n"))
            .select_from(comments)
            .outerjoin(
                inbox_reads, and_(inbox_reads.c.thread_id == comments.c.thread_id, inbox_reads.c.person_id == person_id)
            )
            .where(
                comments.c.thread_id.in_(thread_ids),
                comments.c.status == PUBLISHED,
                _not_by(person_id),
                comments.c.id > func.coalesce(inbox_reads.c.last_read_comment_id, 0),
                func.coalesce(comments.c.person_id, 0).not_in(
                    self._targets(person_id, TargetKind.PERSON, FollowState.MUTE)
                ),
            )
            .group_by(comments.c.thread_id)
        )
        return {r.thread_id: r.n for r in rows}

    def latest_comments(self, person_id: int, thread_ids: list[int], per_thread: int) -> dict[int, list[LatestComment]]:
        """The newest published comments of each thread (oldest of them first), muted people left out."""
        if not thread_ids:
            return {}
        parent = comments.alias("parent")
        ranked = (
            select(
                *_COMMENT_COLUMNS,
                parent.c.person_id.label("parent_person_id"),
                func.row_number().over(partition_by=comments.c.thread_id, order_by=comments.c.id.desc()).label("rn"),
            )
            .select_from(comments)
            .outerjoin(parent, parent.c.id == comments.c.parent_id)
            .where(
                comments.c.thread_id.in_(thread_ids),
                comments.c.status == PUBLISHED,
                func.coalesce(comments.c.person_id, 0).not_in(
                    self._targets(person_id, TargetKind.PERSON, FollowState.MUTE)
                ),
            )
        ).subquery()
        rows = self._db.execute(
            select(ranked).where(ranked.c.rn <= per_thread).order_by(ranked.c.thread_id, ranked.c.id)
        )
        out: dict[int, list[LatestComment]] = {}
        for row in rows:
            out.setdefault(row.thread_id, []).append(
                LatestComment(_comment(row), to_you=row.parent_person_id == person_id and row.person_id != person_id)
            )
        return out

    def active_threads(self, since: datetime, limit: int) -> list[ThreadRow]:
        """Discover: the conversations with the most recent activity across every site."""
        query = (
            select(
                threads.c.id,
                threads.c.site_id,
                threads.c.uri,
                threads.c.title,
                threads.c.comment_count,
                threads.c.last_comment_at.label("activity"),
                sites.c.key.label("site_key"),
                sites.c.name.label("site_name"),
                sites.c.origins,
            )
            .join(sites, sites.c.id == threads.c.site_id)
            .where(threads.c.last_comment_at >= since, threads.c.comment_count > 0)
            .order_by(threads.c.last_comment_at.desc(), threads.c.id.desc())
            .limit(limit)
        )
        return [_discovered(r) for r in self._db.execute(query)]

    def thread_with_site(self, thread_id: int) -> Any:
        return self._db.execute(
            select(threads.c.id, threads.c.uri, threads.c.site_id, sites.c.key.label("site_key"))
            .join(sites, sites.c.id == threads.c.site_id)
            .where(threads.c.id == thread_id)
        ).first()


def _thread_row(r: Any, last_read_comment_id: int | None, follow_state: str | None) -> ThreadRow:
    return ThreadRow(
        thread_id=r.id,
        site_id=r.site_id,
        site_key=r.site_key,
        site_name=r.site_name,
        site_origins=tuple(r.origins or ()),
        uri=r.uri,
        title=r.title,
        comment_count=r.comment_count,
        activity=_aware(r.activity),
        last_read_comment_id=last_read_comment_id,
        follow_state=follow_state,
    )


def _discovered(r: Any) -> ThreadRow:
    return _thread_row(r, None, None)


def _aware(moment: Any) -> datetime:
    from datetime import UTC

    if isinstance(moment, str):  # SQLite hands back COALESCE(...) of two timestamps as text
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
