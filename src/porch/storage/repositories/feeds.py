"""Read models for Atom feeds: published comments newest first, keyset-paged by id (one query a page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy.orm import aliased

from porch.domain.comments import CommentStatus
from porch.storage.schema import comments, sites, threads


@dataclass(frozen=True)
class FeedEntry:
    id: int
    parent_id: int | None
    author_name: str
    author_website: str | None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    thread_uri: str
    thread_title: str
    site_origin: str | None

    @property
    def updated_at(self) -> datetime:
        return self.edited_at or self.created_at


def _entry(row: Any) -> FeedEntry:
    origins = list(row.origins or [])
    return FeedEntry(
        id=row.id, parent_id=row.parent_id, author_name=row.author_name, author_website=row.author_website,
        body_html=row.body_html, created_at=row.created_at, edited_at=row.edited_at, thread_uri=row.uri,
        thread_title=row.title, site_origin=origins[0] if origins else None,
    )


def _base() -> Select[Any]:
    return (
        select(comments.c.id, comments.c.parent_id, comments.c.author_name, comments.c.author_website,
               comments.c.body_html, comments.c.created_at, comments.c.edited_at, threads.c.uri, threads.c.title,
               sites.c.origins)
        .join(threads, threads.c.id == comments.c.thread_id)
        .join(sites, sites.c.id == threads.c.site_id)
        .where(comments.c.status == CommentStatus.PUBLISHED.value)
    )


class FeedRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def _page(self, query: Select[Any], before: int | None, limit: int) -> list[FeedEntry]:
        if before is not None:
            query = query.where(comments.c.id < before)
        return [_entry(row) for row in self._db.execute(query.order_by(comments.c.id.desc()).limit(limit))]

    def site_entries(self, site_id: int, *, before: int | None, limit: int) -> list[FeedEntry]:
        return self._page(_base().where(threads.c.site_id == site_id), before, limit)

    def thread_entries(self, thread_id: int, *, before: int | None, limit: int) -> list[FeedEntry]:
        return self._page(_base().where(comments.c.thread_id == thread_id), before, limit)

    def replies_to_person(self, person_id: int, *, before: int | None, limit: int) -> list[FeedEntry]:
        """Published replies to any comment ``person_id`` wrote, except their own answers to themselves."""
        parent = aliased(comments)
        query = (
            _base()
            .join(parent, parent.c.id == comments.c.parent_id)
            .where(parent.c.person_id == person_id, comments.c.person_id.is_distinct_from(person_id))
        )
        return self._page(query, before, limit)
