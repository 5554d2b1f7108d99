from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, insert, select, update

from porch.domain.comments import Comment, CommentStatus
from porch.domain.votes import tally_change
from porch.storage.prepared import Prepared
from porch.storage.schema import comments, threads, votes

_COMMENT_COLUMNS = [
    comments.c.id,
    comments.c.thread_id,
    comments.c.parent_id,
    comments.c.person_id,
    comments.c.author_name,
    comments.c.author_website,
    comments.c.body_source,
    comments.c.body_html,
    comments.c.status,
    comments.c.created_at,
    comments.c.edited_at,
    comments.c.upvotes,
    comments.c.downvotes,
    comments.c.pinned_at,
]

# Built once: the posting path's insert (building it per post cost more than running it).
_ADD_COLUMNS = ("thread_id", "parent_id", "person_id", "author_name", "author_website", "body_source", "body_html",
                "status", "created_at", "edit_token_hash", "remote_addr")
_ADD = Prepared(
    insert(comments)
    .values({name: bindparam(f"new_{name}") for name in _ADD_COLUMNS} | {"upvotes": 0, "downvotes": 0})
    .returning(*_COMMENT_COLUMNS)
)

_GET_SQL = select(*_COMMENT_COLUMNS).where(comments.c.id == bindparam("comment_id"))
_GET = Prepared(_GET_SQL)
_GET_FOR_UPDATE = Prepared(_GET_SQL.with_for_update())


def _comment(row: Any) -> Comment:
    return Comment(
        id=row.id,
        thread_id=row.thread_id,
        parent_id=row.parent_id,
        person_id=row.person_id,
        author_name=row.author_name,
        author_website=row.author_website,
        body_source=row.body_source,
        body_html=row.body_html,
        status=CommentStatus(row.status),
        created_at=row.created_at,
        edited_at=row.edited_at,
        upvotes=row.upvotes,
        downvotes=row.downvotes,
        pinned_at=row.pinned_at,
    )


class CommentRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(
        self,
        *,
        thread_id: int,
        parent_id: int | None,
        person_id: int | None,
        author_name: str,
        author_website: str | None,
        body_source: str,
        body_html: str,
        status: CommentStatus,
        now: datetime,
        edit_token_hash: str | None,
        remote_addr: str | None,
    ) -> Comment:
        row = _ADD.one(
            self._db,
            {"new_thread_id": thread_id, "new_parent_id": parent_id, "new_person_id": person_id,
             "new_author_name": author_name, "new_author_website": author_website, "new_body_source": body_source,
             "new_body_html": body_html, "new_status": status.value, "new_created_at": now,
             "new_edit_token_hash": edit_token_hash, "new_remote_addr": remote_addr},
        )  # fmt: skip
        return _comment(row)

    def get(self, comment_id: int, *, lock: bool = False) -> Comment | None:
        row = (_GET_FOR_UPDATE if lock else _GET).first(self._db, {"comment_id": comment_id})
        return _comment(row) if row else None

    def edit_token_hash(self, comment_id: int) -> str | None:
        return self._db.execute(select(comments.c.edit_token_hash).where(comments.c.id == comment_id)).scalar()

    def list_for_thread(self, thread_id: int) -> list[Comment]:
        """Every stored comment of a thread: the read model decides what is shown (one query)."""
        rows = self._db.execute(select(*_COMMENT_COLUMNS).where(comments.c.thread_id == thread_id))
        return [_comment(row) for row in rows]

    def update_body(self, comment_id: int, *, body_source: str, body_html: str, now: datetime) -> None:
        self._db.execute(
            update(comments)
            .where(comments.c.id == comment_id)
            .values(body_source=body_source, body_html=body_html, edited_at=now)
        )

    def mark_deleted(self, comment_id: int, now: datetime) -> None:
        """Keep the row (replies hang from it) but nothing of what the author wrote."""
        self._db.execute(
            update(comments)
            .where(comments.c.id == comment_id)
            .values(
                status=CommentStatus.DELETED.value,
                body_source="",
                body_html="",
                author_website=None,
                author_name="",
                edit_token_hash=None,
                edited_at=now,
            )
        )

    def has_published_on_site(self, person_id: int, site_id: int) -> bool:
        query = select(
            exists().where(
                comments.c.person_id == person_id,
                comments.c.status == CommentStatus.PUBLISHED.value,
                comments.c.thread_id == threads.c.id,
                threads.c.site_id == site_id,
            )
        )
        return bool(self._db.execute(query).scalar())

    # votes --------------------------------------------------------------------------------
    def vote_of(self, comment_id: int, person_id: int) -> int:
        value = self._db.execute(
            select(votes.c.value).where(votes.c.comment_id == comment_id, votes.c.person_id == person_id)
        ).scalar()
        return int(value or 0)

    def set_vote(self, comment_id: int, person_id: int, old: int, new: int, now: datetime) -> None:
        """Record a person's vote and move the comment's tallies by the difference.

        Callers hold the comment's row lock (or SQLite's write lock), so ``old`` is current.
        """
        where = (votes.c.comment_id == comment_id) & (votes.c.person_id == person_id)
        if new == 0:
            self._db.execute(votes.delete().where(where))
        elif old == 0:
            self._db.execute(
                insert(votes).values(comment_id=comment_id, person_id=person_id, value=new, updated_at=now)
            )
        else:
            self._db.execute(update(votes).where(where).values(value=new, updated_at=now))
        up, down = tally_change(old, new)
        if up or down:
            self._db.execute(
                update(comments)
                .where(comments.c.id == comment_id)
                .values(upvotes=comments.c.upvotes + up, downvotes=comments.c.downvotes + down)
            )
