"""Storage for imports: many rows at a time, and the refs that make a re-import a no-op."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    distinct,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased

from porch.domain.comments import CommentStatus
from porch.storage.schema import Id, UTCDateTime, comments, people, person_emails, threads, votes

# SQLite allows 32766 bound parameters per statement; PostgreSQL 65535. Lookups go in chunks.
LOOKUP_CHUNK = 500


def _chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class ImportRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    # comments -----------------------------------------------------------------------------
    def existing_comment_refs(self, keys: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which (thread id, import ref) pairs are stored already."""
        wanted = list(set(keys))
        found: set[tuple[int, str]] = set()
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                select(comments.c.thread_id, comments.c.import_ref).where(
                    tuple_(comments.c.thread_id, comments.c.import_ref).in_(list(chunk))
                )
            )
            found.update((thread_id, ref) for thread_id, ref in rows)
        return found

    def comment_ids_in_site(self, site_id: int, ids: Iterable[int]) -> set[int]:
        wanted = sorted(set(ids))
        found: set[int] = set()
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                select(comments.c.id)
                .join(threads, threads.c.id == comments.c.thread_id)
                .where(threads.c.site_id == site_id, comments.c.id.in_(list(chunk)))
            )
            found.update(comment_id for (comment_id,) in rows)
        return found

    def person_exists(self, person_id: int) -> bool:
        return self._db.execute(select(people.c.id).where(people.c.id == person_id)).first() is not None

    def add_comments(self, rows: list[dict[str, Any]], *, returning: bool = False) -> list[tuple[int, int, str]]:
        """Insert many comments; with ``returning``, their (id, thread id, import ref) in order."""
        if not rows:
            return []
        if not returning:
            self._db.execute(insert(comments), rows)
            return []
        result = self._db.execute(
            insert(comments).returning(
                comments.c.id, comments.c.thread_id, comments.c.import_ref, sort_by_parameter_order=True
            ),
            rows,
        )
        return [(row.id, row.thread_id, row.import_ref) for row in result]

    def add_votes(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._db.execute(insert(votes), rows)

    def threads_by_key(self, site_id: int, keys: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(set(keys))):
            rows = self._db.execute(
                select(threads.c.key, threads.c.id).where(threads.c.site_id == site_id, threads.c.key.in_(list(chunk)))
            )
            found.update((key, thread_id) for key, thread_id in rows)
        return found

    def add_threads(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert many threads at once; their ids by key. (A page's first comment posted
        while the import runs would make this fail: the import then rolls back whole.)"""
        if not rows:
            return {}
        result = self._db.execute(
            insert(threads).returning(threads.c.key, threads.c.id, sort_by_parameter_order=True), rows
        )
        return {row.key: row.id for row in result}

    # people -------------------------------------------------------------------------------
    def people_by_email(self, emails: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(emails))
        found: dict[str, int] = {}
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                select(person_emails.c.email, person_emails.c.person_id).where(person_emails.c.email.in_(list(chunk)))
            )
            found.update((key, person_id) for key, person_id in rows)
        return found

    def people_by_ref(self, refs: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(refs))
        found: dict[str, int] = {}
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                select(people.c.import_ref, people.c.id).where(people.c.import_ref.in_(list(chunk)))
            )
            found.update((key, person_id) for key, person_id in rows)
        return found

    def add_person(
        self,
        *,
        display_name: str,
        website: str | None,
        avatar_url: str | None,
        import_ref: str | None,
        created_at: datetime,
    ) -> int:
        return int(
            self._db.execute(
                insert(people)
                .values(
                    display_name=display_name,
                    website=website,
                    avatar_url=avatar_url,
                    import_ref=import_ref,
                    created_at=created_at,
                )
                .returning(people.c.id)
            ).scalar_one()
        )

    def add_email(self, person_id: int, email: str) -> None:
        """An imported address is never verified: an export file proves no one's mailbox."""
        self._db.execute(insert(person_emails).values(person_id=person_id, email=email, verified_at=None))

    def set_person_ref(self, person_id: int, import_ref: str) -> None:
        self._db.execute(
            update(people).where(people.c.id == person_id, people.c.import_ref.is_(None)).values(import_ref=import_ref)
        )


# The source's threads, staged while an import runs: a Disqus export lists every thread before
# the first post, and a million-comment file has a couple of hundred thousand of them. Kept in a
# temporary table (per connection, gone with the transaction) rather than in Python, the
# import's memory does not grow with the file. Not part of ``schema.metadata``: never migrated.
staging_metadata = MetaData()
staged_threads = Table(
    "porch_import_threads",
    staging_metadata,
    Column("ref", String(300), primary_key=True),
    Column("uri", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", UTCDateTime),
    Column("closed", Boolean, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("thread_id", Id),  # set when placed on a page
    Column("reason", Text),  # set when it cannot be: why its comments are skipped
    prefixes=["TEMPORARY"],
)
_placed = select(staged_threads.c.thread_id).where(staged_threads.c.thread_id.is_not(None))


class ThreadStaging:
    """The staged source threads of one import, in the import's own transaction."""

    def __init__(self, connection: Connection):
        self._db = connection
        self._postgres = connection.dialect.name == "postgresql"

    def create(self) -> None:
        schema = "pg_temp" if self._postgres else "temp"
        self._db.execute(text(f"DROP TABLE IF EXISTS {schema}.porch_import_threads"))
        staged_threads.create(self._db, checkfirst=False)

    def drop(self) -> None:
        staged_threads.drop(self._db, checkfirst=False)

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Stage thread records; a ref staged already keeps its first record."""
        if not rows:
            return
        if self._postgres:
            self._db.execute(pg_insert(staged_threads).on_conflict_do_nothing(), rows)
        else:
            self._db.execute(insert(staged_threads).prefix_with("OR IGNORE"), rows)

    def get(self, refs: Iterable[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in _chunks(sorted(set(refs))):
            for row in self._db.execute(select(staged_threads).where(staged_threads.c.ref.in_(list(chunk)))):
                found[row.ref] = row
        return found

    def place(self, thread_ids: dict[str, int]) -> None:
        if thread_ids:
            self._db.execute(
                update(staged_threads)
                .where(staged_threads.c.ref == bindparam("source_ref"))
                .values(thread_id=bindparam("placed_id")),
                [{"source_ref": ref, "placed_id": thread_id} for ref, thread_id in thread_ids.items()],
            )

    def refuse(self, reasons: dict[str, str]) -> None:
        if reasons:
            self._db.execute(
                update(staged_threads)
                .where(staged_threads.c.ref == bindparam("source_ref"))
                .values(reason=bindparam("why")),
                [{"source_ref": ref, "why": reason} for ref, reason in reasons.items()],
            )

    def placed_count(self) -> int:
        """How many threads of the site the staged ones landed on (two may share a page)."""
        return int(self._db.execute(select(func.count(distinct(staged_threads.c.thread_id)))).scalar_one())

    def resolve_parents(self) -> None:
        """Point each imported reply at its parent, found by the parent's ref in the same thread.

        Done in SQL once the whole file is in, so a reply may come before its parent in the
        file, or in a later import than it, and memory does not grow with the file.
        """
        parent = aliased(comments)
        self._db.execute(
            update(comments)
            .where(
                comments.c.thread_id.in_(_placed),
                comments.c.import_parent_ref.is_not(None),
                comments.c.parent_id.is_(None),
            )
            .values(
                parent_id=select(parent.c.id)
                .where(
                    parent.c.thread_id == comments.c.thread_id,
                    parent.c.import_ref == comments.c.import_parent_ref,
                    parent.c.id != comments.c.id,
                )
                .scalar_subquery()
            )
        )

    def unresolved_parents(self, limit: int) -> tuple[list[tuple[str, str]], int]:
        """Up to ``limit`` (ref, parent ref) of imported replies whose parent is not in their thread; and how many."""
        orphan = and_(
            comments.c.thread_id.in_(_placed), comments.c.import_parent_ref.is_not(None), comments.c.parent_id.is_(None)
        )
        total = int(self._db.execute(select(func.count()).select_from(comments).where(orphan)).scalar_one())
        rows = self._db.execute(
            select(comments.c.import_ref, comments.c.import_parent_ref)
            .where(orphan)
            .order_by(comments.c.id)
            .limit(limit)
        )
        return [(ref, parent_ref) for ref, parent_ref in rows], total

    def refresh_thread_counts(self) -> None:
        """Recount published comments (and the latest one) of each placed thread from its rows."""
        published = and_(comments.c.thread_id == threads.c.id, comments.c.status == CommentStatus.PUBLISHED.value)
        self._db.execute(
            update(threads)
            .where(threads.c.id.in_(_placed))
            .values(
                comment_count=select(func.count()).where(published).scalar_subquery(),
                last_comment_at=select(func.max(comments.c.created_at)).where(published).scalar_subquery(),
            )
        )

    def max_person_id(self) -> int:
        return int(self._db.execute(select(func.coalesce(func.max(people.c.id), 0))).scalar_one())
