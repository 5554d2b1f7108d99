"""The per-person conversation index (``inbox_conversations``): kept up to date as comments are
written, recomputed from the comments when something changes in bulk.

Two ways in, one meaning (docs/subsystems/inbox.md, "What is in a person's inbox"):

- :meth:`InboxIndexRepository.note_comment` — a comment was published (or held, for its own author):
  ONE set-based ``INSERT … SELECT … ON CONFLICT DO UPDATE`` moves every row of the thread forward and
  adds the rows the comment brings (its author, the author of the comment it answers, the people it
  ``@mentions``, the people following its author), and RETURNs who should hear of it live;
- :meth:`InboxIndexRepository.rebuild` — delete the rows of a scope (a person, a thread, a site,
  everything) and derive them again from comments, follows and mentions. Used after deletes,
  moderation taking a comment back, edits, claims, mutes, imports, the migration and
  ``porch inbox rebuild``: rare writes that may cost what the scope holds.

Only people with an account get rows: nobody else can open an inbox (a claim rebuilds the
claimer's rows).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Select

from porch.domain.comments import CommentStatus
from porch.domain.inbox import FollowState, TargetKind
from porch.storage.prepared import Prepared
from porch.storage.schema import (
    accounts,
    comment_mentions,
    comments,
    inbox_conversations,
    inbox_follows,
    people,
    threads,
)

PUBLISHED = CommentStatus.PUBLISHED.value
FLAGS = ("participant", "follower", "replied_to", "mentioned", "via_person")
ic = inbox_conversations


@dataclass(frozen=True)
class RebuildScope:
    """What to recompute; every field given narrows it (none: everything)."""

    person_id: int | None = None
    thread_id: int | None = None
    site_id: int | None = None
    thread_ids: tuple[int, ...] | None = None  # a few hundred at most: they go in an IN list


def _dialect_insert(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _muting(person: Any, author: Any) -> ColumnElement[bool]:
    """``person`` muted ``author`` (a person): their comments are left out of that person's inbox."""
    # correlate_except: ``person`` may come from a query two levels up; auto-correlation looks one up
    # only, and would put that whole query in this FROM (and run it once per row).
    return exists(
        select(literal(1))
        .where(
            inbox_follows.c.person_id == person,
            inbox_follows.c.target_kind == TargetKind.PERSON.value,
            inbox_follows.c.target_id == func.coalesce(author, 0),
            inbox_follows.c.state == FollowState.MUTE.value,
        )
        .correlate_except(inbox_follows)
    )


def _activity(thread: Any) -> Any:
    """A conversation's last activity, as ``threads`` keeps it (the inbox orders by it)."""
    return (
        select(func.coalesce(threads.c.last_comment_at, threads.c.created_at))
        .where(threads.c.id == thread)
        .scalar_subquery()
    )


class InboxIndexRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    # --- one comment, one statement ---------------------------------------------------------------
    def note_comment(
        self,
        *,
        comment_id: int,
        thread_id: int,
        author_id: int | None,
        parent_id: int | None,
        handles: set[str],
        published: bool,
    ) -> set[int]:
        """Index a comment in one statement; returns the people (not its author, not muting it) whose
        inbox it reaches. A held comment only puts the conversation in its author's inbox."""
        statement = _note_statement(
            self._db.dialect.name, published, author_id is not None, parent_id is not None, bool(handles)
        )
        if statement is None:
            return set()
        params: dict[str, Any] = {"comment_id": comment_id, "thread_id": thread_id, "author_id": author_id}
        if parent_id is not None:
            params["parent_id"] = parent_id
        if handles:
            params["handles"] = sorted(handles)
        reached = set()
        for row in statement.all(self._db, params):
            if published and row.last_other_comment_id == comment_id and not row.muted:
                reached.add(int(row.person_id))
        return reached

    # --- recomputing ------------------------------------------------------------------------------
    def rebuild(self, scope: RebuildScope) -> int:
        """Delete the scope's rows and derive them again (a few set-based statements). Returns rows kept."""
        if self._db.dialect.name == "postgresql" and scope == RebuildScope():
            # Everything at once is costed high enough for PostgreSQL to compile it with JIT, which
            # then takes longer than the query (measured: 4 of 7.5 s for 10,000 conversations).
            self._db.exec_driver_sql("SET LOCAL jit = off")
        self._db.execute(delete(ic).where(*self._scope_rows(scope)))
        derived = self._derived(scope)
        insert = _dialect_insert(self._db)(ic).from_select(
            ["person_id", "thread_id", "last_activity_at", "last_other_comment_id", *FLAGS, "muted"], derived
        )
        return int(self._db.execute(insert).rowcount or 0)

    def _scope_rows(self, scope: RebuildScope) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if scope.person_id is not None:
            where.append(ic.c.person_id == scope.person_id)
        if scope.thread_id is not None:
            where.append(ic.c.thread_id == scope.thread_id)
        if scope.site_id is not None:
            where.append(ic.c.thread_id.in_(select(threads.c.id).where(threads.c.site_id == scope.site_id)))
        if scope.thread_ids is not None:
            where.append(ic.c.thread_id.in_(scope.thread_ids))
        return where or [true()]

    @staticmethod
    def _narrow(query: Select[Any], person: Any, thread: Any, scope: RebuildScope) -> Select[Any]:
        if scope.person_id is not None:
            query = query.where(person == scope.person_id)
        if scope.thread_id is not None:
            query = query.where(thread == scope.thread_id)
        if scope.site_id is not None:
            query = query.where(thread.in_(select(threads.c.id).where(threads.c.site_id == scope.site_id)))
        if scope.thread_ids is not None:
            query = query.where(thread.in_(scope.thread_ids))
        return query

    def _derived(self, scope: RebuildScope) -> Select[Any]:
        """Every (person, thread) pair of the scope with its flags, from the source tables: one indexed
        lookup per reason (each tagged with its flag), grouped by pair; then, per pair, the thread's
        activity and the newest comment by others (both by primary key / the thread_id index)."""
        reply, parent = comments.alias("reply"), comments.alias("parent")
        follow = inbox_follows.alias("follow")

        def tagged(*flags: Any) -> list[Any]:
            return [
                (flag if not isinstance(flag, int) else literal(flag)).label(name)
                for flag, name in zip(flags, (*FLAGS, "muted"), strict=True)
            ]

        is_follow = case((follow.c.state == FollowState.FOLLOW.value, 1), else_=0)
        is_mute = case((follow.c.state == FollowState.MUTE.value, 1), else_=0)
        sources = union_all(
            self._narrow(
                select(
                    comments.c.person_id.label("pid"), comments.c.thread_id.label("tid"), *tagged(1, 0, 0, 0, 0, 0)
                ).join(accounts, accounts.c.person_id == comments.c.person_id),
                comments.c.person_id,
                comments.c.thread_id,
                scope,
            ),
            self._narrow(
                select(follow.c.person_id, follow.c.target_id, *tagged(0, is_follow, 0, 0, 0, is_mute)).where(
                    follow.c.target_kind == TargetKind.THREAD.value
                ),
                follow.c.person_id,
                follow.c.target_id,
                scope,
            ),
            self._narrow(
                select(accounts.c.person_id, parent.c.thread_id, *tagged(0, 0, 1, 0, 0, 0))
                .select_from(reply)
                .join(parent, parent.c.id == reply.c.parent_id)
                .join(accounts, accounts.c.person_id == parent.c.person_id)
                .where(
                    reply.c.status == PUBLISHED,
                    func.coalesce(reply.c.person_id, 0) != parent.c.person_id,
                    ~_muting(parent.c.person_id, reply.c.person_id),
                ),
                parent.c.person_id,
                reply.c.thread_id,
                scope,
            ),
            self._narrow(
                select(accounts.c.person_id, comments.c.thread_id, *tagged(0, 0, 0, 1, 0, 0))
                .select_from(accounts)
                .join(people, people.c.id == accounts.c.person_id)
                .join(comment_mentions, comment_mentions.c.handle == people.c.handle)
                .join(comments, comments.c.id == comment_mentions.c.comment_id)
                .where(
                    comments.c.status == PUBLISHED,
                    func.coalesce(comments.c.person_id, 0) != accounts.c.person_id,
                    ~_muting(accounts.c.person_id, comments.c.person_id),
                ),
                accounts.c.person_id,
                comments.c.thread_id,
                scope,
            ),
            self._narrow(
                # following and muting a person are exclusive (one row per target): no mute to check
                select(follow.c.person_id, comments.c.thread_id, *tagged(0, 0, 0, 0, 1, 0))
                .select_from(comments)
                .join(
                    follow,
                    and_(
                        follow.c.target_kind == TargetKind.PERSON.value,
                        follow.c.target_id == comments.c.person_id,
                        follow.c.state == FollowState.FOLLOW.value,
                    ),
                )
                .where(comments.c.status == PUBLISHED, comments.c.created_at >= follow.c.created_at),
                follow.c.person_id,
                comments.c.thread_id,
                scope,
            ),
        ).subquery()
        names = (*FLAGS, "muted")
        pairs = (
            select(sources.c.pid, sources.c.tid, *(func.max(sources.c[name]).label(name) for name in names))
            .group_by(sources.c.pid, sources.c.tid)
            .subquery()
        )
        other = comments.alias("other")
        last_other = (
            select(func.max(other.c.id))
            .where(
                other.c.thread_id == pairs.c.tid,
                other.c.status == PUBLISHED,
                func.coalesce(other.c.person_id, 0) != pairs.c.pid,
                ~_muting(pairs.c.pid, other.c.person_id),
            )
            .scalar_subquery()
        )
        return select(
            pairs.c.pid,
            pairs.c.tid,
            _activity(pairs.c.tid),
            last_other,
            *(pairs.c[name] > 0 for name in names),
        )


@functools.lru_cache(maxsize=64)
def _note_statement(dialect: str, published: bool, has_author: bool, has_parent: bool, has_handles: bool) -> Any:
    """The statement :meth:`InboxIndexRepository.note_comment` runs, built and prepared once per shape.

    Building it (unions, subqueries, ON CONFLICT) cost more CPU than running it (~5 ms per post,
    inside the write turn), so its values are bind parameters: ``comment_id``, ``thread_id``,
    ``author_id`` (may be None), ``parent_id`` and ``handles`` (when the shape has them).
    """
    source_flags = ("participant", "replied_to", "mentioned", "via_person")
    comment_id = bindparam("comment_id", type_=Integer)
    thread_id = bindparam("thread_id", type_=ic.c.thread_id.type)
    author_id = bindparam("author_id", type_=Integer)

    def why(*flags: int) -> list[Any]:  # labelled: a select keeps one of two identical columns
        return [literal(flag).label(name) for flag, name in zip(flags, source_flags, strict=True)]

    sources: list[Select[Any]] = []
    if published:  # every row of the thread moves forward
        sources.append(select(ic.c.person_id.label("pid"), *why(0, 0, 0, 0)).where(ic.c.thread_id == thread_id))
    if has_author:
        sources.append(
            select(accounts.c.person_id.label("pid"), *why(1, 0, 0, 0)).where(accounts.c.person_id == author_id)
        )
    if published and has_parent:  # the author of the comment answered
        answered = comments.alias("answered")
        sources.append(
            select(accounts.c.person_id.label("pid"), *why(0, 1, 0, 0))
            .join(answered, answered.c.person_id == accounts.c.person_id)
            .where(
                answered.c.id == bindparam("parent_id", type_=Integer),
                accounts.c.person_id != func.coalesce(author_id, 0),
            )
        )
    if published and has_handles:
        sources.append(
            select(accounts.c.person_id.label("pid"), *why(0, 0, 1, 0))
            .join(people, people.c.id == accounts.c.person_id)
            .where(
                people.c.handle.in_(bindparam("handles", expanding=True)),
                accounts.c.person_id != func.coalesce(author_id, 0),
            )
        )
    if published and has_author:
        sources.append(
            select(inbox_follows.c.person_id.label("pid"), *why(0, 0, 0, 1)).where(
                inbox_follows.c.target_kind == TargetKind.PERSON.value,
                inbox_follows.c.target_id == author_id,
                inbox_follows.c.state == FollowState.FOLLOW.value,
            )
        )
    if not sources:
        return None
    rows = union_all(*sources).subquery()
    grouped = (
        select(
            rows.c.pid,
            *(func.max(rows.c[name]).label(name) for name in source_flags),
        )
        .group_by(rows.c.pid)
        .subquery()
    )
    silenced = _muting(grouped.c.pid, author_id) if has_author else false()
    # News for everyone but its author and those who muted them (a held comment is news to nobody);
    # for its author the newest comment by others stays what it was (needed when their row is new).
    before = comments.alias("before")
    authors_news = (
        select(func.max(before.c.id))
        .where(
            before.c.thread_id == thread_id,
            before.c.status == PUBLISHED,
            func.coalesce(before.c.person_id, 0) != grouped.c.pid,
            ~_muting(grouped.c.pid, before.c.person_id),
        )
        .scalar_subquery()
    )
    whens: list[Any] = [(grouped.c.pid == func.coalesce(author_id, 0), authors_news)]
    if published:
        whens.append((~silenced, comment_id))
    other = case(*whens, else_=None)
    # A muted author's reply or mention does not bring the conversation in (it still moves).
    chosen = select(
        grouped.c.pid,
        thread_id,
        _activity(thread_id),
        other,
        grouped.c.participant > 0,
        false(),
        and_(grouped.c.replied_to > 0, ~silenced),
        and_(grouped.c.mentioned > 0, ~silenced),
        and_(grouped.c.via_person > 0, ~silenced),
        false(),
    ).where(grouped.c.pid.is_not(None))  # a WHERE: SQLite's INSERT … SELECT … ON CONFLICT needs one
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    insert = dialect_insert(ic).from_select(
        ["person_id", "thread_id", "last_activity_at", "last_other_comment_id", *FLAGS, "muted"], chosen
    )
    excluded = insert.excluded
    upsert = insert.on_conflict_do_update(
        index_elements=["person_id", "thread_id"],
        set_={
            "last_activity_at": excluded.last_activity_at,
            "last_other_comment_id": func.coalesce(excluded.last_other_comment_id, ic.c.last_other_comment_id),
            **{
                name: or_(ic.c[name], excluded[name])
                for name in ("participant", "replied_to", "mentioned", "via_person")
            },
        },
    ).returning(ic.c.person_id, ic.c.last_other_comment_id, ic.c.muted)
    return Prepared(upsert)
