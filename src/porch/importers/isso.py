"""Isso's SQLite database, read directly (opened read-only through SQLAlchemy).

Isso keeps ``threads(id, uri, title)`` and ``comments(tid, id, parent, created, modified,
mode, remote_addr, text, author, email, website, likes, dislikes, voters, …)``. ``mode`` is
1 published, 2 waiting for moderation, 4 deleted (Isso keeps a deleted comment with
replies as an empty row, exactly a tombstone). ``text`` is Markdown, rendered by Porch's
renderer; ``created``/``modified`` are Unix times; likes and dislikes become the vote
tallies (Isso keeps no voters, only a Bloom filter, so there are no individual votes).
Thread URIs are usually paths; they resolve against the site's first origin.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

from porch.domain.comments import CommentStatus
from porch.domain.markup import render_markdown
from porch.errors import InvalidImport
from porch.importers.common import clean_ip
from porch.importers.records import AuthorRecord, CommentRecord, ImportRecord, SkippedRecord, ThreadRecord

SQLITE_MAGIC = b"SQLite format 3\x00"
STATUS_BY_MODE = {1: CommentStatus.PUBLISHED, 2: CommentStatus.PENDING, 4: CommentStatus.DELETED}


def read_isso(path: Path) -> Iterator[ImportRecord]:
    """Records from an Isso database file: threads first, then comments in id order."""
    with path.open("rb") as probe:
        if probe.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise InvalidImport(f"{path.name} is not an SQLite database (Isso's comments.db)")
    engine = create_engine(f"sqlite+pysqlite:///file:{path.resolve()}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            try:
                thread_rows = connection.execute(text("SELECT id, uri, title FROM threads ORDER BY id"))
                for row in thread_rows:
                    yield ThreadRecord(ref=f"isso-thread:{row.id}", uri=row.uri or "", title=row.title or "")
                comment_rows = connection.execution_options(yield_per=1000).execute(
                    text(
                        "SELECT tid, id, parent, created, modified, mode, remote_addr, text, author, email,"
                        " website, likes, dislikes FROM comments ORDER BY id"
                    )
                )
                for row in comment_rows:
                    yield _comment(row)
            except DatabaseError as exc:
                raise InvalidImport(
                    f"{path.name} is not an Isso database ({str(exc.orig).splitlines()[0]})"
                ) from None
    finally:
        engine.dispose()


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if value is not None else None


def _comment(row: Any) -> ImportRecord:
    ref = f"isso:{row.id}"
    status = STATUS_BY_MODE.get(row.mode)
    if status is None:
        return SkippedRecord(ref, f"mode {row.mode!r} is not an Isso state (1, 2 or 4)")
    created_at = _time(row.created)
    if created_at is None:
        return SkippedRecord(ref, "no creation time")
    source = "" if status == CommentStatus.DELETED else (row.text or "")
    return CommentRecord(
        ref=ref,
        thread_ref=f"isso-thread:{row.tid}",
        parent_ref=f"isso:{row.parent}" if row.parent else None,
        author=AuthorRecord(
            name="" if status == CommentStatus.DELETED else (row.author or "Anonymous"),
            email=row.email or None,
            website=row.website or None,
        ),
        body_html=render_markdown(source) if source else "",
        body_source=source,
        status=status,
        created_at=created_at,
        edited_at=_time(row.modified),
        remote_addr=clean_ip(row.remote_addr or ""),
        upvotes=row.likes or 0,
        downvotes=row.dislikes or 0,
    )
