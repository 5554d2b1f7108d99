"""Reading a whole site out, in id order and in chunks, for the exporters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select
from sqlalchemy.orm import aliased

from porch.storage.schema import comments, people, person_emails, threads, votes

CHUNK = 1000


@dataclass(frozen=True)
class ExportedThread:
    id: int
    key: str
    uri: str
    title: str
    created_at: datetime
    closed: bool
    comment_count: int


@dataclass(frozen=True)
class ExportedVote:
    person_id: int
    value: int
    updated_at: datetime


@dataclass(frozen=True)
class ExportedComment:
    id: int
    thread_id: int
    parent_id: int | None
    person_id: int | None
    author_name: str
    author_website: str | None
    author_email: str | None
    body_source: str
    body_html: str
    status: str
    kind: str
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    remote_addr: str | None
    import_ref: str | None
    parent_import_ref: str | None
    votes: tuple[ExportedVote, ...]


@dataclass(frozen=True)
class ExportedPerson:
    id: int
    display_name: str
    website: str | None
    avatar_url: str | None
    created_at: datetime
    import_ref: str | None
    emails: tuple[str, ...]


class ExportRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def threads_with_comments(self, site_id: int) -> list[ExportedThread]:
        """The site's threads that have comments, in the order of their first comment (the
        order an import of the export creates them in, so a round trip keeps it)."""
        first_comment = select(func.min(comments.c.id)).where(comments.c.thread_id == threads.c.id).scalar_subquery()
        rows = self._db.execute(
            select(threads)
            .where(threads.c.site_id == site_id, exists().where(comments.c.thread_id == threads.c.id))
            .order_by(first_comment, threads.c.id)
        )
        return [
            ExportedThread(row.id, row.key, row.uri, row.title, row.created_at, row.closed, row.comment_count)
            for row in rows
        ]

    def people_of_site(self, site_id: int) -> Iterator[ExportedPerson]:
        """Everyone who wrote or voted on a comment of the site, in id order."""
        site_comments = select(comments.c.id).join(threads, threads.c.id == comments.c.thread_id)
        site_comments = site_comments.where(threads.c.site_id == site_id)
        wrote = select(comments.c.person_id).where(comments.c.id.in_(site_comments))
        voted = select(votes.c.person_id).where(votes.c.comment_id.in_(site_comments))
        ids = [
            person_id
            for (person_id,) in self._db.execute(
                select(people.c.id)
                .where(or_(people.c.id.in_(wrote), people.c.id.in_(voted)))
                .order_by(people.c.id)
            )
        ]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            emails: dict[int, list[str]] = defaultdict(list)
            for person_id, email in self._db.execute(
                select(person_emails.c.person_id, person_emails.c.email)
                .where(person_emails.c.person_id.in_(chunk))
                .order_by(person_emails.c.email)
            ):
                emails[person_id].append(email)
            for row in self._db.execute(select(people).where(people.c.id.in_(chunk)).order_by(people.c.id)):
                yield ExportedPerson(
                    row.id, row.display_name, row.website, row.avatar_url, row.created_at, row.import_ref,
                    tuple(emails[row.id]),
                )

    def comments_of_threads(self, thread_ids: Sequence[int]) -> Iterator[ExportedComment]:
        """The comments of the given threads in id order, with their votes, a chunk at a time."""
        ids = [
            comment_id
            for (comment_id,) in self._db.execute(
                select(comments.c.id).where(comments.c.thread_id.in_(list(thread_ids))).order_by(comments.c.id)
            )
        ]
        for start in range(0, len(ids), CHUNK):
            yield from self._comment_chunk(ids[start : start + CHUNK])

    def _comment_chunk(self, ids: Sequence[int]) -> Iterator[ExportedComment]:
        by_comment: dict[int, list[ExportedVote]] = defaultdict(list)
        for row in self._db.execute(
            select(votes).where(votes.c.comment_id.in_(ids)).order_by(votes.c.comment_id, votes.c.person_id)
        ):
            by_comment[row.comment_id].append(ExportedVote(row.person_id, row.value, row.updated_at))
        first_email = (
            select(person_emails.c.email)
            .where(person_emails.c.person_id == comments.c.person_id)
            .order_by(person_emails.c.id)
            .limit(1)
            .scalar_subquery()
        )
        parent = aliased(comments)
        parent_ref = select(parent.c.import_ref).where(parent.c.id == comments.c.parent_id).scalar_subquery()
        rows = self._db.execute(
            select(comments, first_email.label("author_email"), parent_ref.label("parent_import_ref"))
            .where(comments.c.id.in_(ids))
            .order_by(comments.c.id)
        )
        for row in rows:
            yield _exported_comment(row, tuple(by_comment[row.id]))


def _exported_comment(row: Any, comment_votes: tuple[ExportedVote, ...]) -> ExportedComment:
    return ExportedComment(
        id=row.id, thread_id=row.thread_id, parent_id=row.parent_id, person_id=row.person_id,
        author_name=row.author_name, author_website=row.author_website, author_email=row.author_email,
        body_source=row.body_source, body_html=row.body_html, status=row.status, kind=row.kind,
        created_at=row.created_at, edited_at=row.edited_at, upvotes=row.upvotes, downvotes=row.downvotes,
        remote_addr=row.remote_addr, import_ref=row.import_ref, parent_import_ref=row.parent_import_ref,
        votes=comment_votes,
    )
